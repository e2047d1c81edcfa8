"""The same builder calls over the same rows (with NULLs) on any connection, checked
against a plain-Python reference: where a dialect answers differently, a test says so.

``seed(connection)`` creates and fills the two tables; ``CASES`` maps a case name to
``(query, reference)``: ``query(models)`` runs the builder calls, ``reference(people,
orders)`` computes the answer from the seeded rows in Python. The models are made per
call of :func:`models` so each test module binds its own connection. Differences that
no clause or setting removes are in the README ("Where dialects differ") and pinned by
the dialects' tests, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clickorm.connection.base import BaseConnection
from clickorm.model import Model
from clickorm.model.builder import QueryBuilder
from clickorm.model.column import Column

__all__ = ["PEOPLE", "ORDERS", "CASES", "Models", "models", "seed"]

#: (id, name, country, age, score): NULL ages, names that differ only in case, and
#: names holding LIKE's wildcards
PEOPLE: tuple[tuple[int, str, str, int | None, float], ...] = (
    (1, "ann", "SE", 31, 1.5),
    (2, "Ann", "DK", None, 2.0),
    (3, "bob", "SE", 17, 3.25),
    (4, "a_b", "NO", 45, 0.5),
    (5, "a%b", "SE", None, 4.0),
    (6, "axb", "DK", 17, 2.5),
    (7, "Cleo", "FI", 60, 1.0),
    (8, "dan", "SE", -3, 5.0),
    (9, "eve", "NO", None, 0.25),
    (10, "ANNA", "DK", 28, 3.0),
)
#: (id, person_id, amount): people 1, 3 and 7 have orders
ORDERS: tuple[tuple[int, int, float], ...] = (
    (100, 1, 10.0), (101, 1, 5.0), (102, 3, 7.5), (103, 7, 1.0),
)


@dataclass(frozen=True)
class Models:
    """The two models and the connection every case runs on."""

    person: Any
    order: Any
    connection: BaseConnection

    @property
    def people(self) -> Any:
        """A Person query on the connection."""
        return self.person.query.on(self.connection)

    def rows(self) -> QueryBuilder[dict[str, Any]]:
        """A dict-row query over the people table on the connection."""
        return QueryBuilder(self.person.__table_name__, connection=self.connection)


def models(prefix: str, connection: BaseConnection,
           meta: Mapping[str, Any] | None = None) -> Models:
    """Fresh Person/Order models over tables ``{prefix}_people``/``{prefix}_orders`` on
    ``connection``; ``meta`` adds Meta attributes (a ClickHouse engine and ORDER BY)."""
    extra = dict(meta or {})

    person_meta = type("Meta", (), {"table_name": f"{prefix}_people", **extra})
    order_meta = type("Meta", (), {"table_name": f"{prefix}_orders", **extra})
    person = type("SamePerson", (Model,), {
        "__annotations__": {"id": int, "name": str, "country": str, "age": "int | None",
                            "score": float},
        "__module__": __name__,
        "id": Column(primary_key=True, autoincrement=False),
        "age": None,
        "Meta": person_meta,
    })
    order = type("SameOrder", (Model,), {
        "__annotations__": {"id": int, "person_id": int, "amount": float},
        "__module__": __name__,
        "id": Column(primary_key=True, autoincrement=False),
        "Meta": order_meta,
    })
    return Models(person, order, connection)


def seed(m: Models) -> None:
    """Create both tables on the models' connection and insert the rows."""
    connection = m.connection
    for model in (m.person, m.order):
        model.create_table(connection=connection)
    connection.insert_rows(m.person.__table_name__, ["id", "name", "country", "age", "score"],
                           [list(r) for r in PEOPLE])
    connection.insert_rows(m.order.__table_name__, ["id", "person_id", "amount"],
                           [list(r) for r in ORDERS])


def _ids(rows: Any) -> list[int]:
    return [r.id for r in rows]


def _ref_ids(pred: Callable[[tuple[Any, ...]], bool]) -> Callable[..., list[int]]:
    return lambda people, orders: [p[0] for p in people if pred(p)]


def _sorted_ids(key: Callable[[tuple[Any, ...]], Any]) -> Callable[..., list[int]]:
    return lambda people, orders: [p[0] for p in sorted(people, key=key)]


def _nulls_last(value: Any, descending: bool = False) -> tuple[int, Any]:
    if value is None:
        return (1, 0)
    return (0, -value if descending else value)


Case = tuple[Callable[[Models], Any], Callable[..., Any]]

#: case name -> (builder calls on the models, Python reference over PEOPLE/ORDERS)
CASES: Mapping[str, Case] = {
    # comparisons: a NULL age matches neither a condition nor its negation
    "less_than": (lambda m: _ids(m.people.where("age", "<", 30).order_by("id").get()),
                  _ref_ids(lambda p: p[3] is not None and p[3] < 30)),
    "not_less_than": (lambda m: _ids(m.people.where_not("age", "<", 30).order_by("id").get()),
                      _ref_ids(lambda p: p[3] is not None and not p[3] < 30)),
    "is_null": (lambda m: _ids(m.people.where_null("age").order_by("id").get()),
                _ref_ids(lambda p: p[3] is None)),
    "or": (lambda m: _ids(m.people.where("age", ">", 40).or_where("country", "FI")
                          .order_by("id").get()),
           _ref_ids(lambda p: (p[3] is not None and p[3] > 40) or p[2] == "FI")),
    "in": (lambda m: _ids(m.people.where_in("age", [17, 28]).order_by("id").get()),
           _ref_ids(lambda p: p[3] in (17, 28))),
    "between": (lambda m: _ids(m.people.where_between("age", 17, 31).order_by("id").get()),
                _ref_ids(lambda p: p[3] is not None and 17 <= p[3] <= 31)),
    # NULLs sort last, ascending and descending
    "order_asc": (lambda m: _ids(m.people.order_by("age", "id").get()),
                  _sorted_ids(lambda p: (_nulls_last(p[3]), p[0]))),
    "order_desc": (lambda m: _ids(m.people.order_by("age", "desc").order_by("id").get()),
                   _sorted_ids(lambda p: (_nulls_last(p[3], True), p[0]))),
    # LIKE is case-sensitive; a backslash escapes a wildcard; ILIKE folds case
    "like": (lambda m: _ids(m.people.where_like("name", "a%").order_by("id").get()),
             _ref_ids(lambda p: p[1].startswith("a"))),
    "like_escaped": (lambda m: _ids(m.people.where_like("name", "a\\_b").order_by("id").get()),
                     _ref_ids(lambda p: p[1] == "a_b")),
    "not_like": (lambda m: _ids(m.people.where_not_like("name", "%n%").order_by("id").get()),
                 _ref_ids(lambda p: "n" not in p[1])),
    "ilike": (lambda m: _ids(m.people.where("name", "ILIKE", "ann%").order_by("id").get()),
              _ref_ids(lambda p: p[1].lower().startswith("ann"))),
    # the ORM's own condition is ANDed to the user's OR as a group
    "find_after_or": (lambda m: m.people.where("country", "SE").or_where("country", "DK")
                      .find(7),
                      lambda people, orders: None),
    "find_many_after_or": (lambda m: sorted(_ids(m.people.where("country", "SE")
                                                 .or_where("country", "DK").find([1, 2, 7]))),
                           lambda people, orders: [1, 2]),
    # aggregates
    "count": (lambda m: m.people.where_not_null("age").count(),
              lambda people, orders: sum(1 for p in people if p[3] is not None)),
    "count_column": (lambda m: m.people.count("age"),
                     lambda people, orders: sum(1 for p in people if p[3] is not None)),
    "distinct_count": (lambda m: m.people.distinct().count("country"),
                       lambda people, orders: len({p[2] for p in people})),
    "distinct_rows": (lambda m: m.people.select("country").distinct().count(),
                      lambda people, orders: len({p[2] for p in people})),
    "sum": (lambda m: m.people.where("country", "SE").sum("score"),
            lambda people, orders: sum(p[4] for p in people if p[2] == "SE")),
    "max": (lambda m: m.people.max("age"),
            lambda people, orders: max(p[3] for p in people if p[3] is not None)),
    "grouped": (lambda m: sorted(
        (r["country"], r["n"]) for r in m.rows().select("country")
        .select_raw("count(*) AS n").group_by("country").having("n", ">", 1).get()),
        lambda people, orders: sorted(
            (c, n) for c in {p[2] for p in people}
            if (n := sum(1 for p in people if p[2] == c)) > 1)),
    "exists_having_alias": (lambda m: m.rows().select("country")
                            .select_raw("count(*) AS n").group_by("country")
                            .having("n", ">", 4).exists(),
                            lambda people, orders: max(
                                sum(1 for p in people if p[2] == c) for c in
                                {p[2] for p in people}) > 4),
    # an outer join's unmatched side is NULL
    "left_join_null": (lambda m: sorted(r["id"] for r in m.rows().select(
        f"{m.person.__table_name__}.id").left_join(
        m.order.__table_name__, f"{m.person.__table_name__}.id", "=",
        f"{m.order.__table_name__}.person_id").where_null(
        f"{m.order.__table_name__}.id").get()),
        lambda people, orders: sorted(
            p[0] for p in people if all(o[1] != p[0] for o in orders))),
}
