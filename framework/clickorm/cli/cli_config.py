"""``clickorm config [--json] [--config PATH]``: the resolved config, passwords masked."""

from __future__ import annotations

import argparse
import os

from clickorm.cli.cli_base import (
    Command,
    add_config_option,
    config_from_args,
    plugin_manager,
    print_json,
)
from clickorm.config import URL_ENV, ResolvedConfig
from clickorm.errors import ConfigError, PluginError
from clickorm.plugins.manager import PluginManager


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add_config_option(parser)


def _problems(config: ResolvedConfig, plugins: PluginManager) -> dict[str, str]:
    """Connections whose dialect or driver is not installed, or that carry an option or
    setting their driver would refuse when it connects (shown, not fatal)."""
    out: dict[str, str] = {}
    for name, conn in config.connections.items():
        scheme = conn.dialect + (f"+{conn.driver}" if conn.driver else "")
        try:
            dialect, driver = plugins.dialect_for_scheme(scheme)
            dialect.check_connection_config(conn, driver)
        except ConfigError as exc:
            out[name] = exc.reason
        except PluginError as exc:
            out[name] = str(exc)
    return out


def _run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    data = config.masked()
    problems = _problems(config, plugin_manager(args))
    if os.environ.get(URL_ENV) and config.default in data["connections"]:
        data["connections"][config.default]["url_from"] = URL_ENV
    if args.json:
        for name, problem in problems.items():
            data["connections"][name]["error"] = problem
        print_json(data)
        return 0
    print(f"source:      {data['source']}")
    print(f"default:     {data['default']}")
    print("connections:")
    width = max(len(n) for n in data["connections"]) + 1
    for name, conn in data["connections"].items():
        mark = "*" if name == data["default"] else " "
        print(f"  {name + mark:<{width}}  {conn['url']}")
        pad = " " * (width + 4)
        if conn.get("url_from"):
            print(f"{pad}(URL from {conn['url_from']})")
        for section in ("settings", "options"):
            if conn.get(section):
                items = ", ".join(f"{k}={v}" for k, v in conn[section].items())
                print(f"{pad}{section}: {items}")
        if name in problems:
            print(f"{pad}! {problems[name]}")
    mig = data["migrations"]
    print(f"migrations:  {mig['directory']} (history table {mig['table']})")
    if mig.get("models"):
        print(f"models:      {', '.join(mig['models'])}")
    return 0


COMMAND = Command(
    name="config",
    help="show the resolved configuration (passwords masked) and the file it came from",
    configure=_configure,
    run=_run,
)
