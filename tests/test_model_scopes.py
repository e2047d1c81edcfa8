"""Local scopes on a real table: start a query, chain on builders, take arguments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.model import Column, Model, scope


class Task(Model):
    id: int = Column(primary_key=True)
    title: str
    done: bool = False
    priority: int = 0

    @scope
    def open(query):  # noqa: N805 - a scope receives the builder
        return query.where("done", False)

    @scope
    def urgent(query, at_least: int = 5):  # noqa: N805
        return query.where("priority", ">=", at_least)

    @scope
    def broken(query):  # noqa: N805
        query.where("done", True)  # forgot to return it


class Chore(Task):
    class Meta:
        table_name = "tasks"


@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    reset_managers()
    use("sqlite://")
    Task.create_table()
    Task.insert_many([{"title": "a", "priority": 9}, {"title": "b", "done": True, "priority": 9},
                      {"title": "c", "priority": 1}, {"title": "d", "priority": 6}])
    yield
    reset_managers()


def titles(query: object) -> list[str]:
    return [t.title for t in query.order_by("id").get()]  # type: ignore[attr-defined]


def test_scopes_start_chain_and_take_arguments() -> None:
    assert titles(Task.open()) == ["a", "c", "d"]
    assert titles(Task.open().urgent()) == ["a", "d"]
    assert titles(Task.where("title", "!=", "a").open().urgent(at_least=6)) == ["d"]
    assert Task.open().urgent(9).count() == 1


def test_scopes_are_inherited() -> None:
    assert titles(Chore.urgent(7)) == ["a", "b"]
    assert Chore.open().model is Chore


def test_a_scope_must_return_the_builder() -> None:
    with pytest.raises(QueryError, match="Scope 'broken' returned None"):
        Task.broken()
