"""The inner query that counting a grouped query wraps: one row per group on every dialect.

``SELECT * ... GROUP BY k`` is an error where every selected column must be a key or an
aggregate (ClickHouse, standard SQL); selecting the keys yields the same groups.
"""

from __future__ import annotations

from typing import Any

__all__ = ["group_rows"]


def group_rows(state: Any) -> Any:
    """``state`` selecting its GROUP BY keys when it groups and selects everything."""
    if state.groups and not state.columns:
        return state.set("columns", tuple(state.groups))
    return state
