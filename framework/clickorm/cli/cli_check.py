"""``clickorm check [connection] [--url URL] [--json]``: connect and report what we found.

Prints the dialect, the driver, the server version and the capabilities the dialect
derived from that version, so "why is lightweight DELETE refused?" has a one-line answer;
then what the connection reports beyond that (ClickHouse: the cluster its ``cluster``
option names). Exits 1 when that report has problems (e.g. a cluster the server lacks).
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
    report = conn.check_report()
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
        **report,
        "problems": list(report.get("problems", [])),
    }


def _run(args: argparse.Namespace) -> int:
    if args.url:
        manager = ConnectionManager(args.url, source="clickorm check --url")
    else:
        config = config_from_args(args)
        manager = ConnectionManager(name=args.connection, config=config)
    try:
        info = check(manager)
    finally:
        manager.close()
    failed = 1 if info["problems"] else 0
    if args.json:
        print_json(info)
        return failed
    print(f"connection:      {info['connection']}")
    print(f"dialect:         {info['dialect']} (driver {info['driver']}, "
          f"paramstyle {info['paramstyle']})")
    print(f"server version:  {info['server_version'] or 'unknown'}")
    print(f"capabilities:    {', '.join(info['capabilities']) or '(none)'}")
    if info["not_on_this_server"]:
        print(f"not available:   {', '.join(info['not_on_this_server'])} "
              "(the dialect has them; this server version does not)")
    print(f"connect + ping:  {info['connect_and_ping_ms']} ms")
    cluster = info.get("cluster")
    if cluster:
        print(f"cluster:         {cluster['name']} ({cluster['shards']} shard(s), "
              f"{len(cluster['hosts'])} host(s))")
        for h in cluster["hosts"]:
            print(f"  shard {h['shard']} replica {h['replica']}: {h['host']} "
                  f"({h['address']}:{h['port']}){' (this server)' if h['local'] else ''}")
        macros = ", ".join(f"{k}={v}" for k, v in sorted(cluster["macros"].items()))
        print(f"macros:          {macros or '(none)'}")
        print(f"zookeeper:       {cluster['zookeeper']}")
        for r in cluster["replicas"]:
            state = "READ-ONLY" if r["readonly"] or r["session_expired"] else "ok"
            print(f"  replica {r['table']}: {state}, queue {r['queue_size']}, "
                  f"delay {r['absolute_delay']} s")
    for problem in info["problems"]:
        print(f"PROBLEM:         {problem}")
    return failed


COMMAND = Command(
    name="check",
    help="connect, print the server version, driver and derived capabilities",
    configure=_configure,
    run=_run,
)
