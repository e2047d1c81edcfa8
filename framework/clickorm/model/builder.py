"""QueryBuilder: the query layer's builder plus the operations that run it.

Composition (``where``, ``join``, ``order_by`` ...) is inherited from
:class:`~clickorm.query.builder.BaseQueryBuilder`. This subclass adds what needs a
connection or a model: compiling for the builder's connection, the terminal operations
(``get``, ``count``, ``paginate``, ``insert``, ``update`` ...; run in
:mod:`clickorm.model.execution`) and the relationship filters. Without a model,
``QueryBuilder("users").get()`` returns dicts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar, overload
from zoneinfo import ZoneInfo

from clickorm import speedups
from clickorm.errors import HTTP404, ModelNotFound, QueryError
from clickorm.model import aio, builder_writes, columnar, execution, masonite_ops
from clickorm.model import rows as typed_rows
from clickorm.model.codecs import logical_types
from clickorm.model.collection import Collection
from clickorm.model.masonite_ops import SimplePage
from clickorm.model.pagination import Page
from clickorm.model.relationships import count_join, has_condition, relation_joins
from clickorm.model.results import field_of
from clickorm.query.arguments import _to_col, _to_table
from clickorm.query.builder import BaseQueryBuilder, JoinClause, _state_for, day_of
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import Assign, BinaryOp, Func, Star, Table, _tuple_new
from clickorm.query.state import COLUMNS, EMPTY, JOINS, QueryState
from clickorm.types.logical import DateTime, DateTime64, LowCardinality, Nullable

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.query.grammar import BaseGrammar


#: what one row of a builder's result is: a model instance, or a dict without a model
R = TypeVar("R")
#: the type of a primary key value
K = TypeVar("K")

#: the type ``as_()`` reads rows into (a Pydantic model or a dataclass)
T = TypeVar("T")

#: keys that make ``find``/``find_or_fail`` return a Collection instead of one row
#: (generic in the key type, so a type checker infers a list literal's exact type)
KeyList = list[K] | tuple[K, ...] | set[K] | frozenset[K]


class QueryBuilder(BaseQueryBuilder, Generic[R]):
    """A copy-on-write query over a table, optionally bound to a model and connection.

    Generic over its row type: ``User.where(...)`` is a ``QueryBuilder[User]`` whose
    ``get()`` is a ``Collection[User]``; ``QueryBuilder("users")`` has dict rows.
    """

    __slots__ = ("_model", "_conn")
    _model: type[R] | None
    _conn: BaseConnection | str | None

    @overload
    def __init__(self: QueryBuilder[dict[str, Any]], table: Any = None, *, model: None = None,
                 connection: BaseConnection | str | None = None) -> None: ...
    @overload
    def __init__(self: QueryBuilder[R], table: Any = None, *, model: type[R],
                 connection: BaseConnection | str | None = None) -> None: ...
    def __init__(
        self,
        table: Any = None,
        *,
        model: Any = None,
        connection: BaseConnection | str | None = None,
    ) -> None:
        if table is None:
            self._state = EMPTY
        else:
            source = _to_table(table)
            # only plain tables are memoised: a Subquery's == builds SQL, not a bool
            self._state = _state_for(source) if type(source) is Table else EMPTY.set(
                "table", source)
        self._model = model
        self._conn = connection

    # -- plumbing (the base's, copying the model and connection too) ---------------------
    def _new(self, state: QueryState) -> Self:
        b = object.__new__(type(self))
        b._state = state
        b._model = self._model
        b._conn = self._conn
        return b

    def _set(self, index: int, value: Any) -> Self:
        items = list(self._state)
        items[index] = value
        b = object.__new__(type(self))
        b._state = _tuple_new(QueryState, items)
        b._model = self._model
        b._conn = self._conn
        return b

    @property
    def model(self) -> type[R] | None:
        """The model class rows are built as (None for dict rows)."""
        return self._model

    def on(self, connection: BaseConnection | str) -> Self:
        """The same query on another connection (an open one, or a configured name)."""
        b = self._new(self._state)
        b._conn = connection
        return b

    def __repr__(self) -> str:
        # never opens a connection: a repr must not wait on a server
        try:
            sql = execution.grammar_for(self, inline=True, connect=False).compile(self._state).sql
            return f"<QueryBuilder {sql}>"
        except Exception:  # noqa: BLE001 - repr must never raise
            return f"<QueryBuilder {self._state!r}>"

    # -- compiling ---------------------------------------------------------------------
    def grammar(self) -> BaseGrammar:
        return execution.grammar_for(self)

    def compile(self, grammar: BaseGrammar | None = None) -> Compiled:
        """``Compiled(sql, params)`` for ``grammar``, or this builder's connection's."""
        if grammar is None:
            grammar = execution.resolve_connection(self).grammar
        return grammar.compile(self._state)

    def to_sql(self, dialect: str | None = None) -> str:
        """The statement with values inlined as literals: for reading, never for running."""
        return execution.grammar_for(self, dialect=dialect, inline=True).compile(self._state).sql

    def to_qmark(self, dialect: str | None = None) -> str:
        """The statement with placeholders, as the driver receives it."""
        return execution.grammar_for(self, dialect=dialect).compile(self._state).sql

    # -- terminal operations (run in clickorm.model.execution) ---------------------------
    def get(self, *, validate: bool = False) -> Collection[R]:
        """Run the SELECT: a Collection of models (or of dicts without a model)."""
        return execution.get(self, validate=validate)

    all = get

    def first(self, *, validate: bool = False) -> R | None:
        return execution.first(self, validate=validate)

    def first_or_fail(self) -> R:
        return execution.first_or_fail(self)

    def last(self, *columns: Any) -> R | None:
        """The last row by the given columns (default: the primary key)."""
        return execution.last(self, columns)

    @overload
    def find(self, key: KeyList[K]) -> Collection[R]: ...
    @overload
    def find(self, key: Any) -> R | None: ...
    def find(self, key: Any) -> Collection[R] | R | None:
        """The row whose primary key equals ``key`` (a list returns a Collection)."""
        return execution.find(self, key)

    @overload
    def find_or_fail(self, key: KeyList[K]) -> Collection[R]: ...
    @overload
    def find_or_fail(self, key: Any) -> R: ...
    def find_or_fail(self, key: Any) -> Collection[R] | R:
        return execution.find_or_fail(self, key)

    def exists(self) -> bool:
        return execution.exists(self)

    def doesnt_exist(self) -> bool:
        return not execution.exists(self)

    def value(self, column: Any) -> Any:
        """The first row's value of one column (None when there is no row); a model's
        column reads as its field, on every dialect (see clickorm.model.results)."""
        return execution.value(self, column)

    @overload
    def pluck(self, column: Any, key: None = None) -> Collection[Any]: ...
    @overload
    def pluck(self, column: Any, key: Any) -> dict[Any, Any]: ...
    def pluck(self, column: Any, key: Any = None) -> Collection[Any] | dict[Any, Any]:
        """One column's values (a dict keyed by ``key``'s values when given), typed as the
        model's fields; raw SQL, functions and dict-row builders keep the driver's values."""
        return execution.pluck(self, column, key)

    def count(self, column: Any = "*") -> int:
        return execution.count(self, column)

    def sum(self, column: Any) -> Any:
        return execution.aggregate(self, "sum", column)

    def avg(self, column: Any) -> Any:
        return execution.aggregate(self, "avg", column)

    def min(self, column: Any) -> Any:
        return execution.aggregate(self, "min", column)

    def max(self, column: Any) -> Any:
        return execution.aggregate(self, "max", column)

    def paginate(self, per_page: int = 15, page: int = 1) -> Page[R]:
        """A Page with items, total, per_page, current_page and last_page."""
        return execution.paginate(self, per_page, page)

    def chunk(self, size: int) -> Iterator[Collection[R]]:
        """Collections of at most ``size`` rows, streamed from one query."""
        return execution.chunk(self, size)

    def iter(self, *, batch_size: int = 10_000) -> Iterator[R]:
        """Stream rows (models or dicts) in constant memory."""
        return execution.iterate(self, batch_size)

    __iter__ = iter

    def insert(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        """Insert one dict (returns the new id where the database has one) or many as one
        bulk statement (returns the row count). On a model query each row is validated
        as the model's (a ``ValidationError`` before anything is sent) and encoded as
        ``create()`` writes it; only the keys given are sent."""
        if self._model is not None:
            if isinstance(values, Mapping):
                return execution.insert(self, builder_writes.checked_rows(self, [values])[0])
            return execution.insert(self, builder_writes.checked_rows(self, values))
        return execution.insert(self, values)

    @overload
    def update(self, values: Mapping[str, Any], *, dry: Literal[False] = False) -> int | None: ...
    @overload
    def update(self, values: Mapping[str, Any], *, dry: Literal[True]) -> Self: ...
    def update(self, values: Mapping[str, Any], *, dry: bool = False) -> int | None | Self:
        """UPDATE the matching rows: the number of rows changed where the engine reports
        it, None where it cannot (ClickHouse mutations). ``dry=True`` returns a builder
        whose ``to_sql()`` shows the statement the dialect would run. On a model query
        each value is validated and encoded as the field (as ``save()`` does), so a value
        the column cannot hold is a ``ValidationError`` before anything is sent."""
        if not values:
            raise QueryError("update() got no values")
        b = self._assign(builder_writes.checked_update(self, values))
        return b if dry else execution.write(b)

    def _assign(self, values: Mapping[Any, Any]) -> Self:
        """The UPDATE builder of ``values`` already keyed by column and encoded (the
        writers' path: ``save()`` validated and encoded them)."""
        assigns = tuple(Assign.of(_to_col(k), v) for k, v in values.items())
        if not assigns:
            raise QueryError("update() got no values")
        return self._new(self._state.set_many(action="update", payload=assigns,
                                              final=_write_final(self)))

    @overload
    def delete(self, column: Any = None, value: Any = None, *,
               dry: Literal[False] = False) -> int | None: ...
    @overload
    def delete(self, column: Any = None, value: Any = None, *, dry: Literal[True]) -> Self: ...
    def delete(self, column: Any = None, value: Any = None, *,
               dry: bool = False) -> int | None | Self:
        """DELETE the matching rows: the number deleted where the engine reports it, None
        where it cannot (ClickHouse mutations and lightweight deletes).
        ``delete("name", "Joe")`` (a list: IN) adds that condition first (Masonite's form;
        a falsy value such as 0 counts; None is refused: ``where_null(c).delete()``)."""
        target = self
        if column is not None:
            if value is None:
                raise QueryError(f"delete({column!r}) needs the value to match; for NULLs "
                                 f"write where_null({column!r}).delete()")
            target = (self.where_in(column, value) if isinstance(value, (list, tuple))
                      else self.where(column, value))
        b = target._new(target._state.set_many(action="delete", payload=None,
                                               final=_write_final(target)))
        return b if dry else execution.write(b)

    @overload
    def increment(self, column: str, amount: int | float = 1, *, dry: Literal[False] = False,
                  **extra: Any) -> int | None: ...
    @overload
    def increment(self, column: str, amount: int | float = 1, *, dry: Literal[True],
                  **extra: Any) -> Self: ...
    def increment(self, column: str, amount: int | float = 1, *, dry: bool = False,
                  **extra: Any) -> int | None | Self:
        step = builder_writes.checked_amount(self, column, amount, "increment")
        values = builder_writes.checked_update(self, extra)
        target = builder_writes.column_of(self, column)
        b = self._assign({target: BinaryOp.of(_to_col(target), "+", step), **values})
        if dry:
            return b
        builder_writes.refuse_overflow(self, column, step, "increment")
        return execution.write(b)

    @overload
    def decrement(self, column: str, amount: int | float = 1, *, dry: Literal[False] = False,
                  **extra: Any) -> int | None: ...
    @overload
    def decrement(self, column: str, amount: int | float = 1, *, dry: Literal[True],
                  **extra: Any) -> Self: ...
    def decrement(self, column: str, amount: int | float = 1, *, dry: bool = False,
                  **extra: Any) -> int | None | Self:
        step = builder_writes.checked_amount(self, column, amount, "decrement")
        values = builder_writes.checked_update(self, extra)
        target = builder_writes.column_of(self, column)
        b = self._assign({target: BinaryOp.of(_to_col(target), "-", step), **values})
        if dry:
            return b
        builder_writes.refuse_overflow(self, column, -step, "decrement")
        return execution.write(b)

    # -- typed rows and columnar results (clickorm.model.rows, clickorm.model.columnar) ---
    def rows(self) -> Collection[tuple[Any, ...]]:
        """The result as tuples in the selected order; columns that read a model field are
        decoded as the field, computed ones are the driver's values."""
        return typed_rows.rows(self)

    def dicts(self) -> Collection[dict[str, Any]]:
        """The result as dicts keyed by column name (or alias), decoded as ``rows()``."""
        return typed_rows.dicts(self)

    def scalars(self) -> Collection[Any]:
        """The values of the one selected column (more than one is an error)."""
        return typed_rows.scalars(self)

    def as_(self, result: type[T]) -> Collection[T]:
        """The rows validated into ``result``, a Pydantic model or a dataclass whose
        fields are the selected columns: ``q.as_(TopPage)`` is a ``Collection[TopPage]``."""
        return typed_rows.results(self, result)

    def to_arrow(self) -> Any:
        """The result as a ``pyarrow.Table`` typed by the columns' database types (the
        model's logical types where the dialect's data is untyped); needs clickorm[arrow]."""
        return columnar.arrow_table(self)

    def arrow_batches(self, *, batch_size: int = 65_536) -> Iterator[Any]:
        """The result as ``pyarrow.RecordBatch``es of at most ``batch_size`` rows,
        streamed in constant memory; needs clickorm[arrow]."""
        return columnar.arrow_batches(self, batch_size)

    def to_pandas(self) -> Any:
        """The result as a pandas DataFrame, through ``to_arrow()``; needs clickorm[pandas]."""
        return columnar.pandas_frame(columnar.arrow_table(self))

    def to_polars(self) -> Any:
        """The result as a Polars DataFrame, through ``to_arrow()``; needs clickorm[polars]."""
        return columnar.polars_frame(columnar.arrow_table(self))

    # -- relationship filters ------------------------------------------------------------
    # They need the model's relationships (clickorm.model.relationships); without a model
    # they raise a QueryError.
    def where_has(self, relation: str, callback: Callable[[Any], Any] | None = None) -> Self:
        """Rows with at least one related row: ``User.where_has("posts", lambda q:
        q.where("published", True))``; dotted paths nest (``"posts.comments"``)."""
        return self._add_where("AND", has_condition(self, relation, callback, False))

    def or_where_has(self, relation: str, callback: Callable[[Any], Any] | None = None) -> Self:
        return self._add_where("OR", has_condition(self, relation, callback, False))

    def where_doesnt_have(self, relation: str,
                          callback: Callable[[Any], Any] | None = None) -> Self:
        """Rows without any related row (matching ``callback`` when given)."""
        return self._add_where("AND", has_condition(self, relation, callback, True))

    def with_count(self, *relations: str) -> Self:
        """Add ``<relation>_count`` columns (a LEFT JOIN on a grouped count per relation);
        on models they read as ``user.posts_count``."""
        b = self
        for name in relations:
            join, column = count_join(b, name)
            source = b._state.table
            columns = b._state.columns or (Star(source.alias or source.name),)
            b = b._set(COLUMNS, columns + (column,))._set(JOINS, b._state.joins + (join,))
        return b

    # -- Masonite names and argument forms (kept together; see README "Masonite names") --
    def find_or_404(self, key: Any) -> R:
        """The row with primary key ``key``, else :class:`~clickorm.errors.HTTP404` (a
        ModelNotFound a web layer maps to a 404)."""
        found = execution.find(self, key)
        if found is None or isinstance(found, Collection):
            raise HTTP404(f"No {execution._what(self)} with "
                          f"{execution.key_description(self, key)}")
        return found

    def simple_paginate(self, per_page: int = 15, page: int = 1) -> SimplePage[R]:
        """A page without a total count: ``items``, ``has_more``, ``next_page``."""
        return masonite_ops.simple_paginate(self, per_page, page)

    def create(self, values: Mapping[str, Any] | None = None, /, **data: Any) -> R:
        """Insert one row (``create(name="x")`` or a dict): the saved model instance, or
        without a model the dict inserted (with ``id`` when the database made one)."""
        created: R = masonite_ops.create(self, {**(values or {}), **data})
        return created

    def bulk_create(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert many rows in one bulk write; the number of rows written."""
        return masonite_ops.bulk_create(self, rows)

    @overload
    def truncate(self, *, dry: Literal[False] = False) -> None: ...
    @overload
    def truncate(self, *, dry: Literal[True]) -> list[str]: ...
    def truncate(self, *, dry: bool = False) -> list[str] | None:
        """Remove every row of the table (``dry=True``: the statements, nothing run)."""
        statements = masonite_ops.truncate(self, dry)
        return statements if dry else None

    def statement(self, sql: str, bindings: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run one raw statement on this builder's connection; its rows as dicts."""
        return masonite_ops.statement(self, sql, bindings)

    def begin(self) -> BaseConnection:
        """Start a transaction on this builder's connection (QueryError on a dialect
        without transactions, such as ClickHouse); returns the connection."""
        return masonite_ops.transaction_call(self, "begin")

    def commit(self) -> None:
        masonite_ops.transaction_call(self, "commit")

    def rollback(self) -> None:
        masonite_ops.transaction_call(self, "rollback")

    def has(self, *relations: str) -> Self:
        """Rows with at least one related row in each relation (Masonite's ``has``:
        ``where_has`` without a callback, several relations at once)."""
        b = self
        for name in relations:
            b = b.where_has(name)
        return b

    def doesnt_have(self, *relations: str) -> Self:
        """Rows without any related row in each relation."""
        b = self
        for name in relations:
            b = b.where_doesnt_have(name)
        return b

    def or_has(self, relation: str) -> Self:
        return self.or_where_has(relation)

    def or_doesnt_have(self, relation: str) -> Self:
        return self.or_where_doesnt_have(relation)

    def or_where_doesnt_have(self, relation: str,
                             callback: Callable[[Any], Any] | None = None) -> Self:
        return self._add_where("OR", has_condition(self, relation, callback, True))

    def joins(self, *relations: str, clause: str = "inner") -> Self:
        """JOIN each relation's table on its keys (``joins("posts", clause="left")``),
        through the pivot for a belongs_to_many. Without selected columns the query
        selects its own table's columns (``users.*``), so rows stay the model's."""
        kind = JoinClause(None, clause).kind
        b = self
        for name in relations:
            b = b._set(JOINS, b._state.joins + relation_joins(b, name, kind))
        if not b._state.columns and isinstance(b._state.table, Table):
            source = b._state.table
            b = b._set(COLUMNS, (Star(source.alias or source.name),))
        return b

    def first_where(self, column: Any, *args: Any) -> R | None:
        """``where(column, ...).first()`` in one call."""
        return self.where(column, *args).first()

    def sole(self) -> R:
        """The only matching row: ModelNotFound when there is none, QueryError when more
        than one matches (two rows are read to know)."""
        rows = self.limit(2).get()
        if not rows:
            raise ModelNotFound(f"No {execution._what(self)} matched the query")
        if len(rows) > 1:
            raise QueryError(f"sole() found more than one {execution._what(self)}")
        return rows[0]

    def first_or_create(self, wheres: Mapping[str, Any],
                        creates: Mapping[str, Any] | None = None) -> R:
        """The first row matching ``wheres`` (equalities), else one created from
        ``wheres`` and ``creates`` (Masonite's meaning; not atomic: two callers at once
        may both create)."""
        found = self.where(dict(wheres)).first() if wheres else self.first()
        if found is not None:
            return found
        return self.create({**wheres, **(creates or {})})

    def where_date(self, column: Any, value: Any) -> Self:
        """Rows whose ``column`` falls on the calendar day ``value``; for a DateTime field
        with a time zone, the day in that zone on every dialect (ClickHouse's ``toDate``
        of the column; SQLite, which stores UTC, is given the day's UTC bounds)."""
        bounds = _zoned_day(self, column, value)
        if bounds is None:
            return super().where_date(column, value)
        return self.where(lambda q: q.where(column, ">=", bounds[0])
                          .where(column, "<", bounds[1]))

    def or_where_date(self, column: Any, value: Any) -> Self:
        bounds = _zoned_day(self, column, value)
        if bounds is None:
            return super().or_where_date(column, value)
        return self.or_where(lambda q: q.where(column, ">=", bounds[0])
                             .where(column, "<", bounds[1]))

    def in_random_order(self) -> Self:
        """ORDER BY the dialect's random function (a new order on every run)."""
        return self.order_by(Func.__new__(Func, ("random", (), None, False)))

    def _subquery_state(self) -> QueryState:
        # a callable over the model's own table starts as the model's fresh query does
        # (its Meta.final, say); any other table starts empty
        initial = getattr(self._model, "__clickorm_initial_state__", None)
        source = self._state.table
        if (isinstance(initial, QueryState) and type(source) is Table
                and type(initial.table) is Table and tuple.__eq__(initial.table, source)):
            return initial
        return super()._subquery_state()
    # -- async terminal operations: the sync ones above, their I/O awaited --------------
    # (clickorm.model.aio runs the same execution functions on the event loop's async
    # connection; composition stays sync and shared)
    async def aget(self, *, validate: bool = False) -> Collection[R]:
        """``get()``, awaited: a Collection of models (or of dicts without a model)."""
        return await aio.run(self, execution.get, self, validate=validate)

    async def aall(self, *, validate: bool = False) -> Collection[R]:
        return await aio.run(self, execution.get, self, validate=validate)

    async def afirst(self, *, validate: bool = False) -> R | None:
        return await aio.run(self, execution.first, self, validate=validate)

    async def afirst_or_fail(self) -> R:
        return await aio.run(self, execution.first_or_fail, self)

    async def alast(self, *columns: Any) -> R | None:
        return await aio.run(self, execution.last, self, columns)

    @overload
    async def afind(self, key: KeyList[K]) -> Collection[R]: ...
    @overload
    async def afind(self, key: Any) -> R | None: ...
    async def afind(self, key: Any) -> Collection[R] | R | None:
        """``find(key)``, awaited (a list of keys returns a Collection)."""
        return await aio.run(self, execution.find, self, key)

    @overload
    async def afind_or_fail(self, key: KeyList[K]) -> Collection[R]: ...
    @overload
    async def afind_or_fail(self, key: Any) -> R: ...
    async def afind_or_fail(self, key: Any) -> Collection[R] | R:
        return await aio.run(self, execution.find_or_fail, self, key)

    async def aexists(self) -> bool:
        return await aio.run(self, execution.exists, self)

    async def adoesnt_exist(self) -> bool:
        return not await aio.run(self, execution.exists, self)

    async def avalue(self, column: Any) -> Any:
        return await aio.run(self, execution.value, self, column)

    @overload
    async def apluck(self, column: Any, key: None = None) -> Collection[Any]: ...
    @overload
    async def apluck(self, column: Any, key: Any) -> dict[Any, Any]: ...
    async def apluck(self, column: Any, key: Any = None) -> Collection[Any] | dict[Any, Any]:
        return await aio.run(self, execution.pluck, self, column, key)

    async def acount(self, column: Any = "*") -> int:
        return await aio.run(self, execution.count, self, column)

    async def asum(self, column: Any) -> Any:
        return await aio.run(self, execution.aggregate, self, "sum", column)

    async def aavg(self, column: Any) -> Any:
        return await aio.run(self, execution.aggregate, self, "avg", column)

    async def amin(self, column: Any) -> Any:
        return await aio.run(self, execution.aggregate, self, "min", column)

    async def amax(self, column: Any) -> Any:
        return await aio.run(self, execution.aggregate, self, "max", column)

    async def apaginate(self, per_page: int = 15, page: int = 1) -> Page[R]:
        return await aio.run(self, execution.paginate, self, per_page, page)

    def aiter(self, *, batch_size: int = 10_000) -> AsyncIterator[R]:
        """``async for row in q.aiter():`` rows streamed a batch at a time."""
        return aio.iterate(self, batch_size)

    async def ainsert(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        return await aio.run(self, self.insert, values)

    @overload
    async def aupdate(self, values: Mapping[str, Any], *,
                      dry: Literal[False] = False) -> int | None: ...
    @overload
    async def aupdate(self, values: Mapping[str, Any], *, dry: Literal[True]) -> Self: ...
    async def aupdate(self, values: Mapping[str, Any], *, dry: bool = False) -> int | None | Self:
        """``update(values)``, awaited: rows changed, or None where the engine cannot
        say (ClickHouse mutations). ``dry=True`` returns the builder, as ``update``."""
        if dry:
            return self.update(values, dry=True)
        return await aio.run(self, self.update, values)

    @overload
    async def adelete(self, *, dry: Literal[False] = False) -> int | None: ...
    @overload
    async def adelete(self, *, dry: Literal[True]) -> Self: ...
    async def adelete(self, *, dry: bool = False) -> int | None | Self:
        """``delete()``, awaited (``dry=True`` returns the builder, as ``delete``)."""
        if dry:
            return self.delete(dry=True)
        return await aio.run(self, self.delete)


def _write_final(builder: QueryBuilder[Any]) -> Any:
    """A model's Meta.final (marker "meta") is for reads: its writes drop it. An explicit
    ``.final()`` stays, so the grammar refuses it on a write instead of ignoring it."""
    final = builder._state.final
    return False if final == "meta" else final


# the compiled builder step (see clickorm.query.builder._set) copies the model and the
# connection too, as ``QueryBuilder._set`` does
if speedups.compiled is not None and hasattr(speedups.compiled, "bound_builder"):
    speedups.compiled.bound_builder(
        QueryBuilder, (QueryBuilder.__dict__["_model"], QueryBuilder.__dict__["_conn"]))


def public_methods() -> frozenset[str]:
    """The builder's public API: what ``Model.<name>`` forwards (derived, never hand-kept)."""
    return frozenset(
        name for name in dir(QueryBuilder)
        if not name.startswith("_") and name not in {"state", "model"}
    )


__all__ = ["QueryBuilder", "public_methods"]


def _zoned_day(builder: QueryBuilder[Any], column: Any,
               value: Any) -> tuple[datetime, datetime] | None:
    """The first instant of ``value``'s day and of the next one in the zone of the
    DateTime field ``column`` reads, or None when the column has no zone."""
    field = field_of(builder, _to_col(column) if isinstance(column, str) else column)
    if field is None:
        return None
    logical = logical_types(builder._model).get(field)
    while isinstance(logical, Nullable | LowCardinality) and logical.inner is not None:
        logical = logical.inner
    zone_name = getattr(logical, "timezone", None)
    if not isinstance(logical, DateTime | DateTime64) or not zone_name:
        return None
    zone = ZoneInfo(zone_name)
    day = day_of(value)
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start, end
