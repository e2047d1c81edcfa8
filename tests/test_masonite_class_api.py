"""The Masonite names as class methods of a model (``Person.sum("age as n")``): they
forward to the builder, so each gives the builder's answer, on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import HTTP404, QueryError
from clickorm.testing.same_answer import PEOPLE, Models, models, seed


@pytest.fixture()
def m() -> Iterator[Models]:
    reset_managers()
    conn = use("sqlite://").connection()
    made = models(f"mc_{uuid.uuid4().hex[:6]}", conn)
    seed(made)
    yield made
    reset_managers()


AGES = [p[3] for p in PEOPLE if p[3] is not None]


def test_aggregates_read_the_alias_on_the_class(m: Models) -> None:
    person = m.person
    assert person.sum("age as number") == sum(AGES)
    assert person.count("age as n") == len(AGES)
    assert person.max(f"{person.__table_name__}.age as oldest") == max(AGES)
    assert person.min("age AS youngest") == min(AGES)
    assert person.avg("age as a") == pytest.approx(sum(AGES) / len(AGES))
    with pytest.raises(QueryError, match="select\\(\\) columns would be dropped"):
        person.select("name").max("age")


def test_callables_on_the_class_read_the_models_table(m: Models) -> None:
    person = m.person
    assert sorted(p.id for p in person.where_in(
        "age", lambda q: q.select("age").where("age", 17)).get()) == [
        p[0] for p in PEOPLE if p[3] == 17]
    assert len(person.where_exists(lambda q: q.where("age", 60)).get()) == len(PEOPLE)
    assert person.where_not_exists(lambda q: q.where("age", 60)).get() == []
    assert [r.id for r in person.select("id").add_select(
        "n", lambda q: q.aggregate("count")).order_by("id").get()] == [p[0] for p in PEOPLE]


def test_the_other_masonite_names_on_the_class(m: Models) -> None:
    person = m.person
    assert sorted(p.id for p in person.between("age", 17, 31).get()) == sorted(
        p[0] for p in PEOPLE if p[3] is not None and 17 <= p[3] <= 31)
    assert person.find_or_404(3).name == "bob"
    with pytest.raises(HTTP404):
        person.find_or_404(404)
    assert person.simple_paginate(4, 3).has_more is False
    assert person.first_where("name", "eve").id == 9
    with pytest.raises(QueryError, match="more than one"):
        person.sole()
    assert person.statement(f"SELECT count(*) AS n FROM {person.__table_name__}") == [
        {"n": len(PEOPLE)}]
    with pytest.raises(QueryError, match="not supported by the sqlite dialect"):
        person.lock_for_update().get()
    person.begin()
    person.truncate()
    assert person.count() == 0
    person.rollback()
    assert person.count() == len(PEOPLE)
    assert person.truncate(dry=True) == [f'DELETE FROM "{person.__table_name__}"']


def test_create_on_a_model_query_follows_the_connection_it_names(m: Models) -> None:
    person = m.person
    q = person.query.on(m.connection)  # the model's own connection: allowed
    made = q.create(id=20, name="zoe", country="IS", score=1.0)
    assert made.id == 20 and person.find(20) is not None
    assert q.bulk_create([{"id": 21, "name": "yan", "country": "IS", "score": 0.0}]) == 1
    other = ConnectionManager("sqlite://").connection()  # not the model's
    with pytest.raises(QueryError, match="would write through the model's own connection"):
        person.query.on(other).create(id=22, name="x", country="IS", score=0.0)
