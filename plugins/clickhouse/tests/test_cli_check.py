"""`clickorm check` against the real 18.16 server and the embedded chDB engine."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clickorm", "check", *args],
                          capture_output=True, text=True, timeout=120)


def test_check_native_server_reports_version_and_narrowed_capabilities(
        clickhouse_server: Any) -> None:
    done = _check("--url", clickhouse_server.url, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["dialect"] == "clickhouse" and info["driver"] == "native"
    assert info["server_version"].startswith("18.16")
    # 18.16 has no lightweight DELETE: the dialect has it, this server does not
    assert "lightweight_delete" in info["not_on_this_server"]
    assert "lightweight_delete" not in info["capabilities"]
    assert "final" in info["capabilities"]


def test_check_text_output_names_the_version(clickhouse_server: Any) -> None:
    done = _check("--url", clickhouse_server.url)
    assert done.returncode == 0, done.stderr
    assert "server version:  18.16" in done.stdout
    assert "not available:" in done.stdout and "lightweight_delete" in done.stdout


def test_check_embedded_has_modern_capabilities() -> None:
    done = _check("--url", "clickhouse+embedded://", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["driver"] == "embedded" and info["server_version"].startswith("26.")
    assert {"lightweight_delete", "server_parameters"} <= set(info["capabilities"])


def test_check_unreachable_server_is_one_clear_line() -> None:
    done = _check("--url", "clickhouse://127.0.0.1:1/default")
    assert done.returncode == 2
    assert "127.0.0.1:1" in done.stderr and "Traceback" not in done.stderr
