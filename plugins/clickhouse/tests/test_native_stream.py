"""Streaming large results block by block, in constant memory, and stopping early."""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest

from clickorm.errors import QueryError

ROWS = 2_000_000


def _rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_streaming_two_million_rows_holds_one_block_at_a_time(clickhouse_native):
    """Materialising 2M (int, str) rows takes ~250 MB; the stream grows the process < 40 MB."""
    conn = clickhouse_native
    sql = "SELECT number, toString(number) FROM numbers(%(p0)s)"
    gc.collect()
    baseline = peak = _rss()
    columns, rows = conn.stream_with_columns(sql, [ROWS], batch_size=20_000)
    count = total = 0
    last = ""
    for number, text in rows:
        count += 1
        total += number
        last = text
        if not count % 100_000:
            peak = max(peak, _rss())
    assert columns == ["number", "toString(number)"]
    assert count == ROWS and total == ROWS * (ROWS - 1) // 2 and last == str(ROWS - 1)
    growth = peak - baseline
    assert growth < 40 * 1024 * 1024, f"grew {growth / 1e6:.0f} MB: the stream materialised rows"


def test_rss_probe_sees_a_materialised_result(clickhouse_native):
    """The memory check above can fail: the same rows held in a list do grow the process."""
    gc.collect()
    baseline = _rss()
    held = clickhouse_native.execute("SELECT number, toString(number) FROM numbers(1000000)")
    assert len(held.rows) == 1_000_000
    assert _rss() - baseline > 40 * 1024 * 1024


def test_stream_is_an_iterator_and_an_empty_result_is_empty(clickhouse_native):
    conn = clickhouse_native
    rows = conn.stream("SELECT number FROM numbers(5) WHERE number > %(p0)s", [2])
    assert iter(rows) is rows
    assert list(rows) == [(3,), (4,)]
    assert list(conn.stream("SELECT number FROM numbers(5) WHERE number > 10")) == []


def test_server_errors_surface_when_the_stream_opens(clickhouse_native):
    with pytest.raises(QueryError) as info:
        clickhouse_native.stream("SELECT no_such_column FROM numbers(3)")
    assert info.value.sql == "SELECT no_such_column FROM numbers(3)"
    assert clickhouse_native.execute("SELECT 1").scalar() == 1


def test_abandoning_a_stream_frees_the_connection(clickhouse_native):
    conn = clickhouse_native
    rows = conn.stream("SELECT number FROM numbers(100000000)")
    head = [next(rows) for _ in range(10)]
    assert head == [(i,) for i in range(10)]
    del rows  # dropped mid-result: the socket is closed, the next query reconnects
    assert conn.execute("SELECT 2").scalar() == 2


def test_cancel_from_another_thread_stops_a_stream(clickhouse_native):
    conn = clickhouse_native
    rows = conn.stream("SELECT number FROM numbers(10000000000)", batch_size=65_536)
    timer = threading.Timer(0.3, conn.cancel)
    start = time.monotonic()
    timer.start()
    seen = 0
    with pytest.raises(QueryError, match="cancelled"):
        for _ in rows:
            seen += 1
    timer.join()
    assert 0 < seen < 10_000_000_000 and time.monotonic() - start < 10
    assert conn.execute("SELECT 3").scalar() == 3
