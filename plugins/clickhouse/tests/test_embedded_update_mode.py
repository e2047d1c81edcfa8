"""The connection option ``update_mode`` (README: "in Meta.options or the connection's
options") works on chDB as on the native driver: it was refused as an unknown option."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from clickorm import Column, ConnectionManager, Model
from clickorm.connection.manager import bound_to
from clickorm.errors import ConfigError
from clickorm_clickhouse.engines import MergeTree


class Tally(Model):
    id: int = Column(primary_key=True)
    hits: int = 0

    class Meta:
        table_name = "tallies"
        engine = MergeTree()
        order_by = "id"
        settings = {"enable_block_number_column": 1, "enable_block_offset_column": 1}


@pytest.fixture()
def manager() -> Iterator[ConnectionManager]:
    database = f"um_{uuid.uuid4().hex[:8]}"
    manager = ConnectionManager(
        "clickhouse+embedded://?update_mode=mutation", database=database)
    yield manager
    manager.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
    manager.close()


def test_the_connections_update_mode_chooses_the_write(manager: ConnectionManager) -> None:
    assert manager.connection().update_mode == "mutation"
    with bound_to(manager):
        Tally.create_table()
        tally = Tally.create(id=1)
        tally.hits = 5
        (statement,) = tally.save(dry=True)
        assert statement.startswith("ALTER TABLE `tallies` UPDATE `hits` = 5"), statement
        tally.save()
        assert Tally.find_or_fail(1).hits == 5


@pytest.mark.parametrize("url", ["clickhouse+embedded://", "clickhouse://u@127.0.0.1:1/db"])
def test_an_unknown_update_mode_is_refused_at_connect(url: str) -> None:
    """On both drivers, before any statement (was: only when a model's row changed)."""
    with pytest.raises(ConfigError, match="update_mode.*'lightweight', got 'lightwieght'"):
        ConnectionManager(f"{url}?update_mode=lightwieght").connection()
