"""Migrations end to end on SQLite, chDB and the 18.16 server: v1 -> rows -> v2 ->
autogenerate -> plan -> up -> rows kept, check clean -> down -> v1 back."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from clickorm import Column, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import MigrationError, SchemaError
from clickorm.migrations import History, Migrator, compare, write_migration

HISTORY = "clickorm_migrations"


class EventV1(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    kind: str
    name: str
    legacy: str = ""
    at: dt.datetime

    class Meta:
        table_name = "events"
        order_by = ("id",)


def event_v2(ttl: str | None) -> type[Model]:
    class EventV2(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        kind: str
        full_name: str
        at: dt.datetime
        score: int = 7

        class Meta:
            table_name = "events"
            order_by = ("kind", "id")
            engine = "ReplacingMergeTree"

    if ttl:
        raise AssertionError("unused")
    return EventV2


def make(conn: BaseConnection, directory: Path, name: str, models: list[type[Model]]) -> Path:
    result = compare(conn, models, ignore=[HISTORY])
    return write_migration(directory, name, result.operations, connection="default",
                           dialect=conn.dialect.name)


def rows(conn: BaseConnection, columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(f"SELECT {columns} FROM events ORDER BY id").rows]


def test_v1_to_v2_and_back(engine_connection: tuple[str, BaseConnection], tmp_path: Path) -> None:
    engine, conn = engine_connection
    migrator = Migrator(conn, tmp_path)
    make(conn, tmp_path, "init", [EventV1])
    assert migrator.up() and [s.state for s in migrator.status()] == ["applied"]
    at = dt.datetime(2026, 1, 2, 3, 4, 5)
    conn.insert_rows("events", ["id", "kind", "name", "legacy", "at"],
                     [(1, "a", "n1", "l1", at), (2, "b", "n2", "l2", at)])
    v2 = event_v2(None)
    assert not compare(conn, [v2], ignore=[HISTORY]).clean
    path = make(conn, tmp_path, "v2", [v2])
    text = path.read_text()
    assert "# DESTRUCTIVE: drops column events.legacy" in text
    assert "unconfirmed_renames=['name -> full_name']" in text
    with pytest.raises(MigrationError, match="rename column events.name -> full_name"):
        migrator.up()
    path.write_text(text.replace("            unconfirmed_renames=['name -> full_name'],\n", ""))
    with pytest.raises(MigrationError, match="destructive: drops column events.legacy"):
        migrator.up()
    plan = Migrator.sql_text(migrator.plan_up())
    if engine == "sqlite":
        assert 'RENAME COLUMN "name" TO "full_name"' in plan
    else:  # engine and ORDER BY change: a rebuild inside the server
        assert "ENGINE = ReplacingMergeTree()" in plan and "INSERT INTO" in plan
        assert "SELECT `id`, `kind`, `name`, `at` FROM `events`" in plan
        assert "RENAME TABLE `events` TO `_clickorm_rebuild_old_events`" in plan
    migrator.up(allow_destructive=True)
    assert rows(conn, "id, kind, full_name, score") == [(1, "a", "n1", 7), (2, "b", "n2", 7)]
    assert compare(conn, [v2], ignore=[HISTORY]).clean
    # down: v1's schema back, its rows back except the dropped column's values
    with pytest.raises(MigrationError, match="destructive"):
        migrator.down()
    migrator.down(allow_destructive=True)
    assert compare(conn, [EventV1], ignore=[HISTORY]).clean
    assert rows(conn, "id, kind, name, legacy") == [(1, "a", "n1", ""), (2, "b", "n2", "")]
    assert [s.state for s in migrator.status()] == ["applied", "pending"]
    # the history keeps every event (append-only)
    kinds = [e.kind for e in History(conn).events() if e.migration]
    assert [k for k in kinds if k in ("apply", "revert")] == ["apply", "apply", "revert"]
    # and where a killed run of the several steps of v2 would have resumed, step by step
    assert "partial" in kinds and "partial_revert" in kinds


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def clickhouse(request: pytest.FixtureRequest) -> BaseConnection:
    """chDB or the 18.16 server (the ClickHouse-only planning tests)."""
    conn: BaseConnection = request.getfixturevalue(
        "chdb" if request.param == "chdb" else "clickhouse_native")
    empty(conn)  # the chdb fixture's database is shared by the module
    return conn


def empty(conn: BaseConnection) -> None:
    for name in conn.execute("SELECT name FROM system.tables WHERE database = "
                             "currentDatabase()").rows:
        conn.execute(f"DROP TABLE `{name[0]}`")


def test_in_place_alters_on_clickhouse(clickhouse: BaseConnection, tmp_path: Path) -> None:
    """A column added and appended to ORDER BY: one ALTER, no rebuild, on every version."""
    conn = clickhouse
    for name in ("events", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")

    class A(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        at: dt.datetime

        class Meta:
            table_name = "events"
            order_by = ("id",)

    class B(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        at: dt.datetime
        region: str

        class Meta:
            table_name = "events"
            order_by = ("id", "region")

    migrator = Migrator(conn, tmp_path)
    make(conn, tmp_path, "a", [A])
    migrator.up()
    conn.insert_rows("events", ["id", "at"], [(1, dt.datetime(2026, 1, 1))])
    make(conn, tmp_path, "b", [B])
    plan = Migrator.sql_text(migrator.plan_up())
    assert "MODIFY ORDER BY (`id`, `region`)" in plan and "INSERT INTO" not in plan
    migrator.up()
    assert rows(conn, "id, region") == [(1, "")]
    assert compare(conn, [B], ignore=[HISTORY]).clean
    migrator.down(allow_destructive=True)  # drops region: a rebuild (ORDER BY shrinks)
    assert compare(conn, [A], ignore=[HISTORY]).clean and rows(conn, "id") == [(1,)]


def test_ttl_and_projection_on_chdb(chdb: BaseConnection, tmp_path: Path) -> None:
    class A(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        at: dt.datetime

        class Meta:
            table_name = "events"
            order_by = ("id",)

    class B(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        at: dt.datetime

        class Meta:
            table_name = "events"
            order_by = ("id",)
            ttl = "at + INTERVAL 10 YEAR"
            projections = {"by_at": "SELECT id, at ORDER BY at"}

    empty(chdb)
    migrator = Migrator(chdb, tmp_path)
    make(chdb, tmp_path, "a", [A])
    migrator.up()
    chdb.insert_rows("events", ["id", "at"], [(1, dt.datetime(2026, 1, 1))])
    make(chdb, tmp_path, "b", [B])
    plan = Migrator.sql_text(migrator.plan_up())
    assert "ADD PROJECTION `by_at`" in plan and "MATERIALIZE PROJECTION `by_at`" in plan
    assert "MODIFY TTL" in plan and "INSERT INTO" not in plan
    migrator.up()
    assert compare(chdb, [B], ignore=[HISTORY]).clean
    assert rows(chdb, "id") == [(1,)]
    migrator.down()  # removing a TTL is a rebuild; rows kept
    assert compare(chdb, [A], ignore=[HISTORY]).clean and rows(chdb, "id") == [(1,)]
    chdb.execute("DROP TABLE events")
    chdb.execute(f"DROP TABLE {HISTORY}")


def test_ttl_and_projection_refused_on_1816(clickhouse_native: BaseConnection) -> None:
    for option, value, feature in (
        ("ttl", "at + INTERVAL 1 YEAR", "TTL"),
        ("projections", {"p": "SELECT id ORDER BY at"}, "rojection"),
    ):
        meta = type("Meta", (), {"table_name": "t", "order_by": ("id",), option: value})
        model = type("T", (Model,), {"__annotations__": {"id": int, "at": dt.datetime},
                                     "Meta": meta, "__module__": __name__})
        with pytest.raises(SchemaError, match=rf"{feature}.*18\.16"):
            compare(clickhouse_native, [model])


def test_two_migrators_at_once(engine_connection: tuple[str, BaseConnection], tmp_path: Path) -> None:
    """Never both hold the lock: the second fails naming the holder, or waits."""
    _, conn = engine_connection
    first, second = History(conn), History(conn)
    first.ensure()
    first.acquire()
    with pytest.raises(MigrationError, match="Another migrator holds the migrations lock"):
        second.acquire()
    first.release()
    second.acquire()  # free again
    second.release()
    # racing threads on one connection: exactly one wins each round
    holders: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def race(h: History) -> None:
        barrier.wait()
        try:
            h.acquire()
            holders.append(h.owner)
        except MigrationError as exc:
            errors.append(exc)

    a, b = History(conn), History(conn)
    threads = [threading.Thread(target=race, args=(h,)) for h in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(holders) <= 1 and len(holders) + len(errors) == 2
    for h in (a, b):
        h.release()


def test_failed_step_records_partial_and_resumes(engine_connection: tuple[str, BaseConnection],
                                                 tmp_path: Path) -> None:
    _, conn = engine_connection
    (tmp_path / "20260101_000000_raw.py").write_text(
        "from clickorm.migrations import ops\n"
        "def upgrade():\n"
        "    return [ops.RunSQL(['CREATE TABLE m1 (id INTEGER) ' + ENGINE,\n"
        "                        'INSERT INTO m2 SELECT 1'])]\n"
        "def downgrade():\n"
        "    return [ops.RunSQL('DROP TABLE m1')]\n"
        f"ENGINE = {'' if conn.dialect.name == 'sqlite' else 'ENGINE = Memory'!r}\n"
    )
    migrator = Migrator(conn, tmp_path)
    with pytest.raises(MigrationError, match="(?s)step 2/2 failed.*steps 1-1 ran and were kept"):
        migrator.up()
    assert [(s.state, s.step) for s in migrator.status()] == [("partial", 1)]
    path = tmp_path / "20260101_000000_raw.py"
    original = path.read_text()
    path.write_text(original + "# edited\n")
    with pytest.raises(MigrationError, match="changed after a run that stopped at step 2"):
        migrator.up()
    path.write_text(original)
    conn.execute("CREATE TABLE m2 (id INTEGER)" + ("" if conn.dialect.name == "sqlite"
                                                   else " ENGINE = Memory"))
    migrator.up()  # resumes at step 2 (step 1 would fail: m1 exists)
    assert [s.state for s in migrator.status()] == ["applied"]


def rich(version: int, modern: bool) -> type[Model]:
    """A table using most of what autogenerate compares; ``version`` 2 changes codec,
    comment, default, a skip index and a setting (all in place)."""
    from clickorm_clickhouse.platform_objects import SkipIndex

    annotations: dict[str, Any] = {
        "id": Annotated[int, types.UInt64],
        "user_id": Annotated[int, types.UInt32],
        "kind": Annotated[str, types.LowCardinality],
        "maybe": str | None,
        "tags": list[str],
        "at": dt.datetime,
        "url": str,
        "url_len": Annotated[int, types.UInt32],
    }
    values: dict[str, Any] = {
        "id": Column(primary_key=True),
        "url": Column(codec=("ZSTD(3)" if version == 1 else "LZ4") if modern else None,
                      comment="the page" if version == 1 else "the URL"),
        "url_len": Column(default=0, materialized="length(url)"),
        "maybe": None if version == 1 else "x",
    }
    if modern:
        annotations["attrs"] = dict[str, int]
        annotations["pair"] = tuple[int, str]
    meta: dict[str, Any] = {
        "table_name": "rich",
        "order_by": ("kind", "intHash32(user_id)", "id"),
        "partition_by": "toYYYYMM(at)",
        "sample_by": "intHash32(user_id)",
        "settings": {"index_granularity": 1024 if version == 1 else 2048},
    }
    if modern:  # index_granularity is fixed at creation: change one MODIFY SETTING can
        meta["settings"] = {"index_granularity": 1024,
                            "merge_with_ttl_timeout": 3600 if version == 1 else 7200}
    if modern:  # 18.16 has neither codecs nor skip indexes
        meta["indexes"] = [SkipIndex("ix_url", "url", type="bloom_filter(0.01)", granularity=4)]
        meta["indexes"] += [SkipIndex("ix_len", "url_len", type="minmax")] if version == 2 else []
    if modern:
        meta["ttl"] = "at + INTERVAL 5 YEAR" if version == 1 else "at + INTERVAL 6 YEAR"
    namespace = {"__annotations__": annotations, "__module__": __name__, **values,
                 "Meta": type("Meta", (), meta)}
    return type(f"Rich{version}", (Model,), namespace)


def test_autogenerate_round_trip_of_many_column_kinds(clickhouse: BaseConnection,
                                                      tmp_path: Path) -> None:
    """Created from a migration, the table compares clean (both sides spelled by the
    server); the v2 changes plan as ALTERs (MODIFY SETTING from 21.1, else a rebuild)."""
    conn = clickhouse
    for name in ("rich", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    version = conn.server_version or (99,)
    modern = tuple(version) >= (21, 6)
    v1, v2 = rich(1, modern), rich(2, modern)
    migrator = Migrator(conn, tmp_path)
    make(conn, tmp_path, "rich", [v1])
    migrator.up()
    assert compare(conn, [v1], ignore=[HISTORY]).clean
    conn.insert_rows("rich", ["id", "user_id", "kind", "maybe", "tags", "at", "url"],
                     [(1, 5, "k", None, ["a"], dt.datetime(2026, 1, 1), "http://x")])
    result = compare(conn, [v2], ignore=[HISTORY])
    text = "\n".join(result.lines)
    assert "change column url" in text
    assert ("add index ix_len" in text) == modern
    assert "change column maybe" in text and "settings" in text
    make(conn, tmp_path, "rich2", [v2])
    plan = Migrator.sql_text(migrator.plan_up())
    if modern:
        assert "INSERT INTO" not in plan
        assert "MODIFY SETTING merge_with_ttl_timeout = 7200" in plan and "MODIFY TTL" in plan
    else:
        assert "INSERT INTO" in plan  # 18.16 has no MODIFY SETTING: rebuilt
    migrator.up()
    assert compare(conn, [v2], ignore=[HISTORY]).clean
    assert [tuple(r) for r in conn.execute("SELECT id, url_len, tags FROM rich").rows] == [
        (1, 8, ["a"])]
    migrator.down()
    assert compare(conn, [v1], ignore=[HISTORY]).clean


def test_history_table_is_append_only_and_replicated_on_a_cluster() -> None:
    from clickorm.migrations.history import history_table
    from clickorm_clickhouse.platform import ClickHousePlatform

    plain = ClickHousePlatform(server_version=(23, 8))
    assert plain.compile_create(history_table("h", plain))[0].endswith(
        "ENGINE = MergeTree() ORDER BY (`migration`, `at_us`, `token`)")
    for version in ((23, 8), (18, 16, 1)):
        clustered = ClickHousePlatform(server_version=version, cluster="main", database="app")
        sql = clustered.compile_create(history_table("h", clustered))[0]
        assert sql.startswith("CREATE TABLE `h` ON CLUSTER `main` (")
        # one ZooKeeper path for the whole cluster: every node holds the same history
        assert ("ENGINE = ReplicatedMergeTree('/clickhouse/clickorm_migrations/app/h', "
                "'{shard}-{replica}') ORDER BY (`migration`, `at_us`, `token`)") in sql


def test_up_to_down_to_and_steps(engine_connection: tuple[str, BaseConnection],
                                 tmp_path: Path) -> None:
    _, conn = engine_connection
    engine = "" if conn.dialect.name == "sqlite" else " ENGINE = Memory"
    for n in (1, 2, 3):
        conn.execute(f"DROP TABLE IF EXISTS t{n}")
        (tmp_path / f"2026010{n}_000000_t{n}.py").write_text(
            "from clickorm.migrations import ops\n"
            f"def upgrade():\n    return [ops.RunSQL('CREATE TABLE t{n} (id INTEGER){engine}',"
            f" 'DROP TABLE t{n}')]\n"
            "def downgrade():\n    return ops.reverse(upgrade())\n"
        )
    migrator = Migrator(conn, tmp_path)

    def states() -> list[str]:
        return [s.state for s in migrator.status()]

    assert migrator.up(to="20260102_000000") == ["20260101_000000", "20260102_000000"]
    assert states() == ["applied", "applied", "pending"]
    assert migrator.up() == ["20260103_000000"]
    assert migrator.down(to="20260101_000000_t1") == ["20260103_000000", "20260102_000000"]
    assert states() == ["applied", "pending", "pending"]
    assert migrator.down(steps=1) == ["20260101_000000"]
    assert states() == ["pending"] * 3
    assert not conn.platform.introspect(conn, ["t1", "t2", "t3"])
    with pytest.raises(MigrationError, match="No migration 'nope'"):
        migrator.up(to="nope")


def test_introspect_reads_what_the_server_has(clickhouse: BaseConnection) -> None:
    """The dialect-level reader autogenerate and `clickorm inspect` share: tables only
    (no views, no scratch tables), keys as items, TTL/settings/codecs/projections/comment
    where the server version has them."""
    conn = clickhouse
    modern = tuple(conn.server_version or (99,)) >= (21, 7)
    for name in ("t", "v", "_clickorm_shadow_x", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    extra = (", INDEX ix s TYPE minmax GRANULARITY 2, PROJECTION p (SELECT s, at ORDER BY s)"
             if modern else "")
    codec = " CODEC(ZSTD(1))" if modern else ""
    tail = " TTL at + INTERVAL 1 DAY SETTINGS index_granularity = 512 COMMENT 'tc'" if modern \
        else " SETTINGS index_granularity = 512"
    conn.execute(
        f"CREATE TABLE t (id UInt64, s String{codec}, at DateTime, n Nullable(Int32)"
        f"{extra}) ENGINE = MergeTree PARTITION BY toYYYYMM(at) "
        f"ORDER BY (s, intHash32(id)) SAMPLE BY intHash32(id){tail}"
    )
    conn.execute("CREATE VIEW v AS SELECT id FROM t")
    conn.execute("CREATE TABLE _clickorm_shadow_x (id UInt8) ENGINE = Memory")
    tables = conn.platform.introspect(conn)
    assert list(tables) == ["t"]
    t = tables["t"]
    assert t.options["order_by"] == ("s", "intHash32(id)")
    assert t.options["partition_by"] == ("toYYYYMM(at)",)
    assert t.options["sample_by"] == ("intHash32(id)",)
    assert t.options["settings"]["index_granularity"] == 512
    assert t.columns["n"].nullable and t.columns["n"].type.sql == "Int32"  # type: ignore[attr-defined]
    if modern:
        assert t.options["ttl"] == "at + toIntervalDay(1)"
        assert t.columns["s"].options["codec"] == "CODEC(ZSTD(1))"
        assert t.options["projections"] == {"p": "SELECT s, at ORDER BY s"}
        assert t.comment == "tc" and [i.name for i in t.indexes] == ["ix"]
    else:
        assert "ttl" not in t.options and "projections" not in t.options
    assert conn.platform.introspect(conn, ["t", "missing"]).keys() == {"t"}
    # what introspection reads compiles back to a table the server accepts
    again = t.copy(name="t_again")
    conn.platform.execute(conn, conn.platform.compile_create(again), table="t_again",
                          action="Creating")
    assert conn.platform.introspect(conn, ["t_again"])["t_again"].options == t.options
    for name in ("v", "t", "t_again", "_clickorm_shadow_x"):
        conn.execute(f"DROP TABLE {name}")


def test_introspect_on_sqlite() -> None:
    from clickorm import ConnectionManager, Schema

    manager = ConnectionManager("sqlite://")
    conn = manager.connection()
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, s TEXT NOT NULL DEFAULT 'x')")
    conn.execute("CREATE INDEX a_s ON a (s)")
    conn.execute("CREATE TABLE _clickorm_shadow_a (id INTEGER)")
    conn.execute("CREATE VIEW va AS SELECT id FROM a")
    tables = Schema(conn).introspect()
    assert list(tables) == ["a"]
    assert tables["a"].primary_key == ("id",) and tables["a"].columns["s"].default_raw == "'x'"
    assert [i.name for i in tables["a"].indexes] == ["a_s"]
    manager.close()


def test_rebuild_refuses_the_swap_when_rows_arrive_during_the_copy(
    clickhouse: BaseConnection, tmp_path: Path
) -> None:
    conn = clickhouse
    for name in ("events", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    migrator = Migrator(conn, tmp_path)
    make(conn, tmp_path, "init", [EventV1])
    migrator.up()
    at = dt.datetime(2026, 1, 1)
    conn.insert_rows("events", ["id", "kind", "name", "legacy", "at"], [(1, "a", "n", "l", at)])
    path = make(conn, tmp_path, "v2", [event_v2(None)])
    path.write_text(path.read_text().replace(
        "            unconfirmed_renames=['name -> full_name'],\n", ""))
    plan = migrator.plan_up()[0]
    copy = next(i for i, s in enumerate(plan.steps) if s.sql.startswith("INSERT INTO"))
    for step in plan.steps[: copy + 1]:
        conn.execute(step.sql)
    # a writer lands a row after the copy: the swap must not happen
    conn.insert_rows("events", ["id", "kind", "name", "legacy", "at"], [(2, "b", "m", "l", at)])
    check = plan.steps[copy + 1]
    assert check.run is not None
    with pytest.raises(MigrationError, match="1 rows copied but the table has 2"):
        check.run(conn)
    assert rows(conn, "id, name") == [(1, "n"), (2, "m")]  # the original is untouched
    migrator.up(allow_destructive=True)  # run again: the leftover copy is replaced
    assert rows(conn, "id, full_name") == [(1, "n"), (2, "m")]
    assert list(conn.platform.introspect(conn)) == [HISTORY, "events"]  # no leftovers


HAND_WRITTEN = '''
from clickorm.migrations import ops
from clickorm.migrations import snapshot as s

def upgrade():
    return [
        ops.AddColumn("people", s.column("age", {int_type!r}, default="0")),
        ops.DropColumn("people", s.column("nick", {str_type!r}, default="''")),
        ops.RenameColumn("people", "name", "full_name"),
    ]

def downgrade():
    return ops.reverse(upgrade())
'''


def test_hand_written_single_change_operations(engine_connection: tuple[str, BaseConnection],
                                               tmp_path: Path) -> None:
    engine, conn = engine_connection
    sqlite = engine == "sqlite"
    int_type, str_type = ("INTEGER", "TEXT") if sqlite else ("Int64", "String")
    null = " NOT NULL" if sqlite else ""
    conn.execute(
        f"CREATE TABLE people (id {int_type}{null}, name {str_type}{null}, "
        f"nick {str_type}{null} DEFAULT ''){'' if sqlite else ' ENGINE = MergeTree ORDER BY id'}"
    )
    conn.execute("INSERT INTO people (id, name) SELECT 1, 'ann'")
    (tmp_path / "20260101_000000_people.py").write_text(
        HAND_WRITTEN.format(int_type=int_type, str_type=str_type))
    migrator = Migrator(conn, tmp_path)
    if engine == "server":  # 18.16 has no RENAME COLUMN: refused before anything runs
        with pytest.raises(MigrationError, match=r"(?s)rename column people.name.*20\.4.*AlterTable"):
            migrator.up(allow_destructive=True)
        assert [s.state for s in migrator.status()] == ["pending"]
        return
    with pytest.raises(MigrationError, match="drops column people.nick"):
        migrator.up()
    migrator.up(allow_destructive=True)
    assert [tuple(r) for r in conn.execute("SELECT id, full_name, age FROM people").rows] == [
        (1, "ann", 0)]
    migrator.down(allow_destructive=True)
    assert [tuple(r) for r in conn.execute("SELECT id, name, nick FROM people").rows] == [
        (1, "ann", "")]


def test_change_table_options_by_hand_on_chdb(chdb: BaseConnection, tmp_path: Path) -> None:
    empty(chdb)
    chdb.execute("CREATE TABLE m (id UInt64, at DateTime) ENGINE = MergeTree ORDER BY id")
    (tmp_path / "20260101_000000_opts.py").write_text(
        "from clickorm.migrations import ops\n"
        "def upgrade():\n"
        "    return [ops.ChangeTableOptions('m', {'ttl': 'at + INTERVAL 1 YEAR',\n"
        "                                         'settings': {'merge_with_ttl_timeout': 600},\n"
        "                                         'projections': {'p': 'SELECT id ORDER BY at'}},\n"
        "                                  before={'drop_projections': ['p']})]\n"
        "def downgrade():\n"
        "    return ops.reverse(upgrade())\n"
    )
    migrator = Migrator(chdb, tmp_path)
    migrator.up()
    table = chdb.platform.introspect(chdb, ["m"])["m"]
    assert table.options["ttl"] == "at + toIntervalYear(1)"
    assert table.options["settings"]["merge_with_ttl_timeout"] == 600
    assert table.options["projections"] == {"p": "SELECT id ORDER BY at"}
    migrator.down()
    assert "projections" not in chdb.platform.introspect(chdb, ["m"])["m"].options


class Item(BaseModel):
    sku: str
    qty: int


class Color(enum.Enum):
    red = 1
    blue = 2


class ManyKinds(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    items: Annotated[list[Item], types.Nested]
    price: Annotated[decimal.Decimal, types.Decimal(18, 4)]
    at: Annotated[dt.datetime, types.DateTime64(3, "UTC")]
    color: Color
    name: str
    upper: str = Column(default="", alias="upper(name)")
    attrs: dict[str, int]
    pair: tuple[int, str]

    class Meta:
        table_name = "many_kinds"
        order_by = ("id",)


def test_nested_enum_decimal_map_tuple_round_trip_on_chdb(chdb: BaseConnection,
                                                           tmp_path: Path) -> None:
    empty(chdb)
    make(chdb, tmp_path, "n", [ManyKinds])
    Migrator(chdb, tmp_path).up()
    assert compare(chdb, [ManyKinds]).clean


class Score1(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    score: Annotated[int, types.Int32]
    note: str | None = None

    class Meta:
        table_name = "scores"
        order_by = ("id",)


class Score2(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    score: float
    note: Annotated[str, types.LowCardinality] | None = None

    class Meta:
        table_name = "scores"
        order_by = ("id",)


def test_column_type_changes(engine_connection: tuple[str, BaseConnection],
                             tmp_path: Path) -> None:
    """SQLite rebuilds the table; ClickHouse modifies in place and waits for the
    mutation. A type change is destructive unless it only wraps (LowCardinality)."""
    engine, conn = engine_connection
    migrator = Migrator(conn, tmp_path)
    make(conn, tmp_path, "s1", [Score1])
    migrator.up()
    conn.insert_rows("scores", ["id", "score", "note"], [(1, 5, "a"), (2, -3, None)])
    path = make(conn, tmp_path, "s2", [Score2])
    assert "changes the type of scores.score" in path.read_text()
    plan = migrator.plan_up()
    assert plan[0].destructive == [f"changes the type of scores.score ({a} -> {b})" for a, b in [
        ("INTEGER", "REAL") if engine == "sqlite" else ("Int32", "Float64")]]
    sql = Migrator.sql_text(plan)
    if engine == "sqlite":
        assert "INSERT INTO \"__clickorm_rebuild_scores\"" in sql
    else:
        assert "MODIFY COLUMN `score` Float64" in sql and "-- wait: mutations of scores" in sql
    migrator.up(allow_destructive=True)
    assert compare(conn, [Score2]).clean
    got = [tuple(r) for r in conn.execute("SELECT id, score, note FROM scores ORDER BY id").rows]
    assert got == [(1, 5.0, "a"), (2, -3.0, None)]


def test_a_renewed_claim_outlives_its_first_expiry(engine_connection: tuple[str, BaseConnection]
                                                   ) -> None:
    _, conn = engine_connection
    holder, other = History(conn), History(conn)
    holder.ensure()
    holder.acquire(lock_ttl=0.3)
    holder.renew(lock_ttl=60)
    time.sleep(0.4)  # the first claim row has expired, the renewal has not
    with pytest.raises(MigrationError, match="Another migrator"):
        other.acquire()
    holder.release()
    other.acquire(lock_ttl=0.2)  # and an expired claim (a migrator that died) frees it
    time.sleep(0.3)
    History(conn).acquire()


def test_sqlite_table_options_are_rebuilt_and_unknown_clickhouse_options_refused(
    engine_connection: tuple[str, BaseConnection],
) -> None:
    from clickorm.migrations import AlterTable
    from clickorm.migrations import snapshot as s

    engine, conn = engine_connection
    before = s.table("t", [s.column("id", "INTEGER" if engine == "sqlite" else "Int64")],
                     engine="MergeTree()", order_by=("id",))
    after = before.copy()
    if engine == "sqlite":
        after.options["strict"] = True
        op = AlterTable(before, after)
        assert op.rebuild_reasons(conn.platform) == ["changing table options (strict)"]
        conn.platform.execute(conn, conn.platform.compile_create(before), table="t",
                              action="Creating")
        for step in op.steps(conn.platform):
            assert step.run is not None
            step.run(conn)
        assert conn.platform.introspect(conn, ["t"])["t"].options.get("strict") is True
    else:
        after.options["shard_by"] = "id"
        with pytest.raises(SchemaError, match="cannot change shard_by on ClickHouse"):
            AlterTable(before, after).steps(conn.platform)


def test_materialized_view_operations(engine_connection: tuple[str, BaseConnection],
                                      tmp_path: Path) -> None:
    engine, conn = engine_connection
    (tmp_path / "20260101_000000_mv.py").write_text(
        "from clickorm.migrations import ops\n"
        "def upgrade():\n"
        "    return [ops.RunSQL(['CREATE TABLE src (n UInt32) ENGINE = MergeTree ORDER BY n',\n"
        "                        'CREATE TABLE dst (n UInt32) ENGINE = MergeTree ORDER BY n'],\n"
        "                       ['DROP TABLE dst', 'DROP TABLE src']),\n"
        "            ops.CreateMaterializedView('mv', 'SELECT toUInt32(n * 2) AS n FROM src', to='dst')]\n"
        "def downgrade():\n"
        "    return ops.reverse(upgrade())\n"
    )
    migrator = Migrator(conn, tmp_path)
    if engine == "sqlite":
        with pytest.raises(SchemaError, match="sqlite dialect has no materialized views"):
            migrator.up()
        return
    migrator.up()
    conn.execute("INSERT INTO src SELECT number FROM numbers(3)")
    assert [r[0] for r in conn.execute("SELECT n FROM dst ORDER BY n").rows] == [0, 2, 4]
    migrator.down()
    assert not conn.platform.introspect(conn, ["src", "dst"])
