"""What a rolled-back transaction gives back to the instances it wrote.

Inside a transactional session (SQLite) a write marks its instances as the database
will hold them once the transaction commits: inserted rows persisted, saved changes
clean, deleted rows gone. When the transaction rolls back instead, the database forgets
those writes and so must the instances, or a later ``save()`` would UPDATE a row that
was never kept, or find nothing dirty to write. Each session keeps a :class:`Journal`:
the state every instance had before the session's first write of it, put back on
rollback, dropped on commit (a nested session's, whose commit only releases a savepoint,
is handed to the session around it).

Writers call :func:`writing` with the connection they write on, before they change an
instance's state; it is a no-op outside transactional sessions.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from functools import partial
from typing import Any

from clickorm.errors import WriteError
from clickorm.model.context import active_sessions
from clickorm.model.state import PERSISTED, InstanceState, set_state, state_of

__all__ = ["Journal", "failed_write", "inserted", "writing"]

#: how many bulk-inserted references a journal holds before it first sweeps dead ones
_FIRST_SWEEP = 100_000


def _copy(st: InstanceState | None) -> InstanceState | None:
    if st is None or st is PERSISTED:
        return st
    return InstanceState(st.exists, dict(st.original) if st.original else None,
                         dict(st.relations) if st.relations else None,
                         dict(st.extras) if st.extras else None)


class Journal:
    """The states to put back if this session's transaction rolls back."""

    def __init__(self) -> None:
        #: id -> (a weak reference to the instance, its state before the first write):
        #: an instance nobody holds any more needs nothing put back, and a bulk insert
        #: from a generator keeps its memory bounded by the chunk
        self._saved: dict[int, tuple[weakref.ref[Any], InstanceState | None]] = {}
        #: instances a bulk insert wrote (new before it): weak references only, made in
        #: one C-level map per chunk; dead ones are swept as the list grows
        self._inserted: list[weakref.ref[Any]] = []
        self._sweep_at = _FIRST_SWEEP
        #: bulk writes that failed part-way in this transaction: what they report as
        #: landed is undone by a rollback
        self._errors: list[WriteError] = []

    def remember(self, instances: Iterable[Any]) -> None:
        saved = self._saved
        for instance in instances:
            key = id(instance)
            entry = saved.get(key)
            if entry is not None and entry[0]() is instance:
                continue  # the first write's state is the one to put back
            saved[key] = (weakref.ref(instance, partial(self._gone, key)),
                          _copy(state_of(instance)))

    def inserted(self, instances: list[Any]) -> None:
        """``instances`` (new until now) were just inserted: new again on rollback."""
        self._inserted += map(weakref.ref, instances)
        if len(self._inserted) > self._sweep_at:  # amortized: memory follows the live set
            self._inserted = [ref for ref in self._inserted if ref() is not None]
            self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._inserted))

    def _gone(self, key: int, ref: weakref.ref[Any]) -> None:
        entry = self._saved.get(key)
        if entry is not None and entry[0] is ref:
            del self._saved[key]

    def restore(self) -> None:
        """Put every remembered instance back as it was (the transaction rolled back)."""
        saved, self._saved = self._saved, {}
        for ref, st in saved.values():
            instance = ref()
            if instance is not None:
                set_state(instance, st if st is not None else InstanceState())
        inserted, self._inserted = self._inserted, []
        for ref in inserted:  # rows the transaction inserted are not in the table
            instance = ref()
            if instance is not None:
                set_state(instance, InstanceState())
        errors, self._errors = self._errors, []
        for error in errors:
            error.roll_back()

    def hand_to(self, outer: Journal) -> None:
        """A savepoint was released: the outer transaction may still roll these back."""
        saved, self._saved = self._saved, {}
        for key, entry in saved.items():
            outer._saved.setdefault(key, entry)
        outer._inserted += self._inserted
        self._inserted = []
        outer._errors += self._errors
        self._errors = []

    def clear(self) -> None:
        self._saved = {}
        self._inserted = []
        self._errors = []


def _journal_of(connection: Any) -> Journal | None:
    """The journal of the innermost session whose open transaction runs on ``connection``."""
    for session in reversed(active_sessions()):
        if session.in_transaction and session.connection is connection:
            return session.journal
    return None


def inserted(connection: Any, instances: list[Any]) -> None:
    """``instances`` were just bulk-inserted on ``connection`` (they were new): the
    innermost session whose open transaction runs on it makes them new again if it
    rolls back."""
    journal = _journal_of(connection)
    if journal is not None:
        journal.inserted(instances)


def writing(connection: Any, instances: Iterable[Any]) -> None:
    """``instances`` are about to be written on ``connection``: the innermost session
    whose open transaction runs on it remembers their state."""
    journal = _journal_of(connection)
    if journal is not None:
        journal.remember(instances)


def failed_write(connection: Any, error: WriteError) -> WriteError:
    """``error`` is about to be raised for a write on ``connection``: if a transaction
    holds it, its rollback rewrites the counts (nothing landed). Returns ``error``."""
    journal = _journal_of(connection)
    if journal is not None:
        journal._errors.append(error)
    return error
