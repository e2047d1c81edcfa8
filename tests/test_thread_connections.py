"""A thread's connection is closed when the thread ends, never while it runs.

Drivers are not thread-safe, so a manager opens one connection per thread; short-lived
threads (a thread per request, per task) must not leave their connections and file
descriptors open until ``manager.close()``.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.connection.base import BaseConnection

THREADS = 200


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[ConnectionManager]:
    mgr = ConnectionManager(f"sqlite:///{tmp_path / 'threads.db'}")
    mgr.connection().execute("CREATE TABLE t (x INTEGER)")
    yield mgr
    mgr.close()


def _in_threads(count: int, work: object, batch: int = 20) -> None:
    for first in range(0, count, batch):
        threads = [threading.Thread(target=work) for _ in range(min(batch, count - first))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_connections_of_ended_threads_are_closed(manager: ConnectionManager) -> None:
    main = manager.connection()
    main.execute("INSERT INTO t VALUES (1)")
    base_fds, base_opened = open_fds(), manager.opened
    assert base_opened == 1
    errors: list[BaseException] = []

    def work() -> None:
        try:
            conn = manager.connection()
            assert conn is not main
            assert conn.execute("SELECT COUNT(*) FROM t").scalar() == 1
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    _in_threads(THREADS, work)
    assert not errors, errors[:3]
    assert manager.opened == base_opened
    assert open_fds() <= base_fds
    assert manager.connection() is main


def test_a_running_threads_connection_is_never_closed(manager: ConnectionManager) -> None:
    opened, go = threading.Event(), threading.Event()
    seen: list[BaseConnection] = []
    errors: list[BaseException] = []

    def long_lived() -> None:
        try:
            seen.append(manager.connection())
            opened.set()
            assert go.wait(30)
            # other threads came and went (each sweep of ended threads ran) meanwhile
            assert manager.connection() is seen[0]
            seen[0].execute("INSERT INTO t VALUES (2)")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    keeper = threading.Thread(target=long_lived)
    keeper.start()
    assert opened.wait(30)
    _in_threads(50, lambda: manager.connection().execute("SELECT 1"))
    assert manager.opened == 2  # this thread's and the keeper's
    go.set()
    keeper.join(30)
    assert not errors, errors
    assert manager.opened == 1
    assert manager.connection().execute("SELECT COUNT(*) FROM t WHERE x = 2").scalar() == 1


def test_close_then_reopen_in_a_thread_keeps_the_new_connection(
    manager: ConnectionManager,
) -> None:
    first = manager.connection()
    manager.close()
    second = manager.connection()  # the old holder is dropped here, and finalised
    assert second is not first
    assert manager.opened == 1
    assert second.execute("SELECT COUNT(*) FROM t").scalar() == 0


def test_a_connection_outlives_a_manager_nobody_keeps(tmp_path: Path) -> None:
    conn = ConnectionManager(f"sqlite:///{tmp_path / 'kept.db'}").connection()
    gc.collect()
    assert conn.execute("SELECT 1").scalar() == 1
    conn.close()


def test_an_ended_thread_whose_finaliser_did_not_run_is_swept(
    manager: ConnectionManager,
) -> None:
    """Backup for runtimes that keep a dead thread's locals: opening a connection closes
    those of threads that have ended."""
    kept: list[object] = []
    all_open = threading.Barrier(5, timeout=30)

    def work() -> None:
        manager.connection().execute("SELECT 1")
        kept.append(manager._local.holder)  # keeps the finaliser from running
        all_open.wait()  # no thread has ended while the others open theirs

    _in_threads(5, work)
    assert manager.opened == 6
    _in_threads(1, lambda: manager.connection().execute("SELECT 1"))
    assert manager.opened == 1
    kept.clear()  # the finalisers run now and find nothing left to close
    assert manager.opened == 1
