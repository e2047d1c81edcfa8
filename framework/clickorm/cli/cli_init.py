"""``clickorm init [DIR] [--embedded | --sqlite [PATH] | --url URL]``: start a project.

Writes a commented ``clickorm.toml`` (one connection: whatever the installed dialects
offer as ``Dialect.starters``, e.g. embedded ClickHouse on disk, a SQLite file, or a
server URL) and a ``models.py`` starter whose ``python models.py``
creates a table, inserts a row and reads the rows back. Without a flag it asks (from
stdin; at the end of input it takes the first offer, embedded ClickHouse when installed). It never
overwrites: when either file exists it writes nothing and says which.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clickorm.cli.cli_base import Command
from clickorm.config import mask_url, parse_url
from clickorm.errors import ConfigError
from clickorm.plugins import ProjectStarter
from clickorm.plugins.manager import get_plugin_manager

__all__ = ["COMMAND", "Choice", "choice_for", "choose", "config_text", "models_text",
           "refuse_existing", "starters", "write_project"]

CONFIG_FILE = "clickorm.toml"
MODELS_FILE = "models.py"


@dataclass(frozen=True)
class Choice:
    """The project's one connection: its URL, what to say about it in the file, and the
    ``class Meta`` lines its dialect's first model needs."""

    url: str
    about: str
    meta: str = ""

    @property
    def dialect(self) -> str:
        return parse_url(self.url).dialect


def starters() -> list[ProjectStarter]:
    """What the installed dialects offer (``Dialect.starters``), in menu order."""
    offered = [s for d in get_plugin_manager().dialects.values() for s in d.starters]
    return sorted(offered, key=lambda s: (s.order, s.flag))


def _meta_for(dialect: str) -> str:
    return get_plugin_manager().get_dialect(dialect).starter_meta


def choice_for(starter: ProjectStarter, answer: str | None = None) -> Choice:
    """The connection ``starter`` makes (with ``answer`` for its question, if it asks)."""
    url = starter.url_for(answer)
    config = parse_url(url, key=f"--{starter.flag}")  # a bad URL: ConfigError, no write
    return Choice(url, starter.about, _meta_for(config.dialect))


def choose(ask: Callable[[str], str], offered: Sequence[ProjectStarter]) -> Choice:
    """Ask which database (``ask(prompt)`` returns the answer, "" for the default: the
    first offer)."""
    if not offered:
        raise ConfigError("clickorm init: no installed dialect offers a starter; "
                          "install a dialect plugin (clickorm plugins lists them)")
    numbers = ", ".join(str(i) for i in range(1, len(offered) + 1))
    menu = "Database for this project:\n" + "".join(
        f"  {i}) {s.label}\n" for i, s in enumerate(offered, 1)) + f"Choose {numbers} [1]: "
    answer = ask(menu).strip() or "1"
    if not answer.isdigit() or not 1 <= int(answer) <= len(offered):
        raise ConfigError(f"clickorm init: unknown choice {answer!r}; answer one of {numbers}")
    starter = offered[int(answer) - 1]
    if starter.ask is None:
        return choice_for(starter)
    return choice_for(starter, ask(f"{starter.ask} [{starter.default}]: ").strip() or None)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tuning_lines(url: str) -> str:
    """The commented settings/options lines, true of ``url``'s dialect and driver: no
    settings line where the dialect has none, the options its driver reads when the
    dialect declares them (a driver that checks its own gets the timeout example)."""
    config = parse_url(url)
    scheme = config.dialect + (f"+{config.driver}" if config.driver else "")
    dialect, driver = get_plugin_manager().dialect_for_scheme(scheme)
    lines = []
    if dialect.supports("settings"):
        lines.append("# settings = { max_threads = 4 }        # server settings sent with every query")
    known = dialect.connection_options.get(driver)
    if known is None:
        lines.append("# options = { connect_timeout = 5 }     # driver options: timeouts, TLS, "
                     "alt_hosts ...")
    elif known:
        lines.append("# options = { }                         # driver options; this driver reads: "
                     + ", ".join(sorted(known)))
    return "".join(f"{line}\n" for line in lines)


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
{_tuning_lines(choice.url)}
# More connections, for models with `connection = "test"` in their Meta:
# [connections.test]
# url = "..."                           # `clickorm plugins` lists the URL schemes
'''


def models_text(choice: Choice) -> str:
    """The ``models.py`` starter for ``choice``'s dialect."""
    meta = '\n    class Meta:\n        table_name = "events"\n' + choice.meta
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
    for starter in starters():
        if starter.ask is None:
            which.add_argument(f"--{starter.flag}", action="store_true",
                               help=f"{starter.label}: {starter.url}")
        elif starter.url == "{}":  # the answer is the whole URL: the flag needs one
            which.add_argument(f"--{starter.flag}", metavar=starter.ask.upper().replace(" ", "_"),
                               help=f"{starter.label}, e.g. {starter.default}")
        else:
            which.add_argument(f"--{starter.flag}", nargs="?", const=starter.default,
                               metavar="VALUE",
                               help=f"{starter.label} (default {starter.default})")


def _ask(prompt: str) -> str:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:  # end of input: the default
        print()
    return line


def _run(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    refuse_existing(directory)  # before asking anything
    offered = starters()
    given = [(s, getattr(args, s.flag.replace("-", "_"), None)) for s in offered]
    chosen = [(s, value) for s, value in given if value not in (None, False)]
    if chosen:
        starter, value = chosen[0]
        choice = choice_for(starter, value if isinstance(value, str) else None)
    else:
        choice = choose(_ask, offered)
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
