"""Migration files, ids, snapshots and operations without a server (SQLite for runs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.errors import MigrationError
from clickorm.migrations import Migrator, ops, reverse, snapshot
from clickorm.migrations.files import load_files, new_id, slug
from clickorm.schema.table import Table


def test_ids_sort_in_creation_order_even_within_a_second() -> None:
    now = dt.datetime(2026, 12, 6, 15, 0, 0, tzinfo=dt.UTC)
    first = new_id([], now)
    second = new_id([first], now)
    third = new_id([first, second], now)
    assert (first, second, third) == ("20261206_150000", "20261206_150000_01",
                                      "20261206_150000_02")
    assert sorted([third, first, second]) == [first, second, third]
    assert new_id([third], now + dt.timedelta(seconds=1)) == "20261206_150001"
    assert slug("Add events: v2!") == "add_events_v2"
    with pytest.raises(MigrationError, match="empty file name"):
        slug("!!")


def test_files_are_checked(tmp_path: Path) -> None:
    assert load_files(tmp_path / "missing") == []
    (tmp_path / "_helpers.py").write_text("")  # ignored
    (tmp_path / "notes.py").write_text("")
    with pytest.raises(MigrationError, match="named <YYYYMMDD_HHMMSS>_<name>.py"):
        load_files(tmp_path)
    (tmp_path / "notes.py").unlink()
    (tmp_path / "20260101_000000_a.py").write_text("def upgrade():\n    return ['x']\n")
    (f,) = load_files(tmp_path)
    with pytest.raises(MigrationError, match="defines no downgrade"):
        f.operations("upgrade")
    (tmp_path / "20260101_000000_a.py").write_text(
        "def upgrade():\n    return ['x']\ndef downgrade():\n    return []\n")
    (f,) = load_files(tmp_path)
    with pytest.raises(MigrationError, match="returned 'x', not an operation"):
        f.operations("upgrade")


def test_snapshot_renders_python_that_rebuilds_the_table() -> None:
    table = snapshot.table(
        "events",
        [snapshot.column("id", "UInt64"), snapshot.column("n", "Int32", nullable=True),
         snapshot.column("u", "UInt32", materialized="length(s)", comment="it's")],
        primary_key=("id",),
        indexes=[snapshot.index("ix", ("n",), type="minmax", granularity=2)],
        engine="MergeTree()", order_by=("id",), settings={"index_granularity": 1024},
        options={"primary_key": ("id",)},
    )
    source = snapshot.render_table(table, "")
    rebuilt = eval(source, {"s": snapshot})  # noqa: S307 - our own output
    assert isinstance(rebuilt, Table) and rebuilt == table


def test_irreversible_operations_say_so() -> None:
    with pytest.raises(MigrationError, match="run SQL cannot be reversed"):
        reverse([ops.RunSQL("UPDATE t SET x = 1")])
    assert reverse([ops.RunSQL("A", "B")]) == [ops.RunSQL("B", "A")]
    assert ops.RunSQL("DELETE FROM t", loses_data=True).destructive


def test_status_notices_a_file_changed_after_it_was_applied(tmp_path: Path) -> None:
    manager = ConnectionManager("sqlite://")
    conn = manager.connection()
    path = tmp_path / "20260101_000000_t.py"
    path.write_text("from clickorm.migrations import ops\n"
                    "def upgrade():\n    return [ops.RunSQL('CREATE TABLE t (id INTEGER)')]\n"
                    "def downgrade():\n    return [ops.RunSQL('DROP TABLE t')]\n")
    migrator = Migrator(conn, tmp_path)
    migrator.up()
    assert not migrator.status()[0].changed
    path.write_text(path.read_text() + "# edited\n")
    assert migrator.status()[0].changed
    manager.close()


def test_long_steps_report_progress(tmp_path: Path) -> None:
    manager = ConnectionManager("sqlite://")
    conn = manager.connection()
    (tmp_path / "20260101_000000_slow.py").write_text(
        "import time\nfrom clickorm.migrations import ops\n"
        "def wait(connection):\n    time.sleep(0.35)\n"
        "def upgrade():\n    return [ops.RunPython(wait, wait)]\n"
        "def downgrade():\n    return ops.reverse(upgrade())\n")
    lines: list[str] = []
    Migrator(conn, tmp_path, echo=lines.append, progress_every=0.1).up()
    assert lines[0] == "Applying 20260101_000000_slow (1 step)"
    assert lines[1] == "  step 1/1: -- python: wait ..."
    assert any(line.startswith("  step 1/1 running for ") for line in lines[2:-1])
    assert lines[-1].startswith("  step 1/1 done in ")
    manager.close()


def test_models_are_picked_by_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clickorm.migrations import load_models

    (tmp_path / "mig_models_pick.py").write_text(
        "from clickorm import Column, Model\n"
        "class Base(Model):\n    id: int = Column(primary_key=True)\n"
        "    class Meta:\n        abstract = True\n"
        "class A(Base):\n    class Meta:\n        table_name = 'a'\n"
        "class B(Base):\n    class Meta:\n        table_name = 'b'\n        connection = 'other'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    names = lambda models: [m.__name__ for m in models]  # noqa: E731
    assert names(load_models(["mig_models_pick"], "main", default=True)) == ["A"]
    assert names(load_models(["mig_models_pick"], "other", default=False)) == ["B"]
    with pytest.raises(MigrationError, match="Cannot import models module 'no_such_mod'"):
        load_models(["no_such_mod"])
