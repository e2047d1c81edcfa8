"""Where a raw fragment's values go: ``?`` outside quotes and comments, or Masonite's
``'?'``; any other question mark is text, and an ambiguous fragment is refused."""

from __future__ import annotations

import pytest

from clickorm import QueryBuilder
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm.query.placeholders import raw_pieces


def test_bare_and_quoted_placeholders() -> None:
    assert raw_pieces("a = ?", 1) == ("a = ", "")
    assert raw_pieces("a = '?'", 1) == ("a = ", "")
    assert raw_pieces("a = '?' AND b = ?", 2) == ("a = ", " AND b = ", "")


def test_question_marks_inside_text_identifiers_and_comments_are_text() -> None:
    sql = """a = ? AND b = 'why?' AND "odd?" = 1 -- what?\n AND c = 'it''s ?'"""
    assert raw_pieces(sql, 1) == ("a = ", sql[5:])
    assert raw_pieces("x /* ? */ = ?", 1) == ("x /* ? */ = ", "")


def test_without_bindings_a_quoted_question_mark_is_a_string() -> None:
    assert raw_pieces("mark = '?'", 0) == ("mark = '?'",)
    assert QueryBuilder("t").where_raw("mark = '?'").to_qmark("sqlite") == \
        "SELECT * FROM \"t\" WHERE mark = '?'"
    with pytest.raises(QueryError, match="1 '\\?' placeholder\\(s\\) but no bindings"):
        raw_pieces("mark = ?", 0)


def test_a_count_mismatch_is_refused_with_both_counts() -> None:
    with pytest.raises(QueryError, match="2 placeholder\\(s\\) but 1 binding"):
        QueryBuilder("t").where_raw("a = ? AND b = '?'", [1])
    with pytest.raises(QueryError, match="1 placeholder\\(s\\) but 2 binding"):
        QueryBuilder("t").where_raw("a = ?", 1, 2)


def test_a_fragment_read_two_ways_by_the_dialects_is_refused() -> None:
    # SQLite ends the literal at the backslash's quote; ClickHouse reads on to the last '
    with pytest.raises(QueryError, match="ambiguous"):
        raw_pieces(r"a = 'x\' OR b = ? OR c = '?'", 1)


@pytest.mark.parametrize(("dialect", "marker"), [("sqlite", "?"), ("clickhouse", "%(p0)s")])
def test_every_raw_surface_binds_at_the_placeholder(dialect: str, marker: str) -> None:
    q = (QueryBuilder("t").select_raw("count(*) AS 'n?'")
         .where_raw("name = '?' OR note = 'who?'", ["ann"]).order_by_raw("id"))
    sql = q.to_qmark(dialect)
    assert f"name = {marker} OR note = 'who?'" in sql
    assert "AS 'n?'" in sql
    d = get_plugin_manager().get_dialect(dialect)
    params = q.compile(d.grammar(paramstyle=d.paramstyle, capabilities=d.capabilities)).params
    assert params in (("ann",), {"p0": "ann"})
