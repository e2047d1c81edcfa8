"""Pages never repeat or skip a row: rows that tie on the ORDER BY came back in another
order for each page's query on the 18.16 server (50 rows paged by a column with 5 values
read 40 distinct rows), so the order is completed until it decides every row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import Column, Model, func
from clickorm.connection.base import BaseConnection
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Visit(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    shop: str
    n: int
    tags: list[str] = []

    class Meta:
        table_name = "page_order_visits"
        engine = MergeTree()
        order_by = ("shop",)
        settings = {"index_granularity": 4}  # many granules: parallel reads


class Keyless(Model):
    shop: str
    n: int

    class Meta:
        table_name = "page_order_keyless"
        engine = MergeTree()
        order_by = ("shop",)
        settings = {"index_granularity": 4}


ROWS = 60


@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    name, conn = engine_connection
    with Session(conn):
        for model in (Visit, Keyless):
            model.drop_table(if_exists=True)
            model.create_table()
        for start in range(0, ROWS, 10):  # several parts
            Visit.insert_many([Visit(id=i, shop="abcde"[i % 5], n=i % 7, tags=[str(i)])
                               for i in range(start, start + 10)])
            Keyless.insert_many([Keyless(shop="abcde"[i % 5], n=i)
                                 for i in range(start, start + 10)])
        yield name


def _all_pages(query: object, per_page: int, simple: bool = False) -> list[object]:
    seen: list[object] = []
    for page in range(1, ROWS // per_page + 2):
        items = (query.simple_paginate(per_page, page) if simple  # type: ignore[attr-defined]
                 else query.paginate(per_page, page)).items  # type: ignore[attr-defined]
        seen += [(r.shop, r.n) if isinstance(r, Keyless) else r.id for r in items]
    return seen


@pytest.mark.parametrize("simple", [False, True])
def test_pages_by_a_column_with_ties_hold_every_row_once(engine: str, simple: bool) -> None:
    seen = _all_pages(Visit.order_by("shop"), 7, simple)
    assert sorted(seen) == list(range(ROWS))  # type: ignore[type-var]
    # the order asked for is kept; the key decides within a tie
    assert seen[:12] == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]


def test_a_model_without_a_key_is_decided_by_its_columns(engine: str) -> None:
    seen = _all_pages(Keyless.order_by("shop", "desc"), 7)
    assert len(seen) == ROWS and len(set(seen)) == ROWS


def test_grouped_pages_are_decided_by_the_group_keys(engine: str) -> None:
    q = Visit.select("shop", "n", func.count().label("c")).group_by("shop", "n") \
        .order_by("shop")
    keys = [(r.shop, r.n) for p in range(1, 9) for r in q.paginate(5, p).items]
    assert len(keys) == 35 and len(set(keys)) == 35
    assert q.paginate(5, 1).total == 35
