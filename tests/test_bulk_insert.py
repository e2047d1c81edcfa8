"""Bulk inserts on SQLite: streamed chunks, what landed on failure, retries, options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError, WriteError
from clickorm.model import Column, Model
from clickorm.model.bulk import chunked


class Event(Model):
    id: int = Column(primary_key=True)
    kind: str


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Event.create_table()
    yield conn
    reset_managers()


def _fail_chunk(conn: Any, monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    """Make the k-th INSERT statement (1-based) fail after its first row went in."""
    calls: list[int] = []
    insert = conn._insert

    def failing(table: str, columns: Any, rows: Any) -> int:
        calls.append(len(rows))
        if len(calls) == k:  # the first row is valid, the second repeats its key
            return insert(table, columns, [rows[0], rows[0]])
        return insert(table, columns, rows)

    monkeypatch.setattr(conn, "_insert", failing)


def test_a_failed_chunk_is_not_written_and_a_retry_writes_only_the_rest(
        db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [Event(id=i + 1, kind="a") for i in range(50)]
    _fail_chunk(db, monkeypatch, 3)
    with pytest.raises(WriteError) as info:
        Event.insert_many(rows, chunk_size=10)
    (report,) = info.value.tables
    # the failed statement ran in a savepoint: its first row was rolled back with it
    assert (report.landed, report.not_landed, report.in_doubt) == (20, 30, 0)
    assert Event.count() == 20
    assert [r.is_persisted for r in rows] == [True] * 20 + [False] * 30
    monkeypatch.undo()
    assert Event.insert_many(rows, chunk_size=10) == 30
    assert Event.count() == 50


def test_a_generator_is_written_chunk_by_chunk(db: Any) -> None:
    seen: list[str] = []
    db.listeners.append(lambda sql, params: seen.append(sql))
    assert Event.insert_many(({"id": i + 1, "kind": "g"} for i in range(25)),
                             chunk_size=10) == 25
    assert [s for s in seen if s.startswith("INSERT")] == [
        f"INSERT INTO events (id, kind) <{n} rows>" for n in (10, 10, 5)]


def test_an_invalid_item_of_a_generator_stops_before_its_chunk(db: Any) -> None:
    items = ({"id": i + 1, "kind": "g" if i != 1500 else None} for i in range(2500))
    with pytest.raises(WriteError) as info:
        Event.insert_many(items, chunk_size=1000)
    (report,) = info.value.tables
    assert report.landed == 1000 and report.in_doubt == 0 and report.unread
    assert "item 1500 of insert_many()" in str(info.value)
    assert "Nothing was written" not in str(info.value)
    assert Event.count() == 1000


def test_async_insert_is_refused_where_the_dialect_has_none(db: Any) -> None:
    with pytest.raises(QueryError, match="sqlite dialect has no asynchronous inserts"):
        Event.insert_many([Event(id=1, kind="a")], async_insert=True)
    assert Event.count() == 0


def test_chunked_reads_lazily() -> None:
    pulled: list[int] = []

    def source() -> Iterator[int]:
        for i in range(7):
            pulled.append(i)
            yield i

    chunks = chunked(source(), 3)
    assert next(chunks) == [0, 1, 2] and pulled == [0, 1, 2]
    assert list(chunks) == [[3, 4, 5], [6]]
    assert list(chunked([1, 2], 5)) == [[1, 2]] and list(chunked([], 5)) == []


def test_unsaved_keeps_new_instances_on_the_compiled_and_python_paths(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from clickorm import speedups
    from clickorm.model import bulk, state

    rows = [Event(id=i, kind="a") for i in range(6)]
    assert bulk.unsaved(rows) is rows or speedups.compiled is None  # none skipped: as is
    state.set_state(rows[1], state.PERSISTED)
    state.own_state(rows[3]).exists = True
    expected = [rows[0], rows[2], rows[4], rows[5]]
    assert bulk.unsaved(rows) == expected
    monkeypatch.setattr(speedups, "compiled", None)
    assert bulk.unsaved(rows) == expected
