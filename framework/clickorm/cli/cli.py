"""The ``clickorm`` console script.

Built-in commands live in their own modules listed in :data:`COMMAND_MODULES`, each
defining ``COMMAND`` (see :mod:`clickorm.cli.cli_base`); a later issue adds its command by
appending its module here. Plugins add commands through the ``clickorm_cli_commands``
hook: ``p = subparsers.add_parser("name", help=...)`` then ``p.set_defaults(func=run)``
where ``run(args)`` returns an exit code (None means 0).

A :class:`~clickorm.errors.ClickORMError` prints one ``clickorm: error: ...`` line to
stderr and exits 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clickorm import __version__
from clickorm.errors import ClickORMError
from clickorm.plugins.dialect import API_VERSION
from clickorm.plugins.manager import PluginManager, get_plugin_manager

if TYPE_CHECKING:
    from clickorm.cli.cli_base import Command

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: modules defining ``COMMAND``; order is the order in ``clickorm --help``
COMMAND_MODULES: tuple[str, ...] = (
    "clickorm.cli.cli_plugins",
    "clickorm.cli.cli_config",
    "clickorm.cli.cli_check",
    "clickorm.cli.cli_init",
    "clickorm.cli.cli_new_dialect",
    "clickorm.cli.cli_migrate",
    "clickorm.cli.cli_inspect",
)

EXIT_ERROR = 2


def _commands() -> list[Command]:
    return [importlib.import_module(module).COMMAND for module in COMMAND_MODULES]


def version_text(plugins: PluginManager) -> str:
    """``clickorm 0.1.0`` plus one line per plugin distribution."""
    lines = [f"clickorm {__version__} (plugin API {API_VERSION})"]
    for info in sorted(plugins.plugins, key=lambda i: i.name):
        dist = " ".join(x for x in (info.distribution, info.version) if x) or info.target
        note = " [disabled]" if info.disabled else " [error]" if info.errors else ""
        dialects = f" dialects: {', '.join(info.dialects)}" if info.dialects else ""
        lines.append(f"  {dist} (plugin {info.name}){dialects}{note}")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    """``--version`` that discovers plugins only when asked (keeps ``--help`` fast)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        self.plugins: PluginManager | None = kwargs.pop("plugins", None)
        super().__init__(option_strings, dest, nargs=0, help="show core and plugin versions")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(version_text(self.plugins or get_plugin_manager()))
        parser.exit()


def build_parser(plugins: PluginManager | None = None) -> argparse.ArgumentParser:
    """The full argument parser: built-in commands, then the plugins' commands."""
    parser = argparse.ArgumentParser(
        prog="clickorm",
        description="ClickORM: Pydantic models over the databases of its dialect plugins.",
    )
    parser.add_argument("--version", action=_VersionAction, plugins=plugins)
    parser.set_defaults(plugin_manager=plugins)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _commands():
        p = sub.add_parser(
            command.name, help=command.help, description=command.description or command.help
        )
        command.configure(p)
        p.set_defaults(func=command.run)
    (plugins or get_plugin_manager()).call_each("clickorm_cli_commands", subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None, *, plugins: PluginManager | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        parser = build_parser(plugins)
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            parser.print_help()
            return EXIT_ERROR
        code = func(args)
        return int(code or 0)
    except ClickORMError as exc:
        print(f"clickorm: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("clickorm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `clickorm plugins | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
