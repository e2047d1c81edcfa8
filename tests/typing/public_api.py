"""Typing examples of the public API, checked by ``mypy --strict`` in tox's ``type`` env.

Each ``assert_type`` is what a user's editor and type checker see. The lines marked
``# type: ignore[...]`` must stay errors: with ``warn_unused_ignores`` an ignore that
stops being needed (a misspelt method that starts to type-check) fails the run.
This file is read by mypy, never imported by pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

from clickorm import Collection, Column, ConnectionManager, Model, Page, QueryBuilder
from clickorm.query.expressions import Col, Compare


class User(Model):
    id: int = Column(primary_key=True)
    name: str = ""
    age: int = 0


def builders() -> None:
    assert_type(User.query, QueryBuilder[User])
    assert_type(User.where("age", ">", 18), QueryBuilder[User])
    assert_type(User.where("age", ">", 18).or_where("name", "x").limit(3), QueryBuilder[User])
    assert_type(User.select("id").order_by("name", "desc"), QueryBuilder[User])


def terminals() -> None:
    q = User.where("age", ">", 18)
    assert_type(q.get(), Collection[User])
    assert_type(q.all(), Collection[User])
    assert_type(q.first(), User | None)
    assert_type(q.first_or_fail(), User)
    assert_type(User.find(1), User | None)
    assert_type(User.find([1, 2]), Collection[User])
    assert_type(User.find_or_fail(1), User)
    assert_type(q.count(), int)
    assert_type(q.exists(), bool)
    assert_type(q.paginate(10, 1), Page[User])
    assert_type(q.iter(), Iterator[User])
    assert_type(q.chunk(100), Iterator[Collection[User]])
    assert_type(User.create(name="x"), User)
    for user in q.get():
        assert_type(user, User)


def writes() -> None:
    q = User.where("age", ">", 18)
    # rows changed where the engine reports it, None where it cannot (ClickHouse)
    assert_type(q.update({"name": "x"}), int | None)
    assert_type(q.delete(), int | None)
    assert_type(q.increment("age"), int | None)
    assert_type(q.decrement("age", 2), int | None)
    assert_type(q.update({"name": "x"}, dry=True), QueryBuilder[User])
    assert_type(q.delete(dry=True), QueryBuilder[User])


def plain_builder() -> None:
    rows = QueryBuilder("users").where("id", 1).get()
    assert_type(rows, Collection[dict[str, Any]])


def sessions(manager: ConnectionManager) -> None:
    with manager.session() as session:
        assert_type(session.query(User), QueryBuilder[User])
        assert_type(session.query(User).filter(User.c.id > 10).all(), Collection[User])


def expressions() -> None:
    assert_type(User.c.name, Col)
    assert_type(User.c.name.like("J%"), Compare)
    assert_type(User.col("name"), Col)


def misspellings() -> None:
    User.wehre("x", 1)  # type: ignore[attr-defined]
    User.query.wehre("x", 1)  # type: ignore[attr-defined]
    User.where("x", 1).frist()  # type: ignore[attr-defined]
