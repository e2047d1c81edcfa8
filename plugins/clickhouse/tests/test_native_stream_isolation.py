"""An open stream owns its driver connection: other queries meanwhile run on another one.

A stream yields its own rows to the end or raises; queries, inserts and other streams
started while it is open never touch its socket, and closing or dropping it leaves the
connection clean (no spare sockets left behind).
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.errors import QueryError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree

ROWS = 20_000


class Left(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    side: str

    class Meta:
        table_name = "iso_left"
        engine = MergeTree()
        order_by = ("id",)


class Right(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    side: str

    class Meta:
        table_name = "iso_right"
        engine = MergeTree()
        order_by = ("id",)


@pytest.fixture()
def conn(clickhouse_native: Any) -> Iterator[Any]:
    c = clickhouse_native
    for model, side, start in ((Left, "left", 0), (Right, "right", 1_000_000)):
        model.create_table(connection=c)
        c.insert_rows(model.Meta.table_name, ["id", "side"],
                      [(start + i, side) for i in range(ROWS)])
    yield c


def _server_connections(server: Any) -> int:
    """TCP connections the server has open (the probe's own included)."""
    probe = server.client()
    try:
        return int(probe.execute(
            "SELECT value FROM system.metrics WHERE metric = 'TCPConnection'")[0][0])
    finally:
        probe.disconnect()


def _wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_query_while_a_stream_is_open_runs_beside_it(conn: Any) -> None:
    rows = conn.stream("SELECT id, side FROM iso_left ORDER BY id", batch_size=100)
    head = list(itertools.islice(rows, 100))
    assert conn.execute("SELECT count() FROM iso_right").scalar() == ROWS
    assert conn.execute("SELECT side FROM iso_right LIMIT 1").scalar() == "right"
    conn.insert_rows("iso_right", ["id", "side"], [(5_000_000, "right")])
    rest = list(rows)
    seen = head + rest
    assert len(seen) == ROWS
    assert {side for _, side in seen} == {"left"}
    assert [i for i, _ in seen] == list(range(ROWS))


def test_a_bulk_insert_while_a_stream_is_open_runs_beside_it(conn: Any) -> None:
    """insert_many sends its blocks on the client the connection lends, never the
    stream's."""
    with Session(conn):
        rows = Left.query.order_by("id").iter(batch_size=100)
        head = list(itertools.islice(rows, 100))
        Right.insert_many([Right(id=6_000_000 + i, side="right") for i in range(2_500)],
                          chunk_size=1_000)
        seen = head + list(rows)
        assert [r.id for r in seen] == list(range(ROWS))
        assert {r.side for r in seen} == {"left"}
        assert Right.query.count() == ROWS + 2_500


def test_two_open_streams_each_yield_their_own_rows(conn: Any) -> None:
    left = conn.stream("SELECT id, side FROM iso_left ORDER BY id", batch_size=100)
    right = conn.stream("SELECT id, side FROM iso_right ORDER BY id", batch_size=100)
    got_left, got_right = [], []
    for a, b in zip(left, right, strict=True):
        got_left.append(a)
        got_right.append(b)
    assert [i for i, _ in got_left] == list(range(ROWS))
    assert {s for _, s in got_left} == {"left"} and {s for _, s in got_right} == {"right"}
    assert conn.execute("SELECT 1").scalar() == 1


def test_model_iter_with_queries_inside_the_loop(conn: Any) -> None:
    with Session(conn):
        seen = 0
        for item in Left.query.order_by("id").iter(batch_size=500):
            if seen % 5000 == 0:
                assert Right.query.count() == ROWS
                inner = [r.side for r in Right.query.order_by("id").iter(batch_size=100)]
                assert len(inner) == ROWS and set(inner) == {"right"}
            assert item.side == "left" and item.id == seen
            seen += 1
        assert seen == ROWS


def test_abandoned_streams_leave_no_sockets_and_no_running_query(
    conn: Any, clickhouse_server: Any
) -> None:
    assert conn.execute("SELECT 1").scalar() == 1
    base = _server_connections(clickhouse_server)
    # broken out of, dropped before the first row, left to the collector, closed
    rows = conn.stream("SELECT id FROM iso_left", batch_size=100)
    for _ in rows:
        assert conn.execute("SELECT count() FROM iso_right").scalar() == ROWS
        break
    del rows
    never_read = conn.stream("SELECT id FROM iso_right", batch_size=100)
    conn.execute("SELECT 2")
    del never_read
    gc.collect()
    closed = conn.stream("SELECT number FROM numbers(100000000)", batch_size=100)
    next(closed)
    closed.close()
    with pytest.raises(StopIteration):
        next(closed)
    assert conn.execute("SELECT count() FROM iso_left").scalar() == ROWS
    assert _wait_for(lambda: _server_connections(clickhouse_server) <= base)
    running = conn.execute(
        "SELECT count() FROM system.processes WHERE query LIKE '%iso_left%' "
        "AND query NOT LIKE '%system.processes%'").scalar()
    assert running == 0


def test_a_failing_stream_raises_and_the_connection_goes_on(conn: Any) -> None:
    rows = conn.stream(
        "SELECT throwIf(number = 50000) AS x FROM numbers(100000)", batch_size=1000
    )
    seen = 0
    with pytest.raises(QueryError, match="395"):
        for (x,) in rows:
            if seen % 10_000 == 0:
                assert conn.execute("SELECT 1").scalar() == 1
            assert x == 0
            seen += 1
    assert seen < 100_000
    assert conn.execute("SELECT count() FROM iso_left").scalar() == ROWS


def test_cancel_stops_the_open_stream_and_the_query_beside_it(conn: Any) -> None:
    rows = conn.stream("SELECT number FROM numbers(10000000000)", batch_size=65_536)
    next(rows)
    timer = threading.Timer(0.3, conn.cancel)
    timer.start()
    try:
        with pytest.raises(QueryError, match="cancelled"):
            conn.execute("SELECT count() FROM numbers(100000000000)")
        with pytest.raises(QueryError, match="cancelled"):
            for _ in rows:
                pass
    finally:
        timer.join()
    assert conn.execute("SELECT 3").scalar() == 3


def test_closing_the_connection_ends_an_open_stream_with_a_clear_error(
    clickhouse_server: Any, clickhouse_database: str
) -> None:
    from clickorm.errors import ConnectionError
    from clickorm_clickhouse import clickorm_dialects
    from clickorm_clickhouse.native import connect

    config = clickhouse_server.connection_config(database=clickhouse_database)
    conn = connect(config, clickorm_dialects()[0])
    rows = conn.stream("SELECT number FROM numbers(100000000)", batch_size=100)
    next(rows)
    conn.close()
    with pytest.raises(ConnectionError, match="closed while a stream was running"):
        for _ in rows:
            pass
