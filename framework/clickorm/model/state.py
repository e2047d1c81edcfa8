"""Per-instance ORM state kept outside Pydantic's data.

A model instance carries one extra slot, ``_clickorm_state`` (declared in ``Model.__slots__``,
so it never appears in ``__dict__``, ``==`` or the JSON schema; of its contents only the
extra columns a query selected show in ``model_dump`` and the repr). Its value:

* unset - a new instance built by ``User(...)``/``model_validate``: not in the database;
* :data:`PERSISTED` - a shared, read-only marker set by hydration: the row exists, nothing
  changed, no relation loaded;
* an :class:`InstanceState` of its own, created on the first write, relation load or
  when a row carries extra columns.

``own_state(instance)`` returns the instance's own state, creating it when the slot holds
the shared marker.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InstanceState", "PERSISTED", "MISSING", "state_of", "own_state", "set_state"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


#: an original value for a field that had no value before (partial selects, new rows)
MISSING: Any = _Missing()


class InstanceState:
    """What the ORM knows about one instance beyond its field values."""

    __slots__ = ("exists", "original", "relations", "extras")

    def __init__(
        self,
        exists: bool = False,
        original: dict[str, Any] | None = None,
        relations: dict[str, Any] | None = None,
        extras: dict[str, Any] | None = None,
    ) -> None:
        #: the row is in the database (save() updates instead of inserting)
        self.exists = exists
        #: field -> value before the first change since load/save (dirty tracking)
        self.original = original
        #: relation name -> loaded value (lazy access and eager loading cache)
        self.relations = relations
        #: selected columns that are not fields (joins, aliases, with_count)
        self.extras = extras

    def __repr__(self) -> str:
        return (f"InstanceState(exists={self.exists}, original={self.original!r}, "
                f"relations={sorted(self.relations or ())}, extras={self.extras!r})")


class _Persisted(InstanceState):
    """The shared marker of hydrated, untouched rows; never mutated."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(exists=True)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "extras"):
            raise AttributeError("PERSISTED is shared by many rows and cannot change")
        object.__setattr__(self, name, value)


PERSISTED: InstanceState = _Persisted()

# filled in by clickorm.model.model once the Model class exists (the slot descriptor)
_get: Any = None
_set: Any = None
slot: Any = None


def bind_slot(descriptor: Any) -> None:
    """Called once by the Model class: the member descriptor of ``_clickorm_state``."""
    global _get, _set, slot
    _get = descriptor.__get__
    _set = descriptor.__set__
    slot = descriptor


def state_of(instance: Any) -> InstanceState | None:
    """The instance's state or ``None`` for a new instance (never creates one)."""
    try:
        return _get(instance, None)  # type: ignore[no-any-return]
    except AttributeError:
        return None


def set_state(instance: Any, state: InstanceState) -> None:
    _set(instance, state)


def own_state(instance: Any) -> InstanceState:
    """The instance's own, mutable state (created on first need)."""
    try:
        st: InstanceState = _get(instance, None)
    except AttributeError:
        st = InstanceState()
        _set(instance, st)
        return st
    if st is PERSISTED:
        st = InstanceState(exists=True)
        _set(instance, st)
    return st
