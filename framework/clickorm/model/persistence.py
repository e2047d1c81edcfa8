"""Writing model rows: the RowWriter interface and its default SQL implementation.

A model never writes SQL itself; it asks the writer of its connection's dialect::

    writer = writer_for(connection)      # dialect.writer_class() or RowWriter
    writer.insert(User, [u1, u2])        # -> rows written (streamed chunks, see model/bulk.py)
    writer.update(user, {"name": "x"})   # -> statements run
    writer.delete(user)                  # -> statements run

The interface (a dialect subclasses :class:`RowWriter` and overrides what differs; the
ClickHouse plugin picks writes by table engine: a ReplacingMergeTree update inserts a
new version row, a CollapsingMergeTree one writes cancel + state rows, a MergeTree one
runs a mutation):

``insert(model_cls, instances, *, chunk_size=None) -> int``
    Write new rows in chunks of at most ``chunk_size`` rows, as column blocks through
    ``connection.insert_blocks`` (one statement of several blocks where the driver
    streams them, else one per block; :mod:`clickorm.model.bulk`); a failure part-way is
    a ``WriteError`` saying what landed. Values are
    encoded with the platform's per-field encoders; MATERIALIZED/ALIAS fields are never
    sent. When exactly one instance is inserted and its single-column primary key is
    unset, the writer runs one INSERT and sets the key the database generated, read as
    the dialect's ``key_generation`` says (``INSERT ... RETURNING`` or the driver's
    ``lastrowid``); where it is ``"none"`` (``generates_keys()`` is False) an unset key
    is an error. Returns the number of rows.
``preview_insert(model_cls, instances) -> list[str]``
    The statement(s) ``insert`` would run, as readable SQL (values inlined).
``update(instance, changes, *, dry=False) -> list[Compiled | str]``
    Write ``changes`` (field -> already validated value) of one existing row, found by
    its primary key (the original key when the key itself changed). Returns the
    statements it ran (``Compiled``), or with ``dry=True`` the readable SQL it would
    run, running nothing.
``update_many(items, *, done=None) -> int``
    Write the changes of many existing rows, ``items`` being ``(instance, changes)``
    pairs, and call ``done(instance)`` for each as soon as its row is written (the
    session marks it saved there, so a later failure never leaves a written row dirty).
    The default runs ``update`` for each and returns the statement count; a dialect may
    batch (ClickHouse writes all version rows of a ReplacingMergeTree or
    CollapsingMergeTree model as one INSERT block).
``delete(instance, *, dry=False) -> list[Compiled | str]``
    Delete one existing row by primary key; same return convention as ``update``.

Writers hold no state beyond their connection; one is made per write call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import NoneType
from typing import TYPE_CHECKING, Any

from clickorm.errors import ModelNotFound, QueryError, ValidationError, WriteError
from clickorm.gcpause import paused_gc
from clickorm.model import execution
from clickorm.model.bulk import (
    InsertOptions,
    TableInsert,
    chunked,
    first_line,
    is_sequence,
    unsaved,
)
from clickorm.model.codecs import column_encoders_for, encoders_for
from clickorm.model.extraction import MissingField, extractor_for
from clickorm.model.journal import failed_write
from clickorm.model.state import MISSING, state_of
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import Col, Compare, _tuple_new
from clickorm.speedups import value_types

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.builder import QueryBuilder

__all__ = ["RowWriter", "writer_for", "insert_instances", "insert_rows",
           "DEFAULT_CHUNK_SIZE", "primary_key_values"]

#: rows per bulk INSERT when neither the call nor ``Meta.insert_chunk_size`` says
DEFAULT_CHUNK_SIZE = 10_000


def writer_for(connection: BaseConnection) -> RowWriter:
    """The writer of ``connection``'s dialect (``Dialect.writer``), else :class:`RowWriter`."""
    # the plugins layer cannot name RowWriter: its Dialect.writer_class() is untyped
    writer_cls: type[RowWriter] = connection.dialect.writer_class() or RowWriter
    return writer_cls(connection)


def primary_key_values(instance: Any, *, original: bool = True) -> tuple[Any, ...]:
    """The instance's key values (before any unsaved change to the key, by default)."""
    cls = type(instance)
    pk = cls.__primary_key__
    if not pk:
        raise QueryError(
            f"{cls.__name__} has no primary key, so a single row cannot be found to update, "
            "delete or refresh; declare Column(primary_key=True) or Meta.primary_key"
        )
    current = instance.__dict__
    st = state_of(instance)
    before = st.original if (original and st is not None and st.original) else {}
    values = []
    for name in pk:
        value = before.get(name, MISSING) if name in before else current.get(name, MISSING)
        if value is MISSING or value is None:
            raise QueryError(
                f"{cls.__name__}.{name} (primary key) has no value, so this row cannot be "
                "found in the database; save() it first, or give the key when the row "
                "was inserted in bulk"
            )
        values.append(value)
    return tuple(values)


class RowWriter:
    """The default writer: plain INSERT, UPDATE ... WHERE key, DELETE ... WHERE key."""

    def __init__(self, connection: BaseConnection) -> None:
        self.connection = connection

    # -- helpers subclasses reuse --------------------------------------------------------
    def query(self, model_cls: Any) -> QueryBuilder[Any]:
        """A builder over the model's table on this writer's connection."""
        query: QueryBuilder[Any] = model_cls._clickorm_query(self.connection)
        return query

    def key_query(self, instance: Any) -> QueryBuilder[Any]:
        """A builder restricted to the instance's row (by original primary key)."""
        cls = type(instance)
        q = self.query(cls)
        db = cls.__clickorm_db_names__
        conds = tuple(
            ("AND", _tuple_new(Compare, (Col(db[name], None), "=", value)))
            for name, value in zip(cls.__primary_key__, primary_key_values(instance),
                                   strict=True)
        )
        return q._new(q._state.set("wheres", conds))

    @staticmethod
    def insertable(model_cls: Any) -> tuple[str, ...]:
        """Fields written on insert (MATERIALIZED/ALIAS columns are the database's)."""
        fields: tuple[str, ...] = model_cls.__clickorm_insertable__
        return fields

    def encoded(self, model_cls: Any, fields: tuple[str, ...],
                values: Sequence[Any]) -> list[Any]:
        encs = encoders_for(model_cls, fields, self.connection)
        return [v if enc is None or v is None else enc(v)
                for v, enc in zip(values, encs, strict=True)]

    def insert_fields(self, model_cls: Any, instances: Sequence[Any]) -> tuple[str, ...]:
        """The fields to send: insertable ones, minus a generated primary key left unset
        on every instance (the database assigns it)."""
        return self.columns(model_cls, instances)[0]

    def columns(self, model_cls: Any, instances: Sequence[Any], *, rows: bool = False
                ) -> tuple[tuple[str, ...], tuple[str, ...], list[Sequence[Any]]]:
        """(fields, column names, one encoded value sequence per column) for ``instances``.

        Treat the columns as read-only: a column read as it is comes back as the
        extractor's tuple, one that went through an encoder as a new list (the same on
        the compiled and the Python path).

        The values are read in one generated pass over the instances
        (:mod:`clickorm.model.extraction`), then encoded column by column: one encoder
        call per value, or one whole-column call, and columnar drivers take the columns as
        they are. A generated primary key left unset on every instance is dropped (the
        database assigns it); unset on some is an error where the database does not
        generate keys. ``rows=True``: ``instances`` are validated field dicts.
        """
        fields = self.insertable(model_cls)
        encs = encoders_for(model_cls, fields, self.connection)
        column_encs = column_encoders_for(model_cls, fields, self.connection)
        try:
            raw = extractor_for(model_cls, fields, rows=rows)(instances)
        except MissingField as exc:
            raise QueryError(
                f"{model_cls.__name__} row has no value for {exc.args[0]!r}; a partially "
                "loaded instance cannot be inserted"
            ) from None
        data: list[Any] = []
        for field, values, enc, column_enc in zip(fields, raw, encs, column_encs, strict=True):
            # a whole-column encoder replaces the per-value one: it does the same for the
            # whole column, checks included, in one vectorised call
            try:
                if column_enc is not None:
                    data.append(column_enc(values))
                elif enc is not None:
                    data.append([None if v is None else enc(v) for v in values])
                else:
                    data.append(values)
            except ValidationError as exc:  # a value the dialect cannot store
                raise ValidationError(f"Invalid value for {model_cls.__name__}.{field}: "
                                      f"{exc} Nothing was written.",
                                      model=model_cls.__name__) from exc
        pk = model_cls.__primary_key__
        if len(pk) == 1 and pk[0] in fields and model_cls.__clickorm_generated_key__:
            index = fields.index(pk[0])
            keys = data[index]  # the encoders keep None as None
            # one C pass for the types first: count() compares every key with None
            unset = keys.count(None) if NoneType in value_types(keys) else 0
            if unset and not self.generates_keys():
                raise QueryError(
                    f"{model_cls.__name__}.{pk[0]} (primary key) has no value on {unset} "
                    f"row(s) and the {self.connection.dialect.name} database does not generate "
                    "keys; set it before inserting (a UUID, a snowflake id, a counter)"
                )
            if unset == len(instances):
                fields = fields[:index] + fields[index + 1:]
                del data[index]
        db = model_cls.__clickorm_db_names__
        return fields, tuple(db[f] for f in fields), data

    def rows(self, model_cls: Any, instances: Sequence[Any]
             ) -> tuple[tuple[str, ...], tuple[str, ...], list[tuple[Any, ...]]]:
        """(fields, column names, encoded row tuples) for ``instances``."""
        fields, columns, data = self.columns(model_cls, instances)
        return fields, columns, list(zip(*data, strict=True))

    def generates_keys(self) -> bool:
        """Whether the database assigns an omitted integer primary key and reports it
        (the dialect's ``key_generation`` is not ``"none"``)."""
        return self.connection.dialect.key_generation != "none"

    def insert_returning_key(self, model_cls: Any, row: Mapping[str, Any]) -> Any:
        """Insert one row and return the key the database generated for it, read as the
        dialect's ``key_generation`` declares: ``INSERT ... RETURNING`` or ``lastrowid``."""
        builder = self.query(model_cls)
        if self.connection.dialect.key_generation != "returning":
            # the row is validated and encoded already: not the public insert(), which
            # validates its values as the model's fields
            return execution.insert(builder, row)
        conn = self.connection
        grammar = conn.grammar
        sql, params = grammar.compile(builder.insert_sql(row)._state)
        key = model_cls.__clickorm_db_names__[model_cls.__primary_key__[0]]
        return conn.execute(f"{sql} RETURNING {grammar.quote(key)}", params).scalar()

    def readable(self, builder: QueryBuilder[Any]) -> str:
        """The builder's statement with values inlined, for ``dry`` runs."""
        return builder.to_sql()

    # -- bulk inserts ----------------------------------------------------------------------
    def insert_settings(self, model_cls: Any, options: InsertOptions | None) -> dict[str, Any]:
        """The connection's insert settings for ``options``; this dialect has none."""
        requested = options.requested() if options is not None else {}
        if requested:
            raise QueryError(
                f"{', '.join(requested)}: the {self.connection.dialect.name} dialect has no "
                f"asynchronous inserts (inserting into {model_cls.__name__})")
        return {}

    def in_doubt(self, error: BaseException) -> bool:
        """Whether the rows of an INSERT statement that failed with ``error`` may have been
        written (the connection's ``failed_insert_in_doubt``)."""
        return self.connection.failed_insert_in_doubt

    def retry_safety(self, model_cls: Any) -> tuple[bool, str]:
        """(whether sending rows in doubt again cannot double them, and why). When True
        the blocks are sent with ``dedup`` (deduplication tokens where the server has
        them)."""
        return False, (f"the {self.connection.dialect.name} dialect does not deduplicate "
                       "inserts; count the rows before retrying")

    def table_insert(self, model_cls: Any, items: Iterable[Any], *,
                     chunk_size: int | None = None,
                     options: InsertOptions | None = None) -> TableInsert | None:
        """Stream the new (not yet persisted) instances of ``items`` into the model's
        table; returns the finished :class:`TableInsert` (its ``error`` set on failure,
        nothing raised), None when there was nothing to write."""
        settings = self.insert_settings(model_cls, options)
        sized = is_sequence(items)
        todo: list[Any] = []
        if sized:
            todo = unsaved(items if type(items) is list else list(items))
            if not todo:
                return None
            if len(todo) == 1 and self._single_generated_key(model_cls, todo[0]):
                insert = TableInsert(self, model_cls, total=1)
                insert.fire_before(todo)
                self.insert(model_cls, todo)
                insert.done(todo)
                return insert
            source: Iterable[Any] = todo
        else:
            source = (inst for inst in items if not inst.is_persisted)
        size = chunk_size_for(model_cls, chunk_size)
        insert = TableInsert(self, model_cls, settings=settings, one_statement=sized,
                             total=len(todo) if sized else None)
        with paused_gc(len(todo) if sized else 0):
            insert.run(chunked(source, size))
        return insert

    def table_insert_rows(self, model_cls: Any, rows: list[dict[str, Any]], *,
                          chunk_size: int | None = None,
                          options: InsertOptions | None = None) -> TableInsert | None:
        """:meth:`table_insert` of validated field dicts (a model without hooks, more
        than one row: a single row with a generated key is inserted as an instance)."""
        settings = self.insert_settings(model_cls, options)
        if not rows:
            return None
        insert = TableInsert(self, model_cls, settings=settings, total=len(rows), rows=True)
        with paused_gc(len(rows)):
            insert.run(chunked(rows, chunk_size_for(model_cls, chunk_size)))
        return insert

    def _single_generated_key(self, model_cls: Any, instance: Any) -> bool:
        """One instance whose generated primary key is unset: the database assigns it."""
        pk = model_cls.__primary_key__
        return (len(pk) == 1 and bool(model_cls.__clickorm_generated_key__)
                and pk[0] in self.insertable(model_cls)
                and instance.__dict__.get(pk[0]) is None and self.generates_keys())

    # -- the interface -------------------------------------------------------------------
    def insert(self, model_cls: Any, instances: Sequence[Any], *,
               chunk_size: int | None = None) -> int:
        if not instances:
            return 0
        pk = model_cls.__primary_key__
        if len(instances) == 1 and len(pk) == 1 and model_cls.__clickorm_generated_key__:
            fields, columns, data = self.columns(model_cls, instances)
            if pk[0] not in fields:
                row = {c: values[0] for c, values in zip(columns, data, strict=True)}
                new_id = self.insert_returning_key(model_cls, row)
                if new_id is not None:
                    # the database's id, set without marking the field dirty
                    instances[0].__dict__[pk[0]] = new_id
                    instances[0].__pydantic_fields_set__.add(pk[0])
                return 1
        insert = TableInsert(self, model_cls, total=len(instances), hooks=False)
        insert.run(chunked(list(instances), chunk_size_for(model_cls, chunk_size)))
        if insert.error is None:
            return insert.landed
        report = insert.report()
        if not report.landed and not report.in_doubt:
            raise insert.error
        raise failed_write(self.connection, WriteError(
            f"Insert into {model_cls.__name__} failed part-way: {first_line(insert.error)}",
            (report,), connection=self.connection.name)) from insert.error

    def preview_insert(self, model_cls: Any, instances: Sequence[Any]) -> list[str]:
        if not instances:
            return []
        _, columns, rows = self.rows(model_cls, instances)
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        return [self.readable(self.query(model_cls).insert_sql(values))]

    def update(self, instance: Any, changes: Mapping[str, Any], *,
               dry: bool = False) -> list[Compiled | str]:
        cls = type(instance)
        if not changes:
            return []
        values = self.column_values(cls, changes)
        builder = self.key_query(instance)._assign(values)
        if dry:
            return [self.readable(builder)]
        compiled = builder.compile()
        result = self.connection.execute(compiled.sql, compiled.params)
        if self.connection.reports_affected_rows and result.rowcount == 0:
            # the row is gone (deleted meanwhile, or its insert was rolled back): an
            # UPDATE of nothing must not pass for a save
            raise ModelNotFound(
                f"{cls.__name__}: no row of {cls.__table_name__} has this instance's "
                f"primary key ({', '.join(cls.__primary_key__)}): it was deleted, or the "
                "transaction that wrote it was rolled back. Nothing was written; the "
                "instance keeps its changes", sql=compiled.sql,
                connection=self.connection.name)
        return [compiled]

    def update_many(self, items: Sequence[tuple[Any, Mapping[str, Any]]], *,
                    done: Callable[[Any], None] | None = None) -> int:
        count = 0
        for instance, changes in items:
            count += len(self.update(instance, changes))
            if done is not None:
                done(instance)
        return count

    def delete(self, instance: Any, *, dry: bool = False) -> list[Compiled | str]:
        builder = self.key_query(instance).delete(dry=True)
        if dry:
            return [self.readable(builder)]
        compiled = builder.compile()
        self.connection.execute(compiled.sql, compiled.params)
        return [compiled]

    def column_values(self, model_cls: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
        """field -> value changes as column -> encoded value; refuses computed columns."""
        computed = [f for f in changes if f not in model_cls.__clickorm_insertable__]
        if computed:
            raise QueryError(
                f"{model_cls.__name__}.{computed[0]} is computed by the database "
                "(MATERIALIZED/ALIAS) and cannot be written"
            )
        fields = tuple(changes)
        encoded = self.encoded(model_cls, fields, [changes[f] for f in fields])
        db = model_cls.__clickorm_db_names__
        return {db[f]: v for f, v in zip(fields, encoded, strict=True)}


def insert_instances(model_cls: Any, items: Iterable[Any], connection: BaseConnection,
                     *, chunk_size: int | None = None,
                     options: InsertOptions | None = None) -> int:
    """Insert new instances with their create/save hooks, streamed in chunks; each chunk
    is marked persisted once it is known to be written. Instances already persisted are
    skipped, so the same call retried after a :class:`~clickorm.errors.WriteError`
    writes only what is missing. Raises WriteError when a write fails part-way (the
    original error when nothing was written and nothing is in doubt)."""
    writer = writer_for(connection)
    insert = writer.table_insert(model_cls, items, chunk_size=chunk_size, options=options)
    return _finished(model_cls, connection, insert)


def insert_rows(model_cls: Any, rows: list[dict[str, Any]], connection: BaseConnection,
                *, chunk_size: int | None = None,
                options: InsertOptions | None = None) -> int:
    """:func:`insert_instances` of validated field dicts
    (:mod:`clickorm.model.row_validation`): the same chunks, statements and WriteError,
    without instances."""
    writer = writer_for(connection)
    insert = writer.table_insert_rows(model_cls, rows, chunk_size=chunk_size,
                                      options=options)
    return _finished(model_cls, connection, insert)


def _finished(model_cls: Any, connection: BaseConnection, insert: TableInsert | None) -> int:
    """The rows a bulk insert wrote; its error, or a WriteError saying what landed."""
    if insert is None:
        return 0
    report = insert.report() if insert.error is not None else None
    if report is None:
        return insert.landed
    if not report.landed and not report.in_doubt:
        raise insert.error  # type: ignore[misc]  # nothing happened: the error as it is
    raise failed_write(connection, WriteError(
        f"Bulk insert into {model_cls.__name__} failed part-way: {first_line(insert.error)}",
        (report,), connection=connection.name)) from insert.error


def chunk_size_for(model_cls: Any, chunk_size: int | None) -> int:
    """Rows per chunk: the call's, else ``Meta.insert_chunk_size``, else the default."""
    size: int = chunk_size or model_cls.__clickorm_meta__.insert_chunk_size or DEFAULT_CHUNK_SIZE
    return size
