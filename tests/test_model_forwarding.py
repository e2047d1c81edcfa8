"""Model class -> builder forwarding is derived from the builder's public API."""

from __future__ import annotations

import pytest

from clickorm.model import Column, Model, scope
from clickorm.model.builder import QueryBuilder, public_methods
from clickorm.model.query import FORWARDED, ModelQuery


class Gadget(Model):
    id: int = Column(primary_key=True)
    name: str
    active: bool = True

    @scope
    def enabled(query):  # noqa: N805 - a scope receives the builder
        return query.where("active", True)


def test_every_public_builder_method_is_reachable_from_the_model_class() -> None:
    names = public_methods()
    assert names == FORWARDED
    assert {"where", "select", "find", "with_", "where_has", "with_count", "paginate",
            "to_sql", "delete", "update", "count"} <= names
    for name in sorted(names):
        attr = getattr(Gadget, name)
        assert callable(attr), name
        bound_to = getattr(attr, "__self__", None)
        assert isinstance(bound_to, ModelQuery), name
        assert bound_to.model is Gadget, name
        assert getattr(QueryBuilder, name) is getattr(type(bound_to), name), name


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


def test_instance_methods_shadow_only_on_instances() -> None:
    gadget = Gadget(id=1, name="x")
    assert gadget.delete.__self__ is gadget
    assert isinstance(Gadget.delete.__self__, ModelQuery)
    assert Gadget.where("id", 9).delete(dry=True).to_sql("sqlite") == (
        'DELETE FROM "gadgets" WHERE "id" = 9')
