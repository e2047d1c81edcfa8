"""Columnar results and typed rows read the same on SQLite, chDB and the 18.16 server:
``to_arrow()`` gives each model column its field's Arrow type (UInt64 unsigned, a
DateTime its zone, LowCardinality a dictionary), ``rows()``/``dicts()``/``as_()`` the
field's Python values; without a model ClickHouse columns follow their ClickHouse types."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pydantic
import pytest

from clickorm import Column, Model, QueryBuilder, func, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Hit(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    user: Annotated[int, types.UInt64]
    day: dt.date
    at: dt.datetime
    at_utc: Annotated[dt.datetime, types.DateTime("UTC")]
    flag: bool
    price: Annotated[decimal.Decimal, types.Decimal(10, 2)]
    uid: uuid.UUID
    maybe: int | None = None
    city: Annotated[str, types.LowCardinality]
    tags: list[str]

    class Meta:
        table_name = "columnar_hits"
        engine = MergeTree()
        order_by = ("id",)


TOKYO = ZoneInfo("Asia/Tokyo")
TOP = 2**63 - 1  # SQLite's INTEGER holds no more (ClickHouse-only test below goes higher)
ROWS = [
    Hit(id=1, user=TOP, day=dt.date(2024, 1, 2), at=dt.datetime(2024, 1, 2, 3, 4, 5),
        at_utc=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), flag=True,
        price=decimal.Decimal("1.25"), uid=uuid.UUID(int=1), city="Oslo", tags=["a"]),
    Hit(id=2, user=2, day=dt.date(2023, 5, 6), at=dt.datetime(2023, 5, 6, 7, 8, 9),
        at_utc=dt.datetime(2023, 5, 6, 7, 8, 9, tzinfo=dt.UTC), flag=False,
        price=decimal.Decimal("10.50"), uid=uuid.UUID(int=2), maybe=7, city="Bergen",
        tags=["b", "c"]),
    Hit(id=3, user=3, day=dt.date(2025, 9, 10), at=dt.datetime(2025, 9, 10, 11, 12, 13),
        at_utc=dt.datetime(2025, 9, 10, 11, 12, 13, tzinfo=dt.UTC), flag=True,
        price=decimal.Decimal("3.00"), uid=uuid.UUID(int=3), maybe=-2, city="Oslo", tags=[]),
]

SCHEMA = {
    "id": pa.int64(), "user": pa.uint64(), "day": pa.date32(), "at": pa.timestamp("s"),
    "at_utc": pa.timestamp("s", tz="UTC"), "flag": pa.bool_(), "price": pa.decimal128(10, 2),
    "uid": pa.string(), "maybe": pa.int64(), "city": pa.dictionary(pa.int32(), pa.string()),
    "tags": pa.list_(pa.string()),
}


@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    name, conn = engine_connection
    with Session(conn):
        Hit.drop_table(if_exists=True)
        Hit.create_table()
        Hit.insert_many([r.model_copy() for r in ROWS])
        yield name


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def test_to_arrow_types_each_column_as_its_field(engine: str) -> None:
    table = Hit.order_by("id").to_arrow()
    assert {f.name: f.type for f in table.schema} == SCHEMA, engine
    assert table.to_pylist() == [{k: _plain(v) for k, v in r.model_dump().items()}
                                 for r in ROWS]
    # without a DateTime beside it chDB's Arrow alone cannot tell a LowCardinality column
    city = Hit.select("id", "city").order_by("id").to_arrow().schema.field("city").type
    assert city == SCHEMA["city"], engine


def test_arrow_batches_stream_with_the_same_types(engine: str) -> None:
    batches = list(Hit.order_by("id").arrow_batches(batch_size=2))
    assert sum(b.num_rows for b in batches) == 3 and all(b.num_rows <= 2 for b in batches)
    assert {f.name: f.type for f in batches[0].schema} == SCHEMA, engine
    assert pa.Table.from_batches(batches).to_pylist() == Hit.order_by("id").to_arrow() \
        .to_pylist()


def test_pandas_and_polars_keep_unsigned_and_zones(engine: str) -> None:
    frame = Hit.select("user", "at_utc", "maybe").order_by("id").to_pandas()
    assert str(frame["user"].dtype) == "uint64" and int(frame["user"][0]) == TOP
    assert str(frame["at_utc"].dt.tz) == "UTC"
    assert str(frame["maybe"].dtype) == "Int64"  # NULLs keep an integer dtype
    polars = Hit.select("user", "city").order_by("id").to_polars()
    assert str(polars["user"].dtype) == "UInt64"
    assert polars["city"].to_list() == ["Oslo", "Bergen", "Oslo"]


class CityCount(pydantic.BaseModel):
    city: str
    hits: int
    last_day: dt.date


def test_typed_rows_read_the_same_on_every_engine(engine: str) -> None:
    q = (Hit.select("city", func.count().label("hits"), func.max(Hit.day).label("last_day"))
         .group_by("city").order_by("city"))
    assert q.as_(CityCount) == [CityCount(city="Bergen", hits=1, last_day=dt.date(2023, 5, 6)),
                                CityCount(city="Oslo", hits=2, last_day=dt.date(2025, 9, 10))]
    assert [(c, int(n)) for c, n, _ in q.rows()] == [("Bergen", 1), ("Oslo", 2)]
    assert Hit.select("flag").order_by("id").scalars() == [True, False, True]
    assert Hit.select("day", "price").where("id", 2).dicts() == [
        {"day": dt.date(2023, 5, 6), "price": decimal.Decimal("10.50")}]
    top = q.first()
    assert top is not None and top.model_dump()["city"] == "Bergen"
    assert top.model_dump()["hits"] == 1  # the computed column is part of the dump


def test_clickhouse_types_without_a_model(engine_connection: tuple[str, BaseConnection]
                                          ) -> None:
    name, conn = engine_connection
    if name == "sqlite":
        return  # ClickHouse's own types; SQLite's inferred ones are in tests/test_typed_rows.py
    table = conn.execute_arrow(
        "SELECT toUInt64(18446744073709551615) AS big, toDateTime('2024-01-01 00:00:00', "
        "'Asia/Tokyo') AS tokyo, toDateTime('2024-01-01 00:00:00') AS naive, "
        "CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS e, [toUInt8(1), 2] AS arr, "
        "toLowCardinality('z') AS lc, CAST(NULL AS Nullable(Int32)) AS n, "
        "toDecimal64(1.5, 3) AS d, toDate('2024-01-01') AS day")
    assert table.schema.field("big").type == pa.uint64()
    assert table.column("big").to_pylist() == [2**64 - 1]
    assert table.schema.field("tokyo").type == pa.timestamp("s", tz="Asia/Tokyo")
    assert table.column("tokyo").to_pylist() == [dt.datetime(2024, 1, 1, tzinfo=TOKYO)]
    assert table.schema.field("naive").type == pa.timestamp("s")
    assert table.column("naive").to_pylist() == [dt.datetime(2024, 1, 1)]
    assert table.column("e").to_pylist() == ["b"] and table.schema.field("e").type == pa.string()
    assert table.schema.field("arr").type == pa.list_(pa.uint8())
    assert pa.types.is_dictionary(table.schema.field("lc").type)
    assert table.column("n").to_pylist() == [None]
    assert table.schema.field("d").type == pa.decimal128(18, 3)
    assert table.column("day").to_pylist() == [dt.date(2024, 1, 1)]
    if name == "chdb":  # 18.16 has no Int128
        with pytest.raises(QueryError, match="Arrow has no Int128"):
            conn.execute_arrow("SELECT toInt128(1) AS wide")
    batches = list(conn.stream_arrow("SELECT number AS n FROM numbers(5)", batch_size=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    assert batches[0].schema.field("n").type == pa.uint64()


def test_totals_rows_come_with_the_arrow_result(engine_connection: tuple[str, BaseConnection]
                                                ) -> None:
    name, conn = engine_connection
    if name == "sqlite":
        return  # WITH TOTALS is ClickHouse's
    with Session(conn):
        Hit.drop_table(if_exists=True)
        Hit.create_table()
        Hit.insert_many([r.model_copy() for r in ROWS])
        q = Hit.select("city", func.count().label("hits")).group_by("city").with_totals() \
            .order_by("city")
        assert [r["hits"] for r in q.to_arrow().to_pylist()] == [1, 2, 3]
        assert QueryBuilder("columnar_hits", connection=conn).select("id").order_by("id") \
            .scalars() == [1, 2, 3]


def test_chunk_and_iter_read_every_row_once(engine: str) -> None:
    assert [len(c) for c in Hit.order_by("id").chunk(2)] == [2, 1]
    assert [h.id for h in Hit.order_by("id").iter(batch_size=2)] == [1, 2, 3]
    assert [h.user for c in Hit.order_by("id").chunk(1) for h in c] == [TOP, 2, 3]


def test_an_empty_result_keeps_its_columns_and_types(engine: str) -> None:
    # the native driver sends no columns for no rows: the header still types the table
    empty = Hit.where("id", 99)
    table = empty.to_arrow()
    assert table.num_rows == 0
    assert {f.name: f.type for f in table.schema} == SCHEMA, engine
    assert list(empty.to_pandas().columns) == list(SCHEMA)
    assert empty.to_polars().columns == list(SCHEMA)
    assert list(empty.arrow_batches()) == []


class Series(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    points: list[int | None]

    class Meta:
        table_name = "columnar_series"
        engine = MergeTree()
        order_by = ("id",)


def test_pandas_keeps_large_integers_in_arrays_with_nulls(
        engine_connection: tuple[str, BaseConnection]) -> None:
    # pyarrow turns a list<int64> cell holding a NULL into a float array: 2**62 + 1 would
    # read as 4611686018427387904.0; the frame holds the exact Python lists instead
    _, conn = engine_connection
    with Session(conn):
        Series.drop_table(if_exists=True)
        Series.create_table()
        Series.insert_many([Series(id=1, points=[2**62 + 1, None]), Series(id=2, points=[3])])
        frame = Series.query.order_by("id").to_pandas()
        assert frame["points"].tolist() == [[2**62 + 1, None], [3]]
        assert type(frame["points"][0][0]) is int
        assert Series.query.order_by("id").to_arrow().column("points").to_pylist() == [
            [2**62 + 1, None], [3]]


class Coded(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    code: Annotated[str, types.FixedString(3)]

    class Meta:
        table_name = "columnar_codes"
        engine = MergeTree()
        order_by = ("id",)


def test_a_fixed_string_reads_as_its_stored_bytes_in_arrow(
        engine_connection: tuple[str, BaseConnection]) -> None:
    # the native driver strips FixedString's NUL padding, which a fixed-size binary cannot
    # take (pyarrow raised ArrowInvalid); chDB's Arrow keeps it: both are the stored bytes
    name, conn = engine_connection
    with Session(conn):
        Coded.drop_table(if_exists=True)
        Coded.create_table()
        Coded.insert_many([Coded(id=1, code="ab"), Coded(id=2, code="abc")])
        q = Coded.query.order_by("id")
        assert q.select("code").scalars() == ["ab", "abc"]
        table = q.to_arrow()
        if name == "sqlite":  # stored as the text given: no padding to restore
            assert table.column("code").to_pylist() == ["ab", "abc"]
            return
        assert table.schema.field("code").type == pa.binary(3)
        assert table.column("code").to_pylist() == [b"ab\0", b"abc"]
        assert [b.column("code").to_pylist() for b in q.arrow_batches(batch_size=1)] == [
            [b"ab\0"], [b"abc"]]


class Tag(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    hit_id: int

    class Meta:
        table_name = "columnar_tags"
        engine = MergeTree()
        order_by = ("id",)


def test_a_joined_column_named_like_a_field_keeps_its_own_name_in_arrow(engine: str) -> None:
    # SQLite named both columns "id" (to_pylist() kept the tag's id under the hit's name),
    # 18.16 "<database>.columnar_tags.id": every dialect now names it as dicts() does
    Tag.drop_table(if_exists=True)
    Tag.create_table()
    Tag.insert_many([Tag(id=10, hit_id=1), Tag(id=11, hit_id=2)])
    q = Hit.join("columnar_tags", "columnar_hits.id", "=", "columnar_tags.hit_id") \
        .select("columnar_hits.id", "columnar_tags.id").order_by("columnar_tags.id")
    expected = [{"id": 1, "columnar_tags.id": 10}, {"id": 2, "columnar_tags.id": 11}]
    assert q.dicts() == expected
    assert q.to_arrow().to_pylist() == expected
    assert q.to_pandas().to_dict("records") == expected
    assert [r for b in q.arrow_batches(batch_size=1) for r in b.to_pylist()] == expected
