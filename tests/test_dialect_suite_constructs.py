"""The behaviour suite runs each query construct a dialect declares (``cte``, ``union``,
``right_join``, ``full_join``) on the engine and checks its rows: a dialect declaring
one it does not honour fails the suite instead of passing it (the suite used to leave
these four untested, so any declaration passed)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

SUITE = '''
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.dialects import BaseConnection, SQLWriter
from clickorm.plugins.manager import get_plugin_manager
from clickorm.testing.dialect_suite import DialectSuite
from clickorm_toydb.connection import connect
from clickorm_toydb.grammar import ToyGrammar


class LeftJoinGrammar(ToyGrammar):
    """Writes every outer join as a LEFT JOIN: RIGHT and FULL rows come out wrong."""

    def compile_join(self, join: Any, w: SQLWriter) -> None:
        if join.kind in ("RIGHT", "FULL"):
            join = type(join)(("LEFT", *join[1:]))
        super().compile_join(join, w)


class TestOverclaiming(DialectSuite):
    @pytest.fixture()
    def dialect_connection(self) -> Iterator[BaseConnection]:
        toy = get_plugin_manager().get_dialect("toydb")
        dialect = replace(toy, grammar=LeftJoinGrammar,
                          capabilities=toy.capabilities.including("right_join", "full_join"))
        conn = connect(ConnectionConfig(name="t", dialect="toydb", driver="memory"), dialect)
        yield conn
        conn.close()
'''


def test_a_declared_construct_the_dialect_does_not_honour_fails(tmp_path: Path) -> None:
    (tmp_path / "test_overclaiming.py").write_text(textwrap.dedent(SUITE))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs",
         "-k", "union or cte or right_join or full_join", "test_overclaiming.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "FAILED test_overclaiming.py::TestOverclaiming::test_right_join" in out, out
    assert "FAILED test_overclaiming.py::TestOverclaiming::test_full_join" in out, out
    assert "RIGHT JOIN returned {" in out and "FULL JOIN returned {" in out, out
    assert re.search(r"^2 failed, \d+ passed", out, re.MULTILINE), out
