"""Engine-aware writes on chDB: each strategy shown by ``dry=True`` and proven with FINAL.

Every test creates its table from the model (``create_table()``; hand-written DDL only
where a test needs what the model does not say), writes through the models, then reads
back the merged state (``.final()``, and ``OPTIMIZE ... FINAL`` where the physical rows
matter) and the raw rows (to show *how* the write was made: a version row, a cancel/state
pair, a mutation). Statements are counted through ``connection.listeners``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest

from clickorm import types as t
from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect
from clickorm_clickhouse.engines import (
    CollapsingMergeTree,
    Log,
    Memory,
    MergeTree,
    ReplacingMergeTree,
    VersionedCollapsingMergeTree,
)
from clickorm_clickhouse.writes import ClickHouseRowWriter, next_version

DB = "clickorm_test_writes"


# -- models ---------------------------------------------------------------------------------
class Doc(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    title: str
    rev: Annotated[int, t.UInt32] = 0

    class Meta:
        table_name = "w_docs"
        engine = ReplacingMergeTree(version="rev")
        order_by = ("id",)



class Profile(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    name: str
    updated_at: Annotated[dt.datetime, t.DateTime("UTC")]

    class Meta:
        table_name = "w_profiles"
        engine = "ReplacingMergeTree(updated_at)"  # SQL text works as well as objects
        order_by = "id"



class Account(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    email: str
    ver: Annotated[int, t.UInt64] = 1
    deleted: Annotated[int, t.UInt8] = 0

    class Meta:
        table_name = "w_accounts"
        engine = ReplacingMergeTree(version="ver", is_deleted="deleted")
        order_by = ("id",)



class Balance(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    owner: str
    amount: int
    sign: Annotated[int, t.Int8] = 1

    class Meta:
        table_name = "w_balances"
        engine = CollapsingMergeTree(sign="sign")
        order_by = ("id",)



class Stock(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    qty: int
    sign: Annotated[int, t.Int8] = 1
    ver: Annotated[int, t.UInt64] = 1

    class Meta:
        table_name = "w_stock"
        engine = VersionedCollapsingMergeTree(sign="sign", version="ver")
        order_by = ("id",)



class Event(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str
    n: int = 0

    class Meta:
        table_name = "w_events"
        engine = MergeTree()
        order_by = ("id",)



class MutatedEvent(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str
    n: int = 0

    class Meta:
        table_name = "w_mutated"
        engine = MergeTree()
        order_by = ("id",)
        options = {"update_mode": "mutation"}


class PatchedEvent(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str
    n: int = 0

    class Meta:
        table_name = "w_patched"
        engine = MergeTree()
        order_by = ("id",)
        settings = {"enable_block_number_column": 1, "enable_block_offset_column": 1}



class ForcedLightweight(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str

    class Meta:
        table_name = "w_forced"
        engine = MergeTree()
        order_by = ("id",)
        options = {"update_mode": "lightweight"}


class Visit(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    day: Annotated[dt.date, t.Date]
    page: str

    class Meta:
        table_name = "w_visits"
        engine = MergeTree()
        order_by = ("day", "id")
        partition_by = "toYYYYMM(day)"


class Clustered(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str

    class Meta:
        table_name = "w_clustered"
        engine = MergeTree()
        order_by = ("id",)
        cluster = "c1"


class LogLine(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    text: str

    class Meta:
        table_name = "w_log"
        engine = Log()


# -- fixtures -------------------------------------------------------------------------------
@dataclass
class Db:
    """The connection the models run on, and every statement it ran (``log``)."""

    conn: EmbeddedConnection
    log: list[str] = field(default_factory=list)

    def create(self, model: Any, body: str | None = None) -> None:
        """(Re)create the model's table: from the model (``create_table``), or from
        hand-written DDL where the test needs a table the model does not describe."""
        # plain DROP: a model naming a cluster would drop ON CLUSTER, and chDB has none
        self.conn.execute(f"DROP TABLE IF EXISTS {model.__table_name__}")
        if body is None:
            model.create_table(connection=self.conn)
        else:
            self.conn.execute(f"CREATE TABLE {model.__table_name__} {body}")
        self.log.clear()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql).rows

    def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).scalar()

    def written(self) -> list[str]:
        """The statements that changed data (reads left out)."""
        return [s for s in self.log if not s.lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    c = connect(ConnectionConfig(name="writes", dialect="clickhouse", driver="embedded",
                                 database=DB), dialect)
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


@pytest.fixture()
def db(conn: EmbeddedConnection) -> Iterator[Db]:
    recorder = Db(conn)

    def listen(sql: str, params: Any) -> None:
        recorder.log.append(sql)

    conn.listeners.append(listen)
    try:
        with Session(conn):
            yield recorder
    finally:
        conn.listeners.remove(listen)


# -- the dialect wiring ---------------------------------------------------------------------
def test_the_dialect_writes_through_the_clickhouse_writer(conn: EmbeddedConnection) -> None:
    from clickorm.model.persistence import writer_for

    assert isinstance(writer_for(conn), ClickHouseRowWriter)


# -- ReplacingMergeTree ---------------------------------------------------------------------
def test_replacing_update_inserts_a_new_version(db: Db) -> None:
    db.create(Doc)
    Doc.insert_many([Doc(id=1, title="A"), Doc(id=2, title="other")])
    doc = Doc.final().find(1)
    doc.title = "B"
    db.log.clear()
    assert doc.save(dry=True) == [
        "INSERT INTO `w_docs` (`id`, `title`, `rev`) VALUES (1, 'B', 1)"]
    assert db.log == [] and doc.rev == 0  # a dry run writes nothing, changes nothing
    doc.save()
    assert db.written() == ["INSERT INTO w_docs (id, title, rev) <1 rows>"]
    assert doc.rev == 1 and not doc.is_dirty()
    # both versions are stored until a merge; FINAL reads the newest
    assert db.rows("SELECT title, rev FROM w_docs WHERE id = 1 ORDER BY rev") == [
        ("A", 0), ("B", 1)]
    assert [(d.id, d.title, d.rev) for d in Doc.final().order_by("id").get()] == [
        (1, "B", 1), (2, "other", 0)]
    doc.title = "C"
    doc.save()
    assert Doc.final().find(1).title == "C" and doc.rev == 2
    db.conn.execute("OPTIMIZE TABLE w_docs FINAL")
    assert db.rows("SELECT id, title, rev FROM w_docs ORDER BY id") == [
        (1, "C", 2), (2, "other", 0)]


def test_replacing_version_given_by_the_change_is_kept(db: Db) -> None:
    db.create(Doc)
    Doc.insert_many([Doc(id=1, title="A", rev=5)])
    doc = Doc.final().find(1)
    doc.fill(title="B", rev=9)
    assert doc.save(dry=True) == [
        "INSERT INTO `w_docs` (`id`, `title`, `rev`) VALUES (1, 'B', 9)"]


def test_replacing_datetime_version_bumps_to_now(db: Db) -> None:
    db.create(Profile)
    old = dt.datetime(2020, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    Profile.insert_many([Profile(id=1, name="a", updated_at=old)])
    p = Profile.final().find(1)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    p.name = "b"
    p.save()
    first = p.updated_at
    assert before <= first <= dt.datetime.now(dt.UTC) and first.microsecond == 0
    p.name = "c"
    p.save()  # within the same second: still a strictly newer version
    assert p.updated_at > first
    got = Profile.final().find(1)
    assert (got.name, got.updated_at) == ("c", p.updated_at)


def test_replacing_delete_with_is_deleted_inserts_a_deleted_version(db: Db) -> None:
    db.create(Account)
    Account.insert_many([Account(id=1, email="a@x"), Account(id=2, email="b@x")])
    acc = Account.final().find(1)
    db.log.clear()
    assert acc.delete(dry=True) == [
        "INSERT INTO `w_accounts` (`id`, `email`, `ver`, `deleted`) VALUES (1, 'a@x', 2, 1)"]
    acc.delete()
    assert db.written() == ["INSERT INTO w_accounts (id, email, ver, deleted) <1 rows>"]
    assert not acc.is_persisted
    assert [a.id for a in Account.final().get()] == [2]
    assert db.scalar("SELECT count() FROM w_accounts WHERE id = 1") == 2  # a row, not a mutation


def test_replacing_key_change_marks_the_old_key_deleted(db: Db) -> None:
    db.create(Account)
    Account.insert_many([Account(id=1, email="a@x")])
    acc = Account.final().find(1)
    acc.id = 7
    assert acc.save(dry=True) == [
        "INSERT INTO `w_accounts` (`id`, `email`, `ver`, `deleted`) VALUES "
        "(1, 'a@x', 2, 1), (7, 'a@x', 2, 0)"]
    acc.save()
    assert [(a.id, a.email, a.ver) for a in Account.final().get()] == [(7, "a@x", 2)]


def test_replacing_key_change_without_is_deleted_is_refused(db: Db) -> None:
    db.create(Doc)
    Doc.insert_many([Doc(id=1, title="A")])
    doc = Doc.final().find(1)
    doc.id = 2
    db.log.clear()
    with pytest.raises(QueryError, match=r"Cannot change id .*is_deleted"):
        doc.save()
    assert db.written() == []
    assert [d.id for d in Doc.final().get()] == [1]


def test_replacing_delete_without_is_deleted_deletes_every_version(db: Db) -> None:
    db.create(Doc)
    Doc.insert_many([Doc(id=1, title="A"), Doc(id=2, title="B")])
    doc = Doc.final().find(1)
    doc.title = "A2"
    doc.save()
    assert doc.delete(dry=True) == [
        "DELETE FROM `w_docs` WHERE `id` = 1 SETTINGS mutations_sync = 2"]
    doc.delete()
    assert db.scalar("SELECT count() FROM w_docs WHERE id = 1") == 0
    assert [d.id for d in Doc.final().get()] == [2]


# -- CollapsingMergeTree --------------------------------------------------------------------
def test_collapsing_update_writes_cancel_and_state_rows_in_one_block(db: Db) -> None:
    db.create(Balance)
    Balance.insert_many([Balance(id=1, owner="ann", amount=100),
                         Balance(id=2, owner="bob", amount=5)])
    b = Balance.final().find(1)
    b.amount = 150
    db.log.clear()
    assert b.save(dry=True) == [
        "INSERT INTO `w_balances` (`id`, `owner`, `amount`, `sign`) VALUES "
        "(1, 'ann', 100, -1), (1, 'ann', 150, 1)"]
    b.save()
    assert db.written() == ["INSERT INTO w_balances (id, owner, amount, sign) <2 rows>"]
    assert b.sign == 1 and not b.is_dirty()
    # before any merge the rows still add up to the new state
    assert db.scalar("SELECT sum(amount * sign) FROM w_balances WHERE id = 1") == 150
    assert Balance.final().find(1).amount == 150
    b.amount = 175  # the saved instance is the new state: it can be updated again
    b.save()
    assert db.scalar("SELECT sum(amount * sign) FROM w_balances WHERE id = 1") == 175
    db.conn.execute("OPTIMIZE TABLE w_balances FINAL")
    assert db.rows("SELECT id, amount, sign FROM w_balances ORDER BY id") == [
        (1, 175, 1), (2, 5, 1)]


def test_collapsing_delete_writes_a_cancel_row(db: Db) -> None:
    db.create(Balance)
    Balance.insert_many([Balance(id=1, owner="ann", amount=100)])
    b = Balance.final().find(1)
    b.amount = 999  # unsaved: the cancel row must carry the stored values
    assert b.delete(dry=True) == [
        "INSERT INTO `w_balances` (`id`, `owner`, `amount`, `sign`) VALUES "
        "(1, 'ann', 100, -1)"]
    b.delete()
    assert Balance.final().find(1) is None
    assert db.scalar("SELECT sum(sign) FROM w_balances WHERE id = 1") == 0
    db.conn.execute("OPTIMIZE TABLE w_balances FINAL")
    assert db.scalar("SELECT count() FROM w_balances") == 0


def test_collapsing_refuses_cancel_rows_sign_changes_and_partial_rows(db: Db) -> None:
    db.create(Balance)
    Balance.insert_many([Balance(id=1, owner="ann", amount=100)])
    Balance.final().find(1).update(amount=50)
    cancel = Balance.where("sign", -1).first()  # a raw read sees the cancel row
    cancel.amount = 1
    with pytest.raises(QueryError, match="only a state row"):
        cancel.save()
    state = Balance.final().find(1)
    state.sign = -1
    with pytest.raises(QueryError, match="sign column"):
        state.save()
    partial = Balance.select("id", "amount").final().first()
    partial.amount = 7
    db.log.clear()
    with pytest.raises(QueryError, match="owner was not loaded"):
        partial.save()
    assert db.written() == []
    assert Balance.final().find(1).amount == 50


# -- VersionedCollapsingMergeTree -----------------------------------------------------------
def test_versioned_collapsing_cancels_the_old_version_and_writes_a_new_one(db: Db) -> None:
    db.create(Stock)
    Stock.insert_many([Stock(id=1, qty=5), Stock(id=2, qty=1)])
    s = Stock.final().find(1)
    s.qty = 7
    assert s.save(dry=True) == [
        "INSERT INTO `w_stock` (`id`, `qty`, `sign`, `ver`) VALUES (1, 5, -1, 1), (1, 7, 1, 2)"]
    s.save()
    assert (s.ver, s.sign) == (2, 1)
    got = Stock.final().find(1)
    assert (got.qty, got.ver, got.sign) == (7, 2, 1)
    assert s.delete(dry=True) == [
        "INSERT INTO `w_stock` (`id`, `qty`, `sign`, `ver`) VALUES (1, 7, -1, 2)"]
    s.delete()
    assert [r.id for r in Stock.final().get()] == [2]
    db.conn.execute("OPTIMIZE TABLE w_stock FINAL")
    assert db.rows("SELECT id, qty, sign, ver FROM w_stock") == [(2, 1, 1, 1)]


# -- MergeTree: mutations and lightweight statements ----------------------------------------
def test_mergetree_update_is_a_synchronous_mutation(db: Db) -> None:
    db.create(Event)
    Event.insert_many([Event(id=1, kind="a"), Event(id=2, kind="a")])
    e = Event.find(1)
    e.kind = "b"
    assert e.save(dry=True) == [
        "ALTER TABLE `w_events` UPDATE `kind` = 'b' WHERE `id` = 1 SETTINGS mutations_sync = 2"]
    e.save()
    assert Event.find(1).kind == "b"  # read after write, no waiting in the test
    assert db.rows("SELECT is_done FROM system.mutations WHERE "
                   f"database = '{DB}' AND table = 'w_events' AND command LIKE '%UPDATE kind%'"
                   ) == [(1,)]
    assert db.rows("SELECT id, kind FROM w_events ORDER BY id") == [(1, "b"), (2, "a")]


def test_mergetree_delete_is_lightweight_where_the_server_has_it(db: Db) -> None:
    db.create(Event)
    Event.insert_many([Event(id=1, kind="a"), Event(id=2, kind="a")])
    e = Event.find(2)
    assert e.delete(dry=True) == [
        "DELETE FROM `w_events` WHERE `id` = 2 SETTINGS mutations_sync = 2"]
    e.delete()
    assert [r.id for r in Event.all()] == [1]


def test_update_mode_mutation_forces_alter_table_for_deletes_too(db: Db) -> None:
    db.create(MutatedEvent)
    MutatedEvent.insert_many([MutatedEvent(id=1, kind="a"), MutatedEvent(id=2, kind="a")])
    e = MutatedEvent.find(2)
    assert e.delete(dry=True) == [
        "ALTER TABLE `w_mutated` DELETE WHERE `id` = 2 SETTINGS mutations_sync = 2"]
    e.delete()
    assert [r.id for r in MutatedEvent.all()] == [1]
    assert db.scalar("SELECT count() FROM system.mutations WHERE "
                     f"database = '{DB}' AND table = 'w_mutated' AND is_done = 1") == 1


def test_lightweight_update_when_the_table_declares_its_settings(db: Db) -> None:
    db.create(PatchedEvent)
    PatchedEvent.insert_many([PatchedEvent(id=1, kind="a", n=1)])
    e = PatchedEvent.find(1)
    e.fill(kind="b", n=2)
    assert e.save(dry=True) == [
        "UPDATE `w_patched` SET `kind` = 'b', `n` = 2 WHERE `id` = 1 "
        "SETTINGS allow_experimental_lightweight_update = 1"]
    e.save()
    got = PatchedEvent.find(1)
    assert (got.kind, got.n) == ("b", 2)
    assert db.scalar("SELECT count() FROM system.mutations WHERE "
                     f"database = '{DB}' AND table = 'w_patched'") == 0  # no mutation ran


def test_forced_lightweight_update_on_a_table_without_its_settings_fails_clearly(
        db: Db) -> None:
    db.create(ForcedLightweight)
    ForcedLightweight.insert_many([ForcedLightweight(id=1, kind="a")])
    e = ForcedLightweight.find(1)
    e.kind = "b"
    assert e.save(dry=True)[0].startswith("UPDATE `w_forced` SET `kind` = 'b'")
    with pytest.raises(QueryError, match="enable_block_number_column") as info:
        e.save()
    assert info.value.sql is not None and info.value.sql.startswith("UPDATE `w_forced`")


def test_invalid_update_mode_is_refused(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    db.create(Event)
    Event.insert_many([Event(id=1, kind="a")])
    e = Event.find(1)
    e.kind = "b"
    monkeypatch.setattr(db.conn, "update_mode", "sometimes", raising=False)
    with pytest.raises(QueryError, match="update_mode 'sometimes'"):
        e.save()


def test_connection_update_mode_applies_when_the_model_names_none(
        db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    db.create(Event)
    Event.insert_many([Event(id=1, kind="a")])
    monkeypatch.setattr(db.conn, "update_mode", "mutation", raising=False)
    assert Event.find(1).delete(dry=True) == [
        "ALTER TABLE `w_events` DELETE WHERE `id` = 1 SETTINGS mutations_sync = 2"]


def test_key_columns_cannot_change_in_place(db: Db) -> None:
    db.create(Visit)
    Visit.insert_many([Visit(id=1, day=dt.date(2024, 1, 1), page="/")])
    v = Visit.find(1)
    v.day = dt.date(2024, 2, 1)
    with pytest.raises(QueryError, match="Cannot change day .*sorting/partition key"):
        v.save()
    v = Visit.find(1)
    v.page = "/about"
    v.save()
    assert Visit.find(1).page == "/about"


def test_on_cluster_is_written_and_parsed(db: Db) -> None:
    db.create(Clustered, "(id UInt64, kind String) ENGINE = MergeTree ORDER BY id")  # no cluster
    Clustered.insert_many([Clustered(id=1, kind="a")])
    c = Clustered.find(1)
    c.kind = "b"
    (update,) = c.save(dry=True)
    (delete,) = c.delete(dry=True)
    assert update == ("ALTER TABLE `w_clustered` ON CLUSTER `c1` UPDATE `kind` = 'b' "
                      "WHERE `id` = 1 SETTINGS mutations_sync = 2")
    assert delete == ("DELETE FROM `w_clustered` ON CLUSTER `c1` WHERE `id` = 1 "
                      "SETTINGS mutations_sync = 2")
    for sql in (update, delete):  # chDB has no cluster to run them on: the parser checks
        assert db.rows(f"EXPLAIN AST {sql}")


def test_engines_without_row_changes_are_refused(db: Db) -> None:
    db.create(LogLine)
    LogLine.insert_many([LogLine(id=1, text="x")])
    line = LogLine.where("id", 1).first()
    line.text = "y"
    db.log.clear()
    with pytest.raises(QueryError, match="engine Log does not support changing rows"):
        line.save()
    with pytest.raises(QueryError, match="engine Log"):
        line.delete()
    assert db.written() == []


# -- bulk inserts ---------------------------------------------------------------------------
def test_insert_many_sends_one_columnar_block_per_chunk(db: Db) -> None:
    db.create(Event)
    assert Event.insert_many([Event(id=i, kind="k", n=i) for i in range(25)],
                             chunk_size=10) == 25
    assert db.written() == [
        "INSERT INTO w_events (id, kind, n) <10 rows>",
        "INSERT INTO w_events (id, kind, n) <10 rows>",
        "INSERT INTO w_events (id, kind, n) <5 rows>",
    ]
    assert db.rows("SELECT count(), sum(n) FROM w_events") == [(25, 300)]


def test_insert_chunk_size_comes_from_meta(db: Db) -> None:
    class Small(Model):
        id: int = Column(primary_key=True, autoincrement=False)
        kind: str
        n: int = 0

        class Meta:
            table_name = "w_events"
            engine = MergeTree()
            insert_chunk_size = 7

    db.create(Small)
    Small.insert_many([Small(id=i, kind="k") for i in range(15)])
    assert [s.rsplit("<", 1)[1] for s in db.written()] == ["7 rows>", "7 rows>", "1 rows>"]


def test_saving_a_new_row_is_one_columnar_block(db: Db) -> None:
    db.create(Event)
    e = Event(id=5, kind="new")
    assert e.save(dry=True) == [
        "INSERT INTO `w_events` (`id`, `kind`, `n`) VALUES (5, 'new', 0)"]
    e.save()
    assert db.written() == ["INSERT INTO w_events (id, kind, n) <1 rows>"]
    assert e.is_persisted and Event.find(5).kind == "new"


def test_an_unset_integer_key_is_refused_clickhouse_generates_none(db: Db) -> None:
    class Note(Model):
        id: int = Column(primary_key=True)
        body: str

        class Meta:
            table_name = "w_notes"
            engine = MergeTree()

    db.create(Note, "(id UInt64 DEFAULT 42, body String) ENGINE = MergeTree ORDER BY id")
    with pytest.raises(QueryError, match="does not generate keys"):
        Note(body="x").save()
    assert db.written() == []


# -- the version rule -----------------------------------------------------------------------
def test_next_version_rules() -> None:
    assert next_version(4) == 5
    assert next_version(None, t.UInt32) == 1
    assert next_version("v1") == "v1"  # no natural successor: insertion order decides
    future = dt.datetime(2999, 1, 1, 0, 0, 0)
    assert next_version(future, t.DateTime()) == future + dt.timedelta(seconds=1)
    assert next_version(future, t.DateTime64(3)) == future + dt.timedelta(milliseconds=1)
    aware = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    bumped = next_version(aware, t.DateTime64(3))
    assert bumped.tzinfo is not None and bumped > aware and bumped.microsecond % 1000 == 0
    naive_now = next_version(None, t.DateTime())
    assert naive_now.tzinfo is None and naive_now.microsecond == 0
    assert next_version(dt.date(2000, 1, 1)) == dt.date.today()
    assert next_version(dt.date(2999, 1, 1)) == dt.date(2999, 1, 1)


# -- what dry runs show is what runs --------------------------------------------------------
class Cache(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    value_: str = Column(name="value")  # 'value' is a builder method: renamed field

    class Meta:
        table_name = "w_cache"
        engine = Memory()


def test_memory_tables_change_through_mutations(db: Db) -> None:
    db.create(Cache)
    Cache.insert_many([Cache(id=1, value_="a"), Cache(id=2, value_="b")])
    c = Cache.where("id", 1).first()
    c.value_ = "z"
    assert c.save(dry=True) == [
        "ALTER TABLE `w_cache` UPDATE `value` = 'z' WHERE `id` = 1 SETTINGS mutations_sync = 2"]
    c.save()
    gone = Cache.where("id", 2).first()
    assert gone.delete(dry=True) == [  # Memory has no lightweight DELETE
        "ALTER TABLE `w_cache` DELETE WHERE `id` = 2 SETTINGS mutations_sync = 2"]
    gone.delete()
    assert [(r.id, r.value_) for r in Cache.all()] == [(1, "z")]


def test_dry_run_statements_run_as_shown(db: Db) -> None:
    """The ``dry=True`` SQL is runnable as is and does what ``save()``/``delete()`` do."""
    shown: list[str] = []
    db.create(Balance)
    Balance.insert_many([Balance(id=1, owner="ann", amount=100)])
    b = Balance.final().find(1)
    b.amount = 60
    shown += b.save(dry=True)
    db.create(Doc)
    Doc.insert_many([Doc(id=1, title="A"), Doc(id=2, title="B")])
    d = Doc.final().find(1)
    d.title = "A2"
    shown += d.save(dry=True)
    shown += Doc.final().find(2).delete(dry=True)
    db.create(PatchedEvent)
    PatchedEvent.insert_many([PatchedEvent(id=1, kind="a")])
    e = PatchedEvent.find(1)
    e.kind = "b"
    shown += e.save(dry=True)
    db.create(Event)
    Event.insert_many([Event(id=1, kind="a")])
    m = Event.find(1)
    m.n = 5
    shown += m.save(dry=True)
    for sql in shown:
        db.conn.execute(sql)
    assert [(r.id, r.amount, r.sign) for r in Balance.final().get()] == [(1, 60, 1)]
    assert [(r.id, r.title, r.rev) for r in Doc.final().get()] == [(1, "A2", 1)]
    assert PatchedEvent.find(1).kind == "b"
    assert Event.find(1).n == 5


def test_grouped_updates_tell_apart_values_equality_would_merge() -> None:
    """Rows share an UPDATE only when their changes would be written identically."""
    from clickorm_clickhouse.write_batches import frozen_changes

    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return frozen_changes(a) == frozen_changes(b)

    assert same({"n": 1, "s": "x"}, {"s": "x", "n": 1})  # field order does not matter
    assert not same({"n": 1}, {"n": True}) and not same({"n": 1}, {"n": 1.0})
    assert not same({"m": {"a": 1, "b": 2}}, {"m": {"b": 2, "a": 1}})  # Map order is data
    assert not same({"f": 0.0}, {"f": -0.0})
    assert not same({"tags": ["a"]}, {"tags": ("a",)})
