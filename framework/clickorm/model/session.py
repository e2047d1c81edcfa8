"""Session: a unit of work on one connection, as in the seed::

    with manager.session() as session:
        users = session.query(User).filter(User.id > 10).all()
        session.add(User(name="Ann", email="ann@example.com"))
        session.add_all(more_users)
    # leaving the block flushes (one bulk INSERT per table) and commits

* ``query(Model)`` is a builder on the session's connection (``query("table")`` gives
  dict rows).
* ``add``/``add_all`` buffer new instances; ``delete`` buffers deletions; ``flush()``
  writes them: one bulk INSERT per model (through the dialect's RowWriter, so ClickHouse
  gets its columnar insert), then the changed fields of added instances that already
  exist, then the deletions. Instances are marked persisted as they are written. A
  generated key is read back only when a model's flush inserts exactly one row; after a
  bulk insert give keys up front (UUIDs, snowflakes) if the instances must be saved again.
* While the block runs, models whose ``Meta.connection`` is unset or names this
  session's connection use the session's connection (``User.where(...)``, ``save()``,
  relationship loads), so they share its transaction.
* On a dialect with the ``transactions`` capability (SQLite) the block is one
  transaction: success flushes and commits, an exception discards the buffer and rolls
  back, and the instances it wrote are put back as they were (:mod:`.journal`). Without
  transactions (ClickHouse) success flushes, an exception discards what was not flushed
  yet; statements already run stay, and an explicit ``rollback()`` after some ran says
  so (a QueryError) instead of pretending to undo them.

A session belongs to the thread that opened it: it uses that thread's connection of the
manager (file databases and servers get one connection per thread, so concurrent
sessions in several threads are isolated as far as the database isolates them). An
in-memory database is one connection shared by every thread; there a session's
transaction holds the connection from its begin to its commit or rollback, and other
threads' sessions and statements wait for it, so no thread reads, joins or rolls back
another thread's work.

The session is the ORM layer's: ``manager.session()`` is a method of the public
:class:`clickorm.ConnectionManager` (:mod:`clickorm.model.manager`), the engine's
manager plus sessions, so the engine never imports the model layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import Token
from typing import TYPE_CHECKING, Any, TypeVar, overload

from clickorm.connection.base import BaseConnection
from clickorm.errors import ClickORMError, QueryError, TableWrite, WriteError
from clickorm.model.builder import QueryBuilder
from clickorm.model.bulk import InsertOptions, first_line, not_started
from clickorm.model.context import active_sessions, pop_session, push_session
from clickorm.model.journal import Journal, failed_write, writing
from clickorm.model.model import Model
from clickorm.model.persistence import writer_for
from clickorm.model.validation import validate_changes

if TYPE_CHECKING:
    from clickorm.connection.manager import ConnectionManager

__all__ = ["Session"]

#: the model class a session query reads
M = TypeVar("M", bound=Model)

#: statements that only read (anything else a transaction-less session runs stays)
_READS = re.compile(r"\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS|EXPLAIN)\b", re.I)


class Session:
    """A unit of work: buffered writes, one transaction, scoped model connection."""

    def __init__(self, source: ConnectionManager | BaseConnection, *,
                 async_insert: bool | None = None,
                 wait_for_async_insert: bool | None = None) -> None:
        if isinstance(source, BaseConnection):
            self._manager: ConnectionManager | None = None
            self._connection: BaseConnection | None = source
            self.name = source.name
        else:
            self._manager = source
            self._connection = None
            self.name = source.name
        self._new: list[Any] = []
        self._seen: set[int] = set()
        self._deleted: list[Any] = []
        self._token: Token[Any] | None = None
        self._in_transaction = False
        #: the instances' states before this transaction wrote them (put back on rollback)
        self.journal = Journal()
        #: write statements run on the connection while this session is open, where there
        #: is no transaction to take them back (rollback() says they stay)
        self._unrollbackable = 0
        self._watching: BaseConnection | None = None
        self.closed = False
        #: the bulk-insert options of every flush (asynchronous inserts where the server
        #: has them; refused at flush where it does not)
        self.insert_options = InsertOptions(async_insert, wait_for_async_insert)

    # -- the connection --------------------------------------------------------------------
    @property
    def connection(self) -> BaseConnection:
        """This thread's connection of the manager (opened on first use)."""
        if self._connection is None:
            assert self._manager is not None
            self._connection = self._manager.connection()
        return self._connection

    @property
    def transactional(self) -> bool:
        return "transactions" in self.connection.capabilities

    @property
    def in_transaction(self) -> bool:
        """Whether this session's transaction is open (its writes can still roll back)."""
        return self._in_transaction

    def begin(self) -> None:
        if self.transactional:
            if not self._in_transaction:
                self.connection.begin()
                self._in_transaction = True
        elif self._watching is None:
            self._watching = self.connection
            self._watching.listeners.append(self._saw)

    def _saw(self, sql: str, params: Any) -> None:
        """A statement ran on the connection of this transaction-less session (counted
        when it ran inside this session: another thread's or task's statements on a
        shared connection are not this session's)."""
        if not _READS.match(sql) and any(s is self for s in active_sessions()):
            self._unrollbackable += 1

    def _unwatch(self) -> None:
        watching, self._watching = self._watching, None
        if watching is not None and self._saw in watching.listeners:
            watching.listeners.remove(self._saw)

    # -- reading ---------------------------------------------------------------------------
    @overload
    def query(self, model: type[M]) -> QueryBuilder[M]: ...
    @overload
    def query(self, model: str) -> QueryBuilder[dict[str, Any]]: ...
    def query(self, model: type[M] | str) -> QueryBuilder[M] | QueryBuilder[dict[str, Any]]:
        """A builder on this session's connection: ``session.query(User).filter(...)``
        (``session.query("table")`` has dict rows)."""
        self._check_open()
        if isinstance(model, str):
            return QueryBuilder(model, connection=self.connection)
        if isinstance(model, type) and issubclass(model, Model):
            return model._clickorm_query(self.connection)
        raise QueryError(f"Session.query() takes a model class or a table name, got {model!r}")

    # -- the unit of work ------------------------------------------------------------------
    def add(self, instance: Model) -> None:
        """Buffer a model instance: inserted (new) or updated (persisted) on flush."""
        self._check_open()
        if not isinstance(instance, Model):
            raise QueryError(f"Session.add() takes model instances, got {type(instance).__name__}")
        if id(instance) not in self._seen:
            self._seen.add(id(instance))
            self._new.append(instance)

    def add_all(self, instances: Iterable[Model]) -> None:
        for instance in instances:
            self.add(instance)

    def delete(self, instance: Model) -> None:
        """Buffer the deletion of a persisted instance (run on flush)."""
        self._check_open()
        self._deleted.append(instance)

    @property
    def pending(self) -> int:
        """How many writes are buffered."""
        return len(self._new) + len(self._deleted)

    def flush(self) -> None:
        """Write the buffer: bulk INSERTs per model, then updates, then deletions.

        Each model's new rows stream in chunks (one INSERT of several blocks where the
        driver allows it); the instances are marked persisted as their rows are known to
        be written. When an insert fails part-way a :class:`~clickorm.errors.WriteError`
        says per table how many rows landed, did not, and are in doubt; the instances not
        written, the updates and the deletions stay in the buffer, so ``flush()`` again
        writes only what is missing (and adding the same instances to a new session
        skips those that landed). Updates run every row's before-hooks and validation
        first, then one writer call (per connection); each row's after-hooks run once its
        write succeeded. A failed update or deletion drops the buffer: instances not
        written keep their unsaved changes (they stay dirty) and can be added again.
        """
        self._check_open()
        new, self._new, self._seen = self._new, [], set()
        deleted, self._deleted = self._deleted, []
        conn = self.connection
        groups: dict[Any, list[Any]] = {}
        updates: list[Any] = []
        for instance in new:
            if instance.is_persisted:
                updates.append(instance)
            else:
                groups.setdefault(type(instance), []).append(instance)
        # validate everything first: an invalid instance must leave the database untouched
        for model, instances in groups.items():
            for index, instance in enumerate(instances):
                values = dict(instance.__dict__)
                key = model.__primary_key__
                if model.__clickorm_generated_key__ and values.get(key[0]) is None:
                    values.pop(key[0], None)
                validate_changes(model, {}, values,
                                 where=f"session.add() item {index} of {model.__name__}")
        # updates and deletions go through the models, which must see this session
        token = push_session(self) if self._token is None else None
        watched = not self.transactional and self._watching is None
        if watched:  # outside a with block: count this flush's writes (see rollback)
            self.begin()
        try:
            self._insert_groups(conn, groups, new, deleted)
            if updates:
                # one writer call per connection: a dialect may batch them (ClickHouse
                # writes version rows as one block per table); each row is marked saved
                # and gets its after-hooks as soon as its write succeeded
                by_conn: dict[int, tuple[Any, list[Any]]] = {}
                for instance in updates:
                    target = type(instance)._clickorm_connection()
                    by_conn.setdefault(id(target), (target, []))[1].append(instance)
                for target, instances in by_conn.values():
                    writing(target, instances)
                    changes = [(instance, instance._begin_update()) for instance in instances]
                    writer_for(target).update_many(changes, done=_end_update)
            for instance in deleted:
                instance.delete()
        finally:
            if watched:
                self._unwatch()
            if token is not None:
                pop_session(token)

    def _insert_groups(self, conn: BaseConnection, groups: dict[Any, list[Any]],
                       new: list[Any], deleted: list[Any]) -> None:
        """Each model's new rows, table after table; on failure, the WriteError (or the
        error as it is when nothing was written) with the buffer restored."""
        writer = writer_for(conn)
        reports: list[TableWrite] = []
        models = list(groups)
        for position, model in enumerate(models):
            insert = writer.table_insert(model, groups[model], options=self.insert_options)
            if insert is None:
                continue
            if insert.error is None:
                reports.append(TableWrite(model.__table_name__, insert.landed, 0, 0, True))
                continue
            failed = insert.report()
            reports.append(failed)
            reports += [not_started(m, len(groups[m])) for m in models[position + 1:]]
            # what was not written stays buffered: flush() again writes only that
            self._new = [inst for inst in new if not inst.is_persisted or id(inst) in
                         self._updates_of(new, groups)]
            self._seen = {id(inst) for inst in self._new}
            self._deleted = deleted
            if not any(r.landed or r.in_doubt for r in reports):
                raise insert.error  # nothing happened: as it is
            raise failed_write(conn, WriteError(
                f"Session flush failed inserting into {model.__name__}: "
                f"{first_line(insert.error)}",
                tuple(reports), connection=conn.name)) from insert.error

    @staticmethod
    def _updates_of(new: list[Any], groups: dict[Any, list[Any]]) -> set[int]:
        inserting = {id(inst) for instances in groups.values() for inst in instances}
        return {id(inst) for inst in new if id(inst) not in inserting}

    def commit(self) -> None:
        """Flush, commit, and start a new transaction for the rest of the block."""
        self.flush()
        if self._in_transaction:
            self.connection.commit()
            self._in_transaction = False
            self._committed()
            if self._token is not None:
                self.begin()

    def rollback(self) -> None:
        """Discard the buffer and roll back what this transaction wrote.

        Without transactions (ClickHouse) only the buffer can be discarded: when write
        statements already ran in this session (a flush, ``save()``, a mutation) this
        raises a QueryError saying they stay, rather than pretending to undo them."""
        self._new, self._seen, self._deleted = [], set(), []
        if not self.transactional and self._unrollbackable:
            ran, self._unrollbackable = self._unrollbackable, 0
            raise QueryError(
                f"Session.rollback() on connection {self.name!r}: "
                f"{self.connection.dialect.name} has no transactions, so the {ran} write "
                "statement(s) this session already ran stay in the database; only the "
                "buffered writes were discarded", connection=None)
        if self._in_transaction:
            self.connection.rollback()
            self._in_transaction = False
            self.journal.restore()
            if self._token is not None:
                self.begin()

    def close(self) -> None:
        """Discard the buffer and end any open transaction with a rollback."""
        if self.closed:
            return
        self._new, self._seen, self._deleted = [], set(), []
        self._unwatch()
        if self._in_transaction:
            self._in_transaction = False
            self.connection.rollback()
            self.journal.restore()
        self.closed = True

    def _committed(self) -> None:
        """This transaction committed: its writes stay, unless it was a savepoint of a
        session around it on the same connection, whose rollback still undoes them."""
        for outer in reversed(active_sessions()):
            if outer is not self and outer.in_transaction and \
                    outer.connection is self.connection:
                self.journal.hand_to(outer.journal)
                return
        self.journal.clear()

    def _check_open(self) -> None:
        if self.closed:
            raise ClickORMError(f"This session on connection {self.name!r} is closed; open a "
                                "new one with manager.session()")

    # -- context manager -------------------------------------------------------------------
    def __enter__(self) -> Session:
        self._check_open()
        self.begin()
        self._token = push_session(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.flush()
                if self._in_transaction:
                    self._in_transaction = False
                    self.connection.commit()
                    self._committed()
            else:
                self._new, self._seen, self._deleted = [], set(), []
                if self._in_transaction:
                    self._in_transaction = False
                    self.connection.rollback()
                    self.journal.restore()
        except BaseException:
            if self._in_transaction:
                self._in_transaction = False
                self.connection.rollback()
                self.journal.restore()
            raise
        finally:
            self._unwatch()
            token, self._token = self._token, None
            if token is not None:
                pop_session(token)
            self.closed = True

    def __repr__(self) -> str:
        return f"<Session {self.name!r} pending={self.pending}>"


def _end_update(instance: Any) -> None:
    instance._end_update()
