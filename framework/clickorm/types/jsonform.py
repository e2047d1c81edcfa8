"""Converters between Python values and their JSON form, per logical type.

Dialects that store composite values as JSON text (SQLite) or send JSON to the server
use these: ``to_json(t)`` returns a function making a value JSON-serialisable
(dates -> ISO text, Decimal -> text, UUID/IP -> text, bytes -> base64, Enum -> value,
models -> dicts) and ``from_json(t)`` the inverse (rebuilding list/tuple/set, models,
enums ...). ``None`` as a converter means the value passes unchanged; both converters
let ``None`` values through.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import ipaddress
import json
import uuid
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from clickorm.types.logical import (
    JSON,
    Array,
    Enum,
    LogicalType,
    LowCardinality,
    Map,
    Nested,
    Nullable,
    Tuple,
)

__all__ = ["to_json", "from_json", "dumps", "loads", "parse_datetime", "none_safe"]

Conv = Callable[[Any], Any]


def none_safe(fn: Conv) -> Conv:
    def convert(value: Any) -> Any:
        return None if value is None else fn(value)

    return convert


def dumps(value: Any) -> str:
    """Compact JSON text (the SQLite storage form of composites)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_fallback)


loads = json.loads


def _fallback(value: Any) -> Any:
    """JSON form of values inside an untyped ``JSON`` column."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | ipaddress.IPv4Address):
        return str(value)
    if isinstance(value, ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"value of type {type(value).__name__} is not JSON serialisable")


def parse_datetime(value: Any, timezone: str | None) -> dt.datetime:
    """ISO text -> datetime; with ``timezone`` the result is aware in that zone.

    A naive stored value in a tz column is read as UTC (SQLite's CURRENT_TIMESTAMP is UTC).
    """
    result = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if timezone is not None:
        if result.tzinfo is None:
            result = result.replace(tzinfo=dt.UTC)
        result = result.astimezone(ZoneInfo(timezone))
    return result


def _scalar_to(t: LogicalType) -> Conv | None:
    kind = t.kind
    if kind in ("decimal", "uuid", "ipv4", "ipv6"):
        return str
    if kind in ("date", "date32"):
        return lambda v: v.isoformat()
    if kind in ("datetime", "datetime64"):
        return lambda v: v.isoformat()
    if kind == "bytes":
        return lambda v: base64.b64encode(bytes(v)).decode("ascii")
    if kind == "enum":
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    return None


def _scalar_from(t: LogicalType) -> Conv | None:
    kind = t.kind
    if kind == "decimal":
        return lambda v: v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v))
    if kind == "uuid":
        return lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))
    if kind == "ipv4":
        return ipaddress.IPv4Address
    if kind == "ipv6":
        return ipaddress.IPv6Address
    if kind in ("date", "date32"):
        return lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(v)
    if kind in ("datetime", "datetime64"):
        tz = getattr(t, "timezone", None)
        return lambda v: parse_datetime(v, tz)
    if kind == "bytes":
        return lambda v: v if isinstance(v, bytes) else base64.b64decode(v)
    if kind == "boolean":
        return bool
    if isinstance(t, Enum) and t.enum is not None:
        return t.enum
    return None


def to_json(t: LogicalType) -> Conv | None:
    """Python value -> JSON-serialisable value for type ``t`` (None: unchanged)."""
    if isinstance(t, Nullable | LowCardinality):
        return to_json(t.inner) if t.inner is not None else None
    if isinstance(t, Array):
        item = to_json(t.item)
        if item is None:
            return none_safe(list)
        conv = none_safe(item)
        return none_safe(lambda v: [conv(x) for x in v])
    if isinstance(t, Map):
        key: Conv = _key_to(t.key)
        val: Conv = none_safe(to_json(t.value) or _identity)
        return none_safe(lambda v: {key(k): val(x) for k, x in v.items()})
    if isinstance(t, Tuple):
        items = [none_safe(to_json(i) or _identity) for i in t.items]
        names = t.names

        def tuple_to(v: Any) -> list[Any]:
            if names is not None and not isinstance(v, tuple | list):
                v = [_get(v, n) for n in names]
            return [c(x) for c, x in zip(items, v, strict=True)]

        return none_safe(tuple_to)
    if isinstance(t, Nested):
        fields = [(n, none_safe(to_json(ft) or _identity)) for n, ft in t.fields]
        return none_safe(lambda v: [{n: c(_get(row, n)) for n, c in fields} for row in v])
    if isinstance(t, JSON):
        return none_safe(lambda v: json.loads(dumps(v)))
    scalar = _scalar_to(t)
    return none_safe(scalar) if scalar is not None else None


def from_json(t: LogicalType) -> Conv | None:
    """JSON value -> Python value for type ``t`` (None: unchanged)."""
    if isinstance(t, Nullable | LowCardinality):
        return from_json(t.inner) if t.inner is not None else None
    if isinstance(t, Array):
        item = from_json(t.item)
        container = t.container
        if item is None:
            return None if container is list else none_safe(container)
        conv = none_safe(item)
        return none_safe(lambda v: container(conv(x) for x in v))
    if isinstance(t, Map):
        key_from: Conv = _key_from(t.key)
        val_from: Conv = none_safe(from_json(t.value) or _identity)
        return none_safe(lambda v: {key_from(k): val_from(x) for k, x in v.items()})
    if isinstance(t, Tuple):
        items = [none_safe(from_json(i) or _identity) for i in t.items]
        names, model = t.names, cast(Any, t.model)

        def tuple_from(v: Any) -> Any:
            values = tuple(c(x) for c, x in zip(items, v, strict=True))
            if model is not None and names is not None:
                return model.model_validate(dict(zip(names, values, strict=True)))
            return values

        return none_safe(tuple_from)
    if isinstance(t, Nested):
        fields = [(n, none_safe(from_json(ft) or _identity)) for n, ft in t.fields]
        nested_model = cast(Any, t.model)

        def nested_from(v: Any) -> list[Any]:
            rows = [{n: c(row.get(n)) for n, c in fields} for row in v]
            if nested_model is not None:
                return [nested_model.model_validate(r) for r in rows]
            return rows

        return none_safe(nested_from)
    if isinstance(t, JSON):
        json_model = cast(Any, t.model)
        if json_model is not None:
            return none_safe(json_model.model_validate)
        return None
    scalar = _scalar_from(t)
    return none_safe(scalar) if scalar is not None else None


def _identity(value: Any) -> Any:
    return value


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _key_to(t: LogicalType) -> Conv:
    """Map keys become JSON object keys, so they must be text."""
    conv: Conv = to_json(t) or _identity

    def key(k: Any) -> str:
        out = conv(k)
        return out if isinstance(out, str) else json.dumps(out)

    return key


def _key_from(t: LogicalType) -> Conv:
    conv: Conv = from_json(t) or _identity
    base = t.inner if isinstance(t, Nullable | LowCardinality) and t.inner else t
    if base.kind in ("integer", "float", "boolean") or (
        isinstance(base, Enum) and base.enum is not None
        and not all(isinstance(m.value, str) for m in base.enum)
    ):
        return lambda k: conv(json.loads(k))
    return conv
