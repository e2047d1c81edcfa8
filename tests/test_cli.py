"""The ``clickorm`` console script: plugins, config, --version, errors, plugin commands."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clickorm import __version__
from clickorm.cli import COMMAND_MODULES, main
from clickorm.plugins import hookimpl
from clickorm.plugins.manager import PluginManager

pytestmark = pytest.mark.usefixtures("clean_env")

CONFIG = """
default = "main"
[connections.main]
url = "clickhouse://alice:hunter2@db.example:9000/analytics?secure=true"
settings = { max_threads = 4 }
[connections.local]
dialect = "sqlite"
path = "dev.db"
[connections.odd]
url = "nosuchdb://h"
"""


def clickorm_exe() -> list[str]:
    """The installed console script when present, else ``python -m clickorm.cli``."""
    script = Path(sys.executable).parent / "clickorm"
    if script.exists():
        return [str(script)]
    found = shutil.which("clickorm")
    return [found] if found else [sys.executable, "-m", "clickorm.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKORM_")}
    return subprocess.run(
        [*clickorm_exe(), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_plugins_json_lists_distributions_and_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    plugins = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert plugins["sqlite"]["distribution"] == "clickorm-sqlite"
    assert plugins["sqlite"]["version"] == "0.1.0"
    assert plugins["sqlite"]["dialects"] == ["sqlite"]
    assert plugins["toydb"]["distribution"] == "clickorm-toydb"
    assert plugins["toydb"]["version"] == "0.4.2"
    assert set(plugins["toydb"]) == {
        "name",
        "distribution",
        "version",
        "target",
        "hooks",
        "dialects",
        "disabled",
        "errors",
    }


def test_console_script_plugins() -> None:
    proc = run("plugins")
    assert proc.returncode == 0, proc.stderr
    assert "clickorm-toydb 0.4.2" in proc.stdout
    assert "dialect  toydb (drivers: memory; api 1.0)" in proc.stdout
    assert "hooks    clickorm_cli_commands, clickorm_dialects" in proc.stdout


def test_version_lists_core_and_plugins() -> None:
    proc = run("--version")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"clickorm {__version__} (plugin API ")
    assert "  clickorm-sqlite 0.1.0 (plugin sqlite) dialects: sqlite" in lines
    assert "  clickorm-toydb 0.4.2 (plugin toydb) dialects: toydb" in lines


def test_config_discovers_the_file_and_masks_the_password(tmp_path: Path) -> None:
    (tmp_path / "clickorm.toml").write_text(CONFIG)
    (tmp_path / "sub").mkdir()
    proc = run("config", cwd=tmp_path / "sub")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "hunter2" not in out
    assert f"source:      {tmp_path / 'clickorm.toml'}" in out
    assert "default:     main" in out
    assert "main*   clickhouse://alice:****@db.example:9000/analytics?secure=true" in out
    assert "settings: max_threads=4" in out
    assert f"local   sqlite:///{tmp_path / 'dev.db'}" in out
    # a connection whose dialect is not installed is flagged, not fatal
    assert "! Unknown dialect 'nosuchdb'." in out
    assert f"migrations:  {tmp_path / 'migrations'}" in out


def test_config_says_which_url_came_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``source:`` named the file while the default connection's URL was CLICKORM_URL's."""
    file = tmp_path / "conf.toml"
    file.write_text(CONFIG)
    monkeypatch.setenv("CLICKORM_URL", "sqlite:///env.db")
    assert main(["config", "--config", str(file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  main*"))
    assert "env.db" in lines[at] and "URL from CLICKORM_URL" in lines[at + 1], lines
    assert sum("CLICKORM_URL" in line for line in lines) == 1
    assert main(["config", "--json", "--config", str(file)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["connections"]["main"]["url_from"] == "CLICKORM_URL"
    assert "url_from" not in data["connections"]["local"]


def test_config_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "conf.toml"
    file.write_text(CONFIG)
    assert main(["config", "--json", "--config", str(file)]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    data = json.loads(out)
    assert data["source"] == str(file)
    assert data["default"] == "main"
    assert data["connections"]["main"] == {
        "url": "clickhouse://alice:****@db.example:9000/analytics?secure=true&settings.max_threads=4",
        "dialect": "clickhouse",
        "host": "db.example",
        "port": 9000,
        "database": "analytics",
        "user": "alice",
        "password": "****",
        "settings": {"max_threads": 4},
        "options": {"secure": True},
    }
    assert data["connections"]["local"]["path"] == str(tmp_path / "dev.db")
    assert "error" not in data["connections"]["local"]
    assert data["connections"]["odd"]["error"].startswith("Unknown dialect 'nosuchdb'.")


def test_config_embedded_default(tmp_path: Path) -> None:
    proc = run("config", cwd=tmp_path)
    assert "source:      <embedded default>" in proc.stdout
    assert "default*  clickhouse+embedded://" in proc.stdout


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "clickorm.toml").write_text('[connections.main]\nurl = "sqlite://"\nhots = 1\n')
    proc = run("config", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(
        "clickorm: error: Unknown key 'hots' in [connections.main]. Did you mean 'host'?"
    )
    assert str(tmp_path / "clickorm.toml") in proc.stderr


def test_missing_config_file_argument(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["config", "--config", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clickorm: error: No such config file.")


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "plugins" in out and "config" in out and "toydb-hello" in out


def test_plugin_command_from_installed_plugin() -> None:
    proc = run("toydb-hello", "--name", "ada")
    assert (proc.returncode, proc.stdout) == (0, "hello ada from toydb\n")


def test_command_registry_modules_define_commands() -> None:
    names = [importlib.import_module(m).COMMAND.name for m in COMMAND_MODULES]
    assert names[:2] == ["plugins", "config"]
    assert len(set(names)) == len(names)


def test_a_failing_plugin_command_hook_does_not_break_the_cli(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Bad:
        @hookimpl
        def clickorm_cli_commands(self, subparsers: Any) -> None:
            subparsers.add_parser("plugins")  # conflicts with the built-in command

    class Good:
        @hookimpl
        def clickorm_cli_commands(self, subparsers: Any) -> None:
            p = subparsers.add_parser("ping")
            p.set_defaults(func=lambda args: print("pong") or 3)

    plugins = PluginManager(load_entrypoints=False, disabled=())
    plugins.register(Bad(), "bad", distribution="clickorm-bad", version="0.0.1")
    plugins.register(Good(), "good")
    assert main(["ping"], plugins=plugins) == 3
    assert capsys.readouterr().out == "pong\n"
    assert main(["plugins", "--json"], plugins=plugins) == 0
    listing = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listing["bad"]["errors"][0]["phase"] == "hook"
    assert "conflicting subparser: plugins" in listing["bad"]["errors"][0]["error"]
    assert listing["good"]["errors"] == []


def test_plugins_text_with_no_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    plugins = PluginManager(load_entrypoints=False, disabled=())
    assert main(["plugins"], plugins=plugins) == 0
    assert "No plugins installed" in capsys.readouterr().out
