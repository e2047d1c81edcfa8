"""Faults against real servers: down, killed, failing over, interrupted, slow, refused.

Tests that stop or kill a server use their own (``clickhouse_server_factory``) so the
session server stays healthy for everyone else.
"""

from __future__ import annotations

import threading
import time

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import ConnectionError, QueryError
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.native import NativeConnection, connect

DIALECT = clickorm_dialects()[0]


def _open(server, **fields) -> NativeConnection:
    return connect(server.connection_config(**fields), DIALECT)


def _mark(server, label: str) -> None:
    """Give a server a table that says which server answered a query."""
    client = server.client()
    client.execute("CREATE TABLE IF NOT EXISTS whoami (v String) ENGINE = Memory")
    client.execute("INSERT INTO whoami (v) VALUES", [(label,)])
    client.disconnect()


def _free_ports(n: int) -> list[int]:
    from clickorm_clickhouse_test_server import free_ports  # loaded by conftest

    return free_ports(n)


# -- nothing to connect to -------------------------------------------------------------------
def test_server_not_running_names_every_host_tried():
    main, alt1, alt2 = _free_ports(3)
    config = ConnectionConfig(
        name="analytics",
        dialect="clickhouse",
        host="127.0.0.1",
        port=main,
        options={"alt_hosts": f"127.0.0.1:{alt1},localhost:{alt2}", "connect_timeout": 2},
    )
    with pytest.raises(ConnectionError) as info:
        connect(config, DIALECT)
    text = str(info.value)
    assert text.startswith("[analytics] Cannot connect to ClickHouse at")
    for address in (f"127.0.0.1:{main}", f"127.0.0.1:{alt1}", f"localhost:{alt2}"):
        assert address in text
    assert "Tried 3 host(s)" in text and "clickhouse-server is running" in text
    assert info.value.__cause__ is not None


def test_bad_credentials_are_an_authentication_error(clickhouse_server):
    server = clickhouse_server
    with pytest.raises(ConnectionError) as info:
        _open(server, user=server.secured_user, password="wrong-password")
    text = str(info.value)
    assert f"Authentication failed for user {server.secured_user!r}" in text
    assert server.address in text and "wrong-password" not in text
    with pytest.raises(ConnectionError, match="Authentication failed for user 'nobody'"):
        _open(server, user="nobody")
    with _open(server, user=server.secured_user, password=server.secured_password) as conn:
        assert conn.execute("SELECT 1").scalar() == 1


def test_unknown_database_is_named(clickhouse_server, clickhouse_native):
    with pytest.raises(ConnectionError) as info:
        _open(clickhouse_server, database="no_such_db")
    text = str(info.value)
    assert "Database 'no_such_db' does not exist" in text and "CREATE DATABASE" in text
    # a database named inside a query is a QueryError that keeps the SQL
    with pytest.raises(QueryError) as info2:
        clickhouse_native.execute("SELECT * FROM other_missing_db.t")
    assert "other_missing_db" in str(info2.value)
    assert info2.value.sql == "SELECT * FROM other_missing_db.t"


# -- timeouts and cancellation -----------------------------------------------------------------
def test_query_timeout_is_clear_and_the_connection_stays_usable(clickhouse_server):
    with _open(clickhouse_server, options={"send_receive_timeout": 1}) as conn:
        start = time.monotonic()
        with pytest.raises(QueryError) as info:
            conn.execute("SELECT sleep(3)")
        elapsed = time.monotonic() - start
        assert "timed out after 1 s" in str(info.value) and clickhouse_server.address in str(
            info.value
        )
        assert info.value.sql == "SELECT sleep(3)"
        assert elapsed < 2.5
        assert conn.execute("SELECT 1").scalar() == 1


def test_max_execution_time_is_a_query_error(clickhouse_native):
    with pytest.raises(QueryError, match="exceeded its time limit"):
        clickhouse_native.execute(
            "SELECT count() FROM numbers(100000000000)", settings={"max_execution_time": 1}
        )
    assert clickhouse_native.execute("SELECT 1").scalar() == 1


def test_cancel_from_another_thread(clickhouse_native):
    conn = clickhouse_native
    assert conn.cancel() is False  # nothing running
    results: list[bool] = []
    timer = threading.Timer(0.3, lambda: results.append(conn.cancel()))
    timer.start()
    start = time.monotonic()
    with pytest.raises(QueryError, match="cancelled by cancel"):
        conn.execute("SELECT count() FROM numbers(100000000000)")
    timer.join()
    assert results == [True] and time.monotonic() - start < 5
    assert conn.execute("SELECT 1").scalar() == 1


def test_cancel_an_insert_from_another_thread(clickhouse_server, clickhouse_database):
    """An INSERT has no protocol cancel: its socket is shut, the block in flight is lost."""
    config = clickhouse_server.connection_config(
        database=clickhouse_database, options={"insert_block_size": 1000}
    )
    with connect(config, DIALECT) as conn:
        conn.execute("CREATE TABLE slow (n UInt32) ENGINE = MergeTree ORDER BY n")

        def rows():
            for i in range(100_000):
                if i % 1000 == 0:
                    time.sleep(0.02)
                yield (i,)

        timer = threading.Timer(0.3, conn.cancel)
        timer.start()
        squash_off = {"min_insert_block_size_rows": 0, "min_insert_block_size_bytes": 0}
        with pytest.raises(QueryError, match="INSERT into slow was cancelled"):
            conn.insert_iter("slow", ["n"], rows(), settings=squash_off)
        timer.join()
        count = conn.execute("SELECT count() FROM slow").scalar()
        assert count % 1000 == 0 and count < 100_000


# -- servers going away -------------------------------------------------------------------------
def test_server_killed_and_restarted_next_query_reconnects(clickhouse_server_factory):
    server = clickhouse_server_factory()
    conn = _open(server)
    conn.execute("CREATE TABLE kept (n UInt8) ENGINE = MergeTree ORDER BY n")
    conn.insert_rows("kept", ["n"], [(1,), (2,)])

    server.kill()
    with pytest.raises(ConnectionError) as info:
        conn.execute("SELECT count() FROM kept")
    assert server.address in str(info.value)

    server.start()
    assert conn.execute("SELECT count() FROM kept").scalar() == 2
    # killed and back again without a failing query in between: still transparent
    server.kill()
    server.start()
    assert conn.execute("SELECT sum(n) FROM kept").scalar() == 3
    conn.close()


def test_graceful_restart_is_transparent(clickhouse_server_factory):
    server = clickhouse_server_factory()
    with _open(server) as conn:
        assert conn.execute("SELECT 1").scalar() == 1
        server.restart()
        assert conn.execute("SELECT 2").scalar() == 2


def test_failing_main_host_with_a_healthy_alt_host(clickhouse_server):
    (dead,) = _free_ports(1)
    options = {"alt_hosts": clickhouse_server.address}
    with _open(clickhouse_server, port=dead, options=options) as conn:
        assert conn.server_version == clickhouse_server.version
        for i in range(3):
            assert conn.execute("SELECT %(p0)s", [i]).scalar() == i
    with _open(clickhouse_server, port=dead, options={**options, "round_robin": True}) as conn:
        for i in range(3):
            assert conn.execute("SELECT %(p0)s", [i]).scalar() == i


def test_main_host_dies_mid_session_queries_go_on_on_the_alt_host(clickhouse_server_factory):
    first, second = clickhouse_server_factory(), clickhouse_server_factory()
    _mark(first, "first")
    _mark(second, "second")
    with _open(first, options={"alt_hosts": second.address}) as conn:
        assert conn.execute("SELECT v FROM whoami").scalar() == "first"
        first.kill()
        assert conn.execute("SELECT v FROM whoami").scalar() == "second"
        assert conn.execute("SELECT v FROM whoami").scalar() == "second"


def test_round_robin_spreads_queries_and_survives_a_dead_host(clickhouse_server_factory):
    first, second = clickhouse_server_factory(), clickhouse_server_factory()
    _mark(first, "first")
    _mark(second, "second")
    options = {"alt_hosts": second.address, "round_robin": "true"}
    with _open(first, options=options) as conn:
        answered = {conn.execute("SELECT v FROM whoami").scalar() for _ in range(4)}
        assert answered == {"first", "second"}
        second.kill()
        assert {conn.execute("SELECT v FROM whoami").scalar() for _ in range(4)} == {"first"}


def test_insert_interrupted_by_a_server_failure_keeps_whole_blocks_only(
    clickhouse_server_factory,
):
    """The server dies while rows stream from a generator, part-way through a block.

    Blocks of 50,000 rows; squashing is off so the server writes every block it
    received at once. The kill lands in the fourth block: the insert fails, and the table
    holds a whole number of blocks (the ones before the kill, or none) - never a part.
    """
    block, total, kill_at = 50_000, 1_000_000, 175_000
    server = clickhouse_server_factory()
    conn = _open(server, options={"insert_block_size": block})
    conn.execute("CREATE TABLE facts (id UInt64, s String) ENGINE = MergeTree ORDER BY id")
    sent = 0

    def rows():
        nonlocal sent
        for i in range(total):
            if i == kill_at:
                server.kill()
            sent += 1
            yield (i, "x" * 20)

    squash_off = {"min_insert_block_size_rows": 0, "min_insert_block_size_bytes": 0}
    with pytest.raises(ConnectionError) as info:
        conn.insert_iter("facts", ["id", "s"], rows(), settings=squash_off)
    text = str(info.value)
    assert "INSERT into facts" in text and "atomically" in text and server.address in text
    assert sent < total

    server.start()
    count, first_missing = conn.execute(
        "SELECT count(), min(id) + count() FROM facts"  # ids 0..count-1 when blocks are whole
    ).rows[0]
    assert count % block == 0, f"{count} rows: a partial block was written"
    assert count <= kill_at
    if count:
        assert first_missing == count  # the blocks that made it are the first ones, complete
    # the connection works again and the insert can be redone from where it stopped
    assert conn.insert_iter("facts", ["id", "s"], ((i, "y") for i in range(count, total))) == (
        total - count
    )
    assert conn.execute("SELECT count(), uniqExact(id) FROM facts").rows == [(total, total)]
    conn.close()
