"""Every ClickHouse type through a model on chDB: create_table, insert_many, select, equal.

Also the model's ``Meta`` driving the DDL (engine objects and the seed's engine strings),
and the old-server spellings through a model on the real 18.16 server.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
from collections.abc import Iterator
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from clickorm import Column, ConnectionManager, Model, types
from clickorm.connection.manager import register_manager
from clickorm.errors import SchemaError
from clickorm_clickhouse.engines import ReplacingMergeTree

CONNECTION = "clickorm_ch_model_types"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module", autouse=True)
def chdb() -> Iterator[Any]:
    """The models' connection: chDB in a database of its own, registered by name."""
    database = f"types_{uuid.uuid4().hex[:10]}"
    manager = register_manager(
        CONNECTION, ConnectionManager("clickhouse+embedded://", database=database))
    conn = manager.connection()
    try:
        yield conn
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 300


class Point(BaseModel):
    x: float
    y: float


class Item(BaseModel):
    sku: str
    qty: int


class Doc(BaseModel):
    title: str
    tags: list[str]


class AllTypes(Model):
    id: int = Column(primary_key=True)
    i8: Annotated[int, types.Int8]
    i16: Annotated[int, types.Int16]
    i32: Annotated[int, types.Int32]
    i128: Annotated[int, types.Int128]
    i256: Annotated[int, types.Int256]
    u8: Annotated[int, types.UInt8]
    u16: Annotated[int, types.UInt16]
    u32: Annotated[int, types.UInt32]
    u64: Annotated[int, types.UInt64]
    u128: Annotated[int, types.UInt128]
    u256: Annotated[int, types.UInt256]
    f32: Annotated[float, types.Float32]
    f64: float
    dec: Annotated[decimal.Decimal, types.Decimal(20, 4)]
    flag: bool
    s: str
    fs: Annotated[str, types.FixedString(4)]
    uid: uuid.UUID
    d: dt.date
    d32: Annotated[dt.date, types.Date32]
    ts: dt.datetime
    ts_utc: Annotated[dt.datetime, types.DateTime("UTC")]
    ts64: Annotated[dt.datetime, types.DateTime64(6)]
    ts64_tz: Annotated[dt.datetime, types.DateTime64(3, "Europe/Berlin")]
    ip4: ipaddress.IPv4Address
    ip6: ipaddress.IPv6Address
    color: Annotated[Color, types.Enum8]
    level: Annotated[Level, types.Enum16]
    tags: list[str]
    scores: tuple[int, ...]
    maybe_tags: list[str | None]
    attrs: dict[str, int]
    pair: tuple[int, str]
    point: Annotated[Point, types.Tuple]
    items: Annotated[list[Item], types.Nested]
    maybe: int | None = None
    city: Annotated[str, types.LowCardinality]
    maybe_city: Annotated[str | None, types.LowCardinality] = None
    doc: Doc
    raw_json: dict  # type: ignore[type-arg]
    blob: bytes

    class Meta:
        table_name = "all_types"
        connection = CONNECTION
        order_by = ("id",)


ROWS = [
    dict(
        id=1, i8=-128, i16=-32768, i32=-(2**31), i128=-(2**127), i256=-(2**255), u8=255,
        u16=65535, u32=2**32 - 1, u64=2**64 - 1, u128=2**128 - 1, u256=2**256 - 1, f32=1.5,
        f64=3.141592653589793, dec=decimal.Decimal("1234567890123456.1234"), flag=True,
        s="héllo 'q' \\ \n\t", fs="abcd", uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        d=dt.date(2024, 2, 29), d32=dt.date(1900, 1, 1), ts=dt.datetime(2024, 1, 2, 3, 4, 5),
        ts_utc=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        ts64=dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
        ts64_tz=dt.datetime(2024, 6, 1, 12, 0, 0, 123000, tzinfo=BERLIN),
        ip4=ipaddress.IPv4Address("10.0.0.1"), ip6=ipaddress.IPv6Address("2001:db8::1"),
        color=Color.GREEN, level=Level.HIGH, tags=["a", "b"], scores=(3, 1, 2),
        maybe_tags=["x", None], attrs={"x": 1, "y": -2}, pair=(7, "seven"),
        point=Point(x=1.5, y=-2.5), items=[Item(sku="A", qty=2), Item(sku="B", qty=3)],
        maybe=None, city="Paris", maybe_city="Lyon", doc=Doc(title="t", tags=["x"]),
        raw_json={"k": [1, 2, {"z": "w"}], "n": "v"}, blob=b"\x00\xffbin",
    ),
    dict(
        id=2, i8=127, i16=32767, i32=2**31 - 1, i128=2**127 - 1, i256=2**255 - 1, u8=0, u16=0,
        u32=0, u64=0, u128=0, u256=0, f32=-0.25, f64=-1e300, dec=decimal.Decimal("-0.0001"),
        flag=False, s="", fs="xy", uid=uuid.UUID(int=0), d=dt.date(1970, 1, 1),
        d32=dt.date(2200, 12, 31), ts=dt.datetime(2000, 1, 1),
        ts_utc=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ts64=dt.datetime(1999, 12, 31, 23, 59, 59, 999999),
        ts64_tz=dt.datetime(2024, 1, 1, tzinfo=BERLIN),
        ip4=ipaddress.IPv4Address("255.255.255.255"), ip6=ipaddress.IPv6Address("::ffff:1.2.3.4"),
        color=Color.RED, level=Level.LOW, tags=[], scores=(), maybe_tags=[], attrs={},
        pair=(-1, ""), point=Point(x=0, y=0), items=[], maybe=42, city="", maybe_city=None,
        doc=Doc(title="", tags=[]), raw_json={}, blob=b"text",
    ),
]


def test_every_type_round_trips_through_a_model(chdb: Any) -> None:
    [ddl] = AllTypes.create_table(dry=True)
    assert ddl == (
        "CREATE TABLE IF NOT EXISTS `all_types` (`id` Int64, `i8` Int8, `i16` Int16, "
        "`i32` Int32, `i128` Int128, `i256` Int256, `u8` UInt8, `u16` UInt16, `u32` UInt32, "
        "`u64` UInt64, `u128` UInt128, `u256` UInt256, `f32` Float32, `f64` Float64, "
        "`dec` Decimal(20, 4), `flag` Bool, `s` String, `fs` FixedString(4), `uid` UUID, "
        "`d` Date, `d32` Date32, `ts` DateTime, `ts_utc` DateTime('UTC'), "
        "`ts64` DateTime64(6), `ts64_tz` DateTime64(3, 'Europe/Berlin'), `ip4` IPv4, "
        "`ip6` IPv6, `color` Enum8('red' = 1, 'green' = 2), "
        "`level` Enum16('LOW' = 1, 'HIGH' = 300), `tags` Array(String), "
        "`scores` Array(Int64), `maybe_tags` Array(Nullable(String)), "
        "`attrs` Map(String, Int64), `pair` Tuple(Int64, String), "
        "`point` Tuple(`x` Float64, `y` Float64), `items` Nested(`sku` String, `qty` Int64), "
        "`maybe` Nullable(Int64), `city` LowCardinality(String), "
        "`maybe_city` LowCardinality(Nullable(String)), `doc` JSON, `raw_json` JSON, "
        "`blob` String) ENGINE = MergeTree() ORDER BY `id` SETTINGS flatten_nested = 0"
    )
    assert AllTypes.create_table() == [ddl]
    written = [AllTypes(**row) for row in ROWS]
    AllTypes.insert_many(written)
    read = AllTypes.query.order_by("id").get().to_list()
    assert len(read) == len(written)
    for before, after in zip(written, read, strict=True):
        for name in AllTypes.model_fields:
            a, b = getattr(before, name), getattr(after, name)
            assert b == a, f"{name}: wrote {a!r}, read {b!r}"
            assert type(b) is type(a), f"{name}: wrote {type(a)}, read {type(b)}"
    # the JSON type stores paths, not nulls: a None member does not come back
    AllTypes.insert_many([AllTypes(**{**ROWS[1], "id": 3, "raw_json": {"a": 1, "n": None}})])
    assert AllTypes.query.where("id", 3).first().raw_json == {"a": 1}
    described = {r[0]: r[1] for r in chdb.execute("DESCRIBE TABLE all_types").rows}
    assert described["items"] == "Nested(sku String, qty Int64)"  # one column, not flattened


class Event(Model):
    id: int = Column(primary_key=True)
    user_id: Annotated[int, types.UInt64]
    kind: Annotated[str, types.LowCardinality]
    at: dt.datetime
    updated_at: dt.datetime
    url: str = Column(codec="ZSTD(3)", comment="the page")
    url_len: Annotated[int, types.UInt32] = Column(default=0, materialized="length(url)")

    class Meta:
        table_name = "events"
        connection = CONNECTION
        engine = ReplacingMergeTree(version="updated_at")
        order_by = ("kind", "id")
        partition_by = "toYYYYMM(at)"
        ttl = "at + INTERVAL 1 YEAR"
        settings = {"index_granularity": 1024}
        comment = "page events"


class Seed(Model):
    """The seed document's model: engine and order_by as strings."""

    id: int = Column(primary_key=True)
    name: str

    class Meta:
        table_name = "seed_users"
        connection = CONNECTION
        engine = "MergeTree()"
        order_by = "id"


def test_meta_drives_the_ddl(chdb: Any) -> None:
    assert Event.create_table() == [
        "CREATE TABLE IF NOT EXISTS `events` (`id` Int64, `user_id` UInt64, "
        "`kind` LowCardinality(String), `at` DateTime, `updated_at` DateTime, "
        "`url` String COMMENT 'the page' CODEC(ZSTD(3)), "
        "`url_len` UInt32 MATERIALIZED length(url)) ENGINE = ReplacingMergeTree(`updated_at`) "
        "PARTITION BY toYYYYMM(at) ORDER BY (`kind`, `id`) TTL at + INTERVAL 1 YEAR "
        "SETTINGS index_granularity = 1024 COMMENT 'page events'"
    ]
    assert Seed.create_table() == [
        "CREATE TABLE IF NOT EXISTS `seed_users` (`id` Int64, `name` String) "
        "ENGINE = MergeTree() ORDER BY `id`"
    ]
    table = chdb.platform.get_table(chdb, "events")
    assert table.options["engine"] == ReplacingMergeTree(version="updated_at")
    assert table.options["engine"].version == "updated_at"
    Seed.insert_many([Seed(id=2, name="b"), Seed(id=1, name="a")])
    assert [s.name for s in Seed.query.order_by("id").get()] == ["a", "b"]
    assert Seed.drop_table(if_exists=True) == ["DROP TABLE IF EXISTS `seed_users`"]
    assert not chdb.platform.has_table(chdb, "seed_users")


def test_unmappable_model_types_are_refused() -> None:
    class Bad(Model):
        id: int = Column(primary_key=True)
        tags: list[str] | None = None

        class Meta:
            table_name = "bad"
            connection = CONNECTION

    with pytest.raises(SchemaError, match="cannot store NULL in a Array"):
        Bad.create_table(dry=True)


# -- the old server: Bool as UInt8, JSON as text, enums and tuples through clickhouse-driver --
OLD = "clickorm_ch_model_types_1816"


class OldTypes(Model):
    id: int = Column(primary_key=True)
    flag: bool
    doc: Doc
    color: Annotated[Color, types.Enum8]
    level: Level
    tags: list[str]
    maybe: float | None = None
    city: Annotated[str, types.LowCardinality]

    class Meta:
        table_name = "old_types"
        connection = OLD
        order_by = "id"


def test_old_server_spellings_round_trip(clickhouse_server: Any, clickhouse_database: str) -> None:
    config = clickhouse_server.connection_config(name=OLD, database=clickhouse_database)
    manager = register_manager(OLD, ConnectionManager.from_config(config))
    try:
        conn = manager.connection()
        assert conn.server_version is not None and conn.server_version[:2] == (18, 16)
        assert OldTypes.create_table() == [
            "CREATE TABLE IF NOT EXISTS `old_types` (`id` Int64, `flag` UInt8, `doc` String, "
            "`color` Enum8('red' = 1, 'green' = 2), `level` Enum16('LOW' = 1, 'HIGH' = 300), "
            "`tags` Array(String), `maybe` Nullable(Float64), `city` LowCardinality(String)) "
            "ENGINE = MergeTree() ORDER BY `id`"
        ]
        written = [
            OldTypes(id=1, flag=True, doc=Doc(title="a", tags=["x"]), color=Color.GREEN,
                     level=Level.HIGH, tags=["p", "q"], maybe=0.5, city="Oslo"),
            OldTypes(id=2, flag=False, doc=Doc(title="", tags=[]), color=Color.RED,
                     level=Level.LOW, tags=[], city=""),
        ]
        OldTypes.insert_many(written)
        read = OldTypes.query.order_by("id").get().to_list()
        assert [r.model_dump() for r in read] == [w.model_dump() for w in written]
        assert [type(r.flag) for r in read] == [bool, bool]
        assert [type(r.doc) for r in read] == [Doc, Doc]
        # stored the old way: JSON text in a String column
        assert conn.execute("SELECT doc FROM old_types WHERE id = 1").rows == [
            ('{"title":"a","tags":["x"]}',)]
    finally:
        manager.close()
