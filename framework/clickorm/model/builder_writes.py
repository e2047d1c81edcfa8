"""Values a model query writes in bulk (``update``, ``increment``/``decrement``,
``insert``), checked as the model's fields before anything is sent.

``instance.save()`` validates its changes and encodes them for the connection; a bulk
write through ``User.where(...).update({...})`` must do no less, or a value the column
cannot hold exactly (300 in a UInt8, a Decimal with too many places, a date before
1970, a float added to an integer) is wrapped, rounded or truncated by the engine
without an error. Values that are expressions (``col + 1``, ``raw(...)``) are the
database's to compute and pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pydantic

from clickorm.errors import QueryError
from clickorm.model import execution
from clickorm.model.codecs import logical_types
from clickorm.model.persistence import writer_for
from clickorm.model.validation import plain_type, validate_model, validation_error
from clickorm.query.arguments import and_group
from clickorm.query.expressions import Col, Compare, Expr, _tuple_new
from clickorm.types.logical import Integer, LowCardinality, Nullable

if TYPE_CHECKING:
    from clickorm.model.builder import QueryBuilder

__all__ = ["checked_amount", "checked_rows", "checked_update", "column_of", "refuse_overflow"]


def _field(model: Any, key: Any) -> str | None:
    """The model field a write key names (its field name or its column name)."""
    if type(key) is not str:
        return None
    if key in model.__pydantic_fields__:
        return key
    field: str | None = model.__clickorm_field_by_column__.get(key)
    return field


def column_of(builder: QueryBuilder[Any], key: str) -> str:
    """The column a write key names on a model query (a field name becomes its column)."""
    model: Any = builder._model
    field = _field(model, key) if model is not None else None
    return model.__clickorm_db_names__[field] if field is not None else key


def _validated(model: Any, values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Each field's value validated on its own, as an assignment to that field."""
    probe = model.model_construct()
    try:
        for field, value in values.items():
            model.__pydantic_validator__.validate_assignment(probe, field, value)
    except pydantic.ValidationError as exc:
        raise validation_error(model, exc, where=where) from exc
    return {f: probe.__dict__[f] for f in values}


def checked_update(builder: QueryBuilder[Any], values: Mapping[Any, Any]) -> dict[Any, Any]:
    """``update()``'s values keyed by column: plain values of the model's fields
    validated and encoded as ``save()`` writes them; other keys and expression values
    unchanged."""
    model = builder._model
    if model is None:
        return dict(values)
    plain: dict[str, Any] = {}
    out: dict[Any, Any] = {}
    for key, value in values.items():
        field = _field(model, key)
        if field is None or isinstance(value, Expr):
            out[model.__clickorm_db_names__[field] if field else key] = value
        else:
            plain[field] = value
    if plain:
        validated = _validated(model, plain, "update()")
        writer = writer_for(execution.resolve_connection(builder))
        out.update(writer.column_values(model, validated))
    return out


def checked_amount(builder: QueryBuilder[Any], column: str, amount: Any, what: str) -> Any:
    """The ``increment``/``decrement`` amount as a value of the field: an integer field
    takes an int (a float would be truncated or stored as a float), a Decimal field an
    int or a Decimal within its scale, never a float it cannot hold exactly."""
    if type(amount) is bool or not isinstance(amount, (int, float, Decimal)):
        raise QueryError(f"{what}({column!r}) needs a number, got a {type(amount).__name__}")
    model: Any = builder._model
    field = _field(model, column) if model is not None else None
    if field is None:
        return amount
    kind = plain_type(model.__pydantic_fields__[field].annotation)
    if kind not in (int, Decimal):
        return amount
    if kind is int and not isinstance(amount, int):
        raise QueryError(
            f"{what}({column!r}): {model.__name__}.{field} is an integer field and the "
            f"amount is a {type(amount).__name__}, which it cannot hold exactly")
    if isinstance(amount, float):
        raise QueryError(
            f"{what}({column!r}): {model.__name__}.{field} is a Decimal field; give the "
            "amount as a Decimal or an int (a float is not exact)")
    # the field's own checks (range, a Decimal's scale) on the size of the step
    step = _validated(model, {field: abs(amount)}, f"{what}()")[field]
    conn = execution.resolve_connection(builder)
    if isinstance(writer_for(conn).column_values(model, {field: step})[
            model.__clickorm_db_names__[field]], str):
        # stored as exact text (SQLite's Decimal and 128/256-bit integers): the database
        # would add in floats and write the rounded result back
        raise QueryError(
            f"{what}({column!r}): the {conn.dialect.name} dialect stores {model.__name__}."
            f"{field} as text and would add in floats, rounding it; read the rows, add in "
            "Python and save() them")
    return -step if amount < 0 else step


def refuse_overflow(builder: QueryBuilder[Any], column: str, delta: Any, what: str) -> None:
    """Refuse an ``increment``/``decrement`` of an integer field that would take a
    matching row past the column type's range: ClickHouse wraps it around (a UInt32 stock
    of 0 decremented reads 4294967295) and SQLite stores a value the type cannot hold.
    The rows are checked by one query just before the write (a row changed in between
    is not seen)."""
    model: Any = builder._model
    field = _field(model, column) if model is not None else None
    if field is None or not isinstance(delta, int) or delta == 0:
        return
    logical = logical_types(model).get(field)
    while isinstance(logical, Nullable | LowCardinality):
        logical = logical.inner
    if not isinstance(logical, Integer):
        return
    db = model.__clickorm_db_names__[field]
    bound = logical.max_value - delta if delta > 0 else logical.min_value - delta
    # the bound as the column holds it (a 128-bit integer is text on SQLite)
    bound = writer_for(execution.resolve_connection(builder)).column_values(
        model, {field: bound})[db]
    cond = _tuple_new(Compare, (Col(db, None), ">" if delta > 0 else "<", bound))
    state = builder._state
    probe = builder._new(state.set("wheres", and_group(state.wheres, (("AND", cond),))))
    if probe.exists():
        raise QueryError(
            f"{what}({column!r}) would take {model.__name__}.{field} past {logical!r}'s range "
            f"({logical.min_value}..{logical.max_value}) on a matching row; nothing was "
            "written")


def checked_rows(builder: QueryBuilder[Any], rows: Sequence[Mapping[str, Any]]
                 ) -> list[dict[str, Any]]:
    """``insert()``'s rows on a model query: each validated as a whole row of the model
    (required fields present, every value in its column's range), then the keys given
    encoded as ``create()`` writes them."""
    model = builder._model
    if model is None:
        return [dict(r) for r in rows]
    writer = writer_for(execution.resolve_connection(builder))
    out: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        given = {_field(model, k) or k: v for k, v in row.items()}
        unknown = [k for k in given if k not in model.__pydantic_fields__]
        if unknown:
            raise QueryError(f"insert(): {model.__name__} has no field {unknown[0]!r}")
        plain = {k: v for k, v in given.items() if not isinstance(v, Expr)}
        instance = validate_model(model, plain, where=f"insert() row {index}")
        values = writer.column_values(model, {k: instance.__dict__[k] for k in plain})
        values.update({model.__clickorm_db_names__[k]: v for k, v in given.items()
                       if k not in plain})
        out.append(values)
    return out
