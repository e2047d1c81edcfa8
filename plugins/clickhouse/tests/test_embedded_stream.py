"""Streaming on chDB: large results in bounded memory, block by block; bulk insert blocks."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse import embedded_registry
from clickorm_clickhouse.embedded import EmbeddedConnection, EmbeddedStream, connect

DB = "clickorm_test_embedded_stream"


def open_embedded(**kw: object) -> EmbeddedConnection:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    return connect(
        ConnectionConfig(name="stream", dialect="clickhouse", driver="embedded", database=DB,
                         **kw),  # type: ignore[arg-type]
        dialect,
    )


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    c = open_embedded()
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def test_five_million_rows_stream_in_bounded_memory(conn: EmbeddedConnection) -> None:
    n = 5_000_000
    gc.collect()
    start = rss_bytes()
    peak = start
    count = total = 0
    for (number,) in conn.stream("SELECT number FROM numbers({p0:UInt64})", {"p0": n},
                                 batch_size=65_536):
        count += 1
        total += number
        if count % 250_000 == 0:
            peak = max(peak, rss_bytes())
    assert count == n
    assert total == n * (n - 1) // 2
    # holding the result would take > 400 MB of tuples and ints; a stream holds one block
    assert peak - start < 120 * 1024 * 1024, f"RSS grew by {(peak - start) >> 20} MB"


def test_stream_knows_its_columns_and_decodes_types(conn: EmbeddedConnection) -> None:
    stream = conn.stream(
        "SELECT number AS n, toDateTime(number, 'UTC') AS t FROM numbers(5)", batch_size=2
    )
    assert isinstance(stream, EmbeddedStream)
    assert stream.columns == ["n", "t"]
    rows = list(stream)
    assert rows[1] == (1, dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
    assert len(rows) == 5


def test_connection_stays_usable_while_a_stream_is_open(conn: EmbeddedConnection) -> None:
    stream = conn.stream("SELECT number FROM numbers(1000000)", batch_size=1000)
    assert isinstance(stream, EmbeddedStream)
    assert next(stream) == (0,)
    assert conn.execute("SELECT 40 + 2").scalar() == 42
    assert next(stream) == (1,)
    stream.close()
    assert list(stream) == []


def test_abandoned_and_broken_streams_release_their_engine_user(
    conn: EmbeddedConnection,
) -> None:
    engine = embedded_registry.open_engine()
    assert engine is not None
    before = list(engine.users)
    for (n,) in conn.stream("SELECT number FROM numbers(1000000)", batch_size=1000):
        if n == 10:
            break
    assert engine.users == before  # released as soon as the loop dropped the stream
    with pytest.raises(QueryError, match="code 60.*nowhere") as info:
        conn.stream("SELECT * FROM nowhere WHERE a = {p0:String}", {"p0": "hidden"})
    assert info.value.sql == "SELECT * FROM nowhere WHERE a = {p0:String}"
    assert "hidden" not in str(info.value)
    assert engine.users == before


def test_empty_stream(conn: EmbeddedConnection) -> None:
    assert list(conn.stream("SELECT number FROM numbers(10) WHERE number > 100")) == []


def test_inserts_are_one_statement_per_block(conn: EmbeddedConnection) -> None:
    small = open_embedded(options={"insert_block_size": 1000})
    try:
        assert small.insert_block_size == 1000
        small.execute("CREATE TABLE blocks (a UInt64) ENGINE = MergeTree ORDER BY a")
        small.execute("SYSTEM STOP MERGES blocks")
        assert small.insert_rows("blocks", ["a"], [(i,) for i in range(2500)]) == 2500
        assert small.insert_columns("blocks", ["a"], [list(range(2500, 4000))]) == 1500
        parts = small.execute(
            "SELECT rows FROM system.parts WHERE database = {p0:String} AND table = 'blocks' "
            "AND active ORDER BY min_block_number", {"p0": DB}
        ).rows
        assert parts == [(1000,), (1000,), (500,), (1000,), (500,)]
        assert small.execute("SELECT sum(a) FROM blocks").scalar() == sum(range(4000))
    finally:
        small.close()
    assert conn.insert_block_size == 100_000


def test_a_block_over_the_block_size_is_sent_in_exact_parts_or_not_at_all(
    conn: EmbeddedConnection,
) -> None:
    """A block larger than insert_block_size is encoded once and sent in Arrow slices:
    every part carries exactly its rows (strings, arrays, NULLs, offsets included), and a
    value the column cannot take anywhere in the block is refused before any part lands."""
    small = open_embedded(options={"insert_block_size": 1000})
    try:
        small.execute(
            "CREATE TABLE sliced (a UInt64, s String, t Array(String), n Nullable(Int32)) "
            "ENGINE = MergeTree ORDER BY a")
        small.execute("SYSTEM STOP MERGES sliced")
        rows = [(i, f"s{i}" * (i % 5), [f"t{j}" for j in range(i % 4)],
                 None if i % 3 == 0 else -i) for i in range(2500)]
        columns = [list(c) for c in zip(*rows, strict=True)]
        assert small.insert_blocks("sliced", ["a", "s", "t", "n"], [columns]) == 2500
        got = small.execute("SELECT a, s, t, n FROM sliced ORDER BY a").rows
        assert [tuple(r) for r in got] == rows
        parts = small.execute(
            "SELECT rows FROM system.parts WHERE database = {p0:String} AND table = 'sliced' "
            "AND active ORDER BY min_block_number", {"p0": DB}).rows
        assert parts == [(1000,), (1000,), (500,)]
        bad = [list(c) for c in columns]
        bad[0] = [i + 10_000 for i in range(2500)]
        bad[0][2400] = "not a number"  # in the last part
        with pytest.raises(QueryError):
            small.insert_blocks("sliced", ["a", "s", "t", "n"], [bad])
        assert small.execute("SELECT count() FROM sliced").scalar() == 2500
    finally:
        small.close()


def test_bulk_insert_and_select_of_200k_rows(conn: EmbeddedConnection) -> None:
    conn.execute(
        "CREATE TABLE bulk (a UInt64, s String, f Float64, d DateTime('UTC'), "
        "arr Array(String)) ENGINE = MergeTree ORDER BY a"
    )
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = [(i, f"name-{i}'\\", i * 0.25, base + dt.timedelta(seconds=i), [f"t{i % 7}", ""])
            for i in range(200_000)]
    assert conn.insert_rows("bulk", ["a", "s", "f", "d", "arr"], rows) == 200_000
    assert conn.execute("SELECT * FROM bulk ORDER BY a").rows == rows
