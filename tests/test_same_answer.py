"""SQLite answers the shared corpus as the Python reference does, and as ClickHouse does.

The corpus (``clickorm.testing.same_answer``) runs here on SQLite; the ClickHouse plugin
runs it on chDB and the 18.16 server. Below it: the fixes it relies on, one test each,
and the differences no clause or setting removes, pinned (see the README's "Where
dialects differ").
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model
from clickorm.errors import QueryError
from clickorm.model.scopes import scope
from clickorm.testing.same_answer import CASES, ORDERS, PEOPLE, Models, models, seed
from clickorm_sqlite.strict_quotes import double_quoted_strings_refused


@pytest.fixture(scope="module")
def conn() -> Iterator[Any]:
    manager = ConnectionManager("sqlite://")
    connection = manager.connection()
    yield connection
    manager.close()


@pytest.fixture(scope="module")
def m(conn: Any) -> Models:
    made = models(f"sa_{uuid.uuid4().hex[:6]}", conn)
    seed(made)
    return made


@pytest.mark.parametrize("case", sorted(CASES))
def test_sqlite_gives_the_reference_answer(m: Models, case: str) -> None:
    query, reference = CASES[case]
    assert query(m) == reference(PEOPLE, ORDERS)


# -- unknown names are errors, not string literals ------------------------------------------
def test_an_unknown_quoted_column_is_an_error(m: Models) -> None:
    with pytest.raises(QueryError, match="no such column: nosuchcol"):
        m.people.where("nosuchcol", "nosuchcol").count()
    with pytest.raises(QueryError, match="no such column"):
        m.rows().select("nosuchcol").get()
    with pytest.raises(QueryError, match="no such column"):
        m.people.where("nosuchcol", "nosuchcol").update({"name": "x"})
    assert m.people.where("name", "x").count() == 0


def test_the_connection_refuses_double_quoted_strings(conn: Any) -> None:
    assert double_quoted_strings_refused(conn.raw)
    # a plain sqlite3 connection still has them: the connection turned them off
    assert not double_quoted_strings_refused(sqlite3.connect(":memory:"))


def test_exists_keeps_the_aliases_having_names(m: Models) -> None:
    grouped = m.rows().select("country").select_raw("count(*) AS n").group_by("country")
    assert grouped.having("n", ">", 3).exists() is True  # SE has 4
    assert grouped.having("n", ">", 4).exists() is False


# -- conditions the ORM adds are ANDed to the user's as a group -------------------------------
def test_find_groups_the_users_or(m: Models) -> None:
    q = m.people.where("country", "SE").or_where("country", "DK")
    assert q.find(7) is None  # Cleo is in FI
    assert q.find(2).name == "Ann"
    with pytest.raises(Exception, match="primary key"):
        q.find_or_fail(7)
    assert sorted(p.id for p in q.find([2, 7, 4])) == [2]


class Member(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    country: str
    age: int | None = None
    score: float

    class Meta:
        table_name = "sa_members"

    @scope
    def nordic_minor(query: Any) -> Any:  # noqa: N805 - a scope takes the query
        return query.where("country", "NO").or_where("age", "<", 18)


def test_a_scope_and_the_query_are_two_groups(conn: Any) -> None:
    Member.create_table(connection=conn)
    conn.insert_rows("sa_members", ["id", "country", "age", "score"],
                     [[p[0], p[2], p[3], p[4]] for p in PEOPLE])
    got = Member.query.on(conn).where("score", ">", 2.0).nordic_minor().order_by("id").get()
    want = [p[0] for p in PEOPLE
            if p[4] > 2.0 and (p[2] == "NO" or (p[3] is not None and p[3] < 18))]
    assert [p.id for p in got] == want == [3, 6, 8]
    # and the other way round: the scope first, the user's condition after it
    assert [p.id for p in Member.query.on(conn).nordic_minor().where("score", ">", 2.0)
            .order_by("id").get()] == [3, 6, 8]


# -- distinct and aggregates -----------------------------------------------------------------
def test_count_of_a_column_on_a_distinct_query_counts_distinct_values(m: Models) -> None:
    assert m.people.distinct().count("country") == 4
    assert m.people.distinct().count("age") == 6  # 31, 17 (twice), 45, 60, -3, 28; no NULL
    assert m.people.distinct().sum("age") == 31 + 17 + 45 + 60 - 3 + 28
    assert m.people.distinct().count() == len(PEOPLE)  # distinct rows


# -- SQL text of the semantics ---------------------------------------------------------------
def test_sqlite_writes_the_documented_semantics(m: Models) -> None:
    sql = m.people.where_like("name", "a%").where("name", "ILIKE", "b%").order_by("age").to_sql()
    assert "\"name\" LIKE 'a%' ESCAPE '\\'" in sql
    assert "lower(\"name\") LIKE lower('b%') ESCAPE '\\'" in sql
    assert sql.endswith('ORDER BY "age" ASC NULLS LAST')


# -- differences no clause or setting removes (pinned) ---------------------------------------
def test_pinned_integer_division_truncates(conn: Any) -> None:
    assert conn.execute("SELECT 7 / 2").scalar() == 3  # ClickHouse: 3.5


def test_sum_and_avg_of_no_rows_are_none(m: Models) -> None:
    assert m.people.where("id", ">", 100).sum("score") is None  # ClickHouse too
    assert m.people.where("id", ">", 100).avg("score") is None


def test_pinned_not_in_with_a_null_in_the_list_matches_nothing(m: Models) -> None:
    assert m.people.where_not_in("age", [17, None]).count() == 0
    assert m.people.where_in("age", [17, None]).count() == 2


def test_pinned_ilike_folds_ascii_only(conn: Any) -> None:
    assert conn.execute("SELECT lower('ÄB') LIKE lower('äb')").scalar() == 0  # ClickHouse: 1
