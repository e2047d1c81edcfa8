"""Fixtures of the ClickHouse plugin's tests.

The real-server fixtures live in ``server.py`` (next to this file); they are loaded under
a module name of their own so no other ``server`` module on ``sys.path`` can shadow them.
Add further fixtures below.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def _load_server_module() -> ModuleType:
    name = "clickorm_clickhouse_test_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("server.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_server = _load_server_module()

clickhouse_server = _server.clickhouse_server
clickhouse_server_factory = _server.clickhouse_server_factory
clickhouse_database = _server.clickhouse_database
clickhouse_native = _server.clickhouse_native
