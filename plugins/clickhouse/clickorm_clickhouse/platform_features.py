"""Server features the DDL needs beyond :mod:`clickorm_clickhouse.versions`.

``versions.FEATURES`` is the shared table; the few DDL-only features below are kept here
(same :class:`~clickorm_clickhouse.versions.Feature` shape, same "later release when
unsure" rule) and looked up after it. :func:`require` raises a SchemaError naming the
feature, the server version and what to write instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from clickorm.errors import SchemaError
from clickorm_clickhouse import versions
from clickorm_clickhouse.versions import Feature, format_version

__all__ = ["DDL_FEATURES", "feature", "supports", "require"]

DDL_FEATURES: Mapping[str, Feature] = MappingProxyType(
    {
        f.name: f
        for f in (
            Feature(
                "table_comment",
                (21, 7),
                "table comments (CREATE TABLE ... COMMENT 'text')",
                instead="the comment is left out",
            ),
            Feature(
                # 18.16 parses Tuple(x T), but the server died on an insert into one
                "named_tuple",
                (21, 9),
                "named Tuple(name T, ...) columns",
                instead="unnamed Tuple(T, ...) (names stay on the Python side)",
            ),
            Feature(
                # 18.16 stores Nested and Array(Tuple) as one array per field (SELECT *
                # returns them split): no one-column form to write the old way
                "flatten_nested",
                (21, 3),
                "Nested columns kept as one column (the flatten_nested = 0 setting)",
                instead="one Array column per field, or a JSON column",
            ),
            Feature(
                "replacing_is_deleted",
                (23, 2),
                "ReplacingMergeTree(version, is_deleted)",
                instead="ReplacingMergeTree(version) and filter deleted rows in queries",
            ),
            Feature(
                "default_replica_path",
                (20, 10),
                "Replicated*MergeTree() without ZooKeeper path and replica",
                instead="give zoo_path and replica",
            ),
            Feature(
                "native_json",
                (25, 3),
                "the JSON type without experimental settings",
                instead="a String column holding JSON text",
            ),
            Feature(
                "modify_comment",
                (21, 7),
                "ALTER TABLE ... MODIFY COMMENT",
                instead="recreate the table",
            ),
            Feature(
                # 18.16 accepts ADD/MODIFY COLUMN ... COMMENT and silently drops the comment
                "alter_column_comment",
                (20, 1),
                "COMMENT in ALTER ... ADD/MODIFY COLUMN",
                instead="a separate ALTER ... COMMENT COLUMN",
            ),
            Feature(
                "data_skipping_indices_table",
                (21, 1),
                "the system.data_skipping_indices table",
            ),
            Feature(
                "memory_settings",
                (21, 11),
                "SETTINGS on non-MergeTree engines",
            ),
        )
    }
)


def feature(name: str) -> Feature:
    if name in versions.FEATURES:
        return versions.FEATURES[name]
    try:
        return DDL_FEATURES[name]
    except KeyError:
        raise KeyError(f"Unknown ClickHouse feature {name!r}") from None


def supports(version: Sequence[int] | None, name: str) -> bool:
    """Whether a server of ``version`` has ``name``; an unknown version is assumed current."""
    return version is None or tuple(version) >= feature(name).since


def require(version: Sequence[int] | None, name: str, where: str) -> None:
    """SchemaError naming the feature, ``where`` it is used and the server version."""
    if supports(version, name):
        return
    spec = feature(name)
    text = (
        f"{spec.description} is not available on ClickHouse {format_version(version)} "
        f"({where}): it needs ClickHouse {format_version(spec.since)} or newer."
    )
    if spec.instead:
        text += f" Instead: {spec.instead}."
    raise SchemaError(text)
