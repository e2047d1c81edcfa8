"""Local scopes: reusable query pieces declared on the model.

::

    class User(Model):
        active: bool = True

        @scope
        def active_only(query, since=None):
            return query.where("active", True)

    User.active_only().where("age", ">", 18).get()
    User.where("age", ">", 18).active_only().get()   # chainable on the builder

The function receives the builder and returns a builder. Scopes are collected per class
at class creation (inherited ones included) and never change afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from clickorm.errors import QueryError
from clickorm.model.execution import narrowed

__all__ = ["scope", "Scope"]


class Scope:
    """A scope function bound lazily: on the class it starts a query, on a builder it
    continues that builder."""

    #: removed from the class namespace before Pydantic sees it, restored afterwards
    __clickorm_special__ = True

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any) -> Callable[..., Any]:
        def start(*args: Any, **kwargs: Any) -> Any:
            return self.bind(owner._clickorm_query())(*args, **kwargs)

        start.__name__ = self.name
        start.__doc__ = self.fn.__doc__
        return start

    def bind(self, builder: Any) -> Callable[..., Any]:
        """The scope applied to ``builder`` (what ``builder.<scope>`` returns)."""

        def apply(*args: Any, **kwargs: Any) -> Any:
            def call(query: Any) -> Any:
                result = self.fn(query, *args, **kwargs)
                if result is None:
                    raise QueryError(
                        f"Scope {self.name!r} returned None; a scope must return the builder "
                        "it was given (builders are immutable: return query.where(...))"
                    )
                return result

            # the scope's conditions and the query's are ANDed as two groups: an OR on
            # either side stays on its side
            return narrowed(builder, call)

        apply.__name__ = self.name
        return apply

    def __repr__(self) -> str:
        return f"<scope {self.name}>"


def scope(fn: Callable[..., Any]) -> Any:
    """Declare a local scope (see the module docstring)."""
    return Scope(fn)
