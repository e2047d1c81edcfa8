"""A hung server (SIGSTOPped: its kernel still accepts TCP, nothing answers) is bounded by
the timeouts that name it, and a timed-out write says it may still land and how to check.

Each test stops a server of its own and always resumes it (SIGCONT) in a ``finally``.
``os.killpg(SIGSTOP)`` returns before the server is stopped: the thread that takes the
signal starts the group stop when it next runs, and every other thread stops only when it
next passes through the kernel, so on a loaded machine a thread may still answer a ping
milliseconds later (and the query sent after that ping then waits send_receive_timeout).
:func:`stop` returns only once every thread of the server's process group is stopped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.errors import ConnectionError, QueryError
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.native import NativeConnection, connect

DIALECT = clickorm_dialects()[0]


def _open(server: Any, **options: Any) -> NativeConnection:
    return connect(server.connection_config(options=options), DIALECT)


def _stat_fields(path: str) -> list[str] | None:
    """The fields after ``(comm)`` of a /proc stat file: state, ppid, pgrp, ..."""
    try:
        with open(path) as f:
            return f.read().rsplit(")", 1)[1].split()  # comm may hold spaces and ")"
    except (OSError, IndexError):
        return None  # the process or thread ended meanwhile


def _thread_states(pid: int) -> list[str]:
    """The state letter (``T`` = stopped) of every thread of process ``pid``."""
    fields = (_stat_fields(path) for path in glob.glob(f"/proc/{pid}/task/[0-9]*/stat"))
    return [f[0] for f in fields if f]


def _group_thread_states(pgid: int) -> list[str]:
    """The state letter of every thread of every process in the process group ``pgid``."""
    states = []
    for path in glob.glob("/proc/[0-9]*/stat"):
        fields = _stat_fields(path)
        if fields and int(fields[2]) == pgid:
            states += _thread_states(int(path.split("/")[2]))
    return states


def stop(server: Any, timeout: float = 5.0) -> None:
    """SIGSTOP the server's process group and return once every thread of it is stopped."""
    os.killpg(server.pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while True:
        states = _group_thread_states(server.pid)
        if states and all(state == "T" for state in states):
            return
        if time.monotonic() > deadline:
            os.killpg(server.pid, signal.SIGCONT)
            raise AssertionError(f"the server did not stop within {timeout} s: {states}")
        time.sleep(0.001)


@contextlib.contextmanager
def stopped(server: Any) -> Iterator[None]:
    """SIGSTOP the server (its process group) for the block; SIGCONT however it ends."""
    stop(server)
    try:
        yield
    finally:
        os.killpg(server.pid, signal.SIGCONT)


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def test_connecting_to_a_hung_server_is_bounded_by_connect_timeout(
    clickhouse_server_factory: Any,
) -> None:
    server = clickhouse_server_factory()
    with stopped(server):
        start = time.monotonic()
        with pytest.raises(ConnectionError) as info:
            _open(server, connect_timeout=1, send_receive_timeout=20)
        elapsed = time.monotonic() - start
    text = str(info.value)
    assert elapsed < 3, f"connecting took {elapsed:.1f} s"
    assert "handshake timed out" in text and "within 1 s (connect_timeout)" in text
    assert "accepted the TCP connection but did not answer" in text
    assert server.address in text and "clickhouse-server is running" not in text
    # resumed: the same settings connect at once
    with _open(server, connect_timeout=1, send_receive_timeout=20) as conn:
        assert conn.execute("SELECT 1").scalar() == 1


def test_reconnecting_to_a_hung_server_is_bounded_too(clickhouse_server_factory: Any) -> None:
    """An open connection whose server hangs: the next query's reconnect (after the ping
    fails) waits connect_timeout for the handshake, not send_receive_timeout."""
    server = clickhouse_server_factory()
    conn = _open(server, connect_timeout=1, send_receive_timeout=20, sync_request_timeout=1)
    try:
        assert conn.execute("SELECT 1").scalar() == 1
        with stopped(server):
            start = time.monotonic()
            with pytest.raises(ConnectionError, match="handshake timed out|no TCP connection"):
                conn.execute("SELECT 2")
            # ping (1 s) + handshake (1 s), with room for a loaded machine; far below the
            # 20 s send_receive_timeout it would wait without the bound
            assert time.monotonic() - start < 10
        assert conn.execute("SELECT 3").scalar() == 3
    finally:
        conn.close()


def test_a_stopped_server_answers_no_ping(clickhouse_server_factory: Any) -> None:
    """The harness itself: inside ``stopped`` the server answers nothing. Without waiting
    for every thread to stop, about one ping in eight after ``killpg`` was still answered
    (repeated here to catch that race)."""
    server = clickhouse_server_factory()
    conn = _open(server, connect_timeout=1, sync_request_timeout=0.1)
    try:
        conn.execute("SELECT 1")
        for _ in range(30):
            link = conn.client.connection
            with stopped(server):
                assert set(_thread_states(server.pid)) == {"T"}
                assert link.ping() is False, "a stopped server answered a ping"
            link.connect()
    finally:
        conn.close()


def test_a_timed_out_insert_says_it_may_still_land_and_names_its_query_id(
    clickhouse_server_factory: Any,
) -> None:
    total = 300_000
    server = clickhouse_server_factory()
    conn = _open(server, send_receive_timeout=2)
    conn.execute("CREATE TABLE landed (n UInt32) ENGINE = MergeTree ORDER BY n")

    def rows() -> Iterator[tuple[int]]:
        # the INSERT is sent and its sample block read before the first row is asked for
        stop(server)
        yield from ((i,) for i in range(total))

    try:
        start = time.monotonic()
        with pytest.raises((QueryError, ConnectionError)) as info:
            conn.insert_iter("landed", ["n"], rows())
        elapsed = time.monotonic() - start
    finally:
        os.killpg(server.pid, signal.SIGCONT)
    text = str(info.value)
    query_id = conn.last_query_id
    assert query_id and f"query_id '{query_id}'" in text
    assert "timed out after 2 s" in text and "INSERT into landed" in text
    assert "may still complete this INSERT" in text
    assert "system.processes" in text and "system.query_log" in text
    assert elapsed < 10
    # what the message warns about: the server, resumed, may finish the write; every row
    # or none, never a part of the block
    probe = _open(server)
    try:
        _wait_for(lambda: probe.execute("SELECT count() FROM landed").scalar() == total, 10)
        assert probe.execute("SELECT count() FROM landed").scalar() in (0, total)
    finally:
        probe.close()
        conn.close()


def test_a_timed_out_query_names_its_query_id(clickhouse_server: Any) -> None:
    with _open(clickhouse_server, send_receive_timeout=1) as conn:
        with pytest.raises(QueryError) as info:
            conn.execute("SELECT sleep(3)", query_id="clickorm-slow-query")
        text = str(info.value)
        assert "query_id 'clickorm-slow-query'" in text and "system.processes" in text
        assert "may still be running the statement" in text
        assert conn.execute("SELECT 1").scalar() == 1


def test_a_tcp_connect_timeout_has_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver's own TCP timeout carries no text ("last error: (host:port)")."""
    from clickhouse_driver.connection import Connection

    def silent_timeout(self: Any, host: str, port: int) -> Any:
        raise TimeoutError("timed out")

    monkeypatch.setattr(Connection, "_create_socket", silent_timeout)
    from clickorm.config_types import ConnectionConfig

    config = ConnectionConfig(name="slow", dialect="clickhouse", host="192.0.2.1", port=9000,
                              options={"connect_timeout": 1.5})
    with pytest.raises(ConnectionError) as info:
        connect(config, DIALECT)
    assert "last error: no TCP connection within 1.5 s (connect_timeout) (192.0.2.1:9000)" in str(
        info.value
    )
