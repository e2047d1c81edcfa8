"""Running a builder's query: the terminal operations of QueryBuilder live here.

The builder composes state; this module (the ORM layer's) resolves the connection, compiles with that
connection's grammar, executes, and hands rows to the model layer for hydration (or
returns dicts when the builder has no model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from types import GeneratorType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

from clickorm.connection.base import BaseConnection, BlockStream, ColumnarRows, RowStream
from clickorm.connection.manager import get_connection, get_manager
from clickorm.errors import ModelNotFound, QueryError
from clickorm.gcpause import paused_gc
from clickorm.model import find_statement
from clickorm.model.codecs import logical_types
from clickorm.model.collection import Collection
from clickorm.model.page_order import page_order
from clickorm.model.pagination import Page
from clickorm.model.results import (
    affected_rows,
    aggregate_decoder,
    computed_as_fields,
    decimal_average,
    decode,
    decode_aliases,
    decoder_of,
    field_of,
    first_column,
    is_decimal_field,
    qualified_columns,
)
from clickorm.plugins.manager import get_plugin_manager
from clickorm.query.arguments import _to_col, and_group, rows_of, split_alias
from clickorm.query.expressions import Alias, Col, Func, Order, Raw, Subquery, Table
from clickorm.query.grouped import group_rows
from clickorm.query.state import EMPTY
from clickorm.types.logical import Integer, LowCardinality, Nullable

if TYPE_CHECKING:
    from clickorm.connection.base import Result
    from clickorm.model.builder import QueryBuilder
    from clickorm.model.model import Model
    from clickorm.query.builder import BaseQueryBuilder
    from clickorm.query.grammar import BaseGrammar
    from clickorm.query.state import QueryState

#: the row type of the builder being run (a model class, or dict rows)
R = TypeVar("R")
#: any builder (``narrowed`` returns the kind it was given)
B = TypeVar("B", bound="BaseQueryBuilder")

#: keys that make ``find``/``find_or_fail`` look up several rows (a Collection)
KEY_LISTS = (list, tuple, set, frozenset)


# -- connection and grammar -----------------------------------------------------------
def resolve_connection(builder: QueryBuilder[Any]) -> BaseConnection:
    """The connection this builder runs on: explicit, the model's, or the default."""
    conn = builder._conn
    if conn is None:  # the common case first (an ABC's isinstance is not free)
        model = builder._model
        return get_connection(model.__connection_name__ if model is not None else None)
    if isinstance(conn, BaseConnection):
        return conn
    return get_connection(conn)


def grammar_for(
    builder: QueryBuilder[Any], *, dialect: str | None = None, inline: bool = False,
    connect: bool = True,
) -> BaseGrammar:
    """The grammar to compile with: the one of the connection the builder runs on, so
    ``compile()`` and ``to_sql()`` (``inline``) write for that server's version.

    Without an open connection on this thread the builder's connection is opened (the
    version is only known once connected), so ``to_sql()`` shows what that server would
    receive. ``connect=False`` never opens one: it uses an already open connection, else
    the dialect's newest spelling. A ``dialect`` name renders offline for that dialect."""
    if dialect is not None:
        d = get_plugin_manager().get_dialect(dialect)
        return d.grammar(paramstyle="inline" if inline else d.paramstyle,
                         capabilities=d.capabilities)
    conn = builder._conn
    if isinstance(conn, BaseConnection) or connect:
        opened = resolve_connection(builder)
    else:
        if conn is None and builder._model is not None:
            conn = getattr(builder._model, "__connection_name__", None)
        manager = get_manager(conn)
        found = manager.opened_connection()
        if found is None:
            d = manager.dialect
            return d.grammar(paramstyle="inline" if inline else d.paramstyle,
                             capabilities=d.capabilities)
        opened = found
    if not inline:
        return opened.grammar
    return type(opened.grammar)(paramstyle="inline", server_version=opened.server_version,
                                capabilities=opened.capabilities, **opened.grammar_options())


def refuse_repeated_names(columns: Sequence[str], what: str) -> None:
    """A column name that repeats (``SELECT *`` over a join on SQLite, whose driver names
    ``b.id`` just ``id``) would keep one of the values under the name: an error instead."""
    if len(set(columns)) == len(columns):
        return
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise QueryError(f"The result has two columns named {name!r}; {what} cannot "
                             "hold both (select the columns, aliasing one with "
                             ".label() or 'col as name')")
        seen.add(name)


def run(builder: QueryBuilder[Any]) -> tuple[Result, BaseConnection]:
    conn = resolve_connection(builder)
    sql, params = conn.grammar.compile(builder._state)
    return conn.execute(sql, params), conn


# -- reading --------------------------------------------------------------------------
def materialize(builder: QueryBuilder[R], columns: list[str], rows: Sequence[tuple[Any, ...]],
                conn: BaseConnection, validate: bool = False) -> Collection[R]:
    """Rows -> Collection of models (hydrated by the model layer) or of dicts."""
    if builder._model is None:
        # R is dict[str, Any] here (the builder's overloads: no model, dict rows)
        columns = qualified_columns(builder, columns)
        refuse_repeated_names(columns, "dict rows")
        dicts: Collection[Any] = Collection(
            [dict(zip(columns, row, strict=False)) for row in rows])
        return dicts
    # R is the model class's instance type; its hydration hooks are Model's
    model = cast("type[Model]", builder._model)
    undecoded: frozenset[int] = frozenset()
    if builder._state.columns:
        columns = qualified_columns(builder, columns)
        rows = decode_aliases(builder, columns, rows, conn)
        undecoded = computed_as_fields(builder, columns)
    items: Collection[Any] = Collection(model._clickorm_hydrate(
        columns, rows, validate=validate, connection=conn, undecoded=undecoded))
    if builder._state.eager and items:
        model._clickorm_eager_load(items, builder._state.eager, conn)
    return items


def get(builder: QueryBuilder[R], *, validate: bool = False) -> Collection[R]:
    # Fetching and hydrating a large result creates objects that all survive; the cyclic
    # GC's passes over them find nothing (see clickorm.gcpause), so it rests meanwhile.
    with paused_gc():
        result, conn = run(builder)
        items = materialize(builder, result.columns, result.rows, conn, validate)
        # drop the driver's row data while the GC still rests: the collection that runs
        # when it resumes then does not walk 5 x 200,000 column slots for nothing
        del result
    return items


def first(builder: QueryBuilder[R], *, validate: bool = False) -> R | None:
    if builder._state.limit == 0:
        return None  # the query asks for no rows
    items = get(builder.limit(1), validate=validate)
    return items[0] if items else None


def first_or_fail(builder: QueryBuilder[R]) -> R:
    item = first(builder)
    if item is None:
        raise ModelNotFound(f"No {_what(builder)} matched the query", sql=builder.to_qmark())
    return item


def last(builder: QueryBuilder[R], columns: Sequence[Any]) -> R | None:
    cols = columns or (primary_key_of(builder),)
    return first(builder.reorder().order_by(*(Order.__new__(Order, (
        _to_col(c) if isinstance(c, str) else c, True, None)) for c in cols)))


def primary_key_of(builder: QueryBuilder[Any]) -> str:
    model = builder._model
    pk: tuple[str, ...] | str | None = getattr(model, "__primary_key__", None) if model is not None else None
    if isinstance(pk, tuple):
        if len(pk) != 1:
            raise QueryError(f"find() needs a single-column primary key; {_what(builder)} has {pk}")
        return pk[0]
    return pk or "id"


def narrowed(builder: B, add: Callable[[B], B]) -> B:
    """``add(builder)`` with the conditions ``add`` appends ANDed to the builder's own,
    each side one group, so an OR among the user's conditions never takes in the ORM's
    (``find(1)`` after ``where(a).or_where(b)`` is ``(a OR b) AND id = 1``)."""
    own = builder._state.wheres
    if not own:
        result = add(builder)
        added = result._state.wheres
        if all(conj == "AND" for conj, _ in added[1:]):
            return result  # nothing to keep apart (find() on a fresh query)
        return result._new(result._state.set("wheres", and_group((), added)))
    result = add(builder._new(builder._state.set("wheres", ())))
    return result._new(result._state.set("wheres", and_group(own, result._state.wheres)))


def find(builder: QueryBuilder[R], key: Any) -> Collection[R] | R | None:
    pk = primary_key_of(builder)
    if isinstance(key, KEY_LISTS):
        keys = list(key)
        return get(narrowed(builder, lambda q: q.where_in(pk, keys)))
    kind = find_statement.key_kind(key)
    model = builder._model
    if kind is not None and model is not None and \
            builder._state is getattr(model, "__clickorm_initial_state__", None):
        return _find_fresh(builder, pk, key, kind)
    return first(narrowed(builder, lambda q: q.where(pk, key)))


def _find_fresh(builder: QueryBuilder[R], pk: str, key: Any, kind: str) -> R | None:
    """``find(key)`` on the model's fresh query: its statement compiled once per
    grammar and key kind (:mod:`clickorm.model.find_statement`), the one row hydrated
    without the bulk path's collector pause."""
    conn = resolve_connection(builder)
    grammar = conn.grammar
    state = builder._state
    statement = find_statement.kept(builder._model, grammar, state, kind)
    if statement is None:
        sql, params = grammar.compile(narrowed(builder, lambda q: q.where(pk, key)).limit(1)._state)
        find_statement.keep(builder._model, grammar, state, kind, sql, params, key)
    else:
        sql, params = statement.sql, find_statement.params_for(statement, key)
    result = conn.execute(sql, params)
    # the narrowed query selects, decodes and eager-loads as the fresh one does
    items = materialize(builder, result.columns, result.rows, conn)
    return items[0] if items else None


def find_or_fail(builder: QueryBuilder[R], key: Any) -> Collection[R] | R:
    found = find(builder, key)
    if found is None or (isinstance(found, Collection) and isinstance(key, KEY_LISTS)
                         and len(found) != len(set(key))):
        raise ModelNotFound(f"No {_what(builder)} with {key_description(builder, key)}")
    return found


def exists(builder: QueryBuilder[Any]) -> bool:
    """Whether the query has a row: its limit and offset count (``offset(10).exists()`` on
    three rows is False; the offset needs the query's order and, under DISTINCT, its
    columns)."""
    own = builder._state
    if own.limit == 0:
        return False
    # HAVING may name a selected alias: a query with one keeps its columns
    keep = bool(own.havings) or bool(own.offset and own.distinct)
    columns = own.columns if keep else (Alias.__new__(Alias, (_one(), "e")),)
    # WITH TOTALS/ROLLUP/CUBE add summary rows even when no row matched
    if own.offset:
        state = own.set_many(columns=columns, limit=1, eager=(), group_modifier=None)
    else:
        state = own.set_many(columns=columns, orders=(), limit=1, offset=None, eager=(),
                             group_modifier=None)
    result, _ = _run_state(builder, state)
    return bool(result.rows)


def _one() -> Any:
    return Raw("1")


def value(builder: QueryBuilder[Any], col: Any) -> Any:
    """The first row's value of one column, typed as the model's field (see results)."""
    if builder._state.limit == 0:
        return None  # the query asks for no rows
    b = builder.select(col).limit(1)
    result, conn = run(b)
    if not result.rows:
        return None
    return decode(result.rows[0][0], decoder_of(b, b._state.columns[0], conn))


def pluck(builder: QueryBuilder[Any], col: Any, key: Any = None
          ) -> Collection[Any] | dict[Any, Any]:
    """The values of one column (a dict keyed by ``key`` when given)."""
    b = builder.select(col) if key is None else builder.select(col, key)
    result, conn = run(b.option("eager", None))
    selected = b._state.columns
    dec = decoder_of(b, selected[0], conn)
    if key is None:
        return Collection(first_column(result.rows, dec))
    key_dec = decoder_of(b, selected[1], conn)
    return {decode(r[1], key_dec): decode(r[0], dec) for r in result.rows}


@overload
def aggregate(builder: QueryBuilder[Any], fn: Literal["count"], col: Any) -> int: ...
@overload
def aggregate(builder: QueryBuilder[Any], fn: str, col: Any) -> Any: ...
def aggregate(builder: QueryBuilder[Any], fn: str, col: Any) -> Any:
    """COUNT/SUM/AVG/MIN/MAX over the query (wrapped when it is limited or grouped),
    typed as described in :mod:`clickorm.model.results`.

    On a ``distinct()`` query a column's aggregate is over the column's distinct values,
    as ``FN(DISTINCT col)``: ``distinct().count("c")`` counts distinct ``c``, and
    ``distinct().sum("c")`` sums each value once. ``count()`` counts the distinct rows.
    """
    if isinstance(col, str):
        col = split_alias(col)[0]  # "age as number": the alias names no scalar
    star = isinstance(col, str) and col == "*"
    arg = None if star else (_to_col(col) if isinstance(col, str) else col)
    if fn == "avg" and is_decimal_field(builder, arg):
        # engines average decimals in floats or truncate to the scale: sum / count is exact
        return decimal_average(aggregate(builder, "sum", col), aggregate(builder, "count", col))
    # ClickHouse sums a 64-bit integer column in 64 bits and wraps: where the grammar
    # has a float conversion ("float64"), avg reads the values as floats and sum is
    # checked against a float sum in the same query (SQLite's sum raises by itself)
    wide = (not star and fn in ("sum", "avg") and _is_64_bit_integer(builder, arg)
            and "float64" in resolve_connection(builder).grammar.functions)
    as_float = (lambda a: Func.__new__(Func, ("float64", (a,), None, False))) if wide \
        else (lambda a: a)
    call = Func.__new__(Func, (fn, () if star else (
        as_float(arg) if fn == "avg" else arg,), None, False))
    state = builder._state
    if state.limit is not None or state.offset is not None or state.groups or state.distinct \
            or state.unions:
        inner = state.set_many(orders=() if state.limit is None else state.orders, eager=())
        if state.groups and not star:
            _check_grouped_argument(fn, arg, state)
            if not state.columns:
                # the grouped rows are their keys (SELECT * is not one row per group)
                inner = inner.set("columns", tuple(state.groups))
        if star:
            inner = group_rows(inner)
            outer_args: tuple[Any, ...] = ()
        elif state.distinct and not state.groups:
            # on a distinct query an aggregate of a column is over its distinct values
            # (``distinct().count("c")`` is COUNT(DISTINCT c), not a count of rows)
            inner = inner.set("columns", (Alias.__new__(Alias, (arg, "aggregate_value")),))
            outer_args = (Col("aggregate_value", None),)
        elif isinstance(arg, Col):
            outer_args = (Col(arg[0], None),)
        else:
            inner = inner.set("columns", (Alias.__new__(Alias, (arg, "aggregate_value")),))
            outer_args = (Col("aggregate_value", None),)
        outer_call = Func.__new__(Func, (fn, tuple(
            as_float(a) for a in outer_args) if fn == "avg" else outer_args, None, False))
        columns: tuple[Alias, ...] = (Alias.__new__(Alias, (outer_call, "aggregate")),)
        if fn in EMPTY_IS_NONE and outer_args:
            columns += (_values_counted(outer_args[0]),)
        if wide and fn == "sum":
            columns += (_float_sum(as_float(outer_args[0])),)
        wrapped = EMPTY.set_many(table=Subquery.of(inner, "aggregate_source"), columns=columns)
        result, conn = _run_state(builder, wrapped)
    else:
        if state.columns and fn != "count":
            # the selected columns would be dropped: Masonite returns them beside the
            # aggregate, a scalar cannot
            raise QueryError(
                f"{fn}() returns one value, so the query's select() columns would be "
                f"dropped; for a row with them and the {fn}, write "
                f".aggregate({fn!r}, column).first(), or drop the select()")
        columns = (Alias.__new__(Alias, (call, "aggregate")),)
        if fn in EMPTY_IS_NONE and not star:
            columns += (_values_counted(arg),)
        if wide and fn == "sum":
            columns += (_float_sum(as_float(arg)),)
        new_state = state.set_many(columns=columns, orders=(), eager=())
        result, conn = _run_state(builder, new_state)
    out = result.scalar()
    if fn == "count":
        return int(out or 0)
    row = result.rows[0] if result.rows else ()
    if len(row) >= 2 and not row[1]:
        return None  # no value to aggregate (see EMPTY_IS_NONE)
    if len(row) == 3 and out is not None and row[2] is not None \
            and abs(float(out) - float(row[2])) >= 2.0 ** 63:
        # a wrapped 64-bit sum is off by a multiple of 2**64; a float sum's rounding is
        # nowhere near that
        raise QueryError(f"sum({_shown(arg)}) is beyond the column's 64-bit integer type, "
                         "and the database wrapped it around; sum in Python (pluck) or "
                         "over a wider type instead")
    return decode(out, aggregate_decoder(builder, fn, arg, conn))


def _is_64_bit_integer(builder: QueryBuilder[Any], arg: Any) -> bool:
    field = field_of(builder, arg)
    if field is None:
        return False
    logical = logical_types(builder._model).get(field)
    while isinstance(logical, Nullable | LowCardinality) and logical.inner is not None:
        logical = logical.inner
    return isinstance(logical, Integer) and logical.bits == 64


def _float_sum(arg: Any) -> Alias:
    """``sum(float64(arg)) AS aggregate_check``: the sum in floats, which cannot wrap."""
    return Alias.__new__(Alias, (Func.__new__(Func, ("sum", (arg,), None, False)),
                                 "aggregate_check"))


def _shown(arg: Any) -> str:
    return str(arg[0]) if type(arg) is Col else "the column"


def _check_grouped_argument(fn: str, arg: Any, state: QueryState) -> None:
    """A column aggregate over a grouped query reads the grouped rows, so the column must
    be one of them (a group key, a selected column or alias): any other column has no
    single value per group (SQLite would take some row's, ClickHouse refuses)."""
    names = {c[1] if type(c) is Alias else c[0] for c in (*state.columns, *state.groups)
             if type(c) in (Alias, Col)}
    if type(arg) is Col and arg[0] in names:
        return
    shown = repr(arg[0]) if type(arg) is Col else "that expression"
    raise QueryError(
        f"{fn}() over a grouped query reads one row per group, where {shown} has no single "
        f"value; for a value per group write .aggregate({fn!r}, column).get(), for one "
        f"over every row drop group_by(), or select the column to {fn} the groups' values")


#: aggregates that are None over no values (no rows, or only NULLs) on every dialect, as
#: in SQL: ClickHouse answers 0, nan or the type's default there, so the query also
#: counts the values and an empty count means None
EMPTY_IS_NONE = frozenset({"sum", "avg", "min", "max"})


def _values_counted(arg: Any) -> Alias:
    """``count(arg) AS aggregate_values``: how many non-NULL values were aggregated."""
    return Alias.__new__(Alias, (Func.__new__(Func, ("count", (arg,), None, False)),
                                 "aggregate_values"))


def count(builder: QueryBuilder[Any], col: Any) -> int:
    """COUNT over the query, as an int (0 for no rows)."""
    return aggregate(builder, "count", col)


def _run_state(builder: QueryBuilder[Any], state: QueryState) -> tuple[Result, BaseConnection]:
    conn = resolve_connection(builder)
    sql, params = conn.grammar.compile(state)
    return conn.execute(sql, params), conn


def paginate(builder: QueryBuilder[R], per_page: int, page: int) -> Page[R]:
    if type(per_page) is not int or per_page < 1 or type(page) is not int or page < 1:
        raise QueryError(f"paginate() needs per_page >= 1 and page >= 1, got {per_page}, {page}")
    unpaged = builder.limit(None).offset(None)
    total = aggregate(unpaged, "count", "*")
    items = get(page_order(builder, "paginate").for_page(page, per_page))
    return Page(items=items, total=total, per_page=per_page, current_page=page)


def _stream(builder: QueryBuilder[Any], batch_size: int
            ) -> tuple[Iterator[tuple[Any, ...]], list[str] | None, BaseConnection]:
    conn = resolve_connection(builder)
    sql, params = conn.grammar.compile(builder._state)
    columns, rows = conn.stream_with_columns(sql, params, batch_size=batch_size)
    return rows, columns, conn


def chunk(builder: QueryBuilder[R], size: int) -> Iterator[Collection[R]]:
    """Yield Collections of ``size`` rows from one streamed query (constant memory)."""
    if type(size) is not int or size < 1:
        raise QueryError(f"chunk() needs a positive size, got {size!r}")
    rows_iter, columns, conn = _stream(builder, size)
    if isinstance(rows_iter, BlockStream):
        try:
            for part in regrouped(rows_iter.blocks(), size):
                yield materialize(builder, _columns(rows_iter, columns, builder), part, conn)
        finally:
            rows_iter.close()
        return
    batch: list[tuple[Any, ...]] = []
    try:
        for row in rows_iter:
            batch.append(row)
            if len(batch) == size:
                yield materialize(builder, _columns(rows_iter, columns, builder), batch, conn)
                batch = []
        if batch:
            yield materialize(builder, _columns(rows_iter, columns, builder), batch, conn)
    finally:
        # a reader that stops early releases the stream now (its socket, its link)
        if isinstance(rows_iter, (RowStream, GeneratorType)):
            rows_iter.close()


def regrouped(blocks: Iterator[Sequence[tuple[Any, ...]]], size: int
              ) -> Iterator[Sequence[tuple[Any, ...]]]:
    """A stream's blocks cut and joined into parts of exactly ``size`` rows (the last
    may be shorter), kept column-major where the blocks are."""
    pending: list[Sequence[tuple[Any, ...]]] = []
    held = 0
    for block in blocks:
        start = 0
        while start < len(block):
            take = min(size - held, len(block) - start)
            pending.append(_rows_slice(block, start, start + take))
            held += take
            start += take
            if held == size:
                yield _joined(pending)
                pending, held = [], 0
    if pending:
        yield _joined(pending)


def _rows_slice(block: Sequence[tuple[Any, ...]], start: int, stop: int
                ) -> Sequence[tuple[Any, ...]]:
    if start == 0 and stop == len(block):
        return block
    if type(block) is ColumnarRows:
        return ColumnarRows([col[start:stop] for col in block.data])
    return list(block[start:stop])


def _joined(parts: list[Sequence[tuple[Any, ...]]]) -> Sequence[tuple[Any, ...]]:
    if len(parts) == 1:
        return parts[0]
    if all(type(p) is ColumnarRows for p in parts):
        width = len(cast("ColumnarRows", parts[0]).data)
        return ColumnarRows([[v for p in parts for v in cast("ColumnarRows", p).data[i]]
                             for i in range(width)])
    return [row for p in parts for row in p]


def iterate(builder: QueryBuilder[R], batch_size: int) -> Iterator[R]:
    if type(batch_size) is not int or batch_size < 1:
        raise QueryError(f"iter() needs a positive batch_size, got {batch_size!r}")
    rows_iter, columns, conn = _stream(builder, batch_size)
    if isinstance(rows_iter, BlockStream):
        # a columnar driver's blocks are hydrated as they come (a block at a time in C),
        # without regrouping rows into batches first
        try:
            for block in rows_iter.blocks():
                if block:
                    yield from materialize(builder, _columns(rows_iter, columns, builder),
                                           block, conn)
        finally:
            rows_iter.close()
        return
    batch: list[tuple[Any, ...]] = []
    for row in rows_iter:
        batch.append(row)
        if len(batch) == batch_size:
            yield from materialize(builder, _columns(rows_iter, columns, builder), batch, conn)
            batch = []
    if batch:
        yield from materialize(builder, _columns(rows_iter, columns, builder), batch, conn)


def _columns(rows_iter: Iterator[tuple[Any, ...]], columns: list[str] | None,
             builder: QueryBuilder[Any]) -> list[str]:
    cols = (rows_iter.columns if isinstance(rows_iter, RowStream) else None) or columns
    if not cols:
        raise QueryError("The driver's stream did not report column names")
    return list(cols)


# -- writing --------------------------------------------------------------------------
def insert(builder: QueryBuilder[Any], values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
    columns, rows = rows_of(values)
    if not rows:
        return 0
    source = builder._state.table
    if not isinstance(source, Table):
        raise QueryError("insert() needs a table")
    conn = resolve_connection(builder)
    if len(rows) == 1 and isinstance(values, Mapping):
        if conn.bulk_insert_only or conn.dialect.key_generation == "none":
            # no key to report: the row goes the bulk path, whose typed columns refuse a
            # value the column cannot hold (chDB cast a bound Int64 999 to UInt8 231), and
            # the answer is None, never the row count taken for an id
            conn.insert_rows(source.name, columns, rows)
            return None
        state = builder._state.set_many(action="insert", payload=(columns, rows))
        sql, params = conn.grammar.compile(state)
        result = conn.execute(sql, params)
        return result.lastrowid
    return conn.insert_rows(source.name, columns, rows)


def write(builder: QueryBuilder[Any]) -> int | None:
    """Run an UPDATE or DELETE built with ``update``/``delete``: the number of rows it
    changed where the engine reports it, None where it cannot (ClickHouse mutations)."""
    result, conn = run(builder)
    return affected_rows(result.rowcount, conn)


def key_description(builder: QueryBuilder[Any], key: Any) -> str:
    """The key a lookup was given, by its column names and how many values (never the
    values: a key can be an e-mail address or a token)."""
    model = builder._model
    names = f" ({', '.join(model.__primary_key__)})" if model is not None else ""
    if isinstance(key, KEY_LISTS):
        return f"every one of the {len(key)} given primary keys{names}"
    return f"the given primary key{names}"


def _what(builder: QueryBuilder[Any]) -> str:
    model = builder._model
    if model is not None:
        return model.__name__
    source = builder._state.table
    return f"row of {source.name!r}" if isinstance(source, Table) else "row"



