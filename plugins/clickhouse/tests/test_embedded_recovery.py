"""A chDB query that fails while running leaves the shared connection clean for the next.

chDB keeps what a failed query had already written to its output buffer and hands it out
in front of the next result on that connection; the connection drains it after an error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect

DB = "clickorm_test_embedded_recovery"
#: fails at run time (the pattern is checked per block), after the Arrow header is out
BAD_LIKE = "SELECT number FROM numbers(10) WHERE toString(number) LIKE 'a\\\\'"
#: fails half-way through the result
THROWS_MID_RESULT = "SELECT throwIf(number = 50000) AS x FROM numbers(100000)"


@pytest.fixture(scope="module")
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    config = ConnectionConfig(name="embedded", dialect="clickhouse", driver="embedded", database=DB)
    c = connect(config, dialect)
    c.execute("CREATE TABLE items (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
    c.insert_rows("items", ["id", "name"], [(i, f"n{i}") for i in range(100)])
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


@pytest.mark.parametrize("failing", [BAD_LIKE, THROWS_MID_RESULT])
def test_the_next_query_after_a_runtime_error_reads_its_own_result(
    conn: EmbeddedConnection, failing: str
) -> None:
    for _ in range(2):  # failures in a row do not pile up either
        with pytest.raises(QueryError, match=r"code (25|395)"):
            conn.execute(failing)
    assert conn.execute("SELECT count(), sum(id) FROM items").rows == [(100, 4950)]
    assert conn.execute("SELECT name FROM items WHERE id = {p0:UInt32}", [7]).scalar() == "n7"


def test_bound_like_pattern_that_fails_does_not_break_the_next_read(
    conn: EmbeddedConnection,
) -> None:
    with pytest.raises(QueryError):
        conn.execute("SELECT id FROM items WHERE name LIKE {p0:String}", ["n\\"])
    assert conn.execute("SELECT count() FROM items WHERE name LIKE {p0:String}", ["n1%"]).scalar() == 11


def test_totals_and_arrow_reads_after_a_failure(conn: EmbeddedConnection) -> None:
    with pytest.raises(QueryError):
        conn.execute(BAD_LIKE)
    rows = conn.execute("SELECT id % 2 AS k, count() FROM items GROUP BY k WITH TOTALS ORDER BY k").rows
    assert list(rows) == [(0, 50), (1, 50), (0, 100)]
    with pytest.raises(QueryError):
        conn.execute(THROWS_MID_RESULT)
    assert conn.execute_arrow("SELECT id FROM items ORDER BY id LIMIT 3").column(0).to_pylist() == [0, 1, 2]


def test_one_threads_failure_does_not_break_another_threads_read(
    conn: EmbeddedConnection,
) -> None:
    failed = threading.Event()
    outcome: list[object] = []

    def bad() -> None:
        try:
            conn.execute(BAD_LIKE)
        except QueryError:
            failed.set()

    def read() -> None:
        assert failed.wait(10)
        try:
            outcome.append(conn.execute("SELECT count() FROM items").scalar())
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    threads = [threading.Thread(target=bad), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert outcome == [100]


def test_a_stream_failing_mid_result_leaves_queries_and_new_streams_working(
    conn: EmbeddedConnection,
) -> None:
    with pytest.raises(QueryError, match="code 395"):
        for _ in conn.stream(THROWS_MID_RESULT, batch_size=1000):
            pass
    assert conn.execute("SELECT count() FROM items").scalar() == 100
    assert list(conn.stream("SELECT id FROM items WHERE id < 3 ORDER BY id")) == [(0,), (1,), (2,)]
