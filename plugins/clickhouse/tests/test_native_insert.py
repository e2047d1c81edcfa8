"""Bulk inserts over the native protocol: columnar and row blocks, chunking, quoting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from clickorm.errors import QueryError
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.native import connect

EVENTS = (
    "CREATE TABLE events (id UInt64, name String, price Decimal(18, 2), at DateTime) "
    "ENGINE = MergeTree ORDER BY id"
)


def test_columnar_insert_then_count(clickhouse_native):
    conn = clickhouse_native
    conn.execute(EVENTS)
    n = 100_000
    ids = list(range(n))
    names = [f"e{i}" for i in ids]
    prices = [Decimal(i % 1000) / 100 for i in ids]
    at = [dt.datetime(2024, 1, 1) + dt.timedelta(seconds=i) for i in ids]
    written = conn.insert_columns("events", ["id", "name", "price", "at"], [ids, names, prices, at])
    assert written == n
    assert conn.execute("SELECT count(), sum(id), max(name) FROM events").rows == [
        (n, n * (n - 1) // 2, "e99999")
    ]
    row = conn.execute("SELECT price, at FROM events WHERE id = %(p0)s", [12345]).rows[0]
    assert row[0] == Decimal("3.45")
    assert row[1].replace(tzinfo=None) == dt.datetime(2024, 1, 1, 3, 25, 45)


def test_row_insert_and_generator_insert(clickhouse_native):
    conn = clickhouse_native
    conn.execute("CREATE TABLE kv (k UInt32, v Nullable(String)) ENGINE = MergeTree ORDER BY k")
    assert conn.insert_rows("kv", ["k", "v"], [(1, "a"), (2, None)]) == 2
    assert conn.insert_iter("kv", ["k", "v"], ((i, str(i)) for i in range(3, 1003))) == 1000
    assert conn.insert_rows("kv", ["k", "v"], []) == 0
    assert conn.execute("SELECT count(), countIf(v IS NULL) FROM kv").rows == [(1002, 1)]


def test_inserts_are_sent_in_blocks_of_insert_block_size(clickhouse_server, clickhouse_database):
    """Each block becomes its own part: 25,000 rows in blocks of 10,000 make 3 parts."""
    dialect = clickorm_dialects()[0]
    config = clickhouse_server.connection_config(
        database=clickhouse_database, options={"insert_block_size": "10000"}
    )
    with connect(config, dialect) as conn:
        assert conn.insert_block_size == 10_000
        conn.execute("CREATE TABLE blocks (n UInt64) ENGINE = MergeTree ORDER BY n")
        conn.execute("SYSTEM STOP MERGES blocks")  # keep the parts as inserted
        # squashing off: the server writes every received block as it comes
        squash_off = {"min_insert_block_size_rows": 0, "min_insert_block_size_bytes": 0}
        assert conn.insert_iter("blocks", ["n"], ((i,) for i in range(25_000)), settings=squash_off)
        parts = conn.execute(
            "SELECT count(), sum(rows) FROM system.parts "
            "WHERE database = currentDatabase() AND table = 'blocks' AND active"
        ).rows
    assert parts == [(3, 25_000)]


def test_identifiers_are_quoted(clickhouse_native):
    conn = clickhouse_native
    conn.execute("CREATE TABLE `odd table` (`select` UInt8, `we``ird` String) ENGINE = Memory")
    conn.insert_columns("odd table", ["select", "we`ird"], [[1, 2], ["x", "y"]])
    assert conn.execute("SELECT `select`, `we``ird` FROM `odd table` ORDER BY 1").rows == [
        (1, "x"),
        (2, "y"),
    ]
    assert conn.insert_statement("db.t", ["a"]) == "INSERT INTO `db`.`t` (`a`) VALUES"


def test_bad_data_is_a_query_error_and_the_connection_survives(clickhouse_native):
    conn = clickhouse_native
    conn.execute("CREATE TABLE nums (n UInt32) ENGINE = MergeTree ORDER BY n")
    with pytest.raises(QueryError, match="INSERT into nums"):
        conn.insert_rows("nums", ["n"], [(1,), ("not a number",)])
    with pytest.raises(QueryError, match="no_such_column"):
        conn.insert_rows("nums", ["no_such_column"], [(1,)])
    with pytest.raises(QueryError, match="1 column name"):
        conn.insert_columns("nums", ["n"], [[1], [2]])
    assert conn.insert_rows("nums", ["n"], [(7,)]) == 1
    assert conn.execute("SELECT count() FROM nums").scalar() == 1


def test_bulk_insert_of_naive_datetimes_reads_back_equal(clickhouse_native: Any) -> None:
    """Naive datetimes take the epoch-seconds fast path on a UTC server; values are exact."""
    from clickorm.types import DateTime

    conn = clickhouse_native
    assert conn.column_encoder(DateTime()) is not None  # the test server runs in UTC
    conn.execute("CREATE TABLE dts (id UInt32, at DateTime) ENGINE = MergeTree ORDER BY id")
    base = dt.datetime(2024, 3, 31, 0, 59, 59)
    values = [base + dt.timedelta(days=i % 500, seconds=i * 7) for i in range(5000)]
    encode = conn.column_encoder(DateTime())
    conn.insert_columns("dts", ["id", "at"], [list(range(5000)), encode(list(values))])
    got = conn.execute("SELECT at FROM dts ORDER BY id").rows
    assert [row[0] for row in got] == values


def test_datetime_fast_path_declines_what_it_cannot_convert(clickhouse_native: Any) -> None:
    from clickorm.types import DateTime, DateTime64

    conn = clickhouse_native
    encode = conn.column_encoder(DateTime())
    aware = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]
    assert encode(aware) is aware  # aware values keep the driver's conversion
    with_none = [dt.datetime(2024, 1, 1), None]
    assert encode(with_none) is with_none
    assert conn.column_encoder(DateTime64(3)) is None  # ticks, not seconds
    assert conn.column_encoder(DateTime("Europe/Oslo")) is None
    saved = conn.server_timezone
    try:
        conn.server_timezone = "Europe/Oslo"  # naive values mean Oslo wall clock there
        assert conn.column_encoder(DateTime()) is None
    finally:
        conn.server_timezone = saved


def test_inline_values_insert_is_refused_instead_of_hanging(clickhouse_native: Any) -> None:
    conn = clickhouse_native
    conn.execute("CREATE TABLE inl (id UInt32) ENGINE = Memory")
    for sql in ("INSERT INTO inl VALUES (1)", "insert into inl (id) values(2)",
                "INSERT INTO inl FORMAT TSV 3"):
        with pytest.raises(QueryError, match="inline VALUES"):
            conn.execute(sql)
    conn.execute("INSERT INTO inl SELECT number FROM system.numbers LIMIT 2")  # no data
    conn.insert_rows("inl", ["id"], [(7,)])
    assert conn.execute("SELECT count() FROM inl").scalar() == 3


@pytest.mark.parametrize(("compiled", "size", "pandas_loaded"),
                         [(True, 200_000, False), (False, 10, True), (False, 6000, True),
                          (False, 6000, False)],
                         ids=["compiled", "python loop", "vectorised", "pandas not loaded"])
def test_datetime_fast_path_truncates_like_the_driver(
    clickhouse_native: Any, monkeypatch: pytest.MonkeyPatch, compiled: bool, size: int,
    pandas_loaded: bool
) -> None:
    """Every conversion path gives the driver's own answer, microseconds truncated; a
    column never pays for importing pandas (about 0.4 s) when C or Python is enough."""
    import sys

    import pandas  # noqa: F401 - loaded, as in a process that uses chDB

    from clickorm import speedups
    from clickorm.types import DateTime

    if compiled:
        assert speedups.compiled is not None, "clickorm._speedups is not built"
    else:
        monkeypatch.setattr(speedups, "compiled", None)
    if not pandas_loaded:
        monkeypatch.delitem(sys.modules, "pandas")
    encode = clickhouse_native.column_encoder(DateTime())
    # minutes apart: 200,000 values stay before 2106, which 18.16 refuses (its date table)
    values = [dt.datetime(1999, 12, 31, 23, 59, 59, 999_999) + dt.timedelta(minutes=i * 7)
              for i in range(size)]
    driver = [int(v.replace(tzinfo=dt.UTC).timestamp()) for v in values]
    assert encode(list(values)) == driver
    assert ("pandas" in sys.modules) is pandas_loaded
    mixed = [values[0], None]  # Nullable: the driver's own path, unchanged
    assert encode(mixed) is mixed
