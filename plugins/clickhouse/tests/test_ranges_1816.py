"""Column-type ranges against the real ClickHouse 18.16 server.

The model refuses what no ClickHouse stores (dates before 1970, a UInt8 of 300, a third
decimal place in Decimal(5, 2)); the connection narrows Date and DateTime to what 18.16's
date table knows (up to 2105-12-31), refusing later values in writes and in filters,
where the server would read them as 1970-01-01 and match the wrong rows. Boundary values
round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest

from clickorm import types
from clickorm.errors import QueryError, ValidationError
from clickorm.model import Column, Model
from clickorm.model.persistence import writer_for
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Span(Model):
    id: Annotated[int, types.UInt32] = Column(primary_key=True, autoincrement=False)
    small: Annotated[int, types.UInt8] = 0
    tiny: Annotated[int, types.Int8] = 0
    wide: int = 0
    huge: Annotated[int, types.UInt64] = 0
    day: date = date(2000, 1, 1)
    at: datetime = datetime(2000, 1, 1)
    price: Annotated[Decimal, types.Decimal(5, 2)] = Decimal("0")

    class Meta:
        table_name = "spans"
        engine = MergeTree()
        order_by = ("id",)


LOW = dict(small=0, tiny=-128, wide=-(2**63), huge=0, day=date(1970, 1, 1),
           at=datetime(1970, 1, 1), price=Decimal("-999.99"))
HIGH = dict(small=255, tiny=127, wide=2**63 - 1, huge=2**64 - 1, day=date(2105, 12, 31),
            at=datetime(2105, 12, 31, 23, 59, 59), price=Decimal("999.99"))


@pytest.fixture()
def native(clickhouse_native: Any) -> Iterator[Any]:
    assert clickhouse_native.server_version[:2] == (18, 16)
    Span.create_table(connection=clickhouse_native)
    with Session(clickhouse_native):
        yield clickhouse_native


def test_boundary_values_round_trip(native: Any) -> None:
    Span.insert_many([Span(id=1, **LOW), Span(id=2, **HIGH)])
    low, high = Span.order_by("id").get()
    assert {k: getattr(low, k) for k in LOW} == LOW
    assert {k: getattr(high, k) for k in HIGH} == HIGH
    assert [s.id for s in Span.where("day", date(2105, 12, 31)).get()] == [2]
    assert [s.id for s in Span.where("at", ">", datetime(2105, 1, 1)).get()] == [2]


@pytest.mark.parametrize(("field", "value"), [
    ("day", date(1969, 12, 31)),
    ("day", date(1900, 1, 1)),
    ("day", date(2149, 6, 7)),
    ("at", datetime(1969, 12, 31, 23, 59, 59)),
    ("at", datetime(2106, 2, 7, 6, 28, 16)),
    ("small", 300),
    ("price", Decimal("1.005")),
    ("price", 12345.678),
])
def test_the_model_refuses_what_clickhouse_cannot_store(native: Any, field: str,
                                                         value: Any) -> None:
    with pytest.raises(ValidationError, match=f"Span.*{field}"):
        Span.create(id=1, **{field: value})
    with pytest.raises(ValidationError):
        Span.insert_many([{"id": 2}, {"id": 3, field: value}])
    assert Span.query.count() == 0


@pytest.mark.parametrize(("field", "value"), [
    ("day", date(2106, 1, 1)),
    ("day", date(2149, 6, 6)),
    ("at", datetime(2106, 1, 1)),
    ("at", datetime(2106, 2, 7, 6, 28, 15)),
])
def test_dates_after_2105_are_refused_on_this_server(native: Any, field: str,
                                                      value: Any) -> None:
    # in ClickHouse's range, so the model accepts them; 18.16 would misread them
    row = Span(id=1, **{field: value})
    with pytest.raises(ValidationError, match=rf"Span\.{field}.*2105-12-31.*18\.16") as caught:
        Span.insert_many([Span(id=2), row])
    assert str(value.year) not in str(caught.value)  # no value in the message
    assert Span.query.count() == 0
    with pytest.raises(ValidationError, match="2105-12-31"):
        Span.create(id=3, **{field: value})
    assert Span.query.count() == 0


def test_filters_on_dates_after_2105_are_refused(native: Any) -> None:
    Span.insert_many([Span(id=1, day=date(2000, 1, 1))])
    with pytest.raises(QueryError, match=r"bound date value is after 2105-12-31") as caught:
        Span.where("day", ">", date(2120, 1, 1)).get()
    assert "2120" not in str(caught.value)  # no bound value in the message
    with pytest.raises(QueryError, match="2105-12-31"):
        Span.where_in("day", [date(2000, 1, 1), date(2149, 1, 1)]).count()
    assert [s.id for s in Span.where("day", "<", date(2105, 12, 31)).get()] == [1]
    with pytest.raises(QueryError, match=r"Parameter d \(date\).*2105-12-31"):
        native.execute("SELECT count() FROM spans WHERE day > %(d)s", {"d": date(2120, 1, 1)})



def test_the_datetime_column_keeps_its_one_pass_conversion_on_this_server(native: Any) -> None:
    """The 2105 check runs on the whole converted column (its max), so a bulk insert on
    an old server still sends DateTime as epoch seconds from the one-pass loop, never a
    Python call per value; a late value in a large column is still refused."""
    rows = [Span(id=i, at=datetime(2000, 1, 1, 0, 0, i % 60)) for i in range(5_000)]
    fields, _, data = writer_for(native).columns(Span, rows)
    at = data[fields.index("at")]
    assert all(type(v) is int for v in at) and at[1] == 946684801
    rows[-1] = Span(id=9_999, at=datetime(2106, 1, 1))
    with pytest.raises(ValidationError, match=r"Span\.at.*2105-12-31") as caught:
        Span.insert_many(rows)
    assert "2106" not in str(caught.value)  # the type, never the value
    assert Span.query.count() == 0


def test_filters_a_datetime_column_cannot_hold_are_refused(native: Any) -> None:
    # 18.16 has no DateTime64/Date32: toDateTime() dropped the fraction and clamped 1960 to
    # 1970, toDate() clamped 1960 to 1970-01-01, so these filters matched the wrong rows
    Span.insert_many([Span(id=1, day=date(1970, 1, 1), at=datetime(2024, 1, 1, 7))])
    for query in (Span.where("at", datetime(2024, 1, 1, 7, 0, 0, 500_000)),
                  Span.where("at", ">=", datetime(2024, 1, 1, 7, 0, 0, 1)),
                  Span.where("at", "<", datetime(1960, 1, 1)),
                  Span.where("day", date(1960, 1, 1))):
        with pytest.raises(QueryError, match="cannot compare exactly") as caught:
            query.count()
        assert "1960" not in str(caught.value) and "2024" not in str(caught.value)
    assert Span.where("at", datetime(2024, 1, 1, 7)).count() == 1
    assert Span.where("day", date(1970, 1, 1)).count() == 1


def test_writes_of_a_fractional_datetime_keep_whole_seconds(native: Any) -> None:
    # a DateTime column holds whole seconds on every dialect; the mutation's value is
    # sent without its fraction (with it, it would be refused as a filter value is)
    span = Span.create(id=1, at=datetime(2024, 1, 1, 0, 0, 0, 5))
    span.at = datetime(2024, 1, 2, 0, 0, 0, 7)
    span.save()
    assert Span.find(1).at == datetime(2024, 1, 2)  # type: ignore[union-attr]
    Span.where("id", 1).update({"at": datetime(2024, 1, 3, 0, 0, 0, 7)})
    assert Span.find(1).at == datetime(2024, 1, 3)  # type: ignore[union-attr]
