"""``class Meta`` of a model: read once at class creation into a frozen :class:`TableMeta`.

Core keys drive the model layer (table name, connection, identity, mass assignment,
observers, insert batching, portable indexes, comment). Dialect keys are the ones the
installed dialects declare (``Dialect.table_options``: engine, ORDER BY, TTL, ...); they
are kept verbatim for the platforms and writers that read them; ``options`` holds
anything else a plugin documents. An unknown key is an error listing the known ones, so
a typo such as ``oder_by`` never silently creates a table without its sorting key.

Inheritance: a subclass starts from its parent's Meta and overrides what it declares,
except ``table_name`` and ``abstract``, which are never inherited.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from clickorm.errors import SchemaError
from clickorm.plugins.manager import get_plugin_manager

__all__ = ["TableMeta", "CORE_KEYS", "dialect_keys", "known_keys", "read_meta"]

#: keys the model layer itself uses
CORE_KEYS = (
    "table_name",  # str: the table (default: snake_case plural of the class name)
    "connection",  # str: configured connection name (default: the config's default)
    "primary_key",  # str | tuple[str, ...]: identity when no Column(primary_key=True)
    "abstract",  # bool: a base class with shared fields and no table
    "fillable",  # tuple[str, ...]: the only fields create()/fill() accept
    "guarded",  # tuple[str, ...]: fields create()/fill() refuse
    "observers",  # tuple of objects with before_save(instance) & co
    "insert_chunk_size",  # int: rows per bulk INSERT statement
    "indexes",  # portable Index objects, or a dialect's own (skip indexes)
    "comment",  # str: the table's comment
    "database",  # str: the database (schema) the table lives in
    "final",  # bool: read the merged state by default (where the dialect has FINAL)
    "options",  # dict: anything else a plugin documents (SQLite: strict, without_rowid)
)


def dialect_keys() -> tuple[str, ...]:
    """The Meta keys the installed dialects declare (``Dialect.table_options``), sorted."""
    return tuple(sorted(get_plugin_manager().table_options() - set(CORE_KEYS)))


def known_keys() -> tuple[str, ...]:
    """Every key a ``class Meta`` may hold: the core's, then the dialects'."""
    return CORE_KEYS + dialect_keys()

_NOT_INHERITED = ("table_name", "abstract")


@dataclass(frozen=True)
class TableMeta:
    """The resolved Meta of one model class."""

    table_name: str | None = None
    connection: str | None = None
    primary_key: Any = None
    abstract: bool = False
    fillable: tuple[str, ...] | None = None
    guarded: tuple[str, ...] = ()
    observers: tuple[Any, ...] = ()
    insert_chunk_size: int | None = None
    engine: Any = None
    order_by: Any = None
    partition_by: Any = None
    sample_by: Any = None
    ttl: Any = None
    settings: Mapping[str, Any] | None = None
    cluster: str | None = None
    #: the sharding key: with ``cluster``, the dialect makes a local and a Distributed table
    shard_by: str | None = None
    #: the local (per-shard) table's name when ``shard_by`` is set (the dialect's default)
    local_table: str | None = None
    database: str | None = None
    indexes: Any = None
    projections: Any = None
    comment: str | None = None
    final: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    #: keys a dialect declares that have no field above, as declared
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: the keys this class (not a parent) declared, for tools that need to know
    declared: frozenset[str] = frozenset()

    def get(self, key: str, default: Any = None) -> Any:
        """A Meta value by name (``None`` -> ``default``)."""
        value = getattr(self, key, None) if key != "extra" else None
        if value is None:
            value = self.extra.get(key)
        return default if value is None else value


def read_meta(model_name: str, meta_cls: type | None, parent: TableMeta | None) -> TableMeta:
    """Merge ``meta_cls`` over the parent's meta, checking keys and value types."""
    base = parent or TableMeta()
    base = replace(base, table_name=None, abstract=False, declared=frozenset())
    if meta_cls is None:
        return base
    declared = {k: v for k, v in vars(meta_cls).items() if not k.startswith("__")}
    # the dialects are asked only for a key the core does not know: the core's own
    # models (Model itself, defined while ``clickorm`` is imported) must not load the
    # plugins, or a plugin whose import started that import would load half-initialized
    unknown = [k for k in declared if k not in CORE_KEYS]
    known = known_keys() if unknown else CORE_KEYS
    unknown = [k for k in unknown if k not in known]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SchemaError(
            f"{model_name}.Meta has an unknown key {key!r}.{hint} Known keys: "
            f"{', '.join(known)} (put plugin-specific keys in Meta.options)"
        )
    values: dict[str, Any] = {}
    extra = dict(base.extra)
    for key, value in declared.items():
        if key in _FIELDS:
            values[key] = _check(model_name, key, value)
        else:
            extra[key] = value
    return replace(base, **values, extra=extra, declared=frozenset(declared))


_FIELDS = frozenset(f.name for f in fields(TableMeta)) - {"extra", "declared"}


def _check(model_name: str, key: str, value: Any) -> Any:
    where = f"{model_name}.Meta.{key}"
    if key in ("table_name", "connection", "cluster", "database", "comment", "shard_by",
               "local_table"):
        if value is not None and (not isinstance(value, str) or not value):
            raise SchemaError(f"{where} must be a non-empty string, got {value!r}")
        return value
    if key == "abstract":
        if not isinstance(value, bool):
            raise SchemaError(f"{where} must be True or False, got {value!r}")
        return value
    if key in ("fillable", "guarded"):
        if value is None and key == "fillable":
            return None
        return _names(where, value)
    if key == "observers":
        return tuple(value) if isinstance(value, Iterable) else (value,)
    if key == "insert_chunk_size":
        if value is not None and (type(value) is not int or value < 1):
            raise SchemaError(f"{where} must be a positive int, got {value!r}")
        return value
    if key in ("options", "settings"):
        if value is not None and not isinstance(value, Mapping):
            raise SchemaError(f"{where} must be a dict, got {type(value).__name__}")
        return dict(value or {})
    return value


def _names(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{where} must be a list of field names, got {value!r}")
    return tuple(value)


def primary_key_names(value: Any) -> tuple[str, ...]:
    """``"id"``, ``"(tenant, id)"``, ``("tenant", "id")`` -> ``("tenant", "id")``."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    raise SchemaError(f"Meta.primary_key must be a column name or a list of them, got {value!r}")


#: field names of TableMeta, for documentation tools
META_FIELDS = tuple(f.name for f in fields(TableMeta))
