"""Model class -> builder forwarding: derived from the builder's public API, minus the
bulk writes the class refuses."""

from __future__ import annotations

import pytest

from clickorm.errors import QueryError
from clickorm.model import Column, Model, scope
from clickorm.model.builder import QueryBuilder
from clickorm.model.query import ModelQuery


class Gadget(Model):
    id: int = Column(primary_key=True)
    name: str
    active: bool = True

    @scope
    def enabled(query):  # noqa: N805 - a scope receives the builder
        return query.where("active", True)


# hand-written: a builder method that disappears from the class surface must fail here
MUST_FORWARD = ("where", "select", "find", "first", "get", "with_", "where_has", "with_count",
                "paginate", "to_sql", "count", "order_by", "limit", "insert", "insert_sql",
                "exists", "pluck", "chunk", "iter")
#: row-changing builder methods the class refuses (a bulk write needs a builder)
MUST_REFUSE = ("delete", "update", "increment", "decrement")


@pytest.mark.parametrize("name", MUST_FORWARD)
def test_builder_methods_are_reachable_from_the_model_class(name: str) -> None:
    attr = getattr(Gadget, name)
    assert callable(attr), name
    bound_to = attr.__self__
    assert isinstance(bound_to, ModelQuery), name
    assert bound_to.model is Gadget, name
    assert attr.__func__ is getattr(QueryBuilder, name), name  # the builder's own method


def test_forwarding_calls_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, tuple[object, ...]]] = []
    original = QueryBuilder.where

    def spy(self: QueryBuilder, *args: object) -> QueryBuilder:
        calls.append((self, args))
        return original(self, *args)

    monkeypatch.setattr(QueryBuilder, "where", spy)
    result = Gadget.where("id", 5)
    ((receiver, args),) = calls
    assert isinstance(receiver, ModelQuery) and receiver.model is Gadget
    assert args == ("id", 5)
    assert result.to_sql("sqlite") == 'SELECT * FROM "gadgets" WHERE "id" = 5'


def test_a_method_added_to_the_builder_is_forwarded_without_listing_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import clickorm.model.metaclass as metaclass
    from clickorm.model.builder import public_methods

    def newest_page(self: QueryBuilder) -> QueryBuilder:
        return self.latest("id").limit(1)

    monkeypatch.setattr(QueryBuilder, "newest_page", newest_page, raising=False)
    monkeypatch.setattr(metaclass, "FORWARDED", public_methods())  # re-derived at import
    assert Gadget.newest_page().to_sql("sqlite") == (
        'SELECT * FROM "gadgets" ORDER BY "id" DESC LIMIT 1')


@pytest.mark.parametrize("name", MUST_REFUSE)
def test_bulk_writes_on_the_class_are_refused_and_say_how(name: str) -> None:
    method = getattr(Gadget, name)
    with pytest.raises(QueryError) as info:
        method() if name == "delete" else method({"name": "x"})
    message = str(info.value)
    assert f"Gadget.{name}() on the model class would {name} every row" in message
    assert f"Gadget.query.{name}(" in message and f"Gadget.where(...).{name}(" in message


def test_bulk_writes_through_a_builder_still_run() -> None:
    assert Gadget.query.delete(dry=True).to_sql("sqlite") == 'DELETE FROM "gadgets"'
    assert Gadget.where("id", 2).update({"name": "n"}, dry=True).to_sql("sqlite") == (
        'UPDATE "gadgets" SET "name" = \'n\' WHERE "id" = 2')
    assert Gadget.query.increment("id", dry=True).to_sql("sqlite") == (
        'UPDATE "gadgets" SET "id" = ("id" + 1)')


def test_forwarded_calls_start_a_new_builder_each_time() -> None:
    a = Gadget.where("id", 1)
    b = Gadget.where("id", 2)
    assert a is not b
    assert a.to_sql("sqlite") == 'SELECT * FROM "gadgets" WHERE "id" = 1'
    assert b.to_sql("sqlite") == 'SELECT * FROM "gadgets" WHERE "id" = 2'
    assert isinstance(Gadget.query, ModelQuery)
    assert Gadget.query is not Gadget.query


def test_scopes_start_and_continue_builders() -> None:
    assert Gadget.enabled().where("id", 3).to_sql("sqlite") == (
        'SELECT * FROM "gadgets" WHERE "active" = 1 AND "id" = 3')
    assert Gadget.where("id", 3).enabled().to_sql("sqlite") == (
        'SELECT * FROM "gadgets" WHERE "id" = 3 AND "active" = 1')


def test_unknown_builder_attribute_names_model_and_suggests() -> None:
    with pytest.raises(AttributeError) as info:
        Gadget.query.enabeld  # noqa: B018
    assert "Gadget query has no attribute 'enabeld'" in str(info.value)
    assert "'enabled'" in str(info.value)


def test_row_methods_work_on_instances_only() -> None:
    gadget = Gadget(id=1, name="x")
    assert gadget.delete.__self__ is gadget
    assert gadget.update.__self__ is gadget
    assert not hasattr(Gadget.delete, "__self__")  # on the class: the refusal
    assert Gadget.where("id", 9).delete(dry=True).to_sql("sqlite") == (
        'DELETE FROM "gadgets" WHERE "id" = 9')
