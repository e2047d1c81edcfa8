"""Engine-aware row writes for ClickHouse: how ``save()`` and ``delete()`` change a row.

ClickHouse has no row-level UPDATE. :class:`ClickHouseRowWriter` (the dialect's
``Dialect.writer``) picks the idiomatic write from the model's ``Meta.engine``:

=============================  ======================================  ===================================
engine family                  ``save()`` of an existing row           ``delete()``
=============================  ======================================  ===================================
ReplacingMergeTree(ver)        INSERT the full row as a new version    is_deleted column: INSERT a version
                               (``ver`` bumped, see below)             row with is_deleted = 1; else as
                                                                       MergeTree
CollapsingMergeTree(sign)      INSERT one block: the cancel row (old   INSERT the cancel row (old values,
                               values, sign = -1) and the state row    sign = -1)
                               (new values, sign = 1)
VersionedCollapsingMergeTree   as Collapsing; the cancel row keeps     as Collapsing (old version)
(sign, ver)                    the old version, the state row gets
                               the bumped one
MergeTree, Summing,            ``update_mode`` (below): mutation       lightweight ``DELETE FROM`` where
Aggregating, Memory            ``ALTER TABLE t UPDATE ... WHERE key``  the server has it (22.8+), else the
                               or lightweight ``UPDATE t SET ...``     mutation ``ALTER TABLE t DELETE``
Log, Buffer, Distributed ...   refused (QueryError)                    refused (QueryError)
=============================  ======================================  ===================================

Read merged state with ``.final()`` (``SELECT ... FINAL``): until ClickHouse merges the
parts, a plain SELECT also sees the superseded versions and the cancel/state pairs.

Version bump: when the change does not set the version column itself, the writer sets
it: an int (or float/Decimal) becomes the previous value + 1; a DateTime/DateTime64
becomes now (in the value's time zone, the server's for naive values) truncated to the
column's precision, and never earlier than previous + one tick of that precision, so
the new version always wins; a Date becomes today (never earlier than the previous; an
equal version is resolved by insertion order, newest wins). Other types are left as
they are (ClickHouse then keeps the last inserted row). The instance holds the new
version (and sign = 1) after ``save()``.

``update_mode`` (``Meta.options = {"update_mode": ...}``, else a connection attribute
``update_mode``, else ``"auto"``) chooses how MergeTree rows change:

* ``"auto"`` (default): lightweight ``UPDATE`` only when the server has it (25.7+) and
  the table declares the settings it needs in ``Meta.settings``
  (``enable_block_number_column`` and ``enable_block_offset_column``), else a
  mutation; deletes are lightweight where the server has them (22.8+), else mutations;
* ``"mutation"``: always ``ALTER TABLE ... UPDATE/DELETE``;
* ``"lightweight"``: always ``UPDATE``/``DELETE FROM`` (refused on older servers).

Mutations are made synchronous so a read after the write sees it: the grammar writes
``SETTINGS mutations_sync = 2`` where the server parses SETTINGS on ALTER (21.1+); on
older servers the native connection waits for ``system.mutations`` to report the
mutation done (its ``mutation_timeout`` option, 60 s by default; see mutations.py). ``ON CLUSTER`` is added
when ``Meta.cluster`` or the connection's ``cluster`` option names a cluster.

``save(dry=True)`` / ``delete(dry=True)`` return the statement(s) with values inlined,
so the strategy is visible. The version/cancel/state rows of one write are one columnar
block through ``connection.insert_columns``; a run (not dry) returns that INSERT as
``Compiled("INSERT INTO t (cols) VALUES", rows)``.

New rows use the core bulk insert (:mod:`clickorm.model.bulk`): streamed in chunks of
``chunk_size`` rows (the call's, else ``Meta.insert_chunk_size``, else 10,000). The native
driver sends a table's chunks as blocks of one INSERT statement; chDB takes one Arrow
stream per statement, so there each chunk is its own INSERT. A failure part-way raises
``WriteError`` saying what landed, did not, and is in doubt. Rows in doubt can be sent
again without doubling where the table deduplicates (:meth:`ClickHouseRowWriter.retry_safety`):
Replicated tables on every version (identical blocks), and a MergeTree that declares
``Meta.settings = {"non_replicated_deduplication_window": N}`` on 22.2+ and chDB, where
every block then carries an ``insert_deduplication_token`` of its content and position
(the native driver then sends one INSERT per chunk). Note the server then also drops a
later insert of exactly the same rows within the window. ``async_insert`` /
``wait_for_async_insert`` options need 21.11+. ``Meta.options = {"insert_settings":
{...}}`` sends server settings with every INSERT of the model (the consistency of inserts
through a Distributed table: ``insert_distributed_sync``, ``insert_quorum``). ClickHouse generates no keys, so an unset
integer primary key is refused there (``RowWriter.generates_keys``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from clickorm.dialects import (
    MISSING,
    Compiled,
    RowWriter,
    encoders_for,
    logical_types,
    primary_key_values,
    state_of,
)
from clickorm.errors import QueryError
from clickorm_clickhouse import versions
from clickorm_clickhouse.engines import Engine, parse_engine
from clickorm_clickhouse.mutations import wait_for_mutations
from clickorm_clickhouse.quoting import quote_dotted, quote_identifier
from clickorm_clickhouse.write_batches import same_changes, statement_parts

if TYPE_CHECKING:
    from clickorm.dialects import QueryBuilder

__all__ = ["ClickHouseRowWriter", "UPDATE_MODES", "DEFAULT_UPDATE_MODE", "as_update_mode",
           "engine_of"]

#: accepted values of ``update_mode``
UPDATE_MODES = ("auto", "mutation", "lightweight")
DEFAULT_UPDATE_MODE = "auto"


def as_update_mode(value: Any) -> str:
    """The connection option ``update_mode``, checked when the connection opens."""
    if value not in UPDATE_MODES:
        raise ValueError(f"expected one of {', '.join(map(repr, UPDATE_MODES))}, got {value!r}")
    return str(value)

#: engine families whose rows change through mutations / lightweight statements
_STATEMENT_FAMILIES = frozenset(
    {"MergeTree", "SummingMergeTree", "AggregatingMergeTree", "ReplacingMergeTree",
     "CollapsingMergeTree", "VersionedCollapsingMergeTree", "GraphiteMergeTree", "Memory"}
)
_IDENT = re.compile(r"`((?:[^`\\]|\\.)+)`|([A-Za-z_][A-Za-z0-9_]*)")
_MICRO = _dt.timedelta(microseconds=1)
_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def engine_of(model_cls: Any) -> Engine | None:
    """The model's engine descriptor (``Meta.engine`` parsed); None when it names none."""
    spec: Engine | type[Engine] | str | None = model_cls.__clickorm_meta__.engine
    return parse_engine(spec)


class ClickHouseRowWriter(RowWriter):
    """The ClickHouse dialect's RowWriter: writes chosen by table engine (module docstring)."""

    #: seconds to wait for a mutation on servers without ``mutations_sync`` in SETTINGS
    mutation_timeout: float = 60.0

    # -- row blocks ----------------------------------------------------------------------
    def _columns(self, model_cls: Any, fields: tuple[str, ...],
                 rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """Encoded column-major data of ``rows`` (field -> value mappings)."""
        encoders = encoders_for(model_cls, fields, self.connection)
        data: list[list[Any]] = []
        for field, enc in zip(fields, encoders, strict=True):
            column = [row[field] for row in rows]  # whole rows: _stored_row/_new_row check
            if enc is not None:
                column = [v if v is None else enc(v) for v in column]
            data.append(column)
        return data

    def _send(self, model_cls: Any, fields: tuple[str, ...],
              rows: Sequence[Mapping[str, Any]]) -> int:
        db = model_cls.__clickorm_db_names__
        columns = [db[f] for f in fields]
        data = self._columns(model_cls, fields, rows)
        settings = model_insert_settings(model_cls)
        if settings:
            n = self.connection.insert_blocks(model_cls.__table_name__, columns, [data],
                                              settings=settings)
            return n if isinstance(n, int) and n >= 0 else len(rows)
        n = self.connection.insert_columns(model_cls.__table_name__, columns, data)
        return n if isinstance(n, int) and n >= 0 else len(rows)

    def _insert_block(self, model_cls: Any, rows: list[dict[str, Any]], *,
                      dry: bool) -> list[Compiled | str]:
        """Write ``rows`` (whole rows, field -> value) as one block; or show it (dry)."""
        fields = self.insertable(model_cls)
        if dry:
            db = model_cls.__clickorm_db_names__
            data = self._columns(model_cls, fields, rows)
            values = [{db[f]: col[i] for f, col in zip(fields, data, strict=True)}
                      for i in range(len(rows))]
            return [self.readable(self.query(model_cls).insert_sql(values))]
        self._send(model_cls, fields, rows)
        db = model_cls.__clickorm_db_names__
        head = (f"INSERT INTO {quote_dotted(model_cls.__table_name__)} ("
                + ", ".join(quote_identifier(db[f]) for f in fields) + ") VALUES")
        return [Compiled(head, [tuple(row[f] for f in fields) for row in rows])]

    # -- bulk inserts ----------------------------------------------------------------------
    def insert_settings(self, model_cls: Any, options: Any) -> dict[str, Any]:
        """``async_insert`` / ``wait_for_async_insert`` as query settings (21.11+, else
        refused naming the version). With ``wait_for_async_insert=False`` the server
        acknowledges rows once buffered, so "landed" then means accepted, not written."""
        model = model_insert_settings(model_cls)
        requested: dict[str, bool] = options.requested() if options is not None else {}
        if not requested:
            return model
        versions.require(self.connection.server_version, "async_insert",
                         where=f"inserting into {model_cls.__name__}")
        return {**model, **{name: int(value) for name, value in requested.items()}}

    def retry_safety(self, model_cls: Any) -> tuple[bool, str]:
        """Whether the server drops a block it already has, so rows in doubt can be sent
        again: Replicated tables deduplicate blocks on every version; a plain MergeTree
        does given ``insert_deduplication_token`` (22.2+, chDB; every block carries one)
        and the table setting ``non_replicated_deduplication_window`` (Meta.settings)."""
        engine = engine_of(model_cls)
        family = engine.family if engine is not None else "MergeTree"
        table = model_cls.__table_name__
        if family.startswith("Replicated"):
            return True, (f"{table} is {family}, which drops a block identical to one it "
                          "already has (insert_deduplicate)")
        version = self.connection.server_version
        if not versions.version_supports(version, "insert_deduplication_token"):
            return False, (f"ClickHouse {versions.format_version(version)} deduplicates "
                           f"inserts only on Replicated tables and {table} is {family}; count "
                           "the rows before retrying")
        window = (model_cls.__clickorm_meta__.settings or {}).get(
            "non_replicated_deduplication_window")
        if _positive(window):
            return True, (f"every block carries an insert_deduplication_token and {table} "
                          "keeps a non_replicated_deduplication_window")
        return False, (f"{table} keeps no deduplication window: declare Meta.settings = "
                       "{'non_replicated_deduplication_window': 1000} so the server drops "
                       "blocks it already has")

    # -- update / delete -----------------------------------------------------------------
    def update(self, instance: Any, changes: Mapping[str, Any], *,
               dry: bool = False) -> list[Compiled | str]:
        if not changes:
            return []
        cls = type(instance)
        engine = self._writable_engine(cls, "update")
        planned = self._version_rows(instance, engine, changes)
        if planned is None:
            family = engine.family if engine is not None else "MergeTree"
            return self._update_statement(instance, changes, family, dry=dry)
        rows, after = planned
        out = self._insert_block(cls, rows, dry=dry)
        if not dry:
            for field, value in after:
                self._set(instance, field, value)
        return out

    def update_many(self, items: Sequence[tuple[Any, Mapping[str, Any]]], *,
                    done: Callable[[Any], None] | None = None) -> int:
        """Version rows (ReplacingMergeTree, CollapsingMergeTree) of all ``items`` go out
        as one INSERT block per model: N updated rows make one part, not N. Every row is
        planned first (version rows built, key changes refused), so a row that cannot be
        updated writes nothing. Other engines then run statements: one per distinct set
        of changes (``WHERE key IN (...)``, cut by :func:`~clickorm_clickhouse.write_batches.statement_parts`), so marking
        1,000 rows done is one mutation, not 1,000; writes to one row keep their order
        (:func:`~clickorm_clickhouse.write_batches.same_changes`). ``done`` is called for each instance once its row is
        written. Returns the number of statements run."""
        blocks: dict[Any, list[dict[str, Any]]] = {}
        written: dict[Any, list[tuple[Any, list[tuple[str, Any]]]]] = {}
        statements: list[tuple[Any, Mapping[str, Any], str]] = []
        for instance, changes in items:
            if not changes:
                if done is not None:
                    done(instance)
                continue
            cls = type(instance)
            engine = self._writable_engine(cls, "update")
            planned = self._version_rows(instance, engine, changes)
            if planned is None:
                self._refuse_key_change(instance, changes)
                statements.append((instance, changes,
                                   engine.family if engine is not None else "MergeTree"))
                continue
            rows, after = planned
            blocks.setdefault(cls, []).extend(rows)
            written.setdefault(cls, []).append((instance, after))
        for model_cls, rows in blocks.items():
            self._insert_block(model_cls, rows, dry=False)
            for instance, after in written[model_cls]:
                for field, value in after:
                    self._set(instance, field, value)
                if done is not None:
                    done(instance)
        count = len(blocks)
        for group, changes, family in same_changes(statements):
            for part in statement_parts(group):
                count += len(self._update_statement(part, changes, family, dry=False))
                if done is not None:
                    for instance in part:
                        done(instance)
        return count

    def _version_rows(self, instance: Any, engine: Engine | None, changes: Mapping[str, Any]
                      ) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]] | None:
        """The rows an insert-based update writes and the (field, value) pairs to set on
        the instance once they are written; None when the engine updates by statement."""
        if engine is None:
            return None
        if engine.family == "ReplacingMergeTree":
            return self._replace(instance, engine, changes)
        if engine.family in ("CollapsingMergeTree", "VersionedCollapsingMergeTree"):
            return self._collapse(instance, engine, changes)
        return None

    def delete(self, instance: Any, *, dry: bool = False) -> list[Compiled | str]:
        cls = type(instance)
        engine = self._writable_engine(cls, "delete")
        family = engine.family if engine is not None else "MergeTree"
        if family == "ReplacingMergeTree" and engine is not None and engine.is_deleted:
            old = self._stored_row(instance)
            row = dict(old)
            row[self._field(cls, engine.is_deleted, "is_deleted")] = 1
            self._bump(instance, row, old, engine, {})
            return self._insert_block(cls, [row], dry=dry)
        if family in ("CollapsingMergeTree", "VersionedCollapsingMergeTree"):
            assert engine is not None and engine.sign is not None
            old = self._stored_row(instance)
            sign = self._field(cls, engine.sign, "sign")
            self._check_state_row(instance, old, sign)
            return self._insert_block(cls, [{**old, sign: -1}], dry=dry)
        return self._delete_statement(instance, family, dry=dry)

    # -- insert-based strategies ---------------------------------------------------------
    def _replace(self, instance: Any, engine: Engine, changes: Mapping[str, Any]
                 ) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
        """ReplacingMergeTree: the whole row again, as a newer version."""
        cls = type(instance)
        old = self._stored_row(instance)
        new = self._new_row(instance, changes)
        rows = [new]
        moved = self._changed_key_columns(cls, changes)
        if moved:
            if not engine.is_deleted:
                raise QueryError(
                    f"Cannot change {', '.join(moved)} of a {cls.__name__} row: on a "
                    "ReplacingMergeTree a new sorting key is a new row, and the old one would "
                    "stay. delete() the row and insert a new one, or declare "
                    "ReplacingMergeTree(version=..., is_deleted=...) so the writer can mark "
                    "the old key deleted"
                )
            gone = dict(old)
            gone[self._field(cls, engine.is_deleted, "is_deleted")] = 1
            rows.insert(0, gone)
        version = self._bump(instance, new, old, engine, changes)
        if moved and version is not None:
            rows[0][version] = new[version]
        return rows, ([] if version is None else [(version, new[version])])

    def _collapse(self, instance: Any, engine: Engine, changes: Mapping[str, Any]
                  ) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
        """(Versioned)CollapsingMergeTree: cancel the old state, write the new one."""
        cls = type(instance)
        assert engine.sign is not None
        sign = self._field(cls, engine.sign, "sign")
        if sign in changes:
            raise QueryError(
                f"{cls.__name__}.{sign} is the CollapsingMergeTree sign column; the writer "
                "sets it (save() writes cancel and state rows, delete() a cancel row)"
            )
        old = self._stored_row(instance)
        self._check_state_row(instance, old, sign)
        new = self._new_row(instance, changes)
        new[sign] = 1
        version = self._bump(instance, new, old, engine, changes)
        after: list[tuple[str, Any]] = [(sign, 1)]
        if version is not None:
            after.append((version, new[version]))
        return [{**old, sign: -1}, new], after

    def _stored_row(self, instance: Any) -> dict[str, Any]:
        """The row as the database holds it: loaded values before unsaved changes."""
        cls = type(instance)
        st = state_of(instance)
        original = st.original if st is not None and st.original else {}
        current = instance.__dict__
        row: dict[str, Any] = {}
        for name in self.insertable(cls):
            value = original.get(name, current.get(name, MISSING))
            if value is MISSING:
                raise QueryError(
                    f"{cls.__name__}.{name} was not loaded, so the stored row is not known "
                    "and the writer cannot write its cancel/version row; load the whole row "
                    "(no select() of some columns) or refresh() it first"
                )
            row[name] = value
        return row

    def _new_row(self, instance: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
        cls = type(instance)
        current = instance.__dict__
        row: dict[str, Any] = {}
        for name in self.insertable(cls):
            value = changes[name] if name in changes else current.get(name, MISSING)
            if value is MISSING:
                raise QueryError(
                    f"{cls.__name__}.{name} was not loaded; a new version must be a whole "
                    "row: load the whole row or refresh() it first"
                )
            row[name] = value
        return row

    def _check_state_row(self, instance: Any, old: Mapping[str, Any], sign: str) -> None:
        if old.get(sign) != 1:
            raise QueryError(
                f"This {type(instance).__name__} has {sign} = {old.get(sign)!r}: only a state "
                f"row ({sign} = 1) can be updated or deleted on a CollapsingMergeTree "
                "(load the current state with .final())"
            )

    def _bump(self, instance: Any, new: dict[str, Any], old: Mapping[str, Any],
              engine: Engine, changes: Mapping[str, Any]) -> str | None:
        """Set the version field of ``new`` unless the change sets it; returns its name."""
        if engine.version is None:
            return None
        cls = type(instance)
        field: str = cls.__clickorm_field_by_column__.get(engine.version, engine.version)
        if field not in new or field in changes:
            return field if field in new else None  # computed by the table, or given
        logical = logical_types(cls).get(field)
        new[field] = next_version(old.get(field), logical, self.connection.server_timezone)
        return field

    @staticmethod
    def _set(instance: Any, field: str, value: Any) -> None:
        """Set a field the writer chose (version, sign) without marking it dirty."""
        instance.__dict__[field] = value
        instance.__pydantic_fields_set__.add(field)

    @staticmethod
    def _field(model_cls: Any, column: str, role: str) -> str:
        field: str | None = model_cls.__clickorm_field_by_column__.get(column)
        if field is None or field not in model_cls.__clickorm_insertable__:
            raise QueryError(
                f"{model_cls.__name__} has no writable field for the engine's {role} column "
                f"{column!r}; declare it on the model so the writer can set it"
            )
        return field

    # -- statement-based strategies ------------------------------------------------------
    def _refuse_key_change(self, instance: Any, changes: Mapping[str, Any]) -> None:
        cls = type(instance)
        moved = self._changed_key_columns(cls, changes)
        if moved:
            raise QueryError(
                f"Cannot change {', '.join(moved)} of a {cls.__name__} row in place: "
                "ClickHouse cannot update sorting/partition key columns. delete() the row "
                "and insert a new one"
            )

    def _update_statement(self, instance: Any, changes: Mapping[str, Any], family: str, *,
                          dry: bool) -> list[Compiled | str]:
        """One UPDATE of ``instance``'s row, or of every row of a list of instances of one
        model that get the same ``changes`` (single-column keys)."""
        group = instance if isinstance(instance, list) else [instance]
        cls = type(group[0])
        self._refuse_key_change(group[0], changes)
        mode = self._update_mode(cls)
        if mode == "auto":
            mode = "lightweight" if (family != "Memory"
                                     and self._lightweight_update_ready(cls)) else "mutation"
        values = self.column_values(cls, changes)
        builder = self._statement_base(group).option("update_mode", mode)
        sync = mode == "mutation" and self._sync_in_statement()
        if sync:
            builder = builder.settings(mutations_sync=2)
        return self._run(builder._assign(values), cls,
                         wait=mode == "mutation" and not sync, dry=dry)

    def _delete_statement(self, instance: Any, family: str, *,
                          dry: bool) -> list[Compiled | str]:
        cls = type(instance)
        mode = self._update_mode(cls)
        if mode == "auto":
            mode = ("lightweight" if family != "Memory" and self._has("lightweight_delete")
                    else "mutation")
        builder = self._statement_base(instance).option("delete_mode", mode)
        sync = self._sync_in_statement() if mode == "mutation" else True
        if sync:
            # lightweight DELETE: synchronous by default since 23.x; 22.x follows this
            builder = builder.settings(mutations_sync=2)
        return self._run(builder.delete(dry=True), cls, wait=not sync, dry=dry)

    def _statement_base(self, instance: Any) -> QueryBuilder[Any]:
        """The model's table restricted to the row of ``instance`` (or of each instance
        in a list: ``key IN (...)``), ON CLUSTER where the model writes to one."""
        if isinstance(instance, list) and len(instance) > 1:
            cls = type(instance[0])
            key = cls.__primary_key__[0]
            builder = self.query(cls).where_in(
                cls.__clickorm_db_names__[key], [primary_key_values(i)[0] for i in instance])
        else:
            cls = type(instance[0] if isinstance(instance, list) else instance)
            builder = self.key_query(instance[0] if isinstance(instance, list) else instance)
        cluster = self._cluster(cls)
        return builder.option("cluster", cluster) if cluster else builder

    def _run(self, builder: QueryBuilder[Any], model_cls: Any, *, wait: bool,
             dry: bool) -> list[Compiled | str]:
        if dry:
            return [self.readable(builder)]
        compiled = builder.compile()
        self.connection.execute(compiled.sql, compiled.params)
        if wait and not self.connection.waits_for_mutations:
            self.wait_for_mutations(model_cls.__table_name__)
        return [compiled]

    def wait_for_mutations(self, table: str) -> None:
        """Block until ``system.mutations`` reports no unfinished mutation on ``table``
        (servers that cannot run a mutation synchronously)."""
        wait_for_mutations(self.connection, table, timeout=self.mutation_timeout)

    # -- choices -------------------------------------------------------------------------
    def _writable_engine(self, model_cls: Any, verb: str) -> Engine | None:
        engine = engine_of(model_cls)
        if engine is not None and engine.family not in _STATEMENT_FAMILIES:
            raise QueryError(
                f"Cannot {verb} single rows of {model_cls.__name__}: its table engine "
                f"{engine.name} does not support changing rows (only MergeTree-family and "
                "Memory tables do). Write to the underlying MergeTree table's model, or "
                "insert new rows instead"
            )
        return engine

    def _update_mode(self, model_cls: Any) -> str:
        options = model_cls.__clickorm_meta__.options or {}
        mode = options.get("update_mode") or self.connection.update_mode or DEFAULT_UPDATE_MODE
        if mode not in UPDATE_MODES:
            raise QueryError(
                f"{model_cls.__name__}: update_mode {mode!r} is not one of "
                f"{', '.join(map(repr, UPDATE_MODES))} (Meta.options['update_mode'])"
            )
        return str(mode)

    def _has(self, feature: str) -> bool:
        """The connection's server has ``feature`` and its capability flag is on."""
        conn = self.connection
        spec = versions.get_feature(feature)
        if spec.capability is not None and spec.capability not in conn.capabilities:
            return False
        return versions.version_supports(conn.server_version, feature)

    def _lightweight_update_ready(self, model_cls: Any) -> bool:
        """Lightweight UPDATE works on the server and the model's table settings allow it."""
        if not self._has("lightweight_update"):
            return False
        declared = model_cls.__clickorm_meta__.settings or {}
        needed = versions.get_feature("lightweight_update").table_settings
        return all(_truthy(declared.get(key)) for key in needed)

    def _sync_in_statement(self) -> bool:
        """Whether ``SETTINGS mutations_sync = 2`` may be written on the mutation."""
        return bool(self.connection.grammar.has("alter_settings"))  # type: ignore[attr-defined]

    def _cluster(self, model_cls: Any) -> str | None:
        cluster = model_cls.__clickorm_meta__.cluster or self.connection.cluster
        return str(cluster) if cluster else None

    def _changed_key_columns(self, model_cls: Any, changes: Mapping[str, Any]) -> list[str]:
        """Changed fields that are part of the table's sorting/partition/primary key."""
        keys = key_columns(model_cls)
        db = model_cls.__clickorm_db_names__
        return [f for f in changes if db.get(f, f) in keys]


def model_insert_settings(model_cls: Any) -> dict[str, Any]:
    """``Meta.options["insert_settings"]``: server settings sent with every INSERT of the
    model (bulk inserts and the version/cancel rows of updates), e.g.
    ``{"insert_distributed_sync": 1, "insert_quorum": 2}`` on a cluster."""
    options = model_cls.__clickorm_meta__.options or {}
    settings = options.get("insert_settings") or {}
    if not isinstance(settings, Mapping) or not all(
            isinstance(k, str) and _SETTING.match(k) for k in settings):
        raise QueryError(
            f"{model_cls.__name__}.Meta.options['insert_settings'] must be a dict of "
            f"ClickHouse setting names to values, got {settings!r}"
        )
    return {k: (int(v) if isinstance(v, bool) else v) for k, v in settings.items()}


def key_columns(model_cls: Any) -> frozenset[str]:
    """Column names in the model's ORDER BY, PARTITION BY and PRIMARY KEY (the model's
    key when ORDER BY is not declared): ClickHouse cannot update them in place."""
    meta = model_cls.__clickorm_meta__
    db = model_cls.__clickorm_db_names__
    known = set(db.values())
    found: set[str] = set()
    order_by = meta.order_by
    if order_by is None:
        found.update(db[f] for f in model_cls.__primary_key__)
    for spec in (order_by, meta.partition_by, meta.primary_key):
        for text in _texts(spec):
            for quoted, bare in _IDENT.findall(text):
                name = quoted.replace("\\`", "`") if quoted else bare
                if name in known:
                    found.add(name)
    return frozenset(found)


def _texts(spec: Any) -> list[str]:
    if spec is None:
        return []
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, (list, tuple, set, frozenset)):
        return [str(s) for s in spec]
    return [str(spec)]


def _positive(value: Any) -> bool:
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value)


def next_version(previous: Any, logical: Any = None, server_timezone: str | None = None) -> Any:
    """The version a new row gets (see the module docstring); ``previous`` when the type
    has no natural successor."""
    kind = _kind(logical)
    if isinstance(previous, bool):
        return previous
    if isinstance(previous, (int, float, decimal.Decimal)):
        return previous + 1
    if isinstance(previous, _dt.datetime) or (previous is None and kind in ("datetime",
                                                                              "datetime64")):
        return _next_datetime(previous, logical, server_timezone)
    if isinstance(previous, _dt.date) or (previous is None and kind in ("date", "date32")):
        today = _dt.date.today()
        return today if previous is None else max(today, previous)
    if previous is None and kind == "integer":
        return 1
    return previous


def _unwrap(logical: Any) -> Any:
    """Nullable(T) / LowCardinality(T) -> T."""
    while getattr(logical, "kind", None) in ("nullable", "low_cardinality"):
        logical = logical.inner
    return logical


def _kind(logical: Any) -> str | None:
    return getattr(_unwrap(logical), "kind", None)


def _next_datetime(previous: _dt.datetime | None, logical: Any,
                   server_timezone: str | None) -> _dt.datetime:
    tick = _tick(previous, logical)
    if previous is not None and previous.tzinfo is not None:
        now = _dt.datetime.now(previous.tzinfo)
    else:
        now = _dt.datetime.now(_zone(server_timezone)).replace(tzinfo=None)
    now = _truncate(now, tick)
    if previous is not None and now < previous + tick:
        return previous + tick
    return now


def _tick(previous: _dt.datetime | None, logical: Any) -> _dt.timedelta:
    """The smallest step the column stores: 1 s (DateTime), 10**-p s (DateTime64(p))."""
    logical = _unwrap(logical)
    kind = getattr(logical, "kind", None)
    if kind == "datetime":
        return _dt.timedelta(seconds=1)
    if kind == "datetime64":
        digits = min(int(getattr(logical, "precision", 6)), 6)
        return _dt.timedelta(microseconds=10 ** (6 - digits))
    if previous is not None and previous.microsecond == 0:
        return _dt.timedelta(seconds=1)
    return _MICRO


def _truncate(value: _dt.datetime, tick: _dt.timedelta) -> _dt.datetime:
    step = tick // _MICRO
    if step <= 1:
        return value
    micros = value.second * 1_000_000 + value.microsecond
    micros -= micros % step
    return value.replace(second=micros // 1_000_000, microsecond=micros % 1_000_000)


def _zone(name: str | None) -> _dt.tzinfo:
    if not name or name == "UTC":
        return _dt.UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - an unknown zone name: UTC is the server default
        return _dt.UTC
