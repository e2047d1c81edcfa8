"""BaseQueryBuilder: composes an immutable QueryState through two surfaces.

Masonite names (``where("age", ">", 18).or_where(...).order_by("name", "desc")``) and
the expression style of the seed (``filter(User.id > 10).order_by(User.created_at.desc())``)
build the same state. Every method returns a new builder of the receiver's class; the
receiver never changes, so a builder can be shared, cached and reused across threads.

This is the query layer's builder: it only composes, and compiles with a grammar it is
given. Running a query (``get``, ``count``, ``paginate`` ...) and resolving a connection
belong to :class:`clickorm.model.builder.QueryBuilder`, the ORM layer's subclass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from clickorm import speedups
from clickorm.errors import QueryError
from clickorm.query.arguments import (
    _PLAIN_OPS,
    _SCALARS,
    OPERATORS,
    _combine,
    _condition,
    _flatten_bindings,
    _operator,
    _parse_col,
    _parse_order,
    _positive_int,
    _to_col,
    _to_select_item,
    _to_table,
    _to_value,
    rows_of,
    split_alias,
)
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import (
    Alias,
    Col,
    Compare,
    Exists,
    Expr,
    Func,
    InList,
    IsNull,
    Join,
    Not,
    Order,
    Raw,
    Subquery,
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
    from clickorm.query.grammar import BaseGrammar


class BaseQueryBuilder:
    """A copy-on-write query over a table: composition only, no connection or model."""

    __slots__ = ("_state",)

    def __init__(self, table: Any = None) -> None:
        if table is None:
            self._state: QueryState = EMPTY
        else:
            source = _to_table(table)
            # only plain tables are memoised: a Subquery's == builds SQL, not a bool
            self._state = _state_for(source) if type(source) is Table else EMPTY.set(
                "table", source)

    # -- plumbing --------------------------------------------------------------------
    def _new(self, state: QueryState) -> Self:
        b = object.__new__(type(self))
        b._state = state
        return b

    def _extra(self, field: str, value: Any) -> Self:
        """Set a rarely used field (they live in the state's nested Extras tuple)."""
        return self._new(self._state.set(field, value))

    def _set(self, index: int, value: Any) -> Self:
        items = list(self._state)
        items[index] = value
        b = object.__new__(type(self))
        b._state = _tuple_new(QueryState, items)
        return b

    @property
    def state(self) -> QueryState:
        """The immutable state this builder compiles from."""
        return self._state

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state!r}>"

    # -- FROM and SELECT ---------------------------------------------------------------
    def table(self, name: Any) -> Self:
        return _set(self, TABLE, _to_table(name))

    from_ = table

    def select(self, *columns: Any) -> Self:
        """Replace the selected columns (``"name"``, ``"name as n"``, expressions)."""
        for c in columns:
            if type(c) is not str:
                break
        else:  # names only: read once per spelling
            return _set(self, COLUMNS, _select_names(columns))
        items: list[Any] = []
        for c in columns:
            if type(c) is str and "," in c:
                items.extend(_to_select_item(p.strip()) for p in c.split(","))
            elif isinstance(c, (list, tuple)) and not isinstance(c, Expr):
                items.extend(_to_select_item(p) for p in c)
            else:
                items.append(_to_select_item(c))
        return _set(self, COLUMNS, tuple(items))

    def add_select(self, *columns: Any) -> Self:
        """Add columns to the selection; ``add_select("alias", lambda q: ...)`` adds the
        scalar subquery the callable builds (from a builder on this query's table)."""
        if (len(columns) == 2 and type(columns[0]) is str and callable(columns[1])
                and not isinstance(columns[1], (Expr, BaseQueryBuilder))):
            sub = Alias.__new__(Alias, (_subquery(columns[1], self), columns[0]))
            return _add(self, COLUMNS, (sub,))
        return _add(self, COLUMNS, self.select(*columns)._state.columns)

    def select_raw(self, sql: str, *bindings: Any) -> Self:
        return _add(self, COLUMNS, (Raw(sql, bindings),))

    def distinct(self, flag: bool = True) -> Self:
        return self._extra("distinct", bool(flag))

    # -- WHERE -------------------------------------------------------------------------
    def where(self, column: Any, *args: Any) -> Self:
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
                cond = _cond(column, args, self)
        else:
            cond = _cond(column, args, self)
        return _add(self, WHERES, (("AND", cond),))

    def or_where(self, column: Any, *args: Any) -> Self:
        return _add(self, WHERES, (("OR", _cond(column, args, self)),))

    def filter(self, *conditions: Any) -> Self:
        """Expression style: ``filter(User.id > 10, User.name.like("J%"))`` (ANDed)."""
        added = tuple(("AND", _cond(c, (), self)) for c in conditions)
        return _add(self, WHERES, added)

    def filter_by(self, **equals: Any) -> Self:
        """``filter_by(name="x", age=3)``: equality on each keyword."""
        return self.filter(*(_cond(k, (v,)) for k, v in equals.items()))

    def where_not(self, column: Any, *args: Any) -> Self:
        return self._add_where("AND", Not.of(_cond(column, args, self)))

    def where_in(self, column: Any, values: Any) -> Self:
        if type(values) is list or type(values) is tuple:
            cond = _tuple_new(InList, (_to_col(column), tuple(values), False, False))
        else:
            cond = InList.of(_to_col(column), _in_values(values, self), False)
        return _add(self, WHERES, (("AND", cond),))

    def or_where_in(self, column: Any, values: Any) -> Self:
        return self._add_where("OR", InList.of(_to_col(column), _in_values(values, self), False))

    def where_not_in(self, column: Any, values: Any) -> Self:
        return self._add_where("AND", InList.of(_to_col(column), _in_values(values, self), True))

    def or_where_not_in(self, column: Any, values: Any) -> Self:
        return self._add_where("OR", InList.of(_to_col(column), _in_values(values, self), True))

    def where_null(self, column: Any) -> Self:
        return self._add_where("AND", IsNull.of(_to_col(column), False))

    def or_where_null(self, column: Any) -> Self:
        return self._add_where("OR", IsNull.of(_to_col(column), False))

    def where_not_null(self, column: Any) -> Self:
        return self._add_where("AND", IsNull.of(_to_col(column), True))

    def or_where_not_null(self, column: Any) -> Self:
        return self._add_where("OR", IsNull.of(_to_col(column), True))

    def where_between(self, column: Any, low: Any, high: Any) -> Self:
        return self._add_where("AND", _to_col(column).between(low, high))

    def where_not_between(self, column: Any, low: Any, high: Any) -> Self:
        return self._add_where("AND", _to_col(column).not_between(low, high))

    def where_like(self, column: Any, pattern: str) -> Self:
        return self._add_where("AND", Compare.of(_to_col(column), "LIKE", pattern))

    def where_not_like(self, column: Any, pattern: str) -> Self:
        return self._add_where("AND", Compare.of(_to_col(column), "NOT LIKE", pattern))

    def where_column(self, left: Any, op: str, right: Any = None) -> Self:
        """Compare two columns: ``where_column("updated_at", ">", "created_at")``."""
        if right is None:
            op, right = "=", op
        return self._add_where("AND", Compare.of(_to_col(left), _operator(op), _to_col(right)))

    def where_exists(self, query: Any) -> Self:
        return self._add_where("AND", Exists.of(_subquery(query, self), False))

    def where_not_exists(self, query: Any) -> Self:
        return self._add_where("AND", Exists.of(_subquery(query, self), True))

    def where_raw(self, sql: str, *bindings: Any) -> Self:
        """Raw condition; values bound at each ``?`` (or Masonite's ``'?'``) outside quotes
        (see :mod:`clickorm.query.placeholders`)."""
        return self._add_where("AND", Raw(sql, _flatten_bindings(bindings)))

    def or_where_raw(self, sql: str, *bindings: Any) -> Self:
        return self._add_where("OR", Raw(sql, _flatten_bindings(bindings)))

    def when(
        self,
        condition: Any,
        callback: Callable[[Self], Self],
        default: Callable[[Self], Self] | None = None,
    ) -> Self:
        """Apply ``callback`` only when ``condition`` is truthy (else ``default``)."""
        if condition:
            return callback(self)
        return default(self) if default is not None else self

    def _add_where(self, conj: str, cond: Expr) -> Self:
        return _add(self, WHERES, ((conj, cond),))

    # -- PREWHERE (ClickHouse) -----------------------------------------------------------
    def prewhere(self, column: Any, *args: Any) -> Self:
        """ClickHouse PREWHERE: filter read before the other columns are read."""
        return self._extra("prewheres", self._state.prewheres + (("AND", _cond(column, args, self)),))

    def or_prewhere(self, column: Any, *args: Any) -> Self:
        return self._extra("prewheres", self._state.prewheres + (("OR", _cond(column, args, self)),))

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
    ) -> Self:
        """``join("posts", "users.id", "=", "posts.user_id")``, ``join(Post, User.id ==
        Post.user_id)``, ``join("posts", lambda j: j.on(...).where(...))`` or
        ``join("t", using=["id"])``."""
        if isinstance(target, JoinClause):
            # Masonite's join(JoinClause("contacts as c", "left").on(...).on_null(...))
            if left is not None:
                raise QueryError("join(JoinClause(...)) takes its conditions from the "
                                 "clause; give no further ones")
            if target.table is None:
                raise QueryError("A JoinClause passed to join() needs its table: "
                                 "JoinClause('contacts', ...)")
            on = _combine(target.pairs) if target.pairs else None
            kind, target = target.kind if kind == "INNER" else kind, target.table
        else:
            on = self._join_condition(left, op, right)
        if on is None and using is None and kind != "CROSS":
            raise QueryError(f"{kind} JOIN on {target!r} needs a condition or using=[...]")
        kind = kind.upper() if isinstance(kind, str) else kind
        node = Join.of(kind, _to_table(target), on, tuple(using) if using else None,
                       strictness.upper() if strictness else None, global_)
        return _add(self, JOINS, (node,))

    def left_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                  **kw: Any) -> Self:
        return self.join(target, left, op, right, kind="LEFT", **kw)

    def right_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                   **kw: Any) -> Self:
        return self.join(target, left, op, right, kind="RIGHT", **kw)

    def full_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                  **kw: Any) -> Self:
        return self.join(target, left, op, right, kind="FULL", **kw)

    def cross_join(self, target: Any) -> Self:
        return self.join(target, kind="CROSS")

    def asof_join(self, target: Any, on: Any, *, kind: str = "INNER", **kw: Any) -> Self:
        """ClickHouse ASOF JOIN: ``on`` must hold equalities plus one inequality."""
        return self.join(target, on, kind=kind, strictness="ASOF", **kw)

    def global_join(self, target: Any, left: Any = None, op: str = "=", right: Any = None,
                    **kw: Any) -> Self:
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
    def array_join(self, *columns: Any) -> Self:
        """ClickHouse ARRAY JOIN: one row per array element (``"tags"``, ``"tags as t"``)."""
        items = tuple(_to_select_item(c) for c in columns)
        return self._extra("array_joins", self._state.array_joins + ((False, items),))

    def left_array_join(self, *columns: Any) -> Self:
        items = tuple(_to_select_item(c) for c in columns)
        return self._extra("array_joins", self._state.array_joins + ((True, items),))

    # -- GROUP BY / HAVING -------------------------------------------------------------
    def group_by(self, *columns: Any) -> Self:
        items: list[Any] = []
        for c in columns:
            if type(c) is str and "," in c:
                items.extend(_to_col(p.strip()) for p in c.split(","))
            else:
                items.append(_to_col(c))
        return _add(self, GROUPS, tuple(items))

    def group_by_raw(self, sql: str, *bindings: Any) -> Self:
        return _add(self, GROUPS, (Raw(sql, bindings),))

    def with_totals(self) -> Self:
        """``GROUP BY ... [WITH ROLLUP|CUBE] WITH TOTALS`` (composes with rollup/cube)."""
        current = self._state.group_modifier
        if current and "TOTALS" in current:
            return self
        return self._extra("group_modifier", f"{current} WITH TOTALS" if current else
                           "WITH TOTALS")

    def with_rollup(self) -> Self:
        return self._grouping("WITH ROLLUP")

    def with_cube(self) -> Self:
        return self._grouping("WITH CUBE")

    def _grouping(self, kind: str) -> Self:
        current = self._state.group_modifier or ""
        if "ROLLUP" in current or "CUBE" in current:
            raise QueryError(f"GROUP BY already has {current.split(' TOTALS')[0]!r}; "
                             f"{kind} cannot be added too")
        return self._extra("group_modifier", kind + (" WITH TOTALS" if "TOTALS" in current
                                                    else ""))

    def having(self, column: Any, *args: Any) -> Self:
        return _add(self, HAVINGS, (("AND", _cond(column, args, self)),))

    def or_having(self, column: Any, *args: Any) -> Self:
        return _add(self, HAVINGS, (("OR", _cond(column, args, self)),))

    def having_raw(self, sql: str, *bindings: Any) -> Self:
        return _add(self, HAVINGS, (("AND", Raw(sql, bindings)),))

    # -- ORDER / LIMIT -----------------------------------------------------------------
    def order_by(self, *columns: Any) -> Self:
        """``order_by("name", "desc")``, ``order_by("name desc, id")`` or expressions
        (``order_by(User.created_at.desc(), User.id)``)."""
        if (
            len(columns) == 2
            and type(columns[1]) is str
            and columns[1].lower() in ("asc", "desc")
        ):
            return _add(self, ORDERS, (
                _tuple_new(Order, (_to_col(columns[0]), columns[1].lower() == "desc", None)),))
        items: list[Order] = []
        for c in columns:
            if type(c) is str:
                items.extend(_parse_order(c))
            elif isinstance(c, Order):
                items.append(c)
            else:
                items.append(_tuple_new(Order, (_to_col(c), False, None)))
        return _add(self, ORDERS, tuple(items))

    def order_by_raw(self, sql: str, *bindings: Any) -> Self:
        return _add(self, ORDERS, (
            _tuple_new(Order, (Raw(sql, bindings), None, None)),))

    def latest(self, *columns: Any) -> Self:
        """Newest first: ``ORDER BY created_at DESC`` unless other columns are named."""
        return self.order_by(*(_tuple_new(Order, (_to_col(c), True, None))
                               for c in (columns or ("created_at",))))

    def oldest(self, *columns: Any) -> Self:
        return self.order_by(*(_tuple_new(Order, (_to_col(c), False, None))
                               for c in (columns or ("created_at",))))

    def reorder(self) -> Self:
        """Drop every ORDER BY so far."""
        return _set(self, ORDERS, ())

    def limit(self, n: int | None) -> Self:
        return _set(self, LIMIT, None if n is None else _positive_int("limit", n))

    take = limit

    def offset(self, n: int | None) -> Self:
        return _set(self, OFFSET, None if n is None else _positive_int("offset", n))

    skip = offset

    def for_page(self, page: int, per_page: int) -> Self:
        page = _positive_int("for_page", page)
        per_page = _positive_int("for_page", per_page)
        return self.offset(max(page - 1, 0) * per_page).limit(per_page)

    def limit_by(self, n: int, *columns: Any, offset: int | None = None) -> Self:
        """ClickHouse ``LIMIT n [OFFSET m] BY cols``: at most n rows per group."""
        if not columns:
            raise QueryError("limit_by() needs at least one column")
        cols = tuple(_to_col(c) for c in columns)
        off = None if offset is None else _positive_int("limit_by", offset)
        return self._extra("limit_by", (_positive_int("limit_by", n), cols, off))

    # -- ClickHouse read modifiers -----------------------------------------------------
    def final(self, flag: bool = True) -> Self:
        """ClickHouse FINAL: read the fully merged state (ReplacingMergeTree & co)."""
        return self._extra("final", bool(flag))

    def sample(self, ratio: float | int, offset: float | int | None = None) -> Self:
        """ClickHouse ``SAMPLE ratio [OFFSET offset]`` (the table needs SAMPLE BY)."""
        for v in (ratio, offset):
            if v is not None and (type(v) not in (int, float) or v < 0):
                raise QueryError(f"sample() expects non-negative numbers, got {v!r}")
        return self._extra("sample", (ratio, offset))

    def settings(self, **values: Any) -> Self:
        """Per-query ``SETTINGS name = value`` (ClickHouse)."""
        merged = dict(self._state.settings)
        merged.update(values)
        return self._extra("settings", tuple(merged.items()))

    # -- CTE and UNION -----------------------------------------------------------------
    def with_cte(self, name: str, query: Any) -> Self:
        """``WITH name AS (subquery)``; select from it with ``.table(name)``."""
        return self._extra("ctes", self._state.ctes + ((name, _subquery(query, self)),))

    def union(self, other: Any, *, all: bool = False) -> Self:  # noqa: A002
        return self._extra("unions", self._state.unions + ((all, _subquery(other, self)[0]),))

    def union_all(self, other: Any) -> Self:
        return self.union(other, all=True)

    # -- model-facing options ----------------------------------------------------------
    def with_(self, *relations: str) -> Self:
        """Eager-load relations (``"posts"``, ``"posts.comments"``): one query per level."""
        return self._extra("eager", self._state.eager + tuple(relations))

    def option(self, name: str, value: Any) -> Self:
        kept = tuple((k, v) for k, v in self._state.options if k != name)
        return self._extra("options", kept + ((name, value),))

    # -- compiling ---------------------------------------------------------------------
    def compile(self, grammar: BaseGrammar) -> Compiled:
        """``Compiled(sql, params)`` of this builder's state in ``grammar``'s dialect."""
        return grammar.compile(self._state)

    def insert_sql(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Self:
        """A builder whose compiled statement is the INSERT of ``values`` (dicts)."""
        columns, rows = rows_of(values)
        return self._new(self._state.set_many(action="insert", payload=(columns, rows)))

    # -- Masonite names and argument forms (kept together; see README "Masonite names") --
    def between(self, column: Any, low: Any, high: Any) -> Self:
        """Masonite's name for :meth:`where_between` (both bounds included)."""
        return self.where_between(column, low, high)

    def not_between(self, column: Any, low: Any, high: Any) -> Self:
        """Masonite's name for :meth:`where_not_between`."""
        return self.where_not_between(column, low, high)

    def where_date(self, column: Any, value: date | str) -> Self:
        """Rows whose ``column`` (a date or datetime) falls on the calendar day ``value``
        (a ``date``, a ``datetime`` whose time is ignored, or ``"YYYY-MM-DD"``)."""
        return self._add_where("AND", _date_condition(column, value))

    def or_where_date(self, column: Any, value: date | str) -> Self:
        return self._add_where("OR", _date_condition(column, value))

    def aggregate(self, function: str, column: Any = "*", alias: str | None = None) -> Self:
        """Add ``FUNCTION(column) AS alias`` to the selected columns (Masonite's
        mid-chain aggregate): ``select("country").aggregate("sum", "age").group_by(
        "country").get()``. ``column`` may carry its alias (``"age as total"``); the
        default alias is the column's name, or the function's for ``*``. ``sum()``,
        ``max()`` ... are terminals that return the value; this one composes."""
        fn = function.lower() if isinstance(function, str) else function
        if fn not in _AGGREGATES:
            raise QueryError(f"aggregate() takes one of {', '.join(sorted(_AGGREGATES))}; "
                             f"got {function!r}")
        if isinstance(column, str):
            name, given = split_alias(column)
            alias = alias or given
            if name == "*":
                if fn != "count":
                    raise QueryError(f"aggregate({function!r}, '*'): only count takes '*'")
                arg: tuple[Any, ...] = ()
                alias = alias or fn
            else:
                target = _to_col(name)
                arg = (target,)
                alias = alias or (target.name if isinstance(target, Col) else fn)
        else:
            arg = (_to_col(column),)
            if alias is None:
                raise QueryError("aggregate() of an expression needs alias=...")
        call = Func.__new__(Func, (fn, arg, None, False))
        return _add(self, COLUMNS, (Alias.__new__(Alias, (call, alias)),))

    def or_where_exists(self, query: Any) -> Self:
        return self._add_where("OR", Exists.of(_subquery(query, self), False))

    def or_where_not_exists(self, query: Any) -> Self:
        return self._add_where("OR", Exists.of(_subquery(query, self), True))

    def shared_lock(self) -> Self:
        """``FOR SHARE`` row locks, where the dialect has them (SQLite and ClickHouse
        have none: compiling such a query raises a QueryError naming the dialect)."""
        return self.option("lock", "share")

    def lock_for_update(self) -> Self:
        """``FOR UPDATE`` row locks, where the dialect has them (see shared_lock)."""
        return self.option("lock", "update")

    def _subquery_state(self) -> QueryState:
        """The state a callable argument's builder starts from: this query's table."""
        source = self._state.table
        return EMPTY if source is None else EMPTY.set("table", source)


@lru_cache(maxsize=2048)
def _select_names(columns: tuple[str, ...]) -> tuple[Any, ...]:
    """``select("id", "name as n", "a, b")``'s items (a pure, thread-safe memo of
    exact strings: the nodes are immutable, so every query may share them)."""
    items: list[Any] = []
    for c in columns:
        if "," in c:
            items.extend(_to_select_item(p.strip()) for p in c.split(","))
        else:
            items.append(_to_select_item(c))
    return tuple(items)


@lru_cache(maxsize=1024)
def _state_for(source: Table) -> QueryState:
    return EMPTY.set("table", source)


#: the functions aggregate() writes (spelled the same on every dialect)
_AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})


def _date_condition(column: Any, value: Any) -> Expr:
    """``DATE(column) = day``: the day is bound as a ``date`` (never a string compared
    with a timestamp's text)."""
    day = day_of(value)
    return Compare.of(Func.__new__(Func, ("date", (_to_col(column),), None, False)), "=", day)


def day_of(value: Any) -> date:
    """The calendar day ``where_date()`` matches: a ``date``, a ``datetime``'s day or
    ``"YYYY-MM-DD"``."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise QueryError("where_date() expects a date, a datetime or a 'YYYY-MM-DD' "
                             "string; the string given is not a date (not shown: it is "
                             "a bound value)") from None
    else:
        raise QueryError(f"where_date() expects a date, a datetime or 'YYYY-MM-DD', "
                         f"got {type(value).__name__}")
    return day


def _cond(column: Any, args: tuple[Any, ...], outer: BaseQueryBuilder | None = None) -> Expr:
    """A condition from ``where``-style arguments; a callable is a parenthesised group."""
    if not args and callable(column) and not isinstance(column, (Expr, Mapping)):
        return _group(column, outer)
    if args and callable(args[-1]) and not isinstance(args[-1], (Expr, BaseQueryBuilder, type)):
        # where("age", ">", lambda q: q.aggregate("avg", "age")): a scalar subquery
        args = (*args[:-1], _subquery(args[-1], outer))
    return _condition(column, args)


def _fresh(outer: BaseQueryBuilder | None) -> BaseQueryBuilder:
    """What a callable argument receives: a new builder of the outer query's kind (its
    model and connection) over the outer query's table, with nothing else of its state,
    as Masonite's ``new()``: ``where_in("age", lambda q: q.select("age").where(...))``
    reads the outer table."""
    if outer is None:
        return BaseQueryBuilder()
    return outer._new(outer._subquery_state())


def _group(callback: Callable[[Any], Any], outer: BaseQueryBuilder | None = None) -> Expr:
    """``where(lambda q: q.where(...).or_where(...))`` -> one parenthesised group."""
    inner = callback(_fresh(outer))
    if not isinstance(inner, BaseQueryBuilder):
        raise QueryError("A where-group callback must return the builder it was given")
    wheres = inner._state.wheres
    if not wheres:
        raise QueryError("A where-group callback added no conditions")
    return _combine(wheres)


def _in_values(values: Any, outer: BaseQueryBuilder | None = None) -> Any:
    if callable(values) and not isinstance(values, (BaseQueryBuilder, Expr)):
        return _subquery(values, outer)
    return _to_value(values)


def _subquery(query: Any, outer: BaseQueryBuilder | None = None) -> Subquery:
    """A builder, a state or a callable given a fresh builder on the outer table."""
    if isinstance(query, Subquery):
        return query
    if isinstance(query, BaseQueryBuilder):
        return Subquery.of(query._state)
    if isinstance(query, QueryState):
        return Subquery.of(query)
    if callable(query):
        built = query(_fresh(outer))
        if isinstance(built, BaseQueryBuilder):
            return Subquery.of(built._state)
        raise QueryError(
            f"A subquery callback must return the builder it was given, got "
            f"{type(built).__name__}; a terminal such as max() or count() runs a query "
            "instead of describing one (use aggregate() in a subquery)")
    raise QueryError(f"Expected a subquery (a builder or a callable building one), got {query!r}")


#: Masonite's JoinClause kinds -> the join kind written
_JOIN_CLAUSES = {"join": "INNER", "inner": "INNER", "left": "LEFT", "left_inner": "LEFT",
                 "right": "RIGHT", "right_inner": "RIGHT", "full": "FULL", "outer": "FULL",
                 "cross": "CROSS"}


class JoinClause:
    """The ON conditions of a join: what ``join(table, lambda j: j.on(...))`` fills, or
    Masonite's object passed whole, ``join(JoinClause("contacts as c", "left").on(
    "c.user_id", "=", "users.id").on_null("c.deleted_at"))``."""

    __slots__ = ("pairs", "table", "kind")

    def __init__(self, table: Any = None, clause: str = "inner") -> None:
        self.pairs: list[tuple[str, Expr]] = []
        self.table: Any = None if table is None else _to_table(table)
        try:
            self.kind: str = _JOIN_CLAUSES[clause.lower()]
        except (KeyError, AttributeError):
            raise QueryError(f"Unknown join clause {clause!r}; expected one of "
                             f"{', '.join(_JOIN_CLAUSES)}") from None

    def on_value(self, column: str, *args: Any) -> JoinClause:
        """``on_value("c.active", 1)`` / ``on_value("c.age", ">", 18)``: a bound value."""
        self.pairs.append(("AND", _condition(column, args)))
        return self

    def or_on_value(self, column: str, *args: Any) -> JoinClause:
        self.pairs.append(("OR", _condition(column, args)))
        return self

    def on_null(self, column: str) -> JoinClause:
        self.pairs.append(("AND", IsNull.of(_to_col(column), False)))
        return self

    def on_not_null(self, column: str) -> JoinClause:
        self.pairs.append(("AND", IsNull.of(_to_col(column), True)))
        return self

    def or_on_null(self, column: str) -> JoinClause:
        self.pairs.append(("OR", IsNull.of(_to_col(column), False)))
        return self

    def or_on_not_null(self, column: str) -> JoinClause:
        self.pairs.append(("OR", IsNull.of(_to_col(column), True)))
        return self

    def on(self, left: str, op: str = "=", right: str | None = None) -> JoinClause:
        if right is None:
            op, right = "=", op
        self.pairs.append(("AND", Compare.of(_to_col(left), _operator(op), _to_col(right))))
        return self

    def or_on(self, left: str, op: str = "=", right: str | None = None) -> JoinClause:
        if right is None:
            op, right = "=", op
        self.pairs.append(("OR", Compare.of(_to_col(left), _operator(op), _to_col(right))))
        return self

    def where(self, col: Any, *args: Any) -> JoinClause:
        self.pairs.append(("AND", _cond(col, args)))
        return self

    def or_where(self, col: Any, *args: Any) -> JoinClause:
        self.pairs.append(("OR", _cond(col, args)))
        return self


_B = TypeVar("_B", bound=BaseQueryBuilder)


class _Step(Protocol):
    def __call__(self, builder: _B, index: int, value: Any, /) -> _B: ...


def _set_py(builder: _B, index: int, value: Any, /) -> _B:
    """``builder._set(index, value)``: the builder's own copy (the reference behaviour)."""
    return builder._set(index, value)


def _add_py(builder: _B, index: int, items: Any, /) -> _B:
    """``builder._set(index, state[index] + items)`` (tuples)."""
    return builder._set(index, builder._state[index] + items)


#: one builder step: the compiled copy (clickorm._speedups, one allocation per object and
#: no interpreted frame) when available, else the builder's ``_set``; both make the same
#: builder (tests/test_builder_steps.py compares them)
_set: _Step = _set_py
_add: _Step = _add_py
if speedups.compiled is not None and hasattr(speedups.compiled, "builder_set"):
    speedups.compiled.builder_state(BaseQueryBuilder.__dict__["_state"])
    _set, _add = speedups.compiled.builder_set, speedups.compiled.builder_add

__all__ = ["BaseQueryBuilder", "JoinClause", "OPERATORS"]
