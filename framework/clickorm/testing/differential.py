"""Differential property tests: generated filters, orderings, groupings and writes over
generated rows with NULLs, run by the ORM on a connection and by a plain-Python reference
of the ORM's documented semantics, which must agree.

The reference is SQL's three-valued logic (a NULL compares to nothing; ``WHERE`` keeps
only true rows), NULLs sorting last both ways, case-sensitive ``LIKE`` with backslash
escapes. Where the README's "Where dialects differ" says an engine answers differently,
:class:`Engine` models that engine's documented answer; nothing is skipped. Queries are
hypothesis strategies (:func:`reads`, :func:`writes`); the rows are fixed per seed
(:func:`make_rows`) so a table is filled once and asked many questions.
"""

from __future__ import annotations

import datetime
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from hypothesis import strategies as st

from clickorm import types
from clickorm.model import Model
from clickorm.model.builder import QueryBuilder
from clickorm.model.column import Column

__all__ = [
    "COLUMNS", "SQL", "Engine", "Read", "Row", "Write", "check_read",
    "check_write", "make_model", "make_rows", "reads", "table_rows", "writes",
]

#: the model's columns in table order
COLUMNS = ("id", "n", "k", "s", "t", "f", "d", "b")
NULLABLE = frozenset({"n", "s"})
Row = tuple[Any, ...]  # one value per COLUMNS entry


@dataclass(frozen=True)
class Engine:
    """How one engine answers where the README's "Where dialects differ" says they differ."""

    name: str
    #: AND/OR are three-valued (Kleene); False is 18.16: ``NULL AND x`` is NULL, and
    #: ``NULL OR x`` reads the NULL as 0 (so ``NULL OR NULL`` is 0, not NULL)
    kleene: bool
    #: ``[NOT] IN`` with NULLs: "sql" (a NULL in the list makes a miss NULL), "ignore"
    #: (a NULL in the list is ignored; a NULL value is NULL), "not_in" (a NULL in the list
    #: is ignored; a NULL value is not IN, so NOT IN keeps it)
    null_in: str
    #: ``ILIKE`` folds non-ASCII letters (SQLite's ``lower`` is ASCII-only)
    ilike_unicode: bool


#: SQL's answers (SQLite's); a dialect's tests make the Engine of their engine
SQL = Engine("sql", kleene=True, null_in="sql", ilike_unicode=False)


# -- the model and its rows ---------------------------------------------------------------------
def make_model(table: str, meta: Mapping[str, Any] | None = None) -> type[Model]:
    """A model over ``table``: Nullable(Int64) ``n``, Int64 ``k``, Nullable(String) ``s``,
    LowCardinality(String) ``t``, Float64 ``f``, Date ``d``, bool ``b``; ``meta`` adds
    Meta attributes (a ClickHouse engine and ORDER BY)."""
    body: dict[str, Any] = {
        "__annotations__": {
            "id": int, "n": int | None, "k": int, "s": str | None,
            "t": Annotated[str, types.LowCardinality], "f": float, "d": datetime.date,
            "b": bool,
        },
        "__module__": __name__,
        "id": Column(primary_key=True, autoincrement=False),
        "n": None,
        "s": None,
        "Meta": type("Meta", (), {"table_name": table, **dict(meta or {})}),
    }
    return type("DiffRow", (Model,), body)


_N = (None, None, None, -7, -1, 0, 1, 3, 3, 2**40)
_K = (-3, -1, 0, 0, 2, 5, 100)
# case twins, LIKE's wildcards and escape inside the data, non-ASCII letters; no letter
# whose lower case is more than one character or differs between Unicode versions
_S = (None, None, None, "", "a", "A", "ab", "aB", "a_b", "a%b", "b", "ba", "Äb", "äb",
      "x\\y")
_T = ("", "", "a", "A", "ab", "b", "Ab", "é", "É", "a b")
_F = (-1.5, -0.25, 0.0, 0.5, 1.0, 2.25, 1e10)
_D = (datetime.date(1970, 1, 2), datetime.date(1999, 12, 31), datetime.date(2000, 1, 1),
      datetime.date(2020, 2, 29), datetime.date(2100, 1, 1))
_B = (False, True)
POOLS: Mapping[str, tuple[Any, ...]] = {"n": _N, "k": _K, "s": _S, "t": _T, "f": _F,
                                        "d": _D, "b": _B}
#: values conditions compare with: the data's and some the data does not hold
VALUES: Mapping[str, tuple[Any, ...]] = {
    "id": (1, 2, 5, 13, 40),
    "n": (-7, -2, 0, 1, 3, 2**40),
    "k": (-3, -2, 0, 2, 5, 100),
    "s": ("", "a", "A", "ab", "a_b", "b", "c", "Äb"),
    "t": ("", "a", "A", "ab", "b", "é", "z"),
    "f": (-1.5, -1.0, 0.0, 0.5, 1, 2.25, 1e10),
    "d": _D + (datetime.date(2000, 1, 2),),
    "b": _B,
}


def make_rows(seed: int, count: int = 40) -> list[Row]:
    """``count`` rows from the pools: NULLs, duplicates (every fifth row repeats an
    earlier row's values), ties, empty strings and negative numbers."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for i in range(1, count + 1):
        if i % 5 == 0:
            rows.append((i, *rng.choice(rows)[1:]))
        else:
            rows.append((i, *(rng.choice(POOLS[c]) for c in COLUMNS[1:])))
    return rows


def table_rows(model: type[Model], connection: Any) -> list[Row]:
    """The whole table through the ORM, ordered by id, as tuples of typed values."""
    found = model.query.on(connection).order_by("id").get()
    return [tuple(getattr(r, c) for c in COLUMNS) for r in found]


# -- three-valued logic ---------------------------------------------------------------------------
Truth = bool | None


def _and(engine: Engine, a: Truth, b: Truth) -> Truth:
    if not engine.kleene:  # 18.16: any NULL makes AND NULL (README: `NULL AND 0`)
        return None if a is None or b is None else (a and b)
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(engine: Engine, a: Truth, b: Truth) -> Truth:
    if not engine.kleene:  # 18.16: OR reads a NULL as 0
        return bool(a) or bool(b)
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a: Truth) -> Truth:
    return None if a is None else not a


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


# -- conditions -------------------------------------------------------------------------------
_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b), "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b), "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b), ">=": lambda a, b: bool(a >= b),
}


@dataclass(frozen=True)
class Cmp:
    col: str
    op: str
    value: Any

    def apply(self, q: Any, conj: str) -> Any:
        return (q.where if conj == "AND" else q.or_where)(self.col, self.op, self.value)

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        v = row[self.col]
        return None if v is None else _OPS[self.op](v, self.value)


@dataclass(frozen=True)
class In:
    col: str
    values: tuple[Any, ...]
    negated: bool

    def apply(self, q: Any, conj: str) -> Any:
        name = ("or_" if conj == "OR" else "") + ("where_not_in" if self.negated else "where_in")
        return getattr(q, name)(self.col, list(self.values))

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        v = row[self.col]
        if not self.values:  # written as a constant (1 = 0): no NULL reaches it
            return self.negated
        present = [x for x in self.values if x is not None]
        hit: Truth
        if v is None:
            # README: NOT IN with a NULL value is left out, but kept on 18.16
            hit = False if engine.null_in == "not_in" else None
        elif v in present:
            hit = True
        elif engine.null_in == "sql" and len(present) < len(self.values):
            hit = None  # README: a NULL in the list makes SQLite's NOT IN match nothing
        else:
            hit = False  # README: ClickHouse ignores a NULL in the list
        return _not(hit) if self.negated else hit


@dataclass(frozen=True)
class IsNull:
    col: str
    negated: bool

    def apply(self, q: Any, conj: str) -> Any:
        name = ("or_" if conj == "OR" else "") + ("where_not_null" if self.negated
                                                  else "where_null")
        return getattr(q, name)(self.col)

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        return (row[self.col] is not None) if self.negated else (row[self.col] is None)


@dataclass(frozen=True)
class Between:
    col: str
    low: Any
    high: Any

    def apply(self, q: Any, conj: str) -> Any:
        if conj == "AND":
            return q.where_between(self.col, self.low, self.high)
        return q.or_where(lambda g: g.where_between(self.col, self.low, self.high))

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        v = row[self.col]
        return None if v is None else bool(self.low <= v <= self.high)


@dataclass(frozen=True)
class Like:
    col: str
    pattern: str
    negated: bool
    ignore_case: bool

    def apply(self, q: Any, conj: str) -> Any:
        if self.ignore_case:
            op = "NOT ILIKE" if self.negated else "ILIKE"
            return (q.where if conj == "AND" else q.or_where)(self.col, op, self.pattern)
        if conj == "OR":
            return q.or_where(self.col, "NOT LIKE" if self.negated else "LIKE", self.pattern)
        return (q.where_not_like if self.negated else q.where_like)(self.col, self.pattern)

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        v = row[self.col]
        if v is None:
            return None
        pattern = self.pattern
        if self.ignore_case:
            # README: SQLite's ILIKE folds ASCII letters only
            fold = str.lower if engine.ilike_unicode else _ascii_lower
            v, pattern = fold(v), fold(pattern)
        hit = _like_regex(pattern).fullmatch(v) is not None
        return not hit if self.negated else hit


@dataclass(frozen=True)
class Group:
    """``where(lambda q: ...)``: the chain inside is one parenthesised condition."""

    chain: tuple[tuple[str, Any], ...]

    def apply(self, q: Any, conj: str) -> Any:
        def inner(g: Any) -> Any:
            return apply_chain(g, self.chain)
        return (q.where if conj == "AND" else q.or_where)(inner)

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        return chain_truth(self.chain, row, engine)


@dataclass(frozen=True)
class Negated:
    """``where_not(...)`` of a comparison or a group (``NOT (...)``)."""

    item: Cmp | Group

    def apply(self, q: Any, conj: str) -> Any:
        if conj == "OR":
            return q.or_where(lambda g: self.apply(g, "AND"))
        item = self.item
        if isinstance(item, Cmp):
            return q.where_not(item.col, item.op, item.value)
        return q.where_not(lambda g: apply_chain(g, item.chain))

    def truth(self, row: Mapping[str, Any], engine: Engine) -> Truth:
        return _not(self.item.truth(row, engine))


Cond = Cmp | In | IsNull | Between | Like | Group | Negated
Chain = tuple[tuple[str, Cond], ...]


def apply_chain(q: Any, chain: Chain) -> Any:
    for conj, cond in chain:
        q = cond.apply(q, conj)
    return q


def chain_truth(chain: Chain, row: Mapping[str, Any], engine: Engine) -> Truth:
    """``a AND b OR c`` with AND binding tighter; the first conjunction is ignored."""
    result: Truth = None
    term: Truth = None
    first = True
    for i, (conj, cond) in enumerate(chain):
        value = cond.truth(row, engine)
        if i == 0:
            term = value
        elif conj == "AND":
            term = _and(engine, term, value)
        else:
            result = term if first else _or(engine, result, term)
            first = False
            term = value
    return term if first else _or(engine, result, term)


def matching(rows: Sequence[Row], chain: Chain, engine: Engine) -> list[Row]:
    if not chain:
        return list(rows)
    return [r for r in rows if chain_truth(chain, dict(zip(COLUMNS, r, strict=True)), engine) is True]


# -- strategies -------------------------------------------------------------------------------
_ORDERED = ("id", "n", "k", "s", "t", "f", "d", "b")


def _value(col: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(VALUES[col])


_like_piece = st.sampled_from(["a", "A", "b", "%", "_", "\\%", "\\_", "\\\\", "Ä", "ä",
                               "é", " "])
_pattern = st.lists(_like_piece, max_size=4).map("".join)
_text_col = st.sampled_from(("s", "t"))


@st.composite
def _cmp(draw: st.DrawFn) -> Cmp:
    col = draw(st.sampled_from(_ORDERED))
    return Cmp(col, draw(st.sampled_from(tuple(_OPS))), draw(_value(col)))


@st.composite
def _leaf(draw: st.DrawFn) -> Cond:
    kind = draw(st.sampled_from(("cmp", "cmp", "in", "null", "between", "like")))
    if kind == "cmp":
        return draw(_cmp())
    if kind == "in":
        col = draw(st.sampled_from(_ORDERED))
        values = draw(st.lists(st.one_of(_value(col), st.just(None)), max_size=3))
        return In(col, tuple(values), draw(st.booleans()))
    if kind == "null":
        return IsNull(draw(st.sampled_from(_ORDERED)), draw(st.booleans()))
    if kind == "between":
        col = draw(st.sampled_from(_ORDERED))
        low, high = draw(_value(col)), draw(_value(col))
        return Between(col, low, high)
    return Like(draw(_text_col), draw(_pattern), draw(st.booleans()), draw(st.booleans()))


def _chain(cond: st.SearchStrategy[Cond], max_size: int) -> st.SearchStrategy[Chain]:
    pair = st.tuples(st.sampled_from(("AND", "AND", "OR")), cond)
    return st.lists(pair, min_size=1, max_size=max_size).map(tuple)


def _cond(depth: int) -> st.SearchStrategy[Cond]:
    if depth == 0:
        return _leaf()
    inner = _cond(depth - 1)
    group = _chain(inner, 3).map(Group)
    negated = st.one_of(_cmp(), group).map(Negated)
    return st.one_of(_leaf(), _leaf(), group, negated)


#: a WHERE chain (maybe empty) with groups two levels deep
chains: st.SearchStrategy[Chain] = st.one_of(_chain(_cond(2), 4), _chain(_cond(1), 3),
                                             st.just(()))


@dataclass(frozen=True)
class Read:
    """One generated question: a WHERE chain and what is asked of the rows it keeps."""

    chain: Chain
    kind: str
    column: str = "id"
    orders: tuple[tuple[str, bool], ...] = ()
    limit: int | None = None
    offset: int | None = None
    keys: tuple[int, ...] = ()


_AGGREGATED = ("n", "k", "f")  # sum/avg; min/max take every column


@st.composite
def reads(draw: st.DrawFn) -> Read:
    """A generated read: rows in an order (with limit/offset), pluck, count, an aggregate,
    distinct count, group count, exists or find."""
    chain = draw(chains)
    kind = draw(st.sampled_from(("get", "get", "pluck", "count", "count_column", "sum",
                                 "avg", "min", "max", "distinct_count", "group_count",
                                 "group_counts", "exists", "find", "find_many")))
    orders = tuple(draw(st.lists(st.tuples(st.sampled_from(_ORDERED[1:]), st.booleans()),
                                 max_size=3)))
    column = draw(st.sampled_from(_AGGREGATED if kind in ("sum", "avg") else
                                  ("n", "k", "s", "t") if kind == "group_counts" else
                                  COLUMNS))
    limit = draw(st.one_of(st.none(), st.integers(0, 12)))
    offset = draw(st.one_of(st.none(), st.integers(0, 12)))
    keys = tuple(draw(st.lists(st.integers(0, 45), min_size=1, max_size=4)))
    return Read(chain, kind, column, orders, limit, offset, keys)


def _sort_key(orders: Sequence[tuple[str, bool]]) -> Callable[[Row], Any]:
    """The documented order: each column with NULLs last (both ways), then id."""
    index = {c: i for i, c in enumerate(COLUMNS)}

    def key(row: Row) -> Any:
        parts: list[Any] = []
        for col, desc in orders:
            v = row[index[col]]
            parts.append((1, _Desc(None)) if v is None else (0, _Desc(v) if desc else v))
        parts.append(row[0])
        return tuple(parts)
    return key


class _Desc:
    """Reverses the order of the value it wraps."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(other.value == self.value)

    __hash__ = None  # type: ignore[assignment]


def _ordered(q: Any, read: Read) -> Any:
    for col, desc in read.orders:
        q = q.order_by(col, "desc" if desc else "asc")
    q = q.order_by("id")  # a total order: ties broken by the primary key
    if read.limit is not None:
        q = q.limit(read.limit)
    if read.offset is not None:
        q = q.offset(read.offset)
    return q


def _window(rows: list[Row], read: Read) -> list[Row]:
    rows = sorted(rows, key=_sort_key(read.orders))
    start = read.offset or 0
    return rows[start:] if read.limit is None else rows[start:start + read.limit]




def _aggregate(values: list[Any], fn: str, column: str, engine: Engine) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None  # no values: None on every engine (the ORM also counts the values)
    if fn == "sum":
        return sum(present) if column != "f" else math.fsum(present)
    if fn == "avg":
        return math.fsum(present) / len(present)
    return min(present) if fn == "min" else max(present)


def run_read(model: type[Model], connection: Any, read: Read) -> Any:
    """Ask the ORM."""
    q = apply_chain(model.query.on(connection), read.chain)
    kind, col = read.kind, read.column
    if kind == "get":
        return [tuple(getattr(r, c) for c in COLUMNS) for r in _ordered(q, read).get()]
    if kind == "pluck":
        return list(_ordered(q, read).pluck(col))
    if kind == "count":
        return q.count()
    if kind == "count_column":
        return q.count(col)
    if kind in ("sum", "avg", "min", "max"):
        return getattr(q, kind)(col)
    if kind == "distinct_count":
        return q.distinct().count(col)
    if kind == "group_count":
        return q.group_by(col).count()
    if kind == "group_counts":
        # dict rows of raw values: int and str columns only (README: what the ORM cannot type)
        plain: QueryBuilder[dict[str, Any]] = QueryBuilder(model.__table_name__,
                                                           connection=connection)
        grouped = apply_chain(plain, read.chain).select(col).select_raw("count(*) AS c")
        return Counter((r[col], r["c"]) for r in grouped.group_by(col).get())
    if kind == "exists":
        return q.exists()
    if kind == "find":
        found = q.find(read.keys[0])
        return None if found is None else tuple(getattr(found, c) for c in COLUMNS)
    if kind == "find_many":
        return sorted(tuple(getattr(r, c) for c in COLUMNS) for r in q.find(list(read.keys)))
    raise AssertionError(kind)


def reference_read(rows: Sequence[Row], read: Read, engine: Engine) -> Any:
    """Answer ``read`` from ``rows`` in Python."""
    kept = matching(rows, read.chain, engine)
    kind, col = read.kind, read.column
    i = COLUMNS.index(col)
    if kind == "get":
        return _window(kept, read)
    if kind == "pluck":
        return [r[i] for r in _window(kept, read)]
    if kind == "count":
        return len(kept)
    if kind == "count_column":
        return sum(1 for r in kept if r[i] is not None)
    if kind in ("sum", "avg", "min", "max"):
        return _aggregate([r[i] for r in kept], kind, col, engine)
    if kind == "distinct_count":
        return len({r[i] for r in kept if r[i] is not None})
    if kind == "group_count":
        return len({r[i] for r in kept})  # NULLs are one group
    if kind == "group_counts":
        return Counter(Counter(r[i] for r in kept).items())
    if kind == "exists":
        return bool(kept)
    if kind == "find":
        return next((r for r in kept if r[0] == read.keys[0]), None)
    if kind == "find_many":
        return sorted(r for r in kept if r[0] in read.keys)
    raise AssertionError(kind)


def same(got: Any, want: Any) -> bool:
    """Equal, with the same types (a date is a date, a bool a bool); floats of sums and
    averages within rounding, NaN equal to NaN."""
    if isinstance(want, float) and isinstance(got, float):
        if math.isnan(want) or math.isnan(got):
            return math.isnan(want) and math.isnan(got)
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    if type(got) is not type(want):
        return False
    if isinstance(want, (list, tuple)):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want, strict=True))
    return bool(got == want)


def check_read(model: type[Model], connection: Any, rows: Sequence[Row], read: Read,
               engine: Engine) -> None:
    """Raise AssertionError (with the query) when the ORM and the reference disagree."""
    got = run_read(model, connection, read)
    want = reference_read(rows, read, engine)
    if not same(got, want):
        q = _ordered(apply_chain(model.query.on(connection), read.chain), read)
        raise AssertionError(f"{engine.name}: {read}\n  sql: {q.to_sql()}\n"
                             f"  got:  {got!r}\n  want: {want!r}")


# -- writes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Write:
    """``update({column: value})`` or ``delete()`` of the rows a chain keeps."""

    chain: Chain
    column: str | None  # None: delete
    value: Any = None


_UPDATABLE = ("n", "k", "s", "t", "f", "d", "b")  # not id: it is the sorting key


@st.composite
def writes(draw: st.DrawFn) -> Write:
    chain = draw(chains)
    if draw(st.integers(0, 2)) == 0:
        return Write(chain, None)
    col = draw(st.sampled_from(_UPDATABLE))
    value = draw(st.one_of(_value(col), st.just(None)) if col in NULLABLE else _value(col))
    if col == "f" and value is not None:
        value = float(value)  # an int in VALUES["f"] compares, but the field stores a float
    return Write(chain, col, value)


def check_write(model: type[Model], connection: Any, rows: Sequence[Row], write: Write,
                engine: Engine, counts: bool) -> None:
    """Run ``write`` on a table holding ``rows`` and compare the whole table after it;
    ``counts``: the engine reports the rows changed (else the result is None)."""
    q = apply_chain(model.query.on(connection), write.chain)
    hit = {r[0] for r in matching(rows, write.chain, engine)}
    if write.column is None:
        result = q.delete()
        want = [r for r in rows if r[0] not in hit]
    else:
        result = q.update({write.column: write.value})
        i = COLUMNS.index(write.column)
        want = [r[:i] + (write.value,) + r[i + 1:] if r[0] in hit else r for r in rows]
    got = table_rows(model, connection)
    expected_result = len(hit) if counts else None
    if not same(got, want) or result != expected_result:
        differ = sorted(set(got) ^ set(want), key=lambda r: (r[0], repr(r)))
        raise AssertionError(f"{engine.name}: {write}\n  sql: {_write_sql(q, write)}\n"
                             f"  result: {result!r} (want {expected_result!r})\n"
                             f"  rows only in the table or only in the reference: {differ!r}")


def _write_sql(q: Any, write: Write) -> str:
    if write.column is None:
        return str(q.delete(dry=True).to_sql())
    return str(q.update({write.column: write.value}, dry=True).to_sql())
