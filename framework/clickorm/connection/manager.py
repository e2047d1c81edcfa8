"""ConnectionManager: one configured connection, opened lazily, one per thread.

A manager is built from a URL, explicit keys or a named connection of the discovered
config. ``connection()`` returns this thread's :class:`BaseConnection`, opened through
``dialect.connection_factory(driver)(config, dialect)`` on first use. Drivers are not
thread-safe, so each thread gets its own connection; ``close()`` closes every one.
A thread's connection belongs to it: when the thread ends, its connection is closed (a
finaliser on the thread's local holder, and a liveness sweep whenever a connection is
opened), so short-lived threads do not pile up open connections. Do not hand a thread's
connection to another thread that outlives it.

In-memory databases (``sqlite://``, an embedded engine's memory URL) are the exception:
a connection per thread would be a database per thread. A connection whose
``shared_across_threads`` is True (declared by :class:`BaseConnection`; set by the class
or, when it depends on the config, the instance) is shared by all threads; that
connection serialises access itself with a lock.

With no configured connection, the default is the embedded one an installed dialect
plugin offers (:meth:`PluginManager.embedded_default`); connection keys that name no
dialect (``ConnectionManager(host="localhost", port=9000)``) mean that dialect too.

The module also keeps the process-wide registry behind :func:`get_manager` and
:func:`get_connection`, built from the discovered config on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Self

from clickorm.config import (
    URL_ENV,
    ResolvedConfig,
    connection_from_keys,
    load_config,
    to_url,
)
from clickorm.config_types import ConnectionConfig
from clickorm.connection.async_pool import AsyncConnection, pinned_bridge
from clickorm.connection.bridge import await_, in_bridge
from clickorm.connection.bridged import BridgedConnection
from clickorm.connection.thread_link import open_thread_link
from clickorm.errors import ClickORMError, ConfigError
from clickorm.errors import ConnectionError as ClickORMConnectionError
from clickorm.plugins.manager import PluginManager, get_plugin_manager

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.plugins.dialect import Dialect

__all__ = [
    "ConnectionManager",
    "bound_to",
    "get_connection",
    "get_manager",
    "load_plugin_config",
    "register_manager",
    "set_manager_class",
    "reset_managers",
    "set_default_manager",
    "use",
]

#: connections opened, at DEBUG (name, dialect and driver; never the URL)
log = logging.getLogger("clickorm.connection")


#: worker threads (each with its own sync connection) per event loop for a dialect
#: without an asyncio driver
THREAD_LINKS = 4


class ConnectionManager:
    """Opens and keeps the connections of one configured database.

    ``ConnectionManager("sqlite:///app.db")``, ``ConnectionManager(host="h", port=9000)``
    (the plugins' default dialect), ``ConnectionManager(name="analytics")`` (the config),
    or ``ConnectionManager()`` (the config's default connection). Keys given with a URL
    override its parts. ``plugins`` defaults to the process-wide plugin manager.
    ``source`` names where a URL or keys came from in their errors (a CLI flag, a
    setting); a configured connection's errors name its config file.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        name: str | None = None,
        config: ResolvedConfig | None = None,
        plugins: PluginManager | None = None,
        source: str = "ConnectionManager(...) arguments",
        **keys: Any,
    ) -> None:
        if plugins is None:
            plugins = get_plugin_manager()
        if url is not None or keys:
            label = name or "default"
            if url is not None:
                keys = {"url": url, **keys}
            #: where the connection's keys came from, for the errors of its options
            self._source = source
            self._key_prefix = ""
            unresolved = connection_from_keys(
                label,
                keys,
                base_dir=os.getcwd(),
                file=source,
                key=label,
                default_dialect=None
                if "url" in keys or "dialect" in keys
                else plugins.default_dialect().name,
            )
        else:
            resolved = config if config is not None else load_plugin_config(plugins)
            unresolved = resolved.connection(name)
            self._source = resolved.source
            if os.environ.get(URL_ENV) and unresolved.name == resolved.default:
                self._source = f"environment variable {URL_ENV} over {resolved.source}"
            self._key_prefix = (f"{_section(resolved.source)}connections."
                                f"{unresolved.name}.")
        scheme = unresolved.dialect + (f"+{unresolved.driver}" if unresolved.driver else "")
        dialect, driver = plugins.dialect_for_scheme(scheme)
        #: the connection's config, with the dialect and driver resolved
        self.config = dataclasses.replace(unresolved, dialect=dialect.name, driver=driver)
        self.dialect: Dialect = dialect
        # reentrant: a thread's old holder may be finalised while it holds the lock
        self._lock = threading.RLock()
        self._local = threading.local()
        self._generation = 0
        #: open connections by id, each with the thread it belongs to (None: shared)
        self._opened: dict[int, tuple[BaseConnection, threading.Thread | None]] = {}
        self._shared: BaseConnection | None = None
        #: the async connection of each event loop (see async_connection())
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncConnection] = (
            weakref.WeakKeyDictionary())

    @classmethod
    def from_config(cls, config: ConnectionConfig, **kwargs: Any) -> Self:
        """A manager for an already resolved ConnectionConfig."""
        keys = {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(config)
            if f.name != "name" and getattr(config, f.name) not in (None, {})
        }
        return cls(name=config.name, **keys, **kwargs)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def driver(self) -> str:
        return self.config.driver or self.dialect.default_driver

    # -- connections ----------------------------------------------------------------------
    def connection(self) -> BaseConnection:
        """This thread's connection (or the shared one for in-memory databases).

        Inside the async API (sync ORM code run by :func:`~clickorm.connection.bridge.
        run_sync`) it is this event loop's bridged connection instead, so every query
        that code makes (eager loads, writers, sessions) awaits the async links."""
        if in_bridge():
            return self._bridged()
        shared = self._shared
        if shared is not None:
            return shared
        holder = getattr(self._local, "holder", None)
        if holder is not None and holder.generation == self._generation:
            conn: BaseConnection = holder.conn
            return conn
        ended = self._forget_ended_threads()
        try:
            with self._lock:
                if self._shared is not None:
                    return self._shared
                conn = self._open()
                if conn.shared_across_threads:
                    self._opened[id(conn)] = (conn, None)
                    self._shared = conn
                else:
                    self._opened[id(conn)] = (conn, threading.current_thread())
                    self._local.holder = _Holder(self, conn, self._generation)
                return conn
        finally:
            _close_quietly(ended)

    # -- asyncio --------------------------------------------------------------------------
    def async_connection(self) -> AsyncConnection:
        """This event loop's async connection: a small pool of links (asyncio sockets
        where the dialect has an asyncio driver, else a worker thread per link)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._async.get(loop)
            if found is not None and not found.closed:
                return found
            made = self._make_async()
            self._async[loop] = made
            return made

    def _make_async(self) -> AsyncConnection:
        factory = self.dialect.async_link_factory(self.driver)
        config, dialect = self.config, self.dialect
        if factory is not None:
            size = _pool_size(self.name, config.options.get("async_pool_size", 8))

            async def open_native() -> Any:
                return await factory(config, dialect)

            return AsyncConnection(self.name, open_native, size=size)

        def open_thread() -> Any:
            return open_thread_link(self.connection)

        return AsyncConnection(self.name, open_thread, size=THREAD_LINKS)

    def _bridged(self) -> BridgedConnection:
        pinned = pinned_bridge(self)
        if pinned is not None:
            return pinned
        return await_(self.async_connection().bridge())

    async def aclose(self) -> None:
        """Close this event loop's async connection (its links); safe to call twice."""
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._async.pop(loop, None)
        if found is not None:
            await found.aclose()

    def opened_connection(self) -> BaseConnection | None:
        """This thread's connection (or the shared one) if it is already open, else None;
        never opens one (for callers that only want to know the server it talks to)."""
        shared = self._shared
        if shared is not None:
            return shared
        holder = getattr(self._local, "holder", None)
        if holder is not None and holder.generation == self._generation:
            conn: BaseConnection = holder.conn
            return conn
        return None

    def _forget_ended_threads(self) -> list[BaseConnection]:
        """Drop the connections of threads that have ended (whose finaliser has not run
        yet); the caller closes them outside the lock."""
        with self._lock:
            ended = [c for c, t in self._opened.values() if t is not None and not t.is_alive()]
            for conn in ended:
                del self._opened[id(conn)]
        return ended

    def _thread_ended(self, conn: BaseConnection) -> None:
        """Close ``conn`` when its thread's holder is gone, unless ``close()`` (or the
        sweep) already took it."""
        with self._lock:
            if self._opened.get(id(conn), (None,))[0] is not conn:
                return
            del self._opened[id(conn)]
        _close_quietly([conn])

    def _open(self) -> BaseConnection:
        factory = self.dialect.connection_factory(self.driver)
        try:
            self.dialect.check_connection_config(self.config, self.driver)
            conn = factory(self.config, self.dialect)
        except ConfigError as exc:
            if exc.file is not None:
                raise
            key = f"{self._key_prefix}{exc.key}" if exc.key else None
            raise ConfigError(exc.reason, file=self._source, key=key) from exc
        except ClickORMError:
            raise
        except Exception as exc:
            raise ClickORMConnectionError(
                f"Could not open a {self.dialect.name} connection with driver "
                f"{self.driver!r}: {type(exc).__name__}: {exc}",
                connection=self.name,
            ) from exc
        if conn.name in (None, "default") and self.name != "default":
            conn.name = self.name
        log.debug("[%s] opened a %s connection (driver %s)", self.name, self.dialect.name,
                  self.driver)
        return conn

    @property
    def opened(self) -> int:
        """How many connections are open (one per thread that used it, or one shared)."""
        with self._lock:
            return len(self._opened)

    def close(self) -> None:
        """Close every connection this manager opened, in any thread. Safe to call twice."""
        with self._lock:
            opened = [conn for conn, _ in self._opened.values()]
            self._opened = {}
            self._shared = None
            self._generation += 1
        errors: list[BaseException] = []
        for conn in opened:
            try:
                conn.close()
            except Exception as exc:  # close the others before reporting
                errors.append(exc)
        if errors:
            raise ClickORMConnectionError(
                f"{len(errors)} connection(s) failed to close: {errors[0]}", connection=self.name
            ) from errors[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ConnectionManager {self.name!r} {to_url(self.config, masked=True)}>"


class _Holder:
    """One thread's connection, kept in the manager's thread-local storage.

    When the thread ends Python drops its locals, and with them this holder; the
    finaliser then hands the connection back to the manager to close. The finaliser
    holds the manager weakly: a manager that is itself gone closes nothing (its
    connections live as long as their users hold them, as before).
    """

    __slots__ = ("conn", "generation", "__weakref__")

    def __init__(self, manager: ConnectionManager, conn: BaseConnection, generation: int) -> None:
        self.conn = conn
        self.generation = generation
        finalizer = weakref.finalize(self, _holder_gone, weakref.ref(manager), conn)
        finalizer.atexit = False  # at exit, close() (or the process) ends connections


def _holder_gone(manager_ref: weakref.ref[ConnectionManager], conn: BaseConnection) -> None:
    manager = manager_ref()
    if manager is not None:
        manager._thread_ended(conn)


def _close_quietly(connections: list[BaseConnection]) -> None:
    """Close connections of ended threads; nobody is left to report a failure to (the
    thread is gone, the connection unusable either way)."""
    for conn in connections:
        try:
            conn.close()
        except Exception:  # noqa: S110 - see the docstring
            pass



#: the class :func:`get_manager` and ``use(url)`` build; the ORM layer sets its subclass
#: (which adds ``session()``) when imported, so every registered manager has sessions
_manager_class: list[type[ConnectionManager]] = [ConnectionManager]


def set_manager_class(cls: type[ConnectionManager]) -> None:
    """Make ``cls`` the class the registry builds managers with (the last one wins)."""
    _manager_class[:] = [cls]


def load_plugin_config(
    plugins: PluginManager | None = None, path: str | os.PathLike[str] | None = None
) -> ResolvedConfig:
    """The discovered config, with the embedded default the installed plugins offer."""
    manager = plugins if plugins is not None else get_plugin_manager()
    return load_config(path, embedded_default=manager.embedded_default_url)


# -- the process-wide registry -------------------------------------------------------------
class _Registry:
    """Managers by connection name, built from the discovered config on first use."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.managers: dict[str, ConnectionManager] = {}
        self.default: str | None = None
        self.config: ResolvedConfig | None = None
        #: while set (``bound_to``), the manager of every connection name
        self.override: ConnectionManager | None = None

    def resolved(self) -> ResolvedConfig:
        if self.config is None:
            self.config = load_plugin_config()
        return self.config


_registry = _Registry()


def get_manager(name: str | None = None) -> ConnectionManager:
    """The manager of connection ``name`` (the default connection when None)."""
    # a registered manager is found without the lock (a dict read is atomic): this runs
    # for every query a model builds
    override = _registry.override
    if override is not None:
        return override
    key = name if name is not None else _registry.default
    if key is not None:
        found = _registry.managers.get(key)
        if found is not None:
            return found
    with _registry.lock:
        key = name if name is not None else _registry.default
        if key is not None and key in _registry.managers:
            return _registry.managers[key]
        config = _registry.resolved()
        key = key or config.default
        if key not in _registry.managers:
            manager = _manager_class[0](name=key, config=config)
            _registry.managers[key] = manager
        if name is None and _registry.default is None:
            _registry.default = key
        return _registry.managers[key]


def register_manager(name: str, manager: ConnectionManager) -> ConnectionManager:
    """Make ``manager`` the one :func:`get_manager(name)` returns (the old one stays open)."""
    with _registry.lock:
        _registry.managers[name] = manager
    return manager


def set_default_manager(manager: ConnectionManager) -> ConnectionManager:
    """Register ``manager`` under its name and make it the default connection."""
    with _registry.lock:
        _registry.managers[manager.name] = manager
        _registry.default = manager.name
    return manager


def use(url_or_manager: str | ConnectionManager, *, name: str | None = None) -> ConnectionManager:
    """Make a URL (or a manager) the default connection: ``use("sqlite://")``."""
    if isinstance(url_or_manager, str):
        manager = _manager_class[0](url_or_manager, name=name)
    elif isinstance(url_or_manager, ConnectionManager):
        manager = url_or_manager
    else:
        raise ConfigError(
            f"use() takes a URL string or a ConnectionManager, got {type(url_or_manager).__name__}"
        )
    return set_default_manager(manager)


def _section(source: str) -> str:
    """The key prefix of the config's own table in ``source`` (pyproject's tool table)."""
    return "tool.clickorm." if os.path.basename(source) == "pyproject.toml" else ""


@contextlib.contextmanager
def bound_to(manager: ConnectionManager) -> Iterator[ConnectionManager]:
    """Run every model on ``manager`` while the block runs, whatever connection name it
    asks for (the default or its ``Meta.connection``); the previous binding is restored
    afterwards. The registered managers are left as they are (not closed)."""
    with _registry.lock:
        previous = _registry.override
        _registry.override = manager
    try:
        yield manager
    finally:
        with _registry.lock:
            _registry.override = previous


def _pool_size(name: str, raw: Any) -> int:
    """The ``async_pool_size`` option: a positive number of links."""
    try:
        size = int(raw)
    except (TypeError, ValueError):
        size = 0
    if isinstance(raw, bool) or size < 1 or str(size) != str(raw).strip():
        raise ConfigError(f"Connection {name!r}: option 'async_pool_size' must be a positive "
                          "integer (the most links one event loop opens)",
                          key="options.async_pool_size")
    return size


def get_connection(name: str | None = None) -> BaseConnection:
    """This thread's connection of connection ``name`` (the default when None)."""
    return get_manager(name).connection()


def reset_managers() -> None:
    """Close and forget every registered manager and the cached config (for tests)."""
    with _registry.lock:
        managers = list({id(m): m for m in _registry.managers.values()}.values())
        _registry.managers.clear()
        _registry.default = None
        _registry.config = None
    errors: list[ClickORMError] = []
    for manager in managers:
        try:
            manager.close()
        except ClickORMError as exc:  # close the rest before reporting
            errors.append(exc)
    if errors:
        raise errors[0]
