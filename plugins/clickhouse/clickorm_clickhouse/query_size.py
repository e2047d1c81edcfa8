"""Room for large bound values on the native protocol.

clickhouse-driver substitutes values into the SQL text client-side, so a long value
makes the text itself long, and the server refuses text over ``max_query_size``
(256 KiB by default) with a syntax error at the cut. A query whose substituted text may
exceed it is sent with a ``max_query_size`` large enough for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_MAX_QUERY_SIZE", "with_room_for_values"]

#: the server's default ``max_query_size``
DEFAULT_MAX_QUERY_SIZE = 262_144
# a value's literal is at most 4 characters per byte of it (\xNN escapes), plus quotes
_WORST_CASE = 4


def _estimate(sql: str, bound: Mapping[str, Any]) -> int:
    size = len(sql)
    for value in bound.values():
        if isinstance(value, str | bytes | bytearray):
            size += _WORST_CASE * len(value) + 2
        elif isinstance(value, list | tuple | set | frozenset):
            size += sum(_WORST_CASE * len(str(v)) + 4 for v in value)
        else:
            size += len(str(value))
    return size


def with_room_for_values(
    settings: Mapping[str, Any] | None,
    sql: str,
    bound: Mapping[str, Any] | None,
    connection_settings: Mapping[str, Any],
) -> Mapping[str, Any] | None:
    """``settings``, plus a ``max_query_size`` that fits the substituted text when the
    configured limit might not."""
    if not bound:
        return settings
    limit = int((settings or {}).get("max_query_size")
                or connection_settings.get("max_query_size") or DEFAULT_MAX_QUERY_SIZE)
    needed = _estimate(sql, bound) + 1024
    if needed <= limit:
        return settings
    return {**(settings or {}), "max_query_size": needed}
