"""ClickHouse platform: DDL for tables, engines, ALTERs, materialized views; introspection.

Table options (``Meta`` of a model, or ``t.engine(...)``/``t.order_by(...)``/``t.option``
on a Blueprint) read here: ``engine`` (an :mod:`~clickorm_clickhouse.engines` descriptor,
class or text), ``order_by``, ``partition_by``, ``primary_key``, ``sample_by``, ``ttl``,
``settings``, ``cluster``, ``indexes`` (skip indexes), ``projections``. Column options:
``codec``, ``materialized``, ``alias``, ``ttl``; ``Column.comment`` becomes COMMENT.

Choices (documented, tested):

- No engine -> ``MergeTree()``. MergeTree tables without ``order_by`` are ordered by
  the primary key, else ``ORDER BY tuple()`` (insertion order, no sorting key).
- The table's primary key (``Column(primary_key=True)`` / ``t.primary``) is the ORM's
  identity; ClickHouse's sparse ``PRIMARY KEY`` must be a prefix of ``ORDER BY``, so the
  clause is written only when the key is a proper prefix of the given ``order_by``.
- Key expressions (``order_by`` & co.) are items: a column name (quoted) or an SQL
  expression (verbatim), e.g. ``order_by = ("kind", "toStartOfHour(at)")``.
- ClickHouse has no foreign keys, unique indexes or auto-increment: foreign keys and
  unique indexes raise a SchemaError saying so; ``autoincrement`` is ignored (values
  come from the application). A plain index becomes a ``minmax`` skip index
  (``Index.options`` ``type``/``granularity``/``expression`` change that).
- A top-level Nested column is created as one column (``Nested(...)`` with
  ``SETTINGS flatten_nested = 0``); ALTERs add the same storage as ``Array(Tuple(...))``.
- MATERIALIZED / ALIAS columns ignore a Python value default (the model's placeholder);
  an SQL default (``default_raw``) with them is refused.
- Every statement gets ``ON CLUSTER`` when the table options or the platform's
  ``cluster`` option (the connection's) name a cluster.
- ``shard_by`` (with ``cluster``) makes two tables, a local one and a Distributed one
  over it; DDL goes to the local table and the Distributed table's column changes run
  on each host (see :mod:`clickorm_clickhouse.cluster_layout`).
- The server version adapts the DDL (see :mod:`clickorm_clickhouse.platform_types` for
  types): a missing feature is written the old way where one exists (table comments
  and plain skip indexes are left out, Bool is UInt8) or refused with a SchemaError
  naming the feature and the server version (codecs, TTL, RENAME COLUMN, projections,
  Map, DateTime64 ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.dialects import (
    AlterPlan,
    AlterStep,
    BasePlatform,
    Codec,
    Column,
    ColumnDescription,
    Index,
    LogicalType,
    Nested,
    RawType,
    Table,
    TableDiff,
)
from clickorm.errors import SchemaError
from clickorm_clickhouse import introspect_extras, platform_annotations, platform_migrate
from clickorm_clickhouse import platform_features as features
from clickorm_clickhouse import platform_introspect as introspect
from clickorm_clickhouse.cluster_copies import refuse_statement, refuse_statements
from clickorm_clickhouse.cluster_layout import (
    RunsOnEachHost,
    check_shard_key,
    each_host,
    is_sharded,
    local_table_name,
    split_each_host,
)
from clickorm_clickhouse.engines import Distributed, Engine, MergeTree, parse_engine, unreplicated
from clickorm_clickhouse.platform_objects import (
    Projection,
    SkipIndex,
    projection_from,
    skip_index_from,
)
from clickorm_clickhouse.platform_types import (
    TYPE_NAMES,
    ClickHouseTypeSQL,
    make_decoder,
    make_encoder,
)
from clickorm_clickhouse.quoting import ClickHousePreparer

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection

__all__ = ["ClickHousePlatform"]

#: DROP VIEW is written DROP TABLE before this version (18.16 cannot parse DROP VIEW)
_DROP_VIEW_SINCE = (20, 1)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MERGE_TREE_ONLY = ("order_by", "partition_by", "primary_key", "sample_by", "ttl")
#: table options compile_alter knows (anything else in TableDiff.options is refused)
_ALTER_OPTIONS = frozenset(
    {"cluster", "shard_by", "local_table", "ttl", "settings", "order_by", "indexes", "projections",
     "drop_projections", "column_comments", "primary_key_name"}
)


def _is_nested(column: Column) -> bool:
    """A Nested column, as a logical type or as read back (a migration's snapshot)."""
    return isinstance(column.type, Nested) or (
        isinstance(column.type, RawType) and column.type.sql.startswith("Nested(")
    )


#: table options saying where a table lives on a cluster (not read back by introspection)
_LAYOUT = ("cluster", "shard_by", "local_table")


class ClickHousePlatform(ClickHouseTypeSQL, BasePlatform):
    """ClickHouse DDL compiler; ``cluster=`` names the connection's cluster (ON CLUSTER)."""

    dialect_name = "clickhouse"
    preparer_class = ClickHousePreparer
    type_names: ClassVar[dict[str, str]] = TYPE_NAMES

    def __init__(
        self,
        *,
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
        **options: Any,
    ) -> None:
        super().__init__(server_version=server_version, capabilities=capabilities, **options)
        self.cluster: str | None = options.get("cluster")
        #: the connection's database: a Distributed table names its local table's database
        self.database: str | None = options.get("database")

    # -- identifiers and literals --------------------------------------------------------
    def current_timestamp_sql(self) -> str:
        return "now()"

    # -- codecs --------------------------------------------------------------------------
    def make_encoder(self, logical: LogicalType) -> Codec | None:
        return make_encoder(logical, self.encoder, version=self.server_version)

    def make_decoder(self, logical: LogicalType) -> Codec | None:
        return make_decoder(logical, self.decoder, version=self.server_version)

    # -- expressions of table options ------------------------------------------------------
    def expr(self, item: Any, columns: Mapping[str, Any] | None = None) -> str:
        """One key item: a column (quoted) or an SQL expression (verbatim); tuples group."""
        if isinstance(item, list | tuple):
            parts = [self.expr(i, columns) for i in item]
            if not parts:
                return "tuple()"
            return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
        name = getattr(item, "name", None)
        if not isinstance(item, str) and isinstance(name, str):
            return self.quote(name)
        if not isinstance(item, str) or not item.strip():
            raise SchemaError(f"Cannot use {item!r} as a ClickHouse key expression")
        if (columns is not None and item in columns) or _IDENT.match(item):
            return self.quote(item)
        return item.strip()

    @staticmethod
    def key_items(value: Any) -> list[Any]:
        """``"id"`` / ``("a", "b")`` / ``None`` -> a list of key items."""
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, Sequence):
            return [value]
        return list(value)

    def _cluster_sql(self, options: Mapping[str, Any] | None, cluster: str | None = None) -> str:
        name = cluster or (options or {}).get("cluster") or self.cluster
        return f" ON CLUSTER {self.quote(str(name))}" if name else ""

    def settings_sql(self, settings: Mapping[str, Any]) -> str:
        parts = []
        for key, value in settings.items():
            if not isinstance(key, str) or not _IDENT.match(key):
                raise SchemaError(f"{key!r} is not a ClickHouse setting name")
            # settings take 0/1 for booleans on every server version
            parts.append(f"{key} = {self.literal(int(value) if isinstance(value, bool) else value)}")
        return ", ".join(parts)

    # -- columns -------------------------------------------------------------------------
    def column_type_sql(self, column: Column) -> str:
        return self.type_sql(column.full_type)

    def column_sql(
        self, column: Column, table: Table | None = None, *, nested_as_column: bool = False
    ) -> str:
        """``name Type [DEFAULT|MATERIALIZED|ALIAS expr] [COMMENT] [CODEC] [TTL]``."""
        if nested_as_column and isinstance(column.type, Nested) and not column.nullable:
            type_sql = self.nested_column_sql(column.type)
        else:
            type_sql = self.column_type_sql(column)
        parts = [self.quote(column.name), type_sql]
        opts = column.options
        kinds = [k for k in ("materialized", "alias") if opts.get(k) is not None]
        # a computed column's Python-side value default is not a DDL default
        default = None if kinds and column.default_raw is None else self.default_sql(column)
        if len(kinds) + (default is not None) > 1:
            raise SchemaError(
                f"Column {column.name!r} has more than one of DEFAULT, MATERIALIZED and ALIAS; "
                "keep one"
            )
        if default is not None:
            parts.append(f"DEFAULT {default}")
        for kind in kinds:
            parts.append(f"{kind.upper()} {opts[kind]}")
        if column.comment:
            parts.append(f"COMMENT {self.literal(column.comment)}")
        codec = opts.get("codec")
        if codec:
            features.require(self.server_version, "codecs", f"column {column.name!r}")
            parts.append(self.codec_sql(codec))
        ttl = opts.get("ttl")
        if ttl:
            features.require(self.server_version, "ttl", f"column {column.name!r}")
            parts.append(f"TTL {ttl}")
        return " ".join(parts)

    @staticmethod
    def codec_sql(codec: str | Sequence[str]) -> str:
        text = codec if isinstance(codec, str) else ", ".join(codec)
        text = text.strip()
        return text if text.upper().startswith("CODEC(") else f"CODEC({text})"

    # -- CREATE --------------------------------------------------------------------------
    def engine_of(self, options: Mapping[str, Any]) -> Engine:
        """The table's engine (``MergeTree()`` when none is given), checked for the version."""
        engine = parse_engine(options.get("engine")) or MergeTree()
        if getattr(engine, "is_deleted", None) is not None:
            features.require(self.server_version, "replacing_is_deleted", "engine")
        if engine.replicated and getattr(engine, "zoo_path", "") is None:
            features.require(self.server_version, "default_replica_path", "engine")
        return engine

    def check_table(self, table: Table) -> None:
        super().check_table(table)
        if table.foreign_keys:
            raise SchemaError(
                f"ClickHouse has no foreign keys (table {table.name!r}, "
                f"{', '.join('/'.join(f.columns) for f in table.foreign_keys)}): keep the "
                "relation in the models and drop foreign(...)"
            )

    def _nested_as_column(self, engine: Engine, table: Table) -> bool:
        if not any(_is_nested(c) for c in table.columns.values()):
            return False
        if not features.supports(self.server_version, "flatten_nested"):
            return False
        return engine.is_merge_tree or features.supports(self.server_version, "memory_settings")

    def _skip_indexes(self, table: Table) -> list[str]:
        items: list[Any] = list(table.indexes) + self.key_items(table.options.get("indexes"))
        out = []
        for item in items:
            spec = skip_index_from(item)
            if not features.supports(self.server_version, "skip_indices"):
                if isinstance(item, Index) and not item.unique:
                    continue  # a plain index is a hint: left out where skip indexes are missing
                features.require(self.server_version, "skip_indices", f"table {table.name!r}")
            out.append(spec if isinstance(spec, str) else self.skip_index_sql(spec, table))
        return out

    def skip_index_sql(self, index: SkipIndex, table: Table | None = None) -> str:
        columns = table.columns if table is not None else None
        return index.sql(self.quote, lambda e: self.expr(e, columns))

    def _projections(self, options: Mapping[str, Any], where: str) -> list[str]:
        raw = options.get("projections")
        if not raw:
            return []
        features.require(self.server_version, "projections", where)
        if isinstance(raw, Mapping):
            items = [projection_from(q, name) for name, q in raw.items()]
        else:
            items = [projection_from(p) for p in self.key_items(raw)]
        return [p.sql(self.quote) if isinstance(p, Projection) else p for p in items]

    def table_clauses(self, table: Table, engine: Engine, nested_as_column: bool) -> list[str]:
        """ENGINE and what follows, in the order ClickHouse writes them back."""
        opts = table.options
        if not engine.is_merge_tree:
            given = [k for k in _MERGE_TREE_ONLY if opts.get(k)]
            if given:
                raise SchemaError(
                    f"Table {table.name!r}: {engine.name} takes no "
                    f"{', '.join(k.upper().replace('_', ' ') for k in given)} (MergeTree "
                    "engines only); remove them or use a MergeTree engine"
                )
        clauses = [f"ENGINE = {engine.engine_sql(self.quote)}"]
        settings = dict(opts.get("settings") or {})
        if engine.is_merge_tree:
            clauses += self._merge_tree_clauses(table, settings)
        if nested_as_column:
            settings.setdefault("flatten_nested", 0)
        if settings:
            clauses.append(f"SETTINGS {self.settings_sql(settings)}")
        if table.comment and features.supports(self.server_version, "table_comment"):
            clauses.append(f"COMMENT {self.literal(table.comment)}")
        return clauses

    def _merge_tree_clauses(self, table: Table, settings: Mapping[str, Any]) -> list[str]:
        opts, cols = table.options, table.columns
        order = self.key_items(opts.get("order_by"))
        key = list(table.primary_key) or self.key_items(opts.get("primary_key"))
        clauses = []
        if opts.get("partition_by"):
            clauses.append(f"PARTITION BY {self.expr(self.key_items(opts['partition_by']), cols)}")
        if order and key and len(key) < len(order):
            rendered = [self.expr(i, cols) for i in order]
            if [self.expr(i, cols) for i in key] == rendered[: len(key)]:
                clauses.append(f"PRIMARY KEY {self.expr(key, cols)}")
        sorting = order or key
        if not settings.get("allow_nullable_key"):
            nullable = [
                i for i in sorting if isinstance(i, str) and i in cols and cols[i].nullable
            ]
            if nullable:
                raise SchemaError(
                    f"Table {table.name!r}: sorting key column(s) {', '.join(nullable)} are "
                    "Nullable, which ClickHouse refuses; make them non-nullable or set "
                    "settings={'allow_nullable_key': 1}"
                )
        clauses.append(f"ORDER BY {self.expr(sorting, cols)}")
        if opts.get("sample_by"):
            clauses.append(f"SAMPLE BY {self.expr(self.key_items(opts['sample_by']), cols)}")
        if opts.get("ttl"):
            features.require(self.server_version, "ttl", f"table {table.name!r}")
            clauses.append(f"TTL {self.ttl_sql(opts['ttl'])}")
        return clauses

    @staticmethod
    def ttl_sql(ttl: str | Sequence[str]) -> str:
        return ttl.strip() if isinstance(ttl, str) else ", ".join(t.strip() for t in ttl)

    def compile_create(self, table: Table, if_not_exists: bool = False) -> list[str]:
        if is_sharded(table.options):
            return self._compile_sharded_create(table, if_not_exists)
        return self._compile_create(table, if_not_exists)

    def model_tables(self, table: Table) -> list[str]:
        """The tables a model's definition makes, the one it is read through first: a
        sharded model's Distributed table, then its local table."""
        if is_sharded(table.options):
            return [table.name, local_table_name(table.name, table.options.get("local_table"))]
        return [table.name]

    def compared_table(self, live: Mapping[str, Table], table: Table) -> Table | None:
        """A sharded model is compared with its local table (the Distributed one only
        mirrors its columns); the cluster layout, which introspection cannot read back
        from the local table, is the model's."""
        source = live.get(self.model_tables(table)[-1])
        if source is None:
            return None
        out = source.copy(table.name)
        layout: dict[str, Any] = {k: table.options[k] for k in _LAYOUT if k in table.options}
        out.options.update(layout)
        return out

    def _compile_sharded_create(self, table: Table, if_not_exists: bool) -> list[str]:
        """The local table ON CLUSTER, then the Distributed table over it (same columns)."""
        opts = table.options
        local = table.copy(local_table_name(table.name, opts.get("local_table")))
        local.options.pop("shard_by", None)
        local.options.pop("local_table", None)
        database, _, local_name = local.name.rpartition(".")
        database = database or self.database or ""
        if not database:
            raise SchemaError(
                f"Table {table.name!r}: the Distributed table must name its local table's "
                "database; set Meta.database or create it through a connection"
            )
        sorting = self.key_items(opts.get("order_by")) or list(table.primary_key)
        check_shard_key(table.name, self.engine_of(opts).family, str(opts["shard_by"]),
                        sorting, table.columns)
        engine = Distributed(str(opts["cluster"]), database, local_name,
                             sharding_key=str(opts["shard_by"]))
        head = "CREATE TABLE IF NOT EXISTS" if if_not_exists else "CREATE TABLE"
        distributed = (
            f"{head} {self.quote_table(table.name)}{self._cluster_sql(opts)} AS "
            f"{self.quote_table(f'{database}.{local_name}')} "
            f"ENGINE = {engine.engine_sql(self.quote)}"
        )
        return [*self._compile_create(local, if_not_exists), distributed]

    def _compile_create(self, table: Table, if_not_exists: bool) -> list[str]:
        self.check_table(table)
        engine = self.engine_of(table.options)
        nested = self._nested_as_column(engine, table)
        body = [self.column_sql(c, table, nested_as_column=nested) for c in table.columns.values()]
        body += self._skip_indexes(table)
        body += self._projections(table.options, f"table {table.name!r}")
        head = "CREATE TABLE IF NOT EXISTS" if if_not_exists else "CREATE TABLE"
        sql = (
            f"{head} {self.quote_table(table.name)}{self._cluster_sql(table.options)} "
            f"({', '.join(body)}) " + " ".join(self.table_clauses(table, engine, nested))
        )
        return [sql]

    # -- other whole-table statements ----------------------------------------------------
    def compile_drop(
        self, name: str, if_exists: bool = False, *, cluster: str | None = None
    ) -> list[str]:
        head = "DROP TABLE IF EXISTS" if if_exists else "DROP TABLE"
        return [f"{head} {self.quote_table(name)}{self._cluster_sql(None, cluster)}"]

    def compile_rename(self, old: str, new: str, *, cluster: str | None = None,
                       current: Table | None = None) -> list[str]:
        return [
            f"RENAME TABLE {self.quote_table(old)} TO {self.quote_table(new)}"
            f"{self._cluster_sql(None, cluster)}"
        ]

    def compile_truncate(self, name: str, *, cluster: str | None = None) -> list[str]:
        return [f"TRUNCATE TABLE {self.quote_table(name)}{self._cluster_sql(None, cluster)}"]

    def compile_swap(self, name: str, new: str, old: str) -> list[str]:
        """One ``RENAME TABLE`` moving both tables (every version has it)."""
        q = self.quote_table
        return [f"RENAME TABLE {q(name)} TO {q(old)}, {q(new)} TO {q(name)}"
                f"{self._cluster_sql(None)}"]

    def compile_create_index(self, table: str, index: Index, *, cluster: str | None = None) -> str:
        spec = skip_index_from(index)
        features.require(self.server_version, "skip_indices", f"index {index.name!r}")
        definition = spec if isinstance(spec, str) else self.skip_index_sql(spec)
        return f"{self._alter_head(table, cluster)} ADD {definition}"

    def compile_drop_index(self, table: str, name: str, *, cluster: str | None = None) -> str:
        return f"{self._alter_head(table, cluster)} DROP INDEX {self.quote(name)}"

    def compile_create_view(
        self,
        name: str,
        query: Any,
        *,
        to: str,
        columns: Sequence[str] | None = None,
        if_not_exists: bool = False,
        cluster: str | None = None,
    ) -> list[str]:
        """``CREATE MATERIALIZED VIEW ... TO target AS SELECT`` (see :mod:`views`)."""
        from clickorm_clickhouse.views import compile_materialized_view

        return compile_materialized_view(
            self, name, query, to=to, columns=columns, if_not_exists=if_not_exists,
            cluster=cluster,
        )

    def compile_drop_view(
        self, name: str, if_exists: bool = False, *, cluster: str | None = None
    ) -> list[str]:
        # 18.16 does not parse DROP VIEW; DROP TABLE drops a view on every version
        old = self.server_version is not None and tuple(self.server_version) < _DROP_VIEW_SINCE
        kind = "TABLE" if old else "VIEW"
        head = f"DROP {kind} IF EXISTS" if if_exists else f"DROP {kind}"
        return [f"{head} {self.quote_table(name)}{self._cluster_sql(None, cluster)}"]

    # -- ALTER ---------------------------------------------------------------------------
    def _alter_head(self, table: str, cluster: str | None = None) -> str:
        return f"ALTER TABLE {self.quote_table(table)}{self._cluster_sql(None, cluster)}"

    def alter_requires_current(self, diff: TableDiff) -> bool:
        """Dropping columns needs the table: skip indexes over them are dropped first."""
        return bool(diff.dropped_columns)

    def compile_alter(self, diff: TableDiff, current: Table | None = None) -> list[str]:
        """One ALTER statement per change, in TableDiff.apply's order, then the rename.

        A sharded table (``shard_by``): the local table's ALTERs ON CLUSTER, then the
        column changes of the Distributed table, each on every host of the cluster."""
        if not is_sharded(diff.options):
            return self._compile_alter(diff, current)
        options = {k: v for k, v in diff.options.items() if k not in ("shard_by", "local_table")}
        if diff.new_name:
            raise SchemaError(
                f"Renaming the sharded table {diff.name!r} renames two tables; rename the "
                "local and the Distributed table with Schema.rename(..., cluster=...)"
            )
        local = replace(diff, name=local_table_name(diff.name, diff.options.get("local_table")),
                        options=options)
        out = self._compile_alter(local, current)
        columns_only = TableDiff(
            diff.name, added_columns=diff.added_columns, changed_columns=diff.changed_columns,
            dropped_columns=diff.dropped_columns, renamed_columns=diff.renamed_columns,
        )
        if not columns_only.is_empty():
            cluster = str(diff.options["cluster"])
            # run on each host: never ON CLUSTER, even when the connection names one
            out += [each_host(cluster, sql, self.quote)
                    for sql in self._compile_alter(columns_only, None, on_cluster=False)]
        return out

    def execute(self, connection: BaseConnection, statements: Sequence[str], *, table: str,
                action: str) -> None:
        """A sharded table whose replicas would not copy rows is refused before any runs
        (:mod:`.cluster_copies`)."""
        refuse_statements(connection, statements, self.quote_table)
        super().execute(connection, statements, table=table, action=action)

    def run_one(self, connection: BaseConnection, sql: str, *, table: str, action: str) -> Any:
        """A statement marked to run on each host goes to every host of its cluster."""
        marked = split_each_host(sql)
        if marked is None:
            refuse_statement(connection, sql)
            return super().run_one(connection, sql, table=table, action=action)
        cluster, statement = marked
        if not isinstance(connection, RunsOnEachHost):
            raise SchemaError(f"{action} {table!r} runs a statement on each host of cluster "
                              f"{cluster!r}, which needs the native driver (a server cluster)")
        try:
            return connection.execute_on_each_host(cluster, statement)
        except Exception as exc:
            raise self.ddl_error(connection, statement, exc, table=table,
                                 action=action) from exc

    def _compile_alter(self, diff: TableDiff, current: Table | None = None, *,
                       on_cluster: bool = True) -> list[str]:
        unknown = set(diff.options) - _ALTER_OPTIONS
        if unknown:
            raise SchemaError(
                f"ClickHouse cannot change {', '.join(sorted(unknown))} of table {diff.name!r} "
                "with ALTER; create a new table and copy the rows (INSERT ... SELECT)"
            )
        if diff.primary_key is not None:
            raise SchemaError(
                f"ClickHouse cannot change the primary key of {diff.name!r}: the sorting key "
                "is fixed at creation (MODIFY ORDER BY only appends columns added in the same "
                "ALTER). Create a new table and copy the rows"
            )
        if diff.added_foreign_keys or diff.dropped_foreign_keys:
            raise SchemaError(f"ClickHouse has no foreign keys (table {diff.name!r})")
        cluster = diff.options.get("cluster")
        head = (self._alter_head(diff.name, cluster) if on_cluster
                else f"ALTER TABLE {self.quote_table(diff.name)}")
        where = f"table {diff.name!r}"
        out: list[str] = []
        renames = dict(diff.renamed_columns)
        for old, column in diff.changed_columns.items():
            if column.name != old:
                renames[old] = column.name
        if renames:
            features.require(self.server_version, "rename_column", where)
        out += [
            f"{head} RENAME COLUMN {self.quote(old)} TO {self.quote(new)}"
            for old, new in renames.items()
        ]
        dropped_indexes = list(diff.dropped_indexes)
        if current is not None:
            for name in dropped_indexes:
                index = current.index(name)
                if index is not None and index.unique:
                    raise SchemaError(
                        f"ClickHouse has no unique indexes: {name!r} on {diff.name!r} "
                        "cannot exist there, so it cannot be dropped"
                    )
            has_indexes = features.supports(self.server_version, "skip_indices")
            for name in diff.dropped_columns if has_indexes else ():
                # skip indexes over a dropped column go first (ClickHouse refuses otherwise)
                dropped_indexes += [
                    i.name for i in current.indexes
                    if name in i.columns and not i.unique and i.name not in dropped_indexes
                ]
        if diff.dropped_indexes:
            features.require(self.server_version, "skip_indices", where)
        out += [f"{head} DROP INDEX {self.quote(n)}" for n in dropped_indexes]
        out += [f"{head} DROP PROJECTION {self.quote(n)}"
                for n in self.key_items(diff.options.get("drop_projections"))]
        out += [f"{head} DROP COLUMN {self.quote(n)}" for n in diff.dropped_columns]
        comments = dict(diff.options.get("column_comments") or {})
        changed, added = list(diff.changed_columns.values()), list(diff.added_columns.values())
        if not features.supports(self.server_version, "alter_column_comment"):
            # the old way: the comment goes in a COMMENT COLUMN of its own
            for column in (*changed, *added):
                if column.comment:
                    comments.setdefault(column.name, column.comment)
            changed = [c.copy(comment=None) for c in changed]
            added = [c.copy(comment=None) for c in added]
        out += [f"{head} MODIFY COLUMN {self.column_sql(c)}" for c in changed]
        adds = [f"ADD COLUMN {self.column_sql(c)}" for c in added]
        if diff.options.get("order_by"):
            # MODIFY ORDER BY may only append columns added in the same statement
            columns = current.columns if current is not None else None
            order = self.expr(self.key_items(diff.options["order_by"]), columns)
            out.append(f"{head} " + ", ".join([*adds, f"MODIFY ORDER BY {order}"]))
        else:
            out += [f"{head} {add}" for add in adds]
        for name, text in comments.items():
            out.append(f"{head} COMMENT COLUMN {self.quote(name)} {self.literal(text)}")
        indexes: list[Any] = list(diff.added_indexes)
        indexes += self.key_items(diff.options.get("indexes"))
        for item in indexes:
            spec = skip_index_from(item)
            features.require(self.server_version, "skip_indices", where)
            definition = spec if isinstance(spec, str) else self.skip_index_sql(spec, current)
            out.append(f"{head} ADD {definition}")
        out += [f"{head} ADD {p}" for p in self._projections(diff.options, where)]
        if diff.options.get("ttl"):
            features.require(self.server_version, "ttl", where)
            out.append(f"{head} MODIFY TTL {self.ttl_sql(diff.options['ttl'])}")
        if diff.options.get("settings"):
            out.append(f"{head} MODIFY SETTING {self.settings_sql(diff.options['settings'])}")
        if diff.comment is not None:
            features.require(self.server_version, "modify_comment", where)
            out.append(f"{head} MODIFY COMMENT {self.literal(diff.comment)}")
        if diff.new_name:
            out += self.compile_rename(diff.name, diff.new_name, cluster=cluster)
        return out

    # -- introspection -------------------------------------------------------------------
    def has_table(self, connection: BaseConnection, name: str) -> bool:
        return introspect.has_table(self, connection, name)

    def get_columns(self, connection: BaseConnection, table: str) -> list[ColumnDescription]:
        return introspect.get_columns(self, connection, table)

    def get_table(self, connection: BaseConnection, name: str) -> Table:
        return introspect.get_table(self, connection, name)

    def list_tables(self, connection: BaseConnection) -> list[str]:
        return introspect_extras.list_tables(self, connection)

    def introspect(
        self, connection: BaseConnection, table_names: Sequence[str] | None = None
    ) -> dict[str, Table]:
        """Tables with TTL, settings, projections, codecs and comment (version-gated)."""
        tables = super().introspect(connection, table_names)
        for table in tables.values():
            introspect_extras.add_extras(self, connection, table)
        return tables

    def logical_type_of(self, column: Column) -> LogicalType | None:
        return platform_annotations.logical_type_of(column)

    def index_on_field(self, table: Table, index: Index) -> bool:
        return False  # a skip index has a type and a granularity: always in Meta.indexes

    def index_source(self, index: Index) -> tuple[str, tuple[str, ...]]:
        """A skip index as the ``INDEX name expr TYPE t GRANULARITY n`` text Meta takes."""
        opts = index.options
        expression = opts.get("expression") or ", ".join(self.quote(c) for c in index.columns)
        text = (f"INDEX {self.quote(index.name)} {expression} TYPE {opts.get('type', 'minmax')} "
                f"GRANULARITY {opts.get('granularity', 1)}")
        return repr(text), ()

    def normalized_table(self, connection: BaseConnection, table: Table) -> Table:
        """The server's spelling of ``table``. A Replicated* or sharded table is spelled
        through a plain scratch copy (same family and arguments, no ZooKeeper path, no
        Distributed table), then given back its engine and cluster layout: what the
        local table (the one migrations compare) reads as."""
        engine = self.engine_of(table.options)
        layout: dict[str, Any] = {k: table.options[k] for k in _LAYOUT if k in table.options}
        if not engine.replicated and not layout:
            return super().normalized_table(connection, table)
        plain = table.copy()
        for key in layout:
            plain.options.pop(key)
        if engine.replicated:
            plain.options["engine"] = unreplicated(engine)
        read = super().normalized_table(connection, plain)
        read.options["engine"] = parse_engine(engine.engine_sql(self.quote))
        read.options.update(layout)
        return read

    #: ZooKeeper path of a table every node of the cluster shares (the migrations
    #: history): one path for all shards, so the replica name carries the shard too
    SHARED_ZOO_PATH = "/clickhouse/clickorm_migrations/{database}/{table}"
    SHARED_REPLICA = "{shard}-{replica}"

    def shared_table_options(self, table: str) -> dict[str, Any]:
        """On the connection's cluster: ``ReplicatedMergeTree`` on one ZooKeeper path for
        the whole cluster (every node a replica, named by the ``{shard}`` and
        ``{replica}`` macros), created ``ON CLUSTER``."""
        if not self.cluster:
            return {}
        database = str(self.options.get("database") or "default")
        schema, _, short = table.rpartition(".")
        path = self.SHARED_ZOO_PATH.format(database=schema or database, table=short)
        return {"cluster": self.cluster,
                "engine": f"ReplicatedMergeTree('{path}', '{self.SHARED_REPLICA}')"}

    def alter_waits(self, table: str) -> list[AlterStep]:
        """On the connection's cluster: wait until every host has the change."""
        if not self.cluster:
            return []
        return [platform_migrate.wait_on_cluster(self, self.cluster, table)]

    def plan_alter(self, diff: TableDiff, before: Table, after: Table) -> AlterPlan:
        """In place, else a rebuild, else the version refusal (:mod:`platform_migrate`)."""
        return platform_migrate.plan_alter(self, diff, before, after)
