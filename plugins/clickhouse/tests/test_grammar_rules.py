"""ClickHouse grammar: what it refuses, and why (capabilities, injection guards, writes).

A construct the connection cannot express raises a QueryError naming it; anything the
grammar writes into SQL text itself (join kinds, GROUP BY modifiers, setting names,
LIMIT numbers) is checked first, so a crafted state cannot inject SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from test_grammar import CAPS, grammar

from clickorm import QueryBuilder
from clickorm.errors import QueryError
from clickorm.query.expressions import Join, Table, column, func
from clickorm_clickhouse import versions
from clickorm_clickhouse.grammar import ClickHouseGrammar

Q = QueryBuilder


def test_paramstyles() -> None:
    for style in ("pyformat", "server", "inline"):
        assert ClickHouseGrammar(paramstyle=style).paramstyle == style
    assert ClickHouseGrammar().paramstyle == "pyformat"
    for style in ("qmark", "named", "format"):
        with pytest.raises(QueryError, match="no paramstyle"):
            ClickHouseGrammar(paramstyle=style)


# -- capabilities -----------------------------------------------------------------------------
CONSTRUCTS: dict[str, tuple[Any, str]] = {
    "final": (Q("t").final(), "FINAL"),
    "sample": (Q("t").sample(0.1), "SAMPLE"),
    "prewhere": (Q("t").prewhere("a", 1), "PREWHERE"),
    "array_join": (Q("t").array_join("tags"), "ARRAY JOIN"),
    "limit_by": (Q("t").limit_by(1, "a"), "LIMIT BY"),
    "settings": (Q("t").settings(max_threads=1), "SETTINGS"),
    "cte": (Q("x").with_cte("x", Q("t")), "WITH (CTE)"),
    "union": (Q("t").union_all(Q("u")), "UNION"),
    "with_totals": (Q("t").group_by("a").with_totals(), "WITH TOTALS"),
    "global_in": (Q("t").filter(column("a").global_in([1])), "GLOBAL IN"),
    "asof_join": (Q("t").asof_join("u", column("t.a") >= column("u.a")), "ASOF JOIN"),
    "right_join": (Q("t").right_join("u", "t.a", "u.a"), "RIGHT JOIN"),
    "full_join": (Q("t").full_join("u", "t.a", "u.a"), "FULL JOIN"),
    "mutations": (Q("t").where("a", 1).update({"b": 1}, dry=True), "ALTER TABLE ... UPDATE"),
}


@pytest.mark.parametrize("capability", sorted(CONSTRUCTS))
def test_a_missing_capability_is_refused_by_name(capability: str) -> None:
    builder, name = CONSTRUCTS[capability]
    assert grammar("server").compile(builder.state)  # fine with every capability
    g = grammar("server", capabilities=CAPS - {capability})
    with pytest.raises(QueryError) as info:
        g.compile(builder.state)
    assert name in str(info.value) and "clickhouse" in str(info.value)


def test_delete_falls_back_to_a_mutation_without_lightweight_delete() -> None:
    state = Q("t").where("a", 1).delete(dry=True).state
    assert grammar("inline").compile(state).sql == "DELETE FROM `t` WHERE `a` = 1"
    g = grammar("inline", capabilities=CAPS - {"lightweight_delete"})
    assert g.compile(state).sql == "ALTER TABLE `t` DELETE WHERE `a` = 1 SETTINGS mutations_sync = 2"
    forced = Q("t").option("delete_mode", "lightweight").where("a", 1).delete(dry=True).state
    with pytest.raises(QueryError, match="Lightweight DELETE"):
        g.compile(forced)


def test_write_modes() -> None:
    g = grammar("inline")
    lw = Q("t").option("update_mode", "lightweight").update({"a": 1}, dry=True).state
    assert g.compile(lw).sql == "UPDATE `t` SET `a` = 1 WHERE 1"
    mutation = Q("t").option("update_mode", "mutation").update({"a": 1}, dry=True).state
    assert g.compile(mutation).sql == "ALTER TABLE `t` UPDATE `a` = 1 WHERE 1 SETTINGS mutations_sync = 2"
    with pytest.raises(QueryError, match="Lightweight UPDATE"):
        grammar("inline", capabilities=CAPS - {"lightweight_update"}).compile(lw)
    for option in ("update_mode", "delete_mode"):
        bad = Q("t").option(option, "fast")
        with pytest.raises(QueryError, match=f"{option}='fast'"):
            g.compile(bad.update({"a": 1}, dry=True).state if option == "update_mode"
                      else bad.delete(dry=True).state)


@pytest.mark.parametrize("builder", [
    Q("t").final(), Q("t").prewhere("a", 1), Q("t").sample(0.5), Q("t").array_join("x"),
    Q("t").limit_by(1, "a"), Q("t").order_by("a"), Q("t").limit(1), Q("t").offset(1),
    Q("t").join("u", "t.a", "u.a"), Q("t").group_by("a"), Q("t").distinct(),
    Q("t").union_all(Q("u")), Q("t").with_cte("c", Q("u")),
], ids=lambda b: repr(b.state)[:60])
def test_writes_refuse_select_only_clauses(builder: QueryBuilder) -> None:
    g = grammar("inline")
    for state in (builder.update({"a": 1}, dry=True).state, builder.delete(dry=True).state):
        with pytest.raises(QueryError, match="cannot use"):
            g.compile(state)


def test_insert_shape_is_checked() -> None:
    g = grammar("inline")
    with pytest.raises(QueryError, match="at least one"):
        g.compile(Q("t").state.set_many(action="insert", payload=((), ())))
    ragged = Q("t").state.set_many(action="insert", payload=(("a", "b"), ((1, 2), (3,))))
    with pytest.raises(QueryError, match="1 value"):
        g.compile(ragged)


# -- injection guards -------------------------------------------------------------------------
def test_join_kind_and_strictness_are_checked() -> None:
    g = grammar("inline")
    on = column("t.a") == column("u.a")
    bad_kind = Q("t").state.set_many(joins=(Join.of("INNER JOIN x; DROP TABLE t; --",
                                                    Table("u"), on),))
    with pytest.raises(QueryError, match="Unknown JOIN kind"):
        g.compile(bad_kind)
    with pytest.raises(QueryError, match="Unknown JOIN strictness"):
        g.compile(Q("t").join("u", on, strictness="ANY JOIN x --").state)
    with pytest.raises(QueryError, match="kind='LEFT' or kind='RIGHT'"):
        g.compile(Q("t").join("u", on, strictness="semi").state)
    with pytest.raises(QueryError, match="ASOF JOIN is INNER or LEFT"):
        g.compile(Q("t").asof_join("u", on, kind="RIGHT").state)
    with pytest.raises(QueryError, match="CROSS JOIN takes no ON"):
        g.compile(Q("t").state.set_many(joins=(Join.of("CROSS", Table("u"), on),)))
    with pytest.raises(QueryError, match="needs an ON condition"):
        g.compile(Q("t").state.set_many(joins=(Join.of("LEFT", Table("u")),)))
    assert g.compile(Q("t").join("u", on, kind="left", strictness="all").state).sql == (
        "SELECT * FROM `t` ALL LEFT JOIN `u` ON `t`.`a` = `u`.`a` SETTINGS join_use_nulls = 1")


def test_group_modifier_setting_names_and_limits_are_checked() -> None:
    g = grammar("inline")
    with pytest.raises(QueryError, match="GROUP BY modifier"):
        g.compile(Q("t").group_by("a").state.set_many(group_modifier="WITH TOTALS; DROP"))
    assert g.compile(Q("t").group_by("a").state.set_many(
        group_modifier="WITH ROLLUP WITH TOTALS")).sql == (
        "SELECT * FROM `t` GROUP BY `a` WITH ROLLUP WITH TOTALS")
    with pytest.raises(QueryError, match="Invalid setting name"):
        g.compile(Q("t").settings(**{"max_threads = 1; DROP TABLE t; --": 1}).state)
    for value in (None, [1], {"a": 1}, dt.date(2024, 1, 1)):
        with pytest.raises(QueryError, match="setting value"):
            g.compile(Q("t").settings(log_comment=value).state)
    for field in ("limit", "offset"):
        with pytest.raises(QueryError, match="non-negative int"):
            g.compile(Q("t").state.set_many(**{field: "1; DROP TABLE t"}))
    with pytest.raises(QueryError, match="non-negative int"):
        g.compile(Q("t").state.set_many(limit_by=("1 BY a; --", (column("a"),), None)))


def test_percent_is_doubled_only_for_the_driver() -> None:
    state = Q("t").select((column("a") % 3).label("m%")).where_raw("b % 2 = ?", 1).state
    assert grammar("pyformat").compile(state).sql == (
        "SELECT (`a` %% %(p0)s) AS `m%%` FROM `t` WHERE b %% 2 = %(p1)s")
    assert grammar("server").compile(state).sql == (
        "SELECT (`a` % {p0:Int64}) AS `m%` FROM `t` WHERE b % 2 = {p1:Int64}")
    assert grammar("inline").compile(state).sql == (
        "SELECT (`a` % 3) AS `m%` FROM `t` WHERE b % 2 = 1")


def test_parametric_function_parameters() -> None:
    """Numbers are written as constants (ClickHouse wants literals there); anything else
    is bound like a value."""
    q = Q("t").select(func.quantile(1e-05)(column("x")), func.histogram(5)(column("x")),
                      func.sequenceCount("(?1)")(column("ts"), column("a") == 1))
    assert grammar("server").compile(q.state) == (
        "SELECT quantile(0.00001)(`x`), histogram(5)(`x`), "
        "sequenceCount({p0:String})(`ts`, `a` = {p1:Int64}) FROM `t`",
        {"p0": "(?1)", "p1": 1},
    )


def test_every_version_gate_explains_itself_on_the_oldest_server() -> None:
    """One table gates types, syntax and DDL; each refusal names what and since when."""
    for feature in versions.FEATURES.values():
        if feature.since <= (18, 16):
            versions.require((18, 16, 1), feature.name)
            continue
        with pytest.raises(QueryError) as info:
            versions.require((18, 16, 1), feature.name)
        message = str(info.value)
        assert feature.description in message and "18.16.1" in message
        assert versions.format_version(feature.since) in message
