"""The async API's own option and its driver's logs: a bad ``async_pool_size`` is a
ConfigError (0 was silently taken as 8, a word raised a bare ValueError), and asynch's
warnings for what ClickORM handles (a refused host) print nothing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import register_manager, reset_managers
from clickorm.errors import ConfigError
from clickorm.model.builder import QueryBuilder


@pytest.mark.parametrize("size", ["x", "0", "-2", "1.5"])
def test_a_bad_pool_size_is_a_config_error(size: str) -> None:
    reset_managers()
    manager = register_manager("pool_size", ConnectionManager(
        f"clickhouse://default@127.0.0.1:1/default?async_pool_size={size}", name="pool_size"))

    async def main() -> None:
        with pytest.raises(ConfigError, match="'async_pool_size' must be a positive integer"):
            await QueryBuilder("system.one", connection="pool_size").acount()
        await manager.aclose()

    try:
        asyncio.run(main())
    finally:
        reset_managers()


def test_a_refused_host_prints_nothing_on_the_async_path() -> None:
    from clickorm_clickhouse_test_server import free_ports  # loaded by conftest

    (port,) = free_ports(1)
    code = textwrap.dedent(f"""
        import asyncio
        from clickorm import ConnectionManager, ConnectionError
        from clickorm.connection.manager import register_manager
        from clickorm.model.builder import QueryBuilder
        manager = register_manager("refused", ConnectionManager(
            "clickhouse://127.0.0.1:{port}/default?connect_timeout=2", name="refused"))
        async def main():
            try:
                await QueryBuilder("system.one", connection="refused").acount()
            except ConnectionError as exc:
                print("raised:", exc)
            await manager.aclose()
        asyncio.run(main())
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "raised: [refused] Cannot connect to ClickHouse" in done.stdout
    assert done.stderr == ""  # was: asynch's "Failed to connect to ..." warning
