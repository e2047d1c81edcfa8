"""find(key) keeps the statement of a model's fresh query per grammar and key kind, and
never runs another query's SQL (clickorm.model.find_statement), on SQLite (qmark)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.model import Column, Model, find_statement
from clickorm.model.collection import Collection


class Fruit(Model):
    id: int = Column(primary_key=True)
    name: str

    class Meta:
        table_name = "fs_fruits"


class Tool(Model):
    id: int = Column(primary_key=True)
    name: str

    class Meta:
        table_name = "fs_tools"


class Word(Model):
    code: str = Column(primary_key=True)
    n: int = 0

    class Meta:
        table_name = "fs_words"


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    for model in (Fruit, Tool, Word):
        model.create_table()
    Fruit.insert_many([{"id": i, "name": f"fruit{i}"} for i in range(1, 6)])
    Tool.insert_many([{"id": i, "name": f"tool{i}"} for i in range(1, 6)])
    Word.insert_many([{"code": c, "n": i} for i, c in enumerate("abc")])
    yield conn
    reset_managers()


def _kept_for(model: type[Model], conn: BaseConnection, kind: str) -> find_statement.FindStatement | None:
    return find_statement.kept(model, conn.grammar, model.__clickorm_initial_state__, kind)


def test_repeated_finds_use_the_kept_statement_with_each_key(db: BaseConnection) -> None:
    assert Fruit.find(2).name == "fruit2"  # type: ignore[union-attr]
    kept = _kept_for(Fruit, db, "int")
    assert kept is not None and "fs_fruits" in kept.sql
    for key in (1, 5, 3, 99, -7):
        found = Fruit.find(key)
        assert (found.name if found else None) == (f"fruit{key}" if 1 <= key <= 5 else None)
    assert _kept_for(Fruit, db, "int") is kept


def test_each_model_and_key_kind_has_its_own_statement(db: BaseConnection) -> None:
    assert Fruit.find(3).name == "fruit3"  # type: ignore[union-attr]
    assert Tool.find(3).name == "tool3"  # type: ignore[union-attr]
    assert Word.find("b").n == 1  # type: ignore[union-attr]
    fruit, tool, word = (_kept_for(Fruit, db, "int"), _kept_for(Tool, db, "int"),
                         _kept_for(Word, db, "str"))
    assert fruit and tool and word and len({fruit.sql, tool.sql, word.sql}) == 3
    assert Fruit.find(3).name == "fruit3" and Tool.find(4).name == "tool4"  # type: ignore[union-attr]
    assert Word.find("c").n == 2 and Word.find("zz") is None  # type: ignore[union-attr]


def test_a_narrowed_query_never_uses_the_fresh_statement(db: BaseConnection) -> None:
    assert Fruit.find(2) is not None
    assert Fruit.where("id", ">", 3).find(2) is None
    assert Fruit.where("name", "fruit4").find(4).id == 4  # type: ignore[union-attr]
    assert Fruit.where("id", ">", 3).or_where("id", 1).find(1).id == 1  # type: ignore[union-attr]
    assert Fruit.find(2).id == 2  # type: ignore[union-attr]


def test_other_keys_take_the_general_path(db: BaseConnection) -> None:
    with pytest.raises(QueryError, match="64-bit integer range"):
        Fruit.find(2**70)  # beyond Int64: the general path (SQLite refuses it)
    assert find_statement.key_kind(2**70) is None and find_statement.key_kind(True) is None
    assert find_statement.key_kind(1.0) is None and find_statement.key_kind(b"x") is None
    found = Fruit.find([1, 2])
    assert isinstance(found, Collection) and sorted(f.id for f in found) == [1, 2]


def test_another_connection_has_its_own_statement(db: BaseConnection) -> None:
    assert Fruit.find(1).name == "fruit1"  # type: ignore[union-attr]
    other = use("sqlite://", name="fs_other").connection()
    Fruit.create_table(connection=other)
    Fruit.on(other).insert({"id": 1, "name": "elsewhere"})
    assert other.grammar is not db.grammar
    for _ in range(2):
        assert Fruit.on(other).find(1).name == "elsewhere"  # type: ignore[union-attr]
        assert Fruit.on(db).find(1).name == "fruit1"  # type: ignore[union-attr]


def test_a_key_not_bound_exactly_once_as_it_is_is_not_kept(db: BaseConnection) -> None:
    grammar, state = db.grammar, Tool.__clickorm_initial_state__
    key = 123_456_789
    find_statement.keep(Tool, grammar, state, "int", "SELECT ?, ?", (key, key), key)
    assert find_statement.kept(Tool, grammar, state, "int") is None  # twice: ambiguous
    find_statement.keep(Tool, grammar, state, "int", "SELECT ?", (str(key),), key)
    assert find_statement.kept(Tool, grammar, state, "int") is None  # changed by the binder
    find_statement.keep(Tool, grammar, state, "int", "SELECT ?", (key,), key)
    kept = find_statement.kept(Tool, grammar, state, "int")
    assert kept is not None and find_statement.params_for(kept, 7) == (7,)
    # another state object (a redefined model at the same address) is not a match
    assert find_statement.kept(Tool, grammar, state.set("limit", 1), "int") is None
