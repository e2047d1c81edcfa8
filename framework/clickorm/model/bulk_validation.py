"""Validating many rows at once: one Pydantic call per chunk.

``TypeAdapter(list[Model]).validate_python(dicts)`` validates a whole chunk inside
pydantic-core, without a Python call per row, and the cyclic collector rests meanwhile
(every instance built survives: see :mod:`clickorm.gcpause`). The first invalid row is
reported by its index and field, with Pydantic's reason but never the value (a bound
value does not belong in an error message or a log line).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pydantic

from clickorm.errors import ValidationError
from clickorm.gcpause import paused_gc
from clickorm.model.validation import unknown_field_message

__all__ = ["validate_many", "validate_chunks", "adapter_for", "first_error",
           "VALIDATION_CHUNK_ROWS"]

T = TypeVar("T")

#: rows validated per Pydantic call (bounds the memory one failed chunk wastes)
VALIDATION_CHUNK_ROWS = 50_000

#: TypeAdapter(list[T]) per type: building one compiles a validator (a pure memo, so a
#: race between threads only builds it twice)
_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def adapter_for(kind: Any) -> pydantic.TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = pydantic.TypeAdapter(list[kind])
        _ADAPTERS[kind] = adapter
    return adapter


def first_error(exc: pydantic.ValidationError) -> tuple[int | None, str, str]:
    """The row index, the field path and Pydantic's reason of a list validation's first
    error (its input is left out)."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    if not errors:
        return None, "(row)", ""
    loc = errors[0]["loc"]
    index = loc[0] if loc and isinstance(loc[0], int) else None
    rest = loc[1:] if index is not None else loc
    return index, ".".join(str(p) for p in rest) or "(row)", errors[0]["msg"]


def validate_many(kind: type[T], items: Sequence[Any], *, start: int = 0,
                  where: str = "validate_many()") -> list[T]:
    """``items`` (dicts, or anything Pydantic validates as ``kind``) as ``kind``
    instances, one Pydantic call per chunk; the first invalid item raises a
    :class:`~clickorm.errors.ValidationError` naming its index (counted from ``start``)
    and field."""
    return validate_chunks(kind, adapter_for(kind).validate_python, items, start=start,
                           where=where)


def validate_chunks(kind: Any, validate: Callable[[Sequence[Any]], list[Any]],
                    items: Sequence[Any], *, start: int, where: str) -> list[Any]:
    """``validate`` (a list validator of ``kind``'s items) run one chunk at a time with the
    collector paused; its first error reported as :func:`validate_many` reports it."""
    out: list[Any] = []
    for offset in range(0, len(items), VALIDATION_CHUNK_ROWS):
        chunk = items[offset:offset + VALIDATION_CHUNK_ROWS]
        try:
            with paused_gc(len(chunk)):
                out.extend(validate(chunk))
        except pydantic.ValidationError as exc:
            raise _invalid(kind, exc, start + offset, where) from None
    return out


def _invalid(kind: Any, exc: pydantic.ValidationError, start: int, where: str
             ) -> ValidationError:
    """The error for the first invalid item: its index, and each failing field with
    Pydantic's reason (an unknown key with a suggestion, a column type's range), never
    a value."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    index, _, _ = first_error(exc)
    row = [e for e in errors if index is None or (e["loc"] and e["loc"][0] == index)]
    ranges = kind.__dict__.get("__clickorm_ranges__", {})
    parts: list[str] = []
    fields: list[str] = []
    for err in row:
        loc = err["loc"][1:] if index is not None else err["loc"]
        path = ".".join(str(p) for p in loc) or "(row)"
        top = str(loc[0]) if loc else path
        if top not in fields:
            fields.append(top)
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            parts.append(f"{path}: {unknown_field_message(kind, path)} "
                         "(unknown keys are refused, not dropped)")
            continue
        reason = err["msg"]
        held = ranges.get(top)
        if held and err["type"] != "clickorm_range":
            reason += f"; {held}"
        parts.append(f"{path}: {reason}")
    at = "" if index is None else f" in item {start + index}"
    plural = "s" if len(fields) > 1 else ""
    error = ValidationError(
        f"Invalid data for {kind.__name__}{at} of {where} (field{plural} "
        f"{', '.join(fields)}):\n  " + "\n  ".join(parts) + "\nNothing was written.",
        model=kind.__name__, errors=row)
    error.fields = fields  # type: ignore[attr-defined]
    return error
