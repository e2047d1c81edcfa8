"""Model class -> builder forwarding: derived from the builder's public API, minus the
bulk writes the class refuses."""

from __future__ import annotations

import inspect

import pytest

from clickorm.errors import QueryError
from clickorm.model import Column, Model, scope
from clickorm.model.builder import QueryBuilder, public_methods
from clickorm.model.class_api import REFUSED_ON_CLASS, ClassQueryAPI
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
def test_builder_methods_are_methods_of_the_model_class(name: str) -> None:
    attr = getattr(Gadget, name)
    assert callable(attr), name
    assert attr.__self__ is Gadget, name  # a metaclass method bound to the model class
    assert name in vars(ClassQueryAPI), name


def test_the_class_api_is_the_builders_public_api_less_the_refused_bulk_writes() -> None:
    declared = {n for n in vars(ClassQueryAPI) if not n.startswith("_")}
    missing = public_methods() - REFUSED_ON_CLASS - declared
    extra = declared - public_methods()
    assert not missing, f"builder methods the model class lacks: {sorted(missing)}"
    assert not extra, f"class methods the builder does not have: {sorted(extra)}"
    assert REFUSED_ON_CLASS.isdisjoint(declared)


@pytest.mark.parametrize("name", sorted(public_methods() - REFUSED_ON_CLASS))
def test_each_class_method_takes_the_builders_parameters(name: str) -> None:
    """Written out for type checkers, each must keep the builder's signature."""
    ours = list(inspect.signature(getattr(ClassQueryAPI, name)).parameters.values())[1:]
    theirs = list(inspect.signature(getattr(QueryBuilder, name)).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in ours] == [
        (p.name, p.kind, p.default) for p in theirs], name


def test_forwarding_calls_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, tuple[object, ...]]] = []
    original = QueryBuilder.where

    def spy(self: QueryBuilder[Gadget], *args: object) -> QueryBuilder[Gadget]:
        calls.append((self, args))
        return original(self, *args)

    monkeypatch.setattr(QueryBuilder, "where", spy)
    result = Gadget.where("id", 5)
    ((receiver, args),) = calls
    assert isinstance(receiver, ModelQuery) and receiver.model is Gadget
    assert args == ("id", 5)
    assert result.to_sql("sqlite") == 'SELECT * FROM "gadgets" WHERE "id" = 5'


def test_the_class_methods_pass_keywords_and_defaults_through() -> None:
    assert Gadget.join("parts", "gadgets.id", "=", "parts.gadget_id", kind="LEFT").to_sql(
        "sqlite") == ('SELECT * FROM "gadgets" LEFT JOIN "parts" ON '
                      '"gadgets"."id" = "parts"."gadget_id"')
    assert Gadget.limit_by(2, "name", offset=1).to_sql("clickhouse") == (
        "SELECT * FROM `gadgets` LIMIT 2 OFFSET 1 BY `name`")


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
