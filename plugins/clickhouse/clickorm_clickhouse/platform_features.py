"""Version checks for the DDL, over the one feature table in :mod:`clickorm_clickhouse.versions`.

:func:`require` raises a SchemaError (not the QueryError of ``versions.require``) naming
the feature, where the DDL uses it, the server version and what to write instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from clickorm.errors import SchemaError
from clickorm_clickhouse import versions
from clickorm_clickhouse.versions import Feature, format_version

__all__ = ["feature", "supports", "require"]


def feature(name: str) -> Feature:
    return versions.get_feature(name)


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
