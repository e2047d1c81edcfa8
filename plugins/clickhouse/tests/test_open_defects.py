"""Wrong answers found in review and not fixed yet, pinned as strict xfails (each says why):
when one is fixed its test passes and must lose the mark. A difference between dialects
that is documented instead (README, "Values checked before a bulk write or a filter") is
pinned by a test of each dialect's answer."""

from __future__ import annotations

import enum
import ipaddress
import uuid
from collections.abc import Iterator
from typing import Annotated

import pytest

from clickorm import Column, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Code(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    code: Annotated[str, types.FixedString(3)]

    class Meta:
        table_name = "defect_codes"
        engine = MergeTree()
        order_by = ("id",)


class Color(enum.Enum):
    red = "red"
    blue = "blue"


class Paint(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    color: Annotated[Color, types.Enum8]

    class Meta:
        table_name = "defect_paints"
        engine = MergeTree()
        order_by = ("id",)


class Ticket(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    uid: uuid.UUID

    class Meta:
        table_name = "defect_tickets"
        engine = MergeTree()
        order_by = ("id",)


class Host(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    ip: ipaddress.IPv4Address

    class Meta:
        table_name = "defect_hosts"
        engine = MergeTree()
        order_by = ("id",)


class Author(Model):
    id: int = Column(primary_key=True, autoincrement=False)

    class Meta:
        table_name = "defect_authors"
        engine = MergeTree()
        order_by = ("id",)


class Post(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    author_id: int

    class Meta:
        table_name = "defect_posts"
        engine = MergeTree()
        order_by = ("id",)


#: test -> why it fails on the 18.16 server (it passes on SQLite and chDB)
SERVER_DEFECTS = {
    "test_a_fixed_string_filter_matches_a_shorter_stored_value":
        "18.16 compares FixedString(3) 'ab\\0' with the String 'ab' as unequal (chDB and "
        "SQLite: equal); a filter value for a FixedString field is not padded to the "
        "column's size yet",
    "test_a_joined_key_column_reads_its_values":
        "18.16 reads the right table's ON key column wrongly when a left row matches several "
        "right rows (author_id reads 1 then 0); the ORM does not rewrite the join yet",
}


@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection],
           request: pytest.FixtureRequest) -> Iterator[str]:
    name, conn = engine_connection
    reason = SERVER_DEFECTS.get(request.node.originalname)
    if name == "server" and reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    with Session(conn):
        for model in (Code, Author, Post, Paint, Ticket):
            model.drop_table(if_exists=True)
            model.create_table()
        yield name


def test_a_fixed_string_filter_matches_a_shorter_stored_value(engine: str) -> None:
    Code.create(id=1, code="ab")
    assert Code.where("code", "ab").count() == 1


def test_a_joined_key_column_reads_its_values(engine: str) -> None:
    Author.create(id=1)
    Post.insert_many([Post(id=10, author_id=1), Post(id=11, author_id=1)])
    q = Author.join("defect_posts", "defect_authors.id", "=", "defect_posts.author_id") \
        .select("defect_posts.author_id").order_by("defect_posts.id")
    assert q.scalars() == [1, 1]


def test_an_enum_orders_by_its_value_on_clickhouse_and_its_label_on_sqlite(engine: str
                                                                            ) -> None:
    # ClickHouse orders and compares Enum8('red' = 1, 'blue' = 2) by the numbers; SQLite
    # stores the labels as text and orders them alphabetically (documented difference)
    Paint.insert_many([Paint(id=1, color=Color.red), Paint(id=2, color=Color.blue)])
    by_label = engine == "sqlite"
    assert Paint.order_by("color").pluck("id") == ([2, 1] if by_label else [1, 2])
    assert Paint.query.max("color") is (Color.red if by_label else Color.blue)
    assert Paint.where("color", ">", "blue").pluck("id") == ([1] if by_label else [])


def test_a_uuid_orders_by_its_halves_on_clickhouse_and_its_text_on_sqlite(engine: str
                                                                           ) -> None:
    # ClickHouse compares a UUID's last 64 bits first; SQLite stores the text, ordered as
    # written (documented difference)
    Ticket.insert_many([Ticket(id=1, uid=uuid.UUID(int=1)), Ticket(id=2, uid=uuid.UUID(int=2**64)),
                        Ticket(id=3, uid=uuid.UUID(int=2**127))])
    as_text = engine == "sqlite"
    assert Ticket.order_by("uid").pluck("id") == ([1, 2, 3] if as_text else [2, 3, 1])
    assert Ticket.where("uid", ">", uuid.UUID(int=2)).pluck("id") == (
        [2, 3] if as_text else [])


def test_an_ip_address_orders_by_its_number_on_clickhouse_and_its_text_on_sqlite(
        engine: str) -> None:
    if engine == "server":
        return  # no IPv4 type before ClickHouse 19.3
    Host.drop_table(if_exists=True)
    Host.create_table()
    Host.insert_many([Host(id=1, ip=ipaddress.IPv4Address("10.0.0.2")),
                      Host(id=2, ip=ipaddress.IPv4Address("9.0.0.1"))])
    as_text = engine == "sqlite"
    assert Host.order_by("ip").pluck("id") == ([1, 2] if as_text else [2, 1])
    assert Host.where("ip", ">", ipaddress.IPv4Address("9.255.0.0")).pluck("id") == (
        [] if as_text else [1])
