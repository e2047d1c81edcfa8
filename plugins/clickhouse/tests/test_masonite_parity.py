"""Masonite-style chains on SQLite, chDB and the 18.16 server, each checked against a
Python computation over the seeded rows (NULL ages, duplicate ages, tied group sums),
never against SQL text: the meaning Masonite gives each call, on every engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from clickorm import Column, Model, QueryBuilder
from clickorm.errors import HTTP404, QueryError
from clickorm.model.session import Session
from clickorm.query.builder import JoinClause
from clickorm.testing.same_answer import ORDERS, PEOPLE, Models, models, seed
from clickorm_clickhouse.engines import MergeTree

MERGE_TREE = {"engine": MergeTree(), "order_by": ("id",)}


@pytest.fixture()
def m(engine_connection: tuple[str, Any]) -> Models:
    engine, conn = engine_connection
    made = models(f"mp_{uuid.uuid4().hex[:8]}", conn,
                  None if engine == "sqlite" else MERGE_TREE)
    seed(made)
    return made


def ages() -> list[int]:
    return [p[3] for p in PEOPLE if p[3] is not None]


def ids(rows: Any) -> list[int]:
    return sorted(int(r["id"] if isinstance(r, dict) else r.id) for r in rows)


def ref_ids(pred: Callable[[tuple[Any, ...]], bool]) -> list[int]:
    return sorted(p[0] for p in PEOPLE if pred(p))


# -- "col as alias" in aggregates and select arguments -------------------------------------
def test_aggregates_read_an_alias_in_the_column(m: Models) -> None:
    table = m.person.__table_name__
    assert m.rows().sum("age as number") == sum(ages())
    assert m.people.sum("age as number") == sum(ages())
    assert m.rows().count("age as n") == len(ages())
    assert m.rows().max(f"{table}.age as oldest") == max(ages())
    assert m.rows().min("age AS youngest") == min(ages())
    assert m.rows().avg("age as a") == pytest.approx(sum(ages()) / len(ages()))
    assert m.rows().aggregate("sum", "age as number").first() == {"number": sum(ages())}
    assert m.rows().aggregate("SUM", "age", alias="number").first() == {"number": sum(ages())}
    assert [r["n"] for r in m.rows().select("name as n").where("id", 1).get()] == ["ann"]


def test_an_alias_where_a_column_is_expected_is_refused(m: Models) -> None:
    with pytest.raises(QueryError, match="names an alias"):
        m.rows().where("age as a", 1)
    with pytest.raises(QueryError, match="names an alias"):
        m.rows().group_by("age as a")


# -- aggregates beside selected columns ----------------------------------------------------
def test_a_terminal_aggregate_refuses_to_drop_the_selected_columns(m: Models) -> None:
    for fn in ("max", "min", "sum", "avg"):
        with pytest.raises(QueryError, match="select\\(\\) columns would be dropped"):
            getattr(m.rows().select("name"), fn)("age")
    # what Masonite's select("name").max("age") returns: the column beside the aggregate
    # (grouped: without GROUP BY, SQLite picks some row's value, ClickHouse refuses)
    row = m.rows().select("country").aggregate("max", "age").where("country", "FI").group_by(
        "country").first()
    assert row == {"country": "FI", "age": 60}


def test_aggregate_mid_chain_with_group_by_and_having(m: Models) -> None:
    got = m.rows().select("country").aggregate("sum", "age").aggregate(
        "count", "*", "n").group_by("country").order_by("country").get()
    want: dict[str, list[Any]] = {}
    for p in PEOPLE:
        want.setdefault(p[2], []).append(p[3])
    assert [(r["country"], r["age"], r["n"]) for r in got] == [
        (c, sum(a for a in v if a is not None), len(v)) for c, v in sorted(want.items())]
    having = m.rows().select("country").aggregate("count", "*", "n").group_by(
        "country").having("n", ">", 2).order_by("country").get()
    assert [r["country"] for r in having] == sorted(c for c, v in want.items() if len(v) > 2)


# -- callables get a builder on the outer table --------------------------------------------
def test_callable_subqueries_read_the_outer_table(m: Models) -> None:
    q = m.rows()
    assert ids(q.where_in("age", lambda s: s.select("age").where("age", 17)).get()) == \
        ref_ids(lambda p: p[3] == 17)
    not_in = ids(q.where_not_in("age", lambda s: s.select("age").where("age", 17)).get())
    if m.connection.server_version is not None and m.connection.server_version[:2] == (18, 16):
        # 18.16 reads NULL NOT IN (subquery) as true: the NULL ages come back there
        # (README "Masonite names": a pinned difference of that server)
        assert not_in == ref_ids(lambda p: p[3] != 17)
    else:
        assert not_in == ref_ids(lambda p: p[3] is not None and p[3] != 17)
    version = m.connection.server_version
    if version is not None and version[:2] == (18, 16):
        with pytest.raises(QueryError, match="EXISTS \\(subquery\\) is not supported"):
            q.where_exists(lambda s: s.where("age", 60)).get()
    else:
        assert ids(q.where_exists(lambda s: s.where("age", 60)).get()) == \
            ref_ids(lambda p: True)
        assert q.where_not_exists(lambda s: s.where("age", 60)).get() == []
    assert ids(q.where(lambda s: s.where("age", 17).or_where("age", 60)).get()) == \
        ref_ids(lambda p: p[3] in (17, 60))
    # the model builder hands its callable a model builder (rows are models)
    assert ids(m.people.where_in("id", lambda s: s.select("id").where("country", "NO"))
               .get()) == ref_ids(lambda p: p[2] == "NO")


def test_a_callable_value_is_a_scalar_subquery_on_the_outer_table(m: Models) -> None:
    mean = sum(ages()) / len(ages())
    assert ids(m.rows().where("age", ">", lambda q: q.aggregate("avg", "age")).get()) == \
        ref_ids(lambda p: p[3] is not None and p[3] > mean)
    assert ids(m.people.where("age", lambda q: q.aggregate("max", "age")).get()) == \
        ref_ids(lambda p: p[3] == max(ages()))


def test_add_select_with_a_callable_adds_a_scalar_subquery(m: Models) -> None:
    orders = m.order.__table_name__
    rows = m.rows().select("id").add_select(
        "orders", lambda q: q.table(orders).aggregate("count", "*")).order_by("id").get()
    assert [(r["id"], r["orders"]) for r in rows] == [(p[0], len(ORDERS)) for p in PEOPLE]
    with pytest.raises(QueryError, match="must return the builder"):
        m.rows().add_select("x", lambda q: 1)


# -- between, where_raw placeholders, JoinClause ---------------------------------------------
def test_between_and_not_between(m: Models) -> None:
    assert ids(m.rows().between("age", 17, 31).get()) == \
        ref_ids(lambda p: p[3] is not None and 17 <= p[3] <= 31)
    assert ids(m.rows().not_between("age", 17, 31).get()) == \
        ref_ids(lambda p: p[3] is not None and not 17 <= p[3] <= 31)


def test_where_raw_placeholders(m: Models) -> None:
    q = m.rows()
    assert ids(q.where_raw("name = '?'", ["ann"]).get()) == [1]
    # a '?' inside any other string literal is text
    assert ids(q.where_raw("name = ? or name = 'a?b'", ["bob"]).get()) == [3]
    assert ids(q.where_raw("name = 'why?'").get()) == []
    with pytest.raises(QueryError, match="2 placeholder\\(s\\) but 1 binding"):
        q.where_raw("name = ? or name = '?'", ["bob"])


def test_join_clause_object(m: Models, engine_connection: tuple[str, Any]) -> None:
    people, orders = m.person.__table_name__, m.order.__table_name__
    clause = JoinClause(f"{orders} as o").on(f"{people}.id", "=", "o.person_id").on_value(
        "o.amount", ">", 5)
    joined = m.rows().select(f"{people}.id").join(clause)
    if engine_connection[0] == "server":
        with pytest.raises(QueryError, match="Invalid expression for JOIN ON"):
            joined.get()  # 18.16 joins on equalities only: refused, never misread
        return
    assert ids(joined.get()) == sorted({o[1] for o in ORDERS if o[2] > 5})
    left = JoinClause(f"{orders} as o", "left").on(f"{people}.id", "=", "o.person_id")
    # on_null belongs to the ON condition: no order row has a NULL id, so every person
    # is kept once, unmatched (a WHERE ... IS NULL would keep the people without orders)
    rows = m.rows().select(f"{people}.id").join(left.on_null("o.id")).get()
    assert ids(rows) == sorted(p[0] for p in PEOPLE)
    left = JoinClause(f"{orders} as o", "left").on(f"{people}.id", "=", "o.person_id")
    rows = m.rows().select(f"{people}.id").join(left).where_null("o.id").get()
    assert ids(rows) == sorted({p[0] for p in PEOPLE} - {o[1] for o in ORDERS})


# -- terminals -------------------------------------------------------------------------------
def test_simple_paginate(m: Models) -> None:
    q = m.rows().order_by("id")
    first = q.simple_paginate(4, 1)
    assert ids(first.items) == [p[0] for p in PEOPLE][:4] and first.has_more
    last = q.simple_paginate(4, 3)
    assert ids(last.items) == [p[0] for p in PEOPLE][8:] and not last.has_more
    assert last.next_page is None and last.previous_page == 2


def test_find_or_404_statement_delete_and_truncate(m: Models) -> None:
    assert m.people.find_or_404(3).name == "bob"
    with pytest.raises(HTTP404):
        m.people.find_or_404(999)
    table = m.person.__table_name__
    assert m.rows().statement(f"SELECT count(*) AS n FROM {table} WHERE age > ?", [20]) == [
        {"n": sum(1 for a in ages() if a > 20)}]
    m.rows().delete("id", 10)
    m.rows().delete("id", [8, 9])
    assert ids(m.rows().get()) == [p[0] for p in PEOPLE if p[0] < 8]
    with pytest.raises(QueryError, match="needs the value"):
        m.rows().delete("id")
    m.rows().truncate()
    assert m.rows().count() == 0


def test_create_and_bulk_create(m: Models) -> None:
    row = {"id": 50, "name": "zed", "country": "IS", "age": None, "score": 1.0}
    assert m.rows().create(row)["name"] == "zed"
    assert m.rows().bulk_create([{**row, "id": 51}, {**row, "id": 52}]) == 2
    assert ids(m.rows().where("country", "IS").get()) == [50, 51, 52]


def test_locks_and_transactions_where_the_dialect_has_none(
        m: Models, engine_connection: tuple[str, Any]) -> None:
    engine, _ = engine_connection
    dialect = "sqlite" if engine == "sqlite" else "clickhouse"
    for locked in (m.rows().lock_for_update(), m.rows().shared_lock()):
        with pytest.raises(QueryError, match=f"not supported by the {dialect} dialect"):
            locked.get()
    if engine == "sqlite":
        m.rows().begin()
        m.rows().insert({"id": 60, "name": "x", "country": "IS", "age": 1, "score": 0.0})
        m.rows().rollback()
        assert m.rows().where("id", 60).get() == []
    else:
        with pytest.raises(QueryError, match="clickhouse dialect has no transactions"):
            m.rows().begin()


def test_has_and_doesnt_have(m: Models, engine_connection: tuple[str, Any]) -> None:
    from clickorm import Column, Model
    from clickorm.model.relationships import has_many

    meta = type("Meta", (), {"table_name": m.person.__table_name__,
                             **({} if engine_connection[0] == "sqlite" else MERGE_TREE)})
    person = type("HasPerson", (Model,), {
        "__annotations__": {"id": int, "name": str}, "__module__": __name__,
        "id": Column(primary_key=True, autoincrement=False),
        "orders": has_many(m.order, foreign_key="person_id"), "Meta": meta})
    q = person.query.on(m.connection)
    with_orders = {o[1] for o in ORDERS}
    assert ids(q.has("orders").get()) == sorted(with_orders)
    assert ids(q.doesnt_have("orders").get()) == sorted({p[0] for p in PEOPLE} - with_orders)
    assert ids(q.where("id", 2).or_has("orders").get()) == sorted(with_orders | {2})
    assert ids(q.where("id", 1).or_doesnt_have("orders").get()) == sorted(
        {p[0] for p in PEOPLE} - with_orders | {1})
    # joins(): one row per related row, the model's own columns
    assert ids(q.joins("orders").get()) == sorted(o[1] for o in ORDERS)
    assert len(q.joins("orders", clause="left").get()) == len(PEOPLE) + len(ORDERS) - len(
        with_orders)
    assert q.joins("orders").where(f"{m.order.__table_name__}.amount", ">", 5).count() == sum(
        1 for o in ORDERS if o[2] > 5)


def test_first_where_sole_first_or_create_and_random_order(m: Models) -> None:
    q = m.rows()
    assert q.first_where("name", "Cleo")["id"] == 7
    assert q.where("id", 4).sole()["name"] == "a_b"
    with pytest.raises(QueryError, match="more than one"):
        q.where("age", 17).sole()
    with pytest.raises(HTTP404.__mro__[1]):  # ModelNotFound
        q.where("id", 99).sole()
    assert m.people.first_or_create({"name": "bob"}).id == 3
    made = m.rows().first_or_create({"name": "new"}, {"id": 70, "country": "IS", "score": 0.0})
    assert made["name"] == "new" and q.where("name", "new").count() == 1
    assert ids(q.in_random_order().get()) == ids(q.get())


# -- where_date ------------------------------------------------------------------------------
def test_where_date_matches_the_calendar_day(engine_connection: tuple[str, Any]) -> None:
    import datetime as dt

    from clickorm import Column, Model

    engine, conn = engine_connection
    meta = type("Meta", (), {"table_name": f"wd_{uuid.uuid4().hex[:8]}",
                             **({} if engine == "sqlite" else MERGE_TREE)})
    event = type("WdEvent", (Model,), {
        "__annotations__": {"id": int, "at": dt.datetime}, "__module__": __name__,
        "id": Column(primary_key=True, autoincrement=False), "Meta": meta})
    event.create_table(connection=conn)
    times = [dt.datetime(2024, 3, 1, 0, 0, 0), dt.datetime(2024, 3, 1, 23, 59, 59),
             dt.datetime(2024, 3, 2, 0, 0, 0), dt.datetime(2024, 2, 29, 23, 59, 59)]
    conn.insert_rows(meta.table_name, ["id", "at"], [[i, t] for i, t in enumerate(times)])
    q = event.query.on(conn)
    want = sorted(i for i, t in enumerate(times) if t.date() == dt.date(2024, 3, 1))
    for day in (dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 12, 0), "2024-03-01"):
        assert ids(q.where_date("at", day).get()) == want
    assert ids(q.where_date("at", "2024-03-02").or_where_date("at", "2024-02-29").get()) == [2, 3]
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        q.where_date("at", "03/01/2024")


def test_where_date_of_a_zoned_datetime_is_the_day_in_its_zone(
        engine_connection: tuple[str, Any]) -> None:
    # ClickHouse's toDate(at) is the day in the column's zone; SQLite (which stores UTC)
    # compared the UTC day: 08:00 in Tokyo on Jan 2 is 23:00 UTC on Jan 1
    import datetime as dt
    from typing import Annotated
    from zoneinfo import ZoneInfo

    from clickorm import types

    engine, conn = engine_connection
    tokyo = ZoneInfo("Asia/Tokyo")
    meta = type("Meta", (), {"table_name": f"wdz_{uuid.uuid4().hex[:8]}",
                             **({} if engine == "sqlite" else MERGE_TREE)})
    event = type("WdzEvent", (Model,), {
        "__annotations__": {"id": int, "at": Annotated[dt.datetime, types.DateTime(
            "Asia/Tokyo")]},
        "__module__": __name__, "id": Column(primary_key=True, autoincrement=False),
        "Meta": meta})
    with Session(conn):
        event.create_table()
        event.insert_many([event(id=1, at=dt.datetime(2024, 1, 2, 8, 0, tzinfo=tokyo)),
                           event(id=2, at=dt.datetime(2024, 1, 2, 0, 0, tzinfo=tokyo)),
                           event(id=3, at=dt.datetime(2024, 1, 3, 0, 0, tzinfo=tokyo))])
        assert ids(event.where_date("at", dt.date(2024, 1, 2)).get()) == [1, 2], engine
        assert ids(event.where_date("at", "2024-01-01").get()) == []
        assert ids(event.where("id", 3).or_where_date("at", "2024-01-02").get()) == [1, 2, 3]


def test_having_on_an_alias_named_like_a_column_compares_the_aggregate(m: Models) -> None:
    """avg(age) AS age: SQLite would read HAVING age as the column, ClickHouse as the
    alias; the aggregate is compared on every engine."""
    got = m.rows().select("country").aggregate("avg", "age").group_by("country").having(
        "age", ">=", 20).order_by("country").get()
    groups: dict[str, list[int]] = {}
    for p in PEOPLE:
        if p[3] is not None:
            groups.setdefault(p[2], []).append(p[3])
    assert [r["country"] for r in got] == sorted(
        c for c, v in groups.items() if sum(v) / len(v) >= 20)


# -- representative Masonite-style chains against the Python reference ------------------------
def _nulls_last(value: Any) -> tuple[int, Any]:
    return (1, 0) if value is None else (0, value)


P = PEOPLE
#: name -> (the chain on a dict-row builder, the answer computed from PEOPLE)
CHAINS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "where_or_where": (lambda q: ids(q.where("country", "SE").or_where("age", ">", 40).get()),
                       ref_ids(lambda p: p[2] == "SE" or (p[3] is not None and p[3] > 40))),
    "order_desc_with_ties": (
        lambda q: [r["id"] for r in q.where("age", ">=", 17).order_by("age", "desc")
                   .order_by("id").get()],
        [p[0] for p in sorted((p for p in P if p[3] is not None and p[3] >= 17),
                              key=lambda p: (-p[3], p[0]))]),
    "order_nulls_last": (lambda q: [r["id"] for r in q.order_by("age").order_by("id").get()],
                         [p[0] for p in sorted(P, key=lambda p: (_nulls_last(p[3]), p[0]))]),
    "where_null": (lambda q: ids(q.where_null("age").get()), ref_ids(lambda p: p[3] is None)),
    "where_none_is_null": (lambda q: ids(q.where("age", None).get()),
                           ref_ids(lambda p: p[3] is None)),
    "where_not_null_count": (lambda q: q.where_not_null("age").count(),
                             sum(1 for p in P if p[3] is not None)),
    "where_in_count": (lambda q: q.where_in("country", ["NO", "FI"]).count(),
                       sum(1 for p in P if p[2] in ("NO", "FI"))),
    "where_not_in_list": (lambda q: ids(q.where_not_in("id", [1, 2, 3]).get()),
                          ref_ids(lambda p: p[0] not in (1, 2, 3))),
    "distinct_select": (
        lambda q: [r["country"] for r in q.select("country").distinct().order_by("country")
                   .get()], sorted({p[2] for p in P})),
    "distinct_count": (lambda q: q.distinct().count("country"), len({p[2] for p in P})),
    "limit_offset": (lambda q: [r["id"] for r in q.order_by("id").limit(3).offset(2).get()],
                     [p[0] for p in P][2:5]),
    "paginate": (lambda q: (lambda pg: (ids(pg.items), pg.total, pg.last_page))(
        q.order_by("id").paginate(4, 2)), ([p[0] for p in P][4:8], len(P), 3)),
    "first_by_age_desc": (lambda q: q.order_by("age", "desc").first()["id"],
                          max((p for p in P if p[3] is not None), key=lambda p: p[3])[0]),
    "last": (lambda q: q.last("id")["id"], max(p[0] for p in P)),
    "pluck": (lambda q: list(q.where("country", "DK").order_by("id").pluck("name")),
              [p[1] for p in P if p[2] == "DK"]),
    "value": (lambda q: q.where("id", 3).value("name"), "bob"),
    "where_like_case_sensitive": (lambda q: ids(q.where_like("name", "a%").get()),
                                  ref_ids(lambda p: p[1].startswith("a"))),
    "where_column": (lambda q: ids(q.where_column("id", "<", "age").get()),
                     ref_ids(lambda p: p[3] is not None and p[0] < p[3])),
    "when": (lambda q: ids(q.when(True, lambda b: b.where("country", "NO")).when(
        False, lambda b: b.where("id", 0)).get()), ref_ids(lambda p: p[2] == "NO")),
    "grouped_or_null": (
        lambda q: ids(q.where("country", "DK").where(
            lambda g: g.where("age", 17).or_where_null("age")).get()),
        ref_ids(lambda p: p[2] == "DK" and (p[3] == 17 or p[3] is None))),
    "group_having_count": (
        lambda q: [(r["country"], r["n"]) for r in q.select("country").aggregate(
            "count", "*", "n").group_by("country").having("n", ">=", 2).order_by("country")
            .get()],
        sorted((c, n) for c in {p[2] for p in P}
               if (n := sum(1 for p in P if p[2] == c)) >= 2)),
    "sum_of_nothing_is_none": (lambda q: q.where_null("age").sum("age"), None),
    "avg_score": (lambda q: q.avg("score"), pytest.approx(sum(p[4] for p in P) / len(P))),
    "max_name": (lambda q: q.max("name"), max(p[1] for p in P)),
    "exists": (lambda q: (q.where("age", 60).exists(), q.where("age", 61).doesnt_exist()),
               (True, True)),
    "count_column_skips_nulls": (lambda q: q.count("age"), sum(1 for p in P if p[3] is not None)),
}


def test_masonite_chains_give_the_reference_answer(m: Models) -> None:
    wrong = {}
    for name, (chain, want) in CHAINS.items():
        got = chain(m.rows())
        if got != want:
            wrong[name] = (got, want)
    assert wrong == {}


def test_a_terminal_aggregate_over_a_grouped_query_reads_its_groups(m: Models) -> None:
    """group_by("country").sum("age") has no single age per group (SQLite summed some
    row's age of each group): refused; over a group key or a selected alias it is
    the groups' values."""
    with pytest.raises(QueryError, match="has no single value"):
        m.rows().group_by("country").sum("age")
    countries = {p[2] for p in PEOPLE}
    assert m.rows().group_by("country").count("country") == len(countries)
    per_group = m.rows().select("country").aggregate("count", "*", "n").group_by("country")
    assert per_group.sum("n") == len(PEOPLE)
    assert per_group.max("n") == max(sum(1 for p in PEOPLE if p[2] == c) for c in countries)


class Paged(Model):
    id: int = Column(primary_key=True, autoincrement=False)

    class Meta:
        table_name = "parity_paged"
        engine = MergeTree()
        order_by = ("id",)
        settings = {"index_granularity": 128}


def test_pages_neither_repeat_nor_skip_rows(engine_connection: tuple[str, Any]) -> None:
    # each page is a query of its own: without ORDER BY, ClickHouse reading 4 parts in
    # parallel answered each page in another order (chDB: 4,280 distinct ids of 8,000)
    name, conn = engine_connection
    with Session(conn):
        Paged.drop_table(if_exists=True)
        Paged.create_table()
        for part in range(4):  # four inserts: four parts
            Paged.insert_many([{"id": part * 2000 + i} for i in range(2000)])
        parallel = Paged.query if name == "sqlite" else Paged.query.settings(
            max_threads=4, max_block_size=128)
        paged = [p.id for n in range(1, 9) for p in parallel.paginate(1000, n).items]
        simple = [p.id for n in range(1, 9) for p in parallel.simple_paginate(1000, n).items]
        assert sorted(paged) == sorted(simple) == list(range(8000)), name
        assert paged == list(range(8000))  # a model's query is ordered by its primary key
        rows = QueryBuilder("parity_paged", connection=conn)
        with pytest.raises(QueryError, match="add order_by"):
            rows.paginate(1000, 1)
        with pytest.raises(QueryError, match="add order_by"):
            Paged.select("id").distinct().simple_paginate(1000, 1)
        assert [r["id"] for r in rows.order_by("id").paginate(1000, 8).items] == list(
            range(7000, 8000))
