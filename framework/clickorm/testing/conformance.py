"""The dialect conformance suite: one set of queries, every dialect's expected SQL.

A dialect's test module subclasses :class:`CompileConformance` and supplies ``dialect``
and ``expected`` (case name -> ``(sql, params)``); the shared class builds each query
(the Masonite pattern). A case the dialect cannot express goes in ``unsupported`` and
must raise ``QueryError``. A case missing from both fails and prints the SQL the
grammar produced, so a new dialect's author fills the table by reading the failures.

:class:`RoundTripConformance` runs on a live connection (the subclass provides the
``conformance_connection`` fixture): it creates tables, inserts, queries and compares,
gated by the dialect's capability flags. ``clickorm.testing.pytest_plugin`` is the
opt-in pytest plugin (``-p clickorm.testing.pytest_plugin``) for user projects.

Example (the SQLite plugin's own tests)::

    class TestSQLiteCompile(CompileConformance):
        dialect = "sqlite"
        expected = {"select_all": ('SELECT * FROM "users"', ()), ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest

from clickorm import Blueprint, QueryBuilder, Schema
from clickorm.connection.base import BaseConnection
from clickorm.errors import ModelNotFound, QueryError
from clickorm.model.execution import resolve_connection
from clickorm.plugins.manager import get_plugin_manager
from clickorm.query.expressions import column, func, raw
from clickorm.query.grammar import BaseGrammar

#: a builder without a model: its rows are dicts
Rows = QueryBuilder[dict[str, Any]]
Case = Callable[[], Rows]


def _q(table: str = "users") -> Rows:
    return QueryBuilder(table)


#: the shared queries; every dialect states what each compiles to
CASES: dict[str, Case] = {
    "select_all": lambda: _q(),
    "select_columns": lambda: _q().select("id", "name"),
    "select_alias": lambda: _q().select("name as n"),
    "distinct": lambda: _q().select("city").distinct(),
    "where_equals": lambda: _q().where("age", 18),
    "where_operator": lambda: _q().where("age", ">=", 18),
    "where_and_or": lambda: _q().where("age", ">", 18).or_where("name", "Joe"),
    "where_dict": lambda: _q().where({"name": "Joe", "age": 3}),
    "where_group": lambda: _q().where("active", 1).where(
        lambda q: q.where("age", "<", 18).or_where("age", ">", 65)),
    "where_null": lambda: _q().where_null("deleted_at").where_not_null("email"),
    "where_none_value": lambda: _q().where("deleted_at", None),
    "where_in": lambda: _q().where_in("id", [1, 2, 3]),
    "where_in_empty": lambda: _q().where_in("id", []),
    "where_not_in_empty": lambda: _q().where_not_in("id", []),
    "where_in_subquery": lambda: _q().where_in("id", _q("admins").select("user_id")),
    "where_between": lambda: _q().where_between("age", 18, 65).where_not_between("score", 1, 2),
    "where_like": lambda: _q().where_like("name", "J%").where_not_like("name", "%x"),
    "where_column": lambda: _q().where_column("updated_at", ">", "created_at"),
    "where_exists": lambda: _q().where_exists(_q("posts").where_column("posts.user_id", "users.id")),
    "where_raw": lambda: _q().where_raw("age + ? > ?", 1, 18),
    "where_string_number": lambda: _q().where("code", "18"),
    "filter_expressions": lambda: _q().filter(column("id") > 10, column("name").like("J%")),
    "expression_operators": lambda: _q().filter(
        (column("a") == 1) | ~(column("b").in_([2, 3])) & column("c").between(4, 5)),
    "expression_is_null": lambda: _q().filter(column("a").is_null(), column("b") != None),  # noqa: E711
    "order_by": lambda: _q().order_by("name").order_by("age", "desc"),
    "order_by_expression": lambda: _q().order_by(column("created_at").desc(), column("id")),
    "latest": lambda: _q().latest(),
    "limit_offset": lambda: _q().limit(10).offset(20),
    "offset_only": lambda: _q().offset(5),
    "group_having": lambda: _q().select("city", func.count().label("n")).group_by("city")
    .having("n", ">", 2),
    "functions": lambda: _q().select(func.abs(column("age")), func.lower(column("name")).label("l")),
    "join": lambda: _q().join("posts", "users.id", "=", "posts.user_id").select("users.*"),
    "left_join_callback": lambda: _q().left_join(
        "posts as p", lambda j: j.on("users.id", "=", "p.user_id").where("p.published", 1)),
    "join_expression": lambda: _q().join("posts", column("users.id") == column("posts.user_id")),
    "arithmetic": lambda: _q().select((column("a") + 1).label("a1")),
    "insert_one": lambda: _q().insert_sql({"name": "Joe", "age": 30}),
    "insert_many": lambda: _q().insert_sql([{"name": "a", "age": 1}, {"name": "b", "age": 2}]),
    "update": lambda: _q().where("id", 1).update({"name": "Joe", "age": 31}, dry=True),
    "increment": lambda: _q().where("id", 1).increment("visits", 2, dry=True),
    "delete": lambda: _q().where("id", 1).delete(dry=True),
    "hostile_value": lambda: _q().where("name", "x'; DROP TABLE users; --"),
    "hostile_identifier": lambda: _q().select('we"ird`col').where('na"me', 1),
    # constructs only some dialects have
    "right_join": lambda: _q().right_join("posts", "users.id", "=", "posts.user_id"),
    "union_all": lambda: _q().select("id").union_all(_q("admins").select("id")),
    "cte": lambda: _q("adults").with_cte("adults", _q().where("age", ">=", 18)),
    "final": lambda: _q().final(),
    "sample": lambda: _q().sample(0.1),
    "prewhere": lambda: _q().prewhere("age", ">", 18).where("name", "Joe"),
    "array_join": lambda: _q().select("id", "tag").array_join("tags as tag"),
    "limit_by": lambda: _q().order_by("score", "desc").limit_by(2, "city"),
    "with_totals": lambda: _q().select("city", func.count().label("n")).group_by("city")
    .with_totals(),
    "settings": lambda: _q().settings(max_threads=2),
    "global_in": lambda: _q().filter(column("id").global_in([1, 2])),
    "ilike": lambda: _q().filter(column("name").ilike("j%")),
}


class CompileConformance:
    """Golden compile tests shared by every dialect (subclass it in a test module)."""

    #: the dialect's registered name
    dialect: ClassVar[str]
    #: placeholder style to compile with (default: the dialect's own)
    paramstyle: ClassVar[str | None] = None
    #: server version to compile for (None = the newest the dialect knows)
    server_version: ClassVar[tuple[int, ...] | None] = None
    expected: ClassVar[Mapping[str, tuple[str, Any]]] = {}
    unsupported: ClassVar[frozenset[str]] = frozenset()

    def grammar(self) -> BaseGrammar:
        d = get_plugin_manager().get_dialect(self.dialect)
        return d.grammar(paramstyle=self.paramstyle or d.paramstyle,
                         server_version=self.server_version, capabilities=d.capabilities)

    @pytest.mark.parametrize("case", sorted(CASES))
    def test_compiles(self, case: str) -> None:
        grammar = self.grammar()
        state = CASES[case]().state
        if case in self.unsupported:
            with pytest.raises(QueryError) as info:
                grammar.compile(state)
            assert self.dialect in str(info.value) or "not supported" in str(info.value)
            return
        sql, params = grammar.compile(state)
        if case not in self.expected:
            pytest.fail(
                f"No expectation for case {case!r} on {self.dialect}. The grammar produced:\n"
                f"    {case!r}: ({sql!r}, {params!r}),\n"
                "Add it to `expected` (or to `unsupported` if the dialect cannot express it)."
            )
        want_sql, want_params = self.expected[case]
        assert sql == want_sql
        assert _normal(params) == _normal(want_params)

    def test_no_stale_expectations(self) -> None:
        stale = set(self.expected) - set(CASES)
        assert not stale, f"expectations for unknown cases: {sorted(stale)}"

    def test_builders_are_immutable(self) -> None:
        base = _q().where("a", 1)
        before = base.state
        builds: tuple[Callable[[Rows], Rows], ...] = (lambda q: q.where("b", 2), lambda q: q.order_by("c"),
                      lambda q: q.limit(3), lambda q: q.select("x"), lambda q: q.join(
                          "t", "t.id", "=", "users.id"), lambda q: q.with_("rel"))
        for build in builds:
            derived = build(base)
            assert derived is not base
            assert base.state is before
        assert self.grammar().compile(base.state) == self.grammar().compile(before)


def _normal(params: Any) -> Any:
    return dict(params) if isinstance(params, Mapping) else tuple(params)


# -- round trips on a live connection ---------------------------------------------------
PEOPLE = [
    {"id": 1, "name": "Ann", "age": 31, "score": 9.5, "city": "Oslo"},
    {"id": 2, "name": "Bob", "age": 17, "score": 4.0, "city": "Rome"},
    {"id": 3, "name": "Cleo", "age": 45, "score": 7.25, "city": "Oslo"},
    {"id": 4, "name": "O'Hara; --", "age": 66, "score": 1.0, "city": "Lima"},
    {"id": 5, "name": "Zoë \\ \"q\"", "age": None, "score": 3.5, "city": "Rome"},
]


class RoundTripConformance:
    """Behaviour on a real database. The subclass provides the fixture
    ``conformance_connection`` (an open BaseConnection on an empty database). The tables
    the suite uses are built by the dialect's platform from blueprints; a dialect whose
    tables need more (an engine) overrides ``create_people``, ``create_pets`` and
    ``create_events``."""

    @staticmethod
    def create_with_platform(connection: Any, table: str,
                             fill: Callable[[Blueprint], Any]) -> None:
        schema = Schema(connection)
        schema.drop_if_exists(table)
        with schema.create(table) as t:
            fill(t)

    def create_people(self, connection: Any, table: str) -> None:
        def fill(t: Blueprint) -> None:
            t.big_integer("id").primary()
            t.string("name")
            t.integer("age").nullable()
            t.double("score")
            t.string("city")

        self.create_with_platform(connection, table, fill)

    def create_pets(self, connection: Any, table: str) -> None:
        def fill(t: Blueprint) -> None:
            t.big_integer("id").primary()
            t.big_integer("owner_id")
            t.string("name")

        self.create_with_platform(connection, table, fill)

    @pytest.fixture()
    def people(self, conformance_connection: BaseConnection) -> Rows:
        table = "cf_people"
        self.create_people(conformance_connection, table)
        q = QueryBuilder(table, connection=conformance_connection)
        assert q.insert(PEOPLE) == len(PEOPLE)
        return q

    def caps(self, connection: Any) -> frozenset[str]:
        return frozenset(connection.capabilities)

    def test_count_and_select(self, people: Rows) -> None:
        assert people.count() == 5
        rows = people.order_by("id").get()
        assert [r["name"] for r in rows] == [p["name"] for p in PEOPLE]
        assert rows[0]["score"] == 9.5 and rows[0]["age"] == 31

    def test_where_variants(self, people: Rows) -> None:
        def ids(q: Rows) -> list[Any]:
            return sorted(r["id"] for r in q.select("id").get())

        assert ids(people.where("age", ">", 30)) == [1, 3, 4]
        assert ids(people.where("city", "Oslo").or_where("age", "<", 18)) == [1, 2, 3]
        assert ids(people.where_in("id", [2, 4])) == [2, 4]
        assert ids(people.where_in("id", [])) == []
        assert ids(people.where_not_in("id", [])) == [1, 2, 3, 4, 5]
        assert ids(people.where_null("age")) == [5]
        assert ids(people.where_between("age", 17, 31)) == [1, 2]
        assert ids(people.where_like("name", "C%")) == [3]
        assert ids(people.filter(column("score") >= 7, column("city") == "Oslo")) == [1, 3]
        assert ids(people.where(lambda q: q.where("id", 1).or_where("id", 2)).where(
            "city", "Rome")) == [2]

    def test_hostile_values_round_trip(self, people: Rows) -> None:
        for person in PEOPLE[3:]:
            found = people.where("name", person["name"]).get()
            assert len(found) == 1 and found[0]["name"] == person["name"]
        assert people.count() == 5  # nothing was dropped or injected

    def test_order_limit_offset(self, people: Rows) -> None:
        got = people.order_by("score", "desc").limit(2).offset(1).pluck("id")
        assert list(got) == [3, 2]
        first = people.order_by("id").first()
        assert first is not None and first["id"] == 1
        assert people.order_by("id", "desc").value("name") == PEOPLE[4]["name"]

    def test_aggregates(self, people: Rows) -> None:
        assert people.where("city", "Oslo").count() == 2
        assert people.sum("score") == 25.25
        assert people.max("age") == 66
        assert people.min("score") == 1.0
        assert people.avg("score") == 25.25 / 5
        assert people.limit(2).count() == 2
        assert people.exists() and not people.where("id", 99).exists()

    def test_group_having(self, people: Rows) -> None:
        rows = (people.select("city", func.count().label("n")).group_by("city")
                .having("n", ">", 1).order_by("city").get())
        assert [(r["city"], r["n"]) for r in rows] == [("Oslo", 2), ("Rome", 2)]

    def test_find_and_first_or_fail(self, people: Rows) -> None:
        found = people.find(3)
        assert found is not None and found["name"] == "Cleo"
        assert people.find(42) is None
        with pytest.raises(ModelNotFound):
            people.where("id", 42).first_or_fail()

    def test_paginate_and_chunk(self, people: Rows) -> None:
        page = people.order_by("id").paginate(2, 2)
        assert page.total == 5 and page.last_page == 3 and page.current_page == 2
        assert [r["id"] for r in page.items] == [3, 4]
        chunks = [c.pluck("id") for c in people.order_by("id").chunk(2)]
        assert [list(c) for c in chunks] == [[1, 2], [3, 4], [5]]
        assert [r["id"] for r in people.order_by("id").iter(batch_size=2)] == [1, 2, 3, 4, 5]

    def test_update_and_delete(self, people: Rows) -> None:
        # the rows changed where the connection declares it reports them, else None
        counted = resolve_connection(people).reports_affected_rows
        changed = people.where("id", 2).update({"city": "Pisa", "score": 5.5})
        assert changed == (1 if counted else None)
        assert people.find_or_fail(2)["city"] == "Pisa"
        assert people.where("id", 1).increment("age", 2) == (1 if counted else None)
        assert people.find_or_fail(1)["age"] == 33
        assert people.where("city", "Lima").delete() == (1 if counted else None)
        assert people.count() == 4 and people.find(4) is None

    def test_join(self, people: Rows, conformance_connection: Any) -> None:
        self.create_pets(conformance_connection, "cf_pets")
        pets = QueryBuilder("cf_pets", connection=conformance_connection)
        pets.insert([{"id": 1, "owner_id": 1, "name": "Rex"}, {"id": 2, "owner_id": 3,
                                                               "name": "Tom"}])
        rows = (people.join("cf_pets", "cf_people.id", "=", "cf_pets.owner_id")
                .select("cf_people.name as owner", "cf_pets.name as pet").order_by("pet").get())
        assert [(r["owner"], r["pet"]) for r in rows] == [("Ann", "Rex"), ("Cleo", "Tom")]
        sub = pets.select("owner_id")
        assert sorted(people.where_in("id", sub).pluck("id")) == [1, 3]

    def test_union(self, people: Rows, conformance_connection: Any) -> None:
        if "union" not in self.caps(conformance_connection):
            pytest.skip(f"{conformance_connection.dialect.name} does not declare 'union'")
        q = people.select("id").where("id", 1).union_all(people.select("id").where("id", 2))
        assert sorted(r["id"] for r in q.get()) == [1, 2]

    def test_cte(self, people: Rows, conformance_connection: Any) -> None:
        if "cte" not in self.caps(conformance_connection):
            pytest.skip(f"{conformance_connection.dialect.name} does not declare 'cte' "
                        "(WITH name AS (subquery))")
        q = QueryBuilder("adults", connection=conformance_connection).with_cte(
            "adults", people.where("age", ">=", 18)).select("id").order_by("id")
        assert [r["id"] for r in q.get()] == [1, 3, 4]

    def test_transactions(self, people: Rows, conformance_connection: Any) -> None:
        """With transactions an error rolls the block back; without them (ClickHouse) the
        documented behaviour is that each write stands on its own."""
        with pytest.raises(RuntimeError):
            with conformance_connection.transaction():
                people.insert({"id": 9, "name": "tmp", "age": 1, "score": 0.0, "city": "X"})
                raise RuntimeError("boom")
        kept = people.find(9) is not None
        assert kept is ("transactions" not in self.caps(conformance_connection))

    def test_dates_round_trip(self, conformance_connection: Any) -> None:
        """Dates and datetimes bound as parameters come back equal."""
        self.create_events(conformance_connection, "cf_events")
        events = QueryBuilder("cf_events", connection=conformance_connection)
        when = dt.datetime(2024, 2, 29, 13, 45, 7)
        events.insert([{"id": 1, "day": dt.date(2024, 2, 29), "at": when}])
        assert events.where("at", when).count() == 1
        assert events.where("day", ">=", dt.date(2024, 1, 1)).count() == 1

    def create_events(self, connection: Any, table: str) -> None:
        def fill(t: Blueprint) -> None:
            t.big_integer("id").primary()
            t.date("day")
            t.datetime("at")

        self.create_with_platform(connection, table, fill)


__all__ = ["CASES", "CompileConformance", "RoundTripConformance", "PEOPLE", "raw"]
