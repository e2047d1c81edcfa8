"""``clickorm plugins [--json]``: installed plugins, their dialects, hooks and errors."""

from __future__ import annotations

import argparse

from clickorm.cli.cli_base import Command, plugin_manager, print_json


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _run(args: argparse.Namespace) -> int:
    manager = plugin_manager(args)
    listing = manager.listing()
    if args.json:
        print_json(listing)
        return 0
    if not listing:
        print("No plugins installed. Install a dialect, e.g. `pip install clickorm-sqlite`.")
        return 0
    dialects = manager.dialects
    width = max(len(p["name"]) for p in listing)
    for plugin in listing:
        dist = " ".join(x for x in (plugin["distribution"], plugin["version"]) if x)
        state = "  (disabled by CLICKORM_DISABLE_PLUGINS)" if plugin["disabled"] else ""
        print(f"{plugin['name']:<{width}}  {dist or plugin['target']}{state}")
        for name in plugin["dialects"]:
            dialect = dialects.get(name)
            detail = (
                f"drivers: {', '.join(dialect.drivers)}; api {dialect.api_version}"
                if dialect is not None
                else "unavailable"
            )
            print(f"  dialect  {name} ({detail})")
        if plugin["hooks"]:
            print(f"  hooks    {', '.join(plugin['hooks'])}")
        for error in plugin["errors"]:
            print(f"  error    [{error['phase']}] {error['error']}")
    return 0


COMMAND = Command(
    name="plugins",
    help="list installed plugins, their dialects, hooks and load errors",
    configure=_configure,
    run=_run,
)
