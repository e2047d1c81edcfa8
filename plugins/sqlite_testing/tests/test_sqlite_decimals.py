"""SQLite's Decimal columns: text compared by the ``clickorm_decimal`` collation and
summed by the exact ``sum`` the connection registers (the cross-engine answers are in
plugins/clickhouse/tests/test_decimal_semantics.py). These pin what only SQLite has:
raw SQL on the column, the collation surviving a table rebuild, and the float operand."""

from __future__ import annotations

import decimal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest

from clickorm import Column, Model, types
from clickorm.config_types import ConnectionConfig
from clickorm.model.session import Session
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema import Schema
from clickorm_sqlite import decimals

D = decimal.Decimal


class Ledger(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    amount: Annotated[D | None, types.Decimal(10, 2)] = None


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[Any]:
    dialect = get_plugin_manager().get_dialect("sqlite")
    config = ConnectionConfig(name="decimals", dialect="sqlite", path=str(tmp_path / "d.db"))
    connection = dialect.connection_factory()(config, dialect)
    with Session(connection):
        Ledger.create_table()
        Ledger.insert_many([Ledger(id=1, amount=D("10.50")), Ledger(id=2, amount=D("3")),
                            Ledger(id=3, amount=D("-2.5")), Ledger(id=4)])
        yield connection
    connection.close()


def test_the_collation_orders_text_by_numeric_value() -> None:
    words = ["10.50", "3.00", "-2.5", "-10", "0", "-0.00", "1E+1", "abc", "9.999"]
    assert sorted(words, key=lambda w: decimals._key(w)) == [
        "-10", "-2.5", "0", "-0.00", "3.00", "9.999", "1E+1", "10.50", "abc"]
    assert decimals.compare("1.10", "1.1") == 0 and decimals.compare("-0", "0.00") == 0
    assert decimals.compare("10.50", "3.00") == 1 and decimals.compare("-3", "-10") == 1
    # text that is not a number sorts after every number, and never raises
    assert decimals.compare("abc", "1") == 1 and decimals.compare("NaN", "abc") == -1


def test_exact_sum_keeps_sqlite_types_for_numbers_and_is_exact_for_decimal_text() -> None:
    db = sqlite3.connect(":memory:")
    decimals.register(db)

    def total(*values: Any) -> Any:
        db.execute("DROP TABLE IF EXISTS v")
        db.execute("CREATE TABLE v (x)")
        db.executemany("INSERT INTO v VALUES (?)", [(v,) for v in values])
        return db.execute("SELECT sum(x) FROM v").fetchone()[0]

    assert total() is None and total(None) is None
    assert (lambda r: (type(r), r))(total(1, 2, None)) == (int, 3)
    assert (lambda r: (type(r), r))(total(1, 0.5)) == (float, 1.5)
    assert total("99999999999999.9999", "0.0001") == "100000000000000.0000"  # floats: 1e14
    assert total("0.1", "0.2", 3) == "3.3"
    assert total(str(2**100), "1") == str(2**100 + 1)
    assert total("12abc", 1) == 13.0  # text that is no number: its leading number, a REAL
    with pytest.raises(sqlite3.OperationalError):
        total(2**62, 2**62)  # integer overflow, as SQLite's own sum
    # a window function too
    db.execute("DELETE FROM v")
    db.executemany("INSERT INTO v VALUES (?)", [("0.10",), ("0.20",), ("0.30",)])
    assert [r[0] for r in db.execute(
        "SELECT sum(x) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM v"
    )] == ["0.10", "0.30", "0.50"]


def test_raw_sql_on_a_decimal_column_compares_numbers(conn: Any) -> None:
    assert list(Ledger.where_raw('"amount" > 5').pluck("id")) == [1]
    assert list(Ledger.where_raw('"amount" > ?', [D("5")]).pluck("id")) == [1]
    assert list(Ledger.where_raw('"amount" BETWEEN ? AND ?', [-3, 4]).order_by("id")
                .pluck("id")) == [2, 3]
    assert conn.execute('SELECT max("amount"), min("amount") FROM "ledgers"').rows == [
        ("10.50", "-2.50")]
    # grouping and DISTINCT treat 3 and 3.00 as one value
    conn.execute('INSERT INTO "ledgers" VALUES (5, \'3\')')
    assert Ledger.distinct().count("amount") == 3
    assert Ledger.find(5).amount == D("3.00")  # type: ignore[union-attr]
    assert str(Ledger.find(5).amount) == "3.00"  # type: ignore[union-attr]


def test_a_float_operand_is_its_text_with_15_significant_digits(conn: Any) -> None:
    """Pinned difference: SQLite reads 0.1 + 0.2 as 0.3; ClickHouse compares in Float64
    (0.30000000000000004 != 0.30). Literal floats of up to 15 digits agree everywhere."""
    Ledger.insert_many([Ledger(id=6, amount=D("0.30"))])
    assert list(Ledger.where("amount", 0.1 + 0.2).pluck("id")) == [6]
    assert list(Ledger.where("amount", 0.3).pluck("id")) == [6]
    assert list(Ledger.where("amount", ">", 10.499).pluck("id")) == [1]


def test_a_rebuild_keeps_the_decimal_collation(conn: Any) -> None:
    schema = Schema(conn)
    table = schema.get_table("ledgers")
    assert str(table.columns["amount"].type.sql) == "TEXT COLLATE clickorm_decimal"  # type: ignore[attr-defined]
    assert "sqlite_unpreservable" not in table.options
    with schema.table("ledgers") as t:
        t.big_integer("id").change()  # a change SQLite can only make by a rebuild
    assert t.statements[0].startswith('CREATE TABLE "__clickorm_rebuild_ledgers"')
    assert list(Ledger.order_by("amount").pluck("id")) == [3, 2, 1, 4]
    assert list(Ledger.where("amount", ">", 5).pluck("id")) == [1]
