"""The shared corpus on chDB and on the real 18.16 server, checked against the Python
reference (``clickorm.testing.same_answer``); mutations whose condition meets a NULL;
and the differences no clause or setting removes, pinned per engine (README: "Where
dialects differ").
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from clickorm import Column, Model, QueryBuilder
from clickorm.errors import QueryError
from clickorm.testing.same_answer import CASES, ORDERS, PEOPLE, Models, models, seed
from clickorm_clickhouse.engines import MergeTree

MERGE_TREE = {"engine": MergeTree(), "order_by": ("id",)}


@pytest.fixture(scope="module")
def on_chdb(chdb: Any) -> Models:
    made = models(f"sa_{uuid.uuid4().hex[:6]}", chdb, MERGE_TREE)
    seed(made)
    return made


@pytest.fixture()
def on_1816(clickhouse_native: Any) -> Models:
    assert clickhouse_native.server_version[:2] == (18, 16)
    made = models("sa", clickhouse_native, MERGE_TREE)
    seed(made)
    return made


@pytest.mark.parametrize("case", sorted(CASES))
def test_chdb_gives_the_reference_answer(on_chdb: Models, case: str) -> None:
    query, reference = CASES[case]
    assert query(on_chdb) == reference(PEOPLE, ORDERS)


def test_the_1816_server_gives_the_reference_answer(on_1816: Models) -> None:
    """One test for the corpus (one fresh database on the session server)."""
    wrong = {}
    for case, (query, reference) in sorted(CASES.items()):
        got, want = query(on_1816), reference(PEOPLE, ORDERS)
        if got != want:
            wrong[case] = (got, want)
    assert wrong == {}


# -- outer joins read NULL -------------------------------------------------------------------
def test_left_join_where_null_finds_the_unmatched_rows(on_chdb: Models) -> None:
    q = on_chdb.rows().select(f"{on_chdb.person.__table_name__}.id").left_join(
        on_chdb.order.__table_name__, f"{on_chdb.person.__table_name__}.id", "=",
        f"{on_chdb.order.__table_name__}.person_id")
    assert q.to_sql().endswith("SETTINGS join_use_nulls = 1")
    assert len(q.where_null(f"{on_chdb.order.__table_name__}.id").get()) == 7
    # the query's own setting wins: ClickHouse's default values come back
    assert q.settings(join_use_nulls=0).where_null(
        f"{on_chdb.order.__table_name__}.id").get() == []


def test_1816_left_join_of_an_array_column_fails_with_join_use_nulls(
        clickhouse_native: Any) -> None:
    """18.16 cannot make an Array Nullable: such a join is an error there, not a 0/''."""
    conn = clickhouse_native
    conn.execute("CREATE TABLE l (id Int64) ENGINE = MergeTree ORDER BY id")
    conn.execute("CREATE TABLE r (id Int64, tags Array(String)) ENGINE = MergeTree ORDER BY id")
    conn.insert_rows("l", ["id"], [[1], [2]])
    conn.insert_rows("r", ["id", "tags"], [[1, ["x"]]])
    q = QueryBuilder("l", connection=conn).select("l.id", "r.tags").left_join(
        "r", "l.id", "=", "r.id").order_by("l.id")
    with pytest.raises(QueryError, match="cannot be inside Nullable"):
        q.get()
    # without the setting: the old default values, asked for explicitly
    assert [tuple(r.values()) for r in q.settings(join_use_nulls=0).get()] == [
        (1, ["x"]), (2, [])]


# -- mutations whose condition meets a NULL ---------------------------------------------------
class Nullable(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    age: int | None = None
    nick: str = ""
    score: float = 0.0

    class Meta:
        table_name = "sa_nullable"
        engine = MergeTree()
        order_by = ("id",)


def _nullable_rows(conn: Any) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT id, age, nick, score FROM sa_nullable ORDER BY id").rows


def _fresh(conn: Any) -> None:
    conn.execute("DROP TABLE IF EXISTS sa_nullable")
    Nullable.create_table(connection=conn)
    conn.insert_rows("sa_nullable", ["id", "age", "nick", "score"],
                     [[1, None, "a", 1.0], [2, -1, "b", 2.0], [3, 5, "c", 3.0]])


@pytest.mark.parametrize("engine", ["chdb", "server"])
def test_a_mutation_never_touches_the_rows_where_its_condition_is_null(
        request: pytest.FixtureRequest, engine: str) -> None:
    conn = request.getfixturevalue("chdb" if engine == "chdb" else "clickhouse_native")
    _fresh(conn)
    q = Nullable.query.on(conn).where("age", "<", 0)
    q.update({"nick": "neg"})
    assert _nullable_rows(conn) == [(1, None, "a", 1.0), (2, -1, "neg", 2.0),
                                    (3, 5, "c", 3.0)]
    q.update({"score": 9.0})  # 18.16 used to fail on the NULL row and block the table
    assert _nullable_rows(conn) == [(1, None, "a", 1.0), (2, -1, "neg", 9.0),
                                    (3, 5, "c", 3.0)]
    Nullable.query.on(conn).where_not("age", "<", 0).update({"nick": "pos"})
    assert [r[2] for r in _nullable_rows(conn)] == ["a", "neg", "pos"]
    q.delete()
    assert _nullable_rows(conn) == [(1, None, "a", 1.0), (3, 5, "pos", 3.0)]
    done = conn.execute("SELECT count() FROM system.mutations WHERE database = "
                        "currentDatabase() AND table = 'sa_nullable' AND is_done = 0")
    assert done.scalar() == 0


def test_1816_mutation_conditions_are_written_null_safe(clickhouse_native: Any) -> None:
    sql = Nullable.query.on(clickhouse_native).where("age", "<", 0).delete(dry=True).to_sql()
    assert sql == "ALTER TABLE `sa_nullable` DELETE WHERE ifNull((`age` < 0), 0)"


def test_current_servers_write_mutation_conditions_as_given(chdb: Any) -> None:
    sql = Nullable.query.on(chdb).where("age", "<", 0).update({"nick": "x"}, dry=True).to_sql()
    assert "WHERE `age` < 0 " in sql and "ifNull" not in sql


# -- differences no clause or setting removes (pinned) ---------------------------------------
@pytest.mark.parametrize("engine", ["chdb", "server"])
def test_pinned_arithmetic_and_empty_aggregates(request: pytest.FixtureRequest,
                                                engine: str) -> None:
    conn = request.getfixturevalue("chdb" if engine == "chdb" else "clickhouse_native")
    assert conn.execute("SELECT 7 / 2").scalar() == 3.5  # SQLite: 3
    empty = conn.execute("SELECT sum(number), count() FROM numbers(10) WHERE number > 100")
    assert empty.rows == [(0, 0)]  # SQLite: NULL, 0


@pytest.mark.parametrize("engine", ["chdb", "server"])
def test_pinned_null_in_and_not_in(request: pytest.FixtureRequest, engine: str) -> None:
    conn = request.getfixturevalue("chdb" if engine == "chdb" else "clickhouse_native")
    row = conn.execute("SELECT CAST(NULL AS Nullable(Int32)) IN (5), "
                       "CAST(NULL AS Nullable(Int32)) NOT IN (5), NULL AND 0").rows[0]
    if engine == "chdb":
        assert row == (None, None, 0)  # as SQLite
    else:
        assert row == (0, 1, None)  # 18.16: NULL NOT IN (5) is 1, NULL AND 0 is NULL


def test_pinned_1816_not_in_matches_the_null_rows(on_1816: Models) -> None:
    # SQLite and chDB: NULL NOT IN (...) is NULL, the row is left out; 18.16 keeps it
    got = [p.id for p in on_1816.people.where_not_in("age", [17]).order_by("id").get()]
    assert got == [1, 2, 4, 5, 7, 8, 9, 10]
    # a NULL in the list is ignored (SQLite: nothing matches)
    got = [p.id for p in on_1816.people.where_not_in("age", [17, None]).order_by("id").get()]
    assert got == [1, 2, 4, 5, 7, 8, 9, 10]


def test_sum_and_avg_of_no_rows_are_none_as_on_sqlite(on_chdb: Models) -> None:
    # ClickHouse itself answers 0 and nan; the ORM counts the values and answers None
    assert on_chdb.people.where("id", ">", 100).sum("score") is None
    assert on_chdb.people.where("id", ">", 100).avg("score") is None
    assert on_chdb.people.where("id", "<=", 100).sum("score") is not None


def test_pinned_chdb_not_in_leaves_the_null_rows_out(on_chdb: Models) -> None:
    got = [p.id for p in on_chdb.people.where_not_in("age", [17]).order_by("id").get()]
    assert got == [1, 4, 7, 8, 10]
    # a NULL in the list is ignored (SQLite: nothing matches)
    got = [p.id for p in on_chdb.people.where_not_in("age", [17, None]).order_by("id").get()]
    assert got == [1, 4, 7, 8, 10]


def test_pinned_chdb_ilike_folds_non_ascii(chdb: Any) -> None:
    assert chdb.execute("SELECT 'ÄB' ILIKE 'äb'").scalar() == 1  # SQLite: 0


def test_pinned_chdb_outer_join_array_is_empty_not_null(chdb: Any) -> None:
    chdb.execute("CREATE TABLE sa_l (id Int64) ENGINE = MergeTree ORDER BY id")
    chdb.execute("CREATE TABLE sa_r (id Int64, tags Array(String)) ENGINE = MergeTree ORDER BY id")
    chdb.insert_rows("sa_l", ["id"], [[1], [2]])
    chdb.insert_rows("sa_r", ["id", "tags"], [[1, ["x"]]])
    rows = QueryBuilder("sa_l", connection=chdb).select("sa_l.id", "sa_r.tags").left_join(
        "sa_r", "sa_l.id", "=", "sa_r.id").order_by("sa_l.id").get()
    assert [tuple(r.values()) for r in rows] == [(1, ["x"]), (2, [])]  # SQLite: None
