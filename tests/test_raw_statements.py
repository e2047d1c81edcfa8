"""Raw fragments hold one expression: a statement separator is refused when they are built."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.model.builder import QueryBuilder
from clickorm.plugins.manager import get_plugin_manager
from clickorm.query.expressions import raw
from clickorm.query.statements import separator_at
from clickorm_sqlite.connection import SQLiteConnection, connect


@pytest.fixture
def sqlite() -> Iterator[SQLiteConnection]:
    c = connect(ConnectionConfig(name="raw", dialect="sqlite"),
                get_plugin_manager().get_dialect("sqlite"))
    c.execute("CREATE TABLE t (x INTEGER)")
    c.execute("INSERT INTO t VALUES (1), (2)")
    yield c
    c.close()


@pytest.mark.parametrize(
    "build",
    [
        lambda q: q.where_raw("1=1; DROP TABLE t"),
        lambda q: q.or_where_raw("1=1; DROP TABLE t"),
        lambda q: q.select_raw("x; DROP TABLE t"),
        lambda q: q.group_by("x").having_raw("1; DROP TABLE t"),
        lambda q: q.order_by_raw("x; DROP TABLE t"),
        lambda q: q.group_by_raw("x; DROP TABLE t"),
        lambda q: q.where(raw("x = ?; DROP TABLE t", 1)),
        # SQLite does not escape with a backslash: the quote ends at \' here
        lambda q: q.where_raw("x = 'a\\'; DROP TABLE t; --'"),
        lambda q: q.where_raw("x = 1;"),
    ],
)
def test_raw_fragments_refuse_a_statement_separator_on_sqlite(sqlite, build):
    with pytest.raises(QueryError, match="Raw SQL fragment .* statement separator ';'"):
        build(QueryBuilder("t", connection=sqlite)).get()
    assert sqlite.execute("SELECT count(*) FROM t").scalar() == 2


def test_a_semicolon_in_a_literal_identifier_or_comment_is_not_a_separator(sqlite):
    q = QueryBuilder("t", connection=sqlite)
    assert q.where_raw("x = 1 OR ';' = ?", ";").count() == 2
    assert q.where_raw("x = 1 /* ; */").count() == 1
    assert q.where_raw("x = 1 -- ;\n").count() == 1
    assert q.where_raw('"x" = 2 OR \'it\'\';s\' = 1').count() == 1


@pytest.mark.parametrize(
    ("sql", "at"),
    [
        ("SELECT 1; DROP TABLE t", 8),
        ("SELECT ';'; DROP", 10),
        ("SELECT 1 -- x\n; DROP", 14),
        ("SELECT 1 # x\n; DROP", 13),  # '#' comments in ClickHouse, not in SQLite
        ("SELECT 1 /* ; */ ; DROP", 17),
        ("SELECT 'a\\'; DROP'", 11),  # one reading ends the literal at \'
        ("SELECT 1;", None),
        ("SELECT 1 ; -- done\n", None),
        ("SELECT `a;b`, \"c;d\"", None),
    ],
)
def test_separator_positions(sql, at):
    assert separator_at(sql) == at


def test_a_connection_may_fix_the_backslash_reading():
    sql = "SELECT 'a\\'; b'"
    assert separator_at(sql, backslash_escapes=True) is None
    assert separator_at(sql, backslash_escapes=False) == 11
