"""Every ClickHouse type round-trips through the embedded connection as Python values.

Each case is a column type, the Python values inserted (through ``insert_rows`` and
``insert_columns``) and the values expected back from a SELECT (usually the same).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import uuid
from collections.abc import Iterator
from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect

DB = "clickorm_test_embedded_types"
UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")


class Color(enum.Enum):
    red = "red"
    green = "green"


class Level(enum.IntEnum):
    low = -1000
    high = 2000


def _dt(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
    micro: int = 0, *, tz: dt.tzinfo | None = None,
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)


# (ClickHouse type, values inserted, values expected back or None for "the same")
CASES: list[tuple[str, list[Any], list[Any] | None]] = [
    ("Int8", [-128, 0, 127], None),
    ("Int16", [-32768, 1, 32767], None),
    ("Int32", [-(2**31), 2, 2**31 - 1], None),
    ("Int64", [-(2**63), 3, 2**63 - 1], None),
    ("Int128", [-(2**127), 4, 2**127 - 1], None),
    ("Int256", [-(2**255), 5, 2**255 - 1], None),
    ("UInt8", [0, 1, 255], None),
    ("UInt16", [0, 1, 65535], None),
    ("UInt32", [0, 1, 2**32 - 1], None),
    ("UInt64", [0, 1, 2**64 - 1], None),
    ("UInt128", [0, 1, 2**128 - 1], None),
    ("UInt256", [0, 1, 2**256 - 1], None),
    ("Float32", [1.5, -0.25, math.inf], None),
    ("Float64", [0.1, -1e308, -math.inf], None),
    ("Decimal(9, 2)", [Decimal("1234567.89"), Decimal("-0.01"), Decimal("0")], None),
    ("Decimal(38, 10)", [Decimal("1234567890123456789012345678.0123456789"), Decimal("-1"),
                         Decimal("0.0000000001")], None),
    ("Decimal(76, 30)", [Decimal("1" * 46 + "." + "2" * 30), Decimal("-3.5"), Decimal("0")],
     None),
    ("Bool", [True, False, True], None),
    ("String", ["", "it's \\ \t\n\x00 '; -- /*", "ünï😀"], None),
    ("String", [b"\xff\x00\xfe", b"plain", "text"], [b"\xff\x00\xfe", "plain", "text"]),
    ("FixedString(4)", ["ab", "abcd", b"\x00\xff\x00\x01"],
     ["ab", "abcd", b"\x00\xff\x00\x01"]),
    ("UUID", [uuid.UUID(int=0), uuid.UUID("61f0c404-5cb3-11e7-907b-a6006ad3dba0"),
              "00000000-0000-0000-0000-00000000000f"],
     [uuid.UUID(int=0), uuid.UUID("61f0c404-5cb3-11e7-907b-a6006ad3dba0"), uuid.UUID(int=15)]),
    ("Date", [dt.date(1970, 1, 1), dt.date(2149, 6, 6), dt.date(2024, 2, 29)], None),
    ("Date32", [dt.date(1900, 1, 1), dt.date(2299, 12, 31), dt.date(1969, 12, 31)], None),
    ("DateTime", [_dt(1970, 1, 1), _dt(2024, 2, 29, 23, 59, 59), _dt(2106, 2, 7, 6, 28, 15)],
     None),
    ("DateTime('UTC')", [_dt(2024, 1, 2, 3, 4, 5, tz=UTC), _dt(2000, 1, 1, tz=TOKYO),
                         _dt(2024, 1, 2, 3, 4, 5)],
     [_dt(2024, 1, 2, 3, 4, 5, tz=UTC), _dt(1999, 12, 31, 15, tz=UTC),
      _dt(2024, 1, 2, 3, 4, 5, tz=UTC)]),
    # naive values mean wall-clock time in the column's zone
    ("DateTime('Asia/Tokyo')", [_dt(2024, 1, 2, 3, 4, 5, tz=UTC), _dt(2024, 1, 2, 3, 4, 5)],
     [_dt(2024, 1, 2, 12, 4, 5, tz=TOKYO), _dt(2024, 1, 2, 3, 4, 5, tz=TOKYO)]),
    ("DateTime64(3, 'UTC')", [_dt(2024, 1, 2, 3, 4, 5, 123000, tz=UTC),
                              _dt(1900, 1, 1, 0, 0, 0, 1000, tz=UTC)], None),
    ("DateTime64(6, 'Europe/Berlin')", [_dt(2024, 7, 1, 12, 0, 0, 654321, tz=BERLIN),
                                        _dt(2299, 12, 31, 23, 59, 59, 999999, tz=BERLIN)],
     None),
    ("DateTime64(9, 'UTC')", [_dt(2024, 1, 2, 3, 4, 5, 123456, tz=UTC)], None),
    ("DateTime64(6)", [_dt(2024, 1, 2, 3, 4, 5, 6), _dt(1950, 6, 1)], None),
    ("IPv4", [IPv4Address("0.0.0.0"), IPv4Address("255.255.255.255"), "10.1.2.3"],
     [IPv4Address("0.0.0.0"), IPv4Address("255.255.255.255"), IPv4Address("10.1.2.3")]),
    ("IPv6", [IPv6Address("::1"), IPv6Address("2001:db8::ff00:42:8329"), IPv4Address("1.2.3.4")],
     [IPv6Address("::1"), IPv6Address("2001:db8::ff00:42:8329"),
      IPv6Address("::ffff:1.2.3.4")]),
    ("Enum8('red' = 1, 'green' = 2, 'it''s' = -3)", ["red", Color.green, "it's"],
     ["red", "green", "it's"]),
    ("Enum16('low' = -1000, 'high' = 2000)", ["low", 2000, "high"], ["low", "high", "high"]),
    ("Array(UInt32)", [[], [1, 2, 3], [2**32 - 1]], None),
    ("Array(Nullable(String))", [["a", None, "b'c"], [], [None]], None),
    ("Array(Array(Int64))", [[[1], [2, 3]], [], [[]]], None),
    ("Array(DateTime('UTC'))", [[_dt(2024, 1, 1, tz=UTC)], [], []], None),
    ("Array(UUID)", [[uuid.UUID(int=1), uuid.UUID(int=2)], [], []], None),
    ("Array(Decimal(10, 3))", [[Decimal("1.5"), Decimal("-2.125")], [], []], None),
    ("Map(String, UInt64)", [{"a": 1, "b": 2}, {}, {"ü": 2**64 - 1}], None),
    ("Map(String, Array(String))", [{"k": ["x", "y"]}, {}, {"e": []}], None),
    ("Map(UInt8, DateTime('UTC'))", [{1: _dt(2024, 1, 1, tz=UTC)}, {}, {}], None),
    ("Map(String, Nullable(Int32))", [{"a": None, "b": 1}, {}, {}], None),
    ("Tuple(UInt8, String)", [(1, "x"), (2, ""), [3, "z"]], [(1, "x"), (2, ""), (3, "z")]),
    ("Tuple(a Int32, b Nullable(String), c Array(UInt8))",
     [(1, "x", [1]), {"a": 2, "b": None, "c": []}, (3, "z", [2, 3])],
     [(1, "x", (1,)), (2, None, ()), (3, "z", (2, 3))]),
    ("Tuple(Float64, Float64)", [(1.0, 2.0), (0.0, -1.5), (3.0, 4.0)], None),
    ("Nullable(Int32)", [None, 1, None], None),
    ("Nullable(String)", [None, "", "x"], None),
    ("Nullable(DateTime('UTC'))", [None, _dt(2024, 1, 1, tz=UTC), None], None),
    ("Nullable(DateTime64(3, 'Asia/Tokyo'))", [_dt(2024, 1, 1, 9, tz=TOKYO), None, None], None),
    ("Nullable(Decimal(10, 2))", [Decimal("1.25"), None, Decimal("-3")], None),
    ("Nullable(UUID)", [None, uuid.UUID(int=7), None], None),
    ("Nullable(IPv4)", [IPv4Address("1.1.1.1"), None, None], None),
    ("Nullable(Float64)", [None, 1.5, None], None),
    ("LowCardinality(String)", ["a", "b", "a"], None),
    ("LowCardinality(Nullable(String))", ["a", None, "a"], None),
    ("LowCardinality(FixedString(3))", ["abc", "x", "abc"], None),
    ("JSON", [{"a": 1, "b": {"c": "x"}}, {}, {"arr": [1, 2], "s": "it's"}], None),
]


def _expected(values: list[Any], expected: list[Any] | None, type_name: str) -> list[Any]:
    out = list(values if expected is None else expected)
    if type_name.startswith("Tuple(a Int32"):
        # arrays nested in tuples come back as lists
        out = [(a, b, list(c)) for a, b, c in out]
    return out


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    c = connect(
        ConnectionConfig(name="types", dialect="clickhouse", driver="embedded", database=DB),
        dialect,
    )
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


@pytest.fixture(scope="module")
def all_types_table(conn: EmbeddedConnection) -> list[str]:
    columns = ", ".join(f"c{i} {t}" for i, (t, _, _) in enumerate(CASES))
    conn.execute(f"CREATE TABLE every_type (id UInt8, {columns}) ENGINE = MergeTree ORDER BY id")
    return ["id"] + [f"c{i}" for i in range(len(CASES))]


def _width() -> int:
    return max(len(values) for _, values, _ in CASES)


def _column_values(i: int) -> tuple[list[Any], list[Any]]:
    type_name, values, expected = CASES[i]
    exp = _expected(values, expected, type_name)
    width = _width()
    # pad short cases by repeating their first value
    pad = width - len(values)
    return values + [values[0]] * pad, exp + [exp[0]] * pad


def _check(conn: EmbeddedConnection, id_base: int) -> None:
    result = conn.execute(
        "SELECT * FROM every_type WHERE id >= {p0:UInt8} AND id < {p1:UInt8} ORDER BY id",
        {"p0": id_base, "p1": id_base + _width()},
    )
    assert len(result.rows) == _width()
    for i, (type_name, _, _) in enumerate(CASES):
        _, expected = _column_values(i)
        got = [row[i + 1] for row in result.rows]
        assert got == expected, f"{type_name}: {got!r} != {expected!r}"
        for g, e in zip(got, expected, strict=True):
            assert type(g) is type(e) or (g is not None and isinstance(g, type(e))), (
                f"{type_name}: {type(g).__name__} returned for {type(e).__name__}"
            )
            if isinstance(e, dt.datetime):
                assert (g.tzinfo is None) == (e.tzinfo is None), type_name
                assert g.utcoffset() == e.utcoffset(), type_name


def test_every_type_round_trips_through_insert_rows(
    conn: EmbeddedConnection, all_types_table: list[str]
) -> None:
    columns = [_column_values(i)[0] for i in range(len(CASES))]
    rows = [(j, *(col[j] for col in columns)) for j in range(_width())]
    assert conn.insert_rows("every_type", all_types_table, rows) == _width()
    _check(conn, 0)


def test_every_type_round_trips_through_insert_columns(
    conn: EmbeddedConnection, all_types_table: list[str]
) -> None:
    ids = [100 + j for j in range(_width())]
    data = [ids] + [_column_values(i)[0] for i in range(len(CASES))]
    assert conn.insert_columns("every_type", all_types_table, data) == _width()
    _check(conn, 100)


def test_every_type_streams_like_it_executes(
    conn: EmbeddedConnection, all_types_table: list[str]
) -> None:
    if not conn.execute("SELECT count() FROM every_type").scalar():
        test_every_type_round_trips_through_insert_rows(conn, all_types_table)
    sql = "SELECT * FROM every_type ORDER BY id"
    assert list(conn.stream(sql, batch_size=2)) == conn.execute(sql).rows


def test_nan_round_trips(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE nans (f Float64, g Float32) ENGINE = Memory")
    conn.insert_rows("nans", ["f", "g"], [(math.nan, math.nan)])
    f, g = conn.execute("SELECT f, g FROM nans").rows[0]
    assert math.isnan(f) and math.isnan(g)


def test_nested_columns_flattened_and_not(conn: EmbeddedConnection) -> None:
    # default flatten_nested=1: Nested(x, y) is stored as arrays n.x and n.y
    conn.execute(
        "CREATE TABLE nested_flat (id UInt8, n Nested(x UInt8, y String)) "
        "ENGINE = MergeTree ORDER BY id"
    )
    conn.insert_rows("nested_flat", ["id", "n.x", "n.y"], [(1, [1, 2], ["a", "b"]), (2, [], [])])
    assert conn.execute("SELECT n.x, n.y FROM nested_flat ORDER BY id").rows == [
        ([1, 2], ["a", "b"]), ([], []),
    ]
    assert conn.execute("SELECT n FROM nested_flat ORDER BY id").rows == [
        ([(1, "a"), (2, "b")],), ([],),
    ]
    # flatten_nested=0 keeps one column of named tuples
    dialect = get_plugin_manager().get_dialect("clickhouse")
    nested = connect(
        ConnectionConfig(name="nested", dialect="clickhouse", driver="embedded", database=DB,
                         settings={"flatten_nested": 0}),
        dialect,
    )
    try:
        nested.execute(
            "CREATE TABLE nested_whole (id UInt8, n Nested(x UInt8, y String)) "
            "ENGINE = MergeTree ORDER BY id"
        )
        nested.insert_rows("nested_whole", ["id", "n"],
                           [(1, [(1, "a"), {"x": 2, "y": "b"}]), (2, [])])
        assert nested.execute("SELECT n FROM nested_whole ORDER BY id").rows == [
            ([(1, "a"), (2, "b")],), ([],),
        ]
    finally:
        nested.close()


def test_computed_results_keep_their_types(conn: EmbeddedConnection) -> None:
    row = conn.execute(
        "SELECT toDateTime('2024-01-02 03:04:05', 'Asia/Tokyo') AS t, "
        "CAST('b', 'Enum8(''a'' = 1, ''b'' = 2)') AS e, toIPv4('1.2.3.4') AS ip, "
        "toUInt32(7) AS u, toInt128(-5) AS big, toFixedString('ab', 3) AS fs, "
        "unhex('FF00') AS raw, map('k', [1, 2]) AS m, (1, 'x') AS tup, NULL AS n"
    ).rows[0]
    assert row == (
        _dt(2024, 1, 2, 3, 4, 5, tz=TOKYO), "b", IPv4Address("1.2.3.4"), 7, -5, "ab",
        b"\xff\x00", {"k": [1, 2]}, (1, "x"), None,
    )


def test_queries_with_settings_ctes_and_comments_are_described(
    conn: EmbeddedConnection,
) -> None:
    epoch = _dt(1970, 1, 1, tz=UTC)
    assert conn.execute(
        "WITH x AS (SELECT toDateTime(0, 'UTC') AS t) SELECT t FROM x "
        "SETTINGS max_threads = 1 -- trailing comment"
    ).rows == [(epoch,)]
    assert conn.execute("/* lead */ SELECT toDateTime(0, 'UTC') AS t;").rows == [(epoch,)]


def test_statements_that_cannot_be_described_fall_back_to_arrow_types(
    conn: EmbeddedConnection,
) -> None:
    conn.execute("CREATE TABLE shown (a UInt8) ENGINE = Memory")
    # SHOW cannot be DESCRIBEd; its columns are plain strings anyway
    rows = conn.execute("SHOW TABLES").rows
    assert ("shown",) in rows
    assert all(type(name) is str for (name,) in rows)


def test_wrong_values_are_query_errors_naming_the_column(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE strict (a UInt8, d Date, e Enum8('x' = 1)) ENGINE = Memory")
    # the reason never quotes the value (a secret may be in the wrong column)
    with pytest.raises(QueryError, match=r"column 'a' of type UInt8: a value does not fit"):
        conn.insert_rows("strict", ["a", "d", "e"], [(300, dt.date(2024, 1, 1), "x")])
    with pytest.raises(QueryError, match=r"column 'a' of type UInt8: a float value is not"):
        conn.insert_rows("strict", ["a", "d", "e"], [(2.5, dt.date(2024, 1, 1), "x")])
    with pytest.raises(QueryError, match=r"column 'e'.*label is not one of"):
        conn.insert_rows("strict", ["a", "d", "e"], [(1, dt.date(2024, 1, 1), "y")])
    with pytest.raises(QueryError, match=r"no column\(s\) 'zzz'"):
        conn.insert_rows("strict", ["a", "zzz"], [(1, 2)])
    with pytest.raises(QueryError, match="does not exist"):
        conn.insert_rows("missing_table", ["a"], [(1,)])
    with pytest.raises(QueryError, match="different lengths"):
        conn.insert_rows("strict", ["a", "d", "e"], [(1, dt.date(2024, 1, 1), "x"), (2,)])
    assert conn.execute("SELECT count() FROM strict").scalar() == 0
