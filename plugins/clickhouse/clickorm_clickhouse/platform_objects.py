"""Table parts only ClickHouse has: data skipping indexes and projections.

Both go in ``Meta.indexes`` / ``Meta.projections`` (or ``t.option("indexes", [...])``)::

    class Meta:
        indexes = [SkipIndex("idx_url", "url", type="bloom_filter(0.01)", granularity=4)]
        projections = [Projection("by_day", "SELECT day, count() GROUP BY day")]

A plain :class:`clickorm.schema.table.Index` (``Column(index=True)``, ``t.index(...)``)
becomes a skip index too: ``Index.options`` may set ``type`` (default ``minmax``),
``granularity`` (default 1) and ``expression`` (default: the indexed columns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clickorm.dialects import Index
from clickorm.errors import SchemaError

__all__ = ["SkipIndex", "Projection", "skip_index_from", "projection_from"]

_TYPE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\(.*\))?$", re.S)


@dataclass(frozen=True)
class SkipIndex:
    """``INDEX name expression TYPE type GRANULARITY granularity``.

    ``expression`` is a column name (quoted when the table has that column) or an SQL
    expression used verbatim; ``type`` is ClickHouse's index type (``minmax``,
    ``set(100)``, ``bloom_filter(0.01)``, ``ngrambf_v1(3, 256, 2, 0)``, ...).
    """

    name: str
    expression: str | tuple[str, ...]
    type: str = "minmax"
    granularity: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SchemaError(f"SkipIndex needs a name, got {self.name!r}")
        if not _TYPE_RE.match(self.type.strip()):
            raise SchemaError(
                f"SkipIndex {self.name!r}: {self.type!r} is not an index type such as "
                "'minmax', 'set(100)' or 'bloom_filter(0.01)'"
            )
        if isinstance(self.granularity, bool) or not isinstance(self.granularity, int) or (
            self.granularity < 1
        ):
            raise SchemaError(
                f"SkipIndex {self.name!r}: granularity must be a positive int, "
                f"got {self.granularity!r}"
            )
        if not isinstance(self.expression, str):
            object.__setattr__(self, "expression", tuple(self.expression))

    def sql(self, quote: Callable[[str], str], expr: Callable[[Any], str]) -> str:
        """The INDEX definition; ``expr`` renders the expression (columns quoted)."""
        return (
            f"INDEX {quote(self.name)} {expr(self.expression)} TYPE {self.type.strip()} "
            f"GRANULARITY {self.granularity}"
        )


@dataclass(frozen=True)
class Projection:
    """``PROJECTION name (SELECT ...)``: a SELECT without FROM, verbatim."""

    name: str
    query: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SchemaError(f"Projection needs a name, got {self.name!r}")
        if not isinstance(self.query, str) or not self.query.strip():
            raise SchemaError(f"Projection {self.name!r} needs its SELECT text")

    def body(self) -> str:
        text = self.query.strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        return text

    def sql(self, quote: Callable[[str], str]) -> str:
        return f"PROJECTION {quote(self.name)} ({self.body()})"


def skip_index_from(item: Any) -> SkipIndex | str:
    """An entry of ``indexes`` as a SkipIndex, or verbatim ``INDEX ...`` text."""
    if isinstance(item, SkipIndex):
        return item
    if isinstance(item, Index):
        if item.unique:
            raise SchemaError(
                f"ClickHouse has no unique indexes ({item.name!r} on {', '.join(item.columns)}): "
                "rows are not checked for uniqueness. Deduplicate with ReplacingMergeTree "
                "ordered by the key, or drop unique()"
            )
        if item.raw_sql:
            return _raw_index(item.raw_sql)
        opts = item.options
        expression = opts.get("expression") or item.columns
        return SkipIndex(
            item.name,
            expression,
            type=str(opts.get("type", "minmax")),
            granularity=int(opts.get("granularity", 1)),
        )
    if isinstance(item, str):
        return _raw_index(item)
    if isinstance(item, Mapping):
        try:
            return SkipIndex(**item)
        except TypeError as exc:
            raise SchemaError(f"Cannot read the skip index {dict(item)!r}: {exc}") from None
    raise SchemaError(
        f"Cannot read {item!r} as a ClickHouse skip index; use SkipIndex(name, expression, "
        "type=..., granularity=...), an Index or 'INDEX name expr TYPE t GRANULARITY n'"
    )


def _raw_index(text: str) -> str:
    text = text.strip()
    if not text.upper().startswith("INDEX "):
        text = "INDEX " + text
    return text


def projection_from(item: Any, name: str | None = None) -> Projection | str:
    """An entry of ``projections`` (Projection, ``PROJECTION ...`` text, or name -> SELECT)."""
    if isinstance(item, Projection):
        return item
    if isinstance(item, str):
        if name is not None:
            return Projection(name, item)
        text = item.strip()
        if not text.upper().startswith("PROJECTION "):
            raise SchemaError(
                f"Projection text must read 'PROJECTION name (SELECT ...)', got {item!r}; "
                "or use Projection(name, 'SELECT ...')"
            )
        return text
    raise SchemaError(
        f"Cannot read {item!r} as a ClickHouse projection; use Projection(name, 'SELECT ...')"
    )
