"""Errors never carry a bound value or a password, and never mangle the rest of the text."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from clickorm import QueryBuilder
from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse import CAPABILITIES, versions
from clickorm_clickhouse.embedded import EmbeddedConnection, connect
from clickorm_clickhouse.error_values import without_values
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_clickhouse.native_options import resolve

SECRET = "Zq9val"
VALUES = [f"{SECRET}'quote", f"{SECRET}\\back", f"{SECRET}\nline", f"{SECRET}", f"a'{SECRET}\\'\n"]


def rendered(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


@pytest.fixture(scope="module")
def chdb() -> Iterator[EmbeddedConnection]:
    c = connect(ConnectionConfig(name="vals", dialect="clickhouse", driver="embedded"),
                get_plugin_manager().get_dialect("clickhouse"))
    yield c
    c.close()


@pytest.mark.parametrize("value", VALUES)
def test_chdb_errors_name_the_parameter_not_its_value(chdb, value):
    for sql in ("SELECT toUInt8({p0:String})", "SELECT match('x', {p0:String} || '(')"):
        with pytest.raises(QueryError) as info:
            chdb.execute(sql, {"p0": value})
        text = rendered(info.value)
        assert SECRET not in str(info.value) and SECRET not in text.split("The above")[-1]
        assert "p0 (str)" in str(info.value)


@pytest.mark.parametrize("value", VALUES)
def test_server_errors_name_the_parameter_not_its_value(clickhouse_native, value):
    for sql in ("SELECT toUInt8(%(p0)s)", "SELECT match('x', concat(%(p0)s, '('))"):
        with pytest.raises(QueryError) as info:
            clickhouse_native.execute(sql, {"p0": value})
        assert SECRET not in str(info.value)
        assert "p0 (str)" in str(info.value)


def test_the_rest_of_the_message_is_never_mangled():
    message = "cannot compile re2: ann(, error: missing ): ann("
    assert without_values(message, {"p7": "ann("}) == (
        "cannot compile re2: <p7 (str)>, error: missing ): <p7 (str)>"
    )
    assert without_values("cannot parse 'ann'", {"p7": "ann"}) == "cannot parse <p7 (str)>"
    assert "cannot" in without_values("cannot do it", {"p7": "ann"})


def test_an_escaped_echo_of_a_value_is_recognised():
    message = "Cannot parse string 'it\\'s\\nhere' as UInt8"
    assert without_values(message, {"p0": "it's\nhere"}) == "Cannot parse string <p0 (str)> as UInt8"


def test_native_options_repr_masks_the_password():
    config = ConnectionConfig(name="n", dialect="clickhouse", driver="native", host="h",
                              user="u", password=SECRET)
    options = resolve(config)
    assert SECRET not in repr(options) and SECRET not in str(options)
    assert options.password == SECRET


def test_a_value_the_driver_cannot_encode_is_not_quoted_in_the_insert_error(clickhouse_native):
    table = "error_values_encode"
    clickhouse_native.execute(f"DROP TABLE IF EXISTS {table}")
    clickhouse_native.execute(
        f"CREATE TABLE {table} (id UInt32, n Int64, e Enum8('a' = 1)) ENGINE = Memory")
    try:
        for column, bad in (("n", f"{SECRET}'text"), ("n", 2**70), ("e", f"{SECRET}x")):
            with pytest.raises(QueryError) as info:
                clickhouse_native.insert_rows(table, ["id", column], [(1, bad)])
            assert SECRET not in str(info.value) and str(2**70) not in str(info.value)
            assert f"INSERT into {table}" in str(info.value)
        assert clickhouse_native.execute(f"SELECT count() FROM {table}").scalar() == 0
    finally:
        clickhouse_native.execute(f"DROP TABLE {table}")


@pytest.mark.parametrize("column", ["i Int64", "d Decimal(10, 2)", "e Enum8('a' = 1)",
                                    "u UUID", "t DateTime", "b UInt8"])
def test_chdb_insert_errors_never_quote_the_value(chdb, column):
    # pyarrow's and the encoders' messages quoted the value ("'Zq9val' (str) is not an
    # integer"), in the message and in the chained cause
    name = column.split()[0]
    chdb.execute(f"DROP TABLE IF EXISTS wrong_{name}")
    chdb.execute(f"CREATE TABLE wrong_{name} ({column}) ENGINE = Memory")
    for value in (*VALUES, 2**70):
        with pytest.raises(QueryError) as info:
            chdb.insert_rows(f"wrong_{name}", [name], [(value,)])
        text = rendered(info.value)
        assert SECRET not in text and str(2**70) not in text, text
        assert f"column {name!r}" in str(info.value)


@pytest.mark.parametrize(("value", "says"), [
    (2**64 + 12345, "beyond 64 bits (Int128) needs ClickHouse 20.8"),
    (-(2**300) - 12345, "(301 bits) does not fit"),
    (Decimal("12345678901234567890123456789012345678.5"), "39 digits (Decimal256) needs"),
    (Decimal("1" * 80), "80 digits does not fit"),
])
@pytest.mark.parametrize("style", ["pyformat", "server"])
def test_a_refused_literal_names_its_type_never_its_value(value: Any, says: str,
                                                          style: str) -> None:
    # pyformat: an 18.16 native connection's literals; server: chDB's typed parameters
    version = (18, 16, 1) if style == "pyformat" else None
    grammar = ClickHouseGrammar(paramstyle=style, server_version=version,
                                capabilities=versions.derive_capabilities(version, CAPABILITIES))
    if style == "server" and "needs" in says:
        return  # a current server has the type
    with pytest.raises(QueryError) as caught:
        grammar.compile(QueryBuilder("t").where("x", value)._state)
    assert "2345" not in str(caught.value) and "1111" not in str(caught.value)
    if style == "pyformat" or "fit" in says:
        assert says in str(caught.value)
