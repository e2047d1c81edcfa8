"""QueryBuilder: composes an immutable QueryState through two surfaces.

Masonite names (``where("age", ">", 18).or_where(...).order_by("name", "desc")``) and
the expression style of the seed (``filter(User.id > 10).order_by(User.created_at.desc())``)
build the same state. Every method returns a new builder; the receiver never changes, so
a builder can be shared, cached and reused across threads.

The builder only composes. Running the query (``get``, ``count``, ``paginate`` ...) is
delegated to :mod:`clickorm.query.execution`; hydration and eager loading belong to the
model layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from clickorm.errors import QueryError
from clickorm.query import execution
from clickorm.query.arguments import (
    _PLAIN_OPS,
    _SCALARS,
    OPERATORS,
    JoinClause,
    _combine,
    _condition,
    _flatten_bindings,
    _in_values,
    _operator,
    _parse_col,
    _parse_order,
    _positive_int,
    _subquery,
    _to_col,
    _to_select_item,
    _to_table,
)
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import (
    Assign,
    BinaryOp,
    Compare,
    Exists,
    Expr,
    InList,
    IsNull,
    Join,
    Not,
    Order,
    Raw,
    Star,
    Table,
    _tuple_new,
)
from clickorm.query.state import (
    COLUMNS,
    EMPTY,
    GROUPS,
    HAVINGS,
    JOINS,
    LIMIT,
    OFFSET,
    ORDERS,
    TABLE,
    WHERES,
    QueryState,
)

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.query.grammar import BaseGrammar

class QueryBuilder:
    """A copy-on-write query over a table, optionally bound to a model and connection."""

    __slots__ = ("_state", "_model", "_conn")

    def __init__(
        self,
        table: Any = None,
        *,
        model: Any = None,
        connection: BaseConnection | str | None = None,
    ) -> None:
        if table is None:
            self._state: QueryState = EMPTY
        else:
            source = _to_table(table)
            # only plain tables are memoised: a Subquery's == builds SQL, not a bool
            self._state = _state_for(source) if type(source) is Table else EMPTY.set(
                "table", source)
        self._model = model
        self._conn = connection

    # -- plumbing --------------------------------------------------------------------
    def _new(self, state: QueryState) -> QueryBuilder:
        b = object.__new__(type(self))
        b._state = state
        b._model = self._model
        b._conn = self._conn
        return b

    def _extra(self, field: str, value: Any) -> QueryBuilder:
        """Set a rarely used field (they live in the state's nested Extras tuple)."""
        return self._new(self._state.set(field, value))

    def _set(self, index: int, value: Any) -> QueryBuilder:
        items = list(self._state)
        items[index] = value
        b = object.__new__(type(self))
        b._state = _tuple_new(QueryState, items)
        b._model = self._model
        b._conn = self._conn
        return b

    @property
    def state(self) -> QueryState:
        """The immutable state this builder compiles from."""
        return self._state

    @property
    def model(self) -> Any:
        return self._model

    def on(self, connection: BaseConnection | str) -> QueryBuilder:
        """The same query on another connection (an open one, or a configured name)."""
        b = self._new(self._state)
        b._conn = connection
        return b

    def __repr__(self) -> str:
        try:
            return f"<QueryBuilder {self.to_sql()}>"
        except Exception:  # noqa: BLE001 - repr must never raise
            return f"<QueryBuilder {self._state!r}>"

    # -- FROM and SELECT ---------------------------------------------------------------
    def table(self, name: Any) -> QueryBuilder:
        return self._set(TABLE, _to_table(name))

    from_ = table

    def select(self, *columns: Any) -> QueryBuilder:
        """Replace the selected columns (``"name"``, ``"name as n"``, expressions)."""
        items: list[Any] = []
        for c in columns:
            if type(c) is str and "," in c:
                items.extend(_to_select_item(p.strip()) for p in c.split(","))
            elif isinstance(c, (list, tuple)) and not isinstance(c, Expr):
                items.extend(_to_select_item(p) for p in c)
            else:
                items.append(_to_select_item(c))
        return self._set(COLUMNS, tuple(items))

    def add_select(self, *columns: Any) -> QueryBuilder:
        return self._set(COLUMNS, self._state.columns + self.select(*columns)._state.columns)

    def select_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        return self._set(COLUMNS, self._state.columns + (Raw(sql, bindings),))

    def distinct(self, flag: bool = True) -> QueryBuilder:
        return self._extra("distinct", bool(flag))

    # -- WHERE -------------------------------------------------------------------------
    def where(self, column: Any, *args: Any) -> QueryBuilder:
        """``where("age", 18)``, ``where("age", ">", 18)``, a dict, a callable group, or
        an expression (``where(User.age > 18)``)."""
        cond: Expr
        if type(column) is str and type(args[-1] if args else None) in _SCALARS:
            # the common cases, kept short: they are most of what real queries do
            if len(args) == 1:
                cond = _tuple_new(Compare, (_parse_col(column), "=", args[0]))
            elif len(args) == 2 and type(args[0]) is str and args[0] in _PLAIN_OPS:
                cond = _tuple_new(Compare, (_parse_col(column), _PLAIN_OPS[args[0]], args[1]))
            else:
                cond = _condition(column, args)
        else:
            cond = _condition(column, args)
        return self._set(WHERES, self._state[WHERES] + (("AND", cond),))

    def or_where(self, column: Any, *args: Any) -> QueryBuilder:
        return self._set(WHERES, self._state[WHERES] + (("OR", _condition(column, args)),))

    def filter(self, *conditions: Any) -> QueryBuilder:
        """Expression style: ``filter(User.id > 10, User.name.like("J%"))`` (ANDed)."""
        added = tuple(("AND", _condition(c, ())) for c in conditions)
        return self._set(WHERES, self._state[WHERES] + added)

    def filter_by(self, **equals: Any) -> QueryBuilder:
        """``filter_by(name="x", age=3)``: equality on each keyword."""
        return self.filter(*(_condition(k, (v,)) for k, v in equals.items()))

    def where_not(self, column: Any, *args: Any) -> QueryBuilder:
        return self._add_where("AND", Not.of(_condition(column, args)))

    def where_in(self, column: Any, values: Any) -> QueryBuilder:
        if type(values) is list or type(values) is tuple:
            cond = _tuple_new(InList, (_to_col(column), tuple(values), False, False))
        else:
            cond = InList.of(_to_col(column), _in_values(values), False)
        return self._set(WHERES, self._state[WHERES] + (("AND", cond),))

    def or_where_in(self, column: Any, values: Any) -> QueryBuilder:
        return self._add_where("OR", InList.of(_to_col(column), _in_values(values), False))

    def where_not_in(self, column: Any, values: Any) -> QueryBuilder:
        return self._add_where("AND", InList.of(_to_col(column), _in_values(values), True))

    def or_where_not_in(self, column: Any, values: Any) -> QueryBuilder:
        return self._add_where("OR", InList.of(_to_col(column), _in_values(values), True))

    def where_null(self, column: Any) -> QueryBuilder:
        return self._add_where("AND", IsNull.of(_to_col(column), False))

    def or_where_null(self, column: Any) -> QueryBuilder:
        return self._add_where("OR", IsNull.of(_to_col(column), False))

    def where_not_null(self, column: Any) -> QueryBuilder:
        return self._add_where("AND", IsNull.of(_to_col(column), True))

    def or_where_not_null(self, column: Any) -> QueryBuilder:
        return self._add_where("OR", IsNull.of(_to_col(column), True))

    def where_between(self, column: Any, low: Any, high: Any) -> QueryBuilder:
        return self._add_where("AND", _to_col(column).between(low, high))

    def where_not_between(self, column: Any, low: Any, high: Any) -> QueryBuilder:
        return self._add_where("AND", _to_col(column).not_between(low, high))

    def where_like(self, column: Any, pattern: str) -> QueryBuilder:
        return self._add_where("AND", Compare.of(_to_col(column), "LIKE", pattern))

    def where_not_like(self, column: Any, pattern: str) -> QueryBuilder:
        return self._add_where("AND", Compare.of(_to_col(column), "NOT LIKE", pattern))

    def where_column(self, left: Any, op: str, right: Any = None) -> QueryBuilder:
        """Compare two columns: ``where_column("updated_at", ">", "created_at")``."""
        if right is None:
            op, right = "=", op
        return self._add_where("AND", Compare.of(_to_col(left), _operator(op), _to_col(right)))

    def where_exists(self, query: Any) -> QueryBuilder:
        return self._add_where("AND", Exists.of(_subquery(query), False))

    def where_not_exists(self, query: Any) -> QueryBuilder:
        return self._add_where("AND", Exists.of(_subquery(query), True))

    def where_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        """Raw condition; values still bound through ``?`` markers."""
        return self._add_where("AND", Raw(sql, _flatten_bindings(bindings)))

    def or_where_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        return self._add_where("OR", Raw(sql, _flatten_bindings(bindings)))

    def when(
        self,
        condition: Any,
        callback: Callable[[QueryBuilder], QueryBuilder],
        default: Callable[[QueryBuilder], QueryBuilder] | None = None,
    ) -> QueryBuilder:
        """Apply ``callback`` only when ``condition`` is truthy (else ``default``)."""
        if condition:
            return callback(self)
        return default(self) if default is not None else self

    def _add_where(self, conj: str, cond: Expr) -> QueryBuilder:
        return self._set(WHERES, self._state[WHERES] + ((conj, cond),))

    # -- PREWHERE (ClickHouse) -----------------------------------------------------------
    def prewhere(self, column: Any, *args: Any) -> QueryBuilder:
        """ClickHouse PREWHERE: filter read before the other columns are read."""
        return self._extra("prewheres", self._state.prewheres + (("AND", _condition(column, args)),))

    def or_prewhere(self, column: Any, *args: Any) -> QueryBuilder:
        return self._extra("prewheres", self._state.prewheres + (("OR", _condition(column, args)),))

    # -- JOIN --------------------------------------------------------------------------
    def join(
        self,
        target: Any,
        left: Any = None,
        op: str = "=",
        right: Any = None,
        *,
        kind: str = "INNER",
        using: Sequence[str] | None = None,
        strictness: str | None = None,
        global_: bool = False,
    ) -> QueryBuilder:
        """``join("posts", "users.id", "=", "posts.user_id")``, ``join(Post, User.id ==
        Post.user_id)``, ``join("posts", lambda j: j.on(...).where(...))`` or
        ``join("t", using=["id"])``."""
        on = self._join_condition(left, op, right)
        if on is None and using is None and kind != "CROSS":
            raise QueryError(f"{kind} JOIN on {target!r} needs a condition or using=[...]")
        kind = kind.upper() if isinstance(kind, str) else kind
        node = Join.of(kind, _to_table(target), on, tuple(using) if using else None,
                       strictness.upper() if strictness else None, global_)
        return self._set(JOINS, self._state.joins + (node,))

    def left_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                  **kw: Any) -> QueryBuilder:
        return self.join(target, left, op, right, kind="LEFT", **kw)

    def right_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                   **kw: Any) -> QueryBuilder:
        return self.join(target, left, op, right, kind="RIGHT", **kw)

    def full_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                  **kw: Any) -> QueryBuilder:
        return self.join(target, left, op, right, kind="FULL", **kw)

    def cross_join(self, target: Any) -> QueryBuilder:
        return self.join(target, kind="CROSS")

    def asof_join(self, target: Any, on: Any, *, kind: str = "INNER", **kw: Any) -> QueryBuilder:
        """ClickHouse ASOF JOIN: ``on`` must hold equalities plus one inequality."""
        return self.join(target, on, kind=kind, strictness="ASOF", **kw)

    def global_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                    **kw: Any) -> QueryBuilder:
        """ClickHouse GLOBAL JOIN (the right side is sent to every shard)."""
        return self.join(target, left, op, right, global_=True, **kw)

    @staticmethod
    def _join_condition(left: Any, op: str, right: Any) -> Expr | None:
        if left is None:
            return None
        if isinstance(left, Expr):
            return left
        if callable(left):
            clause = JoinClause()
            result = left(clause)
            pairs = (result if isinstance(result, JoinClause) else clause).pairs
            if not pairs:
                raise QueryError("A join callback added no conditions")
            return _combine(pairs)
        if right is None:
            op, right = "=", op
        return Compare.of(_to_col(left), _operator(op), _to_col(right))

    # -- ARRAY JOIN (ClickHouse) -------------------------------------------------------
    def array_join(self, *columns: Any) -> QueryBuilder:
        """ClickHouse ARRAY JOIN: one row per array element (``"tags"``, ``"tags as t"``)."""
        items = tuple(_to_select_item(c) for c in columns)
        return self._extra("array_joins", self._state.array_joins + ((False, items),))

    def left_array_join(self, *columns: Any) -> QueryBuilder:
        items = tuple(_to_select_item(c) for c in columns)
        return self._extra("array_joins", self._state.array_joins + ((True, items),))

    # -- GROUP BY / HAVING -------------------------------------------------------------
    def group_by(self, *columns: Any) -> QueryBuilder:
        items: list[Any] = []
        for c in columns:
            if type(c) is str and "," in c:
                items.extend(_to_col(p.strip()) for p in c.split(","))
            else:
                items.append(_to_col(c))
        return self._set(GROUPS, self._state.groups + tuple(items))

    def group_by_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        return self._set(GROUPS, self._state.groups + (Raw(sql, bindings),))

    def with_totals(self) -> QueryBuilder:
        """``GROUP BY ... [WITH ROLLUP|CUBE] WITH TOTALS`` (composes with rollup/cube)."""
        current = self._state.group_modifier
        if current and "TOTALS" in current:
            return self
        return self._extra("group_modifier", f"{current} WITH TOTALS" if current else
                           "WITH TOTALS")

    def with_rollup(self) -> QueryBuilder:
        return self._grouping("WITH ROLLUP")

    def with_cube(self) -> QueryBuilder:
        return self._grouping("WITH CUBE")

    def _grouping(self, kind: str) -> QueryBuilder:
        current = self._state.group_modifier or ""
        if "ROLLUP" in current or "CUBE" in current:
            raise QueryError(f"GROUP BY already has {current.split(' TOTALS')[0]!r}; "
                             f"{kind} cannot be added too")
        return self._extra("group_modifier", kind + (" WITH TOTALS" if "TOTALS" in current
                                                    else ""))

    def having(self, column: Any, *args: Any) -> QueryBuilder:
        return self._set(HAVINGS, self._state.havings + (("AND", _condition(column, args)),))

    def or_having(self, column: Any, *args: Any) -> QueryBuilder:
        return self._set(HAVINGS, self._state.havings + (("OR", _condition(column, args)),))

    def having_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        return self._set(HAVINGS, self._state.havings + (("AND", Raw(sql, bindings)),))

    # -- ORDER / LIMIT -----------------------------------------------------------------
    def order_by(self, *columns: Any) -> QueryBuilder:
        """``order_by("name", "desc")``, ``order_by("name desc, id")`` or expressions
        (``order_by(User.created_at.desc(), User.id)``)."""
        if (
            len(columns) == 2
            and type(columns[1]) is str
            and columns[1].lower() in ("asc", "desc")
        ):
            return self._set(ORDERS, self._state.orders + (
                _tuple_new(Order, (_to_col(columns[0]), columns[1].lower() == "desc", None)),))
        items: list[Order] = []
        for c in columns:
            if type(c) is str:
                items.extend(_parse_order(c))
            elif isinstance(c, Order):
                items.append(c)
            else:
                items.append(_tuple_new(Order, (_to_col(c), False, None)))
        return self._set(ORDERS, self._state.orders + tuple(items))

    def order_by_raw(self, sql: str, *bindings: Any) -> QueryBuilder:
        return self._set(ORDERS, self._state.orders + (
            _tuple_new(Order, (Raw(sql, bindings), None, None)),))

    def latest(self, *columns: Any) -> QueryBuilder:
        """Newest first: ``ORDER BY created_at DESC`` unless other columns are named."""
        return self.order_by(*(_tuple_new(Order, (_to_col(c), True, None))
                               for c in (columns or ("created_at",))))

    def oldest(self, *columns: Any) -> QueryBuilder:
        return self.order_by(*(_tuple_new(Order, (_to_col(c), False, None))
                               for c in (columns or ("created_at",))))

    def reorder(self) -> QueryBuilder:
        """Drop every ORDER BY so far."""
        return self._set(ORDERS, ())

    def limit(self, n: int | None) -> QueryBuilder:
        return self._set(LIMIT, None if n is None else _positive_int("limit", n))

    take = limit

    def offset(self, n: int | None) -> QueryBuilder:
        return self._set(OFFSET, None if n is None else _positive_int("offset", n))

    skip = offset

    def for_page(self, page: int, per_page: int) -> QueryBuilder:
        page = _positive_int("for_page", page)
        per_page = _positive_int("for_page", per_page)
        return self.offset(max(page - 1, 0) * per_page).limit(per_page)

    def limit_by(self, n: int, *columns: Any, offset: int | None = None) -> QueryBuilder:
        """ClickHouse ``LIMIT n [OFFSET m] BY cols``: at most n rows per group."""
        if not columns:
            raise QueryError("limit_by() needs at least one column")
        cols = tuple(_to_col(c) for c in columns)
        off = None if offset is None else _positive_int("limit_by", offset)
        return self._extra("limit_by", (_positive_int("limit_by", n), cols, off))

    # -- ClickHouse read modifiers -----------------------------------------------------
    def final(self, flag: bool = True) -> QueryBuilder:
        """ClickHouse FINAL: read the fully merged state (ReplacingMergeTree & co)."""
        return self._extra("final", bool(flag))

    def sample(self, ratio: float | int, offset: float | int | None = None) -> QueryBuilder:
        """ClickHouse ``SAMPLE ratio [OFFSET offset]`` (the table needs SAMPLE BY)."""
        for v in (ratio, offset):
            if v is not None and (type(v) not in (int, float) or v < 0):
                raise QueryError(f"sample() expects non-negative numbers, got {v!r}")
        return self._extra("sample", (ratio, offset))

    def settings(self, **values: Any) -> QueryBuilder:
        """Per-query ``SETTINGS name = value`` (ClickHouse)."""
        merged = dict(self._state.settings)
        merged.update(values)
        return self._extra("settings", tuple(merged.items()))

    # -- CTE and UNION -----------------------------------------------------------------
    def with_cte(self, name: str, query: Any) -> QueryBuilder:
        """``WITH name AS (subquery)``; select from it with ``.table(name)``."""
        return self._extra("ctes", self._state.ctes + ((name, _subquery(query)),))

    def union(self, other: Any, *, all: bool = False) -> QueryBuilder:  # noqa: A002
        return self._extra("unions", self._state.unions + ((all, _subquery(other)[0]),))

    def union_all(self, other: Any) -> QueryBuilder:
        return self.union(other, all=True)

    # -- model-facing options ----------------------------------------------------------
    def with_(self, *relations: str) -> QueryBuilder:
        """Eager-load relations (``"posts"``, ``"posts.comments"``): one query per level."""
        return self._extra("eager", self._state.eager + tuple(relations))

    def option(self, name: str, value: Any) -> QueryBuilder:
        kept = tuple((k, v) for k, v in self._state.options if k != name)
        return self._extra("options", kept + ((name, value),))

    # -- compiling ---------------------------------------------------------------------
    def grammar(self) -> BaseGrammar:
        return execution.grammar_for(self)

    def compile(self) -> Compiled:
        """``Compiled(sql, params)`` for this builder's connection's dialect."""
        return execution.grammar_for(self).compile(self._state)

    def to_sql(self, dialect: str | None = None) -> str:
        """The statement with values inlined as literals: for reading, never for running."""
        return execution.grammar_for(self, dialect=dialect, inline=True).compile(self._state).sql

    def to_qmark(self, dialect: str | None = None) -> str:
        """The statement with placeholders, as the driver receives it."""
        return execution.grammar_for(self, dialect=dialect).compile(self._state).sql

    # -- terminal operations (run in clickorm.query.execution) ---------------------------
    def get(self, *, validate: bool = False) -> Any:
        """Run the SELECT: a Collection of models (or of dicts without a model)."""
        return execution.get(self, validate=validate)

    all = get

    def first(self, *, validate: bool = False) -> Any:
        return execution.first(self, validate=validate)

    def first_or_fail(self) -> Any:
        return execution.first_or_fail(self)

    def last(self, *columns: Any) -> Any:
        """The last row by the given columns (default: the primary key)."""
        return execution.last(self, columns)

    def find(self, key: Any) -> Any:
        """The row whose primary key equals ``key`` (a list returns a Collection)."""
        return execution.find(self, key)

    def find_or_fail(self, key: Any) -> Any:
        return execution.find_or_fail(self, key)

    def exists(self) -> bool:
        return execution.exists(self)

    def doesnt_exist(self) -> bool:
        return not execution.exists(self)

    def value(self, column: Any) -> Any:
        """The first row's value of one column (None when there is no row)."""
        return execution.value(self, column)

    def pluck(self, column: Any, key: Any = None) -> Any:
        return execution.pluck(self, column, key)

    def count(self, column: Any = "*") -> int:
        return execution.aggregate(self, "count", column)

    def sum(self, column: Any) -> Any:
        return execution.aggregate(self, "sum", column)

    def avg(self, column: Any) -> Any:
        return execution.aggregate(self, "avg", column)

    def min(self, column: Any) -> Any:
        return execution.aggregate(self, "min", column)

    def max(self, column: Any) -> Any:
        return execution.aggregate(self, "max", column)

    def paginate(self, per_page: int = 15, page: int = 1) -> Any:
        """A Page with items, total, per_page, current_page and last_page."""
        return execution.paginate(self, per_page, page)

    def chunk(self, size: int) -> Iterator[Any]:
        """Collections of at most ``size`` rows, streamed from one query."""
        return execution.chunk(self, size)

    def iter(self, *, batch_size: int = 10_000) -> Iterator[Any]:
        """Stream rows (models or dicts) in constant memory."""
        return execution.iterate(self, batch_size)

    __iter__ = iter

    def insert(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        """Insert one dict (returns the new id where the database has one) or many as one
        bulk statement (returns the row count)."""
        return execution.insert(self, values)

    def update(self, values: Mapping[str, Any], *, dry: bool = False) -> Any:
        """UPDATE the matching rows; ``dry=True`` returns a builder whose ``to_sql()``
        shows the statement the dialect would run."""
        assigns = tuple(Assign.of(_to_col(k), v) for k, v in values.items())
        if not assigns:
            raise QueryError("update() got no values")
        b = self._state.set_many(action="update", payload=assigns, final=_write_final(self))
        return self._new(b) if dry else execution.write(self._new(b))

    def delete(self, *, dry: bool = False) -> Any:
        b = self._new(self._state.set_many(action="delete", payload=None,
                                           final=_write_final(self)))
        return b if dry else execution.write(b)

    def increment(self, column: str, amount: int | float = 1, *, dry: bool = False,
                  **extra: Any) -> Any:
        col = _to_col(column)
        return self.update({column: BinaryOp.of(col, "+", amount), **extra}, dry=dry)

    def decrement(self, column: str, amount: int | float = 1, *, dry: bool = False,
                  **extra: Any) -> Any:
        col = _to_col(column)
        return self.update({column: BinaryOp.of(col, "-", amount), **extra}, dry=dry)

    def insert_sql(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> QueryBuilder:
        """A builder whose ``to_sql()``/``compile()`` is the INSERT ``insert`` would run."""
        columns, rows = execution.rows_of(values)
        return self._new(self._state.set_many(action="insert", payload=(columns, rows)))

    # -- relationship filters (model layer, issue #4) ------------------------------------
    # Added by the model helper: they need the model's relationships, so the work lives in
    # clickorm.model.relationships; without a model they raise a QueryError.
    def where_has(self, relation: str,
                  callback: Callable[[Any], Any] | None = None) -> QueryBuilder:
        """Rows with at least one related row: ``User.where_has("posts", lambda q:
        q.where("published", True))``; dotted paths nest (``"posts.comments"``)."""
        from clickorm.model.relationships import has_condition

        return self._add_where("AND", has_condition(self, relation, callback, False))

    def or_where_has(self, relation: str,
                     callback: Callable[[Any], Any] | None = None) -> QueryBuilder:
        from clickorm.model.relationships import has_condition

        return self._add_where("OR", has_condition(self, relation, callback, False))

    def where_doesnt_have(self, relation: str,
                          callback: Callable[[Any], Any] | None = None) -> QueryBuilder:
        """Rows without any related row (matching ``callback`` when given)."""
        from clickorm.model.relationships import has_condition

        return self._add_where("AND", has_condition(self, relation, callback, True))

    def with_count(self, *relations: str) -> QueryBuilder:
        """Add ``<relation>_count`` columns (a LEFT JOIN on a grouped count per relation);
        on models they read as ``user.posts_count``."""
        from clickorm.model.relationships import count_join

        b = self
        for name in relations:
            join, column = count_join(b, name)
            source = b._state.table
            columns = b._state.columns or (Star(source.alias or source.name),)
            b = b._set(COLUMNS, columns + (column,))._set(JOINS, b._state.joins + (join,))
        return b


@lru_cache(maxsize=1024)
def _state_for(source: Table) -> QueryState:
    return EMPTY.set("table", source)


def _write_final(builder: QueryBuilder) -> Any:
    """A model's Meta.final (marker "meta") is for reads: its writes drop it. An explicit
    ``.final()`` stays, so the grammar refuses it on a write instead of ignoring it."""
    final = builder._state.final
    return False if final == "meta" else final


def public_methods() -> frozenset[str]:
    """The builder's public API: what ``Model.<name>`` forwards (derived, never hand-kept)."""
    return frozenset(
        name for name in dir(QueryBuilder)
        if not name.startswith("_") and name not in {"state", "model"}
    )


__all__ = ["QueryBuilder", "JoinClause", "OPERATORS", "public_methods"]
