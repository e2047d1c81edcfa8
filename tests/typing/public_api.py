"""Typing examples of the public API, checked by ``mypy --strict`` in tox's ``type`` env.

Each ``assert_type`` is what a user's editor and type checker see. The lines marked
``# type: ignore[...]`` must stay errors: with ``warn_unused_ignores`` an ignore that
stops being needed (a misspelt method that starts to type-check) fails the run.
This file is read by mypy, never imported by pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

from clickorm import (
    Blueprint,
    Collection,
    Column,
    Compiled,
    ConnectionManager,
    JoinClause,
    Model,
    Page,
    QueryBuilder,
    Schema,
    SimplePage,
)
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
    assert_type(User.create({"name": "x"}), User)
    assert_type(q.find([1, 2]), Collection[User])
    assert_type(q.find_or_fail([1, 2]), Collection[User])
    assert_type(q.last(), User | None)
    assert_type(q.doesnt_exist(), bool)
    assert_type(q.pluck("name"), Collection[Any])
    assert_type(q.pluck("name", "id"), dict[Any, Any])
    assert_type(q.to_sql(), str)
    assert_type(q.compile(), Compiled)
    for user in q.get():
        assert_type(user, User)


def writes(user: User) -> None:
    assert_type(user.save(), User)
    assert_type(user.save(dry=True), list[str])
    assert_type(user.fill(name="y"), User)
    assert_type(user.fresh(), User | None)
    assert_type(user.refresh(), User)
    assert_type(user.is_dirty(), bool)
    assert_type(User.insert_many([user]), int)
    assert_type(User.create_table(dry=True), list[str])
    q = User.where("id", user.id)
    # rows changed where the engine reports it, None where it cannot (ClickHouse)
    assert_type(q.update({"name": "z"}), int | None)
    assert_type(q.update({"name": "z"}, dry=True), QueryBuilder[User])
    assert_type(q.delete(), int | None)
    assert_type(q.delete(dry=True), QueryBuilder[User])
    assert_type(q.increment("age"), int | None)
    assert_type(q.decrement("age", 2), int | None)
    assert_type(User.query.delete(), int | None)


def collections(users: Collection[User]) -> None:
    assert_type(users.first(), User | None)
    assert_type(users.first(lambda u: u.age > 3), User | None)
    assert_type(users.first(None, user_default()), User)
    assert_type(users.last(), User | None)
    assert_type(users.filter(lambda u: u.age > 3), Collection[User])
    assert_type(users.reject(lambda u: u.age > 3), Collection[User])
    assert_type(users.map(lambda u: u.name), Collection[str])
    assert_type(users.sort_by("name"), Collection[User])
    assert_type(users.where("age", 3), Collection[User])
    assert_type(users.unique("name"), Collection[User])
    assert_type(users.key_by("id"), dict[Any, User])
    assert_type(users.group_by("age"), dict[Any, Collection[User]])
    assert_type(users.pluck("name"), Collection[Any])
    assert_type(users.chunk(2), Iterator[Collection[User]])
    assert_type(users.count(), int)
    assert_type(users.is_empty(), bool)
    assert_type(users.to_dicts(), list[dict[str, Any]])
    assert_type(users.to_json(), str)
    assert_type(users.load("posts"), Collection[User])


def user_default() -> User:
    return User(id=0)


def pages() -> None:
    page = User.paginate(10, 2)
    assert_type(page.items, Collection[User])
    assert_type(page.total, int)
    assert_type(page.last_page, int)
    for user in page:
        assert_type(user, User)


def schema() -> None:
    with Schema.create("events") as table:
        assert_type(table, Blueprint)
    assert_type(Schema.create("events"), Blueprint)
    assert_type(Schema(dry=True).drop_if_exists("events"), list[str])
    assert_type(Schema(dry=True).has_table("events"), bool)
    assert_type(Schema.on("analytics", dry=True), Schema)


def plain_builder() -> None:
    rows = QueryBuilder("users").where("id", 1).get()
    assert_type(rows, Collection[dict[str, Any]])


def sessions(manager: ConnectionManager) -> None:
    with manager.session() as session:
        assert_type(session.query(User), QueryBuilder[User])
        assert_type(session.query(User).filter(User.c.id > 10).all(), Collection[User])
        assert_type(session.query("users").get(), Collection[dict[str, Any]])
        assert_type(session.add(User(id=1)), None)
        assert_type(session.add_all([User(id=2)]), None)
        assert_type(session.flush(), None)
        assert_type(session.pending, int)
        session.add({"id": 3})  # type: ignore[arg-type]


def expressions() -> None:
    assert_type(User.c.name, Col)
    assert_type(User.c.name.like("J%"), Compare)
    assert_type(User.col("name"), Col)


def misspellings() -> None:
    User.wehre("x", 1)  # type: ignore[attr-defined]
    User.query.wehre("x", 1)  # type: ignore[attr-defined]
    User.where("x", 1).frist()  # type: ignore[attr-defined]


def masonite_names() -> None:
    assert_type(User.aggregate("sum", "age"), QueryBuilder[User])
    assert_type(User.between("age", 1, 2).not_between("id", 3, 4), QueryBuilder[User])
    assert_type(User.where_date("created", "2024-01-01"), QueryBuilder[User])
    assert_type(User.join(JoinClause("posts", "left").on("users.id", "=", "posts.user_id")),
                QueryBuilder[User])
    assert_type(User.find_or_404(1), User)
    assert_type(User.query.create(name="x"), User)
    assert_type(User.query.bulk_create([{"name": "x"}]), int)
    assert_type(User.simple_paginate(10, 1), SimplePage[User])
    assert_type(User.simple_paginate(10, 1).has_more, bool)
    assert_type(User.first_where("name", "x"), User | None)
    assert_type(User.sole(), User)
    assert_type(User.statement("SELECT 1"), list[dict[str, Any]])
    assert_type(User.truncate(dry=True), list[str])
    assert_type(User.query.delete("id", 3), int | None)
    assert_type(User.query.delete("id", 3, dry=True), QueryBuilder[User])
    assert_type(User.joins("posts", clause="left"), QueryBuilder[User])
