"""The ``server`` marker comes from the fixtures: a test using a real-server fixture is
marked, so ``-m "not server"`` runs the rest without the binary; without ``-m`` a missing
binary fails those tests, never skips them. Checked in a separate pytest run over copies
of this directory's conftest.py, server.py and cluster.py, with the binary made unfindable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

SAMPLE = '''
import pytest


@pytest.fixture
def through_another(clickhouse_database):
    return clickhouse_database


def test_uses_the_server(clickhouse_native):
    pass


def test_uses_it_through_a_fixture(through_another):
    pass


def test_needs_no_server(request):
    assert request.node.get_closest_marker("server") is None
'''

NO_BINARY = '''
import sys


def pytest_collection_finish(session):
    sys.modules["clickorm_clickhouse_test_server"].find_server_command = lambda: None
'''


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    for name in ("conftest.py", "server.py", "cluster.py"):
        shutil.copy(HERE / name, tmp_path / name)
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "no_server_binary.py").write_text(NO_BINARY)
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no_server_binary",
         "-o", "markers=server: needs the real server", "--strict-markers", "-rA", *args,
         str(tmp_path / "test_sample.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_not_server_runs_the_rest_without_the_binary(tmp_path: Path) -> None:
    done = _run(tmp_path, "-m", "not server")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed, 2 deselected" in done.stdout


def test_without_m_a_missing_binary_fails_and_never_skips(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "clickhouse-server binary not found" in done.stdout
    assert "1 passed, 2 errors" in done.stdout
    assert "skipped" not in done.stdout
