"""Bound values are in the order of their placeholders, for nested expressions of every kind.

Each case is compiled with ``?`` placeholders and inline: putting the params' literals
into the ``?`` in order must give the inline text, and the params must be exactly the
values in reading order. On SQLite the statement also runs and returns the right rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from clickorm.model.builder import QueryBuilder
from clickorm.query.expressions import Subquery, column, func, raw
from clickorm.query.grammar import BaseGrammar
from clickorm.query.writer import SQLWriter
from clickorm_sqlite import clickorm_dialects as sqlite_dialects
from clickorm_sqlite.grammar import SQLiteGrammar
from clickorm_toydb.grammar import ToyGrammar

Q = QueryBuilder
SQLITE_CAPS = sqlite_dialects()[0].capabilities
ROWS = [(1, 10, "a"), (2, 20, "b"), (3, 30, "c"), (4, 40, "d"), (5, 50, "e")]


class Case:
    def __init__(self, build: Callable[[], QueryBuilder], params: tuple[Any, ...],
                 rows: list[tuple[Any, ...]] | None) -> None:
        self.build, self.params, self.rows = build, params, rows


CASES: dict[str, Case] = {
    "parametric function of an expression": Case(
        lambda: Q("t").select(func.quantile(0.5)(column("x") + 7)), (0.5, 7), None),
    "function of a function": Case(
        lambda: Q("t").select(func.max(func.abs(column("x") - 35) + 1).label("m")),
        (35, 1), [(26,)]),
    "function args in order": Case(
        lambda: Q("t").select(func.coalesce(func.nullif(column("x"), 10), 99).label("c"))
        .where("id", "<", 3).order_by("id"),
        (10, 99, 3), [(99,), (20,)]),
    "between, in, compare": Case(
        lambda: Q("t").select("id").where_between("x", 15, 45).where_in("name", ["b", "d", "z"])
        .where("id", "!=", 100).order_by("id"),
        (15, 45, "b", "d", "z", 100), [(2,), (4,)]),
    "CASE as a raw fragment with ?": Case(
        lambda: Q("t").select_raw("CASE WHEN x > ? THEN ? ELSE ? END AS size", 25, "big", "small")
        .where_raw("x + ? > ?", 1, 20).order_by("id"),
        (25, "big", "small", 1, 20), [("small",), ("big",), ("big",), ("big",)]),
    "subquery in WHERE": Case(
        lambda: Q("t").select(column("x") * 2).where("x", ">", 5)
        .where_in("id", Q("t").select("id").where("name", "in", ["a", "c"]))
        .where("x", "<", 1000).order_by("id"),
        (2, 5, "a", "c", 1000), [(20,), (60,)]),
    "subquery in FROM": Case(
        lambda: Q(Subquery.of(Q("t").select((column("x") + 1).label("y"))
                              .where("id", ">", 3).state, "s"))
        .select(column("y") - 2).where("y", "<", 100).order_by("y"),
        (2, 1, 3, 100), [(39,), (49,)]),
    "CTE": Case(
        lambda: Q("big").with_cte("big", Q("t").select("id", "x").where("x", ">=", 30))
        .select(column("x") + 5).where("id", "<", 5).order_by("id"),
        (30, 5, 5), [(35,), (45,)]),
    "union": Case(
        lambda: Q("t").select(column("id") + 100).where("id", "=", 1)
        .union_all(Q("t").select(column("id") + 200).where("id", "=", 2)),
        (100, 1, 200, 2), [(101,), (202,)]),
    "group by, having, limit, offset": Case(
        lambda: Q("t").select((column("x") % 20).label("k"), func.count().label("n"))
        .where("id", ">", 0).group_by(column("x") % 20).having(func.count(), ">=", 1)
        .order_by("k").limit(1).offset(1),
        (20, 0, 20, 1), [(10, 3)]),
    "not and or groups": Case(
        lambda: Q("t").select("id").where((column("x") > 10) & ~(column("id") == 3)
                                          | (column("name") == "a")).order_by("id"),
        (10, 3, "a"), [(1,), (2,), (4,), (5,)]),
}


def substitute(grammar: BaseGrammar, sql: str, params: tuple[Any, ...]) -> str:
    pieces = sql.split("?")
    assert len(pieces) == len(params) + 1, (sql, params)
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:], strict=True):
        out += [grammar.literal(value), piece]
    return "".join(out)


GRAMMARS: dict[str, Callable[[str], BaseGrammar]] = {
    "sqlite": lambda style: SQLiteGrammar(paramstyle=style, capabilities=SQLITE_CAPS),
    "toydb": lambda style: ToyGrammar(paramstyle=style, capabilities=SQLITE_CAPS),
}


@pytest.mark.parametrize("dialect", sorted(GRAMMARS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_params_are_in_text_order(dialect: str, case: str) -> None:
    c = CASES[case]
    state = c.build().state
    sql, params = GRAMMARS[dialect]("qmark").compile(state)
    inline_sql, inline_params = GRAMMARS[dialect]("inline").compile(state)
    assert params == c.params, sql
    assert inline_params == ()
    assert substitute(GRAMMARS[dialect]("qmark"), sql, params) == inline_sql


@pytest.mark.parametrize("style", ["named", "pyformat"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_named_placeholders_are_numbered_in_text_order(style: str, case: str) -> None:
    sql, params = SQLiteGrammar(paramstyle=style, capabilities=SQLITE_CAPS).compile(
        CASES[case].build().state)
    assert list(params) == [f"p{i}" for i in range(len(params))]
    positions = [sql.index(f":p{i}" if style == "named" else f"%(p{i})s")
                 for i in range(len(params))]
    assert positions == sorted(positions), sql
    assert tuple(params.values()) == CASES[case].params


@pytest.fixture(scope="module")
def db() -> Any:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, x INTEGER, name TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", ROWS)
    yield conn
    conn.close()


@pytest.mark.parametrize("case", sorted(k for k, c in CASES.items() if c.rows is not None))
def test_sqlite_runs_each_case_and_gets_the_right_rows(db: Any, case: str) -> None:
    grammar = SQLiteGrammar(capabilities=SQLITE_CAPS)
    sql, params = grammar.compile(CASES[case].build().state)
    assert db.execute(sql, params).fetchall() == CASES[case].rows, sql
    inline_sql, _ = SQLiteGrammar(paramstyle="inline", capabilities=SQLITE_CAPS).compile(
        CASES[case].build().state)
    assert db.execute(inline_sql).fetchall() == CASES[case].rows, inline_sql


def test_a_dialect_override_of_a_common_clause_is_used() -> None:
    """No shortcut skips a dialect's clause method: overriding WHERE changes every SELECT."""

    class Tagged(SQLiteGrammar):
        def clause_wheres(self, state: Any, w: SQLWriter) -> None:
            w.write("/* tagged */ ")
            super().clause_wheres(state, w)

    sql, params = Tagged().compile(Q("t").where("a", 1).limit(2).state)
    assert sql == 'SELECT * FROM "t" /* tagged */ WHERE "a" = ? LIMIT 2' and params == (1,)


def test_visitor_dispatch_is_built_once_per_class() -> None:
    class Shouting(SQLiteGrammar):
        def visit_col(self, node: Any, w: SQLWriter) -> None:
            w.write(self.col_sql(node).upper())

    assert Shouting._dispatch is not SQLiteGrammar._dispatch
    assert Shouting._dispatch is Shouting()._dispatch  # not rebuilt per instance
    assert Shouting().compile(Q("t").select(column("ab")).state).sql == 'SELECT "AB" FROM "t"'
    assert SQLiteGrammar().compile(Q("t").select(column("ab")).state).sql == 'SELECT "ab" FROM "t"'


def test_the_raw_bindings_keep_their_order_among_other_values() -> None:
    sql, params = SQLiteGrammar().compile(
        Q("t").select(func.f(1, raw("? + ?", 2, 3), 4)).where("a", 5).state)
    assert sql == 'SELECT f(?, ? + ?, ?) FROM "t" WHERE "a" = ?' and params == (1, 2, 3, 4, 5)
