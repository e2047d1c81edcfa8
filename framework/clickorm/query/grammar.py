"""BaseGrammar: compiles a QueryState into ``Compiled(sql, params)``.

One pass over the state into one :class:`SQLWriter`: visitors write SQL text, and
``bind`` writes a value's placeholder and appends the value in the same call, so the
params are in the order of their placeholders in every paramstyle, and no value ever
becomes SQL text. A dialect overrides small pieces: its :class:`IdentifierPreparer`
(quoting and literals, shared with its platform), the operator/function tables, the
clause order, the placeholder style, and one method per construct that differs. The
visitor dispatch and the clause walk are built once per grammar class. A construct the
dialect lacks (its capability flag is absent) raises a ``QueryError`` naming it.

``paramstyle="inline"`` writes values as escaped literals instead: that is what
``to_sql()`` uses, for reading only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any, ClassVar

from clickorm import speedups
from clickorm.errors import QueryError
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import (
    Alias,
    And,
    Assign,
    Between,
    BinaryOp,
    Col,
    Compare,
    Exists,
    Func,
    InList,
    IsNull,
    Join,
    Not,
    Or,
    Order,
    Raw,
    Star,
    Subquery,
    Table,
    Value,
)
from clickorm.query.placeholders import raw_pieces
from clickorm.query.preparer import IdentifierPreparer
from clickorm.query.state import EMPTY_EXTRAS, EXTRA, EXTRA_FIELDS, FIELDS, HOT_INDEX, QueryState
from clickorm.query.writer import SQLWriter, new_writer

_tuple_new = tuple.__new__

#: Python types that every driver binds as they are; others go through ``adapt``
_NATIVE_PARAM_TYPES: frozenset[type] = frozenset({int, float, str, type(None), bytes})
_PYFORMAT = [f"%(p{i})s" for i in range(256)]
_NAMED = [f":p{i}" for i in range(256)]
_PARAM_NAMES = [f"p{i}" for i in range(256)]
_QMARKS = ("?",) * 256
#: the base binder per paramstyle and the n-th placeholder it writes for a plain value
_PLAIN_PLACEHOLDERS = {"qmark": ("bind_qmark", _QMARKS), "pyformat": ("bind_pyformat", _PYFORMAT),
                       "named": ("bind_named", _NAMED)}
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_QMARK_LISTS = [", ".join("?" * n) for n in range(64)]
_CONJUNCTIONS = {"AND": " AND ", "OR": " OR "}

#: the compiled plain-conditions writer (see ``BaseGrammar.conditions``), or None
_compiled_conditions: Callable[..., int] | None = None
if speedups.compiled is not None and hasattr(speedups.compiled, "conditions"):
    speedups.compiled.condition_types(Col, Compare, InList)
    _compiled_conditions = speedups.compiled.conditions

#: node type -> the visitor method compiling it (resolved per grammar class)
VISITORS: Mapping[type, str] = {
    Col: "visit_col",
    Compare: "visit_compare",
    InList: "visit_in",
    IsNull: "visit_is_null",
    Between: "visit_between",
    And: "visit_and",
    Or: "visit_or",
    Not: "visit_not",
    Exists: "visit_exists",
    Raw: "visit_raw",
    Func: "visit_func",
    Alias: "visit_alias",
    BinaryOp: "visit_binary",
    Star: "visit_star",
    Subquery: "visit_subquery",
    Value: "visit_value",
    Order: "visit_order",
    Table: "visit_table",
}
#: clauses that are always called (they decide themselves whether to write anything);
#: every other clause is called only when the state field of its name is set
_ALWAYS_CALLED = frozenset({"select", "from", "limit", "groups"})

Visitor = Callable[[Any, Any, SQLWriter], None]
Clause = Callable[[Any, QueryState, SQLWriter], None]


def _param_name(i: int) -> str:
    return _PARAM_NAMES[i] if i < 256 else f"p{i}"


def _havings_on_aliases(state: QueryState) -> tuple[tuple[str, Any], ...]:
    """HAVING conditions whose column names a selected alias compare that alias's
    expression. Dialects resolve such a name differently when it is also a column of
    the table (``aggregate("avg", "salary")`` is ``avg(salary) AS salary``): some read
    the column, others the alias; a grammar whose dialect reads the column writes the
    expression, so the alias's meaning (Masonite's) holds on every dialect."""
    aliases = {c[1]: c[0] for c in state.columns if type(c) is Alias}
    if not aliases:
        return state.havings  # type: ignore[no-any-return]
    out = []
    for conj, cond in state.havings:
        if type(cond) in (Compare, IsNull, Between, InList):
            left = cond[0]
            if type(left) is Col and left[1] is None and left[0] in aliases:
                cond = _tuple_new(type(cond), (aliases[left[0]], *cond[1:]))
        out.append((conj, cond))
    return tuple(out)


class BaseGrammar:
    """The shared DML compiler. Subclasses change tables and a few methods."""

    #: the dialect name, used in error messages
    name: ClassVar[str] = "base"
    #: how this dialect quotes identifiers and writes literals (shared with its platform)
    preparer_class: ClassVar[type[IdentifierPreparer]] = IdentifierPreparer
    #: SQL spelling of each normalised operator this dialect accepts (an instance may
    #: narrow it to its server version's operators, so it is not a ClassVar)
    operators: Mapping[str, str] = {
        "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
        "LIKE": "LIKE", "NOT LIKE": "NOT LIKE",
        "+": "+", "-": "-", "*": "*", "/": "/", "%": "%",
    }
    #: where NULLs sort when an ORDER BY term does not say: ``"LAST"`` renders
    #: ``NULLS LAST`` (ClickORM's documented order: NULLs after every value, ascending
    #: or descending); None for a dialect whose own default already is that order
    default_nulls: ClassVar[str | None] = None
    #: function renames (``func.name`` -> dialect spelling); others pass through
    functions: ClassVar[Mapping[str, str]] = {}
    #: SELECT clauses in the order this dialect's parser wants them
    select_clauses: ClassVar[tuple[str, ...]] = (
        "ctes", "select", "from", "final", "sample", "array_joins", "joins", "prewheres",
        "wheres", "groups", "havings", "unions", "orders", "limit_by", "limit", "settings",
    )
    #: the capability each optional construct needs (absent -> QueryError)
    construct_capability: ClassVar[Mapping[str, str]] = {
        "final": "final", "sample": "sample", "prewheres": "prewhere",
        "array_joins": "array_join", "limit_by": "limit_by", "settings": "settings",
        "ctes": "cte", "unions": "union", "group_modifier": "with_totals",
    }
    construct_names: ClassVar[Mapping[str, str]] = {
        "final": "FINAL", "sample": "SAMPLE", "prewheres": "PREWHERE",
        "array_joins": "ARRAY JOIN", "limit_by": "LIMIT BY", "settings": "SETTINGS",
        "ctes": "WITH (CTE)", "unions": "UNION", "group_modifier": "WITH TOTALS/ROLLUP/CUBE",
    }

    # built once per class by ``_build_tables`` (never per instance or per call)
    _dispatch: ClassVar[dict[type, Visitor]]
    #: the SELECT clause walk: (field getter or None = always, clause function)
    _select_walk: ClassVar[tuple[tuple[Callable[[QueryState], Any] | None, Clause], ...]]
    #: the same walk without the clauses of the rare fields (for states whose rare
    #: fields are all empty, where those clauses would write nothing)
    _select_walk_common: ClassVar[tuple[tuple[int, Clause], ...]]
    _plain_cols: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._build_tables()

    @classmethod
    def _build_tables(cls) -> None:
        """The visitor dispatch and the SELECT clause walk of this class (its overrides)."""
        cls._dispatch = {node: getattr(cls, method) for node, method in VISITORS.items()}
        #: a Col compiles to ``col_sql``'s text (the base visitor): loops may write it
        cls._plain_cols = cls._dispatch[Col] is BaseGrammar.visit_col
        walk = []
        for clause in cls.select_clauses:
            fn = getattr(cls, f"clause_{clause}")
            test = None if clause in _ALWAYS_CALLED or clause not in FIELDS else attrgetter(
                clause)
            walk.append((clause, test, fn))
        cls._select_walk = tuple((test, fn) for _, test, fn in walk)
        # the common walk tests hot fields by their slot (HOT_INDEX), -1 = always called
        # (GROUP BY is keyed on its hot field here: its modifier is a rare field)
        cls._select_walk_common = tuple(
            (HOT_INDEX[clause] if clause in HOT_INDEX and clause != "limit" else -1, fn)
            for clause, _, fn in walk if clause not in EXTRA_FIELDS
        )

    def __init__(
        self,
        *,
        paramstyle: str = "qmark",
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
    ) -> None:
        self.paramstyle = paramstyle
        self.server_version = server_version
        self.capabilities = capabilities
        self.preparer = self.preparer_class(server_version)
        self._quoted: dict[Any, str] = {}
        self._quoted_tables: dict[str, str] = {}
        # '%' is the driver's substitution marker under pyformat, so text must double it
        self._escape_pct = paramstyle == "pyformat"
        # qmark with the base binder: hot paths append plain values and write "?" inline
        self._plain_qmark = (paramstyle == "qmark"
                             and type(self).bind_qmark is BaseGrammar.bind_qmark)
        #: the params are the plain tuple the base's ``finish_params`` makes for qmark
        self._tuple_params = (paramstyle == "qmark"
                              and type(self).finish_params is BaseGrammar.finish_params)
        self._from_sql: dict[Any, str] = {}
        #: exact type -> the n-th placeholder's text, for values bound unchanged
        self._placeholders: Mapping[type, Sequence[str]] = self.placeholder_tables()
        #: the compiled writer of plain comparisons and IN lists (clickorm._speedups):
        #: what visit_compare/visit_in write on their table path, for grammars that keep them
        self._plain_conditions = _compiled_conditions if (
            _compiled_conditions is not None and self._placeholders
            and all(getattr(type(self), name) is getattr(BaseGrammar, name)
                    for name in ("visit_compare", "visit_in", "col_sql"))) else None
        binders: dict[str, Callable[[SQLWriter, Any], None]] = {
            "qmark": self.bind_qmark,
            "pyformat": self.bind_pyformat,
            "named": self.bind_named,
            "inline": self.bind_inline,
            "server": self.bind_server,
        }
        try:
            #: write ``value``'s placeholder and append the value, in one call
            self.bind: Callable[[SQLWriter, Any], None] = binders[paramstyle]
        except KeyError:
            raise QueryError(
                f"Unknown paramstyle {paramstyle!r} for the {self.name} grammar; "
                f"expected one of {', '.join(binders)}"
            ) from None

    # ------------------------------------------------------------------ entry point --
    def compile(self, state: QueryState) -> Compiled:
        w = new_writer()
        if state[EXTRA] is EMPTY_EXTRAS:  # a plain SELECT: no lock, no write action
            self.compile_select(state, w)
            params = w.params
            return _tuple_new(Compiled, ("".join(w), tuple(params) if self._tuple_params
                                         else self.finish_params(params)))
        action = state.extra.action
        if action == "select":
            self.compile_select(state, w)
            if state.extra is not EMPTY_EXTRAS and state.option("lock") is not None:
                self.compile_lock(state.option("lock"), w)
        elif action == "update":
            self.compile_update(state, w)
        elif action == "delete":
            self.compile_delete(state, w)
        elif action == "insert":
            self.compile_insert(state, w)
        else:
            raise QueryError(f"Unknown query action {action!r}")
        return _tuple_new(Compiled, ("".join(w), self.finish_params(w.params)))

    def finish_params(self, params: list[Any]) -> Any:
        """The params object the driver wants: a tuple, or a dict for named styles."""
        if self.paramstyle == "qmark":
            return tuple(params)
        if self.paramstyle == "inline":
            return ()
        if len(params) <= 256:
            # p0, p1, ... in one C-level step (the names outnumber the params)
            return dict(zip(_PARAM_NAMES, params))  # noqa: B905 - more names than params
        return {_param_name(i): v for i, v in enumerate(params)}

    # ------------------------------------------------------------------ quoting --------
    def quote(self, name: str) -> str:
        """Quote one identifier (cached per grammar); NUL is refused, never passed on."""
        q = self._quoted.get(name)
        if q is None:
            q = self.preparer.quote(name)
            if self._escape_pct:
                q = q.replace("%", "%%")
            self._quoted[name] = q
        return q

    def quote_table(self, name: str) -> str:
        """``db.table`` is quoted part by part."""
        q = self._quoted_tables.get(name)
        if q is None:
            q = ".".join(self.quote(p) for p in name.split(".")) if "." in name else self.quote(name)
            self._quoted_tables[name] = q
        return q

    def text(self, sql: str) -> str:
        """Raw SQL text as written into the statement (pyformat doubles '%')."""
        return sql.replace("%", "%%") if self._escape_pct else sql

    def literal(self, value: Any) -> str:
        """``value`` as this dialect's SQL literal (the preparer's, as the platform's)."""
        return self.preparer.literal(value)

    def quote_string(self, text: str) -> str:
        return self.preparer.quote_string(text)

    # ------------------------------------------------------------------ binding --------
    def adapt(self, value: Any) -> Any:
        """Convert a Python value the driver cannot bind as is (dialects extend this)."""
        if isinstance(value, enum.Enum):
            return value.value
        return value

    def placeholder_tables(self) -> Mapping[type, Sequence[str]]:
        """The text of the n-th placeholder (n < 256), by a value's exact type, for the
        types this grammar's binder appends unchanged with that text.

        Hot paths (a column compared with a value, an IN list) write these without a call
        to ``bind``; an int uses its table only within the signed 64-bit range. The
        default covers the plain types under qmark, pyformat and named with the base
        binders; a grammar that overrides its binder gets none unless it declares them.
        """
        plain = _PLAIN_PLACEHOLDERS.get(self.paramstyle)
        if plain is None:
            return {}
        binder, table = plain
        if getattr(type(self), binder) is not getattr(BaseGrammar, binder):
            return {}
        return dict.fromkeys(_NATIVE_PARAM_TYPES, table)

    def placeholder_list(self, values: Sequence[Any], n: int) -> str | None:
        """The placeholders of ``values`` bound from index ``n``, comma-separated, when
        they are all of one type with a table (else None: bind them one by one)."""
        k = len(values)
        if not k or n + k > 256:
            return None
        types = set(map(type, values))
        if len(types) != 1:
            return None
        t = types.pop()
        table = self._placeholders.get(t)
        if table is None or (t is int and (min(values) < _INT64_MIN
                                           or max(values) > _INT64_MAX)):
            return None
        return ", ".join(table[n:n + k])

    def bind_qmark(self, w: SQLWriter, value: Any) -> None:
        w.params.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        w.write("?")

    def bind_pyformat(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        w.write(_PYFORMAT[n] if n < 256 else f"%(p{n})s")

    def bind_named(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        w.write(_NAMED[n] if n < 256 else f":p{n}")

    def bind_server(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        w.write("{" + _param_name(n) + ":" + self.server_param_type(value) + "}")

    def bind_inline(self, w: SQLWriter, value: Any) -> None:
        w.write(self.text(self.inline_literal(value)))

    def inline_literal(self, value: Any) -> str:
        """What ``inline`` writes for a bound value: the literal of what would be bound."""
        if type(value) in _NATIVE_PARAM_TYPES or value is True or value is False:
            return self.literal(value)
        return self.literal(self.adapt(value))

    def server_param_type(self, value: Any) -> str:
        raise QueryError(f"The {self.name} dialect has no server-side typed parameters")

    # ------------------------------------------------------------------ expressions ----
    def expr(self, node: Any, w: SQLWriter) -> None:
        """Compile any node; plain Python values are bound."""
        visit = self._dispatch.get(type(node))
        if visit is not None:
            visit(self, node, w)
            return
        for base, fn in self._dispatch.items():  # subclasses (a model's column type)
            if isinstance(node, base):
                fn(self, node, w)
                return
        self.bind(w, node)

    def operand(self, node: Any, w: SQLWriter) -> None:
        """Right-hand side: expressions compile, anything else is a bound value."""
        t = type(node)
        if t is Col:
            w.write(self.col_sql(node))
        elif t in _NATIVE_PARAM_TYPES:
            self.bind(w, node)
        else:
            self.expr(node, w)

    def each(self, items: Any, w: SQLWriter, visit: Callable[[Any, SQLWriter], None],
             sep: str = ", ") -> None:
        """``visit`` every item, writing ``sep`` between them."""
        write = w.write
        first = True
        for item in items:
            if first:
                first = False
            else:
                write(sep)
            visit(item, w)

    def bind_each(self, values: Any, w: SQLWriter) -> None:
        """Bind every value, comma-separated."""
        if self._placeholders and (type(values) is tuple or type(values) is list):
            params = w.params
            text = self.placeholder_list(values, len(params))
            if text is not None:
                params.extend(values)
                w.write(text)
                return
        bind = self.bind
        write = w.write
        first = True
        for value in values:
            if first:
                first = False
            else:
                write(", ")
            bind(w, value)

    def col_sql(self, node: Col) -> str:
        """The quoted text of a column reference (cached; it has no values)."""
        name, table = node
        if table is None:
            q = self._quoted.get(name)
            return q if q is not None else self.quote(name)
        key = ("c", table, name)  # never the Col itself: its == builds SQL
        q = self._quoted.get(key)
        if q is None:
            q = f"{self.quote_table(table)}.{self.quote(name)}"
            self._quoted[key] = q
        return q

    def visit_col(self, node: Col, w: SQLWriter) -> None:
        w.write(self.col_sql(node))

    def visit_star(self, node: Star, w: SQLWriter) -> None:
        w.write("*" if node[0] is None else f"{self.quote_table(node[0])}.*")

    def visit_value(self, node: Value, w: SQLWriter) -> None:
        self.bind(w, node[0])

    def visit_table(self, node: Table, w: SQLWriter) -> None:
        w.write(self.table_sql(node))

    def table_sql(self, node: Table) -> str:
        name, alias = node
        sql = self.quote_table(name)
        return f"{sql} AS {self.quote(alias)}" if alias else sql

    def sql_operator(self, op: str) -> str:
        try:
            return self.operators[op]
        except KeyError:
            raise QueryError(
                f"The {self.name} dialect does not support the operator {op!r}. "
                f"Supported: {', '.join(sorted(self.operators))}"
            ) from None

    def visit_compare(self, node: Compare, w: SQLWriter) -> None:
        left, op, right = node
        sql_op = self.operators.get(op)
        if sql_op is None:
            self.compare_unlisted(node, w)
            return
        if type(left) is Col:
            lhs = self.col_sql(left)
            table = self._placeholders.get(type(right))
            if table is not None:  # the common case without a binder call
                params = w.params
                n = len(params)
                if n < 256 and (type(right) is not int or _INT64_MIN <= right <= _INT64_MAX):
                    params.append(right)
                    w.write(f"{lhs} {sql_op} {table[n]}")
                    return
            if type(right) in _NATIVE_PARAM_TYPES:
                w.write(f"{lhs} {sql_op} ")
                self.bind(w, right)  # what ``operand`` does with a plain value
                return
            w.write(f"{lhs} {sql_op} ")
        else:
            self.expr(left, w)
            w.write(f" {sql_op} ")
        self.operand(right, w)

    def compare_unlisted(self, node: Compare, w: SQLWriter) -> None:
        """A comparison whose operator is not in ``operators``: refused (a dialect may
        rewrite some instead)."""
        self.sql_operator(node[1])

    def visit_binary(self, node: BinaryOp, w: SQLWriter) -> None:
        left, op, right = node
        sql_op = self.text(self.sql_operator(op))  # '%' is the driver's marker too
        w.write("(")
        self.operand(left, w)
        w.write(f" {sql_op} ")
        self.operand(right, w)
        w.write(")")

    def visit_in(self, node: InList, w: SQLWriter) -> None:
        left, values, negate, global_ = node
        if global_ and "global_in" not in self.capabilities:
            self.unsupported("GLOBAL IN")
        kw = ("GLOBAL " if global_ else "") + ("NOT IN" if negate else "IN")
        if type(left) is Col:
            lhs = self.col_sql(left)
        else:
            if not isinstance(values, (Subquery, Raw)) and not values:
                self.write_always(negate, w)
                return
            self.expr(left, w)
            lhs = ""
        if isinstance(values, Subquery):
            w.write(f"{lhs} {kw} (")
            self.compile_select(values.state, w)
            w.write(")")
            return
        if isinstance(values, Raw):
            w.write(f"{lhs} {kw} (")
            self.visit_raw(values, w)
            w.write(")")
            return
        if not values:
            w.write(self.always(negate))
            return
        n = len(values)
        if self._plain_qmark and n < 64 and set(map(type, values)) <= _NATIVE_PARAM_TYPES:
            w.params.extend(values)  # a list of plain values: bound in one step
            w.write(f"{lhs} {kw} ({_QMARK_LISTS[n]})")
            return
        if self._placeholders and (type(values) is tuple or type(values) is list):
            params = w.params
            text = self.placeholder_list(values, len(params))
            if text is not None:
                params.extend(values)
                w.write(f"{lhs} {kw} ({text})")
                return
        w.write(f"{lhs} {kw} (")
        self.bind_each(values, w)
        w.write(")")

    def always(self, truth: bool) -> str:
        """A condition that is constantly true/false (``IN ()`` is invalid SQL)."""
        return "1 = 1" if truth else "1 = 0"

    def write_always(self, truth: bool, w: SQLWriter) -> None:
        w.write(self.always(truth))

    def visit_is_null(self, node: IsNull, w: SQLWriter) -> None:
        self.expr(node[0], w)
        w.write(" IS NOT NULL" if node[1] else " IS NULL")

    def visit_between(self, node: Between, w: SQLWriter) -> None:
        left, low, high, negate = node
        self.expr(left, w)
        w.write(" NOT BETWEEN " if negate else " BETWEEN ")
        self.operand(low, w)
        w.write(" AND ")
        self.operand(high, w)

    def visit_and(self, node: And, w: SQLWriter) -> None:
        w.write("(")
        self.each(node, w, self.expr, " AND ")
        w.write(")")

    def visit_or(self, node: Or, w: SQLWriter) -> None:
        w.write("(")
        self.each(node, w, self.expr, " OR ")
        w.write(")")

    def visit_not(self, node: Not, w: SQLWriter) -> None:
        w.write("NOT (")
        self.expr(node[0], w)
        w.write(")")

    def visit_exists(self, node: Exists, w: SQLWriter) -> None:
        sub, negate = node
        w.write("NOT EXISTS (" if negate else "EXISTS (")
        self.compile_select(sub.state, w)
        w.write(")")

    def visit_raw(self, node: Raw, w: SQLWriter) -> None:
        sql, bindings = node
        if not bindings:
            w.write(self.text(sql))
            return
        pieces = raw_pieces(sql, len(bindings))
        write = w.write
        write(self.text(pieces[0]))
        for value, piece in zip(bindings, pieces[1:], strict=True):
            self.bind(w, value)
            write(self.text(piece))

    def visit_func(self, node: Func, w: SQLWriter) -> None:
        name, args, params, distinct = node
        w.write(self.functions.get(name, name) + "(")
        if params is not None:  # parametric: ``name(params)(args)``
            self.each(params, w, self.func_param)
            w.write(")(")
        if distinct:
            w.write("DISTINCT ")
        if not args and name.lower() == "count":
            w.write("*")
        else:
            self.each(args, w, self.func_arg)
        w.write(")")

    def func_arg(self, arg: Any, w: SQLWriter) -> None:
        if type(arg) is str and arg == "*":
            w.write("*")
        else:
            self.operand(arg, w)

    def func_param(self, param: Any, w: SQLWriter) -> None:
        """Parametric-function parameters (``quantile(0.95)``): bound like any value."""
        self.operand(param, w)

    def visit_alias(self, node: Alias, w: SQLWriter) -> None:
        self.expr(node[0], w)
        w.write(" AS " + self.quote(node[1]))

    def visit_order(self, node: Order, w: SQLWriter) -> None:
        expr, desc, nulls = node
        if type(expr) is Col:
            w.write(self.col_sql(expr))
        else:
            self.expr(expr, w)
        if desc is not None:
            w.write(" DESC" if desc else " ASC")
        if nulls:
            w.write(f" NULLS {nulls}")
        elif self.default_nulls is not None:
            w.write(f" NULLS {self.default_nulls}")

    def visit_subquery(self, node: Subquery, w: SQLWriter) -> None:
        w.write("(")
        self.compile_select(node.state, w)
        w.write(f") AS {self.quote(node.alias)}" if node.alias else ")")

    # ------------------------------------------------------------------ SELECT ---------
    def compile_select(self, state: QueryState, w: SQLWriter) -> None:
        """The clauses of ``select_clauses`` in order, separated by one space.

        Every SELECT goes through this walk: a clause method is skipped only when the
        state field it compiles is empty (it would write nothing).
        """
        parts = w
        start = len(parts)
        if state.extra is EMPTY_EXTRAS:
            # a clause keyed on a set hot field always writes, so only the always-called
            # ones (SELECT, FROM, LIMIT) are checked for having written nothing
            for index, clause in self._select_walk_common:
                if index < 0:
                    at = len(parts)
                    clause(self, state, w)
                    if at != start and len(parts) != at:
                        parts.insert(at, " ")
                elif state[index]:
                    if len(parts) != start:
                        parts.write(" ")
                    clause(self, state, w)
            return
        for test, clause in self._select_walk:
            if test is None or test(state):
                at = len(parts)
                clause(self, state, w)
                if at != start and len(parts) != at:
                    parts.insert(at, " ")

    #: whether a name in HAVING that is both a column and a selected alias reads as the
    #: column (SQLite): then the grammar writes the alias's expression instead of the
    #: name, so the name means the alias as it does where aliases come first (ClickHouse)
    columns_before_aliases: ClassVar[bool] = False
    #: row-lock clauses by kind (``"update"`` -> ``"FOR UPDATE"``); empty: the dialect
    #: has no row locks and ``lock_for_update()``/``shared_lock()`` are refused
    lock_clauses: ClassVar[Mapping[str, str]] = {}

    def compile_lock(self, kind: str, w: SQLWriter) -> None:
        clause = self.lock_clauses.get(kind)
        if clause is None:
            self.unsupported("A row lock (" + ("lock_for_update" if kind == "update"
                                               else "shared_lock") + ")")
        w.write(" " + str(clause))

    def unsupported(self, construct: str) -> None:
        raise QueryError(
            f"{construct} is not supported by the {self.name} dialect"
            + (f" (server {'.'.join(map(str, self.server_version))})" if self.server_version else "")
        )

    def require(self, field: str) -> None:
        cap = self.construct_capability.get(field)
        if cap is not None and cap not in self.capabilities:
            self.unsupported(self.construct_names.get(field, field))

    def conditions(self, pairs: tuple[tuple[str, Any], ...], w: SQLWriter) -> None:
        """``a AND b OR c`` from (conjunction, condition) pairs (AND binds tighter)."""
        plain = self._plain_conditions
        if plain is not None:
            done = plain(pairs, w, w.params, self._quoted, self.operators, self._placeholders)
            if done == len(pairs):
                return
            if done:
                pairs = pairs[done:]
        else:
            done = 0
        dispatch = self._dispatch
        write = w.write
        first = not done
        for conj, cond in pairs:
            if first:
                first = False
            else:
                write(_CONJUNCTIONS.get(conj) or f" {self.conjunction(conj)} ")
            visit = dispatch.get(type(cond))
            if visit is not None:
                visit(self, cond, w)
            else:
                self.expr(cond, w)

    def conjunction(self, conj: str) -> str:
        if conj not in ("AND", "OR"):
            raise QueryError(f"Unknown conjunction {conj!r}; expected AND or OR")
        return conj

    def clause_ctes(self, state: QueryState, w: SQLWriter) -> None:
        if not state.ctes:
            return
        self.require("ctes")
        w.write("WITH ")
        first = True
        for name, sub in state.ctes:
            if not first:
                w.write(", ")
            first = False
            w.write(f"{self.quote(name)} AS (")
            self.compile_select(sub.state, w)
            w.write(")")

    def clause_select(self, state: QueryState, w: SQLWriter) -> None:
        cols = state.columns
        head = "SELECT DISTINCT " if state.extra.distinct else "SELECT "
        if not cols:
            w.write(head + "*")
            return
        if self._plain_cols:
            # plain column references are written as ``visit_col`` writes them
            col_sql = self.col_sql
            texts = []
            for c in cols:
                if type(c) is not Col:
                    break
                texts.append(col_sql(c))
            else:
                w.write(head + ", ".join(texts))
                return
        w.write(head)
        self.each(cols, w, self.expr)

    def clause_from(self, state: QueryState, w: SQLWriter) -> None:
        source = state.table
        if source is None:
            return
        if type(source) is Table:  # plain tables: the FROM text is the same each time
            from_sql = self._from_sql.get(source)
            if from_sql is None:
                from_sql = self._from_sql[source] = "FROM " + self.table_sql(source)
            w.write(from_sql)
            return
        w.write("FROM ")
        self.expr(source, w)

    def clause_final(self, state: QueryState, w: SQLWriter) -> None:
        if not state.final:
            return
        self.require("final")
        w.write("FINAL")

    def clause_sample(self, state: QueryState, w: SQLWriter) -> None:
        sample = state.sample
        if sample is None:
            return
        self.require("sample")
        ratio, offset = sample
        w.write(f"SAMPLE {self.text(self.literal(ratio))}")
        if offset is not None:
            w.write(f" OFFSET {self.text(self.literal(offset))}")

    def clause_array_joins(self, state: QueryState, w: SQLWriter) -> None:
        if not state.array_joins:
            return
        self.require("array_joins")
        first = True
        for left, cols in state.array_joins:
            if not first:
                w.write(" ")
            first = False
            w.write("LEFT ARRAY JOIN " if left else "ARRAY JOIN ")
            self.each(cols, w, self.expr)

    def clause_joins(self, state: QueryState, w: SQLWriter) -> None:
        if not state.joins:
            return
        self.each(state.joins, w, self.compile_join, " ")

    #: join kinds and strictness words the grammar writes (anything else is refused:
    #: they are spelled into the statement, so they must come from a closed list)
    join_kinds: ClassVar[frozenset[str]] = frozenset({"INNER", "LEFT", "RIGHT", "FULL",
                                                      "CROSS"})
    join_strictness: ClassVar[frozenset[str]] = frozenset({"ASOF", "ANY", "ALL", "SEMI",
                                                           "ANTI"})

    def compile_join(self, join: Join, w: SQLWriter) -> None:
        kind, target, on, using, strictness, global_ = join
        if kind not in self.join_kinds:
            raise QueryError(f"Unknown join kind {kind!r}; expected one of "
                             f"{', '.join(sorted(self.join_kinds))}")
        if strictness is not None and strictness not in self.join_strictness:
            raise QueryError(f"Unknown join strictness {strictness!r}; expected one of "
                             f"{', '.join(sorted(self.join_strictness))}")
        if kind == "RIGHT" and "right_join" not in self.capabilities:
            self.unsupported("RIGHT JOIN")
        if kind == "FULL" and "full_join" not in self.capabilities:
            self.unsupported("FULL JOIN")
        if strictness == "ASOF" and "asof_join" not in self.capabilities:
            self.unsupported("ASOF JOIN")
        if strictness and strictness != "ASOF" and "asof_join" not in self.capabilities:
            self.unsupported(f"{strictness} JOIN")
        if global_ and "global_in" not in self.capabilities:
            self.unsupported("GLOBAL JOIN")
        head = " ".join(
            p for p in ("GLOBAL" if global_ else "", kind, strictness or "", "JOIN") if p
        )
        w.write(head + " ")
        self.expr(target, w)
        self.join_condition(on, using, w)

    def join_condition(self, on: Any, using: tuple[str, ...] | None, w: SQLWriter) -> None:
        if using:
            w.write(" USING (" + ", ".join(self.quote(u) for u in using) + ")")
        elif on is not None:
            w.write(" ON ")
            self.expr(on, w)

    def clause_prewheres(self, state: QueryState, w: SQLWriter) -> None:
        if not state.prewheres:
            return
        self.require("prewheres")
        w.write("PREWHERE ")
        self.conditions(state.prewheres, w)

    def clause_wheres(self, state: QueryState, w: SQLWriter) -> None:
        wheres = state.wheres
        if not wheres:
            return
        w.write("WHERE ")
        self.conditions(wheres, w)

    def clause_groups(self, state: QueryState, w: SQLWriter) -> None:
        groups = state.groups
        modifier = state.extra.group_modifier
        if not groups:
            if modifier:
                self.require("group_modifier")
                w.write(modifier)
            return
        w.write("GROUP BY ")
        self.each(groups, w, self.expr)
        if modifier:
            self.require("group_modifier")
            w.write(" " + modifier)

    def clause_havings(self, state: QueryState, w: SQLWriter) -> None:
        if not state.havings:
            return
        w.write("HAVING ")
        self.conditions(_havings_on_aliases(state) if self.columns_before_aliases
                        else state.havings, w)

    def clause_unions(self, state: QueryState, w: SQLWriter) -> None:
        if not state.unions:
            return
        self.require("unions")
        first = True
        for all_, other in state.unions:
            if not first:
                w.write(" ")
            first = False
            w.write("UNION ALL " if all_ else "UNION ")
            self.compile_select(other, w)

    def clause_orders(self, state: QueryState, w: SQLWriter) -> None:
        orders = state.orders
        if not orders:
            return
        w.write("ORDER BY ")
        if len(orders) == 1:  # the usual single term, without the separator loop
            self.visit_order(orders[0], w)
            return
        self.each(orders, w, self.visit_order)

    def clause_limit_by(self, state: QueryState, w: SQLWriter) -> None:
        spec = state.limit_by
        if spec is None:
            return
        self.require("limit_by")
        n, cols, offset = spec
        off = f" OFFSET {offset}" if offset is not None else ""
        w.write(f"LIMIT {n}{off} BY ")
        self.each(cols, w, self.expr)

    def clause_limit(self, state: QueryState, w: SQLWriter) -> None:
        limit, offset = state.limit, state.offset
        if limit is None:
            if offset is not None:
                w.write(self.offset_without_limit(offset))
            return
        w.write(f"LIMIT {limit}" if offset is None else f"LIMIT {limit} OFFSET {offset}")

    def offset_without_limit(self, offset: int) -> str:
        return f"OFFSET {offset}"

    def clause_settings(self, state: QueryState, w: SQLWriter) -> None:
        if not state.settings:
            return
        self.require("settings")
        w.write("SETTINGS " + ", ".join(
            f"{self.setting_name(k)} = {self.text(self.literal(v))}" for k, v in state.settings
        ))

    def setting_name(self, name: str) -> str:
        if not name.replace("_", "").isalnum():
            raise QueryError(f"Invalid setting name {name!r}")
        return name

    # ------------------------------------------------------------------ writes ---------
    def target_table(self, state: QueryState, verb: str) -> str:
        source = state.table
        if not isinstance(source, Table):
            raise QueryError(f"{verb} needs a table; this query has {source!r}")
        return self.quote_table(source[0])

    def compile_insert(self, state: QueryState, w: SQLWriter) -> None:
        columns, rows = state.payload
        table = self.target_table(state, "INSERT")
        cols = ", ".join(self.quote(c) for c in columns)
        w.write(f"INSERT INTO {table} ({cols}) VALUES ")
        self.insert_rows(rows, w)

    def insert_rows(self, rows: Any, w: SQLWriter) -> None:
        """``(v, v), (v, v)``: every value bound."""
        write = w.write
        first = True
        for row in rows:
            write("(" if first else ", (")
            first = False
            self.bind_each(row, w)
            write(")")

    def compile_insert_template(self, table: str, columns: tuple[str, ...]) -> str:
        """One-row INSERT with placeholders, for executemany-style bulk inserts."""
        w = SQLWriter()
        cols = ", ".join(self.quote(c) for c in columns)
        w.write(f"INSERT INTO {self.quote_table(table)} ({cols}) VALUES (")
        self.bind_each([None] * len(columns), w)
        w.write(")")
        return w.sql()

    def compile_assignments(self, assigns: tuple[Assign, ...], w: SQLWriter) -> None:
        first = True
        for col, value in assigns:
            w.write(f"{self.quote(col[0])} = " if first else f", {self.quote(col[0])} = ")
            first = False
            self.operand(value, w)

    def compile_update(self, state: QueryState, w: SQLWriter) -> None:
        table = self.target_table(state, "UPDATE")
        self.refuse_select_only(state, "UPDATE")
        w.write(f"UPDATE {table} SET ")
        self.compile_assignments(state.payload, w)
        if state.wheres:
            w.write(" ")
            self.clause_wheres(state, w)

    def compile_delete(self, state: QueryState, w: SQLWriter) -> None:
        table = self.target_table(state, "DELETE")
        self.refuse_select_only(state, "DELETE")
        w.write(f"DELETE FROM {table}")
        if state.wheres:
            w.write(" ")
            self.clause_wheres(state, w)

    def refuse_select_only(self, state: QueryState, verb: str) -> None:
        """Clauses an UPDATE/DELETE cannot carry are an error, never silently dropped."""
        for field, label in (("joins", "JOIN"), ("groups", "GROUP BY"), ("havings", "HAVING"),
                             ("orders", "ORDER BY"), ("limit", "LIMIT"), ("offset", "OFFSET"),
                             ("distinct", "DISTINCT"), ("unions", "UNION")):
            value = getattr(state, field)
            if value not in (None, (), False):
                raise QueryError(f"{verb} cannot use {label} on the {self.name} dialect; "
                                 "select the keys first and update by key")


BaseGrammar._build_tables()
