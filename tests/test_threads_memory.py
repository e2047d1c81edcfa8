"""Sessions of many threads on one shared in-memory SQLite connection.

``sqlite://`` is one database per connection, so every thread shares one connection. A
transaction belongs to the thread that began it: until it commits or rolls back, the
other threads' sessions and statements wait for it (bounded by the ``timeout`` option),
so one thread's rollback never touches rows another thread committed, and no thread
reads or joins another's uncommitted writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ClickORMError
from clickorm.model import Column, Model

THREADS = 12
SESSIONS = 12
ROWS = 50
FAIL_EVERY = 4


class Entry(Model):
    id: int = Column(primary_key=True)
    worker: int
    round: int
    seq: int


class Boom(Exception):
    """The failure a test session raises on purpose."""


@pytest.fixture
def manager() -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = use("sqlite://")
    Entry.create_table()
    yield mgr  # type: ignore[misc]
    reset_managers()


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a thread did not finish"


def test_a_failing_session_never_rolls_back_another_threads_committed_rows(
    manager: ConnectionManager,
) -> None:
    errors: list[BaseException] = []
    committed: list[tuple[int, int]] = []
    start = threading.Barrier(THREADS, timeout=30)

    def work(worker: int) -> None:
        try:
            start.wait()
            for rnd in range(SESSIONS):
                fails = rnd % FAIL_EVERY == FAIL_EVERY - 1
                try:
                    with manager.session() as session:
                        session.add_all(Entry(worker=worker, round=rnd, seq=i)
                                        for i in range(ROWS))
                        session.flush()
                        # this session sees its own rows, and only its own uncommitted ones
                        assert session.query(Entry).where("worker", worker).where(
                            "round", rnd).count() == ROWS
                        time.sleep(0.001)  # let the other threads try to interleave
                        if fails:
                            raise Boom
                except Boom:
                    continue
                committed.append((worker, rnd))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    _run([threading.Thread(target=work, args=(w,)) for w in range(THREADS)])
    assert not errors, errors[:3]
    expected = THREADS * SESSIONS * ROWS * (FAIL_EVERY - 1) // FAIL_EVERY
    assert len(committed) * ROWS == expected == 5_400
    assert Entry.count() == expected
    # every committed session's rows are there once, no failed session's row is
    rows = manager.connection().execute(
        "SELECT worker, round, COUNT(*), COUNT(DISTINCT seq) FROM entries GROUP BY 1, 2"
    ).rows
    assert sorted((w, r) for w, r, _, _ in rows) == sorted(committed)
    assert {(n, d) for _, _, n, d in rows} == {(ROWS, ROWS)}


def test_another_threads_statements_wait_for_an_open_transaction(
    manager: ConnectionManager,
) -> None:
    """A write from another thread neither joins the open transaction (its row survives
    that transaction's rollback) nor runs before it ends; a read waits and never sees the
    uncommitted rows."""
    began, done = threading.Event(), threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def other() -> None:
        try:
            began.wait(10)
            seen.append(Entry.where("worker", 1).count())  # waits for the rollback
            Entry.create(worker=2, round=0, seq=0)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        with manager.session() as session:
            session.add_all(Entry(worker=1, round=0, seq=i) for i in range(3))
            session.flush()
            began.set()
            assert not done.wait(0.3), "the other thread ran inside this transaction"
            raise Boom
    except Boom:
        pass
    thread.join(10)
    assert not errors, errors
    assert seen == [0]
    assert Entry.where("worker", 2).count() == 1
    assert Entry.count() == 1


def test_nested_sessions_in_one_thread_still_nest(manager: ConnectionManager) -> None:
    with manager.session() as outer:
        outer.add(Entry(worker=1, round=0, seq=0))
        try:
            with manager.session() as inner:
                inner.add(Entry(worker=1, round=1, seq=0))
                inner.flush()
                raise Boom
        except Boom:
            pass
        assert outer.query(Entry).count() == 0  # outer's row is still buffered
    assert Entry.pluck("round").to_list() == [0]


def test_waiting_for_another_threads_transaction_is_bounded() -> None:
    reset_managers()
    mgr = use("sqlite://?timeout=0.2")
    try:
        Entry.create_table()
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with mgr.session() as session:
                session.add(Entry(worker=1, round=0, seq=0))
                session.flush()
                held.set()
                release.wait(10)

        thread = threading.Thread(target=hold, name="holder")
        thread.start()
        try:
            assert held.wait(10)
            started = time.monotonic()
            with pytest.raises(ClickORMError, match=r"waited 0.2 s for thread 'holder'"):
                Entry.count()
            assert time.monotonic() - started < 5
        finally:
            release.set()
            thread.join(10)
        assert Entry.count() == 1
    finally:
        reset_managers()
