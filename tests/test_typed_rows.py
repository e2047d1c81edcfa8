"""Typed result rows (rows, dicts, scalars, as_) and columnar results (Arrow, pandas,
Polars) on SQLite, where values come back in storage forms and the ORM types them by the
model's fields. The same queries on chDB and ClickHouse 18.16 are in the ClickHouse
plugin's test_columnar_results.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Annotated

import pyarrow as pa
import pydantic
import pytest

from clickorm import Collection, Column, Model, QueryBuilder, func, raw, types
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError, ValidationError


class View(Model):
    id: int = Column(primary_key=True)
    path: Annotated[str, types.LowCardinality]
    user_id: Annotated[int, types.UInt64]
    day: dt.date
    at: dt.datetime
    fare: Annotated[decimal.Decimal, types.Decimal(8, 3)]
    done: bool
    note: str | None = None

    class Meta:
        table_name = "views"


class TopPage(pydantic.BaseModel):
    path: str
    views: int


@dataclasses.dataclass
class DayCount:
    day: dt.date
    views: int


BIG = 2**63 - 1  # SQLite stores at most this; the type is still unsigned


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    View.create_table()
    View.insert_many([
        View(path="/", user_id=BIG, day=dt.date(2024, 3, 1), at=dt.datetime(2024, 3, 1, 10),
             fare=decimal.Decimal("2.125"), done=True),
        View(path="/", user_id=2, day=dt.date(2024, 3, 2), at=dt.datetime(2024, 3, 2, 11),
             fare=decimal.Decimal("1.000"), done=False, note="x"),
        View(path="/docs", user_id=3, day=dt.date(2024, 3, 2), at=dt.datetime(2024, 3, 2, 12),
             fare=decimal.Decimal("0.100"), done=True),
    ])
    yield conn
    reset_managers()


def top_pages() -> QueryBuilder[View]:
    return View.select("path", func.count().label("views")).group_by("path").order_by("path")


def test_rows_are_tuples_decoded_as_the_fields(db: BaseConnection) -> None:
    assert View.select("day", "done", "fare").order_by("id").rows() == [
        (dt.date(2024, 3, 1), True, decimal.Decimal("2.125")),
        (dt.date(2024, 3, 2), False, decimal.Decimal("1.000")),
        (dt.date(2024, 3, 2), True, decimal.Decimal("0.100")),
    ]
    assert top_pages().rows() == [("/", 2), ("/docs", 1)]


def test_dicts_are_keyed_by_column_or_alias(db: BaseConnection) -> None:
    assert top_pages().dicts() == [{"path": "/", "views": 2}, {"path": "/docs", "views": 1}]
    assert View.select("day as d").where("id", 1).dicts() == [{"d": dt.date(2024, 3, 1)}]


def test_dicts_refuse_two_columns_of_one_name(db: BaseConnection) -> None:
    with pytest.raises(QueryError, match="two columns named 'id'"):
        View.query.join("views as v2", "views.id", "=", "v2.id").dicts()


def test_dict_rows_refuse_two_columns_of_one_name(db: BaseConnection) -> None:
    # SQLite names both tables' id just "id": a dict row would keep the joined table's
    # value as this table's id, on every terminal that reads dict rows
    db.execute("CREATE TABLE visits (id INTEGER PRIMARY KEY, view_id INTEGER)")
    db.execute("INSERT INTO visits VALUES (10, 1)")
    joined = QueryBuilder("views", connection=db).join("visits", "views.id", "=",
                                                       "visits.view_id")
    for read in (joined.get, joined.first, lambda: list(joined.iter()),
                 lambda: list(joined.chunk(2)),
                 lambda: joined.order_by("views.id").paginate(2).items):
        with pytest.raises(QueryError, match="two columns named 'id'"):
            read()
    picked = joined.select("views.id", "visits.id as visit_id").order_by("views.id").first()
    assert picked == {"id": 1, "visit_id": 10}


def test_scalars_read_the_one_selected_column(db: BaseConnection) -> None:
    assert View.select("day").order_by("id").scalars() == [
        dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 2)]
    with pytest.raises(QueryError, match="scalars\\(\\) reads one column; the query selects 2"):
        top_pages().scalars()


def test_as_reads_rows_into_a_pydantic_model_or_a_dataclass(db: BaseConnection) -> None:
    pages = top_pages().as_(TopPage)
    assert pages == [TopPage(path="/", views=2), TopPage(path="/docs", views=1)]
    days = (View.select("day", func.count().label("views")).group_by("day").order_by("day")
            .as_(DayCount))
    assert days == [DayCount(dt.date(2024, 3, 1), 1), DayCount(dt.date(2024, 3, 2), 2)]


def test_as_names_the_row_and_field_that_do_not_fit_never_the_value(
        db: BaseConnection) -> None:
    class Wrong(pydantic.BaseModel):
        path: int
        views: int

    with pytest.raises(ValidationError) as err:
        top_pages().as_(Wrong)
    text = str(err.value)
    assert "Row 0 of the result does not fit Wrong: path:" in text
    assert "'/'" not in text and err.value.__cause__ is None


def test_as_refuses_what_is_not_a_model_or_dataclass(db: BaseConnection) -> None:
    with pytest.raises(QueryError, match="Pydantic model or a dataclass"):
        top_pages().as_(dict)


def test_computed_columns_of_a_model_query_are_in_its_dump_and_repr(
        db: BaseConnection) -> None:
    first = top_pages().first()
    assert first is not None
    assert first.model_dump() == {"path": "/", "views": 2}
    assert repr(first) == "View(path='/', views=2)"
    assert first.model_dump(exclude={"views"}) == {"path": "/"}
    assert first.model_dump_json() == '{"path":"/","views":2}'
    assert top_pages().get().to_dicts() == [{"path": "/", "views": 2},
                                             {"path": "/docs", "views": 1}]


def test_to_arrow_types_columns_by_the_models_fields(db: BaseConnection) -> None:
    table = View.select("id", "path", "user_id", "day", "at", "fare", "done", "note") \
        .order_by("id").to_arrow()
    assert table.schema.field("user_id").type == pa.uint64()
    assert table.schema.field("day").type == pa.date32()
    assert table.schema.field("at").type == pa.timestamp("s")
    assert table.schema.field("fare").type == pa.decimal128(8, 3)
    assert table.schema.field("done").type == pa.bool_()
    assert pa.types.is_dictionary(table.schema.field("path").type)
    assert table.column("user_id").to_pylist()[0] == BIG
    assert table.column("note").to_pylist() == [None, "x", None]
    # a computed column is inferred from its values
    assert top_pages().to_arrow().to_pylist() == [{"path": "/", "views": 2},
                                                   {"path": "/docs", "views": 1}]


def test_to_pandas_and_to_polars_keep_the_types(db: BaseConnection) -> None:
    frame = View.select("user_id", "fare").order_by("id").to_pandas()
    assert str(frame["user_id"].dtype) == "uint64" and int(frame["user_id"][0]) == BIG
    polars = View.select("user_id", "day").order_by("id").to_polars()
    assert str(polars["user_id"].dtype) == "UInt64"
    assert polars["day"].to_list()[0] == dt.date(2024, 3, 1)


def test_pandas_integer_columns_with_nulls_stay_integers(db: BaseConnection) -> None:
    frame = QueryBuilder("views").select(
        raw("CASE WHEN id = 2 THEN NULL ELSE id END AS n")).order_by("id").to_pandas()
    assert str(frame["n"].dtype) == "Int64" and frame["n"].tolist()[0] == 1


def test_arrow_batches_stream_the_result(db: BaseConnection) -> None:
    batches = list(View.select("id", "day").order_by("id").arrow_batches(batch_size=2))
    assert [b.num_rows for b in batches] == [2, 1]
    assert batches[0].schema.field("day").type == pa.date32()
    with pytest.raises(QueryError, match="positive batch_size"):
        list(View.query.arrow_batches(batch_size=0))


def test_without_a_model_the_driver_values_are_inferred(db: BaseConnection) -> None:
    assert QueryBuilder("views").select("id").order_by("id").to_arrow().column(0).to_pylist() \
        == [1, 2, 3]
    assert QueryBuilder("views").select("id").order_by("id").rows() == [(1,), (2,), (3,)]


def test_a_missing_optional_dependency_names_the_extra(
        db: BaseConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from clickorm.errors import ClickORMError
    monkeypatch.setitem(sys.modules, "polars", None)  # an import of it fails
    with pytest.raises(ClickORMError, match=r"pip install 'clickorm\[polars\]'"):
        View.query.to_polars()


def test_stream_blocks_are_regrouped_into_exact_chunks() -> None:
    from clickorm.connection.base import ColumnarRows
    from clickorm.model.execution import regrouped

    def block(lo: int, hi: int) -> ColumnarRows:
        return ColumnarRows([list(range(lo, hi)), [str(i) for i in range(lo, hi)]])

    blocks = [block(0, 3), block(3, 4), block(4, 8)]
    for size in (1, 2, 3, 5, 8, 20):
        parts = list(regrouped(iter(blocks), size))
        assert [len(p) for p in parts][:-1] == [size] * (len(parts) - 1), size
        assert [row for p in parts for row in p] == [(i, str(i)) for i in range(8)], size
        assert all(type(p) is ColumnarRows for p in parts)
    assert list(regrouped(iter([[(1,), (2,)], [(3,)]]), 2)) == [[(1,), (2,)], [(3,)]]


def test_a_collections_frame_keeps_large_integers_beside_none(db: BaseConnection) -> None:
    # Collection.to_pandas() built the frame from dicts: an int column holding None
    # became float64, so 2**62 + 1 read 4.611686018427388e+18
    rows = Collection([{"n": 2**62 + 1, "s": "a"}, {"n": None, "s": "b"}])
    frame = rows.to_pandas()
    assert frame["n"].tolist()[0] == 2**62 + 1 and str(frame["n"].dtype) == "Int64"
    mixed = Collection([{"v": 1}, {"v": "x"}, {"v": 2**62 + 1}]).to_pandas()
    assert mixed["v"].tolist() == [1, "x", 2**62 + 1]
    with pytest.raises(QueryError, match="several types"):
        Collection([{"v": 1}, {"v": "Zq9val"}]).to_arrow()  # was pyarrow's own error


def test_a_mixed_sqlite_column_is_refused_by_arrow_without_its_value(db: BaseConnection
                                                                     ) -> None:
    # pyarrow's ArrowInvalid (not a ClickORMError) quoted the value; arrow_batches gave
    # an int64 batch, then a string one
    from clickorm.errors import ClickORMError

    db.execute("CREATE TABLE loose (id INTEGER, v)")
    db.execute("INSERT INTO loose VALUES (1, 5), (2, 'Zq9val')")
    loose = QueryBuilder("loose", connection=db).order_by("id")
    for read in (loose.to_arrow, loose.to_pandas,
                 lambda: list(loose.arrow_batches(batch_size=1))):
        with pytest.raises(ClickORMError, match="'v'") as err:
            read()
        assert "Zq9val" not in str(err.value) and err.value.__cause__ is None
