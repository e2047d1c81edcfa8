"""Fixtures of the ClickHouse plugin's tests.

The real-server fixtures live in ``server.py`` and the real cluster's (ZooKeeper and four
servers) in ``cluster.py`` (next to this file); they are loaded under module names of
their own so no other ``server`` module on ``sys.path`` can shadow them.
Add further fixtures below.

Every test that uses a real-server fixture (directly or through another fixture) gets the
``server`` marker here, so ``pytest -m "not server"`` runs everything else on a machine
without the server binary. Without ``-m``, a missing binary fails those tests loudly.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from clickorm import ConnectionManager
from clickorm.connection.base import BaseConnection


def _load_test_module(name: str, filename: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(filename))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_server = _load_test_module("clickorm_clickhouse_test_server", "server.py")
_cluster = _load_test_module("clickorm_clickhouse_test_cluster", "cluster.py")

clickhouse_server = _server.clickhouse_server
clickhouse_server_factory = _server.clickhouse_server_factory
clickhouse_database = _server.clickhouse_database
clickhouse_native = _server.clickhouse_native
clickhouse_cluster = _cluster.clickhouse_cluster
cluster_database = _cluster.cluster_database
private_cluster = _cluster.private_cluster

#: the fixtures that start or reach the real server: a test using any of them is a server test
SERVER_FIXTURES = frozenset(
    {"clickhouse_server", "clickhouse_server_factory", "clickhouse_database", "clickhouse_native",
     "clickhouse_cluster", "cluster_database", "private_cluster"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test whose fixture closure reaches the real server with ``server``."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


# -- connections the cross-engine tests share ---------------------------------------------
@pytest.fixture(scope="module")
def chdb() -> Iterator[BaseConnection]:
    """An embedded chDB connection in a database of the test module's own, dropped after."""
    database = f"t_{uuid.uuid4().hex[:10]}"
    manager = ConnectionManager("clickhouse+embedded://", database=database)
    conn = manager.connection()
    try:
        yield conn
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()


#: the three engines a cross-engine test runs on (the server one is marked by hand: the
#: fixture below reaches clickhouse_native dynamically, which the collection hook cannot see)
ENGINES = ["sqlite", "chdb", pytest.param("server", marks=pytest.mark.server)]


@pytest.fixture(params=ENGINES)
def engine_connection(request: pytest.FixtureRequest) -> Iterator[tuple[str, BaseConnection]]:
    """(engine name, connection): SQLite in memory, chDB in its own database, or 18.16."""
    if request.param == "server":
        yield "server", request.getfixturevalue("clickhouse_native")
        return
    url = "sqlite://" if request.param == "sqlite" else "clickhouse+embedded://"
    database = f"e_{uuid.uuid4().hex[:8]}"
    manager = ConnectionManager(url, **({} if request.param == "sqlite" else
                                        {"database": database}))
    conn = manager.connection()
    try:
        yield request.param, conn
    finally:
        if request.param == "chdb":
            conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()
