"""What SQLite and the config loader raise is a ClickORMError that names the problem,
with the driver's exception as ``__cause__`` and no bound value in the message."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickorm import QueryBuilder
from clickorm.config import load_config
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ClickORMError, ConfigError, QueryError
from clickorm.model import Column, Model

BIG = 2**63 + 12345


class Counter(Model):
    id: int = Column(primary_key=True)
    name: str = ""
    hits: int = 0


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Counter.create_table()
    Counter.create(name="a", hits=1)
    yield conn
    reset_managers()


@pytest.mark.parametrize(
    "call",
    [
        lambda: Counter.where("hits", BIG).get(),
        lambda: Counter.find(BIG),
        lambda: QueryBuilder("counters").where("id", 1).update({"hits": BIG}),
    ],
)
def test_an_integer_beyond_64_bits_is_a_query_error_on_sqlite(db, call):
    with pytest.raises(QueryError, match="outside SQLite's 64-bit integer range") as info:
        call()
    assert isinstance(info.value.__cause__, OverflowError)
    assert str(BIG) not in str(info.value)
    assert "(int)" in str(info.value)
    assert Counter.query.count() == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: Counter.create(name="b", hits=BIG),
        lambda: Counter.insert_many([{"name": "c", "hits": BIG}]),
        lambda: Counter.where("id", 1).update({"hits": BIG}),  # the field's range
    ],
)
def test_writing_an_integer_beyond_64_bits_is_a_clickorm_error_on_sqlite(db, call):
    # a range check in the model may refuse it first; either way no bare OverflowError
    with pytest.raises(ClickORMError) as info:
        call()
    assert str(BIG) not in str(info.value) or "hits" in str(info.value)
    assert Counter.query.count() == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: Counter.where("name", "x\ud800y").get(),
        lambda: Counter.create(name="x\ud800y"),
    ],
)
def test_a_lone_surrogate_is_a_query_error_on_sqlite(db, call):
    with pytest.raises(QueryError, match="not valid Unicode") as info:
        call()
    assert isinstance(info.value.__cause__, UnicodeEncodeError)
    assert "(str)" in str(info.value)


def test_a_locked_database_is_a_query_error(tmp_path: Path):
    reset_managers()
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        conn = use(f"sqlite:///{path}?timeout=0.05").connection()
        with pytest.raises(QueryError, match="database is locked.*write lock") as info:
            conn.execute("INSERT INTO t VALUES (1)")
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(QueryError, match="database is locked"), conn.transaction():
            pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        reset_managers()


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path):
    file = tmp_path / "clickorm.toml"
    file.write_bytes(b'[connections.default]\nurl = "sqlite://"\n# caf\xe9\n')
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_config(file, environ={})
    assert str(file) in str(info.value)
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_every_failure_above_is_a_clickorm_error():
    assert issubclass(QueryError, ClickORMError) and issubclass(ConfigError, ClickORMError)
