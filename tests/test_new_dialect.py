"""``clickorm new-dialect`` writes a distribution that is discovered through its entry
point and passes the behaviour suite as written.

The skeleton is not pip-installed: a ``.dist-info`` with its ``entry_points.txt`` in a
temporary directory on ``PYTHONPATH`` is how an installed distribution is found, and it
leaves the environment untouched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clickorm.cli.cli import main
from clickorm.cli.cli_new_dialect import render
from clickorm.errors import ConfigError


def _register(site: Path, name: str) -> None:
    dist = site / f"clickorm_{name}-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: clickorm-{name}\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[clickorm]\n{name} = clickorm_{name}\n")


def test_the_skeleton_passes_its_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["new-dialect", "quackdb", "--directory", str(tmp_path)]) == 0
    root = tmp_path / "clickorm-quackdb"
    assert f"wrote {root}" in capsys.readouterr().out
    assert sorted(p.name for p in (root / "clickorm_quackdb").iterdir()) == [
        "__init__.py", "connection.py", "grammar.py", "platform.py", "py.typed"]
    site = tmp_path / "site"
    _register(site, "quackdb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), str(root), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"^\d+ passed, \d+ skipped in ", proc.stdout, re.MULTILINE), proc.stdout
    # what the skeleton does not declare is skipped with the reason, never passed
    assert "quackdb does not declare 'nested_transactions'" in proc.stdout
    # and it is clean under its own lint and strict typing settings
    for tool in (["ruff", "check", "--no-cache", "."], ["mypy", "--no-incremental"]):
        checked = subprocess.run([sys.executable, "-m", *tool], cwd=root, env=env,
                                 capture_output=True, text=True, timeout=300)
        assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-1000:]


def test_the_skeleton_imports_only_the_author_api() -> None:
    for path, text in render("x").items():
        for line in text.splitlines():
            if line.lstrip().startswith(("from clickorm", "import clickorm")):
                assert line.split()[1] in {"clickorm.dialects", "clickorm.testing.dialect_suite",
                                           "clickorm_x.grammar", "clickorm_x.platform"}, path


def test_bad_names_and_existing_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be lower case"):
        render("quack_db")
    (tmp_path / "clickorm-x").mkdir()
    assert main(["new-dialect", "x", "--directory", str(tmp_path)]) == 2


@pytest.mark.parametrize("name", ["sqlite", "toydb", "chdb"])
def test_a_name_an_installed_plugin_uses_is_refused(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``new-dialect sqlite`` wrote clickorm-sqlite, whose ``pip install -e`` replaces the
    real clickorm-sqlite distribution, and whose dialect then clashes with it."""
    assert main(["new-dialect", name, "--directory", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{name!r} is taken" in err and "choose another name" in err, err
    assert not (tmp_path / f"clickorm-{name}").exists()
