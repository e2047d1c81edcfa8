"""Server-side typed parameters on chDB: hostile strings and every Python type, exactly.

Values travel as ``{p0:Type}`` parameters (never in the SQL text); the type comes from
``codecs.clickhouse_type_for_value`` and the text from ``codecs.encode_param``. The same
values rendered by ``literals.literal`` (what ``to_sql()`` shows) evaluate to the same.
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
from clickorm_clickhouse.codecs import (
    clickhouse_type_for_value,
    encode_param,
    encode_params,
)
from clickorm_clickhouse.embedded import EmbeddedConnection, connect
from clickorm_clickhouse.literals import literal as sql_literal

DB = "clickorm_test_embedded_params"

HOSTILE = [
    "", " ", "'", "''", '"', "`", "\\", "\\\\", "\\'", "\\N", "\\t", "\\x41", "\\0",
    "\t", "\n", "\r\n", "\x00", "a\x00b", "\x7f", "\b\f",
    ";", "'; DROP TABLE users; --", "-- comment", "/* comment */", "*/", "#",
    "{p1:String}", "{", "}", "%(p0)s", "%s", "?", "$1", ":name",
    "ünï😀", "\u2028\u2029", "\ufeff", "x" * 20_000,
]


class Color(enum.Enum):
    red = "red"


class Level(enum.IntEnum):
    low = -1000


UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")

# (value bound, value expected back)
VALUES: list[tuple[Any, Any]] = [
    (0, 0),
    (-1, -1),
    (2**63, 2**63),
    (-(2**63) - 1, -(2**63) - 1),
    (2**128, 2**128),
    (-(2**255), -(2**255)),
    (2**256 - 1, 2**256 - 1),
    (1.5, 1.5),
    (-0.0, -0.0),
    (math.inf, math.inf),
    (-math.inf, -math.inf),
    (True, True),
    (False, False),
    ("text", "text"),
    (b"abc", "abc"),
    (bytes(range(256)), bytes(range(256))),
    (Decimal("123.4500"), Decimal("123.45")),
    (Decimal("-1E+5"), Decimal("-100000")),
    (Decimal("0.000000000000000000000000000000000000001"),
     Decimal("0.000000000000000000000000000000000000001")),
    (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    (dt.date(1900, 1, 1), dt.date(1900, 1, 1)),
    (dt.date(2299, 12, 31), dt.date(2299, 12, 31)),
    (dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5)),
    (dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    (dt.datetime(1950, 1, 2, 3, 4, 5), dt.datetime(1950, 1, 2, 3, 4, 5)),
    (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=TOKYO), dt.datetime(2024, 1, 1, 18, 4, 5, tzinfo=UTC)),
    (dt.datetime(2200, 1, 1, 0, 0, 0, 5, tzinfo=UTC), dt.datetime(2200, 1, 1, 0, 0, 0, 5, tzinfo=UTC)),
    (uuid.UUID("61f0c404-5cb3-11e7-907b-a6006ad3dba0"),
     uuid.UUID("61f0c404-5cb3-11e7-907b-a6006ad3dba0")),
    (IPv4Address("192.168.0.1"), IPv4Address("192.168.0.1")),
    (IPv6Address("2001:db8::1"), IPv6Address("2001:db8::1")),
    (Color.red, "red"),
    (Level.low, -1000),
    (None, None),
    ([1, 2, None], [1, 2, None]),
    ([1, 2**64 - 1], [1, 2**64 - 1]),
    ([1, 2.5], [1.0, 2.5]),
    (HOSTILE[:30], HOSTILE[:30]),
    ([[1], [2, 3], []], [[1], [2, 3], []]),
    ([], []),
    ({3, 1, 2}, [1, 2, 3]),
    ([dt.date(2024, 1, 1), dt.date(1900, 1, 1)], [dt.date(2024, 1, 1), dt.date(1900, 1, 1)]),
    ([Decimal("1.5"), Decimal("-22.25")], [Decimal("1.5"), Decimal("-22.25")]),
    ([uuid.UUID(int=1)], [uuid.UUID(int=1)]),
    ((1, "x'y", None), (1, "x'y", None)),
    ((dt.datetime(2024, 1, 1, tzinfo=UTC), [b"\xff"]),
     (dt.datetime(2024, 1, 1, tzinfo=UTC), [b"\xff"])),
    ({"k'ey": [1.5], "\\": []}, {"k'ey": [1.5], "\\": []}),
    ({}, {}),
    ({1: IPv4Address("1.2.3.4")}, {1: IPv4Address("1.2.3.4")}),
]


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    c = connect(
        ConnectionConfig(name="params", dialect="clickhouse", driver="embedded", database=DB),
        dialect,
    )
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(expected, float):
        return got == expected and math.copysign(1, got) == math.copysign(1, expected)
    return bool(got == expected) and type(got) is type(expected)


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h)[:20] for h in HOSTILE])
def test_hostile_strings_round_trip_exactly(conn: EmbeddedConnection, text: str) -> None:
    got = conn.execute("SELECT {p0:String} AS s, length({p0:String})", {"p0": text}).rows
    assert got == [(text, len(text.encode()))]


def test_hostile_strings_in_tables_and_where_clauses(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE hostile (id UInt32, s String) ENGINE = MergeTree ORDER BY id")
    conn.insert_rows("hostile", ["id", "s"], list(enumerate(HOSTILE)))
    for i, text in enumerate(HOSTILE):
        found = conn.execute(
            "SELECT id, s FROM hostile WHERE s = {p0:String} ORDER BY id", {"p0": text}
        ).rows
        assert found == [(i, text)]
    in_list = conn.execute(
        "SELECT count() FROM hostile WHERE has({p0:Array(String)}, s)", {"p0": HOSTILE}
    ).scalar()
    assert in_list == len(HOSTILE)
    assert conn.execute("SELECT count() FROM hostile").scalar() == len(HOSTILE)


def test_nul_and_every_byte_round_trip(conn: EmbeddedConnection) -> None:
    every = bytes(range(256))
    assert conn.execute("SELECT {p0:String}", {"p0": every}).scalar() == every
    assert conn.execute("SELECT length({p0:String})", {"p0": every}).scalar() == 256


@pytest.mark.parametrize(("value", "expected"), VALUES, ids=[repr(v)[:30] for v, _ in VALUES])
def test_every_python_type_binds_as_a_typed_parameter(
    conn: EmbeddedConnection, value: Any, expected: Any
) -> None:
    type_name = clickhouse_type_for_value(value)
    got, got_type = conn.execute(
        f"SELECT {{p0:{type_name}}} AS v, toTypeName(v)", {"p0": value}
    ).rows[0]
    assert _same(got, expected), (type_name, got, expected)
    assert got_type.replace(" ", "") == type_name.replace(" ", "")


@pytest.mark.parametrize(("value", "expected"), VALUES, ids=[repr(v)[:30] for v, _ in VALUES])
def test_sql_literals_evaluate_to_the_same_value(
    conn: EmbeddedConnection, value: Any, expected: Any
) -> None:
    literal = sql_literal(value)
    got = conn.execute(f"SELECT {literal}").scalar()
    assert _same(got, expected), (literal, got, expected)


def test_type_names_by_range() -> None:
    assert clickhouse_type_for_value(2**63 - 1) == "Int64"
    assert clickhouse_type_for_value(2**63) == "UInt64"
    assert clickhouse_type_for_value(-(2**63) - 1) == "Int128"
    assert clickhouse_type_for_value(2**128 - 1) == "UInt128"
    assert clickhouse_type_for_value(Decimal("123.45")) == "Decimal(5, 2)"
    assert clickhouse_type_for_value(dt.date(2200, 1, 1)) == "Date32"
    assert clickhouse_type_for_value(dt.datetime(2024, 1, 1)) == "DateTime"
    assert clickhouse_type_for_value(dt.datetime(2024, 1, 1, 0, 0, 0, 1)) == "DateTime64(6)"
    assert clickhouse_type_for_value(dt.datetime(2024, 1, 1, tzinfo=UTC)) == "DateTime('UTC')"
    assert clickhouse_type_for_value([1, None]) == "Array(Nullable(Int64))"
    assert clickhouse_type_for_value({"a": [1]}) == "Map(String, Array(Int64))"
    assert clickhouse_type_for_value((1, "a")) == "Tuple(Int64, String)"
    assert clickhouse_type_for_value(None) == "Nullable(Nothing)"
    assert encode_params([1, "a"]) == {"p0": "1", "p1": "a"}
    assert encode_param("a\tb\\") == "a\\tb\\\\"


def test_time_binds_as_iso_text() -> None:
    """No time-of-day type on older servers: a time binds as its ISO text, as to_sql() shows."""
    assert clickhouse_type_for_value(dt.time(1, 2)) == "String"
    assert encode_param(dt.time(1, 2, 3)) == "01:02:03"


@pytest.mark.parametrize(
    "value", [object(), [1, "a"], [[1], None], 2**256, Decimal("NaN")],
    ids=["object", "mixed list", "nullable array", "too big", "nan decimal"],
)
def test_unbindable_values_are_query_errors(value: Any) -> None:
    with pytest.raises(QueryError):
        clickhouse_type_for_value(value)
