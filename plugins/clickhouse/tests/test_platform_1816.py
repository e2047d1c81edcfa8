"""The platform against a real ClickHouse 18.16 server (the ``clickhouse_native`` fixture).

The connection reports the server version; its platform writes what 18.16 accepts (Bool
as UInt8, no table comment, comments of altered columns in COMMENT COLUMN) and refuses
what it lacks with the version named — before anything is sent.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from clickorm import QueryBuilder, func
from clickorm.errors import SchemaError
from clickorm.schema.schema import Schema
from clickorm.types import logical as lt
from clickorm_clickhouse.engines import (
    AggregatingMergeTree,
    Buffer,
    CollapsingMergeTree,
    Engine,
    Log,
    Memory,
    MergeTree,
    Null,
    ReplacingMergeTree,
    StripeLog,
    SummingMergeTree,
    TinyLog,
    VersionedCollapsingMergeTree,
    parse_engine,
)
from clickorm_clickhouse.views import create_materialized_view


@pytest.fixture
def conn(clickhouse_native: Any) -> Any:
    assert clickhouse_native.server_version[:2] == (18, 16)
    assert clickhouse_native.platform.server_version[:2] == (18, 16)
    return clickhouse_native


def test_bool_becomes_uint8_and_comments_adapt(conn: Any) -> None:
    schema = Schema(conn)
    with schema.create("flags") as t:
        t.big_integer("id").comment("the key")
        t.boolean("on").default(True)
        t.comment("left out on 18.16")
        t.order_by("id")
    assert t.statements == [
        "CREATE TABLE `flags` (`id` Int64 COMMENT 'the key', `on` UInt8 DEFAULT 1) "
        "ENGINE = MergeTree() ORDER BY `id`"
    ]
    columns = {c.name: c for c in schema.get_columns("flags")}
    assert columns["on"].type == "UInt8" and columns["on"].default == "1"
    assert columns["id"].comment == "the key" and columns["id"].primary


@pytest.mark.parametrize(
    ("fill", "feature", "since"),
    [
        (lambda t: t.map("attrs", str, int), "Map(K, V) columns", "21.1"),
        (lambda t: t.datetime("at", precision=3), "DateTime64", "20.1"),
        (lambda t: t.column("big", lt.Integer(128)), "Int128", "20.8"),
        (lambda t: t.string("s").codec("ZSTD"), "codecs", "19.1"),
        (lambda t: t.ttl("now()"), "TTL", "19.6"),
        (lambda t: t.column("n", lt.Nested((("a", lt.Integer(8)),))), "Nested", "21.3"),
    ],
)
def test_missing_features_are_refused_before_sending(
    conn: Any, fill: Any, feature: str, since: str
) -> None:
    schema = Schema(conn)
    with pytest.raises(SchemaError) as info:
        with schema.create("refused") as t:
            t.big_integer("id")
            fill(t)
    text = str(info.value)
    assert feature in text and "ClickHouse 18.16" in text and f"ClickHouse {since}" in text
    assert not schema.has_table("refused") and schema.statements == []


ENGINES: list[tuple[Engine, bool]] = [
    (MergeTree(), True),
    (ReplacingMergeTree(version="v"), True),
    (SummingMergeTree(("x",)), True),
    (AggregatingMergeTree(), True),
    (CollapsingMergeTree("sign"), True),
    (VersionedCollapsingMergeTree("sign", "v"), True),
    (Memory(), False),
    (Log(), False),
    (TinyLog(), False),
    (StripeLog(), False),
    (Null(), False),
]


def test_every_local_engine(conn: Any) -> None:
    schema = Schema(conn)
    for i, (engine, ordered) in enumerate(ENGINES):
        with schema.create(f"e{i}") as t:
            t.column("id", lt.Integer(64, signed=False))
            t.column("x", lt.Integer(64, signed=False))
            t.column("v", lt.Integer(32, signed=False))
            t.column("sign", lt.Integer(8))
            t.engine(engine)  # type: ignore[arg-type]
            if ordered:
                t.order_by("id")
        assert schema.get_table(f"e{i}").options["engine"] == engine
        assert schema.has_table(f"e{i}")
    buffer = Buffer(conn.database, "e6")
    with schema.create("buf") as t:
        t.column("id", lt.Integer(64, signed=False))
        t.engine(buffer)  # type: ignore[arg-type]
    assert parse_engine(schema.get_table("buf").options["engine"]) == buffer


def test_clauses_columns_and_alters(conn: Any) -> None:
    schema = Schema(conn)
    with schema.create("events") as t:
        t.date("day")
        t.column("user_id", lt.Integer(64, signed=False))
        t.string("kind").low_cardinality().default("view")
        t.column("kind_len", lt.Integer(64, signed=False)).materialized("length(kind)")
        t.column("kind_up", lt.String()).alias("upper(kind)")
        t.engine(ReplacingMergeTree())  # type: ignore[arg-type]
        t.partition_by("toYYYYMM(day)")
        t.option("primary_key", ("day", "intHash32(user_id)"))
        t.order_by("day", "intHash32(user_id)", "kind")
        t.sample_by("intHash32(user_id)")
        t.settings(index_granularity=8192)
    assert t.statements == [
        "CREATE TABLE `events` (`day` Date, `user_id` UInt64, "
        "`kind` LowCardinality(String) DEFAULT 'view', `kind_len` UInt64 MATERIALIZED "
        "length(kind), `kind_up` String ALIAS upper(kind)) ENGINE = ReplacingMergeTree() "
        "PARTITION BY toYYYYMM(day) PRIMARY KEY (`day`, intHash32(user_id)) "
        "ORDER BY (`day`, intHash32(user_id), `kind`) SAMPLE BY intHash32(user_id) "
        "SETTINGS index_granularity = 8192"
    ]
    table = schema.get_table("events")
    assert table.options["order_by"] == "day, intHash32(user_id), kind"
    assert table.options["sample_by"] == "intHash32(user_id)"
    # 18.16 stores the expression cast to the column type
    assert table.columns["kind_up"].options == {"alias": "CAST(upper(kind), 'String')"}
    with schema.table("events") as t:
        t.string("note").nullable().comment("added")
        t.column("kind_len", lt.Integer(32, signed=False)).materialized("length(kind)").comment(
            "len").change()
        t.drop_column("kind_up")
        t.option("column_comments", {"day": "partition day"})
    assert t.statements == [
        "ALTER TABLE `events` DROP COLUMN `kind_up`",
        "ALTER TABLE `events` MODIFY COLUMN `kind_len` UInt32 MATERIALIZED length(kind)",
        "ALTER TABLE `events` ADD COLUMN `note` Nullable(String)",
        # 18.16 drops COMMENT in ADD/MODIFY COLUMN: comments get statements of their own
        "ALTER TABLE `events` COMMENT COLUMN `day` 'partition day'",
        "ALTER TABLE `events` COMMENT COLUMN `kind_len` 'len'",
        "ALTER TABLE `events` COMMENT COLUMN `note` 'added'",
    ]
    comments = {c.name: c.comment for c in schema.get_columns("events")}
    assert comments["note"] == "added" and comments["kind_len"] == "len"
    assert comments["day"] == "partition day" and "kind_up" not in comments

    target = QueryBuilder("events").select("day", func.count().as_("n")).group_by("day")
    with schema.create("daily") as t:
        t.date("day")
        t.column("n", lt.Integer(64, signed=False))
        t.engine(SummingMergeTree())  # type: ignore[arg-type]
        t.order_by("day")
    assert create_materialized_view(conn, "daily_mv", target, to="daily") == [
        "CREATE MATERIALIZED VIEW `daily_mv` TO `daily` AS SELECT `day`, count(*) AS `n` "
        "FROM `events` GROUP BY `day`"
    ]
    day = datetime.date(2024, 1, 1)
    # every stored column given: 18.16 fails filling the defaults here ("Sizes of columns
    # doesn't match", seen with the LowCardinality DEFAULT)
    rows = [(day, 1, "view", None), (day, 2, "click", "n")]
    conn.insert_rows("events", ["day", "user_id", "kind", "note"], rows)
    assert conn.execute("SELECT sum(n) FROM daily").rows[0][0] == 2

    assert schema.truncate("events") == ["TRUNCATE TABLE `events`"]
    assert schema.rename("events", "events_old") == ["RENAME TABLE `events` TO `events_old`"]
    assert schema.drop("events_old") == ["DROP TABLE `events_old`"]
    assert not schema.has_table("events_old")
