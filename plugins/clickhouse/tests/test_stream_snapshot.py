"""A streamed query reads the table as it was when the stream started, on every engine:
rows an ``iter()`` loop writes into the table it reads are not read back by that loop
(SQLite showed them to the open cursor: 200 rows from a table of 100; ClickHouse reads
the parts that existed when the query started)."""

from __future__ import annotations

from clickorm.connection.base import BaseConnection
from clickorm.model import Column, Model
from clickorm.model.session import Session


class Counted(Model):
    id: int = Column(primary_key=True)

    class Meta:
        table_name = "stream_snapshot_rows"


def test_an_iter_loop_does_not_read_its_own_inserts(
        engine_connection: tuple[str, BaseConnection]) -> None:
    _, conn = engine_connection
    with Session(conn):
        Counted.drop_table(if_exists=True)
        Counted.create_table()
        Counted.insert_many([Counted(id=i) for i in range(1, 101)])
        seen = []
        for row in Counted.query.order_by("id").iter(batch_size=10):
            seen.append(row.id)
            Counted.create(id=row.id + 1000)
            if len(seen) > 300:
                break
        assert seen == list(range(1, 101))
        assert Counted.count() == 200
        # the snapshot is taken only when the loop writes: a read-only loop streams
        assert sum(1 for _ in Counted.query.iter(batch_size=10)) == 200
        Counted.drop_table()
