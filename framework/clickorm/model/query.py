"""ModelQuery: the builder a model class starts, which also knows the model's scopes.

It is a :class:`~clickorm.model.builder.QueryBuilder` (every builder call returns the same
subclass, since the builder copies ``type(self)``), so ``User.active().where(...).popular()``
chains scopes and builder methods freely. Unknown names raise an ``AttributeError`` that
names the model and suggests close builder methods and scopes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from clickorm.model.builder import QueryBuilder, public_methods
from clickorm.model.naming import did_you_mean

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["ModelQuery", "FORWARDED", "did_you_mean"]

#: the builder's public API (the names suggested when an attribute is misspelt)
FORWARDED: frozenset[str] = public_methods()

#: the model class of the query
M = TypeVar("M")


class ModelQuery(QueryBuilder[M]):
    """A builder bound to a model class (``User.query``, ``User.where(...)``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        # only reached for names the builder does not have: the model's scopes
        model = self._model
        if model is not None and not name.startswith("_"):
            scopes = model.__dict__.get("__clickorm_scopes__") or {}
            found = scopes.get(name)
            if found is not None:
                return found.bind(self)
        raise AttributeError(_missing_message(model, name, "query"))


def new_query(model: type[M], connection: BaseConnection | str | None = None
              ) -> ModelQuery[M]:
    """A fresh ModelQuery over ``model``'s table (no argument checking: the hot path)."""
    q: ModelQuery[M] = object.__new__(ModelQuery)
    q._state = model.__clickorm_initial_state__  # type: ignore[attr-defined]
    q._model = model
    q._conn = connection
    return q


def _missing_message(model: Any, name: str, what: str) -> str:
    owner = model.__name__ if model is not None else "QueryBuilder"
    scopes = (model.__dict__.get("__clickorm_scopes__") or {}) if model is not None else {}
    choices = set(FORWARDED) | set(scopes)
    return (f"{owner} {what} has no attribute {name!r}.{did_you_mean(name, choices)} "
            f"Builder methods and the model's scopes are available here.")
