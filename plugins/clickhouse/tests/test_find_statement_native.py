"""find(key) with the kept statement on the real 18.16 server (pyformat parameters)."""

from __future__ import annotations

from typing import Annotated, Any

from clickorm import types as t
from clickorm.model import Column, Model, find_statement
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Event(Model):
    id: Annotated[int, t.UInt64] = Column(primary_key=True, autoincrement=False)
    name: str

    class Meta:
        table_name = "fsn_events"
        engine = MergeTree()
        order_by = ("id",)


class Tag(Model):
    code: str = Column(primary_key=True)
    n: int = 0

    class Meta:
        table_name = "fsn_tags"
        engine = MergeTree()
        order_by = ("code",)


def test_find_keeps_one_statement_per_model_and_key_kind(clickhouse_native: Any) -> None:
    conn = clickhouse_native
    assert conn.server_version[:2] == (18, 16)
    with Session(conn):
        Event.create_table()
        Tag.create_table()
        top = 2**64 - 1  # UInt64's largest: beyond Int64, so the general path binds it
        Event.insert_many([{"id": i, "name": f"e{i}"} for i in (1, 2, 3, top)])
        Tag.insert_many([{"code": c, "n": i} for i, c in enumerate("xyz")])
        assert Event.find(2).name == "e2"  # type: ignore[union-attr]
        kept = find_statement.kept(Event, conn.grammar, Event.__clickorm_initial_state__, "int")
        assert kept is not None and type(kept.params) is dict
        assert [e.name if e else None for e in map(Event.find, (3, 1, 4, 2))] == \
            ["e3", "e1", None, "e2"]
        assert Event.find(top).name == f"e{top}"  # type: ignore[union-attr]
        assert Tag.find("y").n == 1 and Tag.find("w") is None  # type: ignore[union-attr]
        assert Event.where("id", ">", 2).find(2) is None
        assert Event.find(2).name == "e2"  # type: ignore[union-attr]
