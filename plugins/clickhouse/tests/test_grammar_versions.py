"""ClickHouse grammar across server versions: rewrites and refusals, run on real engines.

``server_version`` picks the spelling a release parses. The Debian 18.16 server is the
oldest supported: its goldens run on a real 18.16 (clickhouse-server, through
clickhouse-driver exactly as the native connection sends them), and what 18.16 cannot
express raises a QueryError naming the feature and the release that has it. The
intermediate releases' spellings (lightweight writes with their experimental flags, OFFSET,
ILIKE, true/false) are checked on chDB, which still accepts them.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from test_grammar import Engine, grammar, open_engine

from clickorm import QueryBuilder
from clickorm.errors import QueryError
from clickorm.query.expressions import column, func
from clickorm_clickhouse import CAPABILITIES, versions
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_clickhouse.literals import InlineLiteral

Q = QueryBuilder
V1816 = (18, 16, 1)


def old_grammar(version: tuple[int, ...] = V1816, style: str = "pyformat") -> ClickHouseGrammar:
    """The grammar a connection to ``version`` builds (capabilities derived from it)."""
    return ClickHouseGrammar(paramstyle=style, server_version=version,
                             capabilities=versions.derive_capabilities(version, CAPABILITIES))


# -- 18.16: goldens, run on the real server ---------------------------------------------------
OLD_SELECTS: dict[str, tuple[QueryBuilder, str, dict[str, Any], list[tuple[Any, ...]]]] = {
    "limit_offset": (
        Q("events").select("id").where("latency", ">", 1.5).order_by("id", "desc").limit(3)
        .offset(1),
        "SELECT `id` FROM `events` WHERE `latency` > %(p0)s ORDER BY `id` DESC LIMIT 1, 3",
        {"p0": 1.5}, [(5,), (4,), (3,)]),
    "offset_only": (
        Q("events").select("id").order_by("id").offset(4),
        "SELECT `id` FROM `events` ORDER BY `id` ASC LIMIT 4, 4611686018427387904",
        {}, [(5,), (6,)]),
    "limit_by_then_limit": (
        Q("events").select("page", "id").order_by("page").order_by("id").limit_by(1, "page")
        .limit(2).offset(1),
        "SELECT `page`, `id` FROM `events` ORDER BY `page` ASC, `id` ASC LIMIT 1 BY `page`"
        " LIMIT 1, 2",
        {}, [("/cart", 3), ("/home", 1)]),
    "ilike_folds_case": (
        Q("events").select("id").filter(column("name").ilike("ann%")
                                        | column("name").op("NOT ILIKE", "%e%")).order_by("id"),
        "SELECT `id` FROM `events` WHERE (lowerUTF8(`name`) LIKE lowerUTF8(%(p0)s)"
        " OR lowerUTF8(`name`) NOT LIKE lowerUTF8(%(p1)s)) ORDER BY `id` ASC",
        {"p0": "ann%", "p1": "%e%"}, [(1,), (2,), (4,), (5,)]),
    "bool_and_not_between": (
        Q("events").select("id").where("flag", True).where_not_between("id", 2, 3)
        .order_by("id"),
        "SELECT `id` FROM `events` WHERE `flag` = %(p0)s AND NOT (`id` BETWEEN %(p1)s AND %(p2)s)"
        " ORDER BY `id` ASC",
        {"p0": InlineLiteral("1"), "p1": 2, "p2": 3}, [(1,), (4,), (6,)]),
    "dates": (
        Q("events").select("id").where("day", ">=", dt.date(2024, 1, 2))
        .where("ts", "<", dt.datetime(2024, 1, 3, 8, 30, 0)).order_by("id"),
        "SELECT `id` FROM `events` WHERE `day` >= %(p0)s AND `ts` < %(p1)s ORDER BY `id` ASC",
        {"p0": InlineLiteral("toDate('2024-01-02')"),
         "p1": InlineLiteral("toDateTime('2024-01-03 08:30:00')")},
        [(3,), (4,)]),  # no DateTime64 before 20.1: whole seconds (a fraction is refused)
    "final_sample_prewhere": (
        Q("versions").select("id", "v").final().prewhere("id", "<", 10).order_by("id"),
        "SELECT `id`, `v` FROM `versions` FINAL PREWHERE `id` < %(p0)s ORDER BY `id` ASC",
        {"p0": 10}, [(1, 11), (2, 20)]),
    "sample": (
        Q("events").select(func.count().label("n")).sample(1),
        "SELECT count(*) AS `n` FROM `events` SAMPLE 1", {}, [(6,)]),
    "array_join_totals": (
        Q("events").select("tag", func.count().label("n")).array_join("tags as tag")
        .group_by("tag").with_totals().order_by("tag"),
        "SELECT `tag`, count(*) AS `n` FROM `events` ARRAY JOIN `tags` AS `tag` GROUP BY `tag`"
        " WITH TOTALS ORDER BY `tag` ASC",
        {}, [("a", 2), ("b", 2), ("c", 1), ("x", 1), ("y", 1)]),
    "functions": (
        Q("events").select(func.uniq(column("user_id")).label("u"),
                           func.quantile(0.5)(column("latency")).label("q"),
                           func.toString(func.toStartOfDay(func.max(column("ts")))).label("d")),
        "SELECT uniq(`user_id`) AS `u`, quantile(0.5)(`latency`) AS `q`,"
        " toString(toStartOfDay(max(`ts`))) AS `d` FROM `events`",
        {}, [(4, 3.0, "2024-01-03 00:00:00")]),
    "global_in_any_join": (
        Q("events").select("id", "city").left_join("users", using=["id"], strictness="ANY")
        .filter(column("id").global_in([1, 2, 3])).order_by("id"),
        "SELECT `id`, `city` FROM `events` ANY LEFT JOIN `users` USING (`id`)"
        " WHERE `id` GLOBAL IN (%(p0)s, %(p1)s, %(p2)s) ORDER BY `id` ASC"
        " SETTINGS join_use_nulls = 1",
        {"p0": 1, "p1": 2, "p2": 3}, [(1, "Oslo"), (2, "Rome"), (3, "Oslo")]),
    "union": (
        Q("events").select("id").where("id", 1).union_all(Q("users").select("id"))
        .order_by("id", "desc").limit(2),
        "SELECT * FROM (SELECT `id` FROM `events` WHERE `id` = %(p0)s UNION ALL"
        " SELECT `id` FROM `users`) ORDER BY `id` DESC LIMIT 2",
        {"p0": 1}, [(5,), (3,)]),
}

OLD_WRITES: dict[str, tuple[QueryBuilder, str, list[tuple[Any, ...]]]] = {
    "update": (
        Q("w").where("id", 1).update({"name": "z'%", "score": column("score") + 1}, dry=True),
        "ALTER TABLE `w` UPDATE `name` = %(p0)s, `score` = (`score` + %(p1)s)"
        " WHERE ifNull((`id` = %(p2)s), 0)",
        [(1, "z'%", 2.0), (2, "beta", 2.0), (3, "gamma", 3.0)]),
    "delete_is_a_mutation": (
        Q("w").where("id", 3).delete(dry=True),
        "ALTER TABLE `w` DELETE WHERE ifNull((`id` = %(p0)s), 0)",
        [(1, "alpha", 1.0), (2, "beta", 2.0)]),
    "delete_all": (Q("w").delete(dry=True), "ALTER TABLE `w` DELETE WHERE 1", []),
    "insert": (
        Q("w").insert_sql([{"id": 4, "name": "d\\'", "score": 0.5}]),
        "INSERT INTO `w` (`id`, `name`, `score`) VALUES (%(p0)s, %(p1)s, %(p2)s)",
        [(1, "alpha", 1.0), (2, "beta", 2.0), (3, "gamma", 3.0), (4, "d\\'", 0.5)]),
}

#: what 18.16 cannot express: the refusal names the feature and the release that has it
OLD_REFUSALS: dict[str, tuple[QueryBuilder, str]] = {
    "cte": (Q("x").with_cte("x", Q("events")), r"common table expressions .* 20\.10"),
    "exists": (Q("users").where_exists(Q("events")), r"EXISTS .* 21\.11"),
    "union_distinct": (Q("events").select("id").union(Q("users").select("id")),
                       r"UNION DISTINCT .* 21\.1"),
    "limit_by_offset": (Q("events").limit_by(1, "page", offset=1), r"LIMIT n OFFSET m BY .* 19\.7"),
    "semi_join": (Q("users").join("events", "users.id", "=", "events.user_id", kind="LEFT",
                                  strictness="SEMI"), r"SEMI and ANTI JOIN .* 20\.1"),
    "asof_join": (Q("events").asof_join("users", column("events.id") >= column("users.id")),
                  r"ASOF JOIN .* 19\.6"),
    "lightweight_update": (Q("w").option("update_mode", "lightweight").update({"a": 1}, dry=True),
                           r"lightweight update.* 25\.7"),
    "lightweight_delete": (Q("w").option("delete_mode", "lightweight").delete(dry=True),
                           r"lightweight delete.* 22\.8"),
    "mutation_settings": (Q("w").settings(mutations_sync=2).delete(dry=True),
                          r"SETTINGS clause on ALTER .* 21\.1"),
    "insert_settings": (Q("w").settings(async_insert=1).insert_sql({"id": 1}),
                        r"SETTINGS clause on INSERT .* 21\.1"),
    "map_value": (Q("w").where("m", {"a": 1}), r"Map value needs ClickHouse 21\.1"),
}


@pytest.mark.parametrize("case", sorted(OLD_SELECTS))
def test_1816_select_golden(case: str) -> None:
    builder, sql, params, _ = OLD_SELECTS[case]
    assert old_grammar().compile(builder.state) == (sql, params)


@pytest.mark.parametrize("case", sorted(OLD_WRITES))
def test_1816_write_golden(case: str) -> None:
    builder, sql, _ = OLD_WRITES[case]
    assert old_grammar().compile(builder.state).sql == sql


@pytest.mark.parametrize("case", sorted(OLD_REFUSALS))
def test_1816_refusals_name_the_feature_and_release(case: str) -> None:
    builder, pattern = OLD_REFUSALS[case]
    with pytest.raises(QueryError, match=pattern) as info:
        old_grammar().compile(builder.state)
    assert "18.16.1" in str(info.value) or "not supported by the clickhouse" in str(info.value)


# -- running the 18.16 forms on the real server -------------------------------------------------
OLD_SETUP = [
    "CREATE TABLE events (id UInt32, page String, user_id UInt64, latency Float64, day Date,"
    " ts DateTime, tags Array(String), name String, flag UInt8)"
    " ENGINE = MergeTree ORDER BY id SAMPLE BY id",
    "CREATE TABLE users (id UInt32, name String, city String) ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE versions (id UInt32, v UInt32, ver UInt32)"
    " ENGINE = ReplacingMergeTree(ver) ORDER BY id",
]
EVENTS = [
    (1, "/home", 1, 0.5, dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 10), ["a", "b"], "Ann", 1),
    (2, "/home", 2, 1.5, dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 11), ["b"], "bob", 0),
    (3, "/cart", 1, 2.5, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 9), [], "Cleo", 0),
    (4, "/cart", 3, 3.5, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 13), ["c"], "Ann", 1),
    (5, "/about", 2, 4.5, dt.date(2024, 1, 3), dt.datetime(2024, 1, 3, 8, 30), ["a"], "Dan", 0),
    (6, "/home", 4, 5.5, dt.date(2024, 1, 3), dt.datetime(2024, 1, 3, 18), ["x", "y"], "eve", 1),
]


class OldServer:
    """A database on the 18.16 server; statements go through clickhouse-driver."""

    def __init__(self, server: Any, database: str) -> None:
        self.server = server
        self.database = database
        self.client = server.client(database=database, send_receive_timeout=20)

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.execute(sql, params if params is not None else {})

    def insert_text(self, sql: str, params: dict[str, Any]) -> None:
        """An INSERT with inline VALUES: the driver's own substitution, sent over HTTP
        (the native protocol waits for data blocks after an INSERT; see the report)."""
        self.client.execute("SELECT 1")  # connected: the substitution knows the server
        text = self.client.substitute_params(sql, params, self.client.connection.context)
        query = urllib.parse.urlencode({"database": self.database})
        url = f"http://{self.server.host}:{self.server.http_port}/?{query}"
        with urllib.request.urlopen(url, data=text.encode("utf-8"), timeout=20) as reply:
            assert reply.status == 200

    def wait_for_mutations(self, table: str) -> None:
        deadline = time.monotonic() + 20
        while self.execute(
            "SELECT count() FROM system.mutations WHERE database = %(db)s AND table = %(t)s"
            " AND is_done = 0", {"db": self.database, "t": table})[0][0]:
            assert time.monotonic() < deadline, "mutation did not finish"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def old_server(clickhouse_server: Any) -> Iterator[OldServer]:
    assert tuple(clickhouse_server.version[:2]) == V1816[:2], clickhouse_server.version_string
    database = f"grammar_{uuid.uuid4().hex[:8]}"
    admin = clickhouse_server.client()
    admin.execute(f"CREATE DATABASE {database}")
    server = OldServer(clickhouse_server, database)
    try:
        for statement in OLD_SETUP:
            server.execute(statement)
        server.client.execute("INSERT INTO events VALUES", EVENTS)
        server.client.execute("INSERT INTO users VALUES",
                              [(1, "Ann", "Oslo"), (2, "Bob", "Rome"), (3, "Cleo", "Oslo"),
                               (5, "Zed", "Lima")])
        server.client.execute("INSERT INTO versions VALUES", [(1, 10, 1), (2, 20, 1)])
        server.client.execute("INSERT INTO versions VALUES", [(1, 11, 2)])
        yield server
    finally:
        server.client.disconnect()
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.disconnect()


@pytest.mark.parametrize("case", sorted(OLD_SELECTS))
def test_1816_select_runs_on_the_real_server(old_server: OldServer, case: str) -> None:
    builder, _, _, rows = OLD_SELECTS[case]
    sql, params = old_grammar(old_server.server.version).compile(builder.state)
    got = old_server.execute(sql, params)
    if case == "array_join_totals":
        got = got[:-1] if len(got) > len(rows) else got  # the driver may append totals
    assert got == rows


@pytest.mark.parametrize("case", sorted(OLD_WRITES))
def test_1816_write_runs_on_the_real_server(old_server: OldServer, case: str) -> None:
    builder, _, rows = OLD_WRITES[case]
    old_server.execute("DROP TABLE IF EXISTS w")
    old_server.execute("CREATE TABLE w (id UInt32, name String, score Float64)"
                       " ENGINE = MergeTree ORDER BY id")
    old_server.client.execute("INSERT INTO w VALUES",
                              [(1, "alpha", 1.0), (2, "beta", 2.0), (3, "gamma", 3.0)])
    sql, params = old_grammar(old_server.server.version).compile(builder.state)
    if sql.startswith("INSERT"):
        old_server.insert_text(sql, params)
    else:
        old_server.execute(sql, params)
        old_server.wait_for_mutations("w")
    assert old_server.execute("SELECT id, name, score FROM w ORDER BY id") == rows


# -- releases between 18.16 and now: spellings checked on chDB ------------------------------
BETWEEN: list[tuple[tuple[int, ...], QueryBuilder, str]] = [
    ((22, 8, 1), Q("w").where("id", 3).delete(dry=True),
     "DELETE FROM `w` WHERE `id` = 3 SETTINGS allow_experimental_lightweight_delete = 1"),
    ((23, 3), Q("w").where("id", 3).delete(dry=True), "DELETE FROM `w` WHERE `id` = 3"),
    ((22, 7), Q("w").where("id", 3).delete(dry=True),
     "ALTER TABLE `w` DELETE WHERE `id` = 3 SETTINGS mutations_sync = 2"),
    ((25, 7), Q("w").option("update_mode", "lightweight").where("id", 2)
     .update({"name": "lw"}, dry=True),
     "UPDATE `w` SET `name` = 'lw' WHERE `id` = 2 SETTINGS allow_experimental_lightweight_update = 1"),
    ((21, 1), Q("w").where("id", 1).settings(mutations_sync=2).update({"score": 9}, dry=True),
     "ALTER TABLE `w` UPDATE `score` = 9 WHERE `id` = 1 SETTINGS mutations_sync = 2"),
    ((20, 5), Q("events").select("id").order_by("id").offset(5),
     "SELECT `id` FROM `events` ORDER BY `id` ASC OFFSET 5"),
    ((20, 4, 9), Q("events").select("id").order_by("id").offset(5),
     "SELECT `id` FROM `events` ORDER BY `id` ASC LIMIT 5, 4611686018427387904"),
    ((20, 6), Q("users").select("id").filter(column("name").ilike("b%")),
     "SELECT `id` FROM `users` WHERE `name` ILIKE 'b%'"),
    ((20, 5, 9), Q("users").select("id").filter(column("name").ilike("b%")),
     "SELECT `id` FROM `users` WHERE lowerUTF8(`name`) LIKE lowerUTF8('b%')"),
    ((21, 12), Q("events").select("id").where("flag", True),
     "SELECT `id` FROM `events` WHERE `flag` = true"),
    ((21, 11), Q("events").select("id").where("flag", True),
     "SELECT `id` FROM `events` WHERE `flag` = 1"),
    ((20, 10), Q("x").with_cte("x", Q("events").select("id")).select("id").order_by("id"),
     "WITH `x` AS (SELECT `id` FROM `events`) SELECT `id` FROM `x` ORDER BY `id` ASC"),
    ((21, 1), Q("events").select("user_id").union(Q("users").select("id")),
     "SELECT `user_id` FROM `events` UNION DISTINCT SELECT `id` FROM `users`"),
    ((19, 7), Q("events").select("page", "id").order_by("id").limit_by(1, "page", offset=1),
     "SELECT `page`, `id` FROM `events` ORDER BY `id` ASC LIMIT 1 OFFSET 1 BY `page`"),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    from test_grammar import SETUP, W_SETUP

    with open_engine([*SETUP, *W_SETUP]) as opened:
        yield opened


@pytest.mark.parametrize(("version", "builder", "sql"), BETWEEN,
                         ids=[f"{'.'.join(map(str, v))}:{s[:30]}" for v, _, s in BETWEEN])
def test_spellings_between_releases(engine: Engine, version: tuple[int, ...],
                                    builder: QueryBuilder, sql: str) -> None:
    g = old_grammar(version, style="inline")
    assert g.compile(builder.state).sql == sql
    engine.run(sql)  # chDB (26.x) still parses every older spelling
    assert grammar("inline").compile(builder.state).sql  # and the current one compiles


def test_unknown_version_means_current() -> None:
    state = Q("w").where("id", 3).delete(dry=True).state
    assert grammar("inline").compile(state).sql == "DELETE FROM `w` WHERE `id` = 3"
    g = ClickHouseGrammar(paramstyle="inline", server_version=None, capabilities=CAPABILITIES)
    assert g.has("lightweight_update") and g.has("exists")


@pytest.mark.parametrize(("version", "value", "refused"), [
    (V1816, dt.datetime(2024, 1, 3, 8, 30, 0, 999), True),     # toDateTime drops the fraction
    (V1816, dt.datetime(1969, 12, 31, 23, 0), True),           # ... and clamps to 1970
    (V1816, dt.date(1969, 12, 31), True),                      # toDate clamps to 1970-01-01
    (V1816, dt.datetime(2024, 1, 3, 8, 30, 0, tzinfo=dt.UTC), False),
    ((21, 4, 1), dt.datetime(1969, 12, 31, 23, 0, 0, 5), False),  # DateTime64 since 20.1
    ((21, 4, 1), dt.date(1969, 12, 31), True),                 # Date32 only since 21.9
    ((21, 9, 1), dt.date(1969, 12, 31), False),
])
def test_a_filter_value_an_old_server_would_round_is_refused(
        version: tuple[int, ...], value: Any, refused: bool) -> None:
    query = Q("events").where("ts", ">=", value)._state
    if not refused:
        old_grammar(version).compile(query)
        return
    with pytest.raises(QueryError, match="cannot compare exactly") as caught:
        old_grammar(version).compile(query)
    assert "1969" not in str(caught.value) and "2024" not in str(caught.value)
