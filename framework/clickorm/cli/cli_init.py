"""``clickorm init [DIR] [--embedded | --sqlite [PATH] | --url URL]``: start a project.

Writes a commented ``clickorm.toml`` (one connection: embedded ClickHouse on disk, a
SQLite file, or a server URL) and a ``models.py`` starter whose ``python models.py``
creates a table, inserts a row and reads the rows back. Without a flag it asks (from
stdin; at the end of input it takes the default, embedded ClickHouse). It never
overwrites: when either file exists it writes nothing and says which.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clickorm.cli.cli_base import Command
from clickorm.config import mask_url, parse_url
from clickorm.errors import ConfigError

__all__ = ["COMMAND", "Choice", "choose", "config_text", "models_text", "refuse_existing",
           "write_project"]

CONFIG_FILE = "clickorm.toml"
MODELS_FILE = "models.py"
EMBEDDED_URL = "clickhouse+embedded:///.clickorm-data"
SQLITE_PATH = "app.db"
SERVER_URL = "clickhouse://default@localhost:9000/default"


@dataclass(frozen=True)
class Choice:
    """The project's one connection: its URL and what to say about it in the file."""

    url: str
    about: str

    @property
    def dialect(self) -> str:
        return parse_url(self.url).dialect


def embedded() -> Choice:
    return Choice(EMBEDDED_URL, "embedded ClickHouse (chDB): no server; the data lives in "
                                ".clickorm-data/ next to this file")


def sqlite(path: str = SQLITE_PATH) -> Choice:
    return Choice(f"sqlite:///{path}", f"SQLite: the file {path} (relative to this file)")


def server(url: str) -> Choice:
    config = parse_url(url, key="--url")  # a bad URL is a ConfigError before any write
    if config.dialect == "sqlite":
        return Choice(url, "SQLite")
    return Choice(url, f"a {config.dialect} server")


def choose(ask: Callable[[str], str]) -> Choice:
    """Ask which database (``ask(prompt)`` returns the answer, "" for the default)."""
    menu = ("Database for this project:\n"
            "  1) embedded ClickHouse (chDB: no server, data in .clickorm-data/)\n"
            "  2) SQLite (a file)\n"
            "  3) a ClickHouse server (a URL)\n"
            "Choose 1, 2 or 3 [1]: ")
    answer = ask(menu).strip() or "1"
    if answer == "1":
        return embedded()
    if answer == "2":
        return sqlite(ask(f"SQLite file [{SQLITE_PATH}]: ").strip() or SQLITE_PATH)
    if answer == "3":
        return server(ask(f"Server URL [{SERVER_URL}]: ").strip() or SERVER_URL)
    raise ConfigError(f"clickorm init: unknown choice {answer!r}; answer 1, 2 or 3")


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(choice: Choice) -> str:
    """The commented ``clickorm.toml`` for ``choice``."""
    return f'''# ClickORM configuration, written by `clickorm init`.
# ClickORM finds this file in the working directory or a parent; CLICKORM_CONFIG names
# another file, and CLICKORM_URL replaces the default connection's URL (a good place for
# a password: keep it out of this file). `clickorm config` shows what is resolved.

default = "main"                  # the connection models use unless Meta.connection says

[connections.main]
# {choice.about}
url = {_toml_string(choice.url)}
# settings = {{ max_threads = 4 }}        # ClickHouse settings sent with every query
# options = {{ connect_timeout = 5 }}     # driver options: timeouts, TLS, alt_hosts ...

# More connections, for models with `connection = "test"` in their Meta:
# [connections.test]
# url = "sqlite://"                     # SQLite in memory
'''


_CLICKHOUSE_META = '''
    class Meta:
        table_name = "events"
        engine = "MergeTree()"  # the table engine: ReplacingMergeTree(version=...) ...
        order_by = "id"         # the sort key; also partition_by, ttl, settings ...
'''

_PLAIN_META = '''
    class Meta:
        table_name = "events"
'''


def models_text(choice: Choice) -> str:
    """The ``models.py`` starter for ``choice``'s dialect."""
    meta = _CLICKHOUSE_META if choice.dialect == "clickhouse" else _PLAIN_META
    return f'''"""The project's models (written by `clickorm init`; edit freely).

`python models.py` creates the table, inserts a row and prints the rows, on the
connection clickorm.toml configures.
"""

from datetime import UTC, datetime

from clickorm import Column, Model


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Event(Model):
    """One row of the table: each field is a column, typed and validated by Pydantic."""

    id: int = Column(primary_key=True)
    name: str
    created_at: datetime = Column(default=utc_now)
{meta}

def main() -> None:
    Event.create_table()                               # CREATE TABLE IF NOT EXISTS
    Event.create(id=Event.count() + 1, name="hello")   # validated, then inserted
    for event in Event.query.order_by("id").get():
        print(event.id, event.name, event.created_at)


if __name__ == "__main__":
    main()
'''


def refuse_existing(directory: Path) -> None:
    """A ConfigError when ``clickorm.toml`` or ``models.py`` is already in ``directory``."""
    existing = [str(directory / n) for n in (CONFIG_FILE, MODELS_FILE)
                if (directory / n).exists()]
    if existing:
        raise ConfigError(
            f"clickorm init does not overwrite files; already there: {', '.join(existing)}. "
            "Move them away or run init in another directory")


def write_project(directory: Path, choice: Choice) -> list[Path]:
    """Write both files into ``directory``; refuses (writing nothing) if either exists."""
    refuse_existing(directory)
    targets = [directory / CONFIG_FILE, directory / MODELS_FILE]
    directory.mkdir(parents=True, exist_ok=True)
    targets[0].write_text(config_text(choice), encoding="utf-8")
    targets[1].write_text(models_text(choice), encoding="utf-8")
    return targets


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".",
                        help="where to write clickorm.toml and models.py (default: here)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--embedded", action="store_true",
                       help=f"embedded ClickHouse (chDB) on disk: {EMBEDDED_URL}")
    which.add_argument("--sqlite", nargs="?", const=SQLITE_PATH, metavar="PATH",
                       help=f"a SQLite file (default {SQLITE_PATH})")
    which.add_argument("--url", help=f"a server URL, e.g. {SERVER_URL}")


def _ask(prompt: str) -> str:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:  # end of input: the default
        print()
    return line


def _run(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    refuse_existing(directory)  # before asking anything
    if args.embedded:
        choice = embedded()
    elif args.sqlite is not None:
        choice = sqlite(args.sqlite)
    elif args.url is not None:
        choice = server(args.url)
    else:
        choice = choose(_ask)
    written = write_project(directory, choice)
    print(f"wrote {written[0]} (connection main: {mask_url(choice.url)})")
    print(f"wrote {written[1]} (the Event model)")
    where = "" if directory == Path(".") else f"cd {directory} && "
    print(f"next: {where}python models.py   # creates the table, inserts, reads")
    return 0


COMMAND = Command(
    name="init",
    help="start a project: a commented clickorm.toml and a models.py starter",
    configure=_configure,
    run=_run,
)
