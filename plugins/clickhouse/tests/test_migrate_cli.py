"""``clickorm migrate`` from a fresh project directory, on SQLite and the 18.16 server:
make/plan/up/check/down, and two migrators started at once in separate processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.cli import main

MODELS_V1 = """
import datetime as dt
from typing import Annotated
from clickorm import Column, Model, types

class Event(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    kind: str
    at: dt.datetime

    class Meta:
        table_name = "events"
        order_by = ("id",)
"""

MODELS_V2 = MODELS_V1.replace("    at: dt.datetime\n", "    at: dt.datetime\n    score: int = 3\n")

SLOW = """
import time
from clickorm.migrations import ops

def slow(connection):
    time.sleep(1.5)

def upgrade():
    return [ops.RunPython(slow, slow)]

def downgrade():
    return [ops.RunPython(slow, slow)]
"""


def project(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS_V1)
    (root / "clickorm.toml").write_text(textwrap.dedent(f"""
        [connections.default]
        url = "{url}"
        [migrations]
        models = ["app.models"]
    """))
    return root


@pytest.fixture(params=["sqlite", pytest.param("server", marks=pytest.mark.server)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    server: Any = request.getfixturevalue("clickhouse_server")
    database = request.getfixturevalue("clickhouse_database")
    return f"clickhouse://default@{server.host}:{server.port}/{database}"


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def test_make_plan_up_check_down(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """In process (``main``), for speed; the race test below runs real processes."""
    root = project(tmp_path, url)
    monkeypatch.chdir(root)
    for name in [n for n in os.environ if n.startswith("CLICKORM_")]:
        monkeypatch.delenv(name)

    def cli(_root: Path, *args: str, check: bool = True) -> Result:
        for module in ("app", "app.models"):  # each command reads the models afresh
            sys.modules.pop(module, None)
        code = main(["migrate", *args])
        out = capsys.readouterr()
        if check and code != 0:
            raise AssertionError(f"migrate {' '.join(args)} exited {code}:\n{out.out}{out.err}")
        return Result(code, out.out, out.err)

    assert "1 operation" in cli(root, "make", "init", "--autogenerate").stdout
    assert cli(root, "status").stdout.startswith("pending")
    assert "CREATE TABLE" in cli(root, "plan").stdout
    assert "applied 1 migration" in cli(root, "up").stdout
    assert cli(root, "check").stdout.strip() == "models and database match"
    (root / "app" / "models.py").write_text(MODELS_V2)
    drift = cli(root, "check", check=False)
    assert drift.returncode == 1 and "events: add column score" in drift.stdout
    cli(root, "make", "add_score", "--autogenerate")
    sql = cli(root, "up", "--sql").stdout
    assert "ADD COLUMN" in sql and "score" in sql
    cli(root, "up")
    assert cli(root, "check").returncode == 0
    refused = cli(root, "down", check=False)
    assert refused.returncode == 2 and "--allow-destructive" in refused.stderr
    assert "DROP COLUMN" in cli(root, "down", "--sql").stdout
    cli(root, "down", "--steps", "1", "--allow-destructive")
    # a table no model describes: proposed for dropping, unless ignored
    sqlite = url.startswith("sqlite")
    ConnectionManager(url).connection().execute(
        "CREATE TABLE other (id INTEGER)" + ("" if sqlite else " ENGINE = Memory"))
    assert "other: no model describes it (drop table)" in cli(root, "check", check=False).stdout
    assert "other" not in cli(root, "check", "--ignore", "other", check=False).stdout
    assert [line.split()[0] for line in cli(root, "status").stdout.splitlines()] == [
        "applied", "pending"]


def test_two_migrators_started_at_once(url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """One applies, the other fails naming the holder (or, with --lock-wait, waits and
    finds nothing left to do): never both. Set-up in process, the races in processes."""
    root = project(tmp_path, url)
    monkeypatch.chdir(root)
    for name in [n for n in os.environ if n.startswith("CLICKORM_")]:
        monkeypatch.delenv(name)
    assert main(["migrate", "make", "init", "--autogenerate"]) == 0
    assert main(["migrate", "up"]) == 0  # the history table exists before the race
    assert main(["migrate", "make", "slow"]) == 0
    next((root / "migrations").glob("*_slow.py")).write_text(SLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKORM_")}
    command = [sys.executable, "-m", "clickorm", "migrate", "up"]
    procs = [subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[2] == 2)
    assert "Another migrator holds the migrations lock" in loser[1]
    assert sum("Applying" in r[0] and "_slow" in r[0] for r in results) == 1
    # with --lock-wait the second waits for the first, then finds nothing left to apply
    assert main(["migrate", "down"]) == 0
    procs = [subprocess.Popen([*command, "--lock-wait", "30"], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert sorted(r[0].strip().splitlines()[-1] for r in results) == [
        "applied 0 migrations", "applied 1 migration"]
