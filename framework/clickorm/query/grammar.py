"""BaseGrammar (placeholder until the query core lands)."""

from __future__ import annotations


class BaseGrammar:
    """Compiles query state into ``Compiled(sql, params)`` for one dialect."""

    def __init__(
        self,
        *,
        paramstyle: str = "qmark",
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
    ) -> None:
        self.paramstyle = paramstyle
        self.server_version = server_version
        self.capabilities = capabilities
