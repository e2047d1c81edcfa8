"""Validation of model data: each column type's range on the fields, and Pydantic's
ValidationError turned into ClickORM's, naming the model, the fields and the ranges.

Range checks are attached once per class (:func:`attach_range_checks`): each field whose
column type has a range (:mod:`clickorm.types.ranges`) gets it as Pydantic metadata, so
constructing, ``model_validate``, ``create()``, ``insert_many()`` of dicts and ``save()``
all refuse an out-of-range value before anything is written. ``model_construct`` skips
validation, as in Pydantic: such an instance is written as it is.
"""

from __future__ import annotations

import typing
from types import NoneType, UnionType
from typing import Any, TypeVar

import pydantic

from clickorm.errors import ValidationError
from clickorm.model.codecs import logical_types
from clickorm.model.naming import did_you_mean
from clickorm.types.ranges import (
    Check,
    RangeConstraints,
    describe_range,
    field_constraints,
    range_check,
)

__all__ = ["plain_type", "validation_error", "validate_model", "validate_changes", "attach_range_checks",
           "check_assignment", "unknown_field_message"]


def plain_type(annotation: Any) -> Any:
    """``int`` for ``int``, ``int | None``, ``Annotated[int, ...]``; else the annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or origin is UnionType:
            args = [a for a in typing.get_args(annotation) if a is not NoneType]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def attach_range_checks(cls: Any) -> bool:
    """Put each field's column-type range into its Pydantic metadata (replacing what a base
    class put there); the class records the checks as ``__clickorm_range_checks__`` for
    attribute assignment. Returns whether any field's metadata changed (the validator must
    then be built again). Fields whose type cannot be resolved get no check."""
    types = logical_types(cls)
    checks: dict[str, Check] = {}
    changed = False
    for name, info in cls.__pydantic_fields__.items():
        inherited = [m for m in info.metadata if isinstance(m, RangeConstraints)]
        logical = types.get(name)
        wanted = field_constraints(logical, plain_type(info.annotation)) if logical else None
        if logical is not None:
            check = range_check(logical)
            if check is not None:
                checks[name] = check
        if inherited == ([wanted] if wanted else []):
            continue
        info.metadata = [m for m in info.metadata if not isinstance(m, RangeConstraints)]
        if wanted is not None:
            info.metadata.append(wanted)
        changed = True
    type.__setattr__(cls, "__clickorm_range_checks__", checks)
    type.__setattr__(cls, "__clickorm_ranges__",
                     {n: describe_range(t) for n, t in types.items() if t is not None
                      and n in checks})
    return changed


def check_assignment(model: Any, name: str, value: Any) -> None:
    """Refuse ``instance.<name> = value`` when ``value`` is outside the column type's range
    (attribute assignment does not run Pydantic's validation)."""
    check = model.__dict__.get("__clickorm_range_checks__", {}).get(name)
    if check is None or value is None:
        return
    problem = check(value)
    if problem is not None:
        raise ValidationError(
            f"Invalid value for {model.__name__}.{name}: {problem} (got a value "
            f"of type {type(value).__name__}; values are never shown). "
            "Nothing was assigned.", model=model.__name__)


def unknown_field_message(model: Any, key: str) -> str:
    fields = model.__pydantic_fields__
    return (f"{model.__name__} has no field {key!r}.{did_you_mean(key, fields)} "
            f"Fields: {', '.join(fields) or 'none'}")

#: the Pydantic model class being validated
_BM = TypeVar("_BM", bound=pydantic.BaseModel)


def validation_error(model: Any, exc: pydantic.ValidationError, *, where: str = "") -> ValidationError:
    """A ClickORM ValidationError listing each failing field with Pydantic's message."""
    errors = exc.errors(include_url=False)
    ranges = model.__dict__.get("__clickorm_ranges__", {})
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(model)"
        if err.get("type") == "extra_forbidden" and len(err.get("loc", ())) == 1:
            parts.append(f"{loc}: {unknown_field_message(model, str(err['loc'][0]))} "
                         "(unknown keys are refused, not dropped)")
            continue
        # the type of what was given, never the value (it may be a secret)
        text = f"{loc}: {err.get('msg')} (got a value of type {type(err.get('input')).__name__})"
        held = ranges.get(err["loc"][0]) if err.get("loc") else None
        if held and err.get("type") != "clickorm_range":
            text += f"; {held}"
        parts.append(text)
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
        raise ValidationError(unknown_field_message(model, unknown[0]), model=model.__name__)
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
