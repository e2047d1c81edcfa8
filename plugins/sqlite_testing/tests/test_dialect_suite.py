"""The SQLite dialect runs the behaviour suite on a file and in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clickorm.dialects import BaseConnection, open_connection
from clickorm.testing.dialect_suite import DialectSuite


class TestSQLiteBehaviour(DialectSuite):
    @pytest.fixture()
    def dialect_connection(self, tmp_path: Path) -> Iterator[BaseConnection]:
        conn = open_connection(f"sqlite:///{tmp_path}/suite.db")
        yield conn
        conn.close()


class TestSQLiteBehaviourInMemory(DialectSuite):
    """``sqlite://`` is one database shared by every thread (the connection locks)."""

    @pytest.fixture()
    def dialect_connection(self) -> Iterator[BaseConnection]:
        conn = open_connection("sqlite://")
        yield conn
        conn.close()
