"""The model layer on ClickHouse (chDB in process): columnar bulk inserts, typed
hydration, relationships, relationship filters and counts run unchanged.

chDB hosts one engine per process, so this module works in a database of its own. Tables
are created with explicit DDL here: model DDL on ClickHouse is the schema layer's job.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import pytest

from clickorm import ConnectionManager, types
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, set_default_manager
from clickorm.model import Column, Model, belongs_to, belongs_to_many, has_many

DB = "clickorm_test_models"


class Writer(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    name: str
    joined: datetime
    tags: list[str] = []
    ref: uuid.UUID = Column(default=uuid.uuid4)
    articles = has_many("Article")
    groups = belongs_to_many("Group", pivot="group_writer")

    class Meta:
        engine = "MergeTree()"
        order_by = "id"


class Article(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    writer_id: Annotated[int, types.UInt64]
    title: str
    writer = belongs_to(Writer)


class Group(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    label: str


DDL = [
    "CREATE TABLE writers (id UInt64, name String, joined DateTime, tags Array(String), "
    "ref UUID) ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE articles (id UInt64, writer_id UInt64, title String) "
    "ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE groups (id UInt64, label String) ENGINE = MergeTree ORDER BY id",
    "CREATE TABLE group_writer (writer_id UInt64, group_id UInt64) "
    "ENGINE = MergeTree ORDER BY writer_id",
]


@pytest.fixture(scope="module")
def ch() -> Iterator[BaseConnection]:
    reset_managers()
    manager = set_default_manager(ConnectionManager("clickhouse+embedded://", database=DB))
    conn = manager.connection()
    for table in ("writers", "articles", "groups", "group_writer"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for ddl in DDL:
        conn.execute(ddl)
    Writer.insert_many([Writer(id=i, name=f"w{i}", joined=datetime(2024, 1, i),
                               tags=["t", str(i)]) for i in (1, 2, 3)])
    Article.insert_many([{"id": 1, "writer_id": 1, "title": "a1"},
                         {"id": 2, "writer_id": 1, "title": "a2"},
                         {"id": 3, "writer_id": 2, "title": "a3"}])
    Group.insert_many([{"id": 1, "label": "core"}])
    conn.execute("INSERT INTO group_writer VALUES (1, 1), (2, 1)")
    yield conn
    conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    reset_managers()


def test_columnar_insert_and_typed_hydration(ch: BaseConnection) -> None:
    assert "engines" in ch.capabilities
    rows = Writer.order_by("id").get()
    assert [w.name for w in rows] == ["w1", "w2", "w3"]
    first = rows[0]
    assert first.joined == datetime(2024, 1, 1) and first.tags == ["t", "1"]
    assert isinstance(first.ref, uuid.UUID) and first.is_persisted
    assert Writer.find(2).name == "w2" and Writer.find(99) is None


def test_eager_loading_and_filters(ch: BaseConnection) -> None:
    seen: list[str] = []
    ch.listeners.append(lambda sql, params: seen.append(sql))
    try:
        writers = Writer.with_("articles", "groups").order_by("id").get()
        assert len(seen) == 3
        assert [[a.title for a in w.articles] for w in writers] == [["a1", "a2"], ["a3"], []]
        assert [[g.label for g in w.groups] for w in writers] == [["core"], ["core"], []]
    finally:
        ch.listeners.clear()
    assert [w.name for w in Writer.where_has("articles", lambda q: q.where("title", "a3"))
            .get()] == ["w2"]
    assert [w.name for w in Writer.where_doesnt_have("articles").get()] == ["w3"]
    counted = Writer.with_count("articles", "groups").order_by("id").get()
    assert [(w.articles_count, w.groups_count) for w in counted] == [(2, 1), (1, 1), (0, 0)]
    assert Article.find(3).writer.name == "w2"
