"""Schema -> Blueprint -> Table/TableDiff -> BasePlatform, without a database."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import pytest

from clickorm import types
from clickorm.errors import SchemaError
from clickorm.schema import (
    CURRENT_TIMESTAMP,
    BasePlatform,
    Blueprint,
    Column,
    ForeignKey,
    Index,
    Schema,
    Table,
    TableDiff,
)


class Mood(enum.Enum):
    OK = "ok"


class _Ansi(BasePlatform):
    """BasePlatform has no type names of its own; a minimal ANSI dialect for these tests."""

    dialect_name = "ansi"
    type_names = {"integer": "INTEGER", "string": "TEXT", "boolean": "BOOLEAN"}

    def type_sql_integer(self, t: types.Integer) -> str:
        return "BIGINT" if t.bits > 32 else "INTEGER"


@pytest.fixture()
def schema() -> Schema:
    return Schema(platform=_Ansi(), dry=True)


def test_create_blueprint_fills_a_table() -> None:
    t = Blueprint.create("users")
    t.increments("id")
    t.string("name", 100)
    t.integer("age").nullable().default(3)
    t.string("email").unique()
    t.datetime("seen", precision=6, timezone="UTC").use_current().comment("last seen")
    t.integer("rank").unsigned().index()
    t.column("tags", list[str])
    t.column("legacy", "VARCHAR(20)")
    t.enum("mood", ["ok", "meh"])
    table = t.table
    assert list(table.columns) == [
        "id", "name", "age", "email", "seen", "rank", "tags", "legacy", "mood"]
    assert table.primary_key == ("id",)
    assert table.columns["id"].autoincrement and table.columns["id"].type == types.UInt32
    assert table.columns["name"].options == {"length": 100}
    age = table.columns["age"]
    assert age.nullable and age.default == 3 and age.type == types.Int32
    seen = table.columns["seen"]
    assert seen.type == types.DateTime64(6, "UTC") and seen.default_raw is CURRENT_TIMESTAMP
    assert seen.comment == "last seen"
    assert table.columns["rank"].type == types.UInt32
    assert table.columns["tags"].type == types.Array(types.String())
    assert table.columns["legacy"].type == types.RawType("VARCHAR(20)")
    mood = table.columns["mood"].type
    assert isinstance(mood, types.Enum) and mood.enum is not None
    assert [m.value for m in mood.enum] == ["ok", "meh"]
    assert [(i.name, i.columns, i.unique) for i in table.indexes] == [
        ("users_email_unique", ("email",), True),
        ("users_rank_index", ("rank",), False),
    ]


def test_alter_blueprint_fills_a_diff() -> None:
    t = Blueprint.alter("users")
    t.string("nick").nullable()
    t.integer("age").nullable().change()
    t.rename_column("name", "full_name")
    t.drop_column("a", "b")
    t.drop_column(["c"])
    t.drop_index(["score"])
    t.drop_unique("users_email_unique")
    t.drop_foreign(["team_id"])
    t.index(["x", "y"])
    t.foreign("owner_id").references("id").on("owners").on_delete("cascade")
    t.rename("people")
    diff = t.diff
    assert list(diff.added_columns) == ["nick"]
    assert list(diff.changed_columns) == ["age"]
    assert diff.renamed_columns == {"name": "full_name"}
    assert diff.dropped_columns == ["a", "b", "c"]
    assert diff.dropped_indexes == ["users_score_index", "users_email_unique"]
    assert diff.dropped_foreign_keys == [("team_id",)]
    assert diff.added_indexes[0].name == "users_x_y_index"
    fk = diff.added_foreign_keys[0]
    assert (fk.columns, fk.references_table, fk.references_columns, fk.on_delete) == (
        ("owner_id",), "owners", ("id",), "cascade")
    assert diff.new_name == "people"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.drop_column("x"),
        lambda t: t.rename_column("a", "b"),
        lambda t: t.string("x").change(),
        lambda t: t.drop_index("i"),
        lambda t: t.rename("other"),
    ],
)
def test_alter_only_calls_are_refused_when_creating(call: Any) -> None:
    with pytest.raises(SchemaError, match="only available when altering"):
        call(Blueprint.create("users"))


def test_table_validation_errors_name_the_table() -> None:
    t = Blueprint.create("users")
    t.string("a")
    t.index(["missing"])
    with pytest.raises(SchemaError, match=r"'users'.*unknown column\(s\) missing"):
        t.table.validate()
    with pytest.raises(SchemaError, match="already has a column"):
        t.string("a")
    with pytest.raises(SchemaError, match="has no columns"):
        Table("empty").validate()


def test_base_platform_compiles_ansi_ddl(schema: Schema) -> None:
    with schema.create("users", if_not_exists=True) as t:
        t.big_integer("id").primary()
        t.string("name").default("O'Neil")
        t.boolean("ok").default(False)
        t.foreign_key("team_id", "teams", on_delete="set_null")
        t.integer("team_id").nullable()
        t.string("email").unique()
    assert t.statements == [
        'CREATE TABLE IF NOT EXISTS "users" ("id" BIGINT NOT NULL, "name" TEXT NOT NULL '
        "DEFAULT 'O''Neil', \"ok\" BOOLEAN NOT NULL DEFAULT FALSE, \"team_id\" INTEGER, "
        '"email" TEXT NOT NULL, PRIMARY KEY ("id"), FOREIGN KEY ("team_id") REFERENCES "teams" ("id") '
        "ON DELETE SET NULL)",
        # IF NOT EXISTS reaches the indexes too: creating twice does not fail on them
        'CREATE UNIQUE INDEX IF NOT EXISTS "users_email_unique" ON "users" ("email")',
    ]
    with schema.table("users") as t:
        t.rename_column("name", "full_name")
        t.drop_column("ok")
        t.string("nick").nullable()
        t.index("nick")
        t.rename("people")
    assert t.statements == [
        'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"',
        'ALTER TABLE "users" DROP COLUMN "ok"',
        'ALTER TABLE "users" ADD COLUMN "nick" TEXT',
        'CREATE INDEX "users_nick_index" ON "users" ("nick")',
        'ALTER TABLE "users" RENAME TO "people"',
    ]
    assert schema.drop("x") == ['DROP TABLE "x"']
    assert schema.drop_if_exists("x") == ['DROP TABLE IF EXISTS "x"']
    assert schema.rename("x", "y") == ['ALTER TABLE "x" RENAME TO "y"']
    assert schema.truncate("x") == ['TRUNCATE TABLE "x"']
    assert len(schema.statements) == 11  # everything the dry Schema compiled, in order


def test_type_sql_dispatch_and_errors() -> None:
    p = _Ansi()
    assert p.type_sql(types.Int64) == "BIGINT"
    assert p.type_sql(types.Nullable(types.Int8)) == "INTEGER"
    assert p.type_sql(types.LowCardinality(types.String())) == "TEXT"
    assert p.type_sql(types.RawType("NUMERIC(5)")) == "NUMERIC(5)"
    with pytest.raises(SchemaError, match="ansi platform cannot express the column type UUID"):
        p.type_sql(types.UUID())
    with pytest.raises(SchemaError, match="incomplete type marker"):
        p.type_sql(types.Nullable())


def test_registry_overrides_reach_the_platform() -> None:
    from clickorm.types import TypeRegistry

    registry = TypeRegistry()
    registry.register_type_sql("ansi", types.UUID, "CHAR(36)")
    registry.register_codec("ansi", types.UUID, encoder=str)
    p = _Ansi(registry=registry)
    assert p.type_sql(types.UUID()) == "CHAR(36)"
    encode = p.encoder(types.UUID())
    assert encode is not None and encode(None) is None  # codecs always let None through
    import uuid

    assert encode(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert p.encoder(types.Nullable(types.Int64)) is None  # identity: hydration skips it


@pytest.mark.parametrize(
    ("value", "sql"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (42, "42"),
        (-1.5, "-1.5"),
        ("it's", "'it''s'"),
        ("'; DROP TABLE users; --", "'''; DROP TABLE users; --'"),
        (b"\x00\xff", "X'00ff'"),
    ],
)
def test_literals_are_escaped(value: Any, sql: str) -> None:
    assert BasePlatform().literal(value) == sql


@pytest.mark.parametrize("value", [float("nan"), "a\x00b", object(), dt.timedelta(1)])
def test_unwritable_literals_are_refused(value: Any) -> None:
    with pytest.raises(SchemaError):
        BasePlatform().literal(value)


@pytest.mark.parametrize("name", ["", "a\x00b"])
def test_unquotable_identifiers_are_refused(name: str) -> None:
    with pytest.raises(SchemaError, match="Invalid identifier"):
        BasePlatform().quote(name)


def test_quoting_escapes_and_splits_qualified_names() -> None:
    p = BasePlatform()
    assert p.quote('we"ird') == '"we""ird"'
    assert p.quote_table("main.users") == '"main"."users"'


def test_unknown_foreign_key_action_is_refused(schema: Schema) -> None:
    with pytest.raises(SchemaError, match="Unknown foreign key action 'explode'"):
        with schema.create("t") as t:
            t.integer("a")
            t.foreign("a").references("id").on("b").on_delete("explode")


def test_nothing_runs_when_the_block_raises(schema: Schema) -> None:
    with pytest.raises(RuntimeError):
        with schema.create("users") as t:
            t.integer("id")
            raise RuntimeError("boom")
    assert schema.statements == []


def test_base_platform_refuses_what_it_cannot_alter(schema: Schema) -> None:
    with pytest.raises(SchemaError, match="cannot change columns"):
        with schema.table("users") as t:
            t.integer("age").change()


def test_diff_apply_order_and_side_effects() -> None:
    current = Table(
        "users",
        {
            "id": Column("id", types.Int64, autoincrement=True),
            "name": Column("name", types.String()),
            "email": Column("email", types.String(), nullable=True),
            "team_id": Column("team_id", types.Int64, nullable=True),
        },
        primary_key=("id",),
        indexes=[Index("users_email_unique", ("email",), unique=True),
                 Index("users_name_index", ("name",))],
        foreign_keys=[ForeignKey(("team_id",), "teams", ("id",))],
    )
    diff = TableDiff(
        "users",
        renamed_columns={"name": "full_name"},
        dropped_columns=["email"],
        changed_columns={"full_name": Column("full_name", types.String(), nullable=True)},
        added_columns={"age": Column("age", types.Int32, default=0)},
        dropped_foreign_keys=[("team_id",)],
    )
    target = diff.apply(current)
    assert list(target.columns) == ["id", "full_name", "team_id", "age"]
    assert target.columns["full_name"].nullable
    assert [i.name for i in target.indexes] == ["users_name_index"]  # email's index went
    assert target.indexes[0].columns == ("full_name",)  # follows the rename
    assert target.foreign_keys == []
    assert list(current.columns) == ["id", "name", "email", "team_id"]  # untouched
    with pytest.raises(SchemaError, match="no column 'nope'"):
        TableDiff("users", dropped_columns=["nope"]).apply(current)
    with pytest.raises(SchemaError, match="no index 'x'"):
        TableDiff("users", dropped_indexes=["x"]).apply(current)
    replaced = TableDiff("users", primary_key=("id", "full_name")).apply(target)
    assert not replaced.columns["id"].autoincrement  # autoincrement needs a lone key


def test_column_folds_nullable_types() -> None:
    column = Column("x", types.Nullable(types.Int8))
    assert column.nullable and column.type == types.Int8
    assert column.full_type == types.Nullable(types.Int8)
    lc = Column("c", types.LowCardinality(types.Nullable(types.String())))
    assert lc.nullable and lc.type == types.LowCardinality(types.String())
    assert lc.full_type == types.LowCardinality(types.Nullable(types.String()))


def test_dialect_options_are_kept_for_the_platform() -> None:
    t = Blueprint.create("events")
    t.datetime("at").codec("Delta, ZSTD").ttl("at + INTERVAL 1 DAY")
    t.string("kind").low_cardinality()
    t.string("day").materialized("toDate(at)")
    t.engine("ReplacingMergeTree(ver)").order_by("kind", "at").partition_by("toYYYYMM(at)")
    t.sample_by("intHash32(id)").ttl("at + INTERVAL 30 DAY").settings(index_granularity=1024)
    t.on_cluster("main").options(comment_style="x")
    assert t.table.columns["at"].options == {"codec": "Delta, ZSTD", "ttl": "at + INTERVAL 1 DAY"}
    assert t.table.columns["kind"].type == types.LowCardinality(types.String())
    assert t.table.columns["day"].options == {"materialized": "toDate(at)"}
    assert t.table.options == {
        "engine": "ReplacingMergeTree(ver)",
        "order_by": ("kind", "at"),
        "partition_by": "toYYYYMM(at)",
        "sample_by": "intHash32(id)",
        "ttl": "at + INTERVAL 30 DAY",
        "settings": {"index_granularity": 1024},
        "cluster": "main",
        "comment_style": "x",
    }


def test_schema_methods_work_on_the_class_and_instances() -> None:
    bp = Schema.create("users")  # no connection is needed until something runs
    assert isinstance(bp, Blueprint) and bp.creating
    assert Schema(platform=BasePlatform(), dry=True).table("users").mode == "alter"
    with pytest.raises(SchemaError, match="needs a platform"):
        Blueprint.create("x").to_sql()
    bp2 = Blueprint.create("x")
    bp2.integer("a")
    assert bp2.to_sql(_Ansi()) == ['CREATE TABLE "x" ("a" INTEGER NOT NULL)']


def test_enum_columns_from_enum_classes() -> None:
    t = Blueprint.create("x")
    t.enum("mood", Mood, bits=8)
    assert t.table.columns["mood"].type == types.Enum(Mood, bits=8)
