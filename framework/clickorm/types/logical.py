"""Logical column types: what a column holds, independent of any dialect.

Each type is a frozen, hashable value object, so platforms can cache DDL names and
codecs per type. ``kind`` names the handler a platform dispatches to (``type_sql_<kind>``,
codec factories). ``repr()`` gives the ClickHouse-style spelling (``UInt32``,
``Array(Nullable(String))``) used in messages.

Wrapper types (``Nullable``, ``LowCardinality``) and ``Enum``/``JSON`` may be *open*
(inner/enum/model left as ``None``): used as markers in ``Annotated[...]`` they are
completed from the annotation by the :class:`~clickorm.types.registry.TypeRegistry`.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "LogicalType",
    "Integer",
    "Float",
    "Decimal",
    "String",
    "FixedString",
    "Bytes",
    "Boolean",
    "Date",
    "Date32",
    "DateTime",
    "DateTime64",
    "UUID",
    "IPv4",
    "IPv6",
    "Enum",
    "Array",
    "Map",
    "Tuple",
    "Nested",
    "Nullable",
    "LowCardinality",
    "JSON",
    "RawType",
    "as_logical",
]


@dataclass(frozen=True, repr=False)
class LogicalType:
    """Base of every logical type."""

    kind: ClassVar[str] = "logical"

    def children(self) -> tuple[LogicalType, ...]:
        """Directly contained types (array item, map key/value, tuple items ...)."""
        return ()

    @property
    def is_open(self) -> bool:
        """True for a marker that still needs the annotation to be complete."""
        return False

    def __repr__(self) -> str:
        return type(self).__name__


def as_logical(value: Any) -> LogicalType:
    """Accept a LogicalType instance or a bare LogicalType class (``types.String``)."""
    if isinstance(value, LogicalType):
        return value
    if isinstance(value, type) and issubclass(value, LogicalType):
        try:
            return value()
        except TypeError:
            raise TypeError(
                f"types.{value.__name__} needs arguments here, e.g. types.{value.__name__}(...)"
            ) from None
    raise TypeError(f"expected a clickorm logical type, got {value!r}")


@dataclass(frozen=True, repr=False)
class Integer(LogicalType):
    """A fixed-width integer; markers ``Int8..Int256`` and ``UInt8..UInt256``."""

    bits: int = 64
    signed: bool = True
    kind: ClassVar[str] = "integer"

    def __post_init__(self) -> None:
        if self.bits not in (8, 16, 32, 64, 128, 256):
            raise ValueError(f"Integer bits must be 8, 16, 32, 64, 128 or 256, not {self.bits}")

    @property
    def min_value(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max_value(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def __repr__(self) -> str:
        return f"{'Int' if self.signed else 'UInt'}{self.bits}"


@dataclass(frozen=True, repr=False)
class Float(LogicalType):
    """IEEE float, 32 or 64 bits (markers ``Float32``, ``Float64``)."""

    bits: int = 64
    kind: ClassVar[str] = "float"

    def __post_init__(self) -> None:
        if self.bits not in (32, 64):
            raise ValueError(f"Float bits must be 32 or 64, not {self.bits}")

    def __repr__(self) -> str:
        return f"Float{self.bits}"


@dataclass(frozen=True, repr=False)
class Decimal(LogicalType):
    """Exact decimal with ``precision`` total digits, ``scale`` of them after the point."""

    precision: int = 38
    scale: int = 10
    kind: ClassVar[str] = "decimal"

    def __post_init__(self) -> None:
        if not 1 <= self.precision <= 76:
            raise ValueError(f"Decimal precision must be 1..76, not {self.precision}")
        if not 0 <= self.scale <= self.precision:
            raise ValueError(f"Decimal scale must be 0..precision, not {self.scale}")

    def __repr__(self) -> str:
        return f"Decimal({self.precision}, {self.scale})"


@dataclass(frozen=True, repr=False)
class String(LogicalType):
    """Text of any length (ClickHouse String holds bytes; Python side is ``str``)."""

    kind: ClassVar[str] = "string"


@dataclass(frozen=True, repr=False)
class FixedString(LogicalType):
    """Exactly ``length`` bytes (ClickHouse FixedString(N))."""

    length: int
    kind: ClassVar[str] = "fixed_string"

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError(f"FixedString length must be positive, not {self.length}")

    def __repr__(self) -> str:
        return f"FixedString({self.length})"


@dataclass(frozen=True, repr=False)
class Bytes(LogicalType):
    """Binary data (Python ``bytes``); ClickHouse stores it as String."""

    kind: ClassVar[str] = "bytes"


@dataclass(frozen=True, repr=False)
class Boolean(LogicalType):
    kind: ClassVar[str] = "boolean"


@dataclass(frozen=True, repr=False)
class Date(LogicalType):
    kind: ClassVar[str] = "date"


@dataclass(frozen=True, repr=False)
class Date32(LogicalType):
    """A date with the extended range (ClickHouse Date32)."""

    kind: ClassVar[str] = "date32"


@dataclass(frozen=True, repr=False)
class DateTime(LogicalType):
    """Second-precision timestamp; naive unless ``timezone`` is set (then values are aware)."""

    timezone: str | None = None
    kind: ClassVar[str] = "datetime"

    def __repr__(self) -> str:
        return f"DateTime({self.timezone!r})" if self.timezone else "DateTime"


@dataclass(frozen=True, repr=False)
class DateTime64(LogicalType):
    """Timestamp with ``precision`` sub-second digits (0..9), optional ``timezone``."""

    precision: int = 3
    timezone: str | None = None
    kind: ClassVar[str] = "datetime64"

    def __post_init__(self) -> None:
        if not 0 <= self.precision <= 9:
            raise ValueError(f"DateTime64 precision must be 0..9, not {self.precision}")

    def __repr__(self) -> str:
        if self.timezone:
            return f"DateTime64({self.precision}, {self.timezone!r})"
        return f"DateTime64({self.precision})"


@dataclass(frozen=True, repr=False)
class UUID(LogicalType):
    kind: ClassVar[str] = "uuid"


@dataclass(frozen=True, repr=False)
class IPv4(LogicalType):
    kind: ClassVar[str] = "ipv4"


@dataclass(frozen=True, repr=False)
class IPv6(LogicalType):
    kind: ClassVar[str] = "ipv6"


@dataclass(frozen=True, repr=False)
class Enum(LogicalType):
    """A Python ``enum.Enum`` stored by value; ``bits`` 8/16 or ``None`` (dialect picks).

    ``Enum8``/``Enum16`` are open markers (``enum`` is filled from the annotation).
    """

    enum: type[_enum.Enum] | None = None
    bits: int | None = None
    kind: ClassVar[str] = "enum"

    def __post_init__(self) -> None:
        if self.bits not in (None, 8, 16):
            raise ValueError(f"Enum bits must be 8, 16 or None, not {self.bits}")
        if self.enum is not None and not (
            isinstance(self.enum, type) and issubclass(self.enum, _enum.Enum)
        ):
            raise TypeError(f"Enum needs an enum.Enum subclass, got {self.enum!r}")

    @property
    def is_open(self) -> bool:
        return self.enum is None

    def members(self) -> list[tuple[str, Any]]:
        """``(name, value)`` pairs in declaration order."""
        if self.enum is None:
            return []
        return [(m.name, m.value) for m in self.enum]

    def __repr__(self) -> str:
        name = self.enum.__name__ if self.enum else "?"
        return f"Enum{self.bits or ''}({name})"


@dataclass(frozen=True, repr=False)
class Array(LogicalType):
    """A variable-length sequence of ``item``; ``container`` is the Python type decoded to."""

    item: LogicalType
    container: type = list
    kind: ClassVar[str] = "array"

    def __post_init__(self) -> None:
        object.__setattr__(self, "item", as_logical(self.item))

    def children(self) -> tuple[LogicalType, ...]:
        return (self.item,)

    def __repr__(self) -> str:
        return f"Array({self.item!r})"


@dataclass(frozen=True, repr=False)
class Map(LogicalType):
    key: LogicalType
    value: LogicalType
    kind: ClassVar[str] = "map"

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", as_logical(self.key))
        object.__setattr__(self, "value", as_logical(self.value))

    def children(self) -> tuple[LogicalType, ...]:
        return (self.key, self.value)

    def __repr__(self) -> str:
        return f"Map({self.key!r}, {self.value!r})"


@dataclass(frozen=True, repr=False)
class Tuple(LogicalType):
    """A fixed sequence of typed items, optionally named; ``model`` decodes to a model."""

    items: tuple[LogicalType, ...]
    names: tuple[str, ...] | None = None
    model: type | None = None
    kind: ClassVar[str] = "tuple"

    def __post_init__(self) -> None:
        items = tuple(as_logical(i) for i in self.items)
        if not items:
            raise ValueError("Tuple needs at least one item type")
        object.__setattr__(self, "items", items)
        if self.names is not None:
            names = tuple(self.names)
            if len(names) != len(items):
                raise ValueError(f"Tuple has {len(items)} items but {len(names)} names")
            object.__setattr__(self, "names", names)

    def children(self) -> tuple[LogicalType, ...]:
        return self.items

    def __repr__(self) -> str:
        if self.names:
            inner = ", ".join(f"{n} {t!r}" for n, t in zip(self.names, self.items, strict=True))
        else:
            inner = ", ".join(repr(t) for t in self.items)
        return f"Tuple({inner})"


@dataclass(frozen=True, repr=False)
class Nested(LogicalType):
    """Rows of named fields inside one column (ClickHouse Nested); ``model`` decodes rows."""

    fields: tuple[tuple[str, LogicalType], ...]
    model: type | None = None
    kind: ClassVar[str] = "nested"

    def __post_init__(self) -> None:
        raw: Iterable[tuple[str, Any]] = (
            self.fields.items() if isinstance(self.fields, Mapping) else self.fields
        )
        fields = tuple((str(n), as_logical(t)) for n, t in raw)
        if not fields:
            raise ValueError("Nested needs at least one field")
        object.__setattr__(self, "fields", fields)

    def children(self) -> tuple[LogicalType, ...]:
        return tuple(t for _, t in self.fields)

    def __repr__(self) -> str:
        return "Nested(" + ", ".join(f"{n} {t!r}" for n, t in self.fields) + ")"


@dataclass(frozen=True, repr=False)
class _Wrapper(LogicalType):
    """A type around one ``inner`` type; open (``inner=None``) it is a marker that wraps
    whatever the annotation says: ``Annotated[int, Nullable]``."""

    inner: LogicalType | None = None

    def __post_init__(self) -> None:
        if self.inner is not None:
            object.__setattr__(self, "inner", as_logical(self.inner))

    @property
    def is_open(self) -> bool:
        return self.inner is None

    def children(self) -> tuple[LogicalType, ...]:
        return (self.inner,) if self.inner is not None else ()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.inner!r})" if self.inner is not None else name


@dataclass(frozen=True, repr=False)
class Nullable(_Wrapper):
    """``inner`` or NULL."""

    kind: ClassVar[str] = "nullable"


@dataclass(frozen=True, repr=False)
class LowCardinality(_Wrapper):
    """Dictionary-encoded ``inner`` (a storage hint; dialects without it store ``inner``)."""

    kind: ClassVar[str] = "low_cardinality"


@dataclass(frozen=True, repr=False)
class JSON(LogicalType):
    """A JSON document; ``model`` (a Pydantic model class) decodes it to that model."""

    model: type | None = None
    kind: ClassVar[str] = "json"

    def __repr__(self) -> str:
        return f"JSON({self.model.__name__})" if self.model else "JSON"


@dataclass(frozen=True, repr=False)
class RawType(LogicalType):
    """A dialect's type spelled verbatim (``RawType("VARCHAR(20)")``); no codecs apply.

    Introspection returns columns with RawType so a rebuild re-emits them unchanged.
    """

    sql: str
    kind: ClassVar[str] = "raw"

    def __repr__(self) -> str:
        return f"RawType({self.sql!r})"

