"""``clickorm init`` from an empty directory, as a newcomer runs it: the files it writes,
its questions, its refusal to overwrite, and the generated project running on chDB,
SQLite and the real server (create the table, insert, read)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clickorm.config import load_config

CLICKORM_ENV = ("CLICKORM_CONFIG", "CLICKORM_URL", "CLICKORM_DISABLE_PLUGINS")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CLICKORM_ENV}


def init(directory: Path, *args: str, answers: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clickorm.cli", "init", *args],
                          cwd=directory, input=answers, capture_output=True, text=True,
                          timeout=60, env=_env())


def run_models(directory: Path) -> list[list[str]]:
    done = subprocess.run([sys.executable, "models.py"], cwd=directory, capture_output=True,
                          text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line.split()[:2] for line in done.stdout.splitlines()]  # id and name of each row


@pytest.mark.parametrize(("args", "answers", "url"), [
    (["--embedded"], "", "clickhouse+embedded:///.clickorm-data"),
    ([], "", "clickhouse+embedded:///.clickorm-data"),           # end of input: the default
    (["--sqlite"], "", "sqlite:///app.db"),
    ([], "2\ndata/dev.db\n", "sqlite:///data/dev.db"),
], ids=["embedded-flag", "embedded-asked", "sqlite-flag", "sqlite-asked"])
def test_init_writes_a_project_that_runs(tmp_path: Path, args: list[str], answers: str,
                                         url: str) -> None:
    done = init(tmp_path, *args, answers=answers)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clickorm.toml", "models.py"]
    toml = (tmp_path / "clickorm.toml").read_text()
    assert f'url = "{url}"' in toml and toml.startswith("# ClickORM configuration")
    config = load_config(tmp_path / "clickorm.toml")
    assert config.default == "main" and list(config.connections) == ["main"]
    engine_meta = 'engine = "MergeTree()"' in (tmp_path / "models.py").read_text()
    assert engine_meta == url.startswith("clickhouse")
    if not args:
        return  # the flag cases run the same files
    # the generated project: create the table, insert, read; a second run adds a row
    assert run_models(tmp_path) == [["1", "hello"]]
    assert run_models(tmp_path) == [["1", "hello"], ["2", "hello"]]


@pytest.mark.parametrize("flag", ["--embedded", "--sqlite"])
def test_the_commented_tuning_lines_work_when_uncommented(tmp_path: Path, flag: str) -> None:
    """The file offered settings = { max_threads = 4 } and options = { connect_timeout = 5 }
    whatever the database: uncommented, SQLite refuses settings and both refuse
    connect_timeout. Now the lines are the connection's own."""
    from clickorm import ConnectionManager

    assert init(tmp_path, flag).returncode == 0
    path = tmp_path / "clickorm.toml"
    lines = path.read_text().splitlines()
    tuning = [n for n, line in enumerate(lines) if line.startswith(("# settings", "# options"))]
    assert tuning, lines
    for n in tuning:
        lines[n] = lines[n][2:]
    path.write_text("\n".join(lines) + "\n")
    manager = ConnectionManager(config=load_config(path))
    try:
        assert manager.connection().execute("SELECT 1").scalar() == 1
    finally:
        manager.close()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text("# mine\n")
    done = init(tmp_path, "--sqlite")
    assert done.returncode == 2
    assert "does not overwrite" in done.stderr and "models.py" in done.stderr
    assert (tmp_path / "models.py").read_text() == "# mine\n"
    assert not (tmp_path / "clickorm.toml").exists()
    assert "Choose" not in init(tmp_path).stdout  # refused before asking


def test_init_refuses_a_bad_url_and_writes_nothing(tmp_path: Path) -> None:
    done = init(tmp_path, "--url", "clikhouse//nowhere")
    assert done.returncode == 2 and "Invalid connection URL" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_asks_for_a_server_url_and_masks_its_password(tmp_path: Path) -> None:
    done = init(tmp_path, "proj", answers="3\nclickhouse://app:s3cret@db1:9000/analytics\n")
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout and "wrote" in done.stdout
    config = load_config(tmp_path / "proj" / "clickorm.toml")
    main = config.connections["main"]
    assert (main.host, main.port, main.database) == ("db1", 9000, "analytics")


def test_init_project_runs_on_the_server(tmp_path: Path, clickhouse_server,
                                        clickhouse_database: str) -> None:
    url = f"clickhouse://default@{clickhouse_server.address}/{clickhouse_database}"
    done = init(tmp_path, "--url", url)
    assert done.returncode == 0, done.stderr
    assert run_models(tmp_path) == [["1", "hello"]]
