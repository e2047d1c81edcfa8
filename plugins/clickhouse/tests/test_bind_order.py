"""ClickHouse: bound values are numbered in text order in both placeholder styles.

``%(pN)s`` (clickhouse-driver) and ``{pN:Type}`` (server-side) placeholders must appear
as p0, p1, p2 ... from left to right, with each value under its own name, for nested
expressions, parametric functions, subqueries, CTEs, unions and settings. Run on chDB,
every style returns the same, right rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_grammar import Engine, grammar, open_engine

from clickorm.model.builder import QueryBuilder
from clickorm.query.expressions import Subquery, column, func

Q = QueryBuilder
SETUP = [
    "CREATE TABLE t (id UInt32, x Int64, name String) ENGINE = MergeTree ORDER BY id",
    "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd'), (5, 50, 'e')",
]
_PLACEHOLDER = {"pyformat": re.compile(r"%\(p(\d+)\)s"), "server": re.compile(r"\{p(\d+):")}

#: name -> (builder, values in reading order, expected rows as TabSeparated text)
CASES: dict[str, tuple[Callable[[], QueryBuilder], tuple[Any, ...], list[tuple[str, ...]]]] = {
    "parametric function of an expression": (
        lambda: Q("t").select(func.quantileExact(0.5)(column("x") + 7).label("q"))
        .where("name", "!=", "zz"),
        (7, "zz"), [("37",)]),
    "function of a function with bound args": (
        lambda: Q("t").select(func.max(func.abs(column("x") - 35) + 1).label("m")),
        (35, 1), [("26",)]),
    "between, in list, settings": (
        lambda: Q("t").select("id").where_between("x", 15, 45)
        .where_in("name", ["b", "d", "z"]).order_by("id").settings(max_threads=2),
        (15, 45, "b", "d", "z"), [("2",), ("4",)]),
    "raw CASE fragment with ?": (
        lambda: Q("t").select_raw("if(x > ?, ?, ?) AS size", 25, "big", "small")
        .where_raw("x + ? > ?", 1, 20).order_by("id"),
        (25, "big", "small", 1, 20), [("small",), ("big",), ("big",), ("big",)]),
    "subqueries in WHERE and FROM": (
        lambda: Q(Subquery.of(Q("t").select("id", (column("x") + 1).label("y"))
                              .where("id", ">", 1).state, "s"))
        .select(column("y") - 2).where("y", "<", 100)
        .where_in("id", Q("t").select("id").where("name", "in", ["a", "c", "d"]))
        .order_by("id"),
        (2, 1, 1, 100, "a", "c", "d"), [("29",), ("39",)]),
    "CTE, having, limit and offset": (
        lambda: Q("big").with_cte("big", Q("t").select("id", "x").where("x", ">=", 20))
        .select((column("x") % 20).label("k"), func.count().label("n"))
        .where("id", "<", 9).group_by("k").having(func.count(), ">=", 1)
        .order_by("k").limit(1).offset(1),
        (20, 20, 9, 1), [("10", "2")]),
    "union with an outer order": (
        lambda: Q("t").select((column("id") + 100).label("v")).where("id", "=", 1)
        .union_all(Q("t").select((column("id") + 200).label("v")).where("id", "=", 2))
        .order_by("v").limit(5),
        (100, 1, 200, 2), [("101",), ("202",)]),
}


@pytest.mark.parametrize("style", ["pyformat", "server"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_placeholders_are_numbered_in_text_order(style: str, case: str) -> None:
    build, values, _ = CASES[case]
    sql, params = grammar(style).compile(build().state)
    numbers = [int(n) for n in _PLACEHOLDER[style].findall(sql)]
    assert numbers == list(range(len(values))), sql
    assert tuple(params[f"p{i}"] for i in range(len(values))) == values


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with open_engine(SETUP) as opened:
        yield opened


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_style_returns_the_right_rows_on_chdb(engine: Engine, case: str) -> None:
    build, _, rows = CASES[case]
    for style in ("pyformat", "server", "inline"):
        compiled = grammar(style).compile(build().state)
        assert engine.execute(style, compiled) == rows, (style, compiled)
