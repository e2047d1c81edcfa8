"""BasePlatform: compiles Table / TableDiff objects into DDL for one dialect.

(Thin for the plugin contract; the schema issue fills it in.)
"""

from __future__ import annotations

from typing import Any


class BasePlatform:
    """Base class every dialect's DDL compiler subclasses."""

    dialect_name = "base"

    def __init__(
        self,
        *,
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
        **options: Any,
    ) -> None:
        self.server_version = server_version
        self.capabilities = capabilities
        self.options = options
