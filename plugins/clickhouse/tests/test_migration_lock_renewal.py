"""A migration step that runs longer than the lock claim is renewed while it runs (from
its progress thread), so a second migrator cannot take the lock and run the same steps
beside it; renewals used to happen only between steps (chDB and the 18.16 server)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.migrations import History, Migrator, runner

SLOW = '''
import time
from clickorm.migrations import ops

def wait(connection):
    time.sleep(1.5)

def upgrade():
    return [ops.RunPython(wait, wait)]

def downgrade():
    return [ops.RunPython(wait, wait)]
'''


def test_a_long_step_keeps_its_claim_alive(engine_connection: tuple[str, BaseConnection],
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _, conn = engine_connection
    conn.execute("DROP TABLE IF EXISTS renewal_history")
    (tmp_path / "20260101_000000_slow.py").write_text(SLOW)
    monkeypatch.setattr(runner, "RENEW_EVERY", 0.3)
    migrator = Migrator(conn, tmp_path, table="renewal_history", progress_every=0.1)
    started = time.monotonic()
    migrator.up()
    assert time.monotonic() - started >= 1.5
    claims = [e for e in History(conn, "renewal_history").events() if e.kind == "lock"]
    assert len({e.token for e in claims}) == 1
    assert len(claims) >= 3, claims  # the claim, then renewals during the one step
    conn.execute("DROP TABLE IF EXISTS renewal_history")
