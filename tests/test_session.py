"""Session: scoped queries, buffered bulk writes, commit and rollback (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import ConnectionManager, use
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers
from clickorm.errors import ClickORMError, ValidationError
from clickorm.model import Column, Model
from clickorm.model.query import ModelQuery
from clickorm.model.session import Session


class Member(Model):
    id: int = Column(primary_key=True)
    name: str
    level: int = 0


class Badge(Model):
    id: int = Column(primary_key=True)
    member_id: int
    label: str


@pytest.fixture
def manager() -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = use("sqlite://")
    Member.create_table()
    Badge.create_table()
    yield mgr
    reset_managers()


@pytest.fixture
def statements(manager: ConnectionManager) -> list[str]:
    seen: list[str] = []
    manager.connection().listeners.append(lambda sql, params: seen.append(sql))
    return seen


def _count(conn: BaseConnection, table: str) -> int:
    return int(conn.execute(f'SELECT count(*) FROM "{table}"').scalar())


def test_query_runs_on_the_session_connection(manager: ConnectionManager) -> None:
    Member.insert_many([{"id": i, "name": f"m{i}"} for i in range(1, 21)])
    with Session(manager) as session:
        query = session.query(Member)
        assert isinstance(query, ModelQuery) and query._conn is session.connection
        assert [m.id for m in query.filter(Member.id > 17).order_by("id").all()] == [18, 19, 20]
        assert session.query("members").where("id", 1).first() == {"id": 1, "name": "m1",
                                                                  "level": 0}


def test_add_all_flushes_one_bulk_insert_per_table_and_commits(
        manager: ConnectionManager, statements: list[str]) -> None:
    with Session(manager) as session:
        session.add_all([Member(id=i, name=f"m{i}") for i in range(1, 6)])
        session.add_all([Badge(member_id=1, label=f"b{i}") for i in range(3)])
        session.add(Member(id=99, name="last"))
        assert session.pending == 9
        assert statements == []  # nothing written yet
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert inserts == ["INSERT INTO members (id, name, level) <6 rows>",
                       "INSERT INTO badges (member_id, label) <3 rows>"]
    conn = manager.connection()
    assert _count(conn, "members") == 6 and _count(conn, "badges") == 3
    assert not conn.in_transaction  # type: ignore[attr-defined]


def test_an_error_rolls_back_everything_the_block_wrote(manager: ConnectionManager) -> None:
    conn = manager.connection()
    with pytest.raises(RuntimeError), Session(manager) as session:
        session.add(Member(id=1, name="buffered"))
        session.flush()  # written inside the transaction...
        Member.create(name="through the model")  # ...and so is this (same connection)
        assert _count(conn, "members") == 2
        raise RuntimeError("boom")
    assert _count(conn, "members") == 0  # ...and both were rolled back


def test_model_writes_inside_a_session_share_its_transaction(
        manager: ConnectionManager) -> None:
    with Session(manager) as session:
        member = Member.create(name="x")
        assert session.connection.in_transaction  # type: ignore[attr-defined]
        member.level = 3
        session.add(member)  # persisted + changed: updated on flush
    assert Member.find(member.id).level == 3


def test_commit_inside_the_block_keeps_earlier_work(manager: ConnectionManager) -> None:
    with pytest.raises(KeyError), Session(manager) as session:
        session.add(Member(id=1, name="kept"))
        session.commit()
        session.add(Member(id=2, name="lost"))
        session.flush()
        raise KeyError("late failure")
    assert [m.name for m in Member.all()] == ["kept"]


def test_invalid_instance_writes_nothing(manager: ConnectionManager) -> None:
    bad = Member(id=2, name="b")
    bad.level = "high"  # not validated on assignment
    with pytest.raises(ValidationError, match="level"), Session(manager) as session:
        session.add(Badge(member_id=1, label="ok"))
        session.add(Member(id=1, name="ok"))
        session.add(bad)
    conn = manager.connection()
    assert _count(conn, "members") == 0 and _count(conn, "badges") == 0


def test_single_insert_gets_its_key_and_deletes_are_buffered(
        manager: ConnectionManager) -> None:
    member = Member(name="solo")
    with Session(manager) as session:
        session.add(member)
    assert member.id == 1 and member.is_persisted
    with Session(manager) as session:
        session.delete(member)
        assert Member.find(1) is not None
    assert Member.find(1) is None and not member.is_persisted


def test_closed_session_refuses_work(manager: ConnectionManager) -> None:
    with Session(manager) as session:
        pass
    with pytest.raises(ClickORMError, match="closed"):
        session.add(Member(name="late"))


def test_models_bound_to_another_connection_ignore_the_session(
        manager: ConnectionManager) -> None:
    class Remote(Model):
        id: int = Column(primary_key=True)

        class Meta:
            connection = "elsewhere"

    from clickorm.model.context import session_connection

    with Session(manager) as session:
        assert session_connection(Member) is session.connection
        assert session_connection(Remote) is None
    assert session_connection(Member) is None


def test_updates_of_a_model_bound_elsewhere_go_to_its_own_connection(
        manager: ConnectionManager) -> None:
    """A session flush writes each updated row where its model lives."""
    from clickorm.connection.manager import register_manager

    class Roamer(Model):
        id: int = Column(primary_key=True)
        name: str

        class Meta:
            table_name = "members"  # Member's table name, in the other database
            connection = "elsewhere"

    other = register_manager("elsewhere", ConnectionManager("sqlite://", name="elsewhere"))
    Roamer.create_table()
    Member.insert_many([Member(id=1, name="main row")])
    Roamer.insert_many([Roamer(id=1, name="remote row")])
    roamer = Roamer.find(1)
    roamer.name = "remote, updated"
    with Session(manager) as session:
        session.add(roamer)
    assert Member.__table_name__ == "members"
    assert other.connection().execute('SELECT "name" FROM "members"').rows == [
        ("remote, updated",)]
    assert manager.connection().execute('SELECT "name" FROM "members"').rows == [
        ("main row",)]
    assert not roamer.is_dirty()
