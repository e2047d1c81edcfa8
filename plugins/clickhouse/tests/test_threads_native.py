"""Native connections of short-lived threads are closed when the threads end.

Each thread gets its own native connection (clickhouse-driver is not thread-safe); the
server's own count of open native connections (``system.metrics``' ``TCPConnection``)
shows whether ended threads left theirs open.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from clickorm import ConnectionManager

THREADS = 200
BATCH = 25


def tcp_connections(admin: Any) -> int:
    return int(admin.execute(
        "SELECT value FROM system.metrics WHERE metric = 'TCPConnection'")[0][0])


def settled(admin: Any, expected: int, timeout: float = 10.0) -> int:
    """The count once it reaches ``expected`` (the server notices closes a little later),
    or the last count seen when ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        count = tcp_connections(admin)
        if count <= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_native_connections_of_ended_threads_are_closed(
    clickhouse_server: Any, clickhouse_database: str
) -> None:
    admin = clickhouse_server.client()
    manager = ConnectionManager.from_config(
        clickhouse_server.connection_config(name="threads", database=clickhouse_database))
    try:
        main = manager.connection()
        assert main.execute("SELECT 1").scalar() == 1
        base = settled(admin, tcp_connections(admin))
        errors: list[BaseException] = []

        def work() -> None:
            try:
                conn = manager.connection()
                assert conn is not main
                assert conn.execute("SELECT 1").scalar() == 1
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        for _ in range(THREADS // BATCH):
            threads = [threading.Thread(target=work) for _ in range(BATCH)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
                assert not thread.is_alive()
        assert not errors, errors[:3]
        assert manager.opened == 1
        assert settled(admin, base) == base
        assert manager.connection() is main
        assert main.execute("SELECT 2").scalar() == 2
    finally:
        manager.close()
        admin.disconnect()
