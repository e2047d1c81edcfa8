"""Model events: hook methods and observers around create, update, save and delete.

Define any of :data:`HOOKS` as a method on the model (``def before_save(self): ...``) or
list observers in ``Meta.observers`` (objects or classes with methods of the same names,
called with the instance). Which hooks a class uses is computed once at class creation,
so models without hooks pay nothing on bulk paths. An exception raised by a ``before_*``
hook stops the write (nothing is written).

Order: ``save()`` of a new row runs before_save, before_create, INSERT, after_create,
after_save; of an existing row before_save, before_update, UPDATE, after_update,
after_save; ``delete()`` runs before_delete, DELETE, after_delete. Bulk inserts
(``insert_many``, session flushes) run the create and save hooks for every instance. A
session flush's updates are one batch: every row's before_save and before_update run
first, then the writes, and each row's after_update and after_save once its write
succeeded.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HOOKS", "hooks_of", "fire"]

HOOKS = (
    "before_save", "after_save",
    "before_create", "after_create",
    "before_update", "after_update",
    "before_delete", "after_delete",
)


def hooks_of(model: Any, base: Any, observers: tuple[Any, ...]) -> frozenset[str]:
    """The hook names ``model`` defines (overriding ``base``) or its observers define."""
    used = set()
    for name in HOOKS:
        if getattr(model, name, None) is not getattr(base, name, None):
            used.add(name)
        if any(callable(getattr(obs, name, None)) for obs in observers):
            used.add(name)
    return frozenset(used)


def fire(instance: Any, hook: str) -> None:
    """Run ``hook`` on the instance, then on each observer, if the class uses it."""
    cls = type(instance)
    if hook not in cls.__clickorm_hooks__:
        return
    getattr(instance, hook)()
    for observer in cls.__clickorm_meta__.observers:
        method = getattr(observer, hook, None)
        if callable(method):
            method(instance)
