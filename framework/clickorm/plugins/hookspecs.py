"""The typed hook specifications a ClickORM plugin implements.

pluggy project name and entry-point group: ``clickorm``. Every hook starts ``clickorm_``.
A plugin's top-level module holds only its hook implementations, so listing plugins is
cheap; drivers are imported when a connection is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from clickorm.plugins.dialect import Dialect
    from clickorm.types.registry import TypeRegistry

PROJECT_NAME = "clickorm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def clickorm_dialects() -> list[Dialect]:  # type: ignore[empty-body]
    """Return the Dialect descriptors this plugin provides."""


@hookspec
def clickorm_register_types(registry: TypeRegistry) -> None:
    """Add logical types, annotation mappings or codecs to the shared type registry."""


@hookspec
def clickorm_cli_commands(subparsers: Any) -> None:
    """Add sub-commands to the ``clickorm`` console script (argparse subparsers)."""
