"""``clickorm inspect [TABLE ...] [--connection C] [--out FILE]``: models from a database.

Reads the tables (all of the connection's database, or the ones named) through the
platform's introspection and prints one module of ``Model`` classes, or writes it to
``--out`` (never over an existing file unless ``--force``). What a model cannot express
is a comment in the module and one ``clickorm: warning:`` line on stderr each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clickorm.cli.cli_base import Command, add_config_option, config_from_args
from clickorm.errors import ConfigError, SchemaError

__all__ = ["COMMAND"]


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tables", nargs="*", metavar="TABLE",
                        help="tables to inspect (default: every table of the database)")
    parser.add_argument("--connection", metavar="NAME",
                        help="configured connection (default: the config's default)")
    parser.add_argument("--out", metavar="FILE", help="write the module here (default: stdout)")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    add_config_option(parser)


def _run(args: argparse.Namespace) -> int:
    from clickorm import ConnectionManager
    from clickorm.migrations.codegen import models_source

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not args.force:
        raise ConfigError(f"{out} exists; not overwriting it (pass --force to replace it)")
    manager = ConnectionManager(name=args.connection, config=config_from_args(args))
    try:
        connection = manager.connection()
        platform = connection.platform
        names = list(args.tables) or None
        tables = platform.introspect(connection, names)
        missing = [n for n in names or () if n not in tables]
        if missing:
            raise SchemaError(
                f"No table {', '.join(repr(n) for n in missing)} on connection "
                f"{manager.name!r}; tables: {', '.join(platform.list_tables(connection)) or 'none'}"
            )
        if not tables:
            raise SchemaError(f"The database of connection {manager.name!r} has no tables")
        origin = f"connection {manager.name!r} ({manager.dialect.name})"
        result = models_source(tables.values(), platform, origin=origin)
    finally:
        manager.close()
    for warning in result.warnings:
        print(f"clickorm: warning: {warning}", file=sys.stderr)
    if out is None:
        sys.stdout.write(result.source)
    else:
        out.write_text(result.source, encoding="utf-8")
        print(f"wrote {out} ({len(tables)} model{'s' if len(tables) != 1 else ''})",
              file=sys.stderr)
    return 0


COMMAND = Command(
    name="inspect",
    help="write Model classes for the tables of a live database",
    configure=_configure,
    run=_run,
)
