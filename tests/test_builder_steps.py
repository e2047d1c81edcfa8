"""The compiled builder step (clickorm._speedups ``builder_set``/``builder_add``) makes
the same builder as the Python ``_set`` it replaces, and refuses what it cannot copy."""

from __future__ import annotations

import pytest

from clickorm import QueryBuilder, speedups
from clickorm.query import builder as query_builder
from clickorm.query.builder import BaseQueryBuilder
from clickorm.query.state import LIMIT, WHERES, QueryState
from clickorm_sqlite.grammar import SQLiteGrammar

GRAMMAR = SQLiteGrammar()

compiled = speedups.compiled
needs_c = pytest.mark.skipif(
    compiled is None or not hasattr(compiled, "builder_set"),
    reason="clickorm._speedups without builder steps (pure Python run)")


def _same(a: BaseQueryBuilder, b: BaseQueryBuilder) -> None:
    assert type(a) is type(b)
    assert type(a.state) is type(b.state) is QueryState
    assert tuple(a.state) == tuple(b.state) or repr(a.state) == repr(b.state)
    assert a.compile(GRAMMAR) == b.compile(GRAMMAR)
    for slot in ("_model", "_conn"):
        assert getattr(a, slot, "unset") is getattr(b, slot, "unset")


def test_python_path_is_the_builders_own_set() -> None:
    q = QueryBuilder("users", connection="x").where("a", 1)
    _same(query_builder._set_py(q, LIMIT, 5), q._set(LIMIT, 5))
    _same(query_builder._add_py(q, WHERES, (("AND", q.state.wheres[0][1]),)),
          q._set(WHERES, q.state.wheres + (("AND", q.state.wheres[0][1]),)))


@needs_c
@pytest.mark.parametrize("make", [
    lambda: BaseQueryBuilder("users"),
    lambda: QueryBuilder("users"),
    lambda: QueryBuilder("users", connection="named").where("a", 1),
])
def test_compiled_step_equals_python(make: object) -> None:
    q = make()  # type: ignore[operator]
    assert compiled is not None
    _same(compiled.builder_set(q, LIMIT, 7), q._set(LIMIT, 7))
    extra = (("AND", QueryBuilder("t").where("b", 2).state.wheres[0][1]),)
    _same(compiled.builder_add(q, WHERES, extra), q._set(WHERES, q.state.wheres + extra))
    # the receiver never changes
    assert q.state.limit is None


@needs_c
def test_builder_methods_use_the_compiled_step() -> None:
    assert query_builder._set is getattr(compiled, "builder_set", None)
    q = QueryBuilder("users", connection="c").where("a", 1).limit(3)
    assert q._conn == "c" and q.state.limit == 3
    assert q.compile(GRAMMAR).sql == 'SELECT * FROM "users" WHERE "a" = ? LIMIT 3'


@needs_c
def test_compiled_step_refuses_bad_input() -> None:
    assert compiled is not None
    q = QueryBuilder("users")
    with pytest.raises(IndexError):
        compiled.builder_set(q, 99, 1)
    with pytest.raises(IndexError):
        compiled.builder_set(q, -1, 1)
    with pytest.raises(TypeError):
        compiled.builder_set(object(), LIMIT, 1)
    with pytest.raises(TypeError):
        compiled.builder_add(q, LIMIT, (1,))  # LIMIT holds None, not a tuple
    with pytest.raises(TypeError):
        compiled.builder_add(q, WHERES, [1])  # a list is not a tuple
    unset = object.__new__(QueryBuilder)
    with pytest.raises(AttributeError):
        compiled.builder_set(unset, LIMIT, 1)
