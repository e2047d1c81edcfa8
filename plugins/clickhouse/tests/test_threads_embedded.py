"""Sessions of many threads on chDB's one shared embedded connection.

ClickHouse has no transactions: a session only buffers its instances and writes them on
flush. The buffer is the session's, and the session a model sees is the one its own
thread (context) opened, so a failing session discards only its own unflushed rows,
whatever other threads' sessions are doing on the same connection.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Annotated

import pytest

from clickorm import ConnectionManager
from clickorm import types as t
from clickorm.model import Column, Model
from clickorm.model.context import session_connection
from clickorm_clickhouse.engines import MergeTree

THREADS = 12
SESSIONS = 12
ROWS = 50
FAIL_EVERY = 4


class Mark(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    worker: Annotated[int, t.UInt32]
    round: Annotated[int, t.UInt32]

    class Meta:
        table_name = "thread_marks"
        engine = MergeTree()
        order_by = ("id",)


class Boom(Exception):
    """The failure a test session raises on purpose."""


@pytest.fixture
def manager() -> Iterator[ConnectionManager]:
    database = f"threads_{uuid.uuid4().hex[:10]}"
    mgr = ConnectionManager("clickhouse+embedded://", database=database)
    Mark.create_table(connection=mgr.connection())
    try:
        yield mgr
    finally:
        mgr.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
        mgr.close()


def test_a_failing_session_discards_only_its_own_rows(manager: ConnectionManager) -> None:
    errors: list[BaseException] = []
    committed: list[tuple[int, int]] = []
    start = threading.Barrier(THREADS, timeout=30)

    def work(worker: int) -> None:
        try:
            start.wait()
            for rnd in range(SESSIONS):
                base = (worker * SESSIONS + rnd) * ROWS
                try:
                    with manager.session() as outer:
                        outer.add_all(Mark(id=base + i, worker=worker, round=rnd)
                                      for i in range(ROWS // 2))
                        # a nested session of the same thread shares nothing with the
                        # other threads' sessions; its failure drops only its buffer
                        try:
                            with manager.session() as inner:
                                inner.add(Mark(id=10**9 + base, worker=worker, round=rnd))
                                raise Boom
                        except Boom:
                            pass
                        assert session_connection(Mark) is outer.connection
                        outer.add_all(Mark(id=base + i, worker=worker, round=rnd)
                                      for i in range(ROWS // 2, ROWS))
                        if rnd % FAIL_EVERY == FAIL_EVERY - 1:
                            raise Boom
                except Boom:
                    continue
                committed.append((worker, rnd))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    assert not errors, errors[:3]
    conn = manager.connection()
    rows = conn.execute(
        "SELECT worker, round, count(), uniqExact(id) FROM thread_marks GROUP BY worker, round"
    ).rows
    assert sorted((w, r) for w, r, _, _ in rows) == sorted(committed)
    assert {(n, u) for _, _, n, u in rows} == {(ROWS, ROWS)}
    assert len(committed) * ROWS == 5_400
