"""A Decimal column answers as a number on every engine: SQLite (which stores it as text)
compares, orders, aggregates and round-trips it as chDB and the 18.16 server do, with
negative values, values with fewer digits than the scale, zero and the precision's
limits, and with Decimal, int and float operands."""

from __future__ import annotations

import decimal
import operator
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest

from clickorm import Column, ConnectionManager, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree

D = decimal.Decimal


class Price(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    amount: Annotated[D | None, types.Decimal(10, 2)] = None
    big: Annotated[D, types.Decimal(18, 4)] = D(0)

    class Meta:
        table_name = "decimal_semantics"
        engine = MergeTree()
        order_by = ("id",)


#: id -> (amount, big): 10.50 sorts before 3.00 as text, '-' before digits, and the
#: precision's limits; big's sum (10**14) is not exact in a double
VALUES: dict[int, tuple[D | None, D]] = {
    1: (D("1.25"), D("99999999999999.9999")),
    2: (D("10.50"), D("0.0001")),
    3: (D("3"), D("-5")),  # fewer fractional digits than the scale
    4: (None, D("5")),
    5: (D("-2.5"), D("0")),
    6: (D("0"), D("0.1")),
    7: (D("-10.00"), D("-0.1")),
    8: (D("99999999.99"), D("-99999999999999.9999")),
    9: (D("-99999999.99"), D("99999999999999.9999")),
}

@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    """The table with VALUES on one engine, its connection the models' session."""
    name, conn = engine_connection
    with Session(conn):
        Price.create_table()
        Price.insert_many([Price(id=i, amount=a, big=b) for i, (a, b) in VALUES.items()])
        yield name


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
#: operands of each type; a float stands for its shortest decimal (all of these are exact)
OPERANDS = [D("5"), D("3.00"), D("-2.50"), D("0"), D("99999999.99"), 5, 3, 0, -3, 10,
            2.5, 3.0, -2.5, 0.0, 10.5]


def _ids(pred: Callable[[D], bool]) -> list[int]:
    return sorted(i for i, (a, _) in VALUES.items() if a is not None and pred(a))


@pytest.mark.parametrize("value", OPERANDS, ids=lambda v: f"{type(v).__name__}:{v}")
def test_comparisons_with_each_operand_type(engine: str, value: Any) -> None:
    if engine == "server" and isinstance(value, float):
        # 18.16 has no comparison of Decimal and Float64: an error, never a guess
        with pytest.raises(QueryError, match="Decimal"):
            Price.where("amount", ">", value).pluck("id")
        return
    ref = D(repr(value)) if isinstance(value, float) else D(value)
    for op, fn in OPS.items():
        got = Price.where("amount", op, value).order_by("id").pluck("id")
        assert list(got) == _ids(lambda a, fn=fn: fn(a, ref)), (op, value)


def test_order_by_ascending_and_descending_with_nulls_last(engine: str) -> None:
    present = sorted((a, i) for i, (a, _) in VALUES.items() if a is not None)
    asc = [i for _, i in present]
    assert list(Price.order_by("amount", "asc").order_by("id").pluck("id")) == asc + [4]
    desc = [i for _, i in sorted(present, key=lambda p: (-p[0], p[1]))]
    assert list(Price.order_by("amount", "desc").order_by("id").pluck("id")) == desc + [4]
    bigs = [i for _, i in sorted((b, i) for i, (_, b) in VALUES.items())]
    assert list(Price.order_by("big").order_by("id").pluck("id")) == bigs


def test_min_max_sum_avg_are_exact(engine: str) -> None:
    amounts = [a for a, _ in VALUES.values() if a is not None]
    assert (Price.query.min("amount"), Price.query.max("amount")) == (
        D("-99999999.99"), D("99999999.99"))
    assert str(Price.query.min("amount")) == "-99999999.99"
    total = Price.query.sum("amount")
    assert (type(total), str(total)) == (D, str(sum(amounts).quantize(D("0.01"))))
    assert Price.query.avg("amount") == sum(amounts) / len(amounts)
    # 99999999999999.9999 + 0.0001 + ...: a double cannot hold it, the engines must
    bigs = [b for _, b in VALUES.values()]
    assert str(Price.query.sum("big")) == str(sum(bigs).quantize(D("0.0001")))
    assert str(Price.where("id", "<=", 2).sum("big")) == "100000000000000.0000"
    assert Price.query.max("big") == D("99999999999999.9999")
    assert Price.query.min("big") == D("-99999999999999.9999")
    # grouped and limited aggregates read the same
    assert Price.order_by("id").limit(3).max("amount") == D("10.50")
    assert Price.where("amount", "<", 0).min("amount") == D("-99999999.99")


def test_between_and_in_with_mixed_operands(engine: str) -> None:
    assert list(Price.where_between("amount", -3, D("3.00")).order_by("id").pluck("id")) == \
        _ids(lambda a: D(-3) <= a <= 3)
    if engine != "server":  # 18.16 compares no Decimal with a Float64 (see above)
        assert list(Price.where_between("amount", 1.25, 10.5).order_by("id").pluck("id")) \
            == _ids(lambda a: D("1.25") <= a <= D("10.5"))
    assert list(Price.where_not_between("amount", 0, 10).order_by("id").pluck("id")) == \
        _ids(lambda a: not 0 <= a <= 10)
    wanted = [D("3.00"), 10.5, -10, D("0.00")]
    if engine == "server":
        # 18.16 refuses Decimal literals of another scale in IN (error 53), loudly
        with pytest.raises(QueryError, match="Type mismatch"):
            Price.where_in("amount", [D("3.00"), D("0.0")]).pluck("id")
        return
    assert list(Price.where_in("amount", wanted).order_by("id").pluck("id")) == [2, 3, 6, 7]
    assert list(Price.where_not_in("amount", wanted).order_by("id").pluck("id")) == \
        [1, 5, 8, 9]


def test_update_with_a_decimal_and_the_round_trip(engine: str) -> None:
    # every value reads back exactly, at the column's scale
    rows = {r.id: (r.amount, r.big) for r in Price.query.get()}
    assert rows == VALUES
    if engine != "server":  # 18.16's driver drops trailing zeros ('10.5' for 10.50)
        assert {i: (str(a) if a is not None else None, str(b)) for i, (a, b) in rows.items()} == {
            i: (str(a.quantize(D("0.01"))) if a is not None else None,
                str(b.quantize(D("0.0001"))))
            for i, (a, b) in VALUES.items()}
    if engine == "server":
        # 18.16 refuses a Decimal of another scale in a mutation (error 48), loudly
        with pytest.raises(QueryError, match="Decimal scales"):
            Price.where("amount", ">", D("5")).where("amount", "<", 100).update(
                {"amount": D("4.5")})
        return
    Price.where("amount", ">", D("5")).where("amount", "<", 100).update({"amount": D("4.5")})
    assert Price.find(2).amount == D("4.50")  # type: ignore[union-attr]
    assert list(Price.where("amount", ">", 4).order_by("id").pluck("id")) == [2, 8]
    assert list(Price.where("amount", D("4.50")).pluck("id")) == [2]
    assert Price.query.max("amount") == D("99999999.99")
    assert list(Price.where("amount", "<", 0).order_by("amount").pluck("amount")) == \
        [D("-99999999.99"), D("-10.00"), D("-2.50")]



class Wide(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    v: Annotated[D, types.Decimal(38, 10)] = D(0)

    class Meta:
        table_name = "decimal_semantics_wide"
        engine = MergeTree()
        order_by = ("id",)


@pytest.mark.parametrize("url", ["sqlite://", "clickhouse+embedded://"])
def test_a_wide_decimal_sum_and_avg_keep_every_digit(url: str) -> None:
    """A Decimal(38, 10) sum has more digits than decimal's default 28-digit context:
    it is exact (never an InvalidOperation), and the average keeps the fraction."""
    extra = {} if url == "sqlite://" else {"database": f"dec_{uuid.uuid4().hex[:8]}"}
    manager = ConnectionManager(url, **extra)
    conn = manager.connection()
    try:
        with Session(conn):
            Wide.create_table()
            Wide.insert_many([Wide(id=1, v=D("9999999999999999999999999999.1234567891")),
                              Wide(id=2, v=D("1.0000000001"))])
            assert Wide.query.sum("v") == D("10000000000000000000000000000.1234567892")
            assert Wide.query.avg("v") == D("5000000000000000000000000000.0617283946")
            assert Wide.query.max("v") == D("9999999999999999999999999999.1234567891")
    finally:
        if url != "sqlite://":
            conn.execute(f"DROP DATABASE IF EXISTS `{conn.database}`")  # type: ignore[attr-defined]
        manager.close()
