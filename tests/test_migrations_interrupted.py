"""A migration run that is interrupted (Ctrl-C in a step) records where it stopped, so
the next run resumes there instead of re-running the steps that ran; when the stop
cannot be recorded the error says so instead of promising a resume (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.errors import MigrationError
from clickorm.migrations import Migrator

INTERRUPTED = '''
from pathlib import Path
from clickorm.migrations import ops

FLAG = Path(__file__).with_name("interrupt")

def step(connection):
    if FLAG.exists():
        raise KeyboardInterrupt

def upgrade():
    return [ops.RunSQL("CREATE TABLE moved (id INTEGER)"),
            ops.RunPython(step, step),
            ops.RunSQL("INSERT INTO moved VALUES (1)", "DELETE FROM moved")]

def downgrade():
    return []
'''

UNRECORDED = '''
from clickorm.migrations import ops

def upgrade():
    return [ops.RunSQL("DROP TABLE clickorm_migrations"),
            ops.RunSQL("DROP TABLE missing")]

def downgrade():
    return []
'''


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    (tmp_path / "20260101_000000_moved.py").write_text(INTERRUPTED)
    (tmp_path / "interrupt").write_text("")
    conn = ConnectionManager(f"sqlite:///{tmp_path}/app.db").connection()
    migrator = Migrator(conn, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        migrator.up()
    assert [(s.state, s.step) for s in migrator.status()] == [("partial", 1)]
    (tmp_path / "interrupt").unlink()
    migrator.up()  # resumes at step 2: CREATE TABLE moved is not run again
    assert [s.state for s in migrator.status()] == ["applied"]
    assert conn.execute("SELECT count(*) FROM moved").scalar() == 1
    conn.close()


def test_a_stop_that_cannot_be_recorded_is_said(tmp_path: Path) -> None:
    (tmp_path / "20260101_000000_lost.py").write_text(UNRECORDED)
    conn = ConnectionManager(f"sqlite:///{tmp_path}/app.db").connection()
    with pytest.raises(MigrationError) as info:
        Migrator(conn, tmp_path).up()
    text = str(info.value)
    assert "step 2/2 failed" in text and "no such table: missing" in text
    assert "could not be recorded in the history" in text and "resumes" not in text
    conn.close()


KILLED = '''
import os
from pathlib import Path
from clickorm.migrations import ops

FLAG = Path(__file__).with_name("die")

def step(connection):
    if FLAG.exists():
        os._exit(3)  # the process dies here: no handler, no finally

def upgrade():
    return [ops.RunSQL("CREATE TABLE copied (id INTEGER)"),
            ops.RunSQL("INSERT INTO copied VALUES (1)", "DELETE FROM copied"),
            ops.RunPython(step, step)]

def downgrade():
    return []
'''


def test_a_killed_migrator_resumes_after_the_last_step_that_ran(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "20260101_000000_copied.py").write_text(KILLED)
    (tmp_path / "die").write_text("")
    url = f"sqlite:///{tmp_path}/app.db"
    code = ("from clickorm import ConnectionManager\nfrom clickorm.migrations import Migrator\n"
            f"Migrator(ConnectionManager({url!r}).connection(), {str(tmp_path)!r}).up()\n")
    died = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert died.returncode == 3, died.stderr
    conn = ConnectionManager(url).connection()
    migrator = Migrator(conn, tmp_path, lock_wait=0)
    assert [(s.state, s.step) for s in migrator.status()] == [("partial", 2)]
    (tmp_path / "die").unlink()
    # the dead run's claim would hold the lock for an hour: take it over by hand here
    from clickorm.migrations import History

    for claim in History(conn).live_claims():
        History(conn)._append("", "unlock", token=claim.token)
    migrator.up()  # resumes at step 3: the INSERT of step 2 is not run twice
    assert conn.execute("SELECT count(*) FROM copied").scalar() == 1
    assert [s.state for s in migrator.status()] == ["applied"]
    conn.close()
