"""The core's dialect conformance suite for ClickHouse, and every case run on a real engine.

The shared queries (``clickorm.testing.conformance.CASES``) compile to the SQL below in the
dialect's two placeholder styles (``pyformat`` for clickhouse-driver, ``server`` for chDB)
and for the oldest supported server (18.16, which lacks CTEs and EXISTS). Every compiled
case also runs: the current forms on chDB (next to the ``to_sql()`` form, which must give
the same rows), the 18.16 forms on a real 18.16 server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from test_grammar import Engine, grammar, open_engine
from test_grammar_versions import OldServer, old_grammar

from clickorm.testing.conformance import CASES, CompileConformance

CONFORMANCE_TABLES = [
    "CREATE TABLE users (id UInt64, name String, age Nullable(Int64), city String,"
    " active UInt8, deleted_at Nullable(DateTime), email Nullable(String), code String,"
    " updated_at DateTime, created_at DateTime, score Float64, a Nullable(Int64),"
    " b Nullable(Int64), c Int64, visits Int64, tags Array(String), `we\"ird\\`col` String,"
    " `na\"me` Int64) ENGINE = ReplacingMergeTree ORDER BY id SAMPLE BY id",
    "CREATE TABLE posts (id UInt64, user_id UInt64, published UInt8)"
    " ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE admins (id UInt64, user_id UInt64) ENGINE = MergeTree ORDER BY id",
]
CONFORMANCE_ROWS = [
    "INSERT INTO users (id, name, age, city, active, email, code, updated_at, created_at, score,"
    " a, b, c, visits, tags, `na\"me`) VALUES"
    " (1, 'Joe', 30, 'Oslo', 1, 'j@x', '18', '2024-01-02 00:00:00', '2024-01-01 00:00:00', 1.5,"
    " 1, NULL, 4, 0, ['a', 'b'], 1),"
    " (2, 'Ann', 17, 'Rome', 1, NULL, '7', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 9.0,"
    " NULL, 2, 5, 3, [], 0),"
    " (3, 'x\\'; DROP TABLE users; --', 70, 'Oslo', 0, 'q@x', '18', '2024-01-03 00:00:00',"
    " '2024-01-02 00:00:00', 2.0, 2, 3, 1, 1, ['c'], 1)",
    "INSERT INTO posts VALUES (1, 1, 1), (2, 1, 0), (3, 3, 1)",
    "INSERT INTO admins VALUES (7, 3)",
]
WRITES = frozenset({"insert_one", "insert_many", "update", "increment", "delete"})
#: 18.16 bugs with ``SELECT *`` over ``JOIN ... ON`` (block structure mismatch; a result
#: column the driver cannot decode): the server parses these, then fails running them
BROKEN_ON_1816 = frozenset({"join_expression", "right_join"})
#: cases whose SQL ClickHouse parses but, by design, does not run: checked with EXPLAIN AST
PARSE_ONLY: dict[str, str] = {}


def run_on_chdb(engine: Engine, style: str, case: str) -> None:
    """This style's form and the ``to_sql()`` form of ``case`` run and agree on chDB."""
    state = CASES[case]().state
    compiled = grammar(style).compile(state)
    inline = grammar("inline").compile(state)
    if case in PARSE_ONLY:
        for form, sql_params in ((style, compiled), ("inline", inline)):
            assert engine.execute(form, sql_params, prefix="EXPLAIN AST ")
        return
    if case in WRITES:
        engine.execute(style, compiled)
        engine.execute("inline", inline)
        return
    got = engine.execute(style, compiled)
    want = engine.execute("inline", inline)
    if "LIMIT" in inline.sql or "OFFSET" in inline.sql:  # no ORDER BY: any rows may come
        assert len(got) == len(want), compiled.sql
    else:
        assert sorted(got) == sorted(want), compiled.sql


@pytest.fixture(scope="module")
def conformance_engine() -> Iterator[Engine]:
    with open_engine([*CONFORMANCE_TABLES, *CONFORMANCE_ROWS]) as opened:
        opened.run("SET mutations_sync = 2")
        yield opened


PYFORMAT: dict[str, tuple[str, Any]] = {
    'arithmetic': ('SELECT (`a` + %(p0)s) AS `a1` FROM `users`', {'p0': 1}),
    'array_join': ('SELECT `id`, `tag` FROM `users` ARRAY JOIN `tags` AS `tag`', {}),
    'cte': ('WITH `adults` AS (SELECT * FROM `users` WHERE `age` >= %(p0)s) SELECT * FROM `adults`', {'p0': 18}),
    'delete': ('DELETE FROM `users` WHERE `id` = %(p0)s', {'p0': 1}),
    'distinct': ('SELECT DISTINCT `city` FROM `users`', {}),
    'expression_is_null': ('SELECT * FROM `users` WHERE `a` IS NULL AND `b` IS NOT NULL', {}),
    'expression_operators': ('SELECT * FROM `users` WHERE (`a` = %(p0)s OR (NOT (`b` IN (%(p1)s, %(p2)s)) AND `c` BETWEEN %(p3)s AND %(p4)s))', {'p0': 1, 'p1': 2, 'p2': 3, 'p3': 4, 'p4': 5}),
    'filter_expressions': ('SELECT * FROM `users` WHERE `id` > %(p0)s AND `name` LIKE %(p1)s', {'p0': 10, 'p1': 'J%'}),
    'final': ('SELECT * FROM `users` FINAL', {}),
    'functions': ('SELECT abs(`age`), lower(`name`) AS `l` FROM `users`', {}),
    'global_in': ('SELECT * FROM `users` WHERE `id` GLOBAL IN (%(p0)s, %(p1)s)', {'p0': 1, 'p1': 2}),
    'group_having': ('SELECT `city`, count(*) AS `n` FROM `users` GROUP BY `city` HAVING `n` > %(p0)s', {'p0': 2}),
    'hostile_identifier': ('SELECT `we"ird\\`col` FROM `users` WHERE `na"me` = %(p0)s', {'p0': 1}),
    'hostile_value': ('SELECT * FROM `users` WHERE `name` = %(p0)s', {'p0': "x'; DROP TABLE users; --"}),
    'ilike': ('SELECT * FROM `users` WHERE `name` ILIKE %(p0)s', {'p0': 'j%'}),
    'increment': ('ALTER TABLE `users` UPDATE `visits` = (`visits` + %(p0)s) WHERE `id` = %(p1)s', {'p0': 2, 'p1': 1}),
    'insert_many': ('INSERT INTO `users` (`name`, `age`) VALUES (%(p0)s, %(p1)s), (%(p2)s, %(p3)s)', {'p0': 'a', 'p1': 1, 'p2': 'b', 'p3': 2}),
    'insert_one': ('INSERT INTO `users` (`name`, `age`) VALUES (%(p0)s, %(p1)s)', {'p0': 'Joe', 'p1': 30}),
    'join': ('SELECT `users`.* FROM `users` INNER JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'join_expression': ('SELECT * FROM `users` INNER JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'latest': ('SELECT * FROM `users` ORDER BY `created_at` DESC', {}),
    'left_join_callback': ('SELECT * FROM `users` LEFT JOIN `posts` AS `p` ON (`users`.`id` = `p`.`user_id` AND `p`.`published` = %(p0)s)', {'p0': 1}),
    'limit_by': ('SELECT * FROM `users` ORDER BY `score` DESC LIMIT 2 BY `city`', {}),
    'limit_offset': ('SELECT * FROM `users` LIMIT 10 OFFSET 20', {}),
    'offset_only': ('SELECT * FROM `users` OFFSET 5', {}),
    'order_by': ('SELECT * FROM `users` ORDER BY `name` ASC, `age` DESC', {}),
    'order_by_expression': ('SELECT * FROM `users` ORDER BY `created_at` DESC, `id` ASC', {}),
    'prewhere': ('SELECT * FROM `users` PREWHERE `age` > %(p0)s WHERE `name` = %(p1)s', {'p0': 18, 'p1': 'Joe'}),
    'right_join': ('SELECT * FROM `users` RIGHT JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'sample': ('SELECT * FROM `users` SAMPLE 0.1', {}),
    'select_alias': ('SELECT `name` AS `n` FROM `users`', {}),
    'select_all': ('SELECT * FROM `users`', {}),
    'select_columns': ('SELECT `id`, `name` FROM `users`', {}),
    'settings': ('SELECT * FROM `users` SETTINGS max_threads = 2', {}),
    'union_all': ('SELECT `id` FROM `users` UNION ALL SELECT `id` FROM `admins`', {}),
    'update': ('ALTER TABLE `users` UPDATE `name` = %(p0)s, `age` = %(p1)s WHERE `id` = %(p2)s', {'p0': 'Joe', 'p1': 31, 'p2': 1}),
    'where_and_or': ('SELECT * FROM `users` WHERE `age` > %(p0)s OR `name` = %(p1)s', {'p0': 18, 'p1': 'Joe'}),
    'where_between': ('SELECT * FROM `users` WHERE `age` BETWEEN %(p0)s AND %(p1)s AND NOT (`score` BETWEEN %(p2)s AND %(p3)s)', {'p0': 18, 'p1': 65, 'p2': 1, 'p3': 2}),
    'where_column': ('SELECT * FROM `users` WHERE `updated_at` > `created_at`', {}),
    'where_dict': ('SELECT * FROM `users` WHERE (`name` = %(p0)s AND `age` = %(p1)s)', {'p0': 'Joe', 'p1': 3}),
    'where_equals': ('SELECT * FROM `users` WHERE `age` = %(p0)s', {'p0': 18}),
    'where_exists': ('SELECT * FROM `users` WHERE EXISTS (SELECT * FROM `posts` WHERE `posts`.`user_id` = `users`.`id`)', {}),
    'where_group': ('SELECT * FROM `users` WHERE `active` = %(p0)s AND (`age` < %(p1)s OR `age` > %(p2)s)', {'p0': 1, 'p1': 18, 'p2': 65}),
    'where_in': ('SELECT * FROM `users` WHERE `id` IN (%(p0)s, %(p1)s, %(p2)s)', {'p0': 1, 'p1': 2, 'p2': 3}),
    'where_in_empty': ('SELECT * FROM `users` WHERE 1 = 0', {}),
    'where_in_subquery': ('SELECT * FROM `users` WHERE `id` IN (SELECT `user_id` FROM `admins`)', {}),
    'where_like': ('SELECT * FROM `users` WHERE `name` LIKE %(p0)s AND `name` NOT LIKE %(p1)s', {'p0': 'J%', 'p1': '%x'}),
    'where_none_value': ('SELECT * FROM `users` WHERE `deleted_at` IS NULL', {}),
    'where_not_in_empty': ('SELECT * FROM `users` WHERE 1 = 1', {}),
    'where_null': ('SELECT * FROM `users` WHERE `deleted_at` IS NULL AND `email` IS NOT NULL', {}),
    'where_operator': ('SELECT * FROM `users` WHERE `age` >= %(p0)s', {'p0': 18}),
    'where_raw': ('SELECT * FROM `users` WHERE age + %(p0)s > %(p1)s', {'p0': 1, 'p1': 18}),
    'where_string_number': ('SELECT * FROM `users` WHERE `code` = %(p0)s', {'p0': '18'}),
    'with_totals': ('SELECT `city`, count(*) AS `n` FROM `users` GROUP BY `city` WITH TOTALS', {}),
}

SERVER: dict[str, tuple[str, Any]] = {
    'arithmetic': ('SELECT (`a` + {p0:Int64}) AS `a1` FROM `users`', {'p0': 1}),
    'array_join': ('SELECT `id`, `tag` FROM `users` ARRAY JOIN `tags` AS `tag`', {}),
    'cte': ('WITH `adults` AS (SELECT * FROM `users` WHERE `age` >= {p0:Int64}) SELECT * FROM `adults`', {'p0': 18}),
    'delete': ('DELETE FROM `users` WHERE `id` = {p0:Int64}', {'p0': 1}),
    'distinct': ('SELECT DISTINCT `city` FROM `users`', {}),
    'expression_is_null': ('SELECT * FROM `users` WHERE `a` IS NULL AND `b` IS NOT NULL', {}),
    'expression_operators': ('SELECT * FROM `users` WHERE (`a` = {p0:Int64} OR (NOT (`b` IN ({p1:Int64}, {p2:Int64})) AND `c` BETWEEN {p3:Int64} AND {p4:Int64}))', {'p0': 1, 'p1': 2, 'p2': 3, 'p3': 4, 'p4': 5}),
    'filter_expressions': ('SELECT * FROM `users` WHERE `id` > {p0:Int64} AND `name` LIKE {p1:String}', {'p0': 10, 'p1': 'J%'}),
    'final': ('SELECT * FROM `users` FINAL', {}),
    'functions': ('SELECT abs(`age`), lower(`name`) AS `l` FROM `users`', {}),
    'global_in': ('SELECT * FROM `users` WHERE `id` GLOBAL IN ({p0:Int64}, {p1:Int64})', {'p0': 1, 'p1': 2}),
    'group_having': ('SELECT `city`, count(*) AS `n` FROM `users` GROUP BY `city` HAVING `n` > {p0:Int64}', {'p0': 2}),
    'hostile_identifier': ('SELECT `we"ird\\`col` FROM `users` WHERE `na"me` = {p0:Int64}', {'p0': 1}),
    'hostile_value': ('SELECT * FROM `users` WHERE `name` = {p0:String}', {'p0': "x'; DROP TABLE users; --"}),
    'ilike': ('SELECT * FROM `users` WHERE `name` ILIKE {p0:String}', {'p0': 'j%'}),
    'increment': ('ALTER TABLE `users` UPDATE `visits` = (`visits` + {p0:Int64}) WHERE `id` = {p1:Int64}', {'p0': 2, 'p1': 1}),
    'insert_many': ('INSERT INTO `users` (`name`, `age`) VALUES ({p0:String}, {p1:Int64}), ({p2:String}, {p3:Int64})', {'p0': 'a', 'p1': 1, 'p2': 'b', 'p3': 2}),
    'insert_one': ('INSERT INTO `users` (`name`, `age`) VALUES ({p0:String}, {p1:Int64})', {'p0': 'Joe', 'p1': 30}),
    'join': ('SELECT `users`.* FROM `users` INNER JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'join_expression': ('SELECT * FROM `users` INNER JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'latest': ('SELECT * FROM `users` ORDER BY `created_at` DESC', {}),
    'left_join_callback': ('SELECT * FROM `users` LEFT JOIN `posts` AS `p` ON (`users`.`id` = `p`.`user_id` AND `p`.`published` = {p0:Int64})', {'p0': 1}),
    'limit_by': ('SELECT * FROM `users` ORDER BY `score` DESC LIMIT 2 BY `city`', {}),
    'limit_offset': ('SELECT * FROM `users` LIMIT 10 OFFSET 20', {}),
    'offset_only': ('SELECT * FROM `users` OFFSET 5', {}),
    'order_by': ('SELECT * FROM `users` ORDER BY `name` ASC, `age` DESC', {}),
    'order_by_expression': ('SELECT * FROM `users` ORDER BY `created_at` DESC, `id` ASC', {}),
    'prewhere': ('SELECT * FROM `users` PREWHERE `age` > {p0:Int64} WHERE `name` = {p1:String}', {'p0': 18, 'p1': 'Joe'}),
    'right_join': ('SELECT * FROM `users` RIGHT JOIN `posts` ON `users`.`id` = `posts`.`user_id`', {}),
    'sample': ('SELECT * FROM `users` SAMPLE 0.1', {}),
    'select_alias': ('SELECT `name` AS `n` FROM `users`', {}),
    'select_all': ('SELECT * FROM `users`', {}),
    'select_columns': ('SELECT `id`, `name` FROM `users`', {}),
    'settings': ('SELECT * FROM `users` SETTINGS max_threads = 2', {}),
    'union_all': ('SELECT `id` FROM `users` UNION ALL SELECT `id` FROM `admins`', {}),
    'update': ('ALTER TABLE `users` UPDATE `name` = {p0:String}, `age` = {p1:Int64} WHERE `id` = {p2:Int64}', {'p0': 'Joe', 'p1': 31, 'p2': 1}),
    'where_and_or': ('SELECT * FROM `users` WHERE `age` > {p0:Int64} OR `name` = {p1:String}', {'p0': 18, 'p1': 'Joe'}),
    'where_between': ('SELECT * FROM `users` WHERE `age` BETWEEN {p0:Int64} AND {p1:Int64} AND NOT (`score` BETWEEN {p2:Int64} AND {p3:Int64})', {'p0': 18, 'p1': 65, 'p2': 1, 'p3': 2}),
    'where_column': ('SELECT * FROM `users` WHERE `updated_at` > `created_at`', {}),
    'where_dict': ('SELECT * FROM `users` WHERE (`name` = {p0:String} AND `age` = {p1:Int64})', {'p0': 'Joe', 'p1': 3}),
    'where_equals': ('SELECT * FROM `users` WHERE `age` = {p0:Int64}', {'p0': 18}),
    'where_exists': ('SELECT * FROM `users` WHERE EXISTS (SELECT * FROM `posts` WHERE `posts`.`user_id` = `users`.`id`)', {}),
    'where_group': ('SELECT * FROM `users` WHERE `active` = {p0:Int64} AND (`age` < {p1:Int64} OR `age` > {p2:Int64})', {'p0': 1, 'p1': 18, 'p2': 65}),
    'where_in': ('SELECT * FROM `users` WHERE `id` IN ({p0:Int64}, {p1:Int64}, {p2:Int64})', {'p0': 1, 'p1': 2, 'p2': 3}),
    'where_in_empty': ('SELECT * FROM `users` WHERE 1 = 0', {}),
    'where_in_subquery': ('SELECT * FROM `users` WHERE `id` IN (SELECT `user_id` FROM `admins`)', {}),
    'where_like': ('SELECT * FROM `users` WHERE `name` LIKE {p0:String} AND `name` NOT LIKE {p1:String}', {'p0': 'J%', 'p1': '%x'}),
    'where_none_value': ('SELECT * FROM `users` WHERE `deleted_at` IS NULL', {}),
    'where_not_in_empty': ('SELECT * FROM `users` WHERE 1 = 1', {}),
    'where_null': ('SELECT * FROM `users` WHERE `deleted_at` IS NULL AND `email` IS NOT NULL', {}),
    'where_operator': ('SELECT * FROM `users` WHERE `age` >= {p0:Int64}', {'p0': 18}),
    'where_raw': ('SELECT * FROM `users` WHERE age + {p0:Int64} > {p1:Int64}', {'p0': 1, 'p1': 18}),
    'where_string_number': ('SELECT * FROM `users` WHERE `code` = {p0:String}', {'p0': '18'}),
    'with_totals': ('SELECT `city`, count(*) AS `n` FROM `users` GROUP BY `city` WITH TOTALS', {}),
}


class TestClickHouseCompile(CompileConformance):
    """The dialect's default style: ``%(p0)s`` for clickhouse-driver."""

    dialect = "clickhouse"
    expected = PYFORMAT

    @pytest.mark.parametrize("case", sorted(CASES))
    def test_runs_on_chdb(self, conformance_engine: Engine, case: str) -> None:
        run_on_chdb(conformance_engine, "pyformat", case)


class TestClickHouseServerParamsCompile(CompileConformance):
    """Typed server-side parameters, as chDB binds them."""

    dialect = "clickhouse"
    paramstyle = "server"
    expected = SERVER

    @pytest.mark.parametrize("case", sorted(CASES))
    def test_runs_on_chdb(self, conformance_engine: Engine, case: str) -> None:
        run_on_chdb(conformance_engine, "server", case)


class TestClickHouse1816Compile(CompileConformance):
    """The oldest supported server: the same queries in its spelling, or refused."""

    dialect = "clickhouse"
    server_version = (18, 16, 1)
    unsupported = frozenset({"cte", "where_exists"})
    expected: ClassVar[dict[str, tuple[str, Any]]] = {
        **{k: v for k, v in PYFORMAT.items() if k not in {"cte", "where_exists"}},
        "delete": ("ALTER TABLE `users` DELETE WHERE `id` = %(p0)s", {"p0": 1}),
        "ilike": ("SELECT * FROM `users` WHERE lowerUTF8(`name`) LIKE lowerUTF8(%(p0)s)",
                  {"p0": "j%"}),
        "limit_offset": ("SELECT * FROM `users` LIMIT 20, 10", {}),
        "offset_only": ("SELECT * FROM `users` LIMIT 5, 4611686018427387904", {}),
    }

    @pytest.fixture(scope="class")
    def old_conformance(self, clickhouse_server: Any) -> Iterator[OldServer]:
        database = f"conformance_{uuid.uuid4().hex[:8]}"
        admin = clickhouse_server.client()
        admin.execute(f"CREATE DATABASE {database}")
        server = OldServer(clickhouse_server, database)
        try:
            for statement in CONFORMANCE_TABLES:
                server.execute(statement)
            for statement in CONFORMANCE_ROWS:
                server.insert_text(statement, {})
            yield server
        finally:
            server.client.disconnect()
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.disconnect()

    @pytest.mark.parametrize("case", sorted(set(CASES) - {"cte", "where_exists"}))
    def test_runs_on_the_real_1816_server(self, old_conformance: OldServer, case: str) -> None:
        g = old_grammar(old_conformance.server.version)
        sql, params = g.compile(CASES[case]().state)
        if sql.startswith("INSERT"):
            old_conformance.insert_text(sql, params)
        elif case in BROKEN_ON_1816:
            # the statement parses (no syntax error, code 62); 18.16 fails executing it
            with pytest.raises(Exception) as info:
                old_conformance.execute(sql, params)
            assert getattr(info.value, "code", None) != 62, info.value
        elif case in PARSE_ONLY:
            with pytest.raises(Exception, match=PARSE_ONLY[case].replace("NOT_AN_AGGREGATE",
                                                                         "not under aggregate")):
                old_conformance.execute(sql, params)  # parsed, then refused by analysis
        else:
            old_conformance.execute(sql, params)
