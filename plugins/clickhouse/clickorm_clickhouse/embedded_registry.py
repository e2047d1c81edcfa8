"""The one embedded chDB database of this process, shared by every embedded connection.

chDB runs a single ClickHouse engine per process, bound to one path (or memory) until
the last connection to it closes; opening another path meanwhile fails. This registry
makes that rule explicit: connections on the same path share the engine (and see the
same tables, in memory too), a different path gets a ConnectionError naming the open
one, and the engine is released when its last user closes.

It is process-wide state on purpose (it mirrors the engine's own), guarded by a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from clickorm.errors import ConnectionError

__all__ = [
    "MEMORY", "Engine", "acquire", "describe_path", "normalize_path", "open_engine", "release",
]

#: the path key of the in-memory database
MEMORY = ":memory:"


@dataclass
class Engine:
    """The open embedded database: its path, its users and its schema generation."""

    path: str
    #: connection names holding the engine (one entry per open user, streams included)
    users: list[str] = field(default_factory=list)
    #: bumped by every statement that may change a table's columns, so cached result
    #: types and insert column types are re-read afterwards (see EmbeddedConnection)
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bump(self) -> None:
        with self.lock:
            self.generation += 1


_lock = threading.Lock()
_engine: Engine | None = None


def describe_path(path: str) -> str:
    return "an in-memory database" if path == MEMORY else f"the database at {path!r}"


def open_engine() -> Engine | None:
    """The engine currently open in this process, if any."""
    return _engine


def acquire(path: str, user: str) -> Engine:
    """Register ``user`` on the engine at ``path`` (opening it logically if none is open)."""
    global _engine
    with _lock:
        if _engine is not None and _engine.path != path:
            holders = ", ".join(sorted(set(_engine.users))) or "unknown"
            raise ConnectionError(
                f"cannot open {describe_path(path)}: chDB allows one embedded database per "
                f"process and {describe_path(_engine.path)} is open (connections: {holders}). "
                "Close those connections first (ConnectionManager.close()), or use the same "
                "path for every embedded connection.",
                connection=user,
            )
        if _engine is None:
            _engine = Engine(path=path)
        _engine.users.append(user)
        return _engine


def release(engine: Engine, user: str) -> None:
    """Drop one registration of ``user``; the engine is forgotten with its last user."""
    global _engine
    with _lock:
        if user in engine.users:
            engine.users.remove(user)
        if not engine.users and _engine is engine:
            _engine = None


def normalize_path(path: str | None) -> str:
    """``None``/empty/``:memory:`` -> MEMORY; otherwise the absolute directory path."""
    if path is None or path in ("", MEMORY):
        return MEMORY
    return str(Path(path).expanduser().resolve())
