"""Model-driven DDL: table_from_model and the create/drop/alter/schema_sql functions."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from clickorm import types
from clickorm.config_types import ConnectionConfig
from clickorm.errors import SchemaError
from clickorm.model import model_ddl
from clickorm.model.column import Column
from clickorm.model.model_table import table_from_model
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema import CURRENT_TIMESTAMP, Index, Schema


class User(BaseModel):
    __table_name__ = "users"

    id: int = Column(primary_key=True, autoincrement=True)
    name: str = Column()
    email: str = Column(index=True)
    nick: str | None = Column(name="nickname", default=None)
    score: Annotated[int, types.UInt16] = 0
    balance: decimal.Decimal = decimal.Decimal("0.00")
    created_at: dt.datetime = Column(default=dt.datetime.utcnow)
    seen_at: dt.datetime | None = Column(server_default="CURRENT_TIMESTAMP")
    code: str = Column(type=types.FixedString(8), unique=True, comment="external code")
    tags: list[str] = []


class Event(BaseModel):
    at: dt.datetime = Column(codec="Delta, ZSTD")
    day: dt.date = Column(materialized="toDate(at)")
    kind: Annotated[str, types.LowCardinality]
    ts: int = Column(type="DateTime64(3)", ttl="at + INTERVAL 1 DAY")

    class Meta:
        table_name = "events"
        engine = "MergeTree()"
        order_by = ("kind", "at")
        partition_by = "toYYYYMM(at)"
        primary_key = ("kind",)
        settings = {"index_granularity": 8192}
        indexes = [Index("events_kind_index", ("kind",)), "INDEX i ts TYPE minmax GRANULARITY 4"]
        comment = "things that happened"
        options = {"cluster": "main"}


def test_table_from_model_columns_keys_and_defaults() -> None:
    table = table_from_model(User)
    assert table.name == "users"
    assert list(table.columns) == [
        "id", "name", "email", "nickname", "score", "balance", "created_at", "seen_at",
        "code", "tags"]
    c = table.columns
    assert c["id"].type == types.Int64 and c["id"].autoincrement and not c["id"].nullable
    assert table.primary_key == ("id",)
    assert c["nickname"].nullable and c["nickname"].type == types.String()
    assert c["score"].type == types.UInt16 and c["score"].default == 0
    assert c["balance"].default == decimal.Decimal("0.00")
    assert not c["created_at"].has_default  # a factory stays on the Python side
    assert c["seen_at"].default_raw == "CURRENT_TIMESTAMP" and c["seen_at"].nullable
    assert c["code"].type == types.FixedString(8) and c["code"].comment == "external code"
    assert not c["tags"].has_default  # containers are not DDL defaults
    assert [(i.name, i.columns, i.unique) for i in table.indexes] == [
        ("users_email_index", ("email",), False),
        ("users_code_unique", ("code",), True),
    ]


def test_table_from_model_reads_meta_and_dialect_options() -> None:
    table = table_from_model(Event)
    assert table.name == "events" and table.comment == "things that happened"
    assert table.options == {
        "engine": "MergeTree()",
        "order_by": ("kind", "at"),
        "partition_by": "toYYYYMM(at)",
        "primary_key": ("kind",),
        "settings": {"index_granularity": 8192},
        "indexes": ["INDEX i ts TYPE minmax GRANULARITY 4"],
        "cluster": "main",
    }
    assert table.primary_key == ("kind",)  # Meta.primary_key names plain columns
    assert [i.name for i in table.indexes] == ["events_kind_index"]
    c = table.columns
    assert c["at"].options == {"codec": "Delta, ZSTD"}
    assert c["day"].options == {"materialized": "toDate(at)"}
    assert c["kind"].type == types.LowCardinality(types.String())
    assert c["ts"].type == types.RawType("DateTime64(3)") and c["ts"].options["ttl"]
    assert table_from_model(Event, table_name="events_v2").name == "events_v2"


def test_model_without_table_name_or_with_bad_annotation() -> None:
    class Nameless(BaseModel):
        a: int

    with pytest.raises(SchemaError, match="'Nameless' has no table name"):
        table_from_model(Nameless)

    class Weird(BaseModel):
        __table_name__ = "weird"
        span: dt.timedelta

    with pytest.raises(SchemaError) as info:
        table_from_model(Weird)
    assert "field 'span' of model 'Weird'" in str(info.value)
    assert "timedelta" in str(info.value)


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[Any]:
    dialect = get_plugin_manager().get_dialect("sqlite")
    config = ConnectionConfig(name="models", dialect="sqlite", path=str(tmp_path / "m.db"))
    connection = dialect.connection_factory()(config, dialect)
    yield connection
    connection.close()


def test_schema_sql_for_each_kind_of_target(conn: Any) -> None:
    from clickorm_sqlite.platform import SQLitePlatform

    by_name = model_ddl.schema_sql(User, "sqlite")
    assert by_name.startswith('CREATE TABLE "users" ("id" INTEGER NOT NULL PRIMARY KEY '
                              "AUTOINCREMENT, ")
    assert by_name.endswith(';\nCREATE UNIQUE INDEX "users_code_unique" ON "users" ("code");')
    assert "DEFAULT CURRENT_TIMESTAMP" in by_name
    # Decimal(38, 10): the default is written at the column's scale
    assert ("\"balance\" TEXT COLLATE clickorm_decimal NOT NULL DEFAULT '0.0000000000'"
            in by_name)
    assert model_ddl.schema_sql(User, conn) == by_name
    assert model_ddl.schema_sql(User, SQLitePlatform()) == by_name
    dialect = get_plugin_manager().get_dialect("sqlite")
    assert model_ddl.schema_statements(User, dialect, if_not_exists=True)[0].startswith(
        'CREATE TABLE IF NOT EXISTS "users"')
    assert not Schema(conn).has_table("users")  # nothing ran


def test_create_alter_drop_from_the_model(conn: Any) -> None:
    schema = Schema(conn)
    model_ddl.create_table(User, conn)
    conn.execute('INSERT INTO "users" ("name", "email", "code", "created_at", "tags") '
                 "VALUES (?, ?, ?, ?, ?)", ["Ann", "a@x", "C1", "2024-01-01 00:00:00", "[]"])

    # the seed's form, by the Column FieldInfo the model layer will hand over
    field = Column(name="new_field", default="none")
    field.annotation = str
    model_ddl.alter_table(User, conn, add_column=field)
    model_ddl.alter_table(User, conn, add_column=[("age", int | None), ("level", int, 1)])
    assert conn.execute('SELECT "new_field", "age", "level" FROM "users"').rows == [
        ("none", None, 1)]

    model_ddl.alter_table(User, conn, rename_column={"age": "years"}, drop_column="level")
    model_ddl.alter_table(User, conn, modify_column=("new_field", str | None))
    cols = {c.name: c for c in schema.get_columns("users")}
    assert "years" in cols and "level" not in cols and cols["new_field"].nullable
    assert conn.execute('SELECT "name", "new_field" FROM "users"').rows == [("Ann", "none")]

    dry = model_ddl.alter_table(User, conn, drop_column=["years"], dry=True)
    assert dry == ['ALTER TABLE "users" DROP COLUMN "years"']
    assert schema.has_column("users", "years")

    model_ddl.drop_table(User, conn)
    assert not schema.has_table("users")
    assert model_ddl.drop_table(User, conn, if_exists=True) == ['DROP TABLE IF EXISTS "users"']


def test_alter_with_a_model_field_name(conn: Any) -> None:
    class Before(BaseModel):
        __table_name__ = "people"
        id: int = Column(primary_key=True)

    class After(Before):
        email: str | None = Column(index=True, default=None)

    model_ddl.create_table(Before, conn)
    model_ddl.alter_table(After, conn, add_column="email")
    assert Schema(conn).has_column("people", "email")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "was given nothing to do"),
        ({"add_column": 42}, "cannot read the column spec 42"),
        ({"add_column": "nope"}, "has no field 'nope'"),
        ({"add_column": Column(default=1)}, "needs a name"),
        ({"add_column": ("x", dt.timedelta)}, "field 'x' of model 'User'"),
    ],
)
def test_alter_spec_errors(conn: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        model_ddl.alter_table(User, conn, dry=True, **kwargs)


def test_timestamps_default_to_now(conn: Any) -> None:
    schema = Schema(conn)
    with schema.create("logs") as t:
        t.increments("id")
        t.timestamps()
    assert t.table.columns["created_at"].default_raw is CURRENT_TIMESTAMP
    conn.execute('INSERT INTO "logs" DEFAULT VALUES')
    created = conn.execute('SELECT "created_at" FROM "logs"').scalar()
    decode = conn.platform.decoder(t.table.columns["created_at"].full_type)
    assert isinstance(decode(created), dt.datetime)
