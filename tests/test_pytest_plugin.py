"""The opt-in pytest plugin binds models to its connection: the README's example test,
run by pytest with the plugin on SQLite (the default) and on chDB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example_test() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```python\n# test_accounts.py")
    return text[start + len("```python\n"):text.index("```", start + 10)]


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "clickorm.testing.pytest_plugin", *args],
        cwd=directory, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("url", [None, "clickhouse+embedded://"], ids=["sqlite", "chdb"])
def test_readme_example_test_passes(tmp_path: Path, url: str | None) -> None:
    (tmp_path / "test_accounts.py").write_text(readme_example_test(), encoding="utf-8")
    done = run_pytest(tmp_path, *(["--clickorm-url", url] if url else []))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_models_are_bound_only_for_the_test(tmp_path: Path) -> None:
    # after the fixture's test, models use the default connection again (an on-disk
    # SQLite file here): the table the fixture's test made is not there
    (tmp_path / "clickorm.toml").write_text('[connections.default]\nurl = "sqlite:///app.db"\n')
    (tmp_path / "test_binding.py").write_text(
        "from clickorm import Column, Model, get_connection\n"
        "class Note(Model):\n"
        "    id: int = Column(primary_key=True)\n"
        "    text: str\n"
        "def test_a(clickorm_connection, clickorm_statements):\n"
        "    Note.create_table()\n"
        "    assert get_connection() is clickorm_connection\n"
        "    assert Note.count() == 0 and len(clickorm_statements) == 2\n"
        "def test_b():\n"
        "    Note.create_table()\n"
        "    Note.create(id=1, text='x')\n"
        "    assert Note.count() == 1\n"
    )
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert (tmp_path / "app.db").stat().st_size > 0  # test_b wrote to the configured file
