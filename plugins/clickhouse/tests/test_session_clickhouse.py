"""Session buffering on ClickHouse (chDB): ``session.add`` writes one block per table.

Row-by-row inserts are ClickHouse's classic mistake (one part per INSERT); the session
buffers added instances and its flush sends each model's rows as one columnar block,
new rows and the version rows of updated ones alike. Statements are counted through
``connection.listeners``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import types as t
from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError, ValidationError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect
from clickorm_clickhouse.engines import CollapsingMergeTree, MergeTree, ReplacingMergeTree

DB = "clickorm_test_session"


class Hit(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    path: str
    ms: Annotated[int, t.UInt32]

    class Meta:
        table_name = "s_hits"
        engine = MergeTree()
        order_by = ("id",)


class Page(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    title: str
    rev: Annotated[int, t.UInt32] = 0

    class Meta:
        table_name = "s_pages"
        engine = ReplacingMergeTree(version="rev")
        order_by = ("id",)


UPDATED: list[str] = []


class Flag(Model):
    """A MergeTree model whose forced lightweight updates the table cannot take."""

    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    enabled: Annotated[int, t.UInt8] = 0

    class Meta:
        table_name = "s_flags"
        engine = MergeTree()
        order_by = ("id",)
        options = {"update_mode": "lightweight"}


class Note(Model):
    """A ReplacingMergeTree model with update hooks."""

    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    text: str
    rev: Annotated[int, t.UInt32] = 0

    class Meta:
        table_name = "s_notes"
        engine = ReplacingMergeTree(version="rev")
        order_by = ("id",)

    def before_update(self) -> None:
        UPDATED.append(f"before {self.id}")

    def after_update(self) -> None:
        UPDATED.append(f"after {self.id} rev {self.rev}")


class Account(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    amount: int
    sign: Annotated[int, t.Int8] = 1

    class Meta:
        table_name = "s_accounts"
        engine = CollapsingMergeTree(sign="sign")
        order_by = ("id",)


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    c = connect(ConnectionConfig(name="session", dialect="clickhouse", driver="embedded",
                                 database=DB), dialect)
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


@pytest.fixture()
def log(conn: EmbeddedConnection) -> Iterator[list[str]]:
    for model in (Hit, Page, Account, Note, Flag):
        model.drop_table(if_exists=True, connection=conn)
        model.create_table(connection=conn)
    seen: list[str] = []

    def listen(sql: str, params: Any) -> None:
        seen.append(sql)

    conn.listeners.append(listen)
    yield seen
    conn.listeners.remove(listen)


def writes(log: list[str]) -> list[str]:
    return [s for s in log if not s.startswith("SELECT")]


def test_flush_writes_one_block_per_table(conn: EmbeddedConnection, log: list[str]) -> None:
    with Session(conn) as session:
        for i in range(500):
            session.add(Hit(id=i, path=f"/p{i % 7}", ms=i % 100))
        session.add_all(Page(id=i, title=f"t{i}") for i in range(3))
        assert session.pending == 503
        assert writes(log) == []  # buffered: nothing sent before the flush
    assert writes(log) == [
        "INSERT INTO s_hits (id, path, ms) <500 rows>",
        "INSERT INTO s_pages (id, title, rev) <3 rows>",
    ]
    assert conn.execute("SELECT count(), sum(ms) FROM s_hits").rows == [
        (500, sum(i % 100 for i in range(500)))]
    assert conn.execute("SELECT count() FROM system.parts WHERE database = currentDatabase() "
                        "AND table = 's_hits' AND active").scalar() == 1


def test_flush_applies_engine_aware_updates_and_deletes(conn: EmbeddedConnection,
                                                       log: list[str]) -> None:
    with Session(conn):
        Page.insert_many([Page(id=1, title="a"), Page(id=2, title="b")])
        Hit.insert_many([Hit(id=1, path="/", ms=1), Hit(id=2, path="/", ms=2)])
    log.clear()
    with Session(conn) as session:
        page = Page.final().find(1)
        page.title = "a2"
        session.add(page)  # persisted: an update on flush (a new version row)
        session.add(Page(id=3, title="c"))
        session.delete(Hit.find(2))
    assert writes(log) == [
        "INSERT INTO s_pages (id, title, rev) <1 rows>",  # the new page
        "INSERT INTO s_pages (id, title, rev) <1 rows>",  # page 1's new version
        "DELETE FROM `s_hits` WHERE `id` = {p0:Int64} SETTINGS mutations_sync = 2",
    ]
    with Session(conn):
        assert [(p.id, p.title, p.rev) for p in Page.final().order_by("id").get()] == [
            (1, "a2", 1), (2, "b", 0), (3, "c", 0)]
        assert [h.id for h in Hit.all()] == [1]


def test_an_invalid_instance_leaves_the_tables_untouched(conn: EmbeddedConnection,
                                                         log: list[str]) -> None:
    with pytest.raises(ValidationError), Session(conn) as session:
        session.add(Hit(id=1, path="/", ms=1))
        bad = Hit.model_construct(id=2, path="/", ms="not a number")
        session.add(bad)
    assert writes(log) == []
    assert conn.execute("SELECT count() FROM s_hits").scalar() == 0


def test_an_exception_in_the_block_discards_the_buffer(conn: EmbeddedConnection,
                                                       log: list[str]) -> None:
    with pytest.raises(RuntimeError), Session(conn) as session:
        session.add(Hit(id=1, path="/", ms=1))
        raise RuntimeError("boom")
    assert writes(log) == []
    assert conn.execute("SELECT count() FROM s_hits").scalar() == 0


def parts(conn: EmbeddedConnection, table: str) -> int:
    return conn.execute("SELECT count() FROM system.parts WHERE database = currentDatabase() "
                        f"AND table = '{table}' AND active").scalar()


def test_updated_rows_are_written_as_one_block_per_table(conn: EmbeddedConnection,
                                                          log: list[str]) -> None:
    """N changed rows of a version-row engine make one INSERT (one part), not N."""
    with Session(conn):
        Page.insert_many([Page(id=i, title=f"t{i}") for i in range(50)])
        Account.insert_many([Account(id=i, amount=10) for i in range(20)])
    log.clear()
    with Session(conn) as session:
        pages = Page.final().order_by("id").get()
        accounts = Account.final().order_by("id").get()
        for page in pages:
            page.title = page.title.upper()
        for account in accounts:
            account.amount += 5
        session.add_all(pages)
        session.add_all(accounts)
    assert writes(log) == [
        "INSERT INTO s_pages (id, title, rev) <50 rows>",
        "INSERT INTO s_accounts (id, amount, sign) <40 rows>",  # cancel + state per row
    ]
    assert all(p.rev == 1 and not p.is_dirty() for p in pages)
    assert all(a.sign == 1 and not a.is_dirty() for a in accounts)
    with Session(conn):
        assert [p.title for p in Page.final().order_by("id").get()] == [
            f"T{i}" for i in range(50)]
        assert Account.final().count() == 20
    assert conn.execute("SELECT sum(amount * sign) FROM s_accounts").scalar() == 20 * 15
    assert parts(conn, "s_pages") == 2 and parts(conn, "s_accounts") == 2


def test_batched_updates_run_each_rows_hooks_around_the_write(conn: EmbeddedConnection,
                                                               log: list[str]) -> None:
    with Session(conn):
        Note.insert_many([Note(id=1, text="a"), Note(id=2, text="b")])
    UPDATED.clear()
    with Session(conn) as session:
        notes = Note.final().order_by("id").get()
        for note in notes:
            note.text += "!"
        session.add_all(notes)
    # every before hook ran before the block was written; the after hooks see the new rev
    assert UPDATED == ["before 1", "before 2", "after 1 rev 1", "after 2 rev 1"]
    assert writes(log)[-1] == "INSERT INTO s_notes (id, text, rev) <2 rows>"


def test_a_row_that_cannot_be_updated_writes_none_of_the_batch(conn: EmbeddedConnection,
                                                                log: list[str]) -> None:
    with Session(conn):
        Page.insert_many([Page(id=1, title="a"), Page(id=2, title="b")])
    with Session(conn):
        good, bad = Page.final().order_by("id").get()
    log.clear()
    good.title = "a2"
    bad.id = 99  # a new sorting key: not an update a ReplacingMergeTree can express
    with pytest.raises(QueryError, match="Cannot change id"), Session(conn) as session:
        session.add_all([good, bad])
    assert writes(log) == []  # every row is planned first: good's version was not sent alone
    assert good.rev == 0 and good.is_dirty()


def test_a_key_change_on_a_mutation_table_is_refused_before_any_write(
        conn: EmbeddedConnection, log: list[str]) -> None:
    with Session(conn):
        Account.insert_many([Account(id=1, amount=10)])
        Hit.insert_many([Hit(id=1, path="/", ms=1)])
    with Session(conn):
        account = Account.final().find(1)
        hit = Hit.find(1)
    log.clear()
    account.amount = 20
    hit.id = 2  # MergeTree cannot update a sorting key column
    with pytest.raises(QueryError, match="Cannot change id"), Session(conn) as session:
        session.add_all([account, hit])
    assert writes(log) == []
    assert account.is_dirty()


def test_rows_written_before_a_later_failure_are_marked_saved(conn: EmbeddedConnection,
                                                              log: list[str]) -> None:
    """A retry must not write a row twice (a second cancel+state pair would double it)."""
    with Session(conn):
        Account.insert_many([Account(id=1, amount=10)])
        Flag.insert_many([Flag(id=1)])
    with Session(conn):
        account = Account.final().find(1)
        flag = Flag.find(1)
    account.amount = 20
    flag.enabled = 1
    with pytest.raises(QueryError), Session(conn) as session:
        session.add_all([account, flag])  # the block is written, the UPDATE then fails
    assert not account.is_dirty() and flag.is_dirty()
    with Session(conn) as session:
        session.add(account)  # nothing left to write for it
    assert conn.execute("SELECT sum(amount * sign) FROM s_accounts").scalar() == 20


def test_mutation_updates_with_the_same_changes_share_one_statement(
        conn: EmbeddedConnection, log: list[str]) -> None:
    """A MergeTree update is a mutation that rewrites parts: rows given the same changes
    go out as one ``WHERE id IN (...)`` statement, not one mutation each."""
    with Session(conn):
        Hit.insert_many([Hit(id=i, path="/", ms=i) for i in range(30)])
    with Session(conn):
        hits = Hit.order_by("id").get()
    log.clear()
    for hit in hits[:20]:
        hit.ms = 0
    for hit in hits[20:]:
        hit.path = "/done"
    with Session(conn) as session:
        session.add_all(hits)
    statements = writes(log)
    assert len(statements) == 2
    assert statements[0].startswith("ALTER TABLE `s_hits` UPDATE `ms` = ")
    assert "WHERE `id` IN (" in statements[0] and "mutations_sync = 2" in statements[0]
    assert not any(h.is_dirty() for h in hits)
    assert conn.execute("SELECT countIf(ms = 0), countIf(path = '/done') FROM s_hits").rows == [
        (20, 10)]


def test_two_loaded_copies_of_a_row_keep_their_order(conn: EmbeddedConnection,
                                                    log: list[str]) -> None:
    """Grouping never lets an earlier change to a row land after a later one."""
    with Session(conn):
        Hit.insert_many([Hit(id=1, path="/", ms=1), Hit(id=2, path="/", ms=2)])
    with Session(conn):
        other, first, second = Hit.find(2), Hit.find(1), Hit.find(1)
    other.ms, first.ms, second.ms = 6, 5, 6
    with Session(conn) as session:
        session.add_all([other, first, second])
    assert conn.execute("SELECT id, ms FROM s_hits ORDER BY id").rows == [(1, 6), (2, 6)]


def test_rollback_without_transactions_says_what_stays(conn: EmbeddedConnection,
                                                      log: list[str]) -> None:
    from clickorm.errors import QueryError

    session = Session(conn)
    session.add(Hit(id=1, path="/kept", ms=1))
    session.rollback()  # nothing ran yet: discarding the buffer is the whole rollback
    session.add(Hit(id=2, path="/kept", ms=1))
    session.flush()
    session.add(Hit(id=3, path="/dropped", ms=1))
    with pytest.raises(QueryError, match="no transactions, so the 1 write statement"):
        session.rollback()
    assert session.pending == 0
    with Session(conn) as block:
        Hit(id=4, path="/saved", ms=1).save()
        with pytest.raises(QueryError, match="already ran stay in the database"):
            block.rollback()
        block.rollback()  # told once: nothing ran since
    ids = [r[0] for r in conn.execute("SELECT id FROM s_hits ORDER BY id").rows]
    assert ids == [2, 4]


def test_rollback_counts_only_the_sessions_own_writes(conn: EmbeddedConnection,
                                                       log: list[str]) -> None:
    import threading

    with Session(conn) as block:
        other = threading.Thread(target=lambda: conn.insert_rows(
            "s_hits", ["id", "path", "ms"], [(9, "/other thread", 1)]))
        other.start()
        other.join()
        block.rollback()  # the other thread's insert on the shared connection is not ours
