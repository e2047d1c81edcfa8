"""Bulk writes on a ClickHouse 18.16 server: one INSERT per table, and a SIGKILL mid-way
accounted for (18.16 deduplicates only on Replicated tables, so the error says the rows
in doubt may double)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from clickorm import types as t
from clickorm.errors import QueryError, WriteError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.engines import MergeTree
from clickorm_clickhouse.native import connect

DIALECT = clickorm_dialects()[0]
KILLER: list[Any] = []


class Fact(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    s: str

    class Meta:
        table_name = "bulk_facts"
        engine = MergeTree()
        order_by = ("id",)

    def before_create(self) -> None:
        if KILLER and self.id == KILLER[0]:
            KILLER[1].kill()  # SIGKILL as this chunk is being prepared


def test_a_server_killed_mid_insert_leaves_every_row_accounted_for(
        clickhouse_server_factory: Any) -> None:
    server = clickhouse_server_factory()
    conn = connect(server.connection_config(), DIALECT)
    Fact.create_table(connection=conn)
    rows = [Fact(id=i, s="x" * 20) for i in range(60_000)]
    KILLER[:] = [30_000, server]  # the 4th of 6 chunks
    try:
        with Session(conn), pytest.raises(WriteError) as info:
            Fact.insert_many(rows)
    finally:
        KILLER.clear()
    (report,) = info.value.tables
    # one INSERT for the table: nothing is known written before it ends; the chunks sent
    # (at least the 4 up to the kill: the socket may take one more) are in doubt
    assert report.landed == 0 and report.in_doubt + report.not_landed == 60_000
    assert report.in_doubt >= 40_000 and report.in_doubt % 10_000 == 0
    assert not report.retry_safe and not info.value.retry_safe
    text = str(info.value)
    assert "the rows in doubt may be written twice" in text
    assert "ClickHouse 18.16" in text and "only on Replicated tables" in text
    assert not any(r.is_persisted for r in rows)  # all stay pending
    server.start()
    landed = conn.execute("SELECT count() FROM bulk_facts").scalar()
    assert landed <= report.in_doubt
    conn.close()


def test_async_insert_is_refused_with_the_version_that_has_it(clickhouse_native: Any) -> None:
    Fact.drop_table(if_exists=True, connection=clickhouse_native)
    Fact.create_table(connection=clickhouse_native)
    with Session(clickhouse_native), pytest.raises(
            QueryError, match=r"asynchronous inserts .* needs ClickHouse 21\.11 or newer"):
        Fact.insert_many([Fact(id=1, s="a")], async_insert=True)
    assert clickhouse_native.execute("SELECT count() FROM bulk_facts").scalar() == 0
    Fact.drop_table(connection=clickhouse_native)
