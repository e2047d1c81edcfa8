"""The resolved shape of one connection's configuration (shared by config and drivers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConnectionConfig:
    """One named connection, resolved from a URL or explicit keys.

    Dialect connection factories are called as ``factory(config, dialect)``.
    ``path`` is the file or directory for file-based engines (SQLite, chDB); ``None``
    means in-memory. ``settings`` are database settings sent with queries;
    ``options`` are driver options (timeouts, TLS, compression, alt_hosts, cluster ...).
    """

    name: str
    dialect: str
    driver: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    path: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.masked().items())
        return f"ConnectionConfig(name={self.name!r}, {shown})"

    def masked(self) -> dict[str, Any]:
        """A printable dict with the password (and password-like options) masked."""
        out: dict[str, Any] = {
            "dialect": self.dialect,
            "driver": self.driver,
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "password": "****" if self.password else None,
            "path": self.path,
            "settings": dict(self.settings),
            "options": {
                k: ("****" if _secretish(k) and v else v) for k, v in self.options.items()
            },
        }
        return {k: v for k, v in out.items() if v not in (None, {}, [])}


def _secretish(key: str) -> bool:
    k = key.lower()
    return any(w in k for w in ("password", "secret", "token", "key"))
