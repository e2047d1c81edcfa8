"""The layer seams: a composition-only query builder, the ORM's builder and session on
top of it, and the type registry extended from above."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import clickorm
from clickorm import types
from clickorm.connection import manager as engine
from clickorm.connection.manager import reset_managers
from clickorm.errors import QueryError
from clickorm.model.builder import QueryBuilder
from clickorm.model.session import Session
from clickorm.query.builder import BaseQueryBuilder
from clickorm.types.registry import _extensions, add_extension, default_registry
from clickorm_sqlite.grammar import SQLiteGrammar

TERMINAL = {"get", "all", "first", "find", "count", "pluck", "paginate", "chunk", "iter",
            "insert", "update", "delete", "exists", "value", "to_sql", "to_qmark", "on",
            "where_has", "with_count"}


def test_the_query_layer_builder_composes_and_compiles_with_a_given_grammar() -> None:
    q = BaseQueryBuilder("users").where("age", ">", 18).where(
        lambda g: g.where("a", 1).or_where("b", 2)).order_by("name desc").limit(5)
    assert type(q) is BaseQueryBuilder
    assert q.compile(SQLiteGrammar()) == (
        'SELECT * FROM "users" WHERE "age" > ? AND ("a" = ? OR "b" = ?) '
        'ORDER BY "name" DESC NULLS LAST LIMIT 5', (18, 1, 2))
    assert not TERMINAL & set(dir(BaseQueryBuilder))


def test_the_public_builder_is_the_orm_subclass_and_composition_keeps_it() -> None:
    assert clickorm.QueryBuilder is QueryBuilder
    assert issubclass(QueryBuilder, BaseQueryBuilder)
    q = QueryBuilder("users").where("a", 1).join("posts", "users.id", "=", "posts.user_id")
    assert type(q) is QueryBuilder
    assert TERMINAL <= set(dir(QueryBuilder))
    assert q.to_sql("sqlite") == ('SELECT * FROM "users" INNER JOIN "posts" ON '
                                  '"users"."id" = "posts"."user_id" WHERE "a" = 1')


def test_subqueries_accept_either_builder() -> None:
    inner = BaseQueryBuilder("admins").select("user_id")
    q = QueryBuilder("users").where_in("id", inner).where_exists(lambda s: s.table("x"))
    assert q.to_sql("sqlite") == ('SELECT * FROM "users" WHERE "id" IN (SELECT "user_id" '
                                  'FROM "admins") AND EXISTS (SELECT * FROM "x")')
    with pytest.raises(QueryError, match="where-group callback must return"):
        QueryBuilder("users").where(lambda g: None)


def test_every_manager_the_registry_builds_is_the_public_one_with_sessions() -> None:
    reset_managers()
    try:
        used = clickorm.use("sqlite://")
        assert type(used) is clickorm.ConnectionManager
        assert engine.get_manager() is used and clickorm.get_manager() is used
        with used.session() as session:
            assert isinstance(session, Session)
        assert not hasattr(engine.ConnectionManager, "session")  # the engine knows no ORM
    finally:
        reset_managers()


def test_a_bare_engine_manager_registered_by_hand_is_refused_with_the_fix() -> None:
    reset_managers()
    bare = engine.ConnectionManager("sqlite://")
    try:
        engine.set_default_manager(bare)
        with pytest.raises(clickorm.ConfigError, match="register a clickorm.ConnectionManager"):
            clickorm.get_manager()
    finally:
        bare.close()
        reset_managers()


def test_registry_extensions_run_on_every_default_registry_once_each() -> None:
    class Span:
        pass

    def extension(registry: Any) -> None:
        registry.register(Span, types.Int32)

    before = list(_extensions)
    try:
        add_extension(extension)
        add_extension(extension)
        assert _extensions.count(extension) == 1
        assert default_registry().resolve(Span) == types.Int32
    finally:
        _extensions[:] = before
    assert default_registry().lookup_class(Span) is None


@pytest.mark.parametrize("module", ["clickorm", "clickorm.cli"])
def test_the_console_script_runs_as_a_module(module: str) -> None:
    out = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith(f"clickorm {clickorm.__version__}")
