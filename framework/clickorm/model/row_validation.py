"""Validating dicts to field values without building instances: insert_many's fast path.

``insert_many(dicts)`` needs each row's validated field values, not an instance: the
instances it used to build were read into columns and freed, never returned. A model's
core schema is a ``model`` schema around a ``model-fields`` schema; the same fields as a
``typed-dict`` schema with the model's config validate a dict to exactly the dict that
would become the instance's ``__dict__``: pydantic-core runs the same per-field loop for
both (lookup by alias or name, field validators seeing the fields validated so far,
defaults and default factories, strictness, ``extra`` handling, the same errors at the
same locations), minus the instance, its fields-set and the model wrapper. On 200,000
rows that is less than half the time of ``TypeAdapter(list[Model])``.

Only where that is exactly what model validation does, and nothing else can tell:

- the core schema is a plain ``model`` schema (a ``@model_validator`` wraps it in a
  function schema; a custom ``__init__``, ``model_post_init`` or private attributes set
  ``custom_init`` / ``post_init``; a root model is no row), every key of it, of its
  ``model-fields`` schema and of each field known to mean nothing else, and the model
  not validated from attributes;
- extra keys are refused or ignored (``extra="allow"`` keeps them: a typed-dict keeps
  them in the same dict as the fields, where a key named like an aliased field would
  replace that field's validated value);
- the model has no create/save hooks or observers (they receive the instances).

Anything else returns None and the caller builds instances as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic_core

from clickorm.model.bulk_validation import adapter_for, validate_chunks

__all__ = ["rows_validator", "validate_rows"]

#: keys of a ``model`` schema that change nothing for a dict validated to field values
_MODEL_KEYS = frozenset({"type", "cls", "schema", "config", "ref", "metadata",
                         "serialization", "custom_init", "root_model", "post_init",
                         "generic_origin", "revalidate_instances", "frozen",
                         "extra_behavior", "strict"})
#: keys of a ``model-fields`` schema, and those the typed-dict schema takes over as they are
_FIELDS_KEYS = frozenset({"type", "fields", "model_name", "computed_fields", "strict",
                          "extras_schema", "extra_behavior", "from_attributes", "ref",
                          "metadata", "serialization"})
_COPIED = ("strict", "extra_behavior")
#: keys of a ``model-field``, and those a ``typed-dict-field`` takes over
_FIELD_KEYS = frozenset({"type", "schema", "validation_alias", "serialization_alias",
                         "serialization_exclude", "serialization_exclude_if", "frozen",
                         "metadata"})
_FIELD_COPIED = ("validation_alias",)

_PLAN = "rows-validator"


def rows_validator(model: Any) -> pydantic_core.SchemaValidator | None:
    """The validator of a list of ``model``'s rows as field dicts, or None when the model
    must be validated into instances (see the module docstring). Memoised per core
    schema on the model's plans."""
    schema = model.__dict__.get("__pydantic_core_schema__")
    if not isinstance(schema, dict):  # not built yet (defer_build): the slow path builds it
        return None
    plans = model.__clickorm_plans__
    memo = plans.get(_PLAN)
    if memo is None or memo[0] is not schema:
        memo = plans[_PLAN] = (schema, _build(model, schema))
    found: pydantic_core.SchemaValidator | None = memo[1]
    return found


def validate_rows(model: Any, validator: pydantic_core.SchemaValidator,
                  items: Sequence[Any], *, start: int = 0,
                  where: str = "insert_many()") -> list[dict[str, Any]]:
    """``items`` (dicts) as validated field dicts, one Pydantic call per chunk; the first
    invalid one raises the :class:`~clickorm.errors.ValidationError` that validating
    them into instances raises (same index, fields and reasons, never a value)."""
    by_instances = adapter_for(model).validate_python

    def validate(chunk: Sequence[Any]) -> list[dict[str, Any]]:
        try:
            rows: list[dict[str, Any]] = validator.validate_python(chunk)
        except pydantic_core.ValidationError:
            # an invalid chunk is validated again into instances, so what it raises is
            # the instance path's in every Pydantic version (2.14 reports a default
            # factory that reads an invalid field, where model validation calls it)
            by_instances(chunk)
            raise
        return rows

    return validate_chunks(model, validate, items, start=start, where=where)


def _build(model: Any, schema: dict[str, Any]) -> pydantic_core.SchemaValidator | None:
    if model.__clickorm_hooks__:
        return None
    definitions = None
    if schema.get("type") == "definitions":
        definitions = schema.get("definitions")
        if set(schema) - {"type", "schema", "definitions", "metadata"}:
            return None
        schema = schema["schema"]
    typed = _typed_dict(model, schema)
    if typed is None:
        return None
    listed: dict[str, Any] = {"type": "list", "items_schema": typed}
    if definitions is not None:
        listed = {"type": "definitions", "schema": listed, "definitions": definitions}
    return pydantic_core.SchemaValidator(listed)


def _typed_dict(model: Any, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The model schema's fields as a typed-dict schema, or None when not equivalent."""
    if (schema.get("type") != "model" or schema.get("cls") is not model
            or set(schema) - _MODEL_KEYS or schema.get("custom_init")
            or schema.get("root_model") or schema.get("post_init")):
        return None
    config = schema.get("config") or {}
    inner = schema["schema"]
    extra = inner.get("extra_behavior", config.get("extra_fields_behavior"))
    if (inner.get("type") != "model-fields" or set(inner) - _FIELDS_KEYS
            or inner.get("from_attributes") or config.get("from_attributes")
            or extra not in (None, "forbid", "ignore")):
        # extra="allow": a typed-dict puts extra keys beside the fields, where one named
        # like an aliased field would replace its validated value
        return None
    fields: dict[str, Any] = {}
    for name, field in inner["fields"].items():
        if field.get("type") != "model-field" or set(field) - _FIELD_KEYS:
            return None
        value = field["schema"]
        defaulted = value.get("type") == "default"
        if defaulted and "default" not in value and "default_factory" not in value:
            return None  # no default after all: model-fields reports it missing
        # a typed-dict field is required unless its schema has a default, which is when
        # model-fields reports it missing
        typed_field = {"type": "typed-dict-field", "schema": value, "required": not defaulted}
        typed_field.update({k: field[k] for k in _FIELD_COPIED if k in field})
        fields[name] = typed_field
    # a typed-dict reads its own config, never its parent's: the model's own, as the
    # model-fields validator inside the model schema gets
    typed: dict[str, Any] = {"type": "typed-dict", "fields": fields, "total": True,
                             "config": config}
    typed.update({k: inner[k] for k in _COPIED if k in inner})
    return typed
