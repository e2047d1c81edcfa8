"""The public ``ConnectionManager``: the engine's manager plus ``session()``.

A session is a unit of work over models (the ORM layer), so the engine's manager,
which knows connections only, cannot build one. This subclass adds it, and importing
this module makes it the class the engine's registry builds (``get_manager()``,
``use(url)``), so every manager a user meets has sessions. The functions below are the
registry's, typed with this class.
"""

from __future__ import annotations

from clickorm.connection import manager as engine
from clickorm.connection.base import BaseConnection
from clickorm.errors import ConfigError
from clickorm.model.async_session import AsyncSession
from clickorm.model.session import Session

__all__ = ["ConnectionManager", "get_connection", "get_manager", "use"]


class ConnectionManager(engine.ConnectionManager):
    """Opens and keeps the connections of one configured database; starts sessions.

    ``ConnectionManager("sqlite:///app.db")``, ``ConnectionManager(host="h", port=9000)``,
    ``ConnectionManager(name="analytics")`` (from the config file), or
    ``ConnectionManager()`` (the config's default connection).
    """

    def session(self, *, async_insert: bool | None = None,
                wait_for_async_insert: bool | None = None) -> Session:
        """A unit of work on this thread's connection: ``with manager.session() as s:``
        buffers ``s.add(model)`` into one bulk insert per table and commits (or rolls
        back, where the dialect has transactions) when the block ends. The options are
        the flushes' asynchronous-insert settings (see ``Model.insert_many``)."""
        return Session(self, async_insert=async_insert,
                       wait_for_async_insert=wait_for_async_insert)


    def async_session(self, *, async_insert: bool | None = None,
                      wait_for_async_insert: bool | None = None) -> AsyncSession:
        """``async with manager.async_session() as s:`` -- ``session()`` for asyncio: the
        same unit of work on one link of this event loop's async connection."""
        return AsyncSession(self, async_insert=async_insert,
                            wait_for_async_insert=wait_for_async_insert)


engine.set_manager_class(ConnectionManager)


def get_manager(name: str | None = None) -> ConnectionManager:
    """The manager of connection ``name`` (the default connection when None)."""
    return _with_sessions(engine.get_manager(name))


def use(url_or_manager: str | engine.ConnectionManager, *, name: str | None = None
        ) -> ConnectionManager:
    """Make a URL (or a manager) the default connection: ``use("sqlite://")``."""
    return _with_sessions(engine.use(url_or_manager, name=name))


def get_connection(name: str | None = None) -> BaseConnection:
    """This thread's connection of connection ``name`` (the default when None)."""
    return get_manager(name).connection()


def _with_sessions(manager: engine.ConnectionManager) -> ConnectionManager:
    if isinstance(manager, ConnectionManager):
        return manager
    raise ConfigError(
        f"Connection {manager.name!r} was registered as a bare engine manager "
        "(clickorm.connection.manager.ConnectionManager); register a "
        "clickorm.ConnectionManager instead, which can open sessions"
    )
