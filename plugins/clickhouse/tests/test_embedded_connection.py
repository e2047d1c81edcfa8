"""The embedded (chDB) connection: opening, sharing one engine, errors, threads, lifecycle.

chDB hosts one engine per process, so tests in this process use the in-memory database
(each module in a database of its own); everything about file paths runs in a child
process where the engine is fresh.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.config_types import ConnectionConfig
from clickorm.errors import ConfigError, ConnectionError, QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect

DB = "clickorm_test_embedded_connection"


def open_embedded(name: str = "embedded", **kw: object) -> EmbeddedConnection:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    return connect(
        ConnectionConfig(name=name, dialect="clickhouse", driver="embedded", **kw),  # type: ignore[arg-type]
        dialect,
    )


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    c = open_embedded(database=DB)
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


def run_child(code: str, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter (a fresh chDB engine); return its stdout."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == 0, f"child failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


CHILD_PRELUDE = """
from clickorm.config_types import ConnectionConfig
from clickorm.errors import ConnectionError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import connect
dialect = get_plugin_manager().get_dialect("clickhouse")
def open_at(path, name="c"):
    return connect(ConnectionConfig(name=name, dialect="clickhouse", driver="embedded",
                                    path=path), dialect)
"""


# -- what a connection reports -------------------------------------------------------------
def test_memory_connection_reports_version_paramstyle_and_capabilities(
    conn: EmbeddedConnection,
) -> None:
    assert conn.path == ":memory:"
    assert conn.server_version is not None and conn.server_version[:2] >= (26, 9)
    assert conn.paramstyle == "server"
    assert "server_parameters" in conn.capabilities
    assert "final" in conn.capabilities
    assert EmbeddedConnection.shared_across_threads is True
    assert conn.execute("SELECT currentDatabase()").scalar() == DB
    assert conn.grammar is not None  # the dialect's grammar accepts the server paramstyle


def test_typed_parameters_are_bound_by_the_server(conn: EmbeddedConnection) -> None:
    result = conn.execute(
        "SELECT {p0:UInt8} + 1 AS n, {p1:String} AS s, toTypeName({p1:String}) AS t",
        {"p0": 41, "p1": "x'y"},
    )
    assert result.columns == ["n", "s", "t"]
    assert result.rows == [(42, "x'y", "String")]
    # a sequence binds as p0, p1, ...
    assert conn.execute("SELECT {p0:Int64} * {p1:Int64}", [6, 7]).scalar() == 42


def test_execute_arrow_returns_the_arrow_table(conn: EmbeddedConnection) -> None:
    table = conn.execute_arrow("SELECT number AS n FROM numbers({p0:UInt8})", {"p0": 3})
    assert table.column_names == ["n"]
    assert table.column("n").to_pylist() == [0, 1, 2]


def test_totals_and_extremes_rows_follow_the_data(conn: EmbeddedConnection) -> None:
    # as with the native driver: data rows, then the totals row, then extremes min/max
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    sql = (
        "SELECT number % 2 AS k, sum(toDecimal64(number, 2)) AS s, toDateTime(0, 'UTC') AS t "
        "FROM numbers({p0:UInt8}) GROUP BY k WITH TOTALS ORDER BY k"
    )
    rows = conn.execute(sql, {"p0": 5}).rows
    assert rows == [(0, Decimal("6"), epoch), (1, Decimal("4"), epoch), (0, Decimal("10"), epoch)]
    assert list(conn.stream(sql, {"p0": 5})) == rows
    # no data rows: the totals row alone (chDB garbles this JSON; the connection repairs it)
    assert conn.execute(sql, {"p0": 0}).rows == [(0, Decimal("0"), epoch)]
    extremes = conn.execute("SELECT number AS n FROM numbers(3) SETTINGS extremes = 1").rows
    assert extremes == [(0,), (1,), (2,), (0,), (2,)]


def test_statements_without_result_and_rowcount(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE rc (a UInt64) ENGINE = Memory")
    result = conn.execute("INSERT INTO rc SELECT number FROM numbers(7)")
    assert result.columns == [] and result.rows == []
    assert result.rowcount == 7
    assert conn.execute("SELECT count() FROM rc").rowcount == 1


def test_transactions_are_no_ops(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE tx (a UInt8) ENGINE = Memory")
    with conn.transaction():
        conn.insert_rows("tx", ["a"], [(1,)])
    with pytest.raises(RuntimeError), conn.transaction():
        conn.insert_rows("tx", ["a"], [(2,)])
        raise RuntimeError("rollback cannot undo a ClickHouse insert")
    assert conn.execute("SELECT a FROM tx ORDER BY a").rows == [(1,), (2,)]


# -- errors --------------------------------------------------------------------------------
def test_query_errors_carry_sql_code_and_cause_but_not_values(conn: EmbeddedConnection) -> None:
    with pytest.raises(QueryError) as info:
        conn.execute("SELECT * FROM no_such_table WHERE x = {p0:String}", {"p0": "s3cret-value"})
    err = info.value
    assert err.sql == "SELECT * FROM no_such_table WHERE x = {p0:String}"
    assert "UNKNOWN_TABLE" in str(err) and "no_such_table" in str(err)
    assert "s3cret-value" not in str(err)
    assert err.__cause__ is not None and "no_such_table" in str(err.__cause__)

    with pytest.raises(QueryError) as info:
        conn.execute("SELECT {p0:UInt8}", {"p0": "s3cret-value"})
    assert "BAD_QUERY_PARAMETER" in str(info.value)
    assert "s3cret-value" not in str(info.value)

    with pytest.raises(QueryError, match="SYNTAX_ERROR"):
        conn.execute("SELEC 1")


def test_a_path_that_is_a_file_is_a_connection_error(tmp_path: Path) -> None:
    file = tmp_path / "not-a-dir"
    file.write_text("x")
    with pytest.raises(ConnectionError, match="is a file"):
        open_embedded(path=str(file))


def test_another_path_while_memory_is_open_is_refused(
    conn: EmbeddedConnection, tmp_path: Path
) -> None:
    with pytest.raises(ConnectionError) as info:
        open_embedded(name="second", path=str(tmp_path / "db"))
    text = str(info.value)
    assert "one embedded database per process" in text
    assert "in-memory database" in text and "embedded" in text
    # the refused connection left the open one usable
    assert conn.execute("SELECT 1").scalar() == 1


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="insert_block_sise"):
        open_embedded(options={"insert_block_sise": 10})
    with pytest.raises(ConfigError, match="positive integer"):
        open_embedded(options={"insert_block_size": "0"})


def test_closed_connection_refuses_statements() -> None:
    c = open_embedded(name="short-lived")
    c.close()
    c.close()  # twice is fine
    with pytest.raises(ConnectionError, match="closed"):
        c.execute("SELECT 1")


# -- sharing -------------------------------------------------------------------------------
def test_two_managers_on_memory_share_the_engine(conn: EmbeddedConnection) -> None:
    first = ConnectionManager("clickhouse+embedded://", name="first")
    second = ConnectionManager("clickhouse+embedded://", name="second")
    try:
        a, b = first.connection(), second.connection()
        assert isinstance(a, EmbeddedConnection) and a is not b
        a.execute(f"CREATE TABLE {DB}.shared (x UInt8) ENGINE = Memory")
        a.insert_rows(f"{DB}.shared", ["x"], [(1,), (2,)])
        assert b.execute(f"SELECT sum(x) FROM {DB}.shared").scalar() == 3
        # the manager shares its one embedded connection across threads
        seen: list[object] = []
        t = threading.Thread(target=lambda: seen.append(first.connection()))
        t.start()
        t.join()
        assert seen == [a]
    finally:
        first.close()
        second.close()


def test_one_connection_shared_by_threads(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE threads (t UInt8, i UInt32) ENGINE = MergeTree ORDER BY (t, i)")
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(20):
                conn.insert_rows("threads", ["t", "i"], [(t, i)])
                got = conn.execute(
                    "SELECT count() FROM threads WHERE t = {p0:UInt8}", {"p0": t}
                ).scalar()
                assert got == i + 1
            rows = list(conn.stream("SELECT i FROM threads WHERE t = {p0:UInt8} ORDER BY i",
                                    {"p0": t}))
            assert rows == [(i,) for i in range(20)]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[0]
    assert conn.execute("SELECT count() FROM threads").scalar() == 120


def test_cached_result_types_follow_schema_changes(conn: EmbeddedConnection) -> None:
    conn.execute("CREATE TABLE evolve (a UInt32) ENGINE = Memory")
    conn.insert_rows("evolve", ["a"], [(1704067200,)])
    assert conn.execute("SELECT a FROM evolve").scalar() == 1704067200
    conn.execute("ALTER TABLE evolve MODIFY COLUMN a DateTime('UTC')")
    value = conn.execute("SELECT a FROM evolve").scalar()
    assert value.isoformat() == "2024-01-01T00:00:00+00:00"
    # insert types are re-read too
    conn.insert_rows("evolve", ["a"], [(value,)])
    assert conn.execute("SELECT count() FROM evolve WHERE a = {p0:DateTime('UTC')}",
                        {"p0": value}).scalar() == 2


# -- file paths (fresh engines in child processes) -----------------------------------------
def test_file_database_persists_across_close_and_reopen_and_processes(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "chdb-data"  # created with its parents
    out = run_child(
        CHILD_PRELUDE
        + f"""
path = {str(path)!r}
c = open_at(path)
assert c.path == path
c.execute("CREATE TABLE t (a UInt64, s String) ENGINE = MergeTree ORDER BY a")
c.insert_rows("t", ["a", "s"], [(1, "one"), (2, "two")])
c.close()
c = open_at(path)                      # reopened in the same process
assert c.execute("SELECT a, s FROM t ORDER BY a").rows == [(1, "one"), (2, "two")]
c.close()
print("ok")
""",
        tmp_path,
    )
    assert out.strip() == "ok"
    assert path.is_dir()
    out = run_child(  # and in another process
        CHILD_PRELUDE
        + f"""
c = open_at({str(path)!r})
print(c.execute("SELECT sum(a) FROM t").scalar())
""",
        tmp_path,
    )
    assert out.strip() == "3"


def test_engine_registry_shares_refuses_and_releases(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    out = run_child(
        CHILD_PRELUDE
        + f"""
a = open_at({str(one)!r}, "a")
b = open_at({str(one)!r}, "b")         # same path: shares the engine
a.execute("CREATE TABLE t (x UInt8) ENGINE = Memory")
a.insert_rows("t", ["x"], [(5,)])
assert b.execute("SELECT x FROM t").scalar() == 5
try:
    open_at({str(two)!r}, "c")
except ConnectionError as exc:
    assert "one embedded database per process" in str(exc), exc
    assert "a, b" in str(exc), exc
else:
    raise AssertionError("a second path was accepted")
a.close()
try:
    open_at({str(two)!r}, "c")          # b still holds the engine
except ConnectionError:
    pass
else:
    raise AssertionError("opened while b held the engine")
b.close()
c = open_at({str(two)!r}, "c")          # released: another path opens
assert c.execute("SELECT 1").scalar() == 1
c.close()
m = open_at(None, "m")                  # and memory after that
assert m.path == ":memory:"
m.close()
print("ok")
""",
        tmp_path,
    )
    assert out.strip() == "ok"
