"""ClickHouse grammar: hostile values and identifiers, and literals of every Python type.

Hostile strings (quotes, backslashes, semicolons, comment markers, NUL, control
characters, unicode, placeholder look-alikes) must round-trip exactly through every form
the grammar emits — server parameters, the driver's client-side substitution and inline
literals — and as identifiers they are quoted (or refused: NUL) and never change the
statement. Every literal must equal the server-side parameter of the same value on chDB.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from clickhouse_driver.util.escape import escape_params
from test_grammar import STYLES, Engine, grammar, open_engine

from clickorm import QueryBuilder
from clickorm.errors import QueryError
from clickorm.query.expressions import Col, Table, Value, func
from clickorm_clickhouse.codecs import clickhouse_type_for_value, encode_params
from clickorm_clickhouse.literals import InlineLiteral, literal, quote_bytes, quote_string

Q = QueryBuilder


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with open_engine([]) as opened:
        yield opened

HOSTILE = [
    "x'; DROP TABLE hv; --",
    "back\\slash",
    "\\'",
    "'",
    "''",
    '"double" \\"',
    "semi;colon;",
    "-- comment",
    "/* block */ */",
    "nul\x00byte",
    "\x00",
    "tab\tnew\nline\rcr",
    "\x07\x08\x0b\x0c\x1b\x7f",
    "unicode é 日本 🎉 \u202e",
    "%s %(p0)s %% %",
    "{p0:String}",
    "`backtick` \\`",
    "\\N",
    "\\0\\x41",
    "",
]
HOSTILE_BYTES = [b"\x00\xff\xfe'\\", b"\x80abc\x00", bytes(range(256))]


def hex_of(value: str | bytes) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return data.hex().upper()


# -- hostile values ---------------------------------------------------------------------------
@pytest.mark.parametrize("style", STYLES)
def test_hostile_values_round_trip_as_expressions(engine: Engine, style: str) -> None:
    g = grammar(style)
    values: list[str | bytes] = [*HOSTILE, *HOSTILE_BYTES]
    for value in values:
        compiled = g.compile(Q().select(func.hex(value).label("h")).state)
        assert engine.execute(style, compiled) == [(hex_of(value),)], (style, value)


@pytest.mark.parametrize("style", STYLES)
def test_hostile_values_round_trip_through_a_table(engine: Engine, style: str) -> None:
    g = grammar(style)
    engine.run("DROP TABLE IF EXISTS hv")
    engine.run("CREATE TABLE hv (id UInt32, s String) ENGINE = MergeTree ORDER BY id")
    rows = [{"id": i, "s": v} for i, v in enumerate(HOSTILE)]
    engine.execute(style, g.compile(Q("hv").insert_sql(rows).state))
    stored = engine.run("SELECT id, hex(s) FROM hv ORDER BY id")
    assert stored == [(str(i), hex_of(v)) for i, v in enumerate(HOSTILE)]
    for i, value in enumerate(HOSTILE):
        found = engine.execute(style, g.compile(Q("hv").select("id").where("s", value).state))
        assert found == [(str(i),)], (style, value)
        like = g.compile(Q("hv").select("id").where("s", "like", value).state)
        assert (str(i),) in engine.execute(style, like), (style, value)
        updated = g.compile(Q("hv").where("id", i).update({"s": value + "!"}, dry=True).state)
        engine.execute(style, updated)
    assert engine.run("SELECT id, hex(s) FROM hv ORDER BY id") == [
        (str(i), hex_of(v + "!")) for i, v in enumerate(HOSTILE)]


def test_inline_literals_escape_and_never_hold_raw_control_characters() -> None:
    text = quote_string("a'b\\c\x00d\ne\tf")
    assert text == "'a\\'b\\\\c\\0d\\ne\\tf'"
    assert quote_bytes(b"\x00\xff'\\a") == "'\\x00\\xFF\\'\\\\a'"
    for value in HOSTILE:
        sql = grammar("inline").compile(Q("t").where("s", value).state).sql
        assert "\x00" not in sql and "\n" not in sql
        assert sql.count("'") - sql.count("\\'") == 2  # exactly one string literal


# -- hostile identifiers ----------------------------------------------------------------------
HOSTILE_NAMES = [
    "we`ird", "back\\slash", "semi;colon", "sp ace", "quote'\"", "-- c", "/* c */",
    "ünï 日本", "%(p0)s", "%", "{p0:String}", "new\nline", "x`) FROM hid; DROP TABLE hid; --",
    "`", "\\", "dot.ted", "comma, name", "a as b",
]


def create_hostile_table(engine: Engine, table: str) -> None:
    g = grammar("inline")
    cols = ", ".join(f"{g.quote(n)} String" for n in HOSTILE_NAMES)
    engine.run(f"DROP TABLE IF EXISTS {g.quote(table)}")
    engine.run(f"CREATE TABLE {g.quote(table)} (id UInt32, {cols}) ENGINE = MergeTree ORDER BY id")


@pytest.mark.parametrize("style", STYLES)
def test_hostile_identifiers_are_quoted_and_never_change_the_statement(
    engine: Engine, style: str
) -> None:
    g = grammar(style)
    table = "hid `weird`; DROP TABLE hid"
    create_hostile_table(engine, table)
    names = engine.run(f"SELECT hex(name) FROM system.columns WHERE database = currentDatabase()"
                       f" AND table = {quote_string(table)} ORDER BY position")
    assert names == [(hex_of(n),) for n in ["id", *HOSTILE_NAMES]]

    row = {"id": 1, **{n: f"v{i}" for i, n in enumerate(HOSTILE_NAMES)}}
    # Table(...) and Col(...) take the names verbatim (the string surfaces parse "a.b")
    insert = Q().table(Table(table)).insert_sql(row)
    engine.execute(style, g.compile(insert.state))
    for i, name in enumerate(HOSTILE_NAMES):
        q = Q().table(Table(table)).select(Col(name).label(name + "!")).where(Col(name) == f"v{i}")
        assert engine.execute(style, g.compile(q.state)) == [(f"v{i}",)], name
        grouped = (Q().table(Table(table)).select(Col(name), func.count().label("n"))
                   .group_by(Col(name)).order_by(Col(name)))
        assert engine.execute(style, g.compile(grouped.state)) == [(f"v{i}", "1")]
    update = Q().table(Table(table)).update({HOSTILE_NAMES[0]: "u"}, dry=True)
    engine.execute(style, g.compile(update.state))
    count = Q().table(Table(table)).select(func.count()).where(Col(HOSTILE_NAMES[0]) == "u")
    assert engine.execute(style, g.compile(count.state)) == [("1",)]


@pytest.mark.parametrize("style", STYLES)
def test_nul_in_an_identifier_is_refused(style: str) -> None:
    g = grammar(style)
    for q in (Q("t").select(Col("a\x00b")), Q().table(Table("t\x00")),
              Q("t").select(Col("a").label("x\x00")), Q("t").where(Col("a\x00") == 1),
              Q("t").insert_sql({"a\x00": 1}), Q("t").where("id", 1).update({"a\x00": 1}, dry=True)):
        with pytest.raises(QueryError, match="NUL"):
            g.compile(q.state)


def test_identifier_quoting() -> None:
    g = grammar("inline")
    assert g.quote("we`ird") == "`we\\`ird`"
    assert g.quote("back\\slash") == "`back\\\\slash`"
    assert g.quote_table("db.events") == "`db`.`events`"
    assert grammar("pyformat").quote("100%") == "`100%%`"  # the driver's '%' marker
    assert grammar("server").quote("100%") == "`100%`"


# -- literals of every type -------------------------------------------------------------------
class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


UTC2 = dt.timezone(dt.timedelta(hours=2))
U = uuid.UUID("12345678-1234-5678-1234-567812345678")

#: value -> its literal on a current server
LITERALS: list[tuple[Any, str]] = [
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (-1, "-1"),
    (2**64 - 1, "18446744073709551615"),
    (-(2**63), "-9223372036854775808"),
    (2**64, "toInt128('18446744073709551616')"),
    (-(2**100), "toInt128('-1267650600228229401496703205376')"),
    (2**200, f"toInt256('{2**200}')"),
    (1.5, "1.5"),
    (-0.001, "-0.001"),
    (1e300, "1e+300"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    ("it's", "'it\\'s'"),
    (b"\x00\xff", "'\\x00\\xFF'"),
    (decimal.Decimal("1.50"), "CAST('1.50' AS Decimal(3, 2))"),
    (decimal.Decimal("-12345678901234567890.123456789"),
     "CAST('-12345678901234567890.123456789' AS Decimal(29, 9))"),
    (decimal.Decimal("1E+3"), "CAST('1000' AS Decimal(4, 0))"),
    (decimal.Decimal("0.001"), "CAST('0.001' AS Decimal(3, 3))"),
    (dt.date(2024, 2, 29), "toDate('2024-02-29')"),
    (dt.date(1900, 1, 1), "toDate32('1900-01-01')"),
    (dt.datetime(2024, 2, 29, 13, 45, 7), "toDateTime('2024-02-29 13:45:07')"),
    (dt.datetime(2024, 2, 29, 13, 45, 7, 5), "toDateTime64('2024-02-29 13:45:07.000005', 6)"),
    (dt.datetime(2024, 2, 29, 13, 45, 7, tzinfo=UTC2),
     "toDateTime('2024-02-29 11:45:07', 'UTC')"),
    (dt.datetime(2024, 2, 29, 13, 45, 7, 250000, tzinfo=dt.UTC),
     "toDateTime64('2024-02-29 13:45:07.250000', 6, 'UTC')"),
    (dt.datetime(2200, 1, 1), "toDateTime64('2200-01-01 00:00:00.000000', 6)"),
    (dt.time(1, 2, 3), "'01:02:03'"),
    (U, "toUUID('12345678-1234-5678-1234-567812345678')"),
    (ipaddress.IPv4Address("10.1.2.3"), "toIPv4('10.1.2.3')"),
    (ipaddress.IPv6Address("2001:db8::1"), "toIPv6('2001:db8::1')"),
    (Color.RED, "'red'"),
    (Level.HIGH, "3"),
    ([1, 2], "[1, 2]"),
    (["a", None], "['a', NULL]"),
    ([[1], [2, 3]], "[[1], [2, 3]]"),
    ((1, "a"), "(1, 'a')"),
    ((1,), "tuple(1)"),
    ({"a": 1, "b'": 2}, "map('a', 1, 'b\\'', 2)"),
    ({"k": [1, 2]}, "map('k', [1, 2])"),
]


@pytest.mark.parametrize(("value", "sql"), LITERALS, ids=[repr(v)[:40] for v, _ in LITERALS])
def test_literal_text(value: Any, sql: str) -> None:
    assert literal(value) == sql
    assert grammar("inline").literal(value) == sql


@pytest.mark.parametrize(("value", "sql"), LITERALS, ids=[repr(v)[:40] for v, _ in LITERALS])
def test_literal_equals_its_server_parameter_on_chdb(engine: Engine, value: Any, sql: str) -> None:
    """The inline literal, the driver-substituted literal and the typed server parameter
    are the same value on the engine."""
    adapted = escape_params({"p": grammar("pyformat").adapt(value)}, None)["p"]
    assert str(adapted) == sql  # what the driver splices for %(p)s
    ptype = clickhouse_type_for_value(value)
    params = encode_params({"p": value})
    got = engine.run(f"SELECT {sql} = {{p:{ptype}}}, toString({sql}) = toString({{p:{ptype}}})",
                     params)
    assert got == [("1", "1")], (value, sql, ptype)


def test_special_values_on_chdb(engine: Engine) -> None:
    assert engine.run(f"SELECT isNaN({literal(float('nan'))}), isNull({literal(None)})") == [
        ("1", "1")]
    assert engine.run("SELECT toTypeName(" + literal([]) + ")") == [("Array(Nothing)",)]
    assert engine.run("SELECT toTypeName(" + literal(()) + ")") == [("Tuple()",)]


def test_literals_for_old_servers() -> None:
    old = (18, 16, 1)
    assert literal(True, old) == "1" and literal([True, False], old) == "[1, 0]"
    assert literal(ipaddress.IPv4Address("1.2.3.4"), old) == "'1.2.3.4'"
    assert literal(dt.datetime(2024, 1, 2, 3, 4, 5, 6), old) == "toDateTime('2024-01-02 03:04:05')"
    assert literal(dt.date(1900, 1, 1), old) == "toDate('1900-01-01')"
    for value, feature in ((2**64, "20.8"), ({"a": 1}, "21.1"),
                           (decimal.Decimal("1" * 40), "20.8")):
        with pytest.raises(QueryError, match=rf"needs ClickHouse {feature} or newer.*18\.16\.1"):
            literal(value, old)
    assert literal(True, (21, 12)) == "true" and literal(True, (21, 11, 9)) == "0" * 0 + "1"


def test_unsupported_and_out_of_range_values_are_refused() -> None:
    for value in (object(), decimal.Decimal("NaN"), 2**256, decimal.Decimal("1" * 77)):
        with pytest.raises(QueryError):
            literal(value)


def test_pyformat_hands_the_driver_exact_literals() -> None:
    """clickhouse-driver splices ``str(param)`` for types it does not escape; the grammar
    gives it InlineLiteral so bytes, bools, Decimals and microseconds survive."""
    g = grammar("pyformat")
    state = Q("t").where("b", b"\x00'").where("f", True).where("d", decimal.Decimal("0.1"))\
        .where("ts", dt.datetime(2024, 1, 1, 0, 0, 0, 1)).where("n", 2**70).where("s", "x")\
        .where("c", Color.RED).where("i", 7).where("x", 1.5).state
    sql, params = g.compile(state)
    assert params == {
        "p0": InlineLiteral("'\\x00\\''"), "p1": InlineLiteral("true"),
        "p2": InlineLiteral("CAST('0.1' AS Decimal(1, 1))"),
        "p3": InlineLiteral("toDateTime64('2024-01-01 00:00:00.000001', 6)"),
        "p4": InlineLiteral(f"toInt128('{2**70}')"), "p5": "x", "p6": InlineLiteral("'red'"),
        "p7": 7, "p8": 1.5,
    }
    assert sql % escape_params(params, None) == grammar("inline").compile(state).sql


def test_server_parameters_keep_python_values() -> None:
    g = grammar("server")
    sql, params = g.compile(Q("t").where("c", Color.RED).where("u", U).where("b", b"\xff")
                            .where("v", Value(dt.date(2024, 1, 1))).state)
    assert sql == ("SELECT * FROM `t` WHERE `c` = {p0:String} AND `u` = {p1:UUID}"
                   " AND `b` = {p2:String} AND `v` = {p3:Date}")
    assert params == {"p0": "red", "p1": U, "p2": b"\xff", "p3": dt.date(2024, 1, 1)}
