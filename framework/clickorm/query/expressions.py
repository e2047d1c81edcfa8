"""Frozen expression nodes: the vocabulary both builder surfaces compile from.

Every node is a ``tuple`` subclass: immutable for real, cheap to build (the builder
makes several per query on the hot path), structurally comparable in tests. Column
references overload Python operators (``User.id > 10``), so they define ``__eq__`` to
build a comparison instead of comparing; use ``Col.same_as`` to compare two references.
Values that are not expressions are wrapped as bound parameters when compiled, never
turned into SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import itemgetter
from typing import Any, Self

from clickorm.errors import QueryError
from clickorm.query.placeholders import raw_pieces
from clickorm.query.state import QueryState
from clickorm.query.statements import check_single_statement

_tuple_new = tuple.__new__


class Expr(tuple[Any, ...]):
    """Base of all nodes. ``&``, ``|`` and ``~`` build boolean groups."""

    __slots__ = ()

    def __and__(self, other: Any) -> And:
        return And.of(self, _as_condition(other))

    def __rand__(self, other: Any) -> And:
        return And.of(_as_condition(other), self)

    def __or__(self, other: Any) -> Or:
        return Or.of(self, _as_condition(other))

    def __ror__(self, other: Any) -> Or:
        return Or.of(_as_condition(other), self)

    def __invert__(self) -> Expr:
        return Not.of(self)

    def __bool__(self) -> bool:
        # `if User.id == 3:` would otherwise be silently true; refuse it loudly
        raise QueryError(
            f"An SQL expression ({type(self).__name__}) has no truth value; combine "
            "conditions with &, | and ~ instead of and/or/not"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}{tuple.__repr__(self)}"


class Operand(Expr):
    """Nodes that can stand on either side of an operator (columns, functions, values)."""

    __slots__ = ()

    # comparisons ---------------------------------------------------------------------
    def __eq__(self, other: Any) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull.of(self, False)
        return Compare.of(self, "=", other)

    def __ne__(self, other: Any) -> Expr:  # type: ignore[override]
        if other is None:
            return IsNull.of(self, True)
        return Compare.of(self, "!=", other)

    def __lt__(self, other: Any) -> Compare:  # type: ignore[override]
        return Compare.of(self, "<", other)

    def __le__(self, other: Any) -> Compare:  # type: ignore[override]
        return Compare.of(self, "<=", other)

    def __gt__(self, other: Any) -> Compare:  # type: ignore[override]
        return Compare.of(self, ">", other)

    def __ge__(self, other: Any) -> Compare:  # type: ignore[override]
        return Compare.of(self, ">=", other)

    __hash__ = tuple.__hash__

    # arithmetic ----------------------------------------------------------------------
    def __add__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(self, "+", other)

    def __radd__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(other, "+", self)

    def __sub__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(self, "-", other)

    def __rsub__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(other, "-", self)

    def __mul__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(self, "*", other)

    def __rmul__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(other, "*", self)

    def __truediv__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(self, "/", other)

    def __mod__(self, other: Any) -> BinaryOp:
        return BinaryOp.of(self, "%", other)

    # named predicates ----------------------------------------------------------------
    def like(self, pattern: Any) -> Compare:
        return Compare.of(self, "LIKE", pattern)

    def not_like(self, pattern: Any) -> Compare:
        return Compare.of(self, "NOT LIKE", pattern)

    def ilike(self, pattern: Any) -> Compare:
        return Compare.of(self, "ILIKE", pattern)

    def in_(self, values: Any) -> InList:
        return InList.of(self, values, False)

    def not_in(self, values: Any) -> InList:
        return InList.of(self, values, True)

    def global_in(self, values: Any) -> InList:
        """ClickHouse ``GLOBAL IN`` (distributed queries)."""
        return InList.of(self, values, False, True)

    def between(self, low: Any, high: Any) -> Between:
        return _tuple_new(Between, (self, low, high, False))

    def not_between(self, low: Any, high: Any) -> Between:
        return _tuple_new(Between, (self, low, high, True))

    def is_null(self) -> IsNull:
        return IsNull.of(self, False)

    def is_not_null(self) -> IsNull:
        return IsNull.of(self, True)

    def op(self, operator: str, other: Any) -> Compare:
        """Any operator from the dialect's table, e.g. ``col.op("ILIKE", "j%")``."""
        return Compare.of(self, operator, other)

    # ordering and naming -------------------------------------------------------------
    def asc(self) -> Order:
        return _tuple_new(Order, (self, False, None))

    def desc(self) -> Order:
        return _tuple_new(Order, (self, True, None))

    def label(self, name: str) -> Alias:
        return _tuple_new(Alias, (self, name))

    as_ = label


class Col(Operand):
    """A column reference: ``Col(name, table)``; ``table`` may be None."""

    __slots__ = ()
    name = property(itemgetter(0))
    table = property(itemgetter(1))

    def __new__(cls, name: str, table: str | None = None) -> Col:
        return _tuple_new(cls, (name, table))

    def same_as(self, other: Any) -> bool:
        """Structural equality (``==`` builds SQL instead)."""
        return type(other) is type(self) and tuple.__eq__(self, other)


def column(name: str, table: str | None = None) -> Col:
    """A column reference for the expression surface: ``column("age") > 18``.

    ``column("users.age")`` splits the table prefix off.
    """
    if table is None and "." in name:
        table, _, name = name.rpartition(".")
    return Col(name, table)


class Star(Expr):
    """``*`` or ``table.*``."""

    __slots__ = ()
    table = property(itemgetter(0))

    def __new__(cls, table: str | None = None) -> Star:
        return _tuple_new(cls, (table,))


class Value(Operand):
    """An explicit bound value (operands that are not expressions become this)."""

    __slots__ = ()
    value = property(itemgetter(0))

    def __new__(cls, value: Any) -> Value:
        return _tuple_new(cls, (value,))


class Raw(Operand):
    """Raw SQL text with its own bindings (placeholders as read by
    :func:`clickorm.query.placeholders.raw_pieces`: ``?``, or Masonite's ``'?'``)."""

    __slots__ = ()
    sql = property(itemgetter(0))
    bindings = property(itemgetter(1))

    def __new__(cls, sql: str, bindings: Iterable[Any] = ()) -> Raw:
        b = tuple(bindings)
        if ";" in sql:
            check_single_statement(sql, "Raw SQL fragment", QueryError)
        raw_pieces(sql, len(b))  # checks the placeholders against the bindings
        return _tuple_new(cls, (sql, b))


def raw(sql: str, *bindings: Any) -> Raw:
    """Raw SQL for the parts the builder has no word for; values still bound with ``?``."""
    return Raw(sql, bindings)


class Compare(Expr):
    """``left op right``; ``op`` is checked against the dialect's operator table."""

    __slots__ = ()
    left = property(itemgetter(0))
    op = property(itemgetter(1))
    right = property(itemgetter(2))

    @classmethod
    def of(cls, left: Any, op: str, right: Any) -> Compare:
        return _tuple_new(cls, (left, op, right))


class BinaryOp(Operand):
    """Arithmetic: ``left + right`` and friends."""

    __slots__ = ()

    @classmethod
    def of(cls, left: Any, op: str, right: Any) -> BinaryOp:
        return _tuple_new(cls, (left, op, right))


class InList(Expr):
    """``left [NOT] [GLOBAL] IN (values | subquery)``; an empty list is always false."""

    __slots__ = ()
    left = property(itemgetter(0))
    values = property(itemgetter(1))
    negate = property(itemgetter(2))
    global_ = property(itemgetter(3))

    @classmethod
    def of(cls, left: Any, values: Any, negate: bool, global_: bool = False) -> InList:
        if not isinstance(values, (Subquery, Raw)):
            converted = _as_subquery_or_none(values)
            if converted is None:
                raise QueryError(
                    f"IN expects a list, tuple, set or a subquery, got {values!r} "
                    f"({type(values).__name__})"
                )
            values = converted
        return _tuple_new(cls, (left, values, negate, global_))


def _as_subquery_or_none(values: Any) -> Any:
    if isinstance(values, QueryState):
        return Subquery.of(values)
    state = getattr(values, "_state", None)
    if isinstance(state, QueryState):
        return Subquery.of(state)
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return None
    return tuple(values)


class Between(Expr):
    __slots__ = ()


class IsNull(Expr):
    __slots__ = ()

    @classmethod
    def of(cls, left: Any, negate: bool) -> IsNull:
        return _tuple_new(cls, (left, negate))


class _Group(Expr):
    """A flattened AND/OR of conditions: ``(a & b) & c`` is one group of three."""

    __slots__ = ()

    @classmethod
    def of(cls, *items: Any) -> Self:
        flat: list[Any] = []
        for item in items:
            if type(item) is cls:
                flat.extend(item)
            else:
                flat.append(item)
        return _tuple_new(cls, flat)


class And(_Group):
    """Conjunction of conditions (flattened)."""

    __slots__ = ()


class Or(_Group):
    """Disjunction of conditions (flattened)."""

    __slots__ = ()


class Not(Expr):
    __slots__ = ()

    @classmethod
    def of(cls, item: Any) -> Not:
        return _tuple_new(cls, (item,))


class Exists(Expr):
    """``[NOT] EXISTS (subquery)``."""

    __slots__ = ()

    @classmethod
    def of(cls, subquery: Subquery, negate: bool = False) -> Exists:
        return _tuple_new(cls, (subquery, negate))


class Subquery(Operand):
    """A nested SELECT (its state) with an optional alias."""

    __slots__ = ()
    state = property(itemgetter(0))
    alias = property(itemgetter(1))

    @classmethod
    def of(cls, state: QueryState, alias: str | None = None) -> Subquery:
        return _tuple_new(cls, (state, alias))


class Func(Operand):
    """A function call ``name(args)``, or a parametric one ``name(params)(args)``.

    ``func.quantile(0.95)`` is a Func with args only; calling it again, as in
    ``func.quantile(0.95)(User.latency)``, moves the first list to ``params``.
    """

    __slots__ = ()
    name = property(itemgetter(0))
    args = property(itemgetter(1))
    params = property(itemgetter(2))
    distinct = property(itemgetter(3))

    def __call__(self, *args: Any) -> Func:
        if self[2] is not None:
            raise QueryError(f"Function {self[0]}() already has parameters and arguments")
        return _tuple_new(Func, (self[0], args, self[1], self[3]))


_FUNC_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _FuncFactory:
    """``func.anyName(...)`` builds a Func; names are checked so they cannot inject SQL."""

    __slots__ = ()

    def __getattr__(self, name: str) -> _FuncCaller:
        if name.startswith("__"):
            raise AttributeError(name)
        if not _FUNC_NAME.match(name):
            raise QueryError(f"Invalid SQL function name {name!r}")
        return _FuncCaller(name)

    def __call__(self, name: str, *args: Any, distinct: bool = False) -> Func:
        caller = self.__getattr__(name)
        return caller(*args, distinct=distinct)


class _FuncCaller:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, distinct: bool = False) -> Func:
        return _tuple_new(Func, (self.name, args, None, distinct))


func = _FuncFactory()


class Alias(Operand):
    """``expr AS name``."""

    __slots__ = ()
    expr = property(itemgetter(0))
    name = property(itemgetter(1))


class Order(Expr):
    """``expr ASC|DESC`` with optional ``NULLS FIRST|LAST``."""

    __slots__ = ()
    expr = property(itemgetter(0))
    descending = property(itemgetter(1))

    def nulls_first(self) -> Order:
        return _tuple_new(Order, (self[0], self[1], "FIRST"))

    def nulls_last(self) -> Order:
        return _tuple_new(Order, (self[0], self[1], "LAST"))


class Join(Expr):
    """A join: kind (INNER/LEFT/RIGHT/FULL/CROSS/ARRAY), target, condition, modifiers.

    ``strictness`` holds ClickHouse's ASOF/ANY/ALL/SEMI/ANTI; ``global_`` its GLOBAL.
    """

    __slots__ = ()
    kind = property(itemgetter(0))
    table = property(itemgetter(1))
    on = property(itemgetter(2))
    using = property(itemgetter(3))
    strictness = property(itemgetter(4))
    global_ = property(itemgetter(5))

    @classmethod
    def of(
        cls,
        kind: str,
        table: Any,
        on: Any = None,
        using: tuple[str, ...] | None = None,
        strictness: str | None = None,
        global_: bool = False,
    ) -> Join:
        return _tuple_new(cls, (kind, table, on, using, strictness, global_))


class Assign(Expr):
    """``column = value`` in UPDATE ... SET (value may be an expression)."""

    __slots__ = ()

    @classmethod
    def of(cls, col: Col, value: Any) -> Assign:
        return _tuple_new(cls, (col, value))


class Table(Expr):
    """A table reference with an optional alias: ``users AS u``."""

    __slots__ = ()
    name = property(itemgetter(0))
    alias = property(itemgetter(1))

    def __new__(cls, name: str, alias: str | None = None) -> Table:
        return _tuple_new(cls, (name, alias))


def table(name: str) -> Table:
    """``table("users as u")`` -> Table("users", "u")."""
    low = name.lower()
    if " as " in low:
        idx = low.index(" as ")
        return Table(name[:idx].strip(), name[idx + 4 :].strip())
    return Table(name, None)


def _as_condition(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    raise QueryError(
        f"Cannot combine a condition with {value!r} ({type(value).__name__}); "
        "both sides of & and | must be conditions such as User.age > 18"
    )
