"""ToyDB, a third-party dialect, runs the core's behaviour suite: in memory and on a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clickorm.dialects import BaseConnection, open_connection
from clickorm.testing.conformance import RoundTripConformance
from clickorm.testing.dialect_suite import DialectSuite


class TestToyDBOnAFile(DialectSuite):
    @pytest.fixture()
    def dialect_connection(self, tmp_path: Path) -> Iterator[BaseConnection]:
        conn = open_connection(f"toydb:///{tmp_path}/toy.db")
        yield conn
        conn.close()


class TestToyDBInMemory(DialectSuite):
    @pytest.fixture()
    def dialect_connection(self) -> Iterator[BaseConnection]:
        conn = open_connection("toydb://")
        yield conn
        conn.close()


class TestToyDBRoundTrip(RoundTripConformance):
    """The query-level round trips, on tables toydb's platform builds."""

    @pytest.fixture()
    def conformance_connection(self, tmp_path: Path) -> Iterator[BaseConnection]:
        conn = open_connection(f"toydb:///{tmp_path}/rt.db")
        yield conn
        conn.close()
