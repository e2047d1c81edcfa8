"""The dialect author's API: everything a ClickORM dialect plugin imports, in one module.

A dialect imports from here (and, if it likes, from :mod:`clickorm.errors`, whose
classes are re-exported below too) and from nowhere else in ``clickorm``; CI checks it
with an import-linter contract. The names are grouped as a dialect uses them:

========================  ===============================================================
descriptor, hooks         :class:`Dialect`, :data:`API_VERSION`, :class:`Capabilities`,
                          :class:`Capability`, :data:`InsertLayout`,
                          :data:`KeyGeneration`, :data:`hookimpl`
DML compiler              :class:`BaseGrammar`, :class:`IdentifierPreparer`,
                          :class:`SQLWriter`, :class:`Compiled`, :class:`QueryState`
                          and the expression nodes a grammar overrides
                          (:class:`Compare`, :class:`Exists`, :class:`Join`, and
                          :class:`QueryTable`, a query's table reference: not the
                          schema's :class:`Table`)
DDL compiler              :class:`BasePlatform`, :class:`Codec`, :func:`referential_action`,
                          the schema objects (:class:`Table`, :class:`TableDiff`,
                          :class:`Column`, :class:`Index`, :class:`ForeignKey`, ...),
                          :class:`RebuildPlan` (the core's table rebuild)
models from tables        :class:`Annotation`, :func:`annotation_for_logical`,
                          :func:`class_name` (``clickorm inspect``; a platform overrides
                          ``logical_type_of``, ``column_note``, ``same_column_type``,
                          ``index_on_field``, ``index_source``, ``model_option_keys``)
driver wrapper            :class:`BaseConnection`, :class:`Result`, :class:`RowStream`,
                          :class:`ColumnarRows`, :data:`Params`, :class:`ConnectionConfig`
types and codecs          every logical type (:class:`Integer` ... :class:`RawType`),
                          :mod:`jsonform` (JSON text codecs), :func:`none_safe`,
                          :func:`parse_datetime`
row writers               :class:`RowWriter`, :func:`primary_key_values`,
                          :func:`encoders_for`, :func:`logical_types`, :func:`state_of`,
                          :data:`MISSING`, :class:`QueryBuilder`, :func:`paused_gc`,
                          :func:`value_types`
tests                     :func:`open_connection`; the suites live in
                          :mod:`clickorm.testing.dialect_suite` (behaviour),
                          :mod:`clickorm.testing.conformance` and
                          :mod:`clickorm.testing.conformance_ddl` (goldens)
========================  ===============================================================

The contracts
-------------

**The descriptor.** A plugin's top-level module holds only ``@hookimpl`` functions; its
``clickorm_dialects()`` returns ``[Dialect(...)]``. Everything that differs between
dialects is declared there, never probed:

- ``capabilities``: the optional constructs (``Capability`` members or their names;
  an unknown name fails at load). The grammar refuses what is not declared, and the
  conformance suite skips the matching tests *with that reason*. ``transactions``: the
  connection's ``begin/commit/rollback`` work; ``nested_transactions``: a ``begin``
  inside an open transaction opens a savepoint that ``rollback`` undoes alone.
- ``key_generation``: how an omitted integer primary key comes back to the model:
  ``"returning"`` (the core appends ``RETURNING key`` to the one-row INSERT),
  ``"lastrowid"`` (the core reads ``Result.lastrowid`` of that INSERT), ``"none"``
  (keys must be given; an unset generated key is refused, never left ``None``).
- ``insert_layout``: the form the driver takes bulk data in natively, ``"rows"``
  (implement ``_insert``, or keep the core's multi-row VALUES) or ``"columns"``
  (implement ``_insert_columns``, a column store's fast path). Model bulk inserts go
  through :meth:`BaseConnection.insert_blocks` -> ``_insert_columns``, whose default
  transposes each block once and calls ``_insert``.
- ``writer``: the :class:`RowWriter` subclass (or ``"module:Class"``) models write rows
  with; ``None`` is the core's plain INSERT / UPDATE ... WHERE key / DELETE writer.
- ``connection_options``: driver name -> the option names its connection reads (config
  ``options``, URL query parameters); the core refuses any other option of a listed
  driver when a connection opens (a ConfigError naming the option, the known ones and
  the config file), so a typo is never ignored. A driver not listed must check its
  own. Connection ``settings`` are refused unless the dialect declares ``settings``.
- ``url_schemes``: URL scheme -> driver name (a scheme, or a dialect's own name, that
  two installed dialects claim is refused with both plugins named, never given to one).
  URL paths: ``x://`` is in memory (``path`` None), ``x:///relative/file.db`` is relative to the working directory (or the config
  file's directory), ``x:////absolute/file.db`` is absolute; ``host``, ``port``,
  ``user``, ``password`` and ``database`` come from the URL's authority and path for
  servers. The factory receives ``(ConnectionConfig, Dialect)``.

**The grammar** (:class:`BaseGrammar`). Must: nothing (the ANSI grammar compiles every
query). May: ``preparer_class`` (quoting and literals, shared with the platform),
``operators``, ``default_nulls``, ``compare_unlisted``, ``offset_without_limit``,
``adapt(value)`` (a Python value the driver cannot bind -> one it can), any ``visit_*``,
a ``bind_<paramstyle>`` binder and then ``placeholder_tables()`` (the text of the n-th
placeholder by value type, for the values that binder passes unchanged: the hot paths
write those without calling it; a grammar that overrides its binder gets none until it
declares them).

**The platform** (:class:`BasePlatform`). Must: ``dialect_name``. May, with defaults:

- ``type_names`` (kind -> DDL name; the base has an ANSI table, :data:`ANSI_TYPE_NAMES`)
  and ``type_sql_<kind>(logical)`` for kinds with fields. The kinds and their fields:
  ``integer`` (bits 8..256, signed), ``float`` (bits 32/64), ``decimal`` (precision,
  scale), ``string``, ``fixed_string`` (length), ``bytes``, ``boolean``, ``date``,
  ``date32``, ``datetime`` (timezone), ``datetime64`` (precision, timezone), ``uuid``,
  ``ipv4``, ``ipv6``, ``enum`` (enum, bits), ``array`` (item), ``map`` (key, value),
  ``tuple`` (items), ``nested`` (fields), ``nullable`` (inner; the base writes the
  inner type, NULL-ability is the column's), ``low_cardinality`` (inner; the base
  writes the inner type), ``json``, ``raw`` (sql, written verbatim). A kind the table
  and methods do not cover is a SchemaError naming it.
- ``make_encoder(logical)`` / ``make_decoder(logical)``: Python value <-> database
  value, ``None`` meaning "unchanged"; must let ``None`` through (wrap with
  :func:`none_safe`) and refuse (``ValidationError``) a value it cannot store exactly.
- ``compile_create``, ``compile_drop``, ``compile_truncate``, ``compile_alter(diff,
  current)``, ``compile_rename(old, new, cluster=..., current=Table|None)`` (``current``
  is the table's definition when the platform sets ``rename_requires_current``),
  ``compile_create_index``, ``compile_drop_index``, ``column_sql``, ``default_sql``,
  ``primary_key_sql``, ``foreign_key_sql``, ``check_table`` (refuse what cannot be
  expressed), ``current_timestamp_sql``.
- ``rebuilds_tables = True`` and ``rebuild_reasons(diff, current)`` (the base: changing
  columns or the primary key): the core plans and runs a table rebuild for those
  ALTERs (:func:`plan_table_rebuild`, :func:`run_table_rebuild`: create under a
  temporary name, copy, compare row counts, drop, rename, re-create indexes, all inside
  one transaction, a savepoint in an open one, rolled back on any failure). Hooks:
  ``check_rebuildable``, ``rebuild_after_copy``, ``rebuild_swap``, ``rebuild_restore``,
  ``rebuild_session``; ``alter_requires_current`` says when the current definition
  must be read first (``get_table``).
- ``has_table``, ``get_columns``, ``has_column``, ``get_table`` (introspection; the
  base refuses with a SchemaError naming the method).
- DDL runs through ``execute(connection, statements, table=, action=)``; ``action`` is
  one of ``"Creating"``, ``"Altering"``, ``"Dropping"``, ``"Renaming"``,
  ``"Truncating"``, ``"Inspecting"``, used in the error: ``Altering table 'users'
  failed on connection 'default': <reason>\\n  SQL: <statement>``.

**The connection** (:class:`BaseConnection`). Must: ``_execute(sql, params) ->
Result`` and ``close()``. May, with defaults:

- ``_stream(sql, params, batch_size)``: the base runs ``_execute``; return a
  :class:`RowStream` to stream in constant memory. Another statement may run on the
  same connection while a stream is open (the suite checks it).
- ``_insert(table, columns, rows)``: the base writes multi-row ``INSERT ... VALUES``
  statements in chunks of at most ``max_params`` bound values (``max_params_per_statement``
  on the class, default 999); several statements share one ``transaction()`` where the
  dialect declares ``nested_transactions``, else each stands alone (a failure leaves
  the rows in doubt, which the bulk writer reports).
  ``_insert_columns``: the base transposes to rows. Both return rows written.
- ``begin/commit/rollback``: no-ops by default. A dialect with ``transactions`` opens a
  transaction; with ``nested_transactions`` a nested ``begin`` is a savepoint, and
  ``commit``/``rollback`` end the innermost level. Without transactions each statement
  stands alone and ``transaction()`` is a no-op pair (documented, tested).
- Declared attributes read by the core: ``reports_affected_rows`` (``Result.rowcount``
  of UPDATE/DELETE is exact: the rows the WHERE matched, so an instance's ``save()``
  that matches none is a ``ModelNotFound``), ``failed_insert_in_doubt``, ``shared_across_threads``
  (True for an in-memory database: the manager hands the same connection to every
  thread, so the connection must lock; otherwise one connection per thread is opened
  and it is only used by that thread), ``bulk_insert_only``, ``paramstyle``,
  ``server_version``, ``cluster``, ``update_mode``, ``server_timezone``.

**Result** of a statement: ``columns`` (names; empty for DML), ``rows`` (tuples, or
:class:`ColumnarRows`; empty for DML without RETURNING), ``rowcount`` (for INSERT,
UPDATE and DELETE the rows written/changed, exact when ``reports_affected_rows``; -1
when unknown; ignored for SELECT), ``lastrowid`` (the key of the last inserted row where
the driver has one; read only with ``key_generation="lastrowid"``).
"""

from __future__ import annotations

from typing import Any

from clickorm.config_types import ConnectionConfig
from clickorm.connection.aio import AsyncLink, RowBatches
from clickorm.connection.base import (
    BaseConnection,
    BlockStream,
    ColumnarRows,
    Listener,
    Params,
    Result,
    RowStream,
    transpose,
)
from clickorm.connection.columnar import column_values
from clickorm.connection.manager import ConnectionManager as _EngineManager
from clickorm.errors import (
    ClickORMError,
    ConfigError,
    ConnectionError,
    PluginError,
    QueryError,
    SchemaError,
    ValidationError,
)
from clickorm.gcpause import paused_gc
from clickorm.model.builder import QueryBuilder
from clickorm.model.codecs import encoders_for, logical_types
from clickorm.model.persistence import RowWriter, primary_key_values
from clickorm.model.state import MISSING, state_of
from clickorm.plugins.dialect import (
    API_VERSION,
    Capabilities,
    Capability,
    Dialect,
    InsertLayout,
    KeyGeneration,
    ProjectStarter,
)
from clickorm.plugins.hookspecs import hookimpl
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import Compare, Exists, Join
from clickorm.query.expressions import Table as QueryTable
from clickorm.query.grammar import BaseGrammar
from clickorm.query.preparer import IdentifierPreparer
from clickorm.query.state import EMPTY_EXTRAS, QueryState
from clickorm.query.statements import separator_at
from clickorm.query.writer import SQLWriter
from clickorm.schema.alter_plan import AlterPlan, AlterStep
from clickorm.schema.annotations import Annotation, annotation_for_logical, class_name
from clickorm.schema.copy_rebuild import copy_rebuild
from clickorm.schema.platform import ANSI_TYPE_NAMES, BasePlatform, Codec, referential_action
from clickorm.schema.rebuild import TEMP_PREFIX as REBUILD_TEMP_PREFIX
from clickorm.schema.rebuild import RebuildPlan
from clickorm.schema.rebuild import plan_rebuild as plan_table_rebuild
from clickorm.schema.rebuild import run_rebuild as run_table_rebuild
from clickorm.schema.table import (
    NO_DEFAULT,
    Column,
    ColumnDescription,
    CurrentTimestamp,
    ForeignKey,
    Index,
    Table,
    TableDiff,
    index_name,
)
from clickorm.speedups import value_types
from clickorm.types import jsonform
from clickorm.types.jsonform import none_safe, parse_datetime
from clickorm.types.logical import (
    JSON,
    UUID,
    Array,
    Boolean,
    Bytes,
    Date,
    Date32,
    DateTime,
    DateTime64,
    Decimal,
    Enum,
    FixedString,
    Float,
    Integer,
    IPv4,
    IPv6,
    LogicalType,
    LowCardinality,
    Map,
    Nested,
    Nullable,
    RawType,
    String,
    Tuple,
)

__all__ = [
    "AsyncLink",
    "EMPTY_EXTRAS",
    "QueryTable",
    "RowBatches",
    "BlockStream",
    "column_values",
    "transpose",
    "Annotation",
    "annotation_for_logical",
    "class_name",
    "AlterPlan",
    "AlterStep",
    "copy_rebuild",
    "ANSI_TYPE_NAMES",
    "API_VERSION",
    "JSON",
    "MISSING",
    "NO_DEFAULT",
    "UUID",
    "Array",
    "BaseConnection",
    "BaseGrammar",
    "BasePlatform",
    "Boolean",
    "Bytes",
    "Capabilities",
    "Capability",
    "ClickORMError",
    "Codec",
    "Column",
    "ColumnDescription",
    "ColumnarRows",
    "Compare",
    "Compiled",
    "ConfigError",
    "ConnectionConfig",
    "ConnectionError",
    "CurrentTimestamp",
    "Date",
    "Date32",
    "DateTime",
    "DateTime64",
    "Decimal",
    "Dialect",
    "Enum",
    "Exists",
    "FixedString",
    "Float",
    "ForeignKey",
    "IPv4",
    "IPv6",
    "IdentifierPreparer",
    "Index",
    "InsertLayout",
    "Integer",
    "Join",
    "KeyGeneration",
    "ProjectStarter",
    "Listener",
    "LogicalType",
    "LowCardinality",
    "Map",
    "Nested",
    "Nullable",
    "Params",
    "PluginError",
    "QueryBuilder",
    "QueryError",
    "QueryState",
    "REBUILD_TEMP_PREFIX",
    "RawType",
    "RebuildPlan",
    "Result",
    "RowStream",
    "RowWriter",
    "SQLWriter",
    "SchemaError",
    "String",
    "Table",
    "TableDiff",
    "Tuple",
    "ValidationError",
    "encoders_for",
    "hookimpl",
    "index_name",
    "jsonform",
    "logical_types",
    "none_safe",
    "open_connection",
    "parse_datetime",
    "paused_gc",
    "plan_table_rebuild",
    "primary_key_values",
    "referential_action",
    "run_table_rebuild",
    "separator_at",
    "state_of",
    "value_types",
]


def open_connection(url: str, *, name: str = "test", **keys: Any) -> BaseConnection:
    """Open one connection of an installed dialect from a URL, as the connection manager
    would (``open_connection("toydb:///tmp/t.db")``); the caller closes it.

    For tests and scripts: the dialect is found through its entry point, the URL parsed
    by the core's rules and ``keys`` (``path``, ``settings``, ``options`` ...) override
    its parts. No manager keeps the connection, so nothing closes it behind your back.
    """
    manager = _EngineManager(url, name=name, **keys)
    factory = manager.dialect.connection_factory(manager.driver)
    manager.dialect.check_connection_config(manager.config, manager.driver)
    return factory(manager.config, manager.dialect)
