"""Hydration: database rows -> model instances. The ORM's hot path lives here, in one place.

Rows that come from the database are trusted: the driver already typed them, and the
per-column decoders of the connection's platform turn storage forms (SQLite keeps
datetimes, lists and UUIDs as text) back into the Python values the fields declare.
So instances are built WITHOUT Pydantic validation, the way ``model_construct`` does,
but faster:

* For each (model, dialect, selected columns) a small function is generated once and
  memoised on the class (``__clickorm_plans__``, a pure memo: racing threads build the
  same function). It unpacks each row into locals, applies only the decoders that are
  not identity, and builds the instance ``__dict__`` with one dict display. Generated
  code is the trick dataclasses and attrs use; the only strings spliced into it are
  ``repr()`` literals of field/column names and generated local names.
* The instance is made with ``object.__new__`` and only two slots are filled, through
  the slot descriptors' ``__set__`` (no ``__setattr__`` dispatch): ``__dict__`` and the
  ORM state slot (the shared ``PERSISTED`` marker). Each descriptor call costs about as
  much as building the row's dict, so Pydantic's other slots are left unset and
  ``Model.__getattr__`` answers for them on first use and stores the answer:
  ``__pydantic_fields_set__`` is the fields the row has (its ``__dict__`` keys that are
  fields), ``__pydantic_extra__`` is ``{}`` on ``extra="allow"`` models and ``None``
  otherwise, ``__pydantic_private__`` is ``None`` (what Pydantic stores for models
  without private attributes). That is 15% of hydration.
* Large batches are built with the cyclic garbage collector paused (see ``hydrate``).
* Columns that are not fields (joins, aliases, ``with_count``) go to the instance's
  ``extras`` (readable as attributes: ``user.posts_count``), or to Pydantic's own
  ``__pydantic_extra__`` when the model is configured with ``extra="allow"``. A column
  name seen twice keeps its first value for the field (``SELECT *`` over a join).
* Fields the query did not select stay unset, as in Pydantic's ``model_construct``
  without values: ``model_dump`` leaves them out and reading one raises an
  AttributeError naming the column (a default would pretend to know the row's value).
* A model with ``model_post_init`` or Pydantic private attributes gets
  ``model_post_init(None)`` per row, as ``model_construct`` does.

``validate=True`` instead decodes and runs ``Model.model_validate`` on every row, raising
:class:`clickorm.ValidationError` naming the model and the row.

The benchmark (benchmarks/bench_models.py) compares this path with ``model_validate``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel

from clickorm import speedups
from clickorm.connection.base import ColumnarRows
from clickorm.gcpause import GC_PAUSE_ROWS, paused_gc
from clickorm.model.codecs import decoders_for
from clickorm.model.state import PERSISTED, InstanceState
from clickorm.model.validation import validation_error

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["hydrate", "build_hydrator", "Hydrator"]

Hydrator = Callable[[Sequence[Sequence[Any]]], list[Any]]

#: Pydantic's slot setters (no ``__setattr__`` dispatch); Model.__getattr__ uses the
#: fields-set and extra ones to fill what hydration leaves unset
_slots = BaseModel.__dict__
#: the ``__dict__`` descriptor itself, for the compiled loops (clickorm.speedups)
DICT_SLOT = _slots["__dict__"]
_SET_DICT = DICT_SLOT.__set__
_SET_FIELDS_SET = _slots["__pydantic_fields_set__"].__set__
_SET_EXTRA = _slots["__pydantic_extra__"].__set__
_SET_PRIVATE = _slots["__pydantic_private__"].__set__


def hydrate(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
            validate: bool = False, connection: BaseConnection | None = None,
            undecoded: frozenset[int] = frozenset()) -> list[Any]:
    """Instances of ``model`` for ``rows`` whose column names are ``columns``. Columns at
    the ``undecoded`` positions are set as they are (a computed value named like a field,
    such as ``aggregate("sum", "flag")``, is not a stored value of the field)."""
    if not rows:
        return []
    if connection is not None:
        key: tuple[Any, ...] = (connection.dialect.name, connection.server_version,
                                tuple(columns), validate, speedups.active(), undecoded)
    else:
        key = (None, None, tuple(columns), validate, speedups.active(), undecoded)
    plans = model.__clickorm_plans__
    fn = plans.get(key)
    if fn is None:
        fn = build_hydrator(model, tuple(columns), connection, validate=validate,
                            undecoded=undecoded)
        plans[key] = fn
    if len(rows) < GC_PAUSE_ROWS or not gc.isenabled():
        return fn(rows)  # type: ignore[no-any-return]
    # Every instance and its __dict__ survive, so the cyclic GC's repeated passes over
    # the growing batch would find nothing (see clickorm.gcpause)
    with paused_gc(len(rows)):
        return fn(rows)  # type: ignore[no-any-return]


def build_hydrator(model: Any, columns: tuple[str, ...], connection: BaseConnection | None,
                   *, validate: bool = False,
                   undecoded: frozenset[int] = frozenset()) -> Hydrator:
    """Generate the row loop for one column layout (see the module docstring)."""
    by_column: dict[str, str] = model.__clickorm_field_by_column__
    taken: set[str] = set()
    field_cols: list[tuple[int, str]] = []
    extra_cols: list[tuple[int, str]] = []
    for i, col in enumerate(columns):
        name = by_column.get(col)
        if name is None or name in taken:
            extra_cols.append((i, col))
        else:
            taken.add(name)
            field_cols.append((i, name))
    decoders = [None if i in undecoded else dec for (i, _), dec in zip(
        field_cols, decoders_for(model, tuple(n for _, n in field_cols), connection),
        strict=True)]

    ns: dict[str, Any] = {
        "cls": model,
        "new": object.__new__,
        "set_dict": _SET_DICT,
        "set_extra": _SET_EXTRA,
        "set_private": _SET_PRIVATE,
        "set_state": model.__clickorm_state_slot__.__set__,
        "PERSISTED": PERSISTED,
        "State": InstanceState,
        "ValidationFailed": pydantic.ValidationError,
        "wrap_error": _wrap_error,
    }
    items: list[str] = []
    for (i, name), dec in zip(field_cols, decoders, strict=True):
        value = f"c{i}"
        if dec is not None:
            ns[f"d{i}"] = dec
            value = f"d{i}(c{i})"
        items.append(f"{name!r}: {value}")
    extra_allow = model.model_config.get("extra") == "allow"
    extras = "{" + ", ".join(f"{col!r}: c{i}" for i, col in extra_cols) + "}"
    unpack = ", ".join(f"c{i}" for i in range(len(columns))) + ("," if len(columns) == 1 else "")
    body = "{" + ", ".join(items) + "}"
    post_init = model.__pydantic_post_init__ is not None

    lines = ["def hydrate(rows):", "    out = []", "    append = out.append"]
    if validate:
        lines += [
            f"    for n, ({unpack}) in enumerate(rows):",
            "        try:",
            f"            m = cls.model_validate({body})",
            "        except ValidationFailed as exc:",
            "            raise wrap_error(cls, n, exc) from exc",
            f"        set_state(m, State(True, None, None, {extras if extra_cols else 'None'}))",
            "        append(m)",
            "    return out",
        ]
    else:
        lines += [
            f"    for {unpack} in rows:",
            "        m = new(cls)",
            f"        set_dict(m, {body})",
        ]
        if extra_cols and extra_allow:
            lines += [f"        set_extra(m, {extras})", "        set_state(m, PERSISTED)"]
        elif extra_cols:
            lines += [f"        set_state(m, State(True, None, None, {extras}))"]
        else:
            lines += ["        set_state(m, PERSISTED)"]
        if post_init:
            lines += ["        set_private(m, None)", "        m.model_post_init(None)"]
        lines += ["        append(m)", "    return out"]
    source = "\n".join(lines)
    exec(compile(source, f"<clickorm hydrate {model.__name__}>", "exec"), ns)  # noqa: S102
    fn: Hydrator = ns["hydrate"]
    fn.__doc__ = source  # what ran, for debugging
    if speedups.compiled is not None and not validate and not extra_cols and not post_init:
        return _compiled_hydrator(model, tuple(n for _, n in field_cols), decoders, fn)
    return fn


def _compiled_hydrator(model: Any, names: tuple[str, ...], decoders: Sequence[Any],
                       python_loop: Hydrator) -> Hydrator:
    """The same loop in C (clickorm/_speedups.c) for the common case: every column is a
    field, no per-row ``model_post_init``. Other row containers take the Python loop."""
    native = speedups.compiled
    assert native is not None
    decs = tuple(decoders)
    state_slot = model.__clickorm_state_slot__

    def hydrate(rows: Sequence[Sequence[Any]]) -> list[Any]:
        if type(rows) is ColumnarRows:
            return native.hydrate_columns(  # type: ignore[no-any-return]
                model, names, rows.data, decs, DICT_SLOT, state_slot, PERSISTED)
        if type(rows) is list:
            return native.hydrate_rows(  # type: ignore[no-any-return]
                model, names, rows, decs, DICT_SLOT, state_slot, PERSISTED)
        return python_loop(rows)

    hydrate.__doc__ = f"compiled hydration of {names}; Python twin:\n{python_loop.__doc__}"
    return hydrate


def _wrap_error(model: Any, index: int, exc: pydantic.ValidationError) -> Exception:
    return validation_error(model, exc, where=f"row {index} of the query result")
