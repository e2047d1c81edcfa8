"""Comparing two table definitions read the same way (introspection on both sides).

:func:`diff_tables` gives the :class:`TableDiff` a platform plans; :func:`describe`
says in words what differs (``migrate check``'s output); :func:`rename_candidates`
pairs a dropped column with an added one of the same type, for the author to confirm.
Column order is not compared (ClickHouse's ADD COLUMN appends; order carries no meaning
for the ORM, which names every column it reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clickorm.schema.table import Column, Index, Table, TableDiff

__all__ = ["diff_tables", "describe", "rename_candidates", "narrowing"]


def _norm(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _norm(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # an engine descriptor: compared by its SQL


def _column_key(c: Column) -> tuple[Any, ...]:
    return (_norm(c.type), c.nullable, c.default_raw if c.default_raw is None else str(c.default_raw),
            c.comment or None, _norm(c.options))


def _index_key(i: Index) -> tuple[Any, ...]:
    options = {k: v for k, v in i.options.items() if k != "sqlite_constraint"}
    return (tuple(i.columns), i.unique, _norm(options))


def diff_tables(before: Table, after: Table, renames: Mapping[str, str] | None = None) -> TableDiff:
    """What turns ``before`` into ``after``; ``renames`` (old -> new) are columns kept."""
    renames = dict(renames or {})
    diff = TableDiff(before.name, renamed_columns=renames)
    renamed_to = set(renames.values())
    for name in before.columns:
        if name not in after.columns and name not in renames:
            diff.dropped_columns.append(name)
    for name, col in after.columns.items():
        source = next((o for o, n in renames.items() if n == name), name)
        if name in renamed_to or name in before.columns:
            old = before.columns.get(source)
            if old is not None and _column_key(old) != _column_key(col):
                diff.changed_columns[name] = col.copy()
        else:
            diff.added_columns[name] = col.copy()
    old_idx = {i.name: i for i in before.indexes}
    new_idx = {i.name: i for i in after.indexes}
    for name, index in old_idx.items():
        if name not in new_idx or _index_key(new_idx[name]) != _index_key(index):
            diff.dropped_indexes.append(name)
    for name, index in new_idx.items():
        if name not in old_idx or _index_key(old_idx[name]) != _index_key(index):
            diff.added_indexes.append(index)
    if tuple(before.primary_key) != tuple(after.primary_key):
        diff.primary_key = tuple(after.primary_key)
    if (before.comment or None) != (after.comment or None):
        diff.comment = after.comment or ""
    for key in sorted(set(before.options) | set(after.options)):
        if _norm(before.options.get(key)) != _norm(after.options.get(key)):
            diff.options[key] = after.options.get(key)
    return diff


def describe(diff: TableDiff, before: Table) -> list[str]:
    """One line per difference, as ``migrate check`` prints them."""
    out = [f"rename column {o} -> {n}" for o, n in diff.renamed_columns.items()]
    out += [f"drop column {n} ({_type(before.columns[n])})" for n in diff.dropped_columns]
    out += [f"add column {n} ({_type(c)})" for n, c in diff.added_columns.items()]
    for name, col in diff.changed_columns.items():
        source = next((o for o, n in diff.renamed_columns.items() if n == name), name)
        old = before.columns[source]
        parts = []
        if (_norm(old.type), old.nullable) != (_norm(col.type), col.nullable):
            parts.append(f"type {_type(old)} -> {_type(col)}")
        if old.default_raw != col.default_raw:
            parts.append(f"default {old.default_raw!r} -> {col.default_raw!r}")
        if (old.comment or None) != (col.comment or None):
            parts.append(f"comment {old.comment!r} -> {col.comment!r}")
        if _norm(old.options) != _norm(col.options):
            parts.append(f"options {old.options!r} -> {col.options!r}")
        out.append(f"change column {name}: {'; '.join(parts)}")
    out += [f"drop index {n}" for n in diff.dropped_indexes]
    out += [f"add index {i.name} on ({', '.join(i.columns)})" for i in diff.added_indexes]
    if diff.primary_key is not None:
        out.append(f"primary key {before.primary_key} -> {diff.primary_key}")
    if diff.comment is not None:
        out.append(f"table comment {before.comment!r} -> {diff.comment!r}")
    for key, value in diff.options.items():
        out.append(f"{key}: {_show(before.options.get(key))} -> {_show(value)}")
    return out


def _sql(c: Column) -> str:
    return str(getattr(c.type, "sql", c.type))


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(_norm(value))


def _type(c: Column) -> str:
    text = str(getattr(c.type, "sql", c.type))
    return f"{text} NULL" if c.nullable else text


def rename_candidates(diff: TableDiff, before: Table) -> dict[str, str]:
    """Dropped -> added column pairs of the same type (one candidate each), not applied."""
    out: dict[str, str] = {}
    for old in diff.dropped_columns:
        key = _column_key(before.columns[old])[:2]
        matches = [n for n, c in diff.added_columns.items()
                   if _column_key(c)[:2] == key and n not in out.values()]
        if len(matches) == 1:
            out[old] = matches[0]
    return out


def narrowing(old: Column, new: Column) -> bool:
    """True unless ``new`` is ``old``, ``old`` made nullable, or ``old`` wrapped in
    ``Nullable(...)``/``LowCardinality(...)`` (the spellings of introspected types)."""
    if (_norm(old.type), old.nullable) == (_norm(new.type), new.nullable):
        return False
    if _norm(old.type) == _norm(new.type) and new.nullable and not old.nullable:
        return False
    before, after = _full(old), _full(new)
    widened = {f"Nullable({before})", f"LowCardinality({before})"}
    if old.nullable and before.startswith("Nullable("):
        widened.add(f"LowCardinality({before})")
    if not old.nullable:
        widened |= {f"LowCardinality(Nullable({before}))", f"Nullable({before})"}
    return after not in widened and after != before


def _full(c: Column) -> str:
    sql = _sql(c)
    wrapped = sql.startswith(("Nullable(", "LowCardinality(Nullable("))
    return f"Nullable({sql})" if c.nullable and not wrapped else sql
