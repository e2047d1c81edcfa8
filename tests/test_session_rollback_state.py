"""A rolled-back transaction leaves the instances as the database is (SQLite): rows it
inserted are new again, changes it saved are dirty again, rows it deleted are persisted
again; and save() of a row that is not in the table is an error, never an UPDATE of
nothing that passes for a save."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import ConnectionManager, use
from clickorm.connection.manager import reset_managers
from clickorm.errors import ModelNotFound, WriteError
from clickorm.model import Column, Model


class Account(Model):
    id: int = Column(primary_key=True)
    owner: str
    balance: int = 0


class Boom(Exception):
    pass


@pytest.fixture
def manager() -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = use("sqlite://")
    Account.create_table()
    yield mgr
    reset_managers()


def _balances() -> dict[int, int]:
    return {a.id: a.balance for a in Account.query.get()}


def test_rows_inserted_by_a_rolled_back_block_are_new_again(manager: ConnectionManager) -> None:
    flushed, created = Account(id=1, owner="ann"), None
    with pytest.raises(Boom), manager.session() as session:
        session.add(flushed)
        session.flush()
        created = Account.create(id=2, owner="bob")
        Account.insert_many([Account(id=i, owner="x") for i in range(3, 6)])
        assert flushed.is_persisted and created.is_persisted
        raise Boom
    assert created is not None and _balances() == {}
    assert not flushed.is_persisted and not created.is_persisted
    flushed.balance = 10
    flushed.save()  # an INSERT again, not an UPDATE of a row that is not there
    created.save()
    assert _balances() == {1: 10, 2: 0}


def test_changes_saved_by_a_rolled_back_block_are_dirty_again(manager: ConnectionManager) -> None:
    Account.create(id=1, owner="ann", balance=5)
    loaded = Account.find_or_fail(1)
    with pytest.raises(Boom), manager.session():
        loaded.balance = 50
        loaded.save()
        raise Boom
    assert _balances() == {1: 5}
    assert loaded.balance == 50 and loaded.get_dirty() == {"balance": 50}
    loaded.save()  # writes the change the rollback undid
    assert _balances() == {1: 50}


def test_a_flushed_update_and_a_delete_rolled_back(manager: ConnectionManager) -> None:
    Account.insert_many([Account(id=1, owner="ann"), Account(id=2, owner="bob")])
    ann, bob = Account.find_or_fail(1), Account.find_or_fail(2)
    with manager.session() as session:
        ann.balance = 7
        session.add(ann)
        session.delete(bob)
        session.flush()
        assert _balances() == {1: 7}
        session.rollback()
    assert _balances() == {1: 0, 2: 0}
    assert ann.get_dirty() == {"balance": 7} and bob.is_persisted
    bob.refresh()
    ann.save()
    assert _balances() == {1: 7, 2: 0}


def test_nested_sessions_follow_their_savepoints(manager: ConnectionManager) -> None:
    with pytest.raises(Boom), manager.session():
        with manager.session():
            inner = Account.create(id=1, owner="inner")  # its savepoint is released ...
        assert inner.is_persisted
        raise Boom  # ... and the outer transaction rolls it back
    assert _balances() == {} and not inner.is_persisted

    with manager.session():
        outer = Account.create(id=2, owner="outer")
        with pytest.raises(Boom), manager.session():
            rolled = Account.create(id=3, owner="rolled back")
            raise Boom
        assert outer.is_persisted and not rolled.is_persisted
    assert _balances() == {2: 0} and outer.is_persisted


def test_save_of_a_row_that_is_gone_is_an_error(manager: ConnectionManager) -> None:
    account = Account.create(id=41, owner="secret-owner")
    manager.connection().execute('DELETE FROM "accounts"')
    account.owner = "also-secret"
    with pytest.raises(ModelNotFound) as info:
        account.save()
    text = str(info.value)
    assert "accounts" in text and "(id)" in text
    assert "41" not in text and "secret" not in text  # no bound value in the message
    assert account.get_dirty() == {"owner": "also-secret"}
    assert _balances() == {}


class Entry(Model):
    id: int = Column(primary_key=True)


def test_a_write_error_of_a_rolled_back_transaction_says_nothing_landed(
        manager: ConnectionManager) -> None:
    Entry.create_table()
    Entry.create(id=4)
    accounts = [Account(id=i, owner="x") for i in range(3)]
    with pytest.raises(WriteError) as flushed, manager.session() as session:
        session.add_all(accounts)  # lands first ...
        session.add(Entry(id=4))   # ... then this duplicate key fails the flush
    with pytest.raises(Boom), manager.session():
        with pytest.raises(WriteError) as bulk:
            Entry.insert_many([Entry(id=i) for i in (1, 2, 3, 4, 5, 6)], chunk_size=2)
        assert bulk.value.tables[0].landed == 2  # true inside the transaction
        raise Boom
    for error in (flushed.value, bulk.value):
        assert all(t.landed == 0 and t.in_doubt == 0 for t in error.tables), error.tables
        assert "rolled back: none of these rows is in the database" in str(error)
    assert flushed.value.tables[0].not_landed == 3
    assert _balances() == {} and Entry.count() == 1
    assert not any(a.is_persisted for a in accounts)


def test_a_streamed_insert_in_a_session_keeps_no_instance_alive(
        manager: ConnectionManager) -> None:
    import gc
    import weakref

    seen: list[weakref.ref[Account]] = []

    def accounts() -> Iterator[Account]:
        for i in range(2_000):
            account = Account(id=i, owner="x")
            seen.append(weakref.ref(account))
            yield account

    with manager.session():
        Account.insert_many(accounts(), chunk_size=500)
        gc.collect()
        assert sum(ref() is not None for ref in seen) <= 500  # at most a chunk in hand
    assert Account.count() == 2_000
