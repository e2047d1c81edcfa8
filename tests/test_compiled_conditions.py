"""The compiled writer of plain WHERE conditions (clickorm._speedups ``conditions``)
writes exactly what the grammar's Python visitors write, in every paramstyle, and hands
everything else back to them.

Each query is compiled by two grammars of the same class: one with the compiled writer,
one with it turned off. The text and the bound values must be equal."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickorm import QueryBuilder, speedups
from clickorm.query.grammar import BaseGrammar
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_sqlite.grammar import SQLiteGrammar
from clickorm_toydb.grammar import ToyGrammar

compiled = speedups.compiled
needs_c = pytest.mark.skipif(
    compiled is None or not hasattr(compiled, "conditions"),
    reason="clickorm._speedups without the conditions writer (pure Python run)")


class Color(enum.Enum):
    RED = "red"


GRAMMARS: dict[str, Any] = {
    "sqlite": lambda: SQLiteGrammar(),
    "toydb": lambda: ToyGrammar(),
    "ch-pyformat": lambda: ClickHouseGrammar(paramstyle="pyformat", server_version=(18, 16, 1)),
    "ch-server": lambda: ClickHouseGrammar(paramstyle="server", server_version=(26, 1)),
    "ch-inline": lambda: ClickHouseGrammar(paramstyle="inline"),
}

INT64 = 2**63
values = st.one_of(
    st.integers(min_value=-INT64 - 2, max_value=INT64 + 2),
    st.sampled_from([INT64 - 1, -INT64, INT64, -INT64 - 1, 2**64 - 1, 0]),
    st.text(max_size=4), st.floats(allow_nan=False), st.none(), st.booleans(),
    st.binary(max_size=3), st.just(decimal.Decimal("1.5")), st.just(Color.RED),
    st.just(dt.date(2020, 1, 2)),
)
columns = st.sampled_from(["a", "b", "users.a", "t.c", "we%ird"])
ops = st.sampled_from(["=", ">", "<=", "!=", "like", "not like", "ilike"])


@st.composite
def condition(draw: Any) -> tuple[str, str, Any]:
    kind = draw(st.sampled_from(["compare", "in", "not_in", "null", "or", "raw"]))
    col = draw(columns)
    if kind == "compare" or kind == "or":
        return kind, col, (draw(ops), draw(values))
    if kind in ("in", "not_in"):
        same = draw(st.booleans())
        if same:
            item = draw(st.sampled_from([st.integers(-INT64 - 1, INT64), st.text(max_size=3),
                                         st.floats(allow_nan=False), st.booleans()]))
            return kind, col, draw(st.lists(item, max_size=300 if draw(st.booleans()) else 6))
        return kind, col, draw(st.lists(values, max_size=6))
    return kind, col, None


def build(conds: list[tuple[str, str, Any]]) -> QueryBuilder:
    q = QueryBuilder("users").select("a")
    for kind, col, arg in conds:
        if kind == "compare":
            q = q.where(col, *arg)
        elif kind == "or":
            q = q.or_where(col, *arg)
        elif kind == "in":
            q = q.where_in(col, arg)
        elif kind == "not_in":
            q = q.where_not_in(col, arg)
        elif kind == "null":
            q = q.where_null(col)
        else:
            q = q.where_raw("x > ?", [1])
    return q


def compile_both(name: str, q: QueryBuilder) -> tuple[Any, Any]:
    fast, slow = GRAMMARS[name](), GRAMMARS[name]()
    slow._plain_conditions = None
    results = []
    for grammar in (fast, slow):
        try:
            grammar.compile(q.state)  # the first run quotes and caches the columns
            results.append(grammar.compile(q.state))
        except Exception as exc:  # noqa: BLE001 - both paths must refuse alike
            results.append((type(exc), str(exc)))
    return results[0], results[1]


@needs_c
@settings(derandomize=True, database=None, deadline=None, max_examples=400)
@given(name=st.sampled_from(sorted(GRAMMARS)), conds=st.lists(condition(), max_size=6))
def test_compiled_conditions_write_what_the_visitors_write(
        name: str, conds: list[tuple[str, str, Any]]) -> None:
    q = build(conds)
    fast, slow = compile_both(name, q)
    assert fast == slow
    if conds and not isinstance(fast, tuple):
        having = q.having("a", 1)  # HAVING walks the same conditions
        assert compile_both(name, having)[0] == compile_both(name, having)[1]


@needs_c
@pytest.mark.parametrize("name", ["sqlite", "ch-server", "ch-pyformat"])
def test_plain_conditions_are_written_by_the_compiled_loop(name: str) -> None:
    grammar = GRAMMARS[name]()
    q = (QueryBuilder("users").where("a", 1).where("b", ">", "x")
         .where_in("c", [1, 2, 3]).or_where_not_in("d", ["p", "q"]))
    grammar.compile(q.state)
    assert grammar._plain_conditions is compiled.conditions  # type: ignore[union-attr]
    w: list[str] = []
    params: list[Any] = []
    done = grammar._plain_conditions(q.state.wheres, w, params, grammar._quoted,
                                     grammar.operators, grammar._placeholders)
    assert done == 4 and params == [1, "x", 1, 2, 3, "p", "q"]


@needs_c
def test_the_loop_stops_without_writing_what_it_cannot_write() -> None:
    grammar = SQLiteGrammar()
    q = QueryBuilder("users").where("a", 1).where("a", True).where("a", 2)
    grammar.compile(q.state)
    assert compiled is not None
    w: list[str] = []
    params: list[Any] = []
    done = compiled.conditions(q.state.wheres, w, params, grammar._quoted,
                               grammar.operators, grammar._placeholders)
    assert (done, "".join(w), params) == (1, '"a" = ?', [1])


def test_a_grammar_overriding_a_visitor_keeps_the_python_path() -> None:
    class Shouting(SQLiteGrammar):
        def visit_compare(self, node: Any, w: Any) -> None:
            w.write("/*!*/")
            super().visit_compare(node, w)

    g = Shouting()
    assert g._plain_conditions is None
    assert g.compile(QueryBuilder("t").where("a", 1).state).sql == \
        'SELECT * FROM "t" WHERE /*!*/"a" = ?'


def test_placeholder_tables_follow_the_binder() -> None:
    class OwnBinder(SQLiteGrammar):
        def bind_qmark(self, w: Any, value: Any) -> None:
            super().bind_qmark(w, value)

    assert SQLiteGrammar()._placeholders[int][3] == "?"
    assert OwnBinder()._placeholders == {}
    assert BaseGrammar(paramstyle="inline")._placeholders == {}
    server = ClickHouseGrammar(paramstyle="server", server_version=(26, 1))
    assert server._placeholders[str][2] == "{p2:String}" and bytes not in server._placeholders


@needs_c
@pytest.mark.parametrize("name", sorted(GRAMMARS))
@pytest.mark.parametrize("edge", [INT64 - 1, -INT64, INT64, -INT64 - 1, 2**64 - 1, 2**70])
def test_ints_at_the_edge_of_int64(name: str, edge: int) -> None:
    for q in (QueryBuilder("t").where("a", edge), QueryBuilder("t").where("a", ">", edge),
              QueryBuilder("t").where_in("a", [1, edge]), QueryBuilder("t").where_in("a", [edge])):
        fast, slow = compile_both(name, q)
        assert fast == slow
