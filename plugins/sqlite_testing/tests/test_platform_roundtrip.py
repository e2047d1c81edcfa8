"""A model with every supported type: create its table on SQLite, insert through the
connection with the platform's encoders, read back, decode, compare equal."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Optional

import pytest
from pydantic import AwareDatetime, BaseModel

from clickorm import types
from clickorm.config_types import ConnectionConfig
from clickorm.model.column import Column
from clickorm.model.model_ddl import create_table, drop_table
from clickorm.model.model_table import table_from_model
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema import Schema


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Point(BaseModel):
    x: float
    y: float


class Item(BaseModel):
    sku: str
    qty: Annotated[int, types.UInt16]
    added: dt.date


class Everything(BaseModel):
    __table_name__ = "everything"

    id: int = Column(primary_key=True)
    i8: Annotated[int, types.Int8]
    u32: Annotated[int, types.UInt32] = Column(index=True)
    i64: int
    i128: Annotated[int, types.Int128]
    u256: Annotated[int, types.UInt256]
    f32: Annotated[float, types.Float32]
    f64: float
    price: decimal.Decimal = Column(max_digits=10, decimal_places=2)
    amount: decimal.Decimal
    name: str = Column(unique=True)
    code: Annotated[str, types.FixedString(4)]
    city: Annotated[str, types.LowCardinality]
    blob: bytes
    flag: bool
    day: dt.date
    day32: Annotated[dt.date, types.Date32]
    at: dt.datetime
    at_ms: Annotated[dt.datetime, types.DateTime64(6, "UTC")]
    aware: AwareDatetime
    uid: uuid.UUID
    ip4: ipaddress.IPv4Address
    ip6: ipaddress.IPv6Address
    color: Color
    level: Annotated[Level, types.Enum8]
    tags: list[str]
    scores: tuple[int, ...]
    labels: set[str]
    attrs: dict[str, int]
    by_id: dict[int, uuid.UUID]
    pair: tuple[int, str]
    point: Annotated[Point, types.Tuple]
    items: Annotated[list[Item], types.Nested]
    doc: dict[str, Any]
    where: Point
    dates: dict[str, list[dt.date]]
    maybe: int | None = None
    maybe_city: Optional[Annotated[str, types.LowCardinality]] = None  # noqa: UP045
    maybe_tags: list[str | None] | None = None
    maybe_at: dt.datetime | None = None


FULL = Everything(
    id=1,
    i8=-128,
    u32=4_000_000_000,
    i64=-(2**63),
    i128=-(2**127),
    u256=2**256 - 1,
    f32=1.5,
    f64=-2.718281828459045,
    price=decimal.Decimal("12345678.90"),
    amount=decimal.Decimal("-0.0000000001"),
    name="Zoë O'Hara \"q\" ; --",
    code="AB12",
    city="Oslo",
    blob=b"\x00\xff binary \x10",
    flag=True,
    day=dt.date(2024, 2, 29),
    day32=dt.date(1900, 1, 1),
    at=dt.datetime(2024, 2, 29, 13, 45, 7, 123456),
    at_ms=dt.datetime(2024, 5, 6, 7, 8, 9, 654321, tzinfo=dt.UTC),
    aware=dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    ip4=ipaddress.IPv4Address("192.168.0.1"),
    ip6=ipaddress.IPv6Address("2001:db8::1"),
    color=Color.GREEN,
    level=Level.HIGH,
    tags=["a", "b", "ü"],
    scores=(3, 1, 2),
    labels={"x", "y"},
    attrs={"one": 1, "two": 2},
    by_id={7: uuid.UUID(int=7)},
    pair=(5, "five"),
    point=Point(x=1.25, y=-3.5),
    items=[Item(sku="s1", qty=2, added=dt.date(2024, 1, 2))],
    doc={"nested": {"list": [1, 2, None], "ok": True}},
    where=Point(x=0.0, y=0.5),
    dates={"holidays": [dt.date(2024, 12, 25), dt.date(2024, 12, 26)]},
    maybe=42,
    maybe_city="Rome",
    maybe_tags=["t", None],
    maybe_at=dt.datetime(1999, 12, 31, 23, 59, 59),
)
SPARSE = FULL.model_copy(
    update={"id": 2, "name": "sparse", "maybe": None, "maybe_city": None,
            "maybe_tags": None, "maybe_at": None, "tags": [], "attrs": {}, "labels": set(),
            "flag": False, "u32": 0}
)


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[Any]:
    dialect = get_plugin_manager().get_dialect("sqlite")
    config = ConnectionConfig(name="roundtrip", dialect="sqlite", path=str(tmp_path / "rt.db"))
    connection = dialect.connection_factory()(config, dialect)
    yield connection
    connection.close()


def test_every_type_round_trips(conn: Any) -> None:
    create_table(Everything, conn)
    table = table_from_model(Everything)
    platform = conn.platform
    names = list(table.columns)
    encoders = [platform.encoder(table.columns[n].full_type) for n in names]
    decoders = [platform.decoder(table.columns[n].full_type) for n in names]
    placeholders = ", ".join("?" * len(names))
    for model in (FULL, SPARSE):
        values = [getattr(model, n) for n in names]
        row = [enc(v) if enc else v for enc, v in zip(encoders, values, strict=True)]
        conn.execute(f'INSERT INTO "everything" VALUES ({placeholders})', row)

    selected = ", ".join(platform.quote(n) for n in names)
    rows = conn.execute(f'SELECT {selected} FROM "everything" ORDER BY "id"').rows
    assert len(rows) == 2
    for model, raw in zip((FULL, SPARSE), rows, strict=True):
        decoded = {
            n: (dec(v) if dec else v)
            for n, dec, v in zip(names, decoders, raw, strict=True)
        }
        for name in names:
            expected = getattr(model, name)
            if name == "at":  # a DateTime keeps whole seconds, as on ClickHouse
                expected = expected.replace(microsecond=0)
            assert decoded[name] == expected, name
            assert type(decoded[name]) is type(expected), name
        # the hydration hot path can build the model without validating
        assert Everything.model_construct(**decoded) == model.model_copy(
            update={"at": model.at.replace(microsecond=0)})


def test_identity_codecs_are_none_so_hydration_can_skip_them(conn: Any) -> None:
    table = table_from_model(Everything)
    platform = conn.platform
    identity = [n for n, c in table.columns.items() if platform.decoder(c.full_type) is None]
    assert identity == ["id", "i8", "u32", "i64", "f32", "f64", "name", "code", "city",
                        "blob", "maybe", "maybe_city"]


def test_model_table_definition(conn: Any) -> None:
    create_table(Everything, conn)
    schema = Schema(conn)
    cols = {c.name: c for c in schema.get_columns("everything")}
    assert cols["id"].primary and cols["id"].type == "INTEGER"
    assert cols["price"].type == "TEXT"  # TEXT affinity keeps every decimal digit
    assert cols["u256"].type == "TEXT" and cols["i64"].type == "INTEGER"
    assert cols["flag"].type == "BOOLEAN" and cols["day"].type == "DATE"
    assert cols["level"].type == "INTEGER" and cols["color"].type == "TEXT"
    assert cols["maybe"].nullable and not cols["i8"].nullable
    indexes = {(i.name, i.unique) for i in schema.get_table("everything").indexes}
    assert indexes == {("everything_u32_index", False), ("everything_name_unique", True)}
    assert create_table(Everything, conn)[0].startswith("CREATE TABLE IF NOT EXISTS")
    drop_table(Everything, conn)
    assert not schema.has_table("everything")
