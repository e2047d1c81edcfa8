"""What a ``clickorm`` sub-command is, and helpers the command modules share.

A command module defines ``COMMAND = Command(name, help, configure, run)`` and is listed
in ``clickorm.cli.COMMAND_MODULES``. ``configure(parser)`` adds its arguments; ``run(args)``
returns the exit code (None means 0). Import heavy modules inside ``run`` so that
``clickorm --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from clickorm.config import ResolvedConfig, load_config
from clickorm.plugins.manager import PluginManager, get_plugin_manager

__all__ = ["Command", "add_config_option", "config_from_args", "plugin_manager", "print_json"]


@dataclass(frozen=True)
class Command:
    """One sub-command of the ``clickorm`` console script."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]
    description: str | None = None


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config PATH`` as every config-reading command spells it."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to use (default: CLICKORM_CONFIG, then clickorm.toml or "
        "[tool.clickorm] in pyproject.toml in this directory or a parent)",
    )


def config_from_args(args: argparse.Namespace) -> ResolvedConfig:
    """The resolved config for a command that called :func:`add_config_option`; with no
    connection configured, the embedded default the installed plugins offer."""
    return load_config(
        getattr(args, "config", None), embedded_default=plugin_manager(args).embedded_default_url
    )


def plugin_manager(args: argparse.Namespace) -> PluginManager:
    """The plugin manager ``main(plugins=...)`` was given, else the process-wide one."""
    given: PluginManager | None = getattr(args, "plugin_manager", None)
    return given if given is not None else get_plugin_manager()


def print_json(data: Any, out: TextIO | None = None) -> None:
    json.dump(data, out or sys.stdout, indent=2, sort_keys=False, default=str)
    (out or sys.stdout).write("\n")
