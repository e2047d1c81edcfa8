"""``clickorm check [connection] [--url URL] [--json]``: connect and report what we found.

Prints the dialect, the driver, the server version and the capabilities the dialect
derived from that version, so "why is lightweight DELETE refused?" has a one-line answer.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from clickorm import ConnectionManager
from clickorm.cli.cli_base import Command, add_config_option, config_from_args, print_json


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("connection", nargs="?", help="configured connection name (default: "
                        "the config's default)")
    parser.add_argument("--url", help="check this URL instead of a configured connection")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_config_option(parser)


def check(manager: Any) -> dict[str, Any]:
    """Open the manager's connection, run a trivial query, and describe what we found."""
    started = time.perf_counter()
    conn = manager.connection()
    conn.execute("SELECT 1")
    elapsed = time.perf_counter() - started
    version = conn.server_version
    dialect = manager.dialect
    caps = sorted(conn.capabilities)
    lacking = sorted(set(dialect.capabilities) - set(caps))
    return {
        "connection": manager.name,
        "dialect": dialect.name,
        "driver": manager.driver,
        "url": manager.config.masked(),
        "server_version": ".".join(str(p) for p in version) if version else None,
        "paramstyle": conn.paramstyle or dialect.paramstyle,
        "capabilities": caps,
        "not_on_this_server": lacking,
        "connect_and_ping_ms": round(elapsed * 1000, 1),
    }


def _run(args: argparse.Namespace) -> int:
    if args.url:
        manager = ConnectionManager(args.url)
    else:
        config = config_from_args(args)
        manager = ConnectionManager(name=args.connection, config=config)
    try:
        info = check(manager)
    finally:
        manager.close()
    if args.json:
        print_json(info)
        return 0
    print(f"connection:      {info['connection']}")
    print(f"dialect:         {info['dialect']} (driver {info['driver']}, "
          f"paramstyle {info['paramstyle']})")
    print(f"server version:  {info['server_version'] or 'unknown'}")
    print(f"capabilities:    {', '.join(info['capabilities']) or '(none)'}")
    if info["not_on_this_server"]:
        print(f"not available:   {', '.join(info['not_on_this_server'])} "
              "(the dialect has them; this server version does not)")
    print(f"connect + ping:  {info['connect_and_ping_ms']} ms")
    return 0


COMMAND = Command(
    name="check",
    help="connect, print the server version, driver and derived capabilities",
    configure=_configure,
    run=_run,
)
