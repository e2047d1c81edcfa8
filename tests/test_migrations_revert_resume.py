"""A downgrade that fails part-way is recorded like a failed upgrade: running ``down``
again resumes at the failed step instead of re-running the steps that ran (a data step
run twice would double its rows), ``status`` says the migration is partly reverted, and
``up`` refuses it until the revert is finished (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.errors import MigrationError
from clickorm.migrations import Migrator

MIGRATION = '''
from clickorm.migrations import ops

def upgrade():
    return [ops.RunSQL(["CREATE TABLE archive (id INTEGER)",
                        "CREATE TABLE log (id INTEGER)",
                        "INSERT INTO log VALUES (1), (2)"])]

def downgrade():
    return [ops.RunSQL(["INSERT INTO archive SELECT id FROM log",
                        "DROP TABLE legacy",
                        "DROP TABLE log"])]
'''


def test_a_failed_downgrade_resumes_at_its_failed_step(tmp_path: Path) -> None:
    (tmp_path / "20260101_000000_archive.py").write_text(MIGRATION)
    conn = ConnectionManager(f"sqlite:///{tmp_path}/app.db").connection()
    migrator = Migrator(conn, tmp_path)
    migrator.up()
    with pytest.raises(MigrationError, match="(?s)step 2/3 failed.*steps 1-1 ran and were "
                                             "kept.*resumes at this step"):
        migrator.down()
    assert [(s.state, s.step) for s in migrator.status()] == [("reverting", 1)]
    with pytest.raises(MigrationError, match="partly reverted"):
        migrator.up()
    conn.execute("CREATE TABLE legacy (id INTEGER)")
    migrator.down()  # resumes at step 2: the archive copy is not run again
    assert conn.execute("SELECT count(*) FROM archive").scalar() == 2
    assert [s.state for s in migrator.status()] == ["pending"]
    conn.close()
