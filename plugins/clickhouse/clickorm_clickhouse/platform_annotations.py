"""ClickHouse column types read back as logical types, for ``clickorm inspect``.

The server's spelling (``LowCardinality(Nullable(String))``, ``DateTime64(3, 'UTC')``,
``Enum8('a' = 1, 'b' = 2)``) is parsed with the embedded driver's type parser and turned
into the logical type a model annotation resolves to. An enum numbered 1..n in order is
the str-valued Python enum the platform stores by value; other numberings keep their
numbers as member values. Types without a logical counterpart (Nested, JSON, aggregate
functions, Variant ...) give None: the generated field pins the SQL type.
"""

from __future__ import annotations

import enum
import keyword
import re

from clickorm.dialects import (
    UUID,
    Array,
    Boolean,
    Column,
    Date,
    Date32,
    DateTime,
    DateTime64,
    Decimal,
    Enum,
    FixedString,
    Float,
    Integer,
    IPv4,
    IPv6,
    LogicalType,
    LowCardinality,
    Map,
    Nullable,
    RawType,
    String,
    Tuple,
    class_name,
)
from clickorm_clickhouse.embedded_types import ChType, parse_type

__all__ = ["logical_type_of", "logical_from_sql"]

_INTEGER = re.compile(r"(U?)Int(8|16|32|64|128|256)")
_PLAIN: dict[str, LogicalType] = {
    "String": String(), "Bool": Boolean(), "Date": Date(), "Date32": Date32(),
    "UUID": UUID(), "IPv4": IPv4(), "IPv6": IPv6(), "Float32": Float(32), "Float64": Float(64),
}


def _member_name(label: str, taken: set[str]) -> str | None:
    name = re.sub(r"\W", "_", label)
    if not name or name[0].isdigit():
        name = f"v_{name}"
    if name.startswith("_") or keyword.iskeyword(name) or name in taken:
        return None
    taken.add(name)
    return name


def _enum(node: ChType, hint: str) -> LogicalType | None:
    pairs = sorted(node.enum)
    if not pairs:
        return None
    taken: set[str] = set()
    members: list[tuple[str | None, object]]
    if [n for n, _ in pairs] == list(range(1, len(pairs) + 1)):
        members = [(_member_name(label, taken), label) for _, label in pairs]
    else:
        members = [(_member_name(label, taken) if label.isidentifier() else None, number)
                   for number, label in pairs]
        if any(name != label for (name, _), (_, label) in zip(members, pairs, strict=True)):
            return None
    if any(name is None for name, _ in members):
        return None
    try:
        cls = enum.Enum(class_name(hint), [(str(n), v) for n, v in members])  # type: ignore[misc]
    except ValueError:  # a label Enum reserves ('mro'): the column keeps its SQL type
        return None
    return Enum(cls, bits=8 if node.name == "Enum8" else 16)


def _logical(node: ChType, hint: str) -> LogicalType | None:
    name = node.name
    if name in _PLAIN:
        return _PLAIN[name]
    match = _INTEGER.fullmatch(name)
    if match:
        return Integer(int(match.group(2)), signed=not match.group(1))
    children: list[LogicalType] = []
    for n, child in enumerate(node.args):
        logical = _logical(child, hint if name in ("Nullable", "LowCardinality", "Array")
                           else f"{hint}_{n}")
        if logical is None:
            return None
        children.append(logical)
    try:
        if name == "Nullable":
            return Nullable(children[0])
        if name == "LowCardinality":
            return LowCardinality(children[0])
        if name == "Array":
            return Array(children[0])
        if name == "Map":
            return Map(children[0], children[1])
        if name == "Tuple" and children:
            return Tuple(tuple(children), names=node.names or None)
        if name == "Decimal" and len(node.params) == 2:
            return Decimal(int(node.params[0]), int(node.params[1]))
        if name == "FixedString" and len(node.params) == 1:
            return FixedString(int(node.params[0]))
        if name == "DateTime" and not node.params:
            return DateTime(node.tz)
        if name == "DateTime64" and len(node.params) == 1:
            return DateTime64(int(node.params[0]), node.tz)
    except ValueError:
        return None
    if name in ("Enum8", "Enum16"):
        return _enum(node, hint)
    return None


def logical_from_sql(sql: str, hint: str = "value") -> LogicalType | None:
    """The logical type a ClickHouse type name stands for, or None."""
    return _logical(parse_type(sql), hint)


def logical_type_of(column: Column) -> LogicalType | None:
    """An introspected column's logical type, nullability included."""
    if not isinstance(column.type, RawType):
        return column.full_type
    logical = logical_from_sql(column.type.sql, column.name)
    if logical is None:
        return None
    return Nullable(logical) if column.nullable else logical
