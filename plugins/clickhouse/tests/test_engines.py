"""Engine descriptors: rendering, parsing (Meta strings, system.tables), families, errors."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.errors import SchemaError
from clickorm_clickhouse.engines import (
    ENGINES,
    AggregatingMergeTree,
    Buffer,
    CollapsingMergeTree,
    Distributed,
    Engine,
    Log,
    Memory,
    MergeTree,
    Null,
    RawEngine,
    ReplacingMergeTree,
    ReplicatedCollapsingMergeTree,
    ReplicatedMergeTree,
    ReplicatedReplacingMergeTree,
    ReplicatedSummingMergeTree,
    ReplicatedVersionedCollapsingMergeTree,
    StripeLog,
    SummingMergeTree,
    TinyLog,
    VersionedCollapsingMergeTree,
    engine_family,
    parse_engine,
    split_args,
)

ZOO = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"

RENDERED: list[tuple[Engine, str, str]] = [
    (MergeTree(), "MergeTree()", "MergeTree"),
    (ReplacingMergeTree(), "ReplacingMergeTree()", "ReplacingMergeTree"),
    (ReplacingMergeTree(version="v"), "ReplacingMergeTree(`v`)", "ReplacingMergeTree"),
    (ReplacingMergeTree("v", "del"), "ReplacingMergeTree(`v`, `del`)", "ReplacingMergeTree"),
    (SummingMergeTree(), "SummingMergeTree()", "SummingMergeTree"),
    (SummingMergeTree(columns="a"), "SummingMergeTree(`a`)", "SummingMergeTree"),
    (SummingMergeTree(("a", "b")), "SummingMergeTree((`a`, `b`))", "SummingMergeTree"),
    (AggregatingMergeTree(), "AggregatingMergeTree()", "AggregatingMergeTree"),
    (CollapsingMergeTree("sign"), "CollapsingMergeTree(`sign`)", "CollapsingMergeTree"),
    (VersionedCollapsingMergeTree("sign", "v"), "VersionedCollapsingMergeTree(`sign`, `v`)",
     "VersionedCollapsingMergeTree"),
    (ReplicatedMergeTree(), f"ReplicatedMergeTree({ZOO})", "MergeTree"),
    (ReplicatedReplacingMergeTree(version="v"), f"ReplicatedReplacingMergeTree({ZOO}, `v`)",
     "ReplacingMergeTree"),
    (ReplicatedSummingMergeTree(zoo_path=None, replica=None), "ReplicatedSummingMergeTree()",
     "SummingMergeTree"),
    (ReplicatedCollapsingMergeTree("s", zoo_path="/t/{shard}", replica="r1"),
     "ReplicatedCollapsingMergeTree('/t/{shard}', 'r1', `s`)", "CollapsingMergeTree"),
    (ReplicatedVersionedCollapsingMergeTree("s", "v"),
     f"ReplicatedVersionedCollapsingMergeTree({ZOO}, `s`, `v`)", "VersionedCollapsingMergeTree"),
    (Distributed("c", "db", "t"), "Distributed('c', 'db', 't')", "Distributed"),
    (Distributed("c", "db", "t", sharding_key="cityHash64(user_id)", policy_name="p"),
     "Distributed('c', 'db', 't', cityHash64(user_id), 'p')", "Distributed"),
    (Memory(), "Memory", "Memory"),
    (Log(), "Log", "Log"),
    (TinyLog(), "TinyLog", "TinyLog"),
    (StripeLog(), "StripeLog", "StripeLog"),
    (Null(), "Null", "Null"),
    (Buffer("db", "t"), "Buffer('db', 't', 16, 10, 100, 10000, 1000000, 10000000, 100000000)",
     "Buffer"),
    (Buffer("db", "t", 1, 2, 3, 4, 5, 6, 7), "Buffer('db', 't', 1, 2, 3, 4, 5, 6, 7)", "Buffer"),
]


@pytest.mark.parametrize(("engine", "sql", "family"), RENDERED, ids=lambda v: str(v)[:40])
def test_render_parse_and_family(engine: Engine, sql: str, family: str) -> None:
    assert engine.engine_sql() == sql
    assert str(engine) == sql
    assert engine.family == family
    assert parse_engine(sql) == engine  # the text form parses back to the same descriptor
    assert engine_family(engine.name) == family


def test_writer_attributes() -> None:
    r = ReplicatedReplacingMergeTree(version="updated_at")
    assert (r.version, r.sign, r.is_deleted, r.replicated, r.is_merge_tree) == (
        "updated_at", None, None, True, True)
    assert isinstance(r, ReplacingMergeTree)  # writers dispatch on the family class
    c = VersionedCollapsingMergeTree("sign", "ver")
    assert (c.sign, c.version, c.replicated) == ("sign", "ver", False)
    assert (MergeTree().version, MergeTree().sign) == (None, None)
    assert not Memory().is_merge_tree and not Distributed("c", "d", "t").is_merge_tree
    assert r.name == "ReplicatedReplacingMergeTree"


def test_descriptors_are_frozen_and_hashable() -> None:
    e = ReplacingMergeTree(version="v")
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.version = "w"  # type: ignore[misc]
    assert len({e, ReplacingMergeTree(version="v"), MergeTree()}) == 2


def test_replicated_variant_keeps_arguments() -> None:
    e = CollapsingMergeTree("sign").replicated_variant(zoo_path="/x/{shard}", replica="{replica}")
    assert e == ReplicatedCollapsingMergeTree("sign", zoo_path="/x/{shard}", replica="{replica}")
    assert ReplacingMergeTree("v").replicated_variant().engine_sql() == (
        f"ReplicatedReplacingMergeTree({ZOO}, `v`)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MergeTree", MergeTree()),
        ("  MergeTree ( ) ", MergeTree()),
        ("ENGINE = Memory", Memory()),
        ("ReplacingMergeTree(updated_at)", ReplacingMergeTree(version="updated_at")),
        ("CollapsingMergeTree(`si``gn`)", CollapsingMergeTree("si`gn")),
        ("ReplacingMergeTree(ver) PARTITION BY toYYYYMM(d) ORDER BY id "
         "SETTINGS index_granularity = 8192", ReplacingMergeTree(version="ver")),
        ("ReplicatedMergeTree('/p/{shard}', '{replica}') ORDER BY a",
         ReplicatedMergeTree(zoo_path="/p/{shard}", replica="{replica}")),
        ("ReplicatedMergeTree", ReplicatedMergeTree(zoo_path=None, replica=None)),
        ("Distributed('c', 'd', 't', rand())", Distributed("c", "d", "t", sharding_key="rand()")),
        ("Distributed(c, d, t)", Distributed("c", "d", "t")),
    ],
)
def test_parse_text(text: str, expected: Engine) -> None:
    assert parse_engine(text) == expected


def test_parse_objects_classes_and_none() -> None:
    e = ReplacingMergeTree(version="v")
    assert parse_engine(e) is e
    assert parse_engine(MergeTree) == MergeTree()
    assert parse_engine(None) is None
    with pytest.raises(SchemaError, match="needs arguments"):
        parse_engine(CollapsingMergeTree)
    with pytest.raises(SchemaError, match="Meta.engine must be"):
        parse_engine(42)  # type: ignore[call-overload]


def test_unknown_and_legacy_engines_stay_raw() -> None:
    kafka = parse_engine("Kafka('broker:9092', 'topic', 'group', 'JSONEachRow')")
    assert isinstance(kafka, RawEngine)
    assert kafka.name == "Kafka" and kafka.family == "Kafka" and not kafka.is_merge_tree
    assert kafka.engine_sql() == "Kafka('broker:9092', 'topic', 'group', 'JSONEachRow')"
    legacy = parse_engine("MergeTree(date, (id, date), 8192)")  # pre-1.1.54310 syntax
    assert isinstance(legacy, RawEngine)
    assert legacy.family == "MergeTree" and legacy.is_merge_tree
    shared = parse_engine("SharedReplacingMergeTree('/p', 'r', ver)")
    assert shared.family == "ReplacingMergeTree" and not shared.replicated


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ReplacingMergeTree(is_deleted="d"), "needs a version column"),
        (lambda: ReplacingMergeTree(version=""), "must be a column name"),
        (lambda: CollapsingMergeTree(None), "sign must be a column name"),  # type: ignore[arg-type]
        (lambda: SummingMergeTree(columns=()), "at least one column"),
        (lambda: ReplicatedMergeTree(zoo_path="/p", replica=None), "both zoo_path and replica"),
        (lambda: Distributed("", "d", "t"), "cluster must be"),
        (lambda: Distributed("c", "d", "t", policy_name="p"), "needs a sharding_key"),
        (lambda: Buffer("d", "t", num_layers=0), "num_layers"),
        (lambda: Buffer("d", "t", min_rows=-1), "min_rows must be an int"),
        (lambda: RawEngine(""), "needs the engine SQL"),
    ],
)
def test_bad_arguments_are_refused(build: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        build()


@pytest.mark.parametrize("text", ["", "(x)", "MergeTree(", "Memory garbage"])
def test_unreadable_text(text: str) -> None:
    with pytest.raises(SchemaError):
        parse_engine(text)


def test_split_args_respects_quotes_and_brackets() -> None:
    assert split_args("'a,b', f(x, y), [1, 2], `c,d`") == ["'a,b'", "f(x, y)", "[1, 2]", "`c,d`"]
    assert split_args("") == []
    assert split_args("'it\\'s', 2") == ["'it\\'s'", "2"]


def test_registry_names_every_descriptor() -> None:
    assert set(ENGINES) >= {
        "MergeTree", "ReplacingMergeTree", "SummingMergeTree", "AggregatingMergeTree",
        "CollapsingMergeTree", "VersionedCollapsingMergeTree", "ReplicatedMergeTree",
        "ReplicatedReplacingMergeTree", "ReplicatedSummingMergeTree",
        "ReplicatedAggregatingMergeTree", "ReplicatedCollapsingMergeTree",
        "ReplicatedVersionedCollapsingMergeTree", "Distributed", "Memory", "Log", "TinyLog",
        "StripeLog", "Null", "Buffer",
    }


# -- against the real engine: what system.tables reports maps back to the family ---------
@pytest.fixture(scope="module")
def chdb() -> Iterator[Any]:
    database = f"engines_{uuid.uuid4().hex[:10]}"
    manager = ConnectionManager("clickhouse+embedded://", database=database)
    conn = manager.connection()
    try:
        yield conn
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()


LOCAL_ENGINES = [
    (e, cols, order)
    for e, cols, order in [
        (MergeTree(), "", True),
        (ReplacingMergeTree(version="v"), "", True),
        (ReplacingMergeTree("v", "del"), "", True),
        (SummingMergeTree(("x", "v")), "", True),
        (AggregatingMergeTree(), "", True),
        (CollapsingMergeTree("sign"), "", True),
        (VersionedCollapsingMergeTree("sign", "v"), "", True),
        (Memory(), "", False),
        (Log(), "", False),
        (TinyLog(), "", False),
        (StripeLog(), "", False),
        (Null(), "", False),
    ]
]


@pytest.mark.parametrize(("engine", "_cols", "ordered"), LOCAL_ENGINES, ids=lambda v: str(v)[:30])
def test_engine_round_trips_through_system_tables(
    chdb: Any, engine: Engine, _cols: str, ordered: bool
) -> None:
    name = f"t_{uuid.uuid4().hex[:8]}"
    sql = (
        f"CREATE TABLE `{name}` (`id` UInt64, `x` UInt64, `v` UInt32, `del` UInt8, "
        f"`sign` Int8) ENGINE = {engine.engine_sql()}" + (" ORDER BY `id`" if ordered else "")
    )
    chdb.execute(sql)
    engine_name, engine_full = chdb.execute(
        "SELECT engine, engine_full FROM system.tables WHERE database = currentDatabase() "
        "AND name = {t:String}", {"t": name}
    ).rows[0]
    assert engine_family(engine_name) == engine.family
    assert parse_engine(engine_full) == engine


def test_buffer_and_distributed_are_accepted(chdb: Any) -> None:
    chdb.execute("CREATE TABLE `buf_target` (`id` UInt64) ENGINE = Memory")
    buffer = Buffer(chdb.database, "buf_target", 1, 0, 1, 0, 10, 0, 1000)
    chdb.execute(f"CREATE TABLE `buf` (`id` UInt64) ENGINE = {buffer.engine_sql()}")
    full = chdb.execute(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'buf'"
    ).scalar()
    assert parse_engine(full) == buffer
    # chDB has no clusters (system.clusters is empty): the Distributed DDL is parsed only
    assert chdb.execute("SELECT count() FROM system.clusters").scalar() == 0
    dist = Distributed("c", chdb.database, "buf_target", sharding_key="rand()")
    ast = chdb.execute(
        f"EXPLAIN AST CREATE TABLE `d` (`id` UInt64) ENGINE = {dist.engine_sql()}").rows
    assert any("Function Distributed" in r[0] for r in ast)
