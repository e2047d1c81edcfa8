"""Bulk writes on chDB: chunks streamed, failures accounted for, retries exactly once.

Failures are injected in the statement of one chunk (``_send_payload``, the call that
hands an Arrow block to the engine): before it runs (the engine refused it) or after it
ran (the acknowledgement was lost, so its rows are in doubt).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import types as t
from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError, WriteError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import EmbeddedConnection, connect
from clickorm_clickhouse.engines import MergeTree

DB = "clickorm_test_bulk"


class Plain(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    v: str

    class Meta:
        table_name = "b_plain"
        engine = MergeTree()
        order_by = ("id",)


class Deduped(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    v: str

    class Meta:
        table_name = "b_deduped"
        engine = MergeTree()
        order_by = ("id",)
        settings = {"non_replicated_deduplication_window": 1000}


class Other(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)

    class Meta:
        table_name = "b_other"
        engine = MergeTree()
        order_by = ("id",)
        settings = {"non_replicated_deduplication_window": 1000}


MODELS = (Plain, Deduped, Other)


@pytest.fixture()
def conn() -> Iterator[EmbeddedConnection]:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    c = connect(ConnectionConfig(name="bulk", dialect="clickhouse", driver="embedded",
                                 database=DB), dialect)
    for model in MODELS:
        model.drop_table(if_exists=True, connection=c)
        model.create_table(connection=c)
    yield c
    c.execute(f"DROP DATABASE IF EXISTS {DB}")
    c.close()


def _fail_statement(conn: Any, monkeypatch: pytest.MonkeyPatch, k: int, *,
                    after: bool) -> list[str]:
    """Make the k-th INSERT statement (1-based) fail, before or after it ran."""
    sent: list[str] = []
    send = conn._send_payload

    def failing(statement: str, payload: bytes) -> None:
        sent.append(statement)
        if len(sent) == k and not after:
            raise QueryError("injected: the engine refused the block")
        send(statement, payload)
        if len(sent) == k:
            raise QueryError("injected: the acknowledgement was lost")

    monkeypatch.setattr(conn, "_send_payload", failing)
    return sent


def _count(conn: Any, table: str) -> tuple[int, int]:
    count, unique = conn.execute(f"SELECT count(), uniqExact(id) FROM {table}").rows[0]
    return count, unique


def test_a_refused_chunk_says_what_landed_and_a_retry_writes_only_the_rest(
        conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [Plain(id=i, v="x") for i in range(500)]
    _fail_statement(conn, monkeypatch, 3, after=False)
    with Session(conn), pytest.raises(WriteError) as info:
        Plain.insert_many(rows, chunk_size=100)
    (report,) = info.value.tables
    assert (report.table, report.landed, report.not_landed, report.in_doubt) == (
        "b_plain", 200, 300, 0)
    assert "b_plain: 200 row(s) landed, 300 not written, 0 in doubt" in str(info.value)
    assert [r.is_persisted for r in rows] == [True] * 200 + [False] * 300
    monkeypatch.undo()
    with Session(conn):
        assert Plain.insert_many(rows, chunk_size=100) == 300
    assert _count(conn, "b_plain") == (500, 500)


def test_rows_in_doubt_are_written_once_on_retry_where_the_table_deduplicates(
        conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [Deduped(id=i, v="x") for i in range(500)]
    monkeypatch.setattr(conn, "failed_insert_in_doubt", True)
    sent = _fail_statement(conn, monkeypatch, 3, after=True)
    with Session(conn), pytest.raises(WriteError) as info:
        Deduped.insert_many(rows, chunk_size=100)
    (report,) = info.value.tables
    assert (report.landed, report.not_landed, report.in_doubt) == (200, 200, 100)
    assert report.retry_safe and info.value.retry_safe
    assert "retrying is safe" in str(info.value)
    assert all("insert_deduplication_token = 'clickorm-" in s for s in sent)
    assert _count(conn, "b_deduped") == (300, 300)  # the chunk in doubt did land
    monkeypatch.undo()
    with Session(conn):
        Deduped.insert_many(rows, chunk_size=100)
    assert _count(conn, "b_deduped") == (500, 500)  # the server dropped the repeated block


def test_rows_in_doubt_without_deduplication_are_named_unsafe(
        conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conn, "failed_insert_in_doubt", True)
    _fail_statement(conn, monkeypatch, 1, after=True)
    with Session(conn), pytest.raises(WriteError) as info:
        Plain.insert_many([Plain(id=i, v="x") for i in range(10)])
    assert not info.value.retry_safe
    text = str(info.value)
    assert "retrying is NOT safe, the rows in doubt may be written twice" in text
    assert "non_replicated_deduplication_window" in text


def test_a_flush_failing_in_the_second_table_reports_every_table_and_flushes_the_rest(
        conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = [Other(id=i) for i in range(150)]
    second = [Deduped(id=i, v="y") for i in range(25_000)]
    third = [Plain(id=i, v="z") for i in range(50)]
    # statements: Other (1 chunk), Deduped chunks 1..3 -> the second Deduped chunk fails
    _fail_statement(conn, monkeypatch, 3, after=False)
    session = Session(conn)
    session.add_all([*first, *second, *third])
    with pytest.raises(WriteError) as info:
        session.flush()
    counts = [(r.table, r.landed, r.not_landed, r.in_doubt) for r in info.value.tables]
    assert counts == [("b_other", 150, 0, 0), ("b_deduped", 10_000, 15_000, 0),
                      ("b_plain", 0, 50, 0)]
    assert session.pending == 15_050  # what was not written stays buffered
    monkeypatch.undo()
    session.flush()
    session.close()
    assert _count(conn, "b_other") == (150, 150)
    assert _count(conn, "b_deduped") == (25_000, 25_000)
    assert _count(conn, "b_plain") == (50, 50)


def test_async_insert_is_an_option_of_bulk_inserts_and_sessions(
        conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _fail_statement(conn, monkeypatch, 0, after=False)  # records only
    with Session(conn):
        Plain.insert_many([Plain(id=1, v="a")], async_insert=True, wait_for_async_insert=True)
    with Session(conn, async_insert=True, wait_for_async_insert=True) as session:
        session.add(Plain(id=2, v="b"))
    assert len(sent) == 2
    assert all("async_insert = 1, wait_for_async_insert = 1" in s for s in sent)
    assert _count(conn, "b_plain") == (2, 2)


def test_a_generator_of_a_million_rows_is_inserted_in_bounded_memory(tmp_path: Any) -> None:
    script = textwrap.dedent('''
        import resource
        from typing import Annotated
        from clickorm import types as t
        from clickorm.config_types import ConnectionConfig
        from clickorm.model import Model
        from clickorm.model.column import Column
        from clickorm.model.session import Session
        from clickorm.plugins.manager import get_plugin_manager
        from clickorm_clickhouse.embedded import connect
        from clickorm_clickhouse.engines import MergeTree

        class Big(Model):
            id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
            name: str
            score: float
            class Meta:
                table_name = "big"
                engine = MergeTree()
                order_by = ("id",)

        conn = connect(ConnectionConfig(name="m", dialect="clickhouse", driver="embedded"),
                       get_plugin_manager().get_dialect("clickhouse"))
        Big.create_table(connection=conn)
        with Session(conn):
            Big.insert_many(Big(id=i, name="warm", score=0.5) for i in range(20_000))
        conn.execute("TRUNCATE TABLE big")
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with Session(conn):
            n = Big.insert_many(Big(id=i, name=f"name {i}", score=i / 3)
                                for i in range(1_000_000))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(n, conn.execute("SELECT count() FROM big").scalar(), (peak - base) // 1024)
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    written, counted, grown_mib = map(int, done.stdout.split())
    assert written == counted == 1_000_000
    assert grown_mib < 150, f"peak memory grew by {grown_mib} MiB"
