"""The builtin Python class -> logical type table (see registry.py for the choices)."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import uuid
from typing import TYPE_CHECKING

import pydantic.types as pt

from clickorm.types.logical import (
    JSON,
    UUID,
    Boolean,
    Bytes,
    Date,
    DateTime,
    Decimal,
    Float,
    Integer,
    IPv4,
    IPv6,
    String,
)

if TYPE_CHECKING:
    from clickorm.types.registry import TypeRegistry

#: the default for ``int``; the seed allows Int32/Int64 and Python ints are unbounded
DEFAULT_INT = Integer(64)
#: the default for ``decimal.Decimal`` without pydantic max_digits/decimal_places
DEFAULT_DECIMAL = Decimal(38, 10)


def register_builtins(registry: TypeRegistry) -> None:
    reg = registry.register
    reg(bool, Boolean())
    reg(int, DEFAULT_INT)
    reg(float, Float(64))
    reg(decimal.Decimal, DEFAULT_DECIMAL)
    reg(str, String())
    reg(bytes, Bytes())
    reg(bytearray, Bytes())
    reg(dt.datetime, DateTime())
    reg(dt.date, Date())
    reg(uuid.UUID, UUID())
    reg(ipaddress.IPv4Address, IPv4())
    reg(ipaddress.IPv6Address, IPv6())
    reg(dict, JSON())
    _register_pydantic(registry)


def _register_pydantic(registry: TypeRegistry) -> None:
    """Pydantic's marker classes for dates (they are not datetime subclasses)."""
    registry.register(pt.AwareDatetime, DateTime("UTC"))
    for name in ("NaiveDatetime", "PastDatetime", "FutureDatetime"):
        registry.register(getattr(pt, name), DateTime())
    for name in ("PastDate", "FutureDate"):
        registry.register(getattr(pt, name), Date())
