"""ClickHouse grammar: golden SQL for every construct, and every statement run on chDB.

Each case is compiled in the three forms the dialect emits: ``pyformat`` (what
clickhouse-driver receives and substitutes client-side), ``server`` (typed ``{p0:Type}``
parameters, what chDB and new servers bind) and ``inline`` (``to_sql()``). The SQL and
params are compared with their golden text, then every form is executed on a real
ClickHouse engine (chDB, in-process): the pyformat form after the driver's own
substitution (``clickhouse_driver.util.escape.escape_params``), the server form with the
values encoded as the embedded connection encodes them (``codecs.encode_params``). The
three results must agree, and the cases listed in ``RESULTS`` must return the rows their
meaning promises (FINAL merges, LIMIT BY keeps n per group, ORDER BY after UNION orders
the whole union, ...).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import ipaddress
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import chdb
import pytest
from clickhouse_driver.util.escape import escape_params

from clickorm import QueryBuilder
from clickorm.query.expressions import column, func
from clickorm_clickhouse import CAPABILITIES, embedded_registry
from clickorm_clickhouse.codecs import encode_params
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_clickhouse.literals import InlineLiteral

Q = QueryBuilder
D = dt.date(2024, 1, 2)
T = dt.datetime(2024, 1, 2, 12, 0, 0)
T_US = dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
STYLES = ("pyformat", "server", "inline")
CAPS = CAPABILITIES | {"server_parameters"}


def grammar(style: str, **kw: Any) -> ClickHouseGrammar:
    return ClickHouseGrammar(paramstyle=style, capabilities=kw.pop("capabilities", CAPS), **kw)


class Golden(NamedTuple):
    pyformat_sql: str
    pyformat_params: dict[str, Any]
    server_sql: str
    server_params: dict[str, Any]
    inline_sql: str


SELECTS: dict[str, Callable[[], QueryBuilder]] = {
    # -- SELECT shapes -------------------------------------------------------------------
    "where_order_limit": lambda: Q("events").select("id", "page").where("latency", ">", 1.5)
    .where("page", "!=", "/x").order_by("id", "desc").limit(3).offset(1),
    "offset_only": lambda: Q("events").select("id").order_by("id").offset(5),
    "distinct": lambda: Q("events").select("page").distinct().order_by("page"),
    "in_lists": lambda: Q("events").select("id").where_in("id", [1, 2, 3])
    .where_not_in("page", ["/a", "/b"]),
    "in_empty": lambda: Q("events").select("id").where_in("id", []).or_where_not_in("id", []),
    "in_subquery": lambda: Q("events").select("id").where_in(
        "user_id", Q("users").select("id").where("city", "Oslo")),
    "global_in": lambda: Q("events").select("id").filter(column("id").global_in([1, 2]))
    .where("user_id", "global not in", Q("users").select("id").where("city", "Rome")),
    "between": lambda: Q("events").select("id").where_between("latency", 1, 3)
    .where_not_between("id", 5, 6),
    "like_ilike": lambda: Q("users").select("id").filter(
        column("name").like("A%") | column("name").ilike("b%")
        | column("city").op("NOT ILIKE", "%o%")),
    "nulls": lambda: Q("users").select("id").where_null("age").or_where("age", ">", 40),
    "exists": lambda: Q("users").select("id").where_exists(Q("events").where("user_id", ">", 0)),
    "typed_values": lambda: Q("events").select("id").where("flag", True).where("day", ">=", D)
    .where("ts", "<", T).where("price", ">", decimal.Decimal("1.50"))
    .where("ip", "!=", ipaddress.IPv4Address("10.0.0.1")),
    "datetime64_value": lambda: Q("events").select("id").where("ts", "<", T_US),
    # Q().table(...), not Q(...): QueryBuilder(subquery) hits a core cache bug (see report)
    "subquery_from": lambda: Q().table(Q("events").select("id", "page").where("id", "<", 4))
    .select("page").order_by("page"),
    # -- functions -------------------------------------------------------------------------
    "functions": lambda: Q("events").select(
        func.toStartOfDay(column("ts")).label("day_start"),
        func.uniq(column("user_id")).label("users"),
        func.quantile(0.95)(column("latency")).label("p95"),
        func.count().label("n"),
        func.count(column("page"), distinct=True).label("pages"),
    ).group_by(func.toStartOfDay(column("ts"))).order_by("day_start"),
    "parametric_functions": lambda: Q("events").select(
        func.quantiles(0.5, 0.9)(column("latency")).label("qs"),
        func.topK(2)(column("page")).label("top"),
        func.sequenceMatch("(?1)(?2)")(column("ts"), column("id") == 1, column("id") == 2)
        .label("seq"),
    ),
    "arithmetic_modulo": lambda: Q("events").select(
        (column("id") % 2).label("odd"), (column("latency") * 2 + 1).label("x"))
    .where_raw("id % 2 = ?", 1).order_by("id"),
    # -- ClickHouse read modifiers ---------------------------------------------------------
    "final": lambda: Q("versions").select("id", "v").final().order_by("id"),
    "sample": lambda: Q("events").select("id").sample(0.5),
    "sample_offset": lambda: Q("events").select("id").sample(0.5, 0.5),
    "prewhere": lambda: Q("events").select("id").prewhere("page", "/home").where("latency", ">", 1),
    "array_join": lambda: Q("events").select("id", "tag").array_join("tags as tag")
    .where("tag", "!=", "b").order_by("id").order_by("tag"),
    "left_array_join": lambda: Q("events").select("id", "tag").left_array_join("tags as tag")
    .order_by("id").order_by("tag"),
    "limit_by": lambda: Q("events").select("page", "id").order_by("page").order_by("id")
    .limit_by(1, "page"),
    "limit_by_offset": lambda: Q("events").select("page", "id").order_by("page").order_by("id")
    .limit_by(1, "page", offset=1).limit(10),
    "settings": lambda: Q("events").select("id").where("id", 1)
    .settings(max_threads=1, log_comment="it's 100%"),
    "group_totals": lambda: Q("events").select("page", func.count().label("n")).group_by("page")
    .with_totals().having("n", ">", 0).order_by("page"),
    "group_rollup": lambda: Q("events").select("page", func.count().label("n")).group_by("page")
    .with_rollup().order_by("page"),
    "group_cube": lambda: Q("events").select("page", func.count().label("n")).group_by("page")
    .with_cube().order_by("page"),
    "order_nulls": lambda: Q("users").select("id", "age")
    .order_by(column("age").desc().nulls_first(), column("id")),
    # -- joins -------------------------------------------------------------------------------
    "join_on": lambda: Q("events").select("events.id", "users.name")
    .join("users", "events.user_id", "=", "users.id").where("users.city", "Oslo")
    .order_by("events.id"),
    "left_join_callback": lambda: Q("users").select("users.id", "e.page").left_join(
        "events as e", lambda j: j.on("users.id", "=", "e.user_id").where("e.latency", ">", 2))
    .order_by("users.id"),
    "any_left_join_using": lambda: Q("trades").select("sym", "qty", "price")
    .left_join("quotes", using=["sym"], strictness="any").order_by("qty"),
    "global_join": lambda: Q("events").select("events.id")
    .global_join("users", "events.user_id", "=", "users.id").order_by("events.id"),
    "asof_join": lambda: Q("trades").select("trades.sym", "trades.qty", "quotes.price").asof_join(
        "quotes", (column("trades.sym") == column("quotes.sym"))
        & (column("trades.ts") >= column("quotes.ts"))).order_by("trades.qty"),
    "asof_left_join": lambda: Q("trades").select("trades.qty", "quotes.price").asof_join(
        "quotes", (column("trades.sym") == column("quotes.sym"))
        & (column("trades.ts") >= column("quotes.ts")), kind="LEFT").order_by("trades.qty"),
    "semi_join": lambda: Q("users").select("users.id")
    .join("events", "users.id", "=", "events.user_id", kind="LEFT", strictness="SEMI")
    .order_by("users.id"),
    "anti_join": lambda: Q("users").select("users.id")
    .join("events", "users.id", "=", "events.user_id", kind="LEFT", strictness="ANTI")
    .order_by("users.id"),
    "right_full_join": lambda: Q("users").select("users.id", "events.id")
    .right_join("events", "users.id", "=", "events.user_id")
    .full_join("quotes", "quotes.sym", "=", "users.name"),
    "cross_join": lambda: Q("users").select("users.id", "quotes.sym").cross_join("quotes")
    .where("users.id", 1),
    # -- WITH and UNION ----------------------------------------------------------------------
    "cte": lambda: Q("slow").with_cte("slow", Q("events").where("latency", ">", 2))
    .select("id").order_by("id"),
    "union_all": lambda: Q("events").select("id").where("id", 1)
    .union_all(Q("events").select("id").where("id", 2)),
    "union_ordered": lambda: Q("events").select("id").where("id", "<", 3)
    .union_all(Q("users").select("id")).order_by("id", "desc").limit(2),
    "union_distinct": lambda: Q("events").select("user_id").union(Q("users").select("id"))
    .order_by("user_id").settings(max_threads=1),
    "union_cte": lambda: Q("slow").with_cte("slow", Q("events").where("latency", ">", 2))
    .select("id").union_all(Q("slow").select("id")).order_by("id"),
}

WRITES: dict[str, Callable[[], QueryBuilder]] = {
    "insert_one": lambda: Q("w").insert_sql({"id": 10, "name": "x'y", "score": 1.5,
                                             "tags": ["a", "b"]}),
    "insert_many": lambda: Q("w").insert_sql([
        {"id": 11, "name": "n1", "score": 0.5, "tags": []},
        {"id": 12, "name": "n%2", "score": -1.0, "tags": ["q"]}]),
    "insert_settings": lambda: Q("w").settings(max_insert_block_size=1000).insert_sql(
        {"id": 13, "name": "s", "score": 2.0, "tags": []}),
    "update_mutation": lambda: Q("w").where("id", 1).update(
        {"name": "z", "score": column("score") + 1}, dry=True),
    "update_all_rows": lambda: Q("w").update({"score": 0}, dry=True),
    "update_mutation_sync": lambda: Q("w").where("name", "like", "b%")
    .settings(mutations_sync=2).update({"tags": ["t1", "t2"]}, dry=True),
    "update_lightweight": lambda: Q("w").option("update_mode", "lightweight")
    .where("id", 2).update({"name": "lw"}, dry=True),
    "increment": lambda: Q("w").where("id", 1).increment("score", 2, dry=True),
    "delete_lightweight": lambda: Q("w").where("id", 3).delete(dry=True),
    "delete_all_rows": lambda: Q("w").delete(dry=True),
    "delete_mutation": lambda: Q("w").option("delete_mode", "mutation").where("id", 3)
    .settings(mutations_sync=2).delete(dry=True),
}

PARSE_ONLY: dict[str, Callable[[], QueryBuilder]] = {
    "update_on_cluster": lambda: Q("w").option("cluster", "prod").where("id", 1)
    .update({"name": "c"}, dry=True),
    "delete_on_cluster": lambda: Q("w").option("cluster", "prod").where("id", 1).delete(dry=True),
    "lightweight_update_on_cluster": lambda: Q("w").option("cluster", "prod")
    .option("update_mode", "lightweight").where("id", 1).update({"name": "c"}, dry=True),
}


GOLDEN_SELECT: dict[str, Golden] = {
    'where_order_limit': Golden(
        'SELECT `id`, `page` FROM `events` WHERE `latency` > %(p0)s AND `page` != %(p1)s ORDER BY `id` DESC LIMIT 3 OFFSET 1',
        {'p0': 1.5, 'p1': '/x'},
        'SELECT `id`, `page` FROM `events` WHERE `latency` > {p0:Float64} AND `page` != {p1:String} ORDER BY `id` DESC LIMIT 3 OFFSET 1',
        {'p0': 1.5, 'p1': '/x'},
        "SELECT `id`, `page` FROM `events` WHERE `latency` > 1.5 AND `page` != '/x' ORDER BY `id` DESC LIMIT 3 OFFSET 1",
    ),
    'offset_only': Golden(
        'SELECT `id` FROM `events` ORDER BY `id` ASC OFFSET 5',
        {},
        'SELECT `id` FROM `events` ORDER BY `id` ASC OFFSET 5',
        {},
        'SELECT `id` FROM `events` ORDER BY `id` ASC OFFSET 5',
    ),
    'distinct': Golden(
        'SELECT DISTINCT `page` FROM `events` ORDER BY `page` ASC',
        {},
        'SELECT DISTINCT `page` FROM `events` ORDER BY `page` ASC',
        {},
        'SELECT DISTINCT `page` FROM `events` ORDER BY `page` ASC',
    ),
    'in_lists': Golden(
        'SELECT `id` FROM `events` WHERE `id` IN (%(p0)s, %(p1)s, %(p2)s) AND `page` NOT IN (%(p3)s, %(p4)s)',
        {'p0': 1, 'p1': 2, 'p2': 3, 'p3': '/a', 'p4': '/b'},
        'SELECT `id` FROM `events` WHERE `id` IN ({p0:Int64}, {p1:Int64}, {p2:Int64}) AND `page` NOT IN ({p3:String}, {p4:String})',
        {'p0': 1, 'p1': 2, 'p2': 3, 'p3': '/a', 'p4': '/b'},
        "SELECT `id` FROM `events` WHERE `id` IN (1, 2, 3) AND `page` NOT IN ('/a', '/b')",
    ),
    'in_empty': Golden(
        'SELECT `id` FROM `events` WHERE 1 = 0 OR 1 = 1',
        {},
        'SELECT `id` FROM `events` WHERE 1 = 0 OR 1 = 1',
        {},
        'SELECT `id` FROM `events` WHERE 1 = 0 OR 1 = 1',
    ),
    'in_subquery': Golden(
        'SELECT `id` FROM `events` WHERE `user_id` IN (SELECT `id` FROM `users` WHERE `city` = %(p0)s)',
        {'p0': 'Oslo'},
        'SELECT `id` FROM `events` WHERE `user_id` IN (SELECT `id` FROM `users` WHERE `city` = {p0:String})',
        {'p0': 'Oslo'},
        "SELECT `id` FROM `events` WHERE `user_id` IN (SELECT `id` FROM `users` WHERE `city` = 'Oslo')",
    ),
    'global_in': Golden(
        'SELECT `id` FROM `events` WHERE `id` GLOBAL IN (%(p0)s, %(p1)s) AND `user_id` GLOBAL NOT IN (SELECT `id` FROM `users` WHERE `city` = %(p2)s)',
        {'p0': 1, 'p1': 2, 'p2': 'Rome'},
        'SELECT `id` FROM `events` WHERE `id` GLOBAL IN ({p0:Int64}, {p1:Int64}) AND `user_id` GLOBAL NOT IN (SELECT `id` FROM `users` WHERE `city` = {p2:String})',
        {'p0': 1, 'p1': 2, 'p2': 'Rome'},
        "SELECT `id` FROM `events` WHERE `id` GLOBAL IN (1, 2) AND `user_id` GLOBAL NOT IN (SELECT `id` FROM `users` WHERE `city` = 'Rome')",
    ),
    'between': Golden(
        'SELECT `id` FROM `events` WHERE `latency` BETWEEN %(p0)s AND %(p1)s AND NOT (`id` BETWEEN %(p2)s AND %(p3)s)',
        {'p0': 1, 'p1': 3, 'p2': 5, 'p3': 6},
        'SELECT `id` FROM `events` WHERE `latency` BETWEEN {p0:Int64} AND {p1:Int64} AND NOT (`id` BETWEEN {p2:Int64} AND {p3:Int64})',
        {'p0': 1, 'p1': 3, 'p2': 5, 'p3': 6},
        'SELECT `id` FROM `events` WHERE `latency` BETWEEN 1 AND 3 AND NOT (`id` BETWEEN 5 AND 6)',
    ),
    'like_ilike': Golden(
        'SELECT `id` FROM `users` WHERE (`name` LIKE %(p0)s OR `name` ILIKE %(p1)s OR `city` NOT ILIKE %(p2)s)',
        {'p0': 'A%', 'p1': 'b%', 'p2': '%o%'},
        'SELECT `id` FROM `users` WHERE (`name` LIKE {p0:String} OR `name` ILIKE {p1:String} OR `city` NOT ILIKE {p2:String})',
        {'p0': 'A%', 'p1': 'b%', 'p2': '%o%'},
        "SELECT `id` FROM `users` WHERE (`name` LIKE 'A%' OR `name` ILIKE 'b%' OR `city` NOT ILIKE '%o%')",
    ),
    'nulls': Golden(
        'SELECT `id` FROM `users` WHERE `age` IS NULL OR `age` > %(p0)s',
        {'p0': 40},
        'SELECT `id` FROM `users` WHERE `age` IS NULL OR `age` > {p0:Int64}',
        {'p0': 40},
        'SELECT `id` FROM `users` WHERE `age` IS NULL OR `age` > 40',
    ),
    'exists': Golden(
        'SELECT `id` FROM `users` WHERE EXISTS (SELECT * FROM `events` WHERE `user_id` > %(p0)s)',
        {'p0': 0},
        'SELECT `id` FROM `users` WHERE EXISTS (SELECT * FROM `events` WHERE `user_id` > {p0:Int64})',
        {'p0': 0},
        'SELECT `id` FROM `users` WHERE EXISTS (SELECT * FROM `events` WHERE `user_id` > 0)',
    ),
    'typed_values': Golden(
        'SELECT `id` FROM `events` WHERE `flag` = %(p0)s AND `day` >= %(p1)s AND `ts` < %(p2)s AND `price` > %(p3)s AND `ip` != %(p4)s',
        {'p0': InlineLiteral('true'), 'p1': InlineLiteral("toDate('2024-01-02')"), 'p2': InlineLiteral("toDateTime('2024-01-02 12:00:00')"), 'p3': InlineLiteral("CAST('1.50' AS Decimal(3, 2))"), 'p4': InlineLiteral("toIPv4('10.0.0.1')")},
        'SELECT `id` FROM `events` WHERE `flag` = {p0:Bool} AND `day` >= {p1:Date} AND `ts` < {p2:DateTime} AND `price` > {p3:Decimal(3, 2)} AND `ip` != {p4:IPv4}',
        {'p0': True, 'p1': D, 'p2': T, 'p3': decimal.Decimal('1.50'), 'p4': ipaddress.IPv4Address('10.0.0.1')},
        "SELECT `id` FROM `events` WHERE `flag` = true AND `day` >= toDate('2024-01-02') AND `ts` < toDateTime('2024-01-02 12:00:00') AND `price` > CAST('1.50' AS Decimal(3, 2)) AND `ip` != toIPv4('10.0.0.1')",
    ),
    'datetime64_value': Golden(
        'SELECT `id` FROM `events` WHERE `ts` < %(p0)s',
        {'p0': InlineLiteral("toDateTime64('2024-01-02 03:04:05.123456', 6, 'UTC')")},
        "SELECT `id` FROM `events` WHERE `ts` < {p0:DateTime64(6, 'UTC')}",
        {'p0': T_US},
        "SELECT `id` FROM `events` WHERE `ts` < toDateTime64('2024-01-02 03:04:05.123456', 6, 'UTC')",
    ),
    'subquery_from': Golden(
        'SELECT `page` FROM (SELECT `id`, `page` FROM `events` WHERE `id` < %(p0)s) ORDER BY `page` ASC',
        {'p0': 4},
        'SELECT `page` FROM (SELECT `id`, `page` FROM `events` WHERE `id` < {p0:Int64}) ORDER BY `page` ASC',
        {'p0': 4},
        'SELECT `page` FROM (SELECT `id`, `page` FROM `events` WHERE `id` < 4) ORDER BY `page` ASC',
    ),
    'functions': Golden(
        'SELECT toStartOfDay(`ts`) AS `day_start`, uniq(`user_id`) AS `users`, quantile(0.95)(`latency`) AS `p95`, count(*) AS `n`, count(DISTINCT `page`) AS `pages` FROM `events` GROUP BY toStartOfDay(`ts`) ORDER BY `day_start` ASC',
        {},
        'SELECT toStartOfDay(`ts`) AS `day_start`, uniq(`user_id`) AS `users`, quantile(0.95)(`latency`) AS `p95`, count(*) AS `n`, count(DISTINCT `page`) AS `pages` FROM `events` GROUP BY toStartOfDay(`ts`) ORDER BY `day_start` ASC',
        {},
        'SELECT toStartOfDay(`ts`) AS `day_start`, uniq(`user_id`) AS `users`, quantile(0.95)(`latency`) AS `p95`, count(*) AS `n`, count(DISTINCT `page`) AS `pages` FROM `events` GROUP BY toStartOfDay(`ts`) ORDER BY `day_start` ASC',
    ),
    'parametric_functions': Golden(
        'SELECT quantiles(0.5, 0.9)(`latency`) AS `qs`, topK(2)(`page`) AS `top`, sequenceMatch(%(p0)s)(`ts`, `id` = %(p1)s, `id` = %(p2)s) AS `seq` FROM `events`',
        {'p0': '(?1)(?2)', 'p1': 1, 'p2': 2},
        'SELECT quantiles(0.5, 0.9)(`latency`) AS `qs`, topK(2)(`page`) AS `top`, sequenceMatch({p0:String})(`ts`, `id` = {p1:Int64}, `id` = {p2:Int64}) AS `seq` FROM `events`',
        {'p0': '(?1)(?2)', 'p1': 1, 'p2': 2},
        "SELECT quantiles(0.5, 0.9)(`latency`) AS `qs`, topK(2)(`page`) AS `top`, sequenceMatch('(?1)(?2)')(`ts`, `id` = 1, `id` = 2) AS `seq` FROM `events`",
    ),
    'arithmetic_modulo': Golden(
        'SELECT (`id` %% %(p0)s) AS `odd`, ((`latency` * %(p1)s) + %(p2)s) AS `x` FROM `events` WHERE id %% 2 = %(p3)s ORDER BY `id` ASC',
        {'p0': 2, 'p1': 2, 'p2': 1, 'p3': 1},
        'SELECT (`id` % {p0:Int64}) AS `odd`, ((`latency` * {p1:Int64}) + {p2:Int64}) AS `x` FROM `events` WHERE id % 2 = {p3:Int64} ORDER BY `id` ASC',
        {'p0': 2, 'p1': 2, 'p2': 1, 'p3': 1},
        'SELECT (`id` % 2) AS `odd`, ((`latency` * 2) + 1) AS `x` FROM `events` WHERE id % 2 = 1 ORDER BY `id` ASC',
    ),
    'final': Golden(
        'SELECT `id`, `v` FROM `versions` FINAL ORDER BY `id` ASC',
        {},
        'SELECT `id`, `v` FROM `versions` FINAL ORDER BY `id` ASC',
        {},
        'SELECT `id`, `v` FROM `versions` FINAL ORDER BY `id` ASC',
    ),
    'sample': Golden(
        'SELECT `id` FROM `events` SAMPLE 0.5',
        {},
        'SELECT `id` FROM `events` SAMPLE 0.5',
        {},
        'SELECT `id` FROM `events` SAMPLE 0.5',
    ),
    'sample_offset': Golden(
        'SELECT `id` FROM `events` SAMPLE 0.5 OFFSET 0.5',
        {},
        'SELECT `id` FROM `events` SAMPLE 0.5 OFFSET 0.5',
        {},
        'SELECT `id` FROM `events` SAMPLE 0.5 OFFSET 0.5',
    ),
    'prewhere': Golden(
        'SELECT `id` FROM `events` PREWHERE `page` = %(p0)s WHERE `latency` > %(p1)s',
        {'p0': '/home', 'p1': 1},
        'SELECT `id` FROM `events` PREWHERE `page` = {p0:String} WHERE `latency` > {p1:Int64}',
        {'p0': '/home', 'p1': 1},
        "SELECT `id` FROM `events` PREWHERE `page` = '/home' WHERE `latency` > 1",
    ),
    'array_join': Golden(
        'SELECT `id`, `tag` FROM `events` ARRAY JOIN `tags` AS `tag` WHERE `tag` != %(p0)s ORDER BY `id` ASC, `tag` ASC',
        {'p0': 'b'},
        'SELECT `id`, `tag` FROM `events` ARRAY JOIN `tags` AS `tag` WHERE `tag` != {p0:String} ORDER BY `id` ASC, `tag` ASC',
        {'p0': 'b'},
        "SELECT `id`, `tag` FROM `events` ARRAY JOIN `tags` AS `tag` WHERE `tag` != 'b' ORDER BY `id` ASC, `tag` ASC",
    ),
    'left_array_join': Golden(
        'SELECT `id`, `tag` FROM `events` LEFT ARRAY JOIN `tags` AS `tag` ORDER BY `id` ASC, `tag` ASC',
        {},
        'SELECT `id`, `tag` FROM `events` LEFT ARRAY JOIN `tags` AS `tag` ORDER BY `id` ASC, `tag` ASC',
        {},
        'SELECT `id`, `tag` FROM `events` LEFT ARRAY JOIN `tags` AS `tag` ORDER BY `id` ASC, `tag` ASC',
    ),
    'limit_by': Golden(
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 BY `page`',
        {},
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 BY `page`',
        {},
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 BY `page`',
    ),
    'limit_by_offset': Golden(
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 OFFSET 1 BY `page` LIMIT 10',
        {},
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 OFFSET 1 BY `page` LIMIT 10',
        {},
        'SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 OFFSET 1 BY `page` LIMIT 10',
    ),
    'settings': Golden(
        "SELECT `id` FROM `events` WHERE `id` = %(p0)s SETTINGS max_threads = 1, log_comment = 'it\\'s 100%%'",
        {'p0': 1},
        "SELECT `id` FROM `events` WHERE `id` = {p0:Int64} SETTINGS max_threads = 1, log_comment = 'it\\'s 100%'",
        {'p0': 1},
        "SELECT `id` FROM `events` WHERE `id` = 1 SETTINGS max_threads = 1, log_comment = 'it\\'s 100%'",
    ),
    'group_totals': Golden(
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH TOTALS HAVING `n` > %(p0)s ORDER BY `page` ASC',
        {'p0': 0},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH TOTALS HAVING `n` > {p0:Int64} ORDER BY `page` ASC',
        {'p0': 0},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH TOTALS HAVING `n` > 0 ORDER BY `page` ASC',
    ),
    'group_rollup': Golden(
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH ROLLUP ORDER BY `page` ASC',
        {},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH ROLLUP ORDER BY `page` ASC',
        {},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH ROLLUP ORDER BY `page` ASC',
    ),
    'group_cube': Golden(
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH CUBE ORDER BY `page` ASC',
        {},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH CUBE ORDER BY `page` ASC',
        {},
        'SELECT `page`, count(*) AS `n` FROM `events` GROUP BY `page` WITH CUBE ORDER BY `page` ASC',
    ),
    'order_nulls': Golden(
        'SELECT `id`, `age` FROM `users` ORDER BY `age` DESC NULLS FIRST, `id` ASC',
        {},
        'SELECT `id`, `age` FROM `users` ORDER BY `age` DESC NULLS FIRST, `id` ASC',
        {},
        'SELECT `id`, `age` FROM `users` ORDER BY `age` DESC NULLS FIRST, `id` ASC',
    ),
    'join_on': Golden(
        'SELECT `events`.`id`, `users`.`name` FROM `events` INNER JOIN `users` ON `events`.`user_id` = `users`.`id` WHERE `users`.`city` = %(p0)s ORDER BY `events`.`id` ASC',
        {'p0': 'Oslo'},
        'SELECT `events`.`id`, `users`.`name` FROM `events` INNER JOIN `users` ON `events`.`user_id` = `users`.`id` WHERE `users`.`city` = {p0:String} ORDER BY `events`.`id` ASC',
        {'p0': 'Oslo'},
        "SELECT `events`.`id`, `users`.`name` FROM `events` INNER JOIN `users` ON `events`.`user_id` = `users`.`id` WHERE `users`.`city` = 'Oslo' ORDER BY `events`.`id` ASC",
    ),
    'left_join_callback': Golden(
        'SELECT `users`.`id`, `e`.`page` FROM `users` LEFT JOIN `events` AS `e` ON (`users`.`id` = `e`.`user_id` AND `e`.`latency` > %(p0)s) ORDER BY `users`.`id` ASC SETTINGS join_use_nulls = 1',
        {'p0': 2},
        'SELECT `users`.`id`, `e`.`page` FROM `users` LEFT JOIN `events` AS `e` ON (`users`.`id` = `e`.`user_id` AND `e`.`latency` > {p0:Int64}) ORDER BY `users`.`id` ASC SETTINGS join_use_nulls = 1',
        {'p0': 2},
        'SELECT `users`.`id`, `e`.`page` FROM `users` LEFT JOIN `events` AS `e` ON (`users`.`id` = `e`.`user_id` AND `e`.`latency` > 2) ORDER BY `users`.`id` ASC SETTINGS join_use_nulls = 1',
    ),
    'any_left_join_using': Golden(
        'SELECT `sym`, `qty`, `price` FROM `trades` ANY LEFT JOIN `quotes` USING (`sym`) ORDER BY `qty` ASC SETTINGS join_use_nulls = 1',
        {},
        'SELECT `sym`, `qty`, `price` FROM `trades` ANY LEFT JOIN `quotes` USING (`sym`) ORDER BY `qty` ASC SETTINGS join_use_nulls = 1',
        {},
        'SELECT `sym`, `qty`, `price` FROM `trades` ANY LEFT JOIN `quotes` USING (`sym`) ORDER BY `qty` ASC SETTINGS join_use_nulls = 1',
    ),
    'global_join': Golden(
        'SELECT `events`.`id` FROM `events` GLOBAL INNER JOIN `users` ON `events`.`user_id` = `users`.`id` ORDER BY `events`.`id` ASC',
        {},
        'SELECT `events`.`id` FROM `events` GLOBAL INNER JOIN `users` ON `events`.`user_id` = `users`.`id` ORDER BY `events`.`id` ASC',
        {},
        'SELECT `events`.`id` FROM `events` GLOBAL INNER JOIN `users` ON `events`.`user_id` = `users`.`id` ORDER BY `events`.`id` ASC',
    ),
    'asof_join': Golden(
        'SELECT `trades`.`sym`, `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC',
        {},
        'SELECT `trades`.`sym`, `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC',
        {},
        'SELECT `trades`.`sym`, `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC',
    ),
    'asof_left_join': Golden(
        'SELECT `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF LEFT JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC SETTINGS join_use_nulls = 1',
        {},
        'SELECT `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF LEFT JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC SETTINGS join_use_nulls = 1',
        {},
        'SELECT `trades`.`qty`, `quotes`.`price` FROM `trades` ASOF LEFT JOIN `quotes` ON (`trades`.`sym` = `quotes`.`sym` AND `trades`.`ts` >= `quotes`.`ts`) ORDER BY `trades`.`qty` ASC SETTINGS join_use_nulls = 1',
    ),
    'semi_join': Golden(
        'SELECT `users`.`id` FROM `users` LEFT SEMI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
        {},
        'SELECT `users`.`id` FROM `users` LEFT SEMI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
        {},
        'SELECT `users`.`id` FROM `users` LEFT SEMI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
    ),
    'anti_join': Golden(
        'SELECT `users`.`id` FROM `users` LEFT ANTI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
        {},
        'SELECT `users`.`id` FROM `users` LEFT ANTI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
        {},
        'SELECT `users`.`id` FROM `users` LEFT ANTI JOIN `events` ON `users`.`id` = `events`.`user_id` ORDER BY `users`.`id` ASC',
    ),
    'right_full_join': Golden(
        'SELECT `users`.`id`, `events`.`id` FROM `users` RIGHT JOIN `events` ON `users`.`id` = `events`.`user_id` FULL JOIN `quotes` ON `quotes`.`sym` = `users`.`name` SETTINGS join_use_nulls = 1',
        {},
        'SELECT `users`.`id`, `events`.`id` FROM `users` RIGHT JOIN `events` ON `users`.`id` = `events`.`user_id` FULL JOIN `quotes` ON `quotes`.`sym` = `users`.`name` SETTINGS join_use_nulls = 1',
        {},
        'SELECT `users`.`id`, `events`.`id` FROM `users` RIGHT JOIN `events` ON `users`.`id` = `events`.`user_id` FULL JOIN `quotes` ON `quotes`.`sym` = `users`.`name` SETTINGS join_use_nulls = 1',
    ),
    'cross_join': Golden(
        'SELECT `users`.`id`, `quotes`.`sym` FROM `users` CROSS JOIN `quotes` WHERE `users`.`id` = %(p0)s',
        {'p0': 1},
        'SELECT `users`.`id`, `quotes`.`sym` FROM `users` CROSS JOIN `quotes` WHERE `users`.`id` = {p0:Int64}',
        {'p0': 1},
        'SELECT `users`.`id`, `quotes`.`sym` FROM `users` CROSS JOIN `quotes` WHERE `users`.`id` = 1',
    ),
    'cte': Golden(
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > %(p0)s) SELECT `id` FROM `slow` ORDER BY `id` ASC',
        {'p0': 2},
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > {p0:Int64}) SELECT `id` FROM `slow` ORDER BY `id` ASC',
        {'p0': 2},
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > 2) SELECT `id` FROM `slow` ORDER BY `id` ASC',
    ),
    'union_all': Golden(
        'SELECT `id` FROM `events` WHERE `id` = %(p0)s UNION ALL SELECT `id` FROM `events` WHERE `id` = %(p1)s',
        {'p0': 1, 'p1': 2},
        'SELECT `id` FROM `events` WHERE `id` = {p0:Int64} UNION ALL SELECT `id` FROM `events` WHERE `id` = {p1:Int64}',
        {'p0': 1, 'p1': 2},
        'SELECT `id` FROM `events` WHERE `id` = 1 UNION ALL SELECT `id` FROM `events` WHERE `id` = 2',
    ),
    'union_ordered': Golden(
        'SELECT * FROM (SELECT `id` FROM `events` WHERE `id` < %(p0)s UNION ALL SELECT `id` FROM `users`) ORDER BY `id` DESC LIMIT 2',
        {'p0': 3},
        'SELECT * FROM (SELECT `id` FROM `events` WHERE `id` < {p0:Int64} UNION ALL SELECT `id` FROM `users`) ORDER BY `id` DESC LIMIT 2',
        {'p0': 3},
        'SELECT * FROM (SELECT `id` FROM `events` WHERE `id` < 3 UNION ALL SELECT `id` FROM `users`) ORDER BY `id` DESC LIMIT 2',
    ),
    'union_distinct': Golden(
        'SELECT * FROM (SELECT `user_id` FROM `events` UNION DISTINCT SELECT `id` FROM `users`) ORDER BY `user_id` ASC SETTINGS max_threads = 1',
        {},
        'SELECT * FROM (SELECT `user_id` FROM `events` UNION DISTINCT SELECT `id` FROM `users`) ORDER BY `user_id` ASC SETTINGS max_threads = 1',
        {},
        'SELECT * FROM (SELECT `user_id` FROM `events` UNION DISTINCT SELECT `id` FROM `users`) ORDER BY `user_id` ASC SETTINGS max_threads = 1',
    ),
    'union_cte': Golden(
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > %(p0)s) SELECT * FROM (SELECT `id` FROM `slow` UNION ALL SELECT `id` FROM `slow`) ORDER BY `id` ASC',
        {'p0': 2},
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > {p0:Int64}) SELECT * FROM (SELECT `id` FROM `slow` UNION ALL SELECT `id` FROM `slow`) ORDER BY `id` ASC',
        {'p0': 2},
        'WITH `slow` AS (SELECT * FROM `events` WHERE `latency` > 2) SELECT * FROM (SELECT `id` FROM `slow` UNION ALL SELECT `id` FROM `slow`) ORDER BY `id` ASC',
    ),
}
GOLDEN_WRITE: dict[str, Golden] = {
    'insert_one': Golden(
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES (%(p0)s, %(p1)s, %(p2)s, %(p3)s)',
        {'p0': 10, 'p1': "x'y", 'p2': 1.5, 'p3': InlineLiteral("['a', 'b']")},
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES ({p0:Int64}, {p1:String}, {p2:Float64}, {p3:Array(String)})',
        {'p0': 10, 'p1': "x'y", 'p2': 1.5, 'p3': ['a', 'b']},
        "INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES (10, 'x\\'y', 1.5, ['a', 'b'])",
    ),
    'insert_many': Golden(
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES (%(p0)s, %(p1)s, %(p2)s, %(p3)s), (%(p4)s, %(p5)s, %(p6)s, %(p7)s)',
        {'p0': 11, 'p1': 'n1', 'p2': 0.5, 'p3': InlineLiteral('[]'), 'p4': 12, 'p5': 'n%2', 'p6': -1.0, 'p7': InlineLiteral("['q']")},
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES ({p0:Int64}, {p1:String}, {p2:Float64}, {p3:Array(Nothing)}), ({p4:Int64}, {p5:String}, {p6:Float64}, {p7:Array(String)})',
        {'p0': 11, 'p1': 'n1', 'p2': 0.5, 'p3': [], 'p4': 12, 'p5': 'n%2', 'p6': -1.0, 'p7': ['q']},
        "INSERT INTO `w` (`id`, `name`, `score`, `tags`) VALUES (11, 'n1', 0.5, []), (12, 'n%2', -1.0, ['q'])",
    ),
    'insert_settings': Golden(
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) SETTINGS max_insert_block_size = 1000 VALUES (%(p0)s, %(p1)s, %(p2)s, %(p3)s)',
        {'p0': 13, 'p1': 's', 'p2': 2.0, 'p3': InlineLiteral('[]')},
        'INSERT INTO `w` (`id`, `name`, `score`, `tags`) SETTINGS max_insert_block_size = 1000 VALUES ({p0:Int64}, {p1:String}, {p2:Float64}, {p3:Array(Nothing)})',
        {'p0': 13, 'p1': 's', 'p2': 2.0, 'p3': []},
        "INSERT INTO `w` (`id`, `name`, `score`, `tags`) SETTINGS max_insert_block_size = 1000 VALUES (13, 's', 2.0, [])",
    ),
    'update_mutation': Golden(
        'ALTER TABLE `w` UPDATE `name` = %(p0)s, `score` = (`score` + %(p1)s) WHERE `id` = %(p2)s SETTINGS mutations_sync = 2',
        {'p0': 'z', 'p1': 1, 'p2': 1},
        'ALTER TABLE `w` UPDATE `name` = {p0:String}, `score` = (`score` + {p1:Int64}) WHERE `id` = {p2:Int64} SETTINGS mutations_sync = 2',
        {'p0': 'z', 'p1': 1, 'p2': 1},
        "ALTER TABLE `w` UPDATE `name` = 'z', `score` = (`score` + 1) WHERE `id` = 1 SETTINGS mutations_sync = 2",
    ),
    'update_all_rows': Golden(
        'ALTER TABLE `w` UPDATE `score` = %(p0)s WHERE 1 SETTINGS mutations_sync = 2',
        {'p0': 0},
        'ALTER TABLE `w` UPDATE `score` = {p0:Int64} WHERE 1 SETTINGS mutations_sync = 2',
        {'p0': 0},
        'ALTER TABLE `w` UPDATE `score` = 0 WHERE 1 SETTINGS mutations_sync = 2',
    ),
    'update_mutation_sync': Golden(
        'ALTER TABLE `w` UPDATE `tags` = %(p0)s WHERE `name` LIKE %(p1)s SETTINGS mutations_sync = 2',
        {'p0': InlineLiteral("['t1', 't2']"), 'p1': 'b%'},
        'ALTER TABLE `w` UPDATE `tags` = {p0:Array(String)} WHERE `name` LIKE {p1:String} SETTINGS mutations_sync = 2',
        {'p0': ['t1', 't2'], 'p1': 'b%'},
        "ALTER TABLE `w` UPDATE `tags` = ['t1', 't2'] WHERE `name` LIKE 'b%' SETTINGS mutations_sync = 2",
    ),
    'update_lightweight': Golden(
        'UPDATE `w` SET `name` = %(p0)s WHERE `id` = %(p1)s',
        {'p0': 'lw', 'p1': 2},
        'UPDATE `w` SET `name` = {p0:String} WHERE `id` = {p1:Int64}',
        {'p0': 'lw', 'p1': 2},
        "UPDATE `w` SET `name` = 'lw' WHERE `id` = 2",
    ),
    'increment': Golden(
        'ALTER TABLE `w` UPDATE `score` = (`score` + %(p0)s) WHERE `id` = %(p1)s SETTINGS mutations_sync = 2',
        {'p0': 2, 'p1': 1},
        'ALTER TABLE `w` UPDATE `score` = (`score` + {p0:Int64}) WHERE `id` = {p1:Int64} SETTINGS mutations_sync = 2',
        {'p0': 2, 'p1': 1},
        'ALTER TABLE `w` UPDATE `score` = (`score` + 2) WHERE `id` = 1 SETTINGS mutations_sync = 2',
    ),
    'delete_lightweight': Golden(
        'DELETE FROM `w` WHERE `id` = %(p0)s',
        {'p0': 3},
        'DELETE FROM `w` WHERE `id` = {p0:Int64}',
        {'p0': 3},
        'DELETE FROM `w` WHERE `id` = 3',
    ),
    'delete_all_rows': Golden(
        'DELETE FROM `w` WHERE 1',
        {},
        'DELETE FROM `w` WHERE 1',
        {},
        'DELETE FROM `w` WHERE 1',
    ),
    'delete_mutation': Golden(
        'ALTER TABLE `w` DELETE WHERE `id` = %(p0)s SETTINGS mutations_sync = 2',
        {'p0': 3},
        'ALTER TABLE `w` DELETE WHERE `id` = {p0:Int64} SETTINGS mutations_sync = 2',
        {'p0': 3},
        'ALTER TABLE `w` DELETE WHERE `id` = 3 SETTINGS mutations_sync = 2',
    ),
}
GOLDEN_PARSE: dict[str, Golden] = {
    'update_on_cluster': Golden(
        'ALTER TABLE `w` ON CLUSTER `prod` UPDATE `name` = %(p0)s WHERE `id` = %(p1)s SETTINGS mutations_sync = 2',
        {'p0': 'c', 'p1': 1},
        'ALTER TABLE `w` ON CLUSTER `prod` UPDATE `name` = {p0:String} WHERE `id` = {p1:Int64} SETTINGS mutations_sync = 2',
        {'p0': 'c', 'p1': 1},
        "ALTER TABLE `w` ON CLUSTER `prod` UPDATE `name` = 'c' WHERE `id` = 1 SETTINGS mutations_sync = 2",
    ),
    'delete_on_cluster': Golden(
        'DELETE FROM `w` ON CLUSTER `prod` WHERE `id` = %(p0)s',
        {'p0': 1},
        'DELETE FROM `w` ON CLUSTER `prod` WHERE `id` = {p0:Int64}',
        {'p0': 1},
        'DELETE FROM `w` ON CLUSTER `prod` WHERE `id` = 1',
    ),
    'lightweight_update_on_cluster': Golden(
        'UPDATE `w` ON CLUSTER `prod` SET `name` = %(p0)s WHERE `id` = %(p1)s',
        {'p0': 'c', 'p1': 1},
        'UPDATE `w` ON CLUSTER `prod` SET `name` = {p0:String} WHERE `id` = {p1:Int64}',
        {'p0': 'c', 'p1': 1},
        "UPDATE `w` ON CLUSTER `prod` SET `name` = 'c' WHERE `id` = 1",
    ),
}

#: the rows a case must return (TabSeparated fields); unordered cases are compared sorted
RESULTS: dict[str, list[tuple[str, ...]]] = {
    "where_order_limit": [("5", "/about"), ("4", "/cart"), ("3", "/cart")],
    "offset_only": [("6",)],
    "distinct": [("/about",), ("/cart",), ("/home",)],
    "in_lists": [("1",), ("2",), ("3",)],
    "in_empty": [(str(i),) for i in range(1, 7)],
    "in_subquery": [("1",), ("3",), ("4",)],
    "global_in": [("1",)],
    "between": [("2",), ("3",)],
    "like_ilike": [("1",), ("2",), ("5",)],
    "nulls": [("2",), ("3",)],
    "exists": [("1",), ("2",), ("3",), ("5",)],
    "typed_values": [("3",)],
    "datetime64_value": [("1",), ("2",)],
    "subquery_from": [("/cart",), ("/home",), ("/home",)],
    "arithmetic_modulo": [("1", "2"), ("1", "6"), ("1", "10")],
    "final": [("1", "11"), ("2", "20")],
    "prewhere": [("2",), ("6",)],
    "array_join": [("1", "a"), ("4", "c"), ("5", "a"), ("6", "x"), ("6", "y")],
    "left_array_join": [("1", "a"), ("1", "b"), ("2", "b"), ("3", ""), ("4", "c"), ("5", "a"),
                        ("6", "x"), ("6", "y")],
    "limit_by": [("/about", "5"), ("/cart", "3"), ("/home", "1")],
    "limit_by_offset": [("/cart", "4"), ("/home", "2")],
    "settings": [("1",)],
    # TabSeparated prints the totals row after an empty line
    "group_totals": [("/about", "1"), ("/cart", "2"), ("/home", "3"), ("",), ("", "6")],
    "group_rollup": [("", "6"), ("/about", "1"), ("/cart", "2"), ("/home", "3")],
    "group_cube": [("", "6"), ("/about", "1"), ("/cart", "2"), ("/home", "3")],
    "order_nulls": [("2", "\\N"), ("3", "45"), ("1", "31"), ("5", "17")],
    "join_on": [("1", "Ann"), ("3", "Ann"), ("4", "Cleo")],
    # an outer join's unmatched side is NULL (join_use_nulls), as in SQL
    "left_join_callback": [("1", "/cart"), ("2", "/about"), ("3", "/cart"), ("5", "\\N")],
    "global_join": [(str(i),) for i in range(1, 6)],
    "asof_join": [("A", "1", "100"), ("A", "2", "101")],
    "asof_left_join": [("1", "100"), ("2", "101"), ("3", "\\N")],
    "semi_join": [("1",), ("2",), ("3",)],
    "anti_join": [("5",)],
    "cross_join": [("1", "A"), ("1", "A"), ("1", "B")],
    "cte": [("3",), ("4",), ("5",), ("6",)],
    "union_all": [("1",), ("2",)],
    "union_ordered": [("5",), ("3",)],
    "union_distinct": [(str(i),) for i in range(1, 6)],
    "union_cte": [("3",), ("3",), ("4",), ("4",), ("5",), ("5",), ("6",), ("6",)],
}

W_ROWS: list[tuple[str, ...]] = [("1", "alpha", "1", "[]"), ("2", "beta", "2", "['x']"), ("3", "gamma", "3", "[]")]
#: the table ``w`` after each write (it starts as W_ROWS)
WRITTEN: dict[str, list[tuple[str, ...]]] = {
    "insert_one": [*W_ROWS, ("10", "x\\'y", "1.5", "['a','b']")],  # TSV escapes the quote
    "insert_many": [*W_ROWS, ("11", "n1", "0.5", "[]"), ("12", "n%2", "-1", "['q']")],
    "insert_settings": [*W_ROWS, ("13", "s", "2", "[]")],
    "update_mutation": [("1", "z", "2", "[]"), *W_ROWS[1:]],
    "update_all_rows": [(i, n, "0", t) for i, n, _, t in W_ROWS],
    "update_mutation_sync": [W_ROWS[0], ("2", "beta", "2", "['t1','t2']"), W_ROWS[2]],
    "update_lightweight": [W_ROWS[0], ("2", "lw", "2", "['x']"), W_ROWS[2]],
    "increment": [("1", "alpha", "3", "[]"), *W_ROWS[1:]],
    "delete_lightweight": W_ROWS[:2],
    "delete_all_rows": [],
    "delete_mutation": W_ROWS[:2],
}

SETUP = [
    "CREATE TABLE events (id UInt32, page String, user_id UInt64, latency Float64, day Date,"
    " ts DateTime('UTC'), tags Array(String), name String, price Decimal(10, 2), ip IPv4,"
    " flag Bool) ENGINE = MergeTree ORDER BY id SAMPLE BY id",
    "INSERT INTO events VALUES"
    " (1, '/home', 1, 0.5, '2024-01-01', '2024-01-01 10:00:00', ['a', 'b'], 'Ann', 1.25,"
    " '10.0.0.1', true),"
    " (2, '/home', 2, 1.5, '2024-01-01', '2024-01-01 11:00:00', ['b'], 'bob', 2.50,"
    " '10.0.0.2', false),"
    " (3, '/cart', 1, 2.5, '2024-01-02', '2024-01-02 09:00:00', [], 'Cleo', 3.75,"
    " '10.0.0.3', true),"
    " (4, '/cart', 3, 3.5, '2024-01-02', '2024-01-02 13:00:00', ['c'], 'Ann', 0.50,"
    " '10.0.0.1', true),"
    " (5, '/about', 2, 4.5, '2024-01-03', '2024-01-03 08:00:00', ['a'], 'Dan', 9.99,"
    " '10.0.0.4', false),"
    " (6, '/home', 4, 5.5, '2024-01-03', '2024-01-03 18:00:00', ['x', 'y'], 'eve', 1.50,"
    " '10.0.0.5', true)",
    "CREATE TABLE users (id UInt64, name String, city String, age Nullable(UInt8))"
    " ENGINE = MergeTree ORDER BY id",
    "INSERT INTO users VALUES (1, 'Ann', 'Oslo', 31), (2, 'Bob', 'Rome', NULL),"
    " (3, 'Cleo', 'Oslo', 45), (5, 'Zed', 'Lima', 17)",
    "CREATE TABLE versions (id UInt32, v UInt32, ver UInt32)"
    " ENGINE = ReplacingMergeTree(ver) ORDER BY id",
    "INSERT INTO versions VALUES (1, 10, 1), (2, 20, 1)",
    "INSERT INTO versions VALUES (1, 11, 2)",
    "CREATE TABLE trades (sym String, ts DateTime('UTC'), qty UInt32)"
    " ENGINE = MergeTree ORDER BY (sym, ts)",
    "INSERT INTO trades VALUES ('A', '2024-01-01 10:00:05', 1), ('A', '2024-01-01 10:00:15', 2),"
    " ('B', '2024-01-01 09:00:00', 3)",
    "CREATE TABLE quotes (sym String, ts DateTime('UTC'), price Float64)"
    " ENGINE = MergeTree ORDER BY (sym, ts)",
    "INSERT INTO quotes VALUES ('A', '2024-01-01 10:00:00', 100), ('A', '2024-01-01 10:00:10', 101),"
    " ('B', '2024-01-01 10:00:00', 50)",
]
W_SETUP = [
    "DROP TABLE IF EXISTS w",
    "CREATE TABLE w (id UInt32, name String, score Float64, tags Array(String))"
    " ENGINE = MergeTree ORDER BY id"
    " SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1",
    "INSERT INTO w VALUES (1, 'alpha', 1, []), (2, 'beta', 2, ['x']), (3, 'gamma', 3, [])",
]


# -- the engine ------------------------------------------------------------------------------
Rows = list[tuple[str, ...]]


def substitute(sql: str, params: dict[str, Any]) -> str:
    """What clickhouse-driver sends for ``execute(sql, params)``: its own escaping, then
    ``%`` formatting (always applied to grammar output, which doubles literal '%')."""
    return sql % escape_params(params, None)


class Engine:
    """A chDB connection in a database of its own; results as TabSeparated fields."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: dict[str, str] | None = None) -> Rows:
        text: bytes = self.conn.query(sql, "TabSeparated", params=params or {}).bytes()
        lines = text.split(b"\n")[:-1]  # every row ends with a newline
        return [tuple(f.decode("utf-8", "backslashreplace") for f in line.split(b"\t"))
                for line in lines]

    def execute(self, style: str, compiled: Any, *, prefix: str = "") -> Rows:
        """Run one compiled form the way its transport would."""
        sql, params = compiled
        if style == "server":
            return self.run(prefix + sql, encode_params(params))
        if style == "pyformat":
            return self.run(prefix + substitute(sql, params))
        assert params == ()
        return self.run(prefix + sql)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with open_engine(SETUP) as opened:
        yield opened


@contextlib.contextmanager
def open_engine(setup: list[str]) -> Iterator[Engine]:
    """chDB in memory (registered like an embedded connection), in a fresh database."""
    holder = f"test_grammar-{uuid.uuid4().hex[:8]}"
    registered = embedded_registry.acquire(embedded_registry.MEMORY, holder)
    conn = chdb.connect(":memory:")
    db = f"clickorm_grammar_{uuid.uuid4().hex[:8]}"
    try:
        conn.query(f"CREATE DATABASE {db}")
        conn.query(f"USE {db}")
        conn.query("SET mutations_sync = 2")  # the ALTER forms are read back right away
        for statement in setup:
            conn.query(statement)
        yield Engine(conn)
    finally:
        conn.query(f"DROP DATABASE IF EXISTS {db}")
        conn.close()
        embedded_registry.release(registered, holder)


# -- golden SQL ------------------------------------------------------------------------------
ALL_GOLDEN = {**GOLDEN_SELECT, **GOLDEN_WRITE, **GOLDEN_PARSE}
ALL_CASES = {**SELECTS, **WRITES, **PARSE_ONLY}


def compile_all(build: Callable[[], QueryBuilder]) -> dict[str, Any]:
    state = build().state
    return {style: grammar(style).compile(state) for style in STYLES}


def test_every_case_has_a_golden() -> None:
    assert set(ALL_GOLDEN) == set(ALL_CASES)
    assert set(RESULTS) <= set(SELECTS) and set(WRITTEN) == set(WRITES)


@pytest.mark.parametrize("case", sorted(ALL_CASES))
def test_golden_sql(case: str) -> None:
    got = compile_all(ALL_CASES[case])
    want = ALL_GOLDEN[case]
    assert got["pyformat"] == (want.pyformat_sql, want.pyformat_params)
    assert got["server"] == (want.server_sql, want.server_params)
    assert got["inline"] == (want.inline_sql, ())


# -- each form on the engine -----------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(SELECTS))
def test_select_runs_on_chdb(engine: Engine, case: str) -> None:
    compiled = compile_all(SELECTS[case])
    results = {style: engine.execute(style, compiled[style]) for style in STYLES}
    ordered = "ORDER BY" in compiled["inline"][0]
    if not ordered:
        results = {style: sorted(rows) for style, rows in results.items()}
    assert results["server"] == results["inline"], case
    assert results["pyformat"] == results["inline"], case
    if case in RESULTS:
        want = RESULTS[case] if ordered else sorted(RESULTS[case])
        assert results["inline"] == want


@pytest.mark.parametrize("case", sorted(WRITES))
def test_write_runs_on_chdb(engine: Engine, case: str) -> None:
    compiled = compile_all(WRITES[case])
    for style in STYLES:
        for statement in W_SETUP:
            engine.run(statement)
        engine.execute(style, compiled[style])
        rows = engine.run("SELECT id, name, score, tags FROM w ORDER BY id")
        assert rows == WRITTEN[case], f"{case} ({style}): {compiled[style][0]}"


@pytest.mark.parametrize("case", sorted(PARSE_ONLY))
def test_cluster_statements_parse_on_chdb(engine: Engine, case: str) -> None:
    """ON CLUSTER needs a cluster to run; the engine's parser must accept every form."""
    compiled = compile_all(PARSE_ONLY[case])
    for style in STYLES:
        ast = engine.execute(style, compiled[style], prefix="EXPLAIN AST ")
        assert ast and "Query" in ast[0][0]
