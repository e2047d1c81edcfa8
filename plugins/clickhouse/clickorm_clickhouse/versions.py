"""What each ClickHouse server version can do: one table the drivers, grammar and platform query.

ClickORM supports servers from 18.16 (Debian's package) to current releases. A feature
that is not in :data:`FEATURES` is assumed to exist on every supported server. For the
features listed, ``since`` is the first release that has it and ``settings`` are the
query settings a release in ``[since, settings_until)`` needs before the feature works
(experimental flags). Where the exact release was uncertain the later one was chosen:
refusing on a server that could have done it is safer than sending SQL it rejects, and a
flag sent to a release where it is already obsolete is accepted and ignored.

One table serves the connections (types, mutations, experimental settings), the grammar
(query syntax) and the platform (DDL, introspection). The 18.16 row of this table is
checked against a real 18.16 server and the 26.x row against chDB by the plugin's tests
(``test_native_versions.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from clickorm.dialects import Capabilities
from clickorm.errors import QueryError

__all__ = [
    "MIN_SUPPORTED_VERSION",
    "Feature",
    "FEATURES",
    "CAPABILITY_FEATURES",
    "Version",
    "parse_version",
    "format_version",
    "get_feature",
    "version_supports",
    "settings_for",
    "enabling_settings",
    "require",
    "derive_capabilities",
    "unsupported_features",
]

Version = tuple[int, ...]

#: The oldest server release ClickORM is tested against.
MIN_SUPPORTED_VERSION: Version = (18, 16)


@dataclass(frozen=True)
class Feature:
    """One server feature and the first release that has it."""

    name: str
    since: Version
    description: str
    #: query settings needed on releases in [since, settings_until); None = still needed
    settings: Mapping[str, Any] = field(default_factory=dict)
    settings_until: Version | None = None
    #: MergeTree table settings a table needs before the feature works on it
    table_settings: Mapping[str, Any] = field(default_factory=dict)
    #: the dialect capability flag this feature gates, if any
    capability: str | None = None
    #: what to write instead on an older server (shown in the refusal)
    instead: str = ""
    #: whether a connection turns the ``settings`` on by itself (see ``enabling_settings``)
    auto_enable: bool = True

    def needs_settings(self, version: Version) -> bool:
        if not self.settings:
            return False
        return self.settings_until is None or tuple(version) < self.settings_until


def _f(name: str, since: Version, description: str, **kw: Any) -> tuple[str, Feature]:
    return name, Feature(name=name, since=since, description=description, **kw)


FEATURES: Mapping[str, Feature] = MappingProxyType(
    dict(
        [
            # -- data types --------------------------------------------------------
            _f(
                "low_cardinality",
                (18, 12),
                "LowCardinality(T) columns",
                settings={"allow_experimental_low_cardinality_type": 1},
                settings_until=(19, 3),
                instead="declare the column as its plain type",
            ),
            _f(
                "codecs",
                (19, 1),
                "column compression codecs (CODEC(...))",
                instead="leave the codec out (the table's default compression applies)",
            ),
            _f(
                "ipv4_ipv6",
                (19, 3),
                "IPv4 / IPv6 column types",
                instead="store IPv4 as UInt32 (IPv4StringToNum) and IPv6 as FixedString(16)",
            ),
            _f(
                "simple_aggregate_function",
                (19, 8),
                "SimpleAggregateFunction(f, T) columns",
                instead="use AggregateFunction(f, T)",
            ),
            _f(
                "datetime64",
                (20, 1),
                "DateTime64(precision[, tz]) columns",
                instead="use DateTime (second precision)",
            ),
            _f(
                "bigint",
                (20, 8),
                "Int128/Int256/UInt128/UInt256 and Decimal256 columns",
                settings={"allow_experimental_bigint_types": 1},
                settings_until=(21, 7),
                instead="use Int64/UInt64 or Decimal128",
            ),
            _f(
                "map",
                (21, 1),
                "Map(K, V) columns",
                settings={"allow_experimental_map_type": 1},
                settings_until=(21, 8),
                instead="use two arrays (keys Array(K), values Array(V)) or Nested",
            ),
            _f(
                "date_lut_2149",
                (21, 4),
                "dates after 2105-12-31 in Date (up to 2149-06-06) and DateTime (up to "
                "2106-02-07 06:28:15)",
                instead="keep dates up to 2105-12-31 (older releases misread later ones)",
            ),
            _f(
                "date32",
                (21, 9),
                "Date32 columns (extended date range)",
                instead="use Date (1970..2149)",
            ),
            _f(
                "bool",
                (21, 12),
                "Bool columns",
                instead="use UInt8 (0/1)",
            ),
            _f(
                "object_json",
                (22, 3),
                "the first, now deprecated, JSON type (Object('json'))",
                settings={"allow_experimental_object_type": 1},
                auto_enable=False,
                instead="store JSON text in a String column",
            ),
            _f(
                "variant",
                (24, 1),
                "Variant(T1, T2, ...) columns",
                settings={"allow_experimental_variant_type": 1},
                settings_until=(25, 3),
                auto_enable=False,
                instead="use a String column or one column per type",
            ),
            _f(
                "dynamic",
                (24, 5),
                "Dynamic columns",
                settings={"allow_experimental_dynamic_type": 1},
                settings_until=(25, 3),
                auto_enable=False,
                instead="use a String column",
            ),
            _f(
                "json",
                (24, 8),
                "the JSON type",
                settings={"allow_experimental_json_type": 1, "enable_json_type": 1},
                settings_until=(25, 3),
                auto_enable=False,
                instead="store JSON text in a String column",
            ),
            # -- DDL -----------------------------------------------------------------
            _f(
                "skip_indices",
                (19, 3),
                "data skipping indices (INDEX name expr TYPE ... GRANULARITY n)",
                settings={"allow_experimental_data_skipping_indices": 1},
                settings_until=(20, 1),
                instead="leave the index out",
            ),
            _f(
                "ttl",
                (19, 6),
                "table and column TTL",
                instead="delete expired rows with ALTER TABLE ... DELETE",
            ),
            _f(
                "rename_column",
                (20, 4),
                "ALTER TABLE ... RENAME COLUMN",
                instead="add a new column, copy with ALTER ... UPDATE, drop the old one",
            ),
            _f(
                "projections",
                (21, 6),
                "table projections",
                instead="create a materialized view",
            ),
            # -- DML -----------------------------------------------------------------
            _f(
                "asof_join",
                (19, 6),
                "ASOF JOIN",
                capability="asof_join",
                instead="express the nearest match with argMax in a subquery",
            ),
            _f("with_fill", (19, 14), "ORDER BY ... WITH FILL"),
            _f("ilike", (20, 6), "ILIKE / NOT ILIKE", instead="use lower(x) LIKE lower(pattern)"),
            _f(
                "cte",
                (20, 10),
                "WITH name AS (subquery) common table expressions",
                capability="cte",
                instead="inline the subquery",
            ),
            _f(
                "union_distinct",
                (21, 1),
                "UNION DISTINCT (only UNION ALL before)",
                instead="wrap UNION ALL in SELECT DISTINCT",
            ),
            _f(
                "window_functions",
                (21, 1),
                "window functions (OVER (...))",
                settings={"allow_experimental_window_functions": 1},
                settings_until=(21, 9),
            ),
            _f("distinct_on", (21, 8), "SELECT DISTINCT ON (...)", instead="use LIMIT 1 BY"),
            _f(
                "server_parameters",
                (22, 10),
                "typed {name:Type} parameters bound by the server over the native protocol",
                capability="server_parameters",
                auto_enable=False,
            ),
            _f(
                "lightweight_delete",
                (22, 8),
                "DELETE FROM ... WHERE (lightweight delete)",
                settings={"allow_experimental_lightweight_delete": 1},
                settings_until=(23, 3),
                capability="lightweight_delete",
                instead="use the mutation ALTER TABLE ... DELETE WHERE ...",
            ),
            _f(
                "lightweight_update",
                (25, 7),
                "UPDATE ... SET ... WHERE (lightweight update, patch parts)",
                settings={"allow_experimental_lightweight_update": 1},
                settings_until=None,
                table_settings={"enable_block_number_column": 1, "enable_block_offset_column": 1},
                capability="lightweight_update",
                instead="use the mutation ALTER TABLE ... UPDATE ... WHERE ...",
            ),
            # -- query syntax (the grammar rewrites or refuses) ----------------------
            _f("exists", (21, 11), "EXISTS (subquery)", instead="use IN (subquery)"),
            _f(
                "limit_by_offset",
                (19, 7),
                "LIMIT n OFFSET m BY (an offset per group)",
                instead="drop the offset or filter with row_number() in a subquery",
            ),
            _f("semi_anti_join", (20, 1), "SEMI and ANTI JOIN",
               instead="use IN / NOT IN (subquery)"),
            _f(
                "alter_settings",
                (21, 1),
                "a SETTINGS clause on ALTER TABLE ... UPDATE/DELETE",
                instead="set mutations_sync on the connection's settings",
            ),
            _f("insert_settings", (21, 1), "a SETTINGS clause on INSERT",
               instead="set the settings on the connection"),
            # before this one the grammar rewrites instead of refusing
            _f("offset_keyword", (20, 5), "OFFSET without LIMIT"),
            _f(
                # 18.16 applies a mutation's Nullable condition wrongly (NULL rows are
                # updated or deleted, or the mutation fails and blocks the table): the
                # grammar writes ``WHERE ifNull((cond), 0)`` before this release
                "nullable_mutation_where",
                (20, 3),
                "a Nullable condition in ALTER TABLE ... UPDATE/DELETE WHERE",
            ),
            # -- DDL and introspection (the platform) --------------------------------
            _f(
                "table_comment",
                (21, 7),
                "table comments (CREATE TABLE ... COMMENT 'text')",
                instead="the comment is left out",
            ),
            _f(
                # 18.16 parses Tuple(x T), but the server died on an insert into one
                "named_tuple",
                (21, 9),
                "named Tuple(name T, ...) columns",
                instead="unnamed Tuple(T, ...) (names stay on the Python side)",
            ),
            _f(
                # 18.16 stores Nested and Array(Tuple) as one array per field (SELECT *
                # returns them split): no one-column form to write the old way
                "flatten_nested",
                (21, 3),
                "Nested columns kept as one column (the flatten_nested = 0 setting)",
                instead="one Array column per field, or a JSON column",
            ),
            _f(
                "replacing_is_deleted",
                (23, 2),
                "ReplacingMergeTree(version, is_deleted)",
                instead="ReplacingMergeTree(version) and filter deleted rows in queries",
            ),
            _f(
                "default_replica_path",
                (20, 10),
                "Replicated*MergeTree() without ZooKeeper path and replica",
                instead="give zoo_path and replica",
            ),
            _f(
                "native_json",
                (25, 3),
                "the JSON type without experimental settings",
                instead="a String column holding JSON text",
            ),
            _f(
                "modify_comment",
                (21, 7),
                "ALTER TABLE ... MODIFY COMMENT",
                instead="recreate the table",
            ),
            _f(
                # 18.16 accepts ADD/MODIFY COLUMN ... COMMENT and silently drops the comment
                "alter_column_comment",
                (20, 1),
                "COMMENT in ALTER ... ADD/MODIFY COLUMN",
                instead="a separate ALTER ... COMMENT COLUMN",
            ),
            _f(
                "data_skipping_indices_table",
                (21, 1),
                "the system.data_skipping_indices table",
            ),
            _f(
                "async_insert",
                (21, 11),
                "asynchronous inserts (async_insert, wait_for_async_insert)",
                instead="insert without async_insert (batch rows client-side with "
                "insert_many)",
                auto_enable=False,
            ),
            _f(
                "insert_deduplication_token",
                (22, 2),
                "the insert_deduplication_token setting",
                auto_enable=False,
            ),
            _f(
                "non_replicated_deduplication",
                (20, 10),
                "insert deduplication on non-replicated MergeTree tables "
                "(non_replicated_deduplication_window)",
                auto_enable=False,
            ),
            _f(
                "memory_settings",
                (21, 11),
                "SETTINGS on non-MergeTree engines",
            ),
        ]
    )
)

#: capability flag -> the feature that gates it
CAPABILITY_FEATURES: Mapping[str, str] = MappingProxyType(
    {f.capability: f.name for f in FEATURES.values() if f.capability}
)

_VERSION_RE = re.compile(r"(\d+(?:\.\d+)*)")


def parse_version(value: str | Sequence[int] | None) -> Version | None:
    """``"18.16.1+ds-7.3"`` / ``"ClickHouse 26.9.1.1"`` / ``(18, 16, 1)`` -> ``(18, 16, 1)``."""
    if value is None:
        return None
    if isinstance(value, str):
        match = _VERSION_RE.search(value)
        if not match:
            raise ValueError(f"Not a ClickHouse version: {value!r}")
        return tuple(int(part) for part in match.group(1).split("."))
    return tuple(int(part) for part in value)


def format_version(version: Sequence[int] | None) -> str:
    return ".".join(str(p) for p in version) if version else "unknown"


def get_feature(name: str) -> Feature:
    try:
        return FEATURES[name]
    except KeyError:
        raise KeyError(
            f"Unknown ClickHouse feature {name!r}. Known features: {', '.join(sorted(FEATURES))}"
        ) from None


def version_supports(version: Sequence[int] | None, feature: str) -> bool:
    """Whether a server of ``version`` has ``feature``; an unknown version is assumed current."""
    spec = get_feature(feature)
    if version is None:
        return True
    return tuple(version) >= spec.since


def settings_for(version: Sequence[int] | None, *features: str) -> dict[str, Any]:
    """Query settings ``version`` needs before ``features`` work (empty when none)."""
    out: dict[str, Any] = {}
    if version is None:
        return out
    v = tuple(version)
    for name in features:
        spec = get_feature(name)
        if v >= spec.since and spec.needs_settings(v):
            out.update(spec.settings)
    return out


def enabling_settings(version: Sequence[int] | None) -> dict[str, Any]:
    """Settings a connection sends by default so the features its dialect reports work.

    Only features marked ``auto_enable`` and present on ``version`` contribute, so every
    setting named here exists on that server (older servers reject unknown settings).
    """
    return settings_for(version, *(f.name for f in FEATURES.values() if f.auto_enable))


def require(
    version: Sequence[int] | None,
    feature: str,
    *,
    error: type[Exception] = QueryError,
    where: str | None = None,
) -> None:
    """Raise ``error`` naming the feature and the server version when it is missing."""
    if version_supports(version, feature):
        return
    spec = get_feature(feature)
    text = (
        f"{spec.description} is not available on ClickHouse {format_version(version)}"
        f"{f' ({where})' if where else ''}: it needs ClickHouse {format_version(spec.since)} "
        "or newer."
    )
    if spec.instead:
        text += f" Instead: {spec.instead}."
    raise error(text)


def derive_capabilities(
    version: Sequence[int] | None, capabilities: Iterable[str]
) -> Capabilities:
    """Drop the capability flags whose gating feature ``version`` lacks."""
    out = Capabilities(capabilities)
    return out.without(
        *(cap for cap, feature in CAPABILITY_FEATURES.items()
          if cap in out and not version_supports(version, feature))
    )


def unsupported_features(version: Sequence[int] | None) -> list[str]:
    """Names of the table's features ``version`` lacks, oldest requirement first."""
    if version is None:
        return []
    missing = [f for f in FEATURES.values() if tuple(version) < f.since]
    return [f.name for f in sorted(missing, key=lambda f: (f.since, f.name))]
