"""The Dialect descriptor: everything the core needs to know about one database.

Like SQLAlchemy's Dialect, one object bundles the grammar (DML compiler), the platform
(DDL compiler), the connection factories per driver, URL schemes, paramstyle and the
capability flags the core and the conformance suite gate on. Type mapping is not a field
here: the platform maps logical types to DDL (``type_sql``) and values (``encoder`` /
``decoder``), and a plugin extends the shared registry through ``clickorm_register_types``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clickorm.errors import PluginError

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.query.grammar import BaseGrammar
    from clickorm.schema.platform import BasePlatform

#: The plugin API version this core implements. Plugins declare the version they were
#: written against; the major part must match.
API_VERSION = "1.0"

#: Capability flags the core knows. Dialects may add their own; unknown flags are kept.
KNOWN_CAPABILITIES = frozenset(
    {
        "returning",  # INSERT ... RETURNING
        "transactions",  # BEGIN/COMMIT/ROLLBACK
        "mutations",  # ALTER TABLE ... UPDATE/DELETE (ClickHouse)
        "lightweight_delete",  # DELETE FROM (ClickHouse >= 22.8)
        "lightweight_update",  # UPDATE ... SET (ClickHouse >= 25.7)
        "final",  # SELECT ... FINAL
        "sample",  # SAMPLE n [OFFSET m]
        "prewhere",
        "array_join",
        "limit_by",
        "with_totals",  # WITH TOTALS / ROLLUP / CUBE
        "global_in",
        "asof_join",
        "settings",  # SETTINGS clause on a query
        "cte",  # WITH name AS (subquery)
        "union",
        "right_join",
        "full_join",
        "server_parameters",  # typed {p0:Type} placeholders bound by the server
        "alter_rebuild",  # table rebuild for alters the database cannot do natively
        "engines",  # table engines in DDL
    }
)

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
class Dialect:
    """A database dialect as a plugin provides it.

    ``connections`` maps a driver name (``native``, ``embedded``, ``sqlite3``) to a
    factory or to a lazy ``"module:Class"`` string so the driver is only imported when a
    connection is opened. ``url_schemes`` maps a URL scheme (``clickhouse+native``) to the
    driver it selects.
    """

    name: str
    api_version: str
    grammar: type[BaseGrammar]
    platform: type[BasePlatform]
    connections: Mapping[str, ConnectionFactory | str]
    default_driver: str
    url_schemes: Mapping[str, str]
    paramstyle: str
    capabilities: frozenset[str] = frozenset()
    description: str = ""
    #: how models write rows on this dialect (class or lazy "module:Class"); None means
    #: the core's plain INSERT/UPDATE/DELETE writer (ClickHouse picks writes by engine)
    writer: Any = None

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def drivers(self) -> tuple[str, ...]:
        return tuple(self.connections)

    def writer_class(self) -> Any:
        """The row writer class for models on this dialect (imported lazily)."""
        if isinstance(self.writer, str):
            return load_object(self.writer)
        return self.writer

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
        return factory  # type: ignore[return-value]
