"""A rebuild that stops before its swap (the row counts differ: a writer came during
the copy) is started over by the next run, from a fresh copy, instead of resuming at
the count check against the stale copy forever (chDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest

from clickorm import Column, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import MigrationError
from clickorm.migrations import Migrator, compare, write_migration

HISTORY = "clickorm_migrations"


class HitV1(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    kind: str

    class Meta:
        table_name = "rebuilt_hits"
        order_by = ("id",)


class HitV2(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    kind: str

    class Meta:
        table_name = "rebuilt_hits"
        order_by = ("kind", "id")  # a new sorting key: a rebuild


def _make(conn: BaseConnection, directory: Path, name: str, model: type[Model]) -> None:
    result = compare(conn, [model], ignore=[HISTORY])
    write_migration(directory, name, result.operations, connection="default",
                    dialect=conn.dialect.name)


def test_a_rebuild_stopped_by_a_writer_starts_over(chdb: BaseConnection,
                                                   tmp_path: Path) -> None:
    conn = chdb
    for name in ("rebuilt_hits", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    migrator = Migrator(conn, tmp_path)
    _make(conn, tmp_path, "init", HitV1)
    migrator.up()
    conn.insert_rows("rebuilt_hits", ["id", "kind"], [(1, "a")])
    _make(conn, tmp_path, "sort_by_kind", HitV2)

    def writer(sql: str, params: Any) -> None:  # a row lands between copy and check
        if sql == "SELECT count() FROM `rebuilt_hits`":
            conn.listeners.remove(writer)
            conn.insert_rows("rebuilt_hits", ["id", "kind"], [(2, "b")])

    conn.listeners.append(writer)
    with pytest.raises(MigrationError, match="(?s)1 rows copied but the table has 2.*"
                                             "resumes at step 1, starting this rebuild over"):
        migrator.up()
    assert [(s.state, s.step) for s in migrator.status()][-1] == ("partial", 0)
    migrator.up()  # starts the rebuild over: a fresh copy holds both rows
    assert [s.state for s in migrator.status()] == ["applied", "applied"]
    got = conn.execute("SELECT id, kind FROM rebuilt_hits ORDER BY id").rows
    assert [tuple(r) for r in got] == [(1, "a"), (2, "b")]
    engine = conn.execute("SELECT sorting_key FROM system.tables WHERE database = "
                          "currentDatabase() AND name = 'rebuilt_hits'").scalar()
    assert engine == "kind, id"
    assert not conn.execute("SELECT count() FROM system.tables WHERE database = "
                            "currentDatabase() AND name LIKE '_clickorm_rebuild%'").scalar()
    for name in ("rebuilt_hits", HISTORY):
        conn.execute(f"DROP TABLE IF EXISTS {name}")
