"""Streaming a table's new rows to the database in chunks, and accounting for them.

:class:`TableInsert` reads instances one chunk at a time (memory bounded by the chunk
size whatever the input's length), hands the chunks as column blocks to
``connection.insert_blocks`` (one INSERT statement of several blocks where the driver
streams them, else one statement per block) and keeps the chunks in flight until the
connection reports them written. Then they are marked persisted and get their
after-hooks; on failure it says how many rows landed, how many did not and how many are
in doubt (:class:`~clickorm.errors.TableWrite`), and the instances not known to have
landed stay pending, so the same call retried writes only what is missing.

An input that is a sequence goes out as one statement per run of chunks with the same
columns; an iterator (a generator) as one statement per chunk, so each chunk's instances
are released as soon as it lands.

A :class:`TableInsert` made with ``rows=True`` reads validated field dicts instead of
instances (``insert_many(dicts)`` of a model whose validation needs no instance, see
:mod:`clickorm.model.row_validation`): the same blocks and accounting, without instances
to mark persisted or to run hooks on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any

from clickorm import speedups
from clickorm.errors import TableWrite
from clickorm.gcpause import paused_gc
from clickorm.model import events, state
from clickorm.model.journal import inserted

if TYPE_CHECKING:
    from clickorm.model.persistence import RowWriter

__all__ = ["InsertOptions", "TableInsert", "chunked", "mark_persisted"]


@dataclass(frozen=True)
class InsertOptions:
    """Options of a bulk insert or a session's flush.

    ``async_insert``: let the server buffer the rows and write them with other inserts
    (ClickHouse 21.11+); ``wait_for_async_insert``: acknowledge only once the buffered
    rows are written (the server's default is to wait). A dialect without them refuses.
    """

    async_insert: bool | None = None
    wait_for_async_insert: bool | None = None

    def requested(self) -> dict[str, bool]:
        """The options set by the caller, by name."""
        out: dict[str, bool] = {}
        if self.async_insert is not None:
            out["async_insert"] = self.async_insert
        if self.wait_for_async_insert is not None:
            out["wait_for_async_insert"] = self.wait_for_async_insert
        return out


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items, reading ``items`` lazily (slices for lists)."""
    if isinstance(items, list):
        if len(items) <= size:
            if items:
                yield items
            return
        for start in range(0, len(items), size):
            yield items[start:start + size]
        return
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class TableInsert:
    """One table's rows streamed as column blocks, with what landed counted."""

    def __init__(self, writer: RowWriter, model_cls: Any, *,
                 settings: Mapping[str, Any] | None = None, one_statement: bool = True,
                 total: int | None = None, hooks: bool = True, rows: bool = False) -> None:
        self.writer = writer
        self.model = model_cls
        self.table: str = model_cls.__table_name__
        self.settings = settings
        self.one_statement = one_statement
        self.total = total
        #: the chunks hold validated field dicts, not instances: nothing to mark or hook
        self.rows = rows
        declared = model_cls.__clickorm_hooks__ if hooks and not rows else ()
        self._before = "before_save" in declared or "before_create" in declared
        self._after = "after_create" in declared or "after_save" in declared
        self.landed = 0
        self._dedup = writer.retry_safety(model_cls)[0]
        #: chunks sent whose rows are not known to be written yet; ``_offset`` rows of the
        #: first one are
        self._in_flight: deque[list[Any]] = deque()
        self._offset = 0
        self._read = 0
        self._exhausted = False
        #: what stopped the insert: a chunk that could not be prepared, or the write
        self.error: BaseException | None = None
        self.failed_statement = False

    # -- running -------------------------------------------------------------------------
    def run(self, chunks: Iterable[list[Any]]) -> int:
        """Write every chunk; returns the rows written. On failure ``error`` is set
        (nothing raised): :meth:`report` then says what landed."""
        it = iter(chunks)
        head = self._next(it)
        while head is not None:
            first, columns, data = head
            carry: list[Any] = []

            def blocks(first: list[Any] = first, data: Any = data,
                       columns: tuple[str, ...] = columns,
                       carry: list[Any] = carry) -> Iterator[Any]:
                chunk = first
                while True:
                    self._in_flight.append(chunk)
                    yield data
                    if not self.one_statement:
                        return
                    following = self._next(it)
                    if following is None:
                        return
                    if following[1] != columns:  # another column set: another statement
                        carry.append(following)
                        return
                    chunk, _, data = following

            try:
                self.writer.connection.insert_blocks(
                    self.table, columns, blocks(), settings=self.settings,
                    landed=self._landed, dedup=self._dedup)
            except Exception as exc:  # noqa: BLE001 - reported with what landed
                self.error = exc
                self.failed_statement = True
                return self.landed
            self._landed(self._pending_rows())  # the statement succeeded: all of it landed
            if self.error is not None:
                return self.landed
            head = carry[0] if carry else self._next(it)
        return self.landed

    def _next(self, it: Iterator[list[Any]]) -> tuple[list[Any], tuple[str, ...], Any] | None:
        """The next chunk with its column names and encoded columns; None at the end or
        when it cannot be prepared (``error`` set)."""
        if self.error is not None or self._exhausted:
            return None
        try:
            chunk = next(it, None)
            if chunk is None:
                self._exhausted = True
                return None
            self._read += len(chunk)
            with paused_gc(len(chunk)):
                self.fire_before(chunk)
                _, columns, data = self.writer.columns(self.model, chunk, rows=self.rows)
        except Exception as exc:  # noqa: BLE001 - ends the stream; reported after it
            self.error = exc
            return None
        return chunk, columns, data

    def _pending_rows(self) -> int:
        return sum(map(len, self._in_flight)) - self._offset

    def _landed(self, rows: int) -> None:
        """The next ``rows`` rows in flight are written: mark them persisted."""
        while rows > 0 and self._in_flight:
            front = self._in_flight[0]
            take = min(rows, len(front) - self._offset)
            done = front if (self._offset == 0 and take == len(front)) else \
                front[self._offset:self._offset + take]
            self.done(done)
            rows -= take
            self._offset += take
            if self._offset == len(front):
                self._in_flight.popleft()
                self._offset = 0

    def fire_before(self, chunk: list[Any]) -> None:
        """The before-create hooks of a chunk about to be written."""
        if self._before:
            for inst in chunk:
                events.fire(inst, "before_save")
                events.fire(inst, "before_create")

    def done(self, instances: list[Any]) -> None:
        """Instances known to be written: persisted, after-hooks run, counted."""
        if self.rows:  # field dicts: no instances to mark or journal
            self.landed += len(instances)
            return
        inserted(self.writer.connection, instances)
        with paused_gc(len(instances)):
            mark_persisted(instances)
        if self._after:
            for inst in instances:
                events.fire(inst, "after_create")
                events.fire(inst, "after_save")
        self.landed += len(instances)

    # -- reporting -----------------------------------------------------------------------
    def report(self) -> TableWrite:
        """What landed, what did not and what is in doubt (after ``run``)."""
        pending = self._pending_rows()
        in_doubt = 0
        if self.failed_statement and self.error is not None and self.writer.in_doubt(self.error):
            in_doubt = pending
        safe, note = self.writer.retry_safety(self.model)
        if self.total is not None:
            not_landed = self.total - self.landed - in_doubt
            unread = False
        else:
            not_landed = self._read - self.landed - in_doubt
            unread = not self._exhausted
        return TableWrite(table=self.table, landed=self.landed, not_landed=not_landed,
                          in_doubt=in_doubt, retry_safe=safe, note=note, unread=unread)


def not_started(model_cls: Any, rows: int) -> TableWrite:
    """The report of a table a failed flush never reached."""
    return TableWrite(table=model_cls.__table_name__, landed=0, not_landed=rows, in_doubt=0,
                      retry_safe=True)


def is_sequence(items: Iterable[Any]) -> bool:
    """Whether ``items`` can be read twice and counted (a retry can pass it again)."""
    return isinstance(items, Sequence)


def mark_persisted(instances: Sequence[Any]) -> None:
    """Mark just-inserted rows as "in the database, unchanged".

    Every row was written in full, so whatever state an instance had (new, dirty, cached
    relations that were computed before it had a key) is superseded: it gets the shared
    PERSISTED marker, exactly what hydration gives a freshly read row. This runs once per
    inserted row, so it is one C-level ``map`` (or the compiled loop of
    clickorm.speedups), not a per-row check of the old state.
    """
    if speedups.compiled is not None and type(instances) is list:
        speedups.compiled.mark(instances, state.slot, state.PERSISTED)
        return
    deque(map(state._set, instances, repeat(state.PERSISTED)), maxlen=0)


def first_line(error: BaseException | None) -> str:
    """An error's first line, for a WriteError's summary (the error stays its cause)."""
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def unsaved(instances: Sequence[Any]) -> list[Any]:
    """The instances not in the database yet (a bulk insert skips the others). One C
    pass over a list with the compiled loops: a property call per row would cost about
    a third of the insert itself."""
    if speedups.compiled is not None and type(instances) is list:
        found: list[Any] = speedups.compiled.unsaved(instances, state.slot, state.PERSISTED)
        return found
    return [inst for inst in instances if not _exists(inst)]


def _exists(instance: Any) -> bool:
    st = state.state_of(instance)
    return st is not None and st.exists
