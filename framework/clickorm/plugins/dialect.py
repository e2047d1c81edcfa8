"""The Dialect descriptor: everything the core needs to know about one database.

Like SQLAlchemy's Dialect, one object bundles the grammar (DML compiler), the platform
(DDL compiler), the connection factories per driver, URL schemes, paramstyle and the
capability flags the core and the conformance suite gate on. Type mapping is not a field
here: the platform maps logical types to DDL (``type_sql``) and values (``encoder`` /
``decoder``), and a plugin extends the shared registry through ``clickorm_register_types``.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from clickorm.errors import ConfigError, PluginError

if TYPE_CHECKING:
    from clickorm.config_types import ConnectionConfig
    from clickorm.connection.base import BaseConnection
    from clickorm.query.grammar import BaseGrammar
    from clickorm.schema.platform import BasePlatform

#: The plugin API version this core implements. Plugins declare the version they were
#: written against; the major part must match.
API_VERSION = "1.0"



class Capability(StrEnum):
    """One optional construct a dialect may declare; the core and the conformance suite
    gate on these. A member equals its name (``Capability.FINAL == "final"``)."""

    TRANSACTIONS = "transactions"  # BEGIN/COMMIT/ROLLBACK
    NESTED_TRANSACTIONS = "nested_transactions"  # a begin() inside one is a savepoint
    MUTATIONS = "mutations"  # ALTER TABLE ... UPDATE/DELETE
    LIGHTWEIGHT_DELETE = "lightweight_delete"  # DELETE FROM on a column store
    LIGHTWEIGHT_UPDATE = "lightweight_update"  # UPDATE ... SET on a column store
    FINAL = "final"  # SELECT ... FINAL
    SAMPLE = "sample"  # SAMPLE n [OFFSET m]
    PREWHERE = "prewhere"
    ARRAY_JOIN = "array_join"
    LIMIT_BY = "limit_by"
    WITH_TOTALS = "with_totals"  # WITH TOTALS / ROLLUP / CUBE
    GLOBAL_IN = "global_in"
    ASOF_JOIN = "asof_join"
    SETTINGS = "settings"  # SETTINGS clause on a query
    CTE = "cte"  # WITH name AS (subquery)
    UNION = "union"
    RIGHT_JOIN = "right_join"
    FULL_JOIN = "full_join"
    SERVER_PARAMETERS = "server_parameters"  # typed {p0:Type} placeholders bound by the server
    ENGINES = "engines"  # table engines in DDL


#: every capability name the core knows (a plugin declaring another is refused at load)
KNOWN_CAPABILITIES = frozenset(c.value for c in Capability)


def capability(name: Capability | str) -> Capability:
    """The member called ``name``; an unknown name is a :class:`PluginError` naming it."""
    if isinstance(name, Capability):
        return name
    try:
        return Capability(name)
    except ValueError:
        hint = difflib.get_close_matches(str(name), sorted(KNOWN_CAPABILITIES), n=1)
        guess = f" Did you mean {hint[0]!r}?" if hint else ""
        raise PluginError(
            f"Unknown capability {name!r}.{guess} Known capabilities: "
            f"{', '.join(sorted(KNOWN_CAPABILITIES))}"
        ) from None


class Capabilities(frozenset[Capability]):
    """The typed, immutable set of capabilities of a dialect or a connection.

    Built from members or their names (``Capabilities({"cte", Capability.UNION})``); an
    unknown name raises :class:`PluginError`. ``"cte" in caps`` keeps working because a
    member equals its name; :meth:`supports` also refuses names the core does not know.
    """

    __slots__ = ()

    def __new__(cls, names: Iterable[Capability | str] = ()) -> Capabilities:
        return super().__new__(cls, [capability(n) for n in names])

    def supports(self, name: Capability | str) -> bool:
        """Whether ``name`` is declared; an unknown name is a PluginError, not False."""
        return capability(name) in self

    def without(self, *names: Capability | str) -> Capabilities:
        """A copy without ``names`` (a driver narrowing what its server has)."""
        drop = {capability(n) for n in names}
        return Capabilities(c for c in self if c not in drop)

    def including(self, *names: Capability | str) -> Capabilities:
        """A copy with ``names`` added (a driver offering more than the dialect)."""
        return Capabilities([*self, *names])

    def __repr__(self) -> str:
        return f"Capabilities({sorted(c.value for c in self)!r})"


#: how bulk inserts hand rows to the connection: row tuples (``insert_rows``) or one
#: sequence per column (``insert_columns``, the fast path of column stores)
InsertLayout = Literal["rows", "columns"]
#: how the database reports the key it generated for an omitted integer primary key:
#: ``INSERT ... RETURNING``, the driver's ``lastrowid``, or not at all (keys must be given)
KeyGeneration = Literal["returning", "lastrowid", "none"]
INSERT_LAYOUTS: tuple[str, ...] = ("rows", "columns")
KEY_GENERATIONS: tuple[str, ...] = ("returning", "lastrowid", "none")

ConnectionFactory = Callable[..., "BaseConnection"]


def load_object(spec: str) -> Any:
    """Import ``"package.module:attr"`` lazily (drivers load when a connection opens)."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ProjectStarter:
    """One database ``clickorm init`` offers: a menu entry and a ``--FLAG``.

    ``url`` is the connection URL written to ``clickorm.toml``; a ``{}`` in it is replaced
    by the answer to ``ask`` (a file path, a whole URL), whose default is ``default``.
    ``about`` is the comment written above the URL.
    """

    flag: str
    label: str
    url: str
    about: str
    ask: str | None = None
    default: str = ""
    #: menu position across all installed dialects (lower first)
    order: int = 100

    def url_for(self, answer: str | None = None) -> str:
        return self.url.replace("{}", answer or self.default) if self.ask else self.url


@dataclass(frozen=True)
class Dialect:
    """A database dialect as a plugin provides it.

    ``connections`` maps a driver name (``native``, ``embedded``, ``sqlite3``) to a
    factory or to a lazy ``"module:Class"`` string so the driver is only imported when a
    connection is opened. ``url_schemes`` maps a URL scheme (``clickhouse+native``) to the
    driver it selects.

    What differs between dialects is declared here, never inferred by the core:
    ``capabilities`` (a :class:`Capabilities`; plain name sets are converted, unknown
    names raise :class:`PluginError`), ``insert_layout``, ``key_generation``,
    ``table_options`` (the ``Meta`` keys this dialect's platform and writer read) and
    ``embedded_default_url``, the zero-config connection the dialect offers when no
    connection is configured. When several installed dialects offer one, the highest
    ``embedded_default_priority`` wins, then the dialect name in alphabetical order.
    """

    name: str
    api_version: str
    grammar: type[BaseGrammar]
    platform: type[BasePlatform]
    connections: Mapping[str, ConnectionFactory | str]
    default_driver: str
    url_schemes: Mapping[str, str]
    paramstyle: str
    capabilities: Capabilities = field(default_factory=Capabilities)
    description: str = ""
    #: how models write rows on this dialect (class or lazy "module:Class"); None means
    #: the core's plain INSERT/UPDATE/DELETE writer (ClickHouse picks writes by engine)
    writer: Any = None
    #: bulk inserts as row tuples or as one sequence per column
    insert_layout: InsertLayout = "rows"
    #: how an omitted integer primary key gets its value back (``"none"``: it must be set)
    key_generation: KeyGeneration = "none"
    #: the ``Meta`` keys (table options) models may carry for this dialect
    table_options: frozenset[str] = frozenset()
    #: a URL that works with no server and no configuration (in-memory), or None
    embedded_default_url: str | None = None
    #: which offer wins when several dialects make one (higher first, then by name)
    embedded_default_priority: int = 0
    #: asyncio drivers by sync driver name: ``async (config, dialect) -> AsyncLink`` or a
    #: lazy "module:function"; a driver without one runs in worker threads (ThreadLink)
    async_connections: Mapping[str, Any] = field(default_factory=dict)
    #: the databases ``clickorm init`` offers for this dialect (menu entries and flags)
    starters: tuple[ProjectStarter, ...] = ()
    #: the ``class Meta`` body of the ``models.py`` that ``clickorm init`` writes (the
    #: table options a first model needs on this dialect, commented), after table_name
    starter_meta: str = ""
    #: the connection options each driver reads (driver name -> option names): the core
    #: refuses any other option of a listed driver when a connection opens; a driver not
    #: listed checks its own options (ClickHouse's convert and check every one)
    connection_options: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.capabilities, Capabilities):
            try:
                caps = Capabilities(self.capabilities)
            except TypeError:
                return  # not iterable: validate_dialect reports it
            except PluginError as exc:
                raise PluginError(f"dialect {self.name!r}: {exc}") from None
            object.__setattr__(self, "capabilities", caps)
        if isinstance(self.connection_options, Mapping):
            object.__setattr__(self, "connection_options", {
                driver: names if isinstance(names, str) or not isinstance(names, Iterable)
                else frozenset(names)  # a string or a non-iterable: validate_dialect says so
                for driver, names in self.connection_options.items()})
        if not isinstance(self.table_options, frozenset) and isinstance(
            self.table_options, Iterable
        ) and not isinstance(self.table_options, str):
            object.__setattr__(self, "table_options", frozenset(self.table_options))

    def check_connection_config(self, config: ConnectionConfig, driver: str) -> None:
        """Refuse what ``driver`` would ignore: an option it does not read (when the
        dialect lists its options) and settings on a dialect without ``settings``."""
        if config.settings and not self.supports(Capability.SETTINGS):
            raise ConfigError(
                f"Connection {config.name!r}: the {self.name} dialect sends no settings with "
                f"its queries, so settings ({', '.join(sorted(config.settings))}) would be "
                "ignored. Remove them", key="settings")
        known = self.connection_options.get(driver)
        if known is None:
            return
        if driver in self.async_connections:
            known = known | {"async_pool_size"}
        for option in config.options:
            if option not in known:
                hint = difflib.get_close_matches(option, sorted(known), n=1)
                guess = f" Did you mean {hint[0]!r}?" if hint else ""
                raise ConfigError(
                    f"Connection {config.name!r}: unknown option {option!r} for the "
                    f"{self.name} driver {driver!r}.{guess} Known options: "
                    f"{', '.join(sorted(known)) or '(none)'}", key=f"options.{option}")

    def supports(self, capability: Capability | str) -> bool:
        """Whether this dialect declares ``capability`` (unknown names raise PluginError)."""
        return self.capabilities.supports(capability)

    @property
    def drivers(self) -> tuple[str, ...]:
        return tuple(self.connections)

    def writer_class(self) -> Any:
        """The row writer class for models on this dialect (imported lazily)."""
        if isinstance(self.writer, str):
            return load_object(self.writer)
        return self.writer

    def async_link_factory(self, driver: str | None = None) -> Any:
        """The asyncio link opener of ``driver``, or None (then a worker thread per link
        drives the sync connection)."""
        factory = self.async_connections.get(driver or self.default_driver)
        if isinstance(factory, str):
            try:
                factory = load_object(factory)
            except ImportError as exc:
                raise PluginError(
                    f"The async driver of {self.name!r} ({driver or self.default_driver}) "
                    f"could not be imported: {exc}. Install the dialect's async extra "
                    f"(pip install 'clickorm-{self.name}[async]')"
                ) from exc
        return factory

    def connection_factory(self, driver: str | None = None) -> ConnectionFactory:
        """The callable that opens a connection for ``driver`` (imported on first use)."""
        chosen = driver or self.default_driver
        try:
            factory = self.connections[chosen]
        except KeyError:
            raise PluginError(
                f"Dialect {self.name!r} has no driver {chosen!r}. "
                f"Available drivers: {', '.join(self.connections) or '(none)'}"
            ) from None
        if isinstance(factory, str):
            try:
                factory = load_object(factory)
            except ImportError as exc:
                raise PluginError(
                    f"Driver {chosen!r} of dialect {self.name!r} could not be imported: {exc}. "
                    "Is the driver package installed?"
                ) from exc
        return factory
