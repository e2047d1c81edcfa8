"""Quiet drivers: conditions ClickORM handles print nothing; ClickORM logs under clickorm.*.

A program without any logging configuration is what a user runs first: Python's
last-resort handler prints every WARNING to stderr, so the checks without a server run
such a program in a subprocess and read its stderr.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

from clickorm import ConnectionManager
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.native import connect

DIALECT = clickorm_dialects()[0]


def _free_ports(n: int) -> list[int]:
    from clickorm_clickhouse_test_server import free_ports  # loaded by conftest

    return list(free_ports(n))


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60)


def test_refused_hosts_print_no_traceback() -> None:
    main, alt = _free_ports(2)
    done = _run(f"""
        from clickorm import ConnectionManager, ConnectionError
        url = "clickhouse://127.0.0.1:{main}/default?alt_hosts=127.0.0.1:{alt}&connect_timeout=2"
        try:
            ConnectionManager(url).connection()
        except ConnectionError as exc:
            print("raised:", exc)
    """)
    assert done.returncode == 0, done.stderr
    assert "raised: [default] Cannot connect to ClickHouse" in done.stdout
    assert f"127.0.0.1:{alt}" in done.stdout
    assert done.stderr == ""  # was: two "Failed to connect" warnings with tracebacks


def test_missing_compression_module_prints_no_traceback() -> None:
    (port,) = _free_ports(1)
    done = _run(f"""
        import sys
        sys.modules["lz4"] = None   # as if clickhouse-driver[lz4] was not installed
        from clickorm import ConnectionManager, ConfigError
        try:
            ConnectionManager("clickhouse://127.0.0.1:{port}/default?compression=lz4").connection()
        except ConfigError as exc:
            print("raised:", exc)
    """)
    assert done.returncode == 0, done.stderr
    assert "pip install 'clickhouse-driver[lz4]'" in done.stdout
    assert done.stderr == ""  # was: "Unable to import module lz4" and a traceback


def test_failover_logs_the_refused_host_at_debug_only(clickhouse_server,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    (dead,) = _free_ports(1)
    config = clickhouse_server.connection_config(
        port=dead, options={"alt_hosts": clickhouse_server.address})
    with caplog.at_level(logging.DEBUG):
        with connect(config, DIALECT) as conn:
            assert conn.execute("SELECT 1").scalar() == 1
    driver = [r for r in caplog.records if r.name.startswith("clickhouse_driver")]
    assert [r for r in driver if r.levelno >= logging.WARNING] == []
    demoted = [r for r in caplog.records if r.name == "clickorm.clickhouse.driver"]
    assert len(demoted) == 1 and demoted[0].levelno == logging.DEBUG
    assert f"Failed to connect to 127.0.0.1:{dead}" in demoted[0].getMessage()
    assert demoted[0].exc_info is None


def test_sql_is_logged_at_debug_without_bound_values(caplog: pytest.LogCaptureFixture) -> None:
    manager = ConnectionManager("sqlite://", name="app")
    try:
        with caplog.at_level(logging.DEBUG, logger="clickorm"):
            conn = manager.connection()
            conn.execute("SELECT ? AS secret", ["hunter2-password"])
    finally:
        manager.close()
    sql = [r for r in caplog.records if r.name == "clickorm.sql"]
    assert [r.getMessage() for r in sql] == ["[app] SELECT ? AS secret (1 bound value(s))"]
    assert all(r.levelno == logging.DEBUG for r in sql)
    assert "hunter2" not in caplog.text
    opened = [r.getMessage() for r in caplog.records if r.name == "clickorm.connection"]
    assert opened == ["[app] opened a sqlite connection (driver sqlite3)"]


def test_nothing_is_logged_above_debug_by_a_query(caplog: pytest.LogCaptureFixture) -> None:
    manager = ConnectionManager("sqlite://")
    try:
        with caplog.at_level(logging.INFO):
            manager.connection().execute("SELECT 1")
    finally:
        manager.close()
    assert caplog.records == []
