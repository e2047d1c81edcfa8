"""Model classes by name, for relationship targets given as strings.

The registry is written only while a model class is being created (``register``) and
read when a relationship resolves its target on first use; it holds weak references,
so classes defined in tests or functions disappear with them. Several classes may share
a name (``User`` in two modules, or in two test functions): resolution prefers the one
defined in the same module and the same enclosing scope as the declaring model, then
the same module, then a unique match; otherwise the error lists the candidates and asks
for the class itself or a ``"module.Name"`` string.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from clickorm.errors import QueryError

__all__ = ["register", "resolve_model", "registered"]

_lock = threading.Lock()
_by_name: dict[str, list[weakref.ref[Any]]] = {}


def register(model: type) -> None:
    """Record a model class (called by the metaclass at class creation)."""
    with _lock:
        refs = [r for r in _by_name.get(model.__name__, []) if r() is not None]
        refs.append(weakref.ref(model))
        _by_name[model.__name__] = refs


def registered(name: str) -> list[Any]:
    """Live classes registered under ``name`` (oldest first)."""
    with _lock:
        return [c for c in (r() for r in _by_name.get(name, [])) if c is not None]


def _scope(cls: Any) -> str:
    return str(cls.__qualname__).rpartition(".")[0]


def resolve_model(name: str, owner: Any, attribute: str) -> Any:
    """The model class ``name`` refers to from ``owner.<attribute>``."""
    module, _, short = name.rpartition(".")
    candidates = [c for c in registered(short) if not module or c.__module__ == module]
    if owner is not None and len(candidates) > 1:
        same_module = [c for c in candidates if c.__module__ == owner.__module__]
        same_scope = [c for c in same_module if _scope(c) == _scope(owner)]
        for group in (same_scope, same_module):
            if group:
                candidates = group[-1:]  # the latest definition in that scope
                break
    where = f"{owner.__name__}.{attribute}" if owner is not None else attribute
    if not candidates:
        raise QueryError(
            f"{where} refers to model {name!r}, but no model class of that name exists "
            "(is its module imported?); pass the class itself or 'module.Name'"
        )
    if len(candidates) > 1:
        listed = ", ".join(f"{c.__module__}.{c.__qualname__}" for c in candidates)
        raise QueryError(f"{where} refers to {name!r}, which is ambiguous ({listed}); "
                         "pass the class itself or 'module.Name'")
    return candidates[0]
