"""Per-field value codecs of a model on one connection's dialect.

Each field's logical type is resolved once per class through the type registry
(``Annotated`` markers and ``Column(type=...)`` apply); the connection's platform turns
it into a decoder (database value -> Python) and an encoder (Python -> database
parameter). ``None`` means "pass through", and hot loops skip those columns entirely.
A field whose annotation the registry cannot map gets no codec: the value passes as the
driver returned it (the schema layer reports such fields when it builds DDL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clickorm.errors import ClickORMError
from clickorm.model.column import column_info
from clickorm.types.logical import as_logical
from clickorm.types.registry import get_registry

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["logical_types", "decoders_for", "encoders_for", "Codec"]

Codec = Callable[[Any], Any]


def logical_types(model: Any) -> dict[str, Any]:
    """field name -> LogicalType (or None when it cannot be mapped); memoised per class."""
    cached = model.__dict__.get("__clickorm_logical__")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if not model.__pydantic_fields__:
        # no field, no registry: Model itself is built while ``clickorm`` is imported,
        # and the registry loads the plugins (one may be importing ``clickorm`` now)
        return {}
    registry = get_registry()
    out: dict[str, Any] = {}
    for name, info in model.__pydantic_fields__.items():
        explicit = column_info(info).type
        try:
            if explicit is not None:
                out[name] = as_logical(explicit)
            else:
                out[name] = registry.resolve(info.annotation, metadata=info.metadata,
                                             model=model, field=name)
        except (ClickORMError, TypeError, ValueError):
            out[name] = None
    # a pure memo: recomputing it gives the same value, so a race only wastes work
    type.__setattr__(model, "__clickorm_logical__", out)
    return out


def _platform(connection: BaseConnection | None) -> Any:
    if connection is None:
        return None
    try:
        return connection.platform
    except Exception:  # noqa: BLE001 - a dialect without a platform has no codecs
        return None


def decoders_for(model: Any, fields: tuple[str, ...],
                 connection: BaseConnection | None) -> tuple[Codec | None, ...]:
    """One decoder per field (``None`` = identity) for rows read on ``connection``."""
    platform = _platform(connection)
    make = getattr(platform, "decoder", None)
    if make is None:
        return (None,) * len(fields)
    types = logical_types(model)
    return tuple(make(types[f]) if types.get(f) is not None else None for f in fields)


def column_encoders_for(model: Any, fields: tuple[str, ...],
                        connection: BaseConnection | None) -> tuple[Any, ...]:
    """One whole-column encoder per field (``None`` = none) from the connection: a driver
    may convert a column of values faster in one vectorised call than per value."""
    if connection is None:
        return (None,) * len(fields)
    make = connection.column_encoder
    types = logical_types(model)
    return tuple(make(types[f]) if types.get(f) is not None else None for f in fields)


def encoders_for(model: Any, fields: tuple[str, ...],
                 connection: BaseConnection | None) -> tuple[Codec | None, ...]:
    """One encoder per field (``None`` = identity) for values written on ``connection``."""
    platform = _platform(connection)
    make = getattr(platform, "encoder", None)
    if make is None:
        return (None,) * len(fields)
    types = logical_types(model)
    return tuple(make(types[f]) if types.get(f) is not None else None for f in fields)
