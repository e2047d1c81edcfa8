"""``clickorm migrate make|up|down|status|plan|check``: versioned schema migrations.

Reads ``[migrations]`` (``directory``, ``table``, ``models``) from the config; every
sub-command works on one connection (``--connection``, default: the config's default).
``check`` exits 1 with a readable diff when the models and the database differ.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from clickorm.cli.cli_base import Command, add_config_option, config_from_args

EXIT_DIFFERS = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--connection", metavar="NAME",
                        help="configured connection (default: the config's default)")
    parser.add_argument("--lock-wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for another migrator's lock (default: fail at once)")
    add_config_option(parser)


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="migrate_command", metavar="SUBCOMMAND", required=True)
    make = sub.add_parser("make", help="write a new migration file")
    make.add_argument("name", help="what the migration does, e.g. add_events")
    make.add_argument("--autogenerate", action="store_true",
                      help="fill it with what differs between the models and the database")
    up = sub.add_parser("up", help="apply pending migrations")
    up.add_argument("--to", metavar="ID", help="stop after this migration")
    down = sub.add_parser("down", help="revert applied migrations (the last one by default)")
    group = down.add_mutually_exclusive_group()
    group.add_argument("--to", metavar="ID", help="revert every migration after this one")
    group.add_argument("--steps", type=int, metavar="N", help="revert the last N migrations")
    for p in (up, down):
        p.add_argument("--sql", action="store_true", help="print the SQL, run nothing")
        p.add_argument("--allow-destructive", action="store_true",
                       help="run steps that lose data (dropped columns or tables, narrowed types)")
    sub.add_parser("status", help="list migrations and whether each is applied")
    plan = sub.add_parser("plan", help="print the SQL `up` would send, for review")
    plan.add_argument("--to", metavar="ID", help="stop after this migration")
    check = sub.add_parser("check", help="exit 1 when the models and the database differ (CI gate)")
    for p in (make, check):
        p.add_argument("--ignore", action="append", default=[], metavar="TABLE",
                       help="a table no model describes that is left alone (repeatable)")
    for p in (make, up, down, sub.choices["status"], plan, check):
        _common(p)


def _context(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from clickorm import ConnectionManager

    config = config_from_args(args)
    if config.base_dir not in sys.path:
        sys.path.insert(0, config.base_dir)  # models modules live in the project
    manager = ConnectionManager(name=args.connection, config=config)
    return config, manager, manager.connection()


def _comparison(config: Any, manager: Any, connection: Any, ignore: list[str]) -> Any:
    from clickorm.errors import MigrationError
    from clickorm.migrations import compare, load_models

    if not config.migrations_models:
        raise MigrationError(
            "No models to compare: list their modules in the config, "
            '[migrations] models = ["app.models"]'
        )
    models = load_models(config.migrations_models, manager.name,
                         default=manager.name == config.default)
    return compare(connection, models, ignore=[config.migrations_table, *ignore])


def _run(args: argparse.Namespace) -> int:
    from clickorm.migrations import Migrator, write_migration

    config, manager, connection = _context(args)
    try:
        migrator = Migrator(connection, config.migrations_dir, table=config.migrations_table,
                            echo=print, lock_wait=args.lock_wait)
        command = args.migrate_command
        if command == "make":
            ops = (_comparison(config, manager, connection, args.ignore).operations
                   if args.autogenerate else [])
            path = write_migration(config.migrations_dir, args.name, ops,
                                   connection=manager.name, dialect=manager.dialect.name)
            print(f"wrote {path} ({len(ops)} operation{'s' if len(ops) != 1 else ''})")
            if args.autogenerate and not ops:
                print("  no differences between the models and the database: the file is empty")
            for op in ops:
                for reason in op.unconfirmed:
                    print(f"  confirm: {reason}")
                for reason in op.destructive:
                    print(f"  destructive: {reason}")
            return 0
        if command == "status":
            for s in migrator.status():
                note = {"partial": f" (stopped after step {s.step}; `up` resumes)",
                        "reverting": f" (downgrade stopped after step {s.step}; `down` "
                                     "resumes)"}.get(s.state, "")
                note += " (file changed since applied)" if s.changed else ""
                print(f"{s.state:8} {s.id}_{s.name}{note}")
            return 0
        if command in ("plan", "up") and (command == "plan" or args.sql):
            print(Migrator.sql_text(migrator.plan_up(args.to)) or "-- nothing to apply")
            return 0
        if command == "up":
            done = migrator.up(args.to, allow_destructive=args.allow_destructive)
            print(f"applied {len(done)} migration{'s' if len(done) != 1 else ''}")
            return 0
        if command == "down":
            if args.sql:
                print(Migrator.sql_text(migrator.plan_down(args.to, args.steps))
                      or "-- nothing to revert")
                return 0
            done = migrator.down(args.to, args.steps, allow_destructive=args.allow_destructive)
            print(f"reverted {len(done)} migration{'s' if len(done) != 1 else ''}")
            return 0
        result = _comparison(config, manager, connection, args.ignore)  # check
        if result.clean:
            print("models and database match")
            return 0
        print("models and database differ:")
        for line in result.lines:
            print(f"  {line}")
        return EXIT_DIFFERS
    finally:
        manager.close()


COMMAND = Command(
    name="migrate",
    help="versioned schema migrations: make, up, down, status, plan, check",
    configure=_configure,
    run=_run,
)
