"""Table snapshots inside migration files: how a file captures the schema it produces.

A migration never reads today's models: each operation carries the table definitions
it goes from and to, spelled in the connection's own SQL types (``RawType``), exactly as
introspection reads them back. ``table``/``column``/``index`` build those definitions in
a file; :func:`render_table` writes them (the autogenerator's output).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clickorm.errors import MigrationError
from clickorm.schema.table import Column, Index, Table
from clickorm.types.logical import RawType

__all__ = ["table", "column", "index", "render_table", "render_value"]


def column(
    name: str,
    type: str,
    *,
    nullable: bool = False,
    default: str | None = None,
    comment: str | None = None,
    autoincrement: bool = False,
    **options: Any,
) -> Column:
    """A column in the dialect's SQL spelling; ``default`` is an SQL expression."""
    return Column(name, RawType(type), nullable=nullable, default_raw=default,
                  comment=comment, autoincrement=autoincrement, options=dict(options))


def index(name: str, columns: Sequence[str], *, unique: bool = False,
          raw_sql: str | None = None, **options: Any) -> Index:
    return Index(name, tuple(columns), unique=unique, options=dict(options), raw_sql=raw_sql)


def table(
    name: str,
    columns: Iterable[Column],
    *,
    primary_key: Sequence[str] = (),
    indexes: Iterable[Index] = (),
    comment: str | None = None,
    options: Mapping[str, Any] | None = None,
    **more_options: Any,
) -> Table:
    """A whole table; ``options`` (or keywords) are the dialect's (engine, order_by, ttl,
    settings ...); an option named like a parameter (ClickHouse's ``primary_key``
    expression) goes in ``options={...}``."""
    out = Table(name, primary_key=tuple(primary_key), indexes=list(indexes), comment=comment,
                options={**(options or {}), **more_options})
    for col in columns:
        out.add_column(col)
    return out


_LITERALS = (str, int, float, bool, type(None))
_PARAMETERS = frozenset({"name", "columns", "primary_key", "indexes", "comment", "options"})


def render_value(value: Any) -> str:
    """Python source for an option value (literals, tuples, lists, dicts; else its text)."""
    if isinstance(value, _LITERALS):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(render_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render_value(k)}: {render_value(v)}" for k, v in value.items()) + "}"
    text = str(value)  # an engine descriptor: its SQL, which the platform parses back
    if text.startswith("<"):
        raise MigrationError(f"Cannot write {value!r} into a migration file")
    return repr(text)


def _kwargs(pairs: Mapping[str, Any]) -> str:
    return "".join(f", {k}={render_value(v)}" for k, v in pairs.items())


def _render_column(col: Column) -> str:
    if not isinstance(col.type, RawType):
        raise MigrationError(
            f"Column {col.name!r} has type {col.type!r}; a snapshot needs the dialect's SQL "
            "spelling (normalise the table through the platform first)"
        )
    extra: dict[str, Any] = {}
    if col.nullable:
        extra["nullable"] = True
    if col.default_raw is not None:
        extra["default"] = str(col.default_raw)
    if col.comment:
        extra["comment"] = col.comment
    if col.autoincrement:
        extra["autoincrement"] = True
    extra.update(col.options)
    return f"s.column({col.name!r}, {col.type.sql!r}{_kwargs(extra)})"


def render_table(t: Table, indent: str = "    ") -> str:
    """Python source rebuilding ``t`` with :func:`table`, one column per line."""
    pad = indent + "    "
    lines = ["s.table(", f"{pad}{t.name!r},", f"{pad}["]
    lines += [f"{pad}    {_render_column(c)}," for c in t.columns.values()]
    lines.append(f"{pad}],")
    if t.primary_key:
        lines.append(f"{pad}primary_key={render_value(tuple(t.primary_key))},")
    if t.indexes:
        items = []
        for i in t.indexes:
            extra: dict[str, Any] = {}
            if i.unique:
                extra["unique"] = True
            if i.raw_sql:
                extra["raw_sql"] = i.raw_sql
            extra.update(i.options)
            items.append(f"s.index({i.name!r}, {render_value(tuple(i.columns))}{_kwargs(extra)})")
        lines.append(f"{pad}indexes=[{', '.join(items)}],")
    if t.comment:
        lines.append(f"{pad}comment={t.comment!r},")
    clashing = {k: v for k, v in t.options.items() if k in _PARAMETERS or not k.isidentifier()}
    for key, value in t.options.items():
        if key not in clashing:
            lines.append(f"{pad}{key}={render_value(value)},")
    if clashing:
        lines.append(f"{pad}options={render_value(clashing)},")
    lines.append(f"{indent})")
    return "\n".join(lines)
