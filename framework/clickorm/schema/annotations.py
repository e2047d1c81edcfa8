"""Python annotations for logical types: what ``clickorm inspect`` writes for a column.

:func:`annotation_for_logical` turns a logical type into an :class:`Annotation`: the
source text of a field annotation (``Annotated[int, types.UInt32] | None``), the import
lines it needs, declarations it relies on (an ``enum.Enum`` class for an Enum column),
and the same annotation as a live Python object, so the platform can resolve it through
the type registry and check it spells the column's SQL type before anything is written.
A type without an annotation of its own (JSON, Nested, unnamed tuples of markers ...)
gives ``None``; the platform then pins the SQL type on the field instead.
"""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import keyword
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from clickorm import types
from clickorm.types.logical import (
    UUID,
    Array,
    Boolean,
    Bytes,
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
    String,
    Tuple,
)

__all__ = ["Annotation", "annotation_for_logical", "class_name"]

_TYPES = "from clickorm import types"
_ANNOTATED = "from typing import Annotated"


@dataclass(frozen=True)
class Annotation:
    """A field annotation as source text and as the object that text evaluates to.

    ``column_type``: the SQL type to pin with ``Column(type=types.RawType(...))`` when no
    annotation spells the column's type (then ``value`` is only the Python side).
    ``note``: something about the column the annotation cannot say, written as a
    comment and warned about.
    """

    text: str
    value: Any
    imports: tuple[str, ...] = ()
    declarations: tuple[str, ...] = ()
    column_type: str | None = None
    note: str | None = None


def class_name(text: str) -> str:
    """``order_status`` -> ``OrderStatus`` (a valid Python class name)."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    name = "".join(p[:1].upper() + p[1:] for p in parts) or "Value"
    return f"T{name}" if name[0].isdigit() else name


def _plain(text: str, value: Any, *imports: str) -> Annotation:
    return Annotation(text, value, tuple(imports))


def _marked(base: Annotation, marker_text: str, marker: Any) -> Annotation:
    return Annotation(
        f"Annotated[{base.text}, {marker_text}]", Annotated[base.value, marker],
        base.imports + (_ANNOTATED, _TYPES), base.declarations,
    )


def _simple(logical: LogicalType) -> Annotation | None:
    if isinstance(logical, Integer):
        base = _plain("int", int)
        if logical.bits == 64 and logical.signed:
            return base
        return _marked(base, f"types.{logical!r}", getattr(types, repr(logical)))
    if isinstance(logical, Float):
        base = _plain("float", float)
        return base if logical.bits == 64 else _marked(base, "types.Float32", types.Float32)
    if isinstance(logical, Decimal):
        return _marked(_plain("decimal.Decimal", decimal.Decimal, "import decimal"),
                       f"types.{logical!r}", types.Decimal(logical.precision, logical.scale))
    if isinstance(logical, FixedString):
        return _marked(_plain("str", str), f"types.{logical!r}", logical)
    plain: dict[type, Annotation] = {
        String: _plain("str", str),
        Bytes: _plain("bytes", bytes),
        Boolean: _plain("bool", bool),
        Date: _plain("datetime.date", dt.date, "import datetime"),
        UUID: _plain("uuid.UUID", uuid.UUID, "import uuid"),
        IPv4: _plain("ipaddress.IPv4Address", ipaddress.IPv4Address, "import ipaddress"),
        IPv6: _plain("ipaddress.IPv6Address", ipaddress.IPv6Address, "import ipaddress"),
    }
    if type(logical) in plain:
        return plain[type(logical)]
    if isinstance(logical, Date32):
        return _marked(_plain("datetime.date", dt.date, "import datetime"),
                       "types.Date32", types.Date32)
    if isinstance(logical, DateTime | DateTime64):
        base = _plain("datetime.datetime", dt.datetime, "import datetime")
        if isinstance(logical, DateTime) and not logical.timezone:
            return base
        return _marked(base, f"types.{logical!r}", logical)
    return None


def _enum(logical: Enum, hint: str) -> Annotation | None:
    """An Enum column as a generated ``enum.Enum`` class named after the column."""
    if logical.enum is None:
        return None
    members = [m.name for m in logical.enum]
    if not all(m.isidentifier() and not keyword.iskeyword(m) and not m.startswith("_")
               for m in members):
        return None
    name = class_name(hint)
    body = "\n".join(f"    {m.name} = {m.value!r}" for m in logical.enum)
    declaration = f"class {name}(enum.Enum):\n{body}"
    marker = f"types.Enum{logical.bits}" if logical.bits else "types.Enum"
    cls: Any = logical.enum
    value = Annotated[cls, getattr(types, marker[len("types."):])]
    return Annotation(f"Annotated[{name}, {marker}]", value,
                      ("import enum", _ANNOTATED, _TYPES), (declaration,))


def annotation_for_logical(logical: LogicalType, hint: str = "value") -> Annotation | None:
    """The annotation for ``logical`` (``hint`` names generated enum classes), or None
    when no annotation spells it."""
    if isinstance(logical, Nullable) and logical.inner is not None:
        inner = annotation_for_logical(logical.inner, hint)
        if inner is None:
            return None
        return Annotation(f"{inner.text} | None", inner.value | None, inner.imports,
                          inner.declarations)
    if isinstance(logical, LowCardinality) and logical.inner is not None:
        target: LogicalType | None = logical.inner
        nullable = isinstance(target, Nullable) and target.inner is not None
        if isinstance(target, Nullable) and target.inner is not None:
            target = target.inner
        assert target is not None
        inner = annotation_for_logical(target, hint)
        if inner is None:
            return None
        marked = _marked(inner, "types.LowCardinality", types.LowCardinality)
        if not nullable:
            return marked
        return Annotation(f"{marked.text} | None", marked.value | None, marked.imports,
                          marked.declarations)
    if isinstance(logical, Enum):
        return _enum(logical, hint)
    if isinstance(logical, Array):
        item = annotation_for_logical(logical.item, hint)
        if item is None:
            return None
        return Annotation(f"list[{item.text}]", list[item.value],  # type: ignore[name-defined]
                          item.imports, item.declarations)
    if isinstance(logical, Map):
        key = annotation_for_logical(logical.key, f"{hint}_key")
        value = annotation_for_logical(logical.value, f"{hint}_value")
        if key is None or value is None:
            return None
        return Annotation(f"dict[{key.text}, {value.text}]",
                          dict[key.value, value.value],  # type: ignore[name-defined]
                          key.imports + value.imports, key.declarations + value.declarations)
    if isinstance(logical, Tuple):
        if logical.names:
            return None  # a named tuple needs a model of its own: pinned instead
        items = [annotation_for_logical(t, f"{hint}_{n}") for n, t in enumerate(logical.items)]
        if any(i is None for i in items):
            return None
        parts = [i for i in items if i is not None]
        return Annotation(
            f"tuple[{', '.join(i.text for i in parts)}]",
            tuple.__class_getitem__(tuple(i.value for i in parts)),
            tuple(x for i in parts for x in i.imports),
            tuple(x for i in parts for x in i.declarations),
        )
    return _simple(logical)
