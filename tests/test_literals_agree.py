"""A dialect's grammar and platform write the same literal and identifier for a value.

Both go through the dialect's one IdentifierPreparer; these pin that they agree, and how
each dialect spells a boolean.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from clickorm.errors import QueryError, SchemaError
from clickorm.query.grammar import BaseGrammar
from clickorm.query.state import EMPTY, EXTRA_FIELDS, FIELDS, HOT_FIELDS
from clickorm.schema.platform import BasePlatform
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_clickhouse.platform import ClickHousePlatform
from clickorm_sqlite.grammar import SQLiteGrammar
from clickorm_sqlite.platform import SQLitePlatform
from clickorm_toydb.grammar import ToyGrammar
from clickorm_toydb.platform import ToyPlatform

VALUES: list[Any] = [
    True, False, None, 0, -7, 2**40, 1.5, -0.0, 1e-300, 1e300,
    decimal.Decimal("-12.3400"), decimal.Decimal("0"),
    "", "it's", "back\\slash", "new\nline\ttab", "quote'' and \\' mix", "ünï 😀",
    dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 6),
]
#: (name, grammar, platform, how True and False are written)
DIALECTS: list[tuple[str, BaseGrammar, BasePlatform, tuple[str, str]]] = [
    ("base", BaseGrammar(paramstyle="inline"), BasePlatform(), ("TRUE", "FALSE")),
    ("toydb", ToyGrammar(paramstyle="inline"), ToyPlatform(), ("TRUE", "FALSE")),
    ("sqlite", SQLiteGrammar(paramstyle="inline"), SQLitePlatform(), ("1", "0")),
    ("clickhouse", ClickHouseGrammar(paramstyle="inline"), ClickHousePlatform(),
     ("true", "false")),
    ("clickhouse 18.16", ClickHouseGrammar(paramstyle="inline", server_version=(18, 16, 1)),
     ClickHousePlatform(server_version=(18, 16, 1)), ("1", "0")),
]
IDS = [d[0] for d in DIALECTS]


@pytest.mark.parametrize(("name", "grammar", "platform", "bools"), DIALECTS, ids=IDS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_grammar_and_platform_write_the_same_literal(
    name: str, grammar: BaseGrammar, platform: BasePlatform, bools: tuple[str, str], value: Any
) -> None:
    assert grammar.literal(value) == platform.literal(value)


@pytest.mark.parametrize(("name", "grammar", "platform", "bools"), DIALECTS, ids=IDS)
def test_each_dialect_has_one_spelling_of_booleans(
    name: str, grammar: BaseGrammar, platform: BasePlatform, bools: tuple[str, str]
) -> None:
    assert (grammar.literal(True), grammar.literal(False)) == bools
    assert (platform.literal(True), platform.literal(False)) == bools
    # to_sql() shows the same spelling for a bound boolean
    from clickorm.model.builder import QueryBuilder

    sql = grammar.compile(QueryBuilder("t").where("flag", True).state).sql
    assert sql.endswith(f" = {bools[0]}"), sql


@pytest.mark.parametrize(("name", "grammar", "platform", "bools"), DIALECTS, ids=IDS)
@pytest.mark.parametrize("ident", ["plain", 'we"ird', "back`tick", "sp ace", "a\\b", "%pct"])
def test_grammar_and_platform_quote_identifiers_alike(
    name: str, grammar: BaseGrammar, platform: BasePlatform, bools: tuple[str, str], ident: str
) -> None:
    assert grammar.quote(ident) == platform.quote(ident)


@pytest.mark.parametrize(("name", "grammar", "platform", "bools"), DIALECTS, ids=IDS)
def test_unwritable_values_are_refused_by_both(
    name: str, grammar: BaseGrammar, platform: BasePlatform, bools: tuple[str, str]
) -> None:
    for value in (object(), dt.timedelta(1)):
        with pytest.raises(QueryError):
            grammar.literal(value)
        with pytest.raises(SchemaError):
            platform.literal(value)


def test_the_string_escapes_differ_by_dialect_as_the_parsers_need() -> None:
    assert SQLitePlatform().literal("a'b\\c\nd") == "'a''b\\c\nd'"
    assert ClickHousePlatform().literal("a'b\\c\nd") == "'a\\'b\\\\c\\nd'"


def test_non_finite_floats_are_written_only_where_the_dialect_has_them() -> None:
    assert ClickHousePlatform().literal(float("nan")) == "nan"
    assert ClickHouseGrammar(paramstyle="inline").literal(float("-inf")) == "-inf"
    with pytest.raises(SchemaError):
        SQLitePlatform().literal(float("inf"))
    with pytest.raises(QueryError):
        SQLiteGrammar().literal(float("nan"))


def test_query_state_fields_are_read_by_name() -> None:
    """Every field reads back what was set, and only it (no slot is read by the wrong name)."""
    for field in FIELDS:
        marker = object()
        state = EMPTY.set(field, marker)
        assert getattr(state, field) is marker
        for other in FIELDS:
            if other != field:
                assert getattr(state, other) is getattr(EMPTY, other), (field, other)
        if field in EXTRA_FIELDS:
            assert getattr(state.extra, field) is marker
    assert set(HOT_FIELDS) | set(EXTRA_FIELDS) == set(FIELDS)
