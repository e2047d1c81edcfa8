"""Turning Pydantic's ValidationError into ClickORM's, naming the model and the fields."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from clickorm.errors import ValidationError

__all__ = ["validation_error", "validate_model", "validate_changes"]

#: the Pydantic model class being validated
_BM = TypeVar("_BM", bound=pydantic.BaseModel)


def validation_error(model: Any, exc: pydantic.ValidationError, *, where: str = "") -> ValidationError:
    """A ClickORM ValidationError listing each failing field with Pydantic's message."""
    errors = exc.errors(include_url=False)
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(model)"
        parts.append(f"{loc}: {err.get('msg')} (got {_short(err.get('input'))})")
    fields = sorted({str(e["loc"][0]) for e in errors if e.get("loc")})
    head = f"Invalid data for {model.__name__}"
    if where:
        head += f" in {where}"
    if fields:
        head += f" (field{'s' if len(fields) > 1 else ''} {', '.join(fields)})"
    message = head + ":\n  " + "\n  ".join(parts) + "\nNothing was written."
    error = ValidationError(message, model=model.__name__, errors=errors)
    error.fields = fields  # type: ignore[attr-defined]
    return error


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_model(model: type[_BM], data: dict[str, Any], *, where: str = "") -> _BM:
    """``model.model_validate(data)`` raising ClickORM's ValidationError."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_error(model, exc, where=where) from exc


def validate_changes(model: Any, current: dict[str, Any], changes: dict[str, Any],
                     *, where: str = "") -> dict[str, Any]:
    """Validated (coerced) values for ``changes`` given the instance's ``current`` values.

    When every required field has a value the whole row is validated (model validators
    see it all; absent optional fields take their defaults); a partially loaded instance
    validates each changed field on its own.
    """
    fields = model.__pydantic_fields__
    unknown = [k for k in changes if k not in fields]
    if unknown:
        raise ValidationError(
            f"{model.__name__} has no field {unknown[0]!r}; fields: {', '.join(fields)}",
            model=model.__name__)
    merged = {**current, **changes}
    try:
        if all(name in merged or not info.is_required() for name, info in fields.items()):
            validated = model.model_validate(merged)
            return {k: validated.__dict__[k] for k in changes}
        probe = model.model_construct(**current)
        for key, value in changes.items():
            model.__pydantic_validator__.validate_assignment(probe, key, value)
        return {k: probe.__dict__[k] for k in changes}
    except pydantic.ValidationError as exc:
        raise validation_error(model, exc, where=where) from exc
