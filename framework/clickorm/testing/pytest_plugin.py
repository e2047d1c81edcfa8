"""Opt-in pytest plugin for projects using ClickORM.

Enable with ``-p clickorm.testing.pytest_plugin`` or
``pytest_plugins = ["clickorm.testing.pytest_plugin"]`` in a conftest. It adds:

- ``--clickorm-url`` (default ``sqlite://``): the database the fixtures open. An
  in-memory URL (``sqlite://``, ``clickhouse+embedded://``) is a fresh database per test;
  a file or server URL is used as it is, so what a test writes there stays;
- ``clickorm_connection``: an open connection for the test, closed afterwards. While the
  test runs, every model runs on it (whatever its ``Meta.connection``), so
  ``User.create_table()`` and ``User.create(...)`` write to the test's database;
- ``clickorm_statements``: a list that records every SQL statement the connection runs,
  the models' included (assert query counts, e.g. that eager loading issues one query
  per relation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import bound_to


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("clickorm")
    group.addoption("--clickorm-url", default=None,
                    help="database URL for the clickorm_connection fixture (default sqlite://)")


@pytest.fixture()
def clickorm_connection(request: pytest.FixtureRequest) -> Iterator[Any]:
    url = request.config.getoption("--clickorm-url") or "sqlite://"
    manager = ConnectionManager(url)
    try:
        with bound_to(manager):
            yield manager.connection()
    finally:
        manager.close()


@pytest.fixture()
def clickorm_statements(clickorm_connection: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(sql: str, params: Any) -> None:
        seen.append(sql)

    clickorm_connection.listeners.append(record)
    yield seen
    clickorm_connection.listeners.remove(record)
