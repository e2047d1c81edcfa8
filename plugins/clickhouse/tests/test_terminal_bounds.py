"""Terminals keep the query's limit and offset: ``exists()`` dropped them, so
``offset(10).exists()`` on three rows said True on every engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import Column, Model
from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Row(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    kind: str

    class Meta:
        table_name = "bounded_rows"
        engine = MergeTree()
        order_by = ("id",)


@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    name, conn = engine_connection
    with Session(conn):
        Row.drop_table(if_exists=True)
        Row.create_table()
        Row.insert_many([Row(id=1, kind="a"), Row(id=2, kind="a"), Row(id=3, kind="b")])
        yield name


def test_exists_counts_the_offset_and_the_limit(engine: str) -> None:
    assert Row.order_by("id").offset(2).exists()
    assert not Row.order_by("id").offset(3).exists()
    assert Row.order_by("id").offset(3).doesnt_exist()
    assert not Row.query.limit(0).exists()
    assert Row.where("kind", "a").order_by("id").offset(1).exists()
    assert not Row.where("kind", "a").order_by("id").offset(2).exists()


def test_exists_with_an_offset_counts_distinct_rows(engine: str) -> None:
    kinds = Row.select("kind").distinct().order_by("kind")
    assert kinds.offset(1).exists()
    assert not kinds.offset(2).exists()  # two distinct kinds
    assert kinds.offset(2).count() == 0


def test_a_write_refuses_distinct_on_every_engine(engine: str) -> None:
    # SQLite dropped the DISTINCT and deleted every row; ClickHouse refused it
    with pytest.raises(QueryError, match="DELETE cannot use DISTINCT"):
        Row.select("kind").distinct().delete()
    with pytest.raises(QueryError, match="UPDATE cannot use DISTINCT"):
        Row.query.distinct().update({"kind": "c"})
    assert Row.count() == 3 and Row.where("kind", "c").count() == 0


def test_a_zero_limit_reads_no_row(engine: str) -> None:
    q = Row.order_by("id").limit(0)
    assert q.get() == [] and q.first() is None and q.value("kind") is None


def test_totals_rows_are_not_rows_of_the_result(engine: str) -> None:
    if engine == "sqlite":
        return  # WITH TOTALS is ClickHouse's
    # the totals row came back even when no row matched: exists() said True
    none = Row.where("id", 99).select("kind").group_by("kind").with_totals()
    assert not none.exists()
    some = Row.select("kind").group_by("kind").with_totals().order_by("kind")
    assert some.exists()
    # each page's query would carry a totals row beside its rows
    with pytest.raises(QueryError, match="WITH TOTALS"):
        some.paginate(1, 1)
    with pytest.raises(QueryError, match="WITH TOTALS"):
        some.simple_paginate(1, 1)
