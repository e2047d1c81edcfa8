"""Model declaration: Meta, table names, identity, column expressions, Pydantic intact."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime
from typing import Annotated

import pydantic
import pytest

from clickorm.errors import QueryError, SchemaError
from clickorm.model import Column, Model, has_many
from clickorm.model.meta import known_keys
from clickorm.model.naming import default_table_name
from clickorm.query.expressions import Col, Compare, Order
from clickorm.types import markers as types


class Account(Model):
    id: int = Column(primary_key=True)
    name: str
    email: str = Column(index=True)
    created_at: datetime = Column(default=datetime.utcnow)
    tags: list[str] = []

    class Meta:
        engine = "MergeTree()"
        order_by = "id"


@pytest.mark.parametrize(("cls", "table"), [
    ("User", "users"), ("PageView", "page_views"), ("Category", "categories"),
    ("Address", "addresses"), ("HTTPLog", "http_logs"), ("Person", "people"),
    ("Day", "days"), ("Box", "boxes"),
])
def test_default_table_names(cls: str, table: str) -> None:
    assert default_table_name(cls) == table


def test_meta_is_read_and_exposed() -> None:
    assert Account.__table_name__ == "accounts"
    assert Account.__primary_key__ == ("id",)
    assert Account.__connection_name__ is None
    assert Account.Meta.engine == "MergeTree()"
    assert Account.Meta.order_by == "id"


def test_meta_table_name_and_connection() -> None:
    class Hit(Model):
        id: int = Column(primary_key=True)

        class Meta:
            table_name = "page_hits"
            connection = "analytics"

    assert Hit.__table_name__ == "page_hits"
    assert Hit.__connection_name__ == "analytics"


def test_unknown_meta_key_is_an_error_listing_known_keys() -> None:
    with pytest.raises(SchemaError) as info:
        class Bad(Model):
            id: int

            class Meta:
                oder_by = "id"

    text = str(info.value)
    assert "Bad.Meta has an unknown key 'oder_by'" in text
    assert "Did you mean 'order_by'?" in text
    assert all(k in text for k in known_keys())


def test_meta_inherits_except_table_name_and_abstract() -> None:
    class Base(Model):
        id: int = Column(primary_key=True)

        class Meta:
            abstract = True
            connection = "analytics"
            engine = "ReplacingMergeTree()"

    class Event(Base):
        kind: str

    assert Base.__table_name__ is None
    assert Event.__table_name__ == "events"
    assert Event.__connection_name__ == "analytics"
    assert Event.Meta.engine == "ReplacingMergeTree()"
    with pytest.raises(QueryError, match="abstract"):
        Base.where("id", 1)


def test_primary_key_sources() -> None:
    class A(Model):
        code: str = Column(primary_key=True)

    class B(Model):
        tenant: str
        num: int

        class Meta:
            primary_key = ("tenant", "num")

    class C(Model):
        id: int
        name: str

    class D(Model):
        ts: datetime

        class Meta:
            primary_key = "(toDate(ts), ts)"  # a ClickHouse expression: DDL only

    assert A.__primary_key__ == ("code",)
    assert B.__primary_key__ == ("tenant", "num")
    assert C.__primary_key__ == ("id",)
    assert D.__primary_key__ == ()


def test_integer_primary_key_is_optional_until_inserted() -> None:
    account = Account(name="a", email="e")
    assert account.id is None

    class Strict(Model):
        id: int = Column(primary_key=True, autoincrement=False)

    with pytest.raises(pydantic.ValidationError):
        Strict()


def test_field_access_on_the_class_builds_expressions() -> None:
    cond = Account.id > 10
    assert type(cond) is Compare and cond.left.same_as(Col("id"))
    assert repr(Account.name.like("J%")) == repr(Compare.of(Col("name"), "LIKE", "J%"))
    order = Account.created_at.desc()
    assert type(order) is Order and order.descending
    assert Account.c.id.same_as(Col("id", "accounts"))
    assert Account.col("email").same_as(Col("email", "accounts"))
    sql = Account.query.filter(Account.id > 10, Account.name.like("J%")).order_by(
        Account.created_at.desc()).limit(10).to_sql("sqlite")
    assert sql == ('SELECT * FROM "accounts" WHERE "id" > 10 AND "name" LIKE \'J%\' '
                   'ESCAPE \'\\\' ORDER BY "created_at" DESC NULLS LAST LIMIT 10')


def test_column_name_differs_from_field_name() -> None:
    class Legacy(Model):
        id: int = Column(primary_key=True)
        full_name: str = Column(name="FullName")

    assert Legacy.full_name.same_as(Col("FullName"))
    assert Legacy.where(Legacy.full_name == "x").to_sql("sqlite") == (
        'SELECT * FROM "legacies" WHERE "FullName" = \'x\'')


# a field under any of these names would hide the model's API (hand-picked samples of
# each kind: row methods, class methods, forwarded builder methods, the metaclass's
# namespaces, Pydantic's API, Meta)
SHADOWING = {
    "save": "save is a Model attribute",
    "delete": "delete() starts a query on the class",
    "refresh": "refresh is a Model attribute",
    "to_dict": "to_dict is a Model attribute",
    "before_save": "before_save is a Model attribute",
    "create": "create is a Model attribute",
    "insert_many": "insert_many is a Model attribute",
    "count": "count() starts a query on the class",
    "where": "where() starts a query on the class",
    "get": "get() starts a query on the class",
    "find": "find() starts a query on the class",
    "limit": "limit() starts a query on the class",
    "value": "value() starts a query on the class",
    "query": "query is the class's query/column namespace",
    "c": "c is the class's query/column namespace",
    "model_dump": "model_dump is a Model attribute",
    "Meta": "Meta holds the table options",
}


@pytest.mark.parametrize("name", sorted(SHADOWING))
def test_fields_named_like_the_model_api_are_refused(name: str) -> None:
    with pytest.raises(SchemaError) as info:
        type(Model)("Shadow", (Model,), {
            "__module__": __name__, "__annotations__": {"id": "int", name: "int"},
            "id": Column(primary_key=True)})
    message = str(info.value)
    assert message.startswith(f"Shadow.{name}: a field may not be named {name!r}")
    assert SHADOWING[name] in message
    assert f"Column(name={name!r})" in message  # and how to keep such a column


def test_model_config_as_a_field_is_refused() -> None:
    with pytest.raises(SchemaError, match="Shadow.model_config: a field may not be named"):
        class Shadow(Model):
            id: int = Column(primary_key=True)
            model_config: dict[str, int]  # type: ignore[assignment]


def test_a_column_named_like_the_api_keeps_its_name_under_another_field() -> None:
    class Stat(Model):
        id: int = Column(primary_key=True)
        count_: int = Column(name="count")
        query_: str = Column(name="query", default="")

    assert Stat.count_.same_as(Col("count"))
    assert Stat.c.query_.same_as(Col("query", "stats"))
    assert Stat(id=1, count_=2).count_ == 2
    assert Stat.query.to_sql("sqlite") == 'SELECT * FROM "stats"'
    assert Stat.where("count", 3).to_sql("sqlite") == 'SELECT * FROM "stats" WHERE "count" = 3'


def test_relationships_and_scopes_may_not_shadow_the_api_either() -> None:
    from clickorm.model import scope

    with pytest.raises(SchemaError, match="Owner.first: a relationship or scope may not"):
        class Owner(Model):
            id: int = Column(primary_key=True)
            first = has_many("Account")
    with pytest.raises(SchemaError, match="Scoped.get: a relationship or scope may not"):
        class Scoped(Model):
            id: int = Column(primary_key=True)

            @scope
            def get(query):  # noqa: N805 - a scope receives the builder
                return query


def test_class_variables_and_method_overrides_are_not_fields() -> None:
    from typing import ClassVar

    class Tuned(Model):
        id: int = Column(primary_key=True)
        limit: ClassVar[int] = 5  # not a field: allowed, though it hides User.limit()

        def save(self, *, dry: bool = False):  # type: ignore[override]  # extends the row method
            return super().save(dry=dry)

    assert list(Tuned.model_fields) == ["id"]
    assert Tuned.limit == 5


def test_help_on_a_model_works_and_lists_its_fields() -> None:
    import pydoc

    text = pydoc.render_doc(Account, renderer=pydoc.plaintext)
    assert "class Account" in text
    for field in ("name: str", "email: ", "created_at: ", "tags: list[str]"):
        assert field in text  # the constructor's signature lists the fields
    assert "User.query.delete()" not in text and "Account.query.delete()" in text


def test_unknown_class_attribute_suggests_close_names() -> None:
    with pytest.raises(AttributeError) as info:
        Account.wehre  # noqa: B018
    assert "'Account' has no attribute 'wehre'" in str(info.value)
    assert "'where'" in str(info.value)
    with pytest.raises(AttributeError):
        Account.emial  # noqa: B018
    assert not hasattr(Account, "nothing_like_this")


def test_pydantic_behaviour_is_intact() -> None:
    with pytest.raises(pydantic.ValidationError):
        Account(name="a", email=3)
    account = Account(id=1, name="a", email="e", created_at=datetime(2024, 1, 2), tags=["x"])
    assert account.model_dump() == {"id": 1, "name": "a", "email": "e",
                                    "created_at": datetime(2024, 1, 2), "tags": ["x"]}
    assert json.loads(account.model_dump_json())["created_at"] == "2024-01-02T00:00:00"
    assert Account.model_validate_json(account.model_dump_json()) == account
    assert pydantic.TypeAdapter(list[Account]).validate_python([account.model_dump()]) == [account]
    schema = Account.model_json_schema()
    assert set(schema["properties"]) == {"id", "name", "email", "created_at", "tags"}
    assert schema["required"] == ["name", "email"]
    copied = account.model_copy(update={"name": "b"})
    assert copied.name == "b" and account.name == "a"


def test_relationships_and_state_stay_out_of_pydantic() -> None:
    class Writer(Model):
        id: int = Column(primary_key=True)
        posts = has_many("Essay")

    assert set(Writer.model_fields) == {"id"}
    assert "posts" not in Writer.model_json_schema()["properties"]
    w = Writer(id=1)
    w.id = 2  # creates ORM state
    assert w.model_dump() == {"id": 2}
    assert "_clickorm_state" not in w.__dict__
    assert w == Writer(id=2)


def test_annotated_type_markers_are_kept() -> None:
    class Counter(Model):
        id: Annotated[int, types.UInt64] = Column(primary_key=True)
        hits: Annotated[int, types.UInt32] = 0

    assert Counter.model_fields["hits"].metadata[0] == types.UInt32
    assert Counter(hits=5).id is None


def test_copy_and_pickle_keep_the_persisted_flag() -> None:
    from clickorm.model.state import InstanceState, set_state

    account = Account(id=1, name="a", email="e")
    set_state(account, InstanceState(exists=True))
    account.name = "b"
    for clone in (copy.copy(account), copy.deepcopy(account),
                  pickle.loads(pickle.dumps(account))):
        assert clone.is_persisted
        assert clone.get_dirty() == {"name": "b"}
        assert clone == account
    assert not Account(id=1, name="a", email="e").is_persisted
