"""Version adaptation of the DDL, compiled for servers from 18.16 to current.

Each old-server spelling is executed by the 18.16 server in ``test_platform_1816.py``;
here the switch points are pinned: the release where a feature starts being used and the
SchemaError (feature, server version, required release) before it.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest

from clickorm.errors import SchemaError
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.table import Column, TableDiff
from clickorm.types import logical as lt
from clickorm_clickhouse.engines import ReplacingMergeTree, ReplicatedMergeTree
from clickorm_clickhouse.platform import ClickHousePlatform
from clickorm_clickhouse.platform_objects import Projection, SkipIndex
from clickorm_clickhouse.platform_types import enum_members

OLD = (18, 16, 1)


def type_sql(t: lt.LogicalType, version: tuple[int, ...] | None) -> str:
    return ClickHousePlatform(server_version=version).type_sql(t)


@pytest.mark.parametrize(
    ("logical", "old", "new", "switch"),
    [
        (lt.Boolean(), "UInt8", "Bool", (21, 12)),
        (lt.JSON(), "String", "JSON", (25, 3)),
        (lt.Tuple((lt.Float(64), lt.String()), names=("x", "y")), "Tuple(Float64, String)",
         "Tuple(`x` Float64, `y` String)", (21, 9)),
    ],
)
def test_written_the_old_way(
    logical: lt.LogicalType, old: str, new: str, switch: tuple[int, int]
) -> None:
    assert type_sql(logical, OLD) == old
    assert type_sql(logical, (switch[0], switch[1] - 1)) == old
    assert type_sql(logical, switch) == new
    assert type_sql(logical, None) == new  # unknown version: the newest


@pytest.mark.parametrize(
    ("logical", "feature", "since"),
    [
        (lt.Map(lt.String(), lt.Integer(64)), "Map(K, V) columns", "21.1"),
        (lt.DateTime64(3), "DateTime64", "20.1"),
        (lt.Integer(128), "Int128/Int256", "20.8"),
        (lt.Integer(256, signed=False), "Int128/Int256", "20.8"),
        (lt.Decimal(50, 2), "Decimal256", "20.8"),
        (lt.Date32(), "Date32", "21.9"),
        (lt.IPv4(), "IPv4 / IPv6", "19.3"),
        (lt.IPv6(), "IPv4 / IPv6", "19.3"),
        (lt.Array(lt.Map(lt.String(), lt.String())), "Map(K, V)", "21.1"),
        (lt.Nested((("a", lt.Integer(32)),)), "Nested columns kept as one column", "21.3"),
    ],
)
def test_refused_with_the_feature_and_the_version(
    logical: lt.LogicalType, feature: str, since: str
) -> None:
    with pytest.raises(SchemaError) as info:
        type_sql(logical, OLD)
    text = str(info.value)
    assert feature in text and "ClickHouse 18.16.1" in text and f"ClickHouse {since}" in text
    assert "Instead:" in text
    type_sql(logical, tuple(int(p) for p in since.split(".")))  # accepted from that release


def test_nullable_spellings() -> None:
    new, old = ClickHousePlatform(), ClickHousePlatform(server_version=OLD)
    inner = lt.Nullable(lt.LowCardinality(lt.String()))
    assert new.type_sql(inner) == "LowCardinality(Nullable(String))"
    assert old.type_sql(lt.Nullable(lt.JSON())) == "Nullable(String)"
    with pytest.raises(SchemaError, match="cannot store NULL in a JSON column"):
        new.type_sql(lt.Nullable(lt.JSON()))


def test_types_the_old_server_has() -> None:
    p = ClickHousePlatform(server_version=OLD)
    assert p.type_sql(lt.LowCardinality(lt.String())) == "LowCardinality(String)"
    assert p.type_sql(lt.Decimal(38, 10)) == "Decimal(38, 10)"
    assert p.type_sql(lt.DateTime("UTC")) == "DateTime('UTC')"
    assert p.type_sql(lt.UUID()) == "UUID"
    assert p.type_sql(lt.FixedString(3)) == "FixedString(3)"
    assert p.type_sql(lt.Array(lt.Nullable(lt.Integer(8)))) == "Array(Nullable(Int8))"


class Big(enum.Enum):
    A = 1
    B = 1000


class Mixed(enum.Enum):
    A = 1.5
    B = "b"


def test_enum_members_and_width() -> None:
    p = ClickHousePlatform()
    assert p.type_sql(lt.Enum(Big)) == "Enum16('A' = 1, 'B' = 1000)"
    assert p.type_sql(lt.Enum(Mixed)) == "Enum8('A' = 1, 'B' = 2)"
    assert enum_members(lt.Enum(Big)) == [("A", 1), ("B", 1000)]
    with pytest.raises(SchemaError, match="do not fit Enum8"):
        p.type_sql(lt.Enum(Big, bits=8))
    assert p.type_sql(lt.Enum(Big, bits=16)) == "Enum16('A' = 1, 'B' = 1000)"


def _create(version: tuple[int, ...] | None, fill: Any) -> str:
    t = Blueprint.create("t")
    t.big_integer("id")
    fill(t)
    [sql] = ClickHousePlatform(server_version=version).compile_create(t.table)
    return sql


@pytest.mark.parametrize(
    ("fill", "feature", "since"),
    [
        (lambda t: t.string("s").codec("ZSTD"), "compression codecs", "19.1"),
        (lambda t: t.string("s").ttl("now()"), "TTL", "19.6"),
        (lambda t: t.ttl("now()"), "TTL", "19.6"),
        (lambda t: t.option("projections", [Projection("p", "SELECT id")]), "projections", "21.6"),
        (lambda t: t.option("indexes", [SkipIndex("i", "id")]), "skipping indices", "19.3"),
        (lambda t: t.engine(ReplacingMergeTree("id", "id")), "is_deleted", "23.2"),
        (lambda t: t.engine(ReplicatedMergeTree(zoo_path=None, replica=None)),
         "without ZooKeeper path", "20.10"),
    ],
)
def test_create_features_refused_on_old_servers(fill: Any, feature: str, since: str) -> None:
    with pytest.raises(SchemaError) as info:
        _create(OLD, fill)
    assert feature in str(info.value) and "18.16.1" in str(info.value)
    _create(tuple(int(p) for p in since.split(".")), fill)


def test_old_way_table_parts() -> None:
    def fill(t: Blueprint) -> None:
        t.string("s").index()  # a plain index is a hint: left out before 19.3
        t.comment("a table")  # table comments are left out before 21.7
        t.column("p", lt.Tuple((lt.Integer(8),), names=("a",)))  # unnamed before 21.9

    assert _create(OLD, fill) == (
        "CREATE TABLE `t` (`id` Int64, `s` String, `p` Tuple(Int8)) "
        "ENGINE = MergeTree() ORDER BY tuple()"
    )
    assert _create(None, fill) == (
        "CREATE TABLE `t` (`id` Int64, `s` String, `p` Tuple(`a` Int8), "
        "INDEX `t_s_index` `s` TYPE minmax GRANULARITY 1) ENGINE = MergeTree() "
        "ORDER BY tuple() COMMENT 'a table'"
    )


def test_alter_comments_split_on_old_servers() -> None:
    diff = TableDiff("t", added_columns={"c": Column("c", lt.String(), comment="hi")})
    assert ClickHousePlatform(server_version=OLD).compile_alter(diff) == [
        "ALTER TABLE `t` ADD COLUMN `c` String", "ALTER TABLE `t` COMMENT COLUMN `c` 'hi'"]
    assert ClickHousePlatform(server_version=(20, 1)).compile_alter(diff) == [
        "ALTER TABLE `t` ADD COLUMN `c` String COMMENT 'hi'"]


@pytest.mark.parametrize(
    ("diff", "feature"),
    [
        (TableDiff("t", renamed_columns={"a": "b"}), "RENAME COLUMN"),
        (TableDiff("t", changed_columns={"a": Column("b", lt.String())}), "RENAME COLUMN"),
        (TableDiff("t", dropped_indexes=["i"]), "skipping indices"),
        (TableDiff("t", options={"ttl": "now()"}), "TTL"),
        (TableDiff("t", comment="c"), "MODIFY COMMENT"),
    ],
)
def test_alters_refused_on_old_servers(diff: TableDiff, feature: str) -> None:
    with pytest.raises(SchemaError) as info:
        ClickHousePlatform(server_version=OLD).compile_alter(diff)
    assert feature in str(info.value) and "18.16.1" in str(info.value)
    ClickHousePlatform().compile_alter(diff)


def test_literals_follow_the_version() -> None:
    old, new = ClickHousePlatform(server_version=OLD), ClickHousePlatform()
    assert (old.literal(True), new.literal(True)) == ("1", "true")
    assert new.literal(float("nan")) == "nan" and new.literal(float("-inf")) == "-inf"
    assert new.literal([1, "a'b"]) == "[1, 'a\\'b']"
    assert new.literal({"k": (1, None)}) == "map('k', (1, NULL))"
