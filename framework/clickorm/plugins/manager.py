"""Plugin discovery, validation and lookup.

Every distribution that declares an entry point in the ``clickorm`` group is loaded on
its own: an import error, a failing hook or a returned value that is not a valid
``Dialect`` is recorded as a :class:`PluginFailure` (plugin, distribution, version,
error, phase) and never takes the other plugins down. The failure is shown by
``clickorm plugins`` and raised as :class:`~clickorm.errors.PluginError` when the dialect
that plugin would have provided is asked for.

Order of work (like pytest and tox): load entry point -> register with pluggy ->
``check_pending()`` -> call ``clickorm_dialects`` per plugin -> validate each Dialect ->
index dialects by name and URL scheme (a name claimed by two plugins is unavailable,
with an error naming both distributions).

A ``PluginError`` raised while a plugin builds its dialects (an unknown capability name)
is recorded as a ``validation`` failure. The usable dialects also answer what the core
asks of "the installed plugins": the embedded default connection
(:meth:`PluginManager.embedded_default`, highest priority then name) and the union of
the ``Meta`` keys they declare (:meth:`PluginManager.table_options`).

``CLICKORM_DISABLE_PLUGINS=a,b`` blocks entry points by name. The process-wide manager is
built lazily on first use behind a lock (:func:`get_plugin_manager`); tests build their
own ``PluginManager`` or call :func:`reset_plugin_manager`.
"""

from __future__ import annotations

import difflib
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any, Literal

import pluggy

from clickorm.errors import ConfigError, PluginError
from clickorm.plugins import hookspecs
from clickorm.plugins.dialect import (
    API_VERSION,
    INSERT_LAYOUTS,
    KEY_GENERATIONS,
    Capabilities,
    Dialect,
)
from clickorm.query.grammar import BaseGrammar
from clickorm.schema.platform import BasePlatform
from clickorm.types.registry import TypeRegistry, add_extension

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginInfo",
    "PluginManager",
    "get_plugin_manager",
    "reset_plugin_manager",
]

ENTRY_POINT_GROUP = "clickorm"
DISABLE_ENV = "CLICKORM_DISABLE_PLUGINS"

Phase = Literal["import", "hook", "validation"]

_LAZY_SPEC = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_DIALECT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PluginFailure:
    """Why one plugin (or one of its dialects) could not be used."""

    plugin: str
    distribution: str | None
    version: str | None
    error: str
    phase: Phase

    @property
    def origin(self) -> str:
        """``plugin 'x' (dist 1.0)`` for messages."""
        dist = self.distribution or "unknown distribution"
        ver = f" {self.version}" if self.version else ""
        return f"plugin {self.plugin!r} ({dist}{ver})"

    def __str__(self) -> str:
        verb = {
            "import": "failed to import",
            "hook": "failed in a hook",
            "validation": "is invalid",
        }
        return f"{self.origin} {verb[self.phase]}: {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "phase": self.phase,
            "error": self.error,
        }


@dataclass
class PluginInfo:
    """One plugin as listed by ``clickorm plugins``."""

    name: str
    distribution: str | None = None
    version: str | None = None
    #: the entry point's value ("clickorm_sqlite") or the object's repr for in-process ones
    target: str = ""
    hooks: tuple[str, ...] = ()
    dialects: tuple[str, ...] = ()
    errors: list[PluginFailure] = field(default_factory=list)
    disabled: bool = False
    #: the registered plugin object (None when it failed to import or is disabled)
    obj: Any = field(default=None, repr=False)

    def failure(self, error: str, phase: Phase) -> PluginFailure:
        """Record a failure of this plugin and return it."""
        record = PluginFailure(self.name, self.distribution, self.version, error, phase)
        self.errors.append(record)
        return record

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "target": self.target,
            "hooks": list(self.hooks),
            "dialects": list(self.dialects),
            "disabled": self.disabled,
            "errors": [e.as_dict() for e in self.errors],
        }


def _still_importing(obj: Any) -> bool:
    """Whether ``obj`` is a module whose import has not finished (a circular import)."""
    spec = getattr(obj, "__spec__", None) if isinstance(obj, ModuleType) else None
    return bool(getattr(spec, "_initializing", False))


def _describe(exc: BaseException) -> str:
    """``ModuleNotFoundError: No module named 'x'`` (one line, the type kept)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _major(version: str) -> str | None:
    head = str(version).split(".", 1)[0].strip()
    return head if head.isdigit() else None


def disabled_from_env(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Entry-point names listed in ``CLICKORM_DISABLE_PLUGINS`` (comma separated)."""
    raw = (os.environ if environ is None else environ).get(DISABLE_ENV, "")
    return frozenset(p.strip() for p in raw.split(",") if p.strip())


class PluginManager:
    """ClickORM's view of its plugins: a ``pluggy.PluginManager`` plus validated dialects.

    ``load_entrypoints=False`` gives an empty manager (tests register objects by hand
    with :meth:`register`). ``disabled`` defaults to ``CLICKORM_DISABLE_PLUGINS``.
    """

    def __init__(
        self,
        *,
        load_entrypoints: bool = True,
        disabled: Iterable[str] | None = None,
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.disabled = frozenset(disabled) if disabled is not None else disabled_from_env()
        self._lock = threading.RLock()
        self._plugins: list[PluginInfo] = []
        self._provided: list[tuple[PluginInfo, Dialect]] = []
        self._dialects: dict[str, tuple[PluginInfo, Dialect]] = {}
        self._unavailable: dict[str, str] = {}
        self._schemes: dict[str, tuple[Dialect, str]] = {}
        #: URL schemes claimed by more than one dialect, with the error to raise
        self._scheme_clashes: dict[str, str] = {}
        if load_entrypoints:
            self.load_entrypoints()

    # -- discovery -----------------------------------------------------------------------
    @property
    def hook(self) -> Any:
        """pluggy's hook relay: ``manager.hook.clickorm_register_types(registry=...)``."""
        return self.pm.hook

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Load every entry point of ``group``, each on its own (failures are recorded)."""
        seen: set[tuple[str, str]] = set()
        for ep in metadata.entry_points(group=group):
            if (ep.name, ep.value) in seen:  # the same dist reachable twice on sys.path
                continue
            seen.add((ep.name, ep.value))
            dist = getattr(ep, "dist", None)
            info = PluginInfo(
                name=ep.name,
                distribution=dist.metadata["Name"] if dist is not None else None,
                version=dist.version if dist is not None else None,
                target=ep.value,
            )
            if ep.name in self.disabled:
                info.disabled = True
                with self._lock:
                    self._plugins.append(info)
                continue
            try:
                obj = ep.load()
            except (Exception, SystemExit) as exc:  # a plugin must never take the host down
                info.failure(_describe(exc), "import")
                with self._lock:
                    self._plugins.append(info)
                continue
            if _still_importing(obj):
                # registered now it would have none of the hooks defined below the import
                # that led here: say so instead of losing its dialects without a word
                info.failure(
                    f"{ep.value} was still being imported when the plugins were loaded "
                    "(something its import runs loads the plugins: a circular import)",
                    "import")
                with self._lock:
                    self._plugins.append(info)
                continue
            self._add(info, obj)
        self._reindex()

    def register(
        self,
        plugin: Any,
        name: str | None = None,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginInfo:
        """Register an in-process plugin object (a module or class with hookimpls).

        Validated like an installed one; failures are recorded on the returned info.
        """
        plugin_name = name or getattr(plugin, "__name__", None) or repr(plugin)
        info = PluginInfo(
            name=plugin_name, distribution=distribution, version=version, target=repr(plugin)
        )
        if plugin_name in self.disabled:
            info.disabled = True
            with self._lock:
                self._plugins.append(info)
            return info
        self._add(info, plugin)
        self._reindex()
        return info

    def _add(self, info: PluginInfo, obj: Any) -> None:
        """Register ``obj`` with pluggy, check its hooks, collect its dialects."""
        with self._lock:
            self._plugins.append(info)
            other = self._by_name(info.name, exclude=info)
            if other is not None and other.obj is not None:
                info.failure(
                    f"the plugin name {info.name!r} is already used by {other.distribution or other.target}; "
                    "rename one of the entry points",
                    "validation",
                )
                return
            try:
                self.pm.register(obj, name=info.name)
                self.pm.check_pending()
            except Exception as exc:  # PluginValidationError, ValueError (already registered)
                if self.pm.is_registered(obj):
                    self.pm.unregister(obj)
                info.failure(_describe(exc), "validation")
                return
            info.obj = obj
            info.hooks = tuple(sorted(c.name for c in self.pm.get_hookcallers(obj) or ()))
            for result in self._call_one(info, "clickorm_dialects"):
                self._collect(info, result)

    def _call_one(self, info: PluginInfo, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call one plugin's implementation of ``hook_name``; a raise is recorded."""
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in caller.get_hookimpls():
            if impl.plugin is not info.obj:
                continue
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            try:
                result = impl.function(**args)
            except PluginError as exc:  # an invalid declaration (unknown capability ...)
                info.failure(f"{hook_name}(): {exc}", "validation")
                continue
            except Exception as exc:  # noqa: BLE001 - recorded, shown by `clickorm plugins`
                info.failure(f"{hook_name}() raised {_describe(exc)}", "hook")
                continue
            out.append(result)
        return out

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[PluginInfo, Any]]:
        """Call ``hook_name`` on every plugin separately; one raising does not stop the rest.

        Failures are recorded on the plugin (phase ``hook``) and so shown by
        ``clickorm plugins``. Returns ``(plugin, result)`` for those that succeeded.
        """
        results: list[tuple[PluginInfo, Any]] = []
        for info in self.plugins:
            if info.obj is None:
                continue
            before = len(info.errors)
            values = self._call_one(info, hook_name, **kwargs)
            if len(info.errors) == before:
                results.extend((info, v) for v in values)
        return results

    # -- validation ---------------------------------------------------------------------
    def _collect(self, info: PluginInfo, result: Any) -> None:
        if result is None:
            return
        items = [result] if isinstance(result, Dialect) else result
        if not isinstance(items, list | tuple):
            info.failure(
                f"clickorm_dialects() must return a list of Dialect, got {type(result).__name__}",
                "validation",
            )
            return
        names = []
        for item in items:
            problems = validate_dialect(item)
            if problems:
                label = getattr(item, "name", None) if isinstance(item, Dialect) else None
                what = f"dialect {label!r}" if label else f"returned value {item!r:.60}"
                info.failure(f"{what}: {'; '.join(problems)}", "validation")
                if label:
                    self._unavailable.setdefault(label, str(info.errors[-1]))
                continue
            names.append(item.name)
            self._provided.append((info, item))
        info.dialects = info.dialects + tuple(names)

    def _reindex(self) -> None:
        """Rebuild the name and scheme indexes; a name claimed twice is unavailable."""
        with self._lock:
            claims: dict[str, list[tuple[PluginInfo, Dialect]]] = {}
            for info, dialect in self._provided:
                if info.obj is not None and self.pm.is_registered(info.obj):
                    claims.setdefault(dialect.name, []).append((info, dialect))
            dialects: dict[str, tuple[PluginInfo, Dialect]] = {}
            for name, owners in claims.items():
                if len(owners) == 1:
                    dialects[name] = owners[0]
                    continue
                who = " and ".join(
                    f"{i.distribution or i.target} {i.version or ''}".rstrip()
                    + f" (plugin {i.name!r})"
                    for i, _ in owners
                )
                message = (
                    f"Dialect {name!r} is provided by more than one plugin: {who}. "
                    "Uninstall one of them, or disable one with "
                    + " or ".join(f"{DISABLE_ENV}={i.name}" for i, _ in owners)
                )
                for info, _ in owners:
                    if not any(e.error == message for e in info.errors):
                        info.failure(message, "validation")
                self._unavailable[name] = message
            self._dialects = dialects
            self._schemes, self._scheme_clashes = _index_schemes(dialects)

    # -- lookup --------------------------------------------------------------------------
    @property
    def plugins(self) -> list[PluginInfo]:
        with self._lock:
            return list(self._plugins)

    @property
    def dialects(self) -> dict[str, Dialect]:
        """The usable dialects by name (invalid or clashing ones are left out)."""
        with self._lock:
            return {name: d for name, (_, d) in sorted(self._dialects.items())}

    @property
    def failures(self) -> list[PluginFailure]:
        return [e for info in self.plugins for e in info.errors]

    def get_dialect(self, name: str) -> Dialect:
        """The dialect called ``name``, or a PluginError saying why it is unavailable."""
        with self._lock:
            found = self._dialects.get(name)
            if found is not None:
                return found[1]
            if name in self._unavailable:
                raise PluginError(self._unavailable[name])
            guess = self._failed_plugin_for(name)
        if guess is not None:
            raise PluginError(guess)
        installed = sorted(self._dialects)
        hint = difflib.get_close_matches(name, installed + sorted(self._unavailable), n=1)
        message = f"Unknown dialect {name!r}."
        if hint:
            message += f" Did you mean {hint[0]!r}?"
        message += f" Installed: {', '.join(installed) if installed else '(none)'}"
        if not installed:
            message += ". Install a dialect plugin, e.g. `pip install clickorm-sqlite`"
        elif not hint:
            message += (". No installed plugin provides it: install the one that does (by "
                        f"convention `pip install clickorm-{name.replace('_', '-')}`)")
        raise PluginError(message)

    def _failed_plugin_for(self, name: str) -> str | None:
        """The load error of a plugin that would have provided ``name`` (by naming convention)."""
        norm = name.replace("_", "-").lower()
        for info in self._plugins:
            dist = (info.distribution or "").lower().replace("_", "-")
            if info.name != name and dist not in (f"clickorm-{norm}", norm):
                continue
            if info.disabled:
                return (
                    f"Dialect {name!r} is unavailable: plugin {info.name!r} "
                    f"({info.distribution or info.target}) is disabled by {DISABLE_ENV}"
                )
            if info.errors:
                return f"Dialect {name!r} is unavailable: {info.errors[0]}"
        return None

    def dialect_for_scheme(self, scheme: str) -> tuple[Dialect, str]:
        """``"clickhouse+embedded"`` -> (the clickhouse Dialect, ``"embedded"``).

        A scheme no dialect registered falls back to the ``dialect+driver`` split, so a
        driver the dialect lacks gives a clear error listing its drivers.
        """
        with self._lock:
            found = self._schemes.get(scheme)
            clash = self._scheme_clashes.get(scheme)
        if clash is not None:
            raise PluginError(clash)
        if found is not None:
            return found
        name, _, driver = scheme.partition("+")
        dialect = self.get_dialect(name)
        chosen = driver or dialect.default_driver
        if chosen not in dialect.connections:
            raise PluginError(
                f"Dialect {dialect.name!r} has no driver {chosen!r} (URL scheme {scheme!r}). "
                f"Available drivers: {', '.join(dialect.connections) or '(none)'}; "
                f"schemes: {', '.join(sorted(dialect.url_schemes)) or '(none)'}"
            )
        return dialect, chosen

    def embedded_default(self) -> tuple[Dialect, str] | None:
        """The dialect and URL of the zero-config connection, or None when no usable
        dialect offers one. Several offers: the highest ``embedded_default_priority``
        wins, then the dialect name in alphabetical order (a stable, documented choice).
        """
        offers = [d for d in self.dialects.values() if d.embedded_default_url]
        if not offers:
            return None
        best = min(offers, key=lambda d: (-d.embedded_default_priority, d.name))
        assert best.embedded_default_url is not None
        return best, best.embedded_default_url

    def embedded_default_url(self) -> str:
        """The URL of :meth:`embedded_default`, or a ConfigError saying what to do."""
        offer = self.embedded_default()
        if offer is None:
            installed = ", ".join(sorted(self.dialects)) or "(none)"
            raise ConfigError(
                "No connection is configured and no installed dialect plugin offers an "
                f"embedded default (installed dialects: {installed}). Configure one: a "
                'clickorm.toml with [connections.default] url = "...", or the '
                "CLICKORM_URL environment variable; or install a dialect plugin that "
                f"offers an in-process database (and check {DISABLE_ENV})"
            )
        return offer[1]

    def default_dialect(self) -> Dialect:
        """The dialect meant by connection keys that name none (``host=..., port=...``):
        the one that offers the embedded default."""
        offer = self.embedded_default()
        if offer is None:
            raise ConfigError(
                "No dialect given and no installed dialect plugin offers a default. "
                'Pass a URL or dialect="..." (installed: '
                f"{', '.join(sorted(self.dialects)) or '(none)'})"
            )
        return offer[0]

    def table_options(self) -> frozenset[str]:
        """Every ``Meta`` key the usable dialects declare (the union of ``table_options``)."""
        keys: set[str] = set()
        for dialect in self.dialects.values():
            keys |= dialect.table_options
        return frozenset(keys)

    def listing(self) -> list[dict[str, Any]]:
        """What ``clickorm plugins --json`` prints: one dict per plugin."""
        return [info.as_dict() for info in sorted(self.plugins, key=lambda i: i.name)]

    def _by_name(self, name: str, exclude: PluginInfo) -> PluginInfo | None:
        for info in self._plugins:
            if info.name == name and info is not exclude:
                return info
        return None


def _index_schemes(dialects: Mapping[str, tuple[PluginInfo, Dialect]]
                   ) -> tuple[dict[str, tuple[Dialect, str]], dict[str, str]]:
    """URL scheme -> (dialect, driver), and the schemes several dialects claim (a
    dialect's own name counts as its scheme) with the error each clash raises; the
    clash is also recorded on every plugin involved."""
    claims: dict[str, dict[str, tuple[PluginInfo, Dialect, str]]] = {}
    for info, dialect in dialects.values():
        claims.setdefault(dialect.name, {})[dialect.name] = (
            info, dialect, dialect.url_schemes.get(dialect.name, dialect.default_driver))
        for scheme, driver in dialect.url_schemes.items():
            claims.setdefault(scheme, {})[dialect.name] = (info, dialect, driver)
    schemes: dict[str, tuple[Dialect, str]] = {}
    clashes: dict[str, str] = {}
    for scheme, owners in claims.items():
        if len(owners) == 1:
            ((_, dialect, driver),) = owners.values()
            if scheme in dialect.url_schemes:
                schemes[scheme] = (dialect, driver)
            continue
        who = " and ".join(
            f"dialect {d.name!r} ({i.distribution or i.target} {i.version or ''}".rstrip()
            + f", plugin {i.name!r})" for i, d, _ in sorted(owners.values(), key=_by_name))
        message = (
            f"URL scheme {scheme!r} is registered by more than one dialect: {who}. "
            "Uninstall one of them, or disable one with "
            + " or ".join(f"{DISABLE_ENV}={i.name}" for i, _, _ in owners.values()))
        clashes[scheme] = message
        for info, _, _ in owners.values():
            if not any(e.error == message for e in info.errors):
                info.failure(message, "validation")
    return schemes, clashes


def _by_name(owner: tuple[PluginInfo, Dialect, str]) -> str:
    return owner[1].name


def validate_dialect(dialect: Any) -> list[str]:
    """Problems with one returned Dialect (empty when valid)."""
    if not isinstance(dialect, Dialect):
        return [f"expected a clickorm.plugins.Dialect, got {type(dialect).__name__}"]
    problems: list[str] = []
    if not isinstance(dialect.name, str) or not _DIALECT_NAME.match(dialect.name):
        problems.append(
            f"name {dialect.name!r} must be lower-case letters, digits and '_', starting with a letter"
        )
    core_major = _major(API_VERSION)
    their_major = _major(str(dialect.api_version))
    if their_major is None or their_major != core_major:
        problems.append(
            f"api_version {dialect.api_version!r} is incompatible with this clickorm's plugin "
            f"API version {API_VERSION!r} (the major versions must match); "
            "upgrade the plugin or clickorm"
        )
    if not (isinstance(dialect.grammar, type) and issubclass(dialect.grammar, BaseGrammar)):
        problems.append(
            f"grammar {dialect.grammar!r} must be a subclass of clickorm.query.grammar.BaseGrammar"
        )
    if not (isinstance(dialect.platform, type) and issubclass(dialect.platform, BasePlatform)):
        problems.append(
            f"platform {dialect.platform!r} must be a subclass of "
            "clickorm.schema.platform.BasePlatform"
        )
    if not isinstance(dialect.connections, Mapping) or not dialect.connections:
        problems.append("connections must map at least one driver name to a factory")
    else:
        for driver, factory in dialect.connections.items():
            if isinstance(factory, str):
                if not _LAZY_SPEC.match(factory):
                    problems.append(
                        f"connection factory {factory!r} for driver {driver!r} must be "
                        "a callable or a 'package.module:attr' string"
                    )
            elif not callable(factory):
                problems.append(
                    f"connection factory for driver {driver!r} must be callable, "
                    f"got {type(factory).__name__}"
                )
        if dialect.default_driver not in dialect.connections:
            problems.append(
                f"default_driver {dialect.default_driver!r} is not one of the drivers "
                f"{', '.join(dialect.connections)}"
            )
        if not isinstance(dialect.url_schemes, Mapping):
            problems.append("url_schemes must map a URL scheme to a driver name")
        else:
            for scheme, driver in dialect.url_schemes.items():
                if driver not in dialect.connections:
                    problems.append(
                        f"URL scheme {scheme!r} selects driver {driver!r}, which is not one of "
                        f"the drivers {', '.join(dialect.connections)}"
                    )
    if not isinstance(dialect.capabilities, Capabilities):
        problems.append("capabilities must be a clickorm.plugins.Capabilities")
    if dialect.insert_layout not in INSERT_LAYOUTS:
        problems.append(
            f"insert_layout {dialect.insert_layout!r} must be one of {', '.join(INSERT_LAYOUTS)}"
        )
    if dialect.key_generation not in KEY_GENERATIONS:
        problems.append(
            f"key_generation {dialect.key_generation!r} must be one of "
            f"{', '.join(KEY_GENERATIONS)}"
        )
    options = dialect.connection_options
    if not isinstance(options, Mapping):
        problems.append("connection_options must map a driver name to its option names")
    else:
        for driver, names in options.items():
            if isinstance(dialect.connections, Mapping) and driver not in dialect.connections:
                problems.append(
                    f"connection_options names driver {driver!r}, which is not one of the "
                    f"drivers {', '.join(dialect.connections)}")
            elif not isinstance(names, frozenset) or not all(isinstance(n, str) for n in names):
                problems.append(
                    f"connection_options of driver {driver!r} must be option names (strings) "
                    "in a set")
    if not isinstance(dialect.table_options, frozenset) or not all(
        isinstance(k, str) and k.isidentifier() for k in dialect.table_options
    ):
        problems.append("table_options must be a frozenset of Meta key names (identifiers)")
    url = dialect.embedded_default_url
    if url is not None:
        scheme = url.partition("://")[0] if isinstance(url, str) else None
        if not scheme or isinstance(dialect.url_schemes, Mapping) and (
            scheme not in dialect.url_schemes
        ):
            problems.append(
                f"embedded_default_url {url!r} must use one of the dialect's URL schemes"
            )
    if type(dialect.embedded_default_priority) is not int:
        problems.append("embedded_default_priority must be an int")
    return problems


# -- the process-wide default manager ------------------------------------------------------
class _Default:
    """Holds the lazily built process-wide manager (instance state, not class state)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.manager: PluginManager | None = None


_default = _Default()


def get_plugin_manager() -> PluginManager:
    """The process-wide manager, discovered from entry points on first use."""
    manager = _default.manager
    if manager is not None:
        return manager
    with _default.lock:
        if _default.manager is None:
            _default.manager = PluginManager()
        return _default.manager


def reset_plugin_manager(manager: PluginManager | None = None) -> None:
    """Forget the process-wide manager (or install ``manager``); for tests."""
    with _default.lock:
        _default.manager = manager


def register_plugin_types(registry: TypeRegistry) -> None:
    """Run every plugin's ``clickorm_register_types`` on ``registry``, each on its own
    (one that raises is recorded on its plugin, shown by ``clickorm plugins``)."""
    get_plugin_manager().call_each("clickorm_register_types", registry=registry)


# the type registry (the base layer) cannot reach up for the plugins: hand them down to it
add_extension(register_plugin_types)
