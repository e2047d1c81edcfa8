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

from collections.abc import Iterable
from typing import Any

from clickorm.errors import WriteError
from clickorm.model.context import active_sessions
from clickorm.model.state import PERSISTED, InstanceState, set_state, state_of

__all__ = ["Journal", "failed_write", "writing"]


def _copy(st: InstanceState | None) -> InstanceState | None:
    if st is None or st is PERSISTED:
        return st
    return InstanceState(st.exists, dict(st.original) if st.original else None,
                         dict(st.relations) if st.relations else None,
                         dict(st.extras) if st.extras else None)


class Journal:
    """The states to put back if this session's transaction rolls back."""

    def __init__(self) -> None:
        self._saved: dict[int, tuple[Any, InstanceState | None]] = {}
        #: bulk writes that failed part-way in this transaction: what they report as
        #: landed is undone by a rollback
        self._errors: list[WriteError] = []

    def remember(self, instances: Iterable[Any]) -> None:
        saved = self._saved
        for instance in instances:
            if id(instance) not in saved:
                saved[id(instance)] = (instance, _copy(state_of(instance)))

    def restore(self) -> None:
        """Put every remembered instance back as it was (the transaction rolled back)."""
        saved, self._saved = self._saved, {}
        for instance, st in saved.values():
            set_state(instance, st if st is not None else InstanceState())
        errors, self._errors = self._errors, []
        for error in errors:
            error.roll_back()

    def hand_to(self, outer: Journal) -> None:
        """A savepoint was released: the outer transaction may still roll these back."""
        saved, self._saved = self._saved, {}
        for key, entry in saved.items():
            outer._saved.setdefault(key, entry)
        outer._errors += self._errors
        self._errors = []

    def clear(self) -> None:
        self._saved = {}
        self._errors = []


def _journal_of(connection: Any) -> Journal | None:
    """The journal of the innermost session whose open transaction runs on ``connection``."""
    for session in reversed(active_sessions()):
        if session.in_transaction and session.connection is connection:
            return session.journal
    return None


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
