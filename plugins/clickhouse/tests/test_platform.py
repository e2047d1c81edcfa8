"""Golden DDL of the ClickHouse platform; every statement here also runs on chDB.

Statements chDB cannot execute (Replicated* need ZooKeeper, Distributed and ON CLUSTER
need a cluster: chDB's ``system.clusters`` is empty) are parsed by the engine instead
with ``EXPLAIN AST`` (see :func:`run`). Compile-only version checks are in
``test_platform_versions.py``; the 18.16 server in ``test_platform_1816.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from clickorm import ConnectionManager, QueryBuilder, func
from clickorm.errors import SchemaError
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.schema import Schema
from clickorm.schema.table import Column, Index, Table, TableDiff
from clickorm.types import logical as lt
from clickorm_clickhouse.engines import (
    AggregatingMergeTree,
    Buffer,
    CollapsingMergeTree,
    Distributed,
    Engine,
    Log,
    Memory,
    MergeTree,
    Null,
    ReplacingMergeTree,
    ReplicatedAggregatingMergeTree,
    ReplicatedCollapsingMergeTree,
    ReplicatedMergeTree,
    ReplicatedReplacingMergeTree,
    ReplicatedSummingMergeTree,
    ReplicatedVersionedCollapsingMergeTree,
    StripeLog,
    SummingMergeTree,
    TinyLog,
    VersionedCollapsingMergeTree,
)
from clickorm_clickhouse.platform import ClickHousePlatform
from clickorm_clickhouse.platform_objects import Projection, SkipIndex
from clickorm_clickhouse.views import compile_materialized_view, create_materialized_view


@pytest.fixture(scope="module")
def chdb() -> Iterator[Any]:
    """An embedded (chDB) connection in a database of its own."""
    database = f"platform_{uuid.uuid4().hex[:10]}"
    manager = ConnectionManager("clickhouse+embedded://", database=database)
    conn = manager.connection()
    try:
        yield conn
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()


def run(conn: Any, statements: Sequence[str], *, parse_only: bool = False) -> list[str]:
    """Execute ``statements`` on chDB (or only parse them: ``EXPLAIN AST``); return them."""
    for sql in statements:
        if parse_only:
            ast = conn.execute(f"EXPLAIN AST {sql}").rows
            assert ast, sql
        else:
            conn.execute(sql)
    return list(statements)


def fresh() -> str:
    return f"t_{uuid.uuid4().hex[:8]}"


P = ClickHousePlatform()
COLUMNS = "(`id` UInt64, `v` UInt32, `sign` Int8, `x` UInt64, `del` UInt8)"
ZOO = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"


def engine_table(name: str, engine: Engine | str, **options: Any) -> Table:
    t = Blueprint.create(name)
    t.column("id", lt.Integer(64, signed=False))
    t.column("v", lt.Integer(32, signed=False))
    t.column("sign", lt.Integer(8))
    t.column("x", lt.Integer(64, signed=False))
    t.column("del", lt.Integer(8, signed=False))
    t.engine(engine)  # type: ignore[arg-type]
    t.options(**options)
    return t.table


ENGINE_CASES: list[tuple[Engine | str, dict[str, Any], str, bool]] = [
    (MergeTree(), {"order_by": "id"}, "MergeTree() ORDER BY `id`", False),
    ("MergeTree()", {"order_by": "id"}, "MergeTree() ORDER BY `id`", False),
    (ReplacingMergeTree(version="v"), {"order_by": "id"},
     "ReplacingMergeTree(`v`) ORDER BY `id`", False),
    (ReplacingMergeTree(version="v", is_deleted="del"), {"order_by": "id"},
     "ReplacingMergeTree(`v`, `del`) ORDER BY `id`", False),
    (SummingMergeTree(("x", "v")), {"order_by": "id"},
     "SummingMergeTree((`x`, `v`)) ORDER BY `id`", False),
    (AggregatingMergeTree(), {"order_by": "id"}, "AggregatingMergeTree() ORDER BY `id`", False),
    (CollapsingMergeTree("sign"), {"order_by": "id"},
     "CollapsingMergeTree(`sign`) ORDER BY `id`", False),
    (VersionedCollapsingMergeTree("sign", "v"), {"order_by": "id"},
     "VersionedCollapsingMergeTree(`sign`, `v`) ORDER BY `id`", False),
    (Memory(), {}, "Memory", False),
    (Log(), {}, "Log", False),
    (TinyLog(), {}, "TinyLog", False),
    (StripeLog(), {}, "StripeLog", False),
    (Null(), {}, "Null", False),
    # need ZooKeeper / a cluster: parsed by chDB, not executed
    (ReplicatedMergeTree(), {"order_by": "id"}, f"ReplicatedMergeTree({ZOO}) ORDER BY `id`", True),
    (ReplicatedReplacingMergeTree(version="v"), {"order_by": "id"},
     f"ReplicatedReplacingMergeTree({ZOO}, `v`) ORDER BY `id`", True),
    (ReplicatedSummingMergeTree(zoo_path="/t/{shard}/s", replica="{replica}"), {"order_by": "id"},
     "ReplicatedSummingMergeTree('/t/{shard}/s', '{replica}') ORDER BY `id`", True),
    (ReplicatedAggregatingMergeTree(zoo_path=None, replica=None), {"order_by": "id"},
     "ReplicatedAggregatingMergeTree() ORDER BY `id`", True),
    (ReplicatedCollapsingMergeTree("sign"), {"order_by": "id"},
     f"ReplicatedCollapsingMergeTree({ZOO}, `sign`) ORDER BY `id`", True),
    (ReplicatedVersionedCollapsingMergeTree("sign", "v"), {"order_by": "id"},
     f"ReplicatedVersionedCollapsingMergeTree({ZOO}, `sign`, `v`) ORDER BY `id`", True),
    (Distributed("test_cluster", "default", "hits", sharding_key="rand()"), {},
     "Distributed('test_cluster', 'default', 'hits', rand())", True),
]


@pytest.mark.parametrize(("engine", "options", "tail", "parse_only"), ENGINE_CASES,
                         ids=lambda v: str(v)[:40])
def test_engine_ddl(
    chdb: Any, engine: Engine | str, options: dict[str, Any], tail: str, parse_only: bool
) -> None:
    name = fresh()
    statements = P.compile_create(engine_table(name, engine, **options))
    assert statements == [f"CREATE TABLE `{name}` {COLUMNS} ENGINE = {tail}"]
    run(chdb, statements, parse_only=parse_only)


def test_buffer_engine_flushes_into_its_target(chdb: Any) -> None:
    target, buffer = fresh(), fresh()
    run(chdb, P.compile_create(engine_table(target, Memory())))
    statements = P.compile_create(
        engine_table(buffer, Buffer(chdb.database, target, 1, 0, 0, 0, 0, 0, 0)))
    assert statements == [
        f"CREATE TABLE `{buffer}` {COLUMNS} ENGINE = Buffer('{chdb.database}', '{target}', "
        "1, 0, 0, 0, 0, 0, 0)"
    ]
    run(chdb, statements)
    chdb.execute(f"INSERT INTO `{buffer}` (id) VALUES (1)")
    assert chdb.execute(f"SELECT count() FROM `{buffer}`").scalar() == 1


def full_table(name: str) -> Table:
    t = Blueprint.create(name)
    t.column("id", lt.Integer(64, signed=False)).comment("the key")
    t.datetime("at").codec("Delta, ZSTD(3)")
    t.string("kind").low_cardinality().default("view")
    t.column("user_id", lt.Integer(64, signed=False))
    t.string("url").ttl("at + INTERVAL 7 DAY")
    t.column("url_len", lt.Integer(32, signed=False)).materialized("length(url)")
    t.column("url_upper", lt.String()).alias("upper(url)")
    t.column("score", lt.Float(64)).nullable().option("codec", ["Gorilla"])
    t.index("user_id", type="bloom_filter(0.01)", granularity=2)
    t.comment("page views")
    t.engine(ReplacingMergeTree(version="at"))  # type: ignore[arg-type]
    t.partition_by("toYYYYMM(at)")
    t.option("primary_key", ("kind", "intHash64(user_id)"))  # a prefix: sampling needs it
    t.order_by("kind", "intHash64(user_id)", "id")
    t.sample_by("intHash64(user_id)")
    t.ttl("at + INTERVAL 1 YEAR")
    # projections on ReplacingMergeTree need the mode (ClickHouse 24.8+ refuses otherwise)
    t.settings(index_granularity=4096, deduplicate_merge_projection_mode="rebuild")
    t.option("indexes", [SkipIndex("idx_len", "url_len", granularity=4),
                         "INDEX idx_at at TYPE minmax GRANULARITY 1"])
    t.option("projections", [Projection("by_kind", "SELECT kind, count() GROUP BY kind")])
    return t.table


def test_every_clause_in_parser_order_and_read_back(chdb: Any) -> None:
    name = fresh()
    statements = P.compile_create(full_table(name))
    assert statements == [
        f"CREATE TABLE `{name}` (`id` UInt64 COMMENT 'the key', "
        "`at` DateTime CODEC(Delta, ZSTD(3)), "
        "`kind` LowCardinality(String) DEFAULT 'view', `user_id` UInt64, "
        "`url` String TTL at + INTERVAL 7 DAY, `url_len` UInt32 MATERIALIZED length(url), "
        "`url_upper` String ALIAS upper(url), `score` Nullable(Float64) CODEC(Gorilla), "
        "INDEX `t_user_id_index` `user_id` TYPE bloom_filter(0.01) GRANULARITY 2, "
        "INDEX `idx_len` `url_len` TYPE minmax GRANULARITY 4, "
        "INDEX idx_at at TYPE minmax GRANULARITY 1, "
        "PROJECTION `by_kind` (SELECT kind, count() GROUP BY kind)) "
        "ENGINE = ReplacingMergeTree(`at`) PARTITION BY toYYYYMM(at) "
        "PRIMARY KEY (`kind`, intHash64(user_id)) ORDER BY (`kind`, intHash64(user_id), `id`) "
        "SAMPLE BY intHash64(user_id) "
        "TTL at + INTERVAL 1 YEAR "
        "SETTINGS index_granularity = 4096, deduplicate_merge_projection_mode = 'rebuild' "
        "COMMENT 'page views'".replace("t_user_id_index", f"{name}_user_id_index")
    ]
    run(chdb, statements)
    table = P.get_table(chdb, name)
    assert table.options["engine"] == ReplacingMergeTree(version="at")
    assert table.options["order_by"] == "kind, intHash64(user_id), id"
    assert table.options["partition_by"] == "toYYYYMM(at)"
    assert table.options["sample_by"] == "intHash64(user_id)"
    assert table.options["primary_key"] == "kind, intHash64(user_id)"
    assert table.columns["id"].comment == "the key"
    assert table.columns["kind"].type == lt.RawType("LowCardinality(String)")
    assert table.columns["kind"].default_raw == "'view'"
    assert table.columns["url_len"].options == {"materialized": "length(url)"}
    assert table.columns["url_upper"].options == {"alias": "upper(url)"}
    assert table.columns["score"].nullable and table.columns["score"].type == lt.RawType("Float64")
    assert {(i.name, i.options["type"], i.options["granularity"]) for i in table.indexes} == {
        (f"{name}_user_id_index", "bloom_filter(0.01)", 2), ("idx_len", "minmax", 4),
        ("idx_at", "minmax", 1)}


def test_default_engine_and_sorting_key(chdb: Any) -> None:
    def create(fill: Any) -> str:
        t = Blueprint.create(fresh())
        fill(t)
        [sql] = run(chdb, P.compile_create(t.table))
        return sql[sql.index("ENGINE"):]

    # no key: insertion order
    assert create(lambda t: t.string("s")) == "ENGINE = MergeTree() ORDER BY tuple()"
    # the primary key orders the table
    assert create(lambda t: (t.big_integer("a"), t.big_integer("b"), t.primary(["a", "b"]))) == (
        "ENGINE = MergeTree() ORDER BY (`a`, `b`)")
    # a proper prefix of order_by becomes PRIMARY KEY
    assert create(lambda t: (t.big_integer("a"), t.string("b"), t.primary("a"),
                             t.order_by("a", "b"))) == (
        "ENGINE = MergeTree() PRIMARY KEY `a` ORDER BY (`a`, `b`)")
    # an identity key that is not a prefix stays an ORM concept
    assert create(lambda t: (t.big_integer("a"), t.string("b"), t.primary("a"),
                             t.order_by("b"))) == "ENGINE = MergeTree() ORDER BY `b`"
    # Blueprint text engines
    assert create(lambda t: (t.string("s"), t.engine("Log"))) == "ENGINE = Log"


def test_nested_is_one_column_on_create_and_array_of_tuples_on_alter(chdb: Any) -> None:
    name = fresh()
    nested = lt.Nested((("sku", lt.String()), ("qty", lt.Integer(32))))
    t = Blueprint.create(name)
    t.big_integer("id")
    t.column("items", nested)
    t.order_by("id")
    [sql] = run(chdb, P.compile_create(t.table))
    assert sql == (
        f"CREATE TABLE `{name}` (`id` Int64, `items` Nested(`sku` String, `qty` Int32)) "
        "ENGINE = MergeTree() ORDER BY `id` SETTINGS flatten_nested = 0"
    )
    diff = TableDiff(name, added_columns={"more": Column("more", nested)})
    assert run(chdb, P.compile_alter(diff)) == [
        f"ALTER TABLE `{name}` ADD COLUMN `more` Array(Tuple(`sku` String, `qty` Int32))"]
    assert [c.name for c in P.get_columns(chdb, name)] == ["id", "items", "more"]


def test_alter_statements(chdb: Any) -> None:
    name = fresh()
    t = Blueprint.create(name)
    t.big_integer("id")
    t.datetime("at")
    t.string("a")
    t.string("b")
    t.order_by("id")
    t.settings(index_granularity=8192)
    run(chdb, P.compile_create(t.table))
    h = f"ALTER TABLE `{name}`"
    cases: list[tuple[Any, list[str]]] = [
        (lambda t: t.string("c").nullable().default("x").comment("new"),
         [f"{h} ADD COLUMN `c` Nullable(String) DEFAULT 'x' COMMENT 'new'"]),
        (lambda t: t.big_integer("b").default(0).change(),
         [f"{h} MODIFY COLUMN `b` Int64 DEFAULT 0"]),
        (lambda t: t.rename_column("a", "aa"), [f"{h} RENAME COLUMN `a` TO `aa`"]),
        (lambda t: t.drop_column("c"), [f"{h} DROP COLUMN `c`"]),
        (lambda t: t.option("ttl", "at + INTERVAL 30 DAY"),
         [f"{h} MODIFY TTL at + INTERVAL 30 DAY"]),
        (lambda t: t.index(["aa"], name="idx_aa", type="set(100)", granularity=3),
         [f"{h} ADD INDEX `idx_aa` `aa` TYPE set(100) GRANULARITY 3"]),
        (lambda t: t.drop_index("idx_aa"), [f"{h} DROP INDEX `idx_aa`"]),
        (lambda t: t.option("column_comments", {"aa": "renamed"}),
         [f"{h} COMMENT COLUMN `aa` 'renamed'"]),
        (lambda t: t.option("settings", {"merge_with_ttl_timeout": 7200}),
         [f"{h} MODIFY SETTING merge_with_ttl_timeout = 7200"]),
        (lambda t: t.option("projections", {"p_at": "SELECT at ORDER BY at"}),
         [f"{h} ADD PROJECTION `p_at` (SELECT at ORDER BY at)"]),
        (lambda t: t.option("drop_projections", "p_at"), [f"{h} DROP PROJECTION `p_at`"]),
        (lambda t: t.comment("now commented"), [f"{h} MODIFY COMMENT 'now commented'"]),
        (lambda t: (t.big_integer("extra"), t.option("order_by", ("id", "extra"))),
         [f"{h} ADD COLUMN `extra` Int64, MODIFY ORDER BY (`id`, `extra`)"]),
    ]
    schema = Schema(chdb)
    for fill, expected in cases:
        with schema.table(name) as bp:
            fill(bp)
        assert bp.statements == expected
    columns = {c.name: c for c in P.get_columns(chdb, name)}
    assert list(columns) == ["id", "at", "aa", "b", "extra"]
    assert columns["aa"].comment == "renamed" and columns["b"].type == "Int64"
    ttl = chdb.execute(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase() "
        "AND name = {t:String}", {"t": name}).scalar()
    assert "TTL at + toIntervalDay(30)" in ttl and "merge_with_ttl_timeout = 7200" in ttl
    new = fresh()
    with schema.table(name) as bp:
        bp.rename(new)
    assert bp.statements == [f"RENAME TABLE `{name}` TO `{new}`"]
    assert schema.has_table(new) and not schema.has_table(name)


def test_dropping_a_column_drops_its_skip_indexes_first(chdb: Any) -> None:
    name = fresh()
    t = Blueprint.create(name)
    t.big_integer("id")
    t.string("email").index()
    t.order_by("id")
    run(chdb, P.compile_create(t.table))
    schema = Schema(chdb)  # reads the current table (system.data_skipping_indices)
    with schema.table(name) as bp:
        bp.drop_column("email")
    assert bp.statements == [
        f"ALTER TABLE `{name}` DROP INDEX `{name}_email_index`",
        f"ALTER TABLE `{name}` DROP COLUMN `email`",
    ]


def test_drop_rename_truncate(chdb: Any) -> None:
    name, other = fresh(), fresh()
    run(chdb, P.compile_create(engine_table(name, Memory())))
    chdb.execute(f"INSERT INTO `{name}` (id) VALUES (1)")
    assert run(chdb, P.compile_truncate(name)) == [f"TRUNCATE TABLE `{name}`"]
    assert chdb.execute(f"SELECT count() FROM `{name}`").scalar() == 0
    assert run(chdb, P.compile_rename(name, other)) == [f"RENAME TABLE `{name}` TO `{other}`"]
    assert run(chdb, P.compile_drop(other)) == [f"DROP TABLE `{other}`"]
    assert run(chdb, P.compile_drop(other, True)) == [f"DROP TABLE IF EXISTS `{other}`"]
    assert not P.has_table(chdb, other)
    qualified = f"{chdb.database}.{fresh()}"
    [sql] = run(chdb, P.compile_create(engine_table(qualified, Memory()), if_not_exists=True))
    assert sql.startswith(f"CREATE TABLE IF NOT EXISTS `{chdb.database}`.`")
    assert P.has_table(chdb, qualified)


def test_on_cluster_on_every_statement(chdb: Any) -> None:
    """From the table options or the platform's (connection's) cluster option."""
    platform = ClickHousePlatform(cluster="analytics")
    oc = "ON CLUSTER `analytics`"
    name = fresh()
    table = engine_table(name, ReplicatedMergeTree(), order_by="id")
    statements = [
        *platform.compile_create(table),
        *platform.compile_alter(TableDiff(name, added_columns={"n": Column("n", lt.String())},
                                          dropped_columns=["x"], options={"ttl": "toDate(id)"})),
        platform.compile_create_index(name, Index("i", ("v",))),
        platform.compile_drop_index(name, "i"),
        *platform.compile_rename(name, "other"),
        *platform.compile_truncate("other"),
        *platform.compile_drop("other", True),
        *compile_materialized_view(platform, "mv", "SELECT id FROM src", to="other"),
        *platform.compile_drop_view("mv", True),
    ]
    assert statements == [
        f"CREATE TABLE `{name}` {oc} {COLUMNS} ENGINE = ReplicatedMergeTree({ZOO}) ORDER BY `id`",
        f"ALTER TABLE `{name}` {oc} DROP COLUMN `x`",
        f"ALTER TABLE `{name}` {oc} ADD COLUMN `n` String",
        f"ALTER TABLE `{name}` {oc} MODIFY TTL toDate(id)",
        f"ALTER TABLE `{name}` {oc} ADD INDEX `i` `v` TYPE minmax GRANULARITY 1",
        f"ALTER TABLE `{name}` {oc} DROP INDEX `i`",
        f"RENAME TABLE `{name}` TO `other` {oc}",
        f"TRUNCATE TABLE `other` {oc}",
        f"DROP TABLE IF EXISTS `other` {oc}",
        f"CREATE MATERIALIZED VIEW `mv` {oc} TO `other` AS SELECT id FROM src",
        f"DROP VIEW IF EXISTS `mv` {oc}",
    ]
    run(chdb, statements, parse_only=True)  # chDB has no clusters: parsed, not run
    # the table option wins over the platform's
    table.options["cluster"] = "other_cluster"
    [sql] = platform.compile_create(table)
    assert " ON CLUSTER `other_cluster` " in sql
    # and a platform without a cluster writes none
    assert "ON CLUSTER" not in P.compile_create(engine_table(name, Memory()))[0]


def test_materialized_view_from_text_and_from_a_query_builder(chdb: Any) -> None:
    src, daily, mv1, mv2 = fresh(), fresh(), fresh(), fresh()
    t = Blueprint.create(src)
    t.date("day")
    t.string("kind")
    t.order_by("day")
    run(chdb, P.compile_create(t.table))
    t = Blueprint.create(daily)
    t.date("day")
    t.string("kind")
    t.column("n", lt.Integer(64, signed=False))
    t.engine(SummingMergeTree(columns="n"))  # type: ignore[arg-type]
    t.order_by("day", "kind")
    run(chdb, P.compile_create(t.table))
    text = f"SELECT day, kind, count() AS n FROM `{src}` GROUP BY day, kind"
    assert run(chdb, P.compile_create_view(mv1, text, to=daily)) == [
        f"CREATE MATERIALIZED VIEW `{mv1}` TO `{daily}` AS {text}"]
    query = (
        QueryBuilder(src).select("day", "kind", func.count().as_("n"))
        .where("kind", "it's") .group_by("day", "kind")
    )
    statements = create_materialized_view(chdb, mv2, query, to=daily, if_not_exists=True)
    assert statements == [
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS `{mv2}` TO `{daily}` AS SELECT `day`, `kind`, "
        f"count(*) AS `n` FROM `{src}` WHERE `kind` = 'it\\'s' GROUP BY `day`, `kind`"
    ]
    chdb.execute(f"INSERT INTO `{src}` VALUES ('2024-01-01', 'view'), ('2024-01-01', 'it''s')")
    rows = chdb.execute(f"SELECT kind, sum(n) FROM `{daily}` GROUP BY kind ORDER BY kind").rows
    assert rows == [("it's", 2), ("view", 1)]  # one row from each view for it's
    run(chdb, P.compile_drop_view(mv1) + P.compile_drop_view(mv2))
    with pytest.raises(SchemaError, match="needs a target table"):
        P.compile_create_view("v", text, to="")
    with pytest.raises(SchemaError, match="defined by a SELECT"):
        P.compile_create_view("v", "DROP TABLE x", to=daily)


def test_introspection_binds_names(chdb: Any) -> None:
    name = fresh()
    t = Blueprint.create(name)
    t.big_integer("id").comment("key")
    t.string("s").nullable().default("x")
    t.column("lc", lt.LowCardinality(lt.Nullable(lt.String())))
    t.order_by("id")
    run(chdb, P.compile_create(t.table))
    assert P.has_table(chdb, name)
    assert P.has_table(chdb, f"{chdb.database}.{name}")
    assert not P.has_table(chdb, "x' OR 1 = 1 OR name = '")  # bound, not spliced
    assert not P.has_table(chdb, f"no_such_db.{name}")
    cols = P.get_columns(chdb, name)
    assert [(c.name, c.type, c.nullable, c.default, c.primary, c.comment) for c in cols] == [
        ("id", "Int64", False, None, True, "key"),
        ("s", "Nullable(String)", True, "'x'", False, None),
        ("lc", "LowCardinality(Nullable(String))", True, None, False, None),
    ]
    assert P.has_column(chdb, name, "lc") and not P.has_column(chdb, name, "nope")
    with pytest.raises(SchemaError, match="does not exist"):
        P.get_columns(chdb, "no_such_table")
    # a table read back compiles to DDL the server accepts again
    again = P.get_table(chdb, name).copy(fresh())
    run(chdb, P.compile_create(again))


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        (lambda t: (t.increments("id"), t.foreign_key("id", "users")), "no foreign keys"),
        (lambda t: t.string("e").unique(), "no unique indexes"),
        (lambda t: t.array("tags", str).nullable(), "cannot store NULL"),
        (lambda t: (t.string("s"), t.engine("Memory"), t.order_by("s")),
         "Memory takes no ORDER BY"),
        (lambda t: (t.string("s").nullable(), t.order_by("s")), "Nullable"),
        (lambda t: t.string("s").default_raw("'a'").materialized("'b'"),
         "more than one of DEFAULT"),
        (lambda t: (t.string("s"), t.settings(**{"bad name": 1})), "not a ClickHouse setting"),
        (lambda t: (t.string("s"), t.engine("Nonsense garbage")), "Cannot read"),
        (lambda t: t.column("e", lt.Enum(type("E", (), {}))),  # type: ignore[arg-type]
         "enum.Enum"),
    ],
)
def test_refusals_say_why(fill: Any, message: str) -> None:
    with pytest.raises((SchemaError, TypeError), match=message):
        t = Blueprint.create("t")
        fill(t)
        P.compile_create(t.table)


def test_alter_refusals() -> None:
    with pytest.raises(SchemaError, match="cannot change the primary key"):
        P.compile_alter(TableDiff("t", primary_key=("a",)))
    with pytest.raises(SchemaError, match="cannot change engine"):
        P.compile_alter(TableDiff("t", options={"engine": "Log"}))
    with pytest.raises(SchemaError, match="no unique indexes"):
        P.compile_alter(TableDiff("t", added_indexes=[Index("u", ("a",), unique=True)]))


def test_nullable_sorting_key_with_the_setting_is_allowed(chdb: Any) -> None:
    t = Blueprint.create(fresh())
    t.string("s").nullable()
    t.order_by("s")
    t.settings(allow_nullable_key=1)
    run(chdb, P.compile_create(t.table))
