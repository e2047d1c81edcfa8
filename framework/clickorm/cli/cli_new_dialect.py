"""``clickorm new-dialect NAME [--directory DIR]``: write a working dialect distribution.

The skeleton is a complete plugin that passes the behaviour suite from the first run:
its connection drives the standard library's sqlite3, so the author starts green and
replaces the driver calls, the type table and the capabilities one at a time, rerunning
``pytest`` after each. It holds the entry point, the three subclasses (grammar,
platform, connection) importing only :mod:`clickorm.dialects`, a ``pyproject.toml`` and
the suite wired to a ``dialect_connection`` fixture.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

from clickorm.cli.cli_base import Command, plugin_manager
from clickorm.errors import ConfigError
from clickorm.plugins.manager import PluginManager

__all__ = ["COMMAND", "render", "write_skeleton"]

_NAME = re.compile(r"[a-z][a-z0-9]{0,39}")

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "clickorm-{dash}"
version = "0.1.0"
description = "The {name} dialect for ClickORM"
requires-python = ">=3.11"
dependencies = ["clickorm"]

[project.optional-dependencies]
test = ["pytest"]

# how ClickORM finds the dialect: the "clickorm" entry-point group
[project.entry-points.clickorm]
{name} = "clickorm_{name}"

[tool.setuptools.packages.find]
include = ["clickorm_{name}*"]

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.ruff]
line-length = 100

[tool.mypy]
strict = true
files = ["clickorm_{name}", "tests"]
'''

INIT = '''\
"""ClickORM's {name} dialect: hook implementations only (the driver loads on connect)."""

from __future__ import annotations

from clickorm.dialects import API_VERSION, Capabilities, Dialect, hookimpl

__version__ = "0.1.0"


@hookimpl
def clickorm_dialects() -> list[Dialect]:
    from clickorm_{name}.grammar import {cls}Grammar
    from clickorm_{name}.platform import {cls}Platform

    return [
        Dialect(
            name="{name}",
            api_version=API_VERSION,
            grammar={cls}Grammar,
            platform={cls}Platform,
            # driver name -> "module:factory", imported when a connection opens
            connections={{"default": "clickorm_{name}.connection:connect"}},
            default_driver="default",
            # {name}:// is in memory, {name}:///relative.db, {name}:////absolute.db
            url_schemes={{"{name}": "default"}},
            paramstyle="qmark",
            # what the engine has; the suite skips (with this reason) what is missing
            capabilities=Capabilities({{"transactions", "cte", "union"}}),
            insert_layout="rows",
            key_generation="returning",
            # the connection options each driver reads (config `options`, URL query):
            # any other is refused when a connection opens; add yours as you read them
            connection_options={{"default": frozenset()}},
            description="{name} (skeleton written by clickorm new-dialect)",
        )
    ]
'''

GRAMMAR = '''\
"""The {name} DML compiler: the core grammar plus what {name} spells differently."""

from __future__ import annotations

import datetime as dt
from typing import Any

from clickorm.dialects import BaseGrammar


class {cls}Grammar(BaseGrammar):
    """Binds dates as the ISO text the platform stores, so filters compare like with like."""

    def adapt(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().adapt(value)
'''

PLATFORM = '''\
"""The {name} DDL compiler: the core's ANSI platform plus what {name} differs in.

Refuse (SchemaError) every type the engine cannot store exactly; the suite then skips
that type with your message instead of passing a lossy round trip.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from clickorm.dialects import (
    BasePlatform,
    Codec,
    Decimal,
    Integer,
    LogicalType,
    SchemaError,
    none_safe,
)


class {cls}Platform(BasePlatform):
    dialect_name = "{name}"
    # kind -> DDL type name, for the kinds the ANSI defaults get wrong
    type_names: ClassVar[dict[str, str]] = {{"string": "TEXT"}}

    def type_sql_integer(self, logical: Integer) -> str:
        if self.ansi_type_sql(logical) is None:
            raise SchemaError(f"{name} cannot store {{logical!r}} (64-bit signed integers)")
        return "INTEGER"

    def type_sql_decimal(self, logical: Decimal) -> str:
        raise SchemaError(f"{name} cannot store {{logical!r}} exactly")

    def make_encoder(self, logical: LogicalType) -> Codec | None:
        if logical.kind == "date":
            return none_safe(dt.date.isoformat)
        if logical.kind in ("datetime", "datetime64"):
            return none_safe(lambda v: v.isoformat(sep=" "))
        return super().make_encoder(logical)

    def make_decoder(self, logical: LogicalType) -> Codec | None:
        if logical.kind == "date":
            return none_safe(dt.date.fromisoformat)
        if logical.kind in ("datetime", "datetime64"):
            return none_safe(dt.datetime.fromisoformat)
        if logical.kind == "boolean":
            return none_safe(bool)
        return super().make_decoder(logical)
'''

CONNECTION = '''\
"""The {name} driver wrapper. The skeleton drives sqlite3: replace it with your driver."""

from __future__ import annotations

import sqlite3
import threading

from clickorm.dialects import (
    BaseConnection,
    ConnectionConfig,
    ConnectionError,
    Dialect,
    Params,
    QueryError,
    Result,
)


class {cls}Connection(BaseConnection):
    #: the driver's rowcount of UPDATE/DELETE is exact
    reports_affected_rows = True

    def __init__(self, config: ConnectionConfig, dialect: Dialect) -> None:
        super().__init__(name=config.name, settings=config.settings)
        self.dialect = dialect
        # an in-memory database is one per connection: the manager shares it
        self.shared_across_threads = config.path is None
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(config.path or ":memory:", check_same_thread=False,
                                       isolation_level=None)
        except sqlite3.Error as exc:
            raise ConnectionError(f"cannot open {{config.path!r}}: {{exc}}",
                                  connection=config.name) from exc

    def _execute(self, sql: str, params: Params) -> Result:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params or ())
                rows = cursor.fetchall()
            except sqlite3.Error as exc:
                raise QueryError(str(exc), sql=sql, connection=self.name) from exc
            columns = [d[0] for d in cursor.description or ()]
            return Result(columns, rows, cursor.rowcount, cursor.lastrowid)

    def begin(self) -> None:
        self._lock.acquire()  # held until commit or rollback
        try:
            self._execute("BEGIN", None)
        except BaseException:
            self._lock.release()
            raise

    def commit(self) -> None:
        try:
            self._execute("COMMIT", None)
        finally:
            self._lock.release()

    def rollback(self) -> None:
        try:
            self._execute("ROLLBACK", None)
        finally:
            self._lock.release()

    def close(self) -> None:
        self._db.close()


def connect(config: ConnectionConfig, dialect: Dialect) -> {cls}Connection:
    return {cls}Connection(config, dialect)
'''

TESTS = '''\
"""The core's behaviour suite on the {name} dialect (add goldens later, see the README)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clickorm.dialects import BaseConnection, open_connection
from clickorm.testing.dialect_suite import DialectSuite


class Test{cls}Dialect(DialectSuite):
    @pytest.fixture()
    def dialect_connection(self, tmp_path: Path) -> Iterator[BaseConnection]:
        conn = open_connection(f"{name}:///{{tmp_path}}/suite.db")
        yield conn
        conn.close()
'''

README = '''\
# clickorm-{dash}

The {name} dialect for ClickORM, started with `clickorm new-dialect {name}`.

    pip install -e '.[test]'
    pytest

The suite skips, with the reason, what the dialect does not declare. Replace the
sqlite3 calls in `clickorm_{name}/connection.py` with your driver, then adjust the
platform's types and the capabilities until the suite is green again. The contracts
are in `help(clickorm.dialects)`.
'''


def render(name: str) -> dict[str, str]:
    """Relative path -> text of the skeleton for dialect ``name``."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"Dialect name {name!r} must be lower case letters and digits, starting with "
            "a letter (it becomes the URL scheme and the package name clickorm_NAME)")
    values = {"name": name, "dash": name, "cls": name.capitalize()}
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"clickorm_{name}/__init__.py": INIT,
        f"clickorm_{name}/grammar.py": GRAMMAR,
        f"clickorm_{name}/platform.py": PLATFORM,
        f"clickorm_{name}/connection.py": CONNECTION,
        f"clickorm_{name}/py.typed": "",
        "tests/test_dialect.py": TESTS,
    }
    return {path: text.format(**values) for path, text in files.items()}


def write_skeleton(name: str, directory: Path) -> Path:
    """Write the skeleton into ``directory/clickorm-NAME``; refuses an existing one."""
    files = render(name)
    root = directory / f"clickorm-{name}"
    if root.exists():
        raise ConfigError(f"{root} already exists; choose another directory or name")
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the dialect's name (URL scheme, package clickorm_NAME)")
    parser.add_argument("--directory", default=".", help="where to create clickorm-NAME/")


def refuse_taken(name: str, plugins: PluginManager) -> None:
    """Refuse a name an installed dialect, URL scheme, distribution or package uses: its
    ``pip install -e`` would replace that distribution, or its dialect clash with it."""
    where = next((f"by the installed dialect {d.name!r}" for d in plugins.dialects.values()
                  if name == d.name or name in d.url_schemes), None)
    where = where or next(
        (f"by the installed distribution {i.distribution}" for i in plugins.plugins
         if (i.distribution or "").lower().replace("_", "-") == f"clickorm-{name}"), None)
    if where is None and importlib.util.find_spec(f"clickorm_{name}") is not None:
        where = f"by the importable package clickorm_{name}"
    if where is not None:
        raise ConfigError(
            f"Dialect name {name!r} is taken {where}: clickorm-{name} would replace it or "
            "clash with it; choose another name")


def _run(args: argparse.Namespace) -> int:
    render(args.name)  # the name's spelling first
    refuse_taken(args.name, plugin_manager(args))
    root = write_skeleton(args.name, Path(args.directory))
    print(f"wrote {root}: pip install -e '{root}[test]' && pytest {root}")
    return 0


COMMAND = Command(
    name="new-dialect",
    help="write a working dialect plugin skeleton (entry point, classes, suite)",
    configure=_configure,
    run=_run,
)
