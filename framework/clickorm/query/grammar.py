"""BaseGrammar: compiles a QueryState into ``Compiled(sql, params)``.

One pass over the state; values are collected into a list as they are met (the context
accumulator, as in Peewee) and the dialect's placeholder is written in their place, so
no value ever becomes SQL text and nothing is string-replaced afterwards. A dialect
overrides small pieces: the quote character, the operator/function tables (merged class
dicts), the clause order, the placeholder style, and one method per construct that
differs. A construct the dialect lacks (its capability flag is absent) raises a
``QueryError`` naming it, never silently dropped.

``paramstyle="inline"`` renders values as escaped literals instead: that is what
``to_sql()`` uses, for reading only.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

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
from clickorm.query.state import (
    COLUMNS,
    EMPTY_EXTRAS,
    EXTRA,
    GROUPS,
    HAVINGS,
    JOINS,
    LIMIT,
    OFFSET,
    ORDERS,
    TABLE,
    WHERES,
    Extras,
    QueryState,
)

_tuple_new = tuple.__new__

#: Python types that every driver binds as they are; others go through ``adapt``
_NATIVE_PARAM_TYPES = frozenset({int, float, str, type(None), bytes})
_PYFORMAT = [f"%(p{i})s" for i in range(256)]
_NAMED = [f":p{i}" for i in range(256)]
_PARAM_NAMES = [f"p{i}" for i in range(256)]
_QMARK_LISTS = [", ".join("?" * n) for n in range(64)]


#: the hot state slot an optional clause reads: empty -> the clause is skipped unseen
_CLAUSE_FIELD = {"joins": JOINS, "wheres": WHERES, "havings": HAVINGS, "orders": ORDERS}


def _rare_select_parts(extras: Extras) -> bool:
    """Whether any SELECT clause outside the common shape is in use."""
    (_distinct, modifier, final, sample, prewheres, array_joins, limit_by, settings, ctes,
     unions) = extras[:10]
    return bool(modifier or final or sample or prewheres or array_joins or limit_by
                or settings or ctes or unions)


def _param_name(i: int) -> str:
    return _PARAM_NAMES[i] if i < 256 else f"p{i}"


class BaseGrammar:
    """The shared DML compiler. Subclasses change tables and a few methods."""

    #: the dialect name, used in error messages
    name: ClassVar[str] = "base"
    quote_char: ClassVar[str] = '"'
    #: SQL spelling of each normalised operator this dialect accepts
    operators: ClassVar[Mapping[str, str]] = {
        "=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
        "LIKE": "LIKE", "NOT LIKE": "NOT LIKE",
        "+": "+", "-": "-", "*": "*", "/": "/", "%": "%",
    }
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
        self._quoted: dict[Any, str] = {}
        self._quoted_tables: dict[str, str] = {}
        # '%' is the driver's substitution marker under pyformat, so text must double it
        self._escape_pct = paramstyle == "pyformat"
        # qmark with the base binder: hot paths append plain values and write "?" inline
        self._plain_qmark = (paramstyle == "qmark"
                             and type(self)._bind_qmark is BaseGrammar._bind_qmark)
        self._from_sql: dict[Any, str] = {}
        binders: dict[str, Callable[[list[Any], Any], str]] = {
            "qmark": self._bind_qmark,
            "pyformat": self._bind_pyformat,
            "named": self._bind_named,
            "inline": self._bind_inline,
            "server": self._bind_server,
        }
        try:
            self._bind = binders[paramstyle]
        except KeyError:
            raise QueryError(
                f"Unknown paramstyle {paramstyle!r} for the {self.name} grammar; "
                f"expected one of {', '.join(binders)}"
            ) from None
        # (state index to test, method): empty clauses are skipped without a call
        self._clause_methods = tuple(
            (_CLAUSE_FIELD.get(clause, -1), getattr(self, f"clause_{clause}"))
            for clause in self.select_clauses
        )
        self._dispatch: dict[type, Callable[[Any, list[Any]], str]] = {
            Col: self.visit_col,
            Compare: self.visit_compare,
            InList: self.visit_in,
            IsNull: self.visit_is_null,
            Between: self.visit_between,
            And: self.visit_and,
            Or: self.visit_or,
            Not: self.visit_not,
            Exists: self.visit_exists,
            Raw: self.visit_raw,
            Func: self.visit_func,
            Alias: self.visit_alias,
            BinaryOp: self.visit_binary,
            Star: self.visit_star,
            Subquery: self.visit_subquery,
            Value: self.visit_value,
            Order: self.visit_order,
            Table: self.visit_table,
        }

    # ------------------------------------------------------------------ entry point --
    def compile(self, state: QueryState) -> Compiled:
        ctx: list[Any] = []
        action = state[EXTRA][10]
        if action == "select":
            sql = self.compile_select(state, ctx)
        elif action == "update":
            sql = self.compile_update(state, ctx)
        elif action == "delete":
            sql = self.compile_delete(state, ctx)
        elif action == "insert":
            sql = self.compile_insert(state, ctx)
        else:
            raise QueryError(f"Unknown query action {action!r}")
        return _tuple_new(Compiled, (sql, self.finish_params(ctx)))

    def finish_params(self, ctx: list[Any]) -> Any:
        """The params object the driver wants: a tuple, or a dict for named styles."""
        if self.paramstyle == "qmark":
            return tuple(ctx)
        if self.paramstyle == "inline":
            return ()
        return {_param_name(i): v for i, v in enumerate(ctx)}

    # ------------------------------------------------------------------ quoting --------
    def quote(self, name: str) -> str:
        """Quote one identifier (cached per grammar); NUL is refused, never passed on."""
        q = self._quoted.get(name)
        if q is None:
            if type(name) is not str or not name or "\x00" in name:
                raise QueryError(
                    f"Invalid identifier {name!r} for the {self.name} dialect: "
                    "identifiers must be non-empty strings without NUL"
                )
            q = self.quote_identifier(name)
            if self._escape_pct:
                q = q.replace("%", "%%")
            self._quoted[name] = q
        return q

    def quote_identifier(self, name: str) -> str:
        c = self.quote_char
        return c + name.replace(c, c + c) + c

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

    # ------------------------------------------------------------------ binding --------
    def adapt(self, value: Any) -> Any:
        """Convert a Python value the driver cannot bind as is (dialects extend this)."""
        if isinstance(value, enum.Enum):
            return value.value
        return value

    def _bind_qmark(self, ctx: list[Any], value: Any) -> str:
        ctx.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        return "?"

    def _bind_pyformat(self, ctx: list[Any], value: Any) -> str:
        n = len(ctx)
        ctx.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        return _PYFORMAT[n] if n < 256 else f"%(p{n})s"

    def _bind_named(self, ctx: list[Any], value: Any) -> str:
        n = len(ctx)
        ctx.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        return _NAMED[n] if n < 256 else f":p{n}"

    def _bind_server(self, ctx: list[Any], value: Any) -> str:
        n = len(ctx)
        ctx.append(value if type(value) in _NATIVE_PARAM_TYPES else self.adapt(value))
        return "{" + _param_name(n) + ":" + self.server_param_type(value) + "}"

    def _bind_inline(self, ctx: list[Any], value: Any) -> str:
        return self.literal(value)

    def server_param_type(self, value: Any) -> str:
        raise QueryError(f"The {self.name} dialect has no server-side typed parameters")

    def literal(self, value: Any) -> str:
        """An escaped SQL literal, for ``to_sql()`` and DDL defaults only."""
        if value is None:
            return "NULL"
        if value is True or value is False:
            return "1" if value else "0"
        if isinstance(value, enum.Enum):
            return self.literal(value.value)
        if isinstance(value, (int, float, decimal.Decimal)):
            return repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, bytes):
            return "X'" + value.hex() + "'"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return self.quote_string(value.isoformat(sep=" ") if isinstance(value, _dt.datetime)
                                     else value.isoformat())
        if isinstance(value, uuid.UUID):
            return self.quote_string(str(value))
        if isinstance(value, (list, tuple)):
            return "(" + ", ".join(self.literal(v) for v in value) + ")"
        return self.quote_string(str(value))

    def quote_string(self, text: str) -> str:
        if "\x00" in text:
            raise QueryError(f"The {self.name} dialect cannot show NUL inside a string literal")
        return "'" + text.replace("'", "''") + "'"

    # ------------------------------------------------------------------ expressions ----
    def expr(self, node: Any, ctx: list[Any]) -> str:
        """Compile any node; plain Python values are bound."""
        visit = self._dispatch.get(type(node))
        if visit is not None:
            return visit(node, ctx)
        for base, fn in self._dispatch.items():  # subclasses (a model's column type)
            if isinstance(node, base):
                return fn(node, ctx)
        return self._bind(ctx, node)

    def operand(self, node: Any, ctx: list[Any]) -> str:
        """Right-hand side: expressions compile, anything else is a bound value."""
        t = type(node)
        if t is Col:
            return self.visit_col(node, ctx)
        if t in _NATIVE_PARAM_TYPES:
            return self._bind(ctx, node)
        return self.expr(node, ctx)

    def visit_col(self, node: Col, ctx: list[Any]) -> str:
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

    def visit_star(self, node: Star, ctx: list[Any]) -> str:
        return "*" if node[0] is None else f"{self.quote_table(node[0])}.*"

    def visit_value(self, node: Value, ctx: list[Any]) -> str:
        return self._bind(ctx, node[0])

    def visit_table(self, node: Table, ctx: list[Any]) -> str:
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

    def visit_compare(self, node: Compare, ctx: list[Any]) -> str:
        left, op, right = node
        sql_op = self.operators.get(op) or self.sql_operator(op)
        lhs = self.visit_col(left, ctx) if type(left) is Col else self.expr(left, ctx)
        if self._plain_qmark and type(right) in _NATIVE_PARAM_TYPES:
            ctx.append(right)  # the common case without a binder call
            return f"{lhs} {sql_op} ?"
        return f"{lhs} {sql_op} {self.operand(right, ctx)}"

    def visit_binary(self, node: BinaryOp, ctx: list[Any]) -> str:
        left, op, right = node
        sql_op = self.text(self.sql_operator(op))  # '%' is the driver's marker too
        return f"({self.operand(left, ctx)} {sql_op} {self.operand(right, ctx)})"

    def visit_in(self, node: InList, ctx: list[Any]) -> str:
        left, values, negate, global_ = node
        lhs = self.visit_col(left, ctx) if type(left) is Col else self.expr(left, ctx)
        if global_ and "global_in" not in self.capabilities:
            self.unsupported("GLOBAL IN")
        kw = ("GLOBAL " if global_ else "") + ("NOT IN" if negate else "IN")
        if isinstance(values, Subquery):
            return f"{lhs} {kw} ({self.compile_select(values.state, ctx)})"
        if isinstance(values, Raw):
            return f"{lhs} {kw} ({self.visit_raw(values, ctx)})"
        if not values:
            return self.always(negate)
        if self._plain_qmark and set(map(type, values)) <= _NATIVE_PARAM_TYPES:
            ctx.extend(values)  # a list of plain values: bound in one step
            return f"{lhs} {kw} ({_QMARK_LISTS[len(values)] if len(values) < 64 else ', '.join('?' * len(values))})"
        bind = self._bind
        return f"{lhs} {kw} (" + ", ".join([bind(ctx, v) for v in values]) + ")"

    def always(self, truth: bool) -> str:
        """A condition that is constantly true/false (``IN ()`` is invalid SQL)."""
        return "1 = 1" if truth else "1 = 0"

    def visit_is_null(self, node: IsNull, ctx: list[Any]) -> str:
        return f"{self.expr(node[0], ctx)} IS {'NOT NULL' if node[1] else 'NULL'}"

    def visit_between(self, node: Between, ctx: list[Any]) -> str:
        left, low, high, negate = node
        kw = "NOT BETWEEN" if negate else "BETWEEN"
        return f"{self.expr(left, ctx)} {kw} {self.operand(low, ctx)} AND {self.operand(high, ctx)}"

    def visit_and(self, node: And, ctx: list[Any]) -> str:
        return "(" + " AND ".join([self.expr(item, ctx) for item in node]) + ")"

    def visit_or(self, node: Or, ctx: list[Any]) -> str:
        return "(" + " OR ".join([self.expr(item, ctx) for item in node]) + ")"

    def visit_not(self, node: Not, ctx: list[Any]) -> str:
        return f"NOT ({self.expr(node[0], ctx)})"

    def visit_exists(self, node: Exists, ctx: list[Any]) -> str:
        sub, negate = node
        return f"{'NOT ' if negate else ''}EXISTS ({self.compile_select(sub.state, ctx)})"

    def visit_raw(self, node: Raw, ctx: list[Any]) -> str:
        sql, bindings = node
        if not bindings:
            return self.text(sql)
        pieces = sql.split("?")
        out = [self.text(pieces[0])]
        for value, piece in zip(bindings, pieces[1:], strict=True):
            out.append(self._bind(ctx, value))
            out.append(self.text(piece))
        return "".join(out)

    def visit_func(self, node: Func, ctx: list[Any]) -> str:
        name, args, params, distinct = node
        sql_name = self.functions.get(name, name)
        rendered = ", ".join([self.func_arg(a, ctx) for a in args])
        if not args and name.lower() == "count":
            rendered = "*"
        if distinct:
            rendered = "DISTINCT " + rendered
        if params is not None:
            head = ", ".join([self.func_param(p, ctx) for p in params])
            return f"{sql_name}({head})({rendered})"
        return f"{sql_name}({rendered})"

    def func_arg(self, arg: Any, ctx: list[Any]) -> str:
        if type(arg) is str and arg == "*":
            return "*"
        return self.operand(arg, ctx)

    def func_param(self, param: Any, ctx: list[Any]) -> str:
        """Parametric-function parameters (``quantile(0.95)``): bound like any value."""
        return self.operand(param, ctx)

    def visit_alias(self, node: Alias, ctx: list[Any]) -> str:
        return f"{self.expr(node[0], ctx)} AS {self.quote(node[1])}"

    def visit_order(self, node: Order, ctx: list[Any]) -> str:
        expr, desc, nulls = node
        sql = self.visit_col(expr, ctx) if type(expr) is Col else self.expr(expr, ctx)
        if desc is not None:
            sql += " DESC" if desc else " ASC"
        if nulls:
            sql += f" NULLS {nulls}"
        return sql

    def visit_subquery(self, node: Subquery, ctx: list[Any]) -> str:
        sql = f"({self.compile_select(node.state, ctx)})"
        return f"{sql} AS {self.quote(node.alias)}" if node.alias else sql

    # ------------------------------------------------------------------ SELECT ---------
    def compile_select(self, state: QueryState, ctx: list[Any]) -> str:
        if not (state[JOINS] or state[GROUPS] or state[HAVINGS]) and (
                state[EXTRA] is EMPTY_EXTRAS or not _rare_select_parts(state[EXTRA])):
            # the common shape (select/from/where/order/limit) without the clause walk
            sql = self.clause_select(state, ctx)
            source = state[TABLE]
            if type(source) is Table:  # plain tables: the FROM text is the same each time
                from_sql = self._from_sql.get(source)
                if from_sql is None:
                    from_sql = self._from_sql[source] = " FROM " + self.visit_table(source, ctx)
                sql += from_sql
            elif source is not None:
                sql += " FROM " + self.expr(source, ctx)
            if state[WHERES]:
                sql += " WHERE " + self.conditions(state[WHERES], ctx)
            if state[ORDERS]:
                sql += " " + self.clause_orders(state, ctx)
            if state[LIMIT] is not None or state[OFFSET] is not None:
                sql += " " + self.clause_limit(state, ctx)
            return sql
        parts: list[str] = []
        for index, method in self._clause_methods:
            if index < 0 or state[index]:
                piece = method(state, ctx)
                if piece:
                    parts.append(piece)
        return " ".join(parts)

    def unsupported(self, construct: str) -> None:
        raise QueryError(
            f"{construct} is not supported by the {self.name} dialect"
            + (f" (server {'.'.join(map(str, self.server_version))})" if self.server_version else "")
        )

    def require(self, field: str) -> None:
        cap = self.construct_capability.get(field)
        if cap is not None and cap not in self.capabilities:
            self.unsupported(self.construct_names.get(field, field))

    def conditions(self, pairs: tuple[tuple[str, Any], ...], ctx: list[Any]) -> str:
        """``a AND b OR c`` from (conjunction, condition) pairs (AND binds tighter)."""
        dispatch = self._dispatch
        out: list[str] = []
        for conj, cond in pairs:
            visit = dispatch.get(type(cond))
            sql = visit(cond, ctx) if visit is not None else self.expr(cond, ctx)
            if out:
                out.append(conj)
            out.append(sql)
        return " ".join(out)

    def clause_ctes(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.ctes:
            return ""
        self.require("ctes")
        return "WITH " + ", ".join(
            f"{self.quote(name)} AS ({self.compile_select(sub.state, ctx)})"
            for name, sub in state.ctes
        )

    def clause_select(self, state: QueryState, ctx: list[Any]) -> str:
        cols = state[COLUMNS]
        rendered = ", ".join([self.expr(c, ctx) for c in cols]) if cols else "*"
        return ("SELECT DISTINCT " if state[EXTRA][0] else "SELECT ") + rendered

    def clause_from(self, state: QueryState, ctx: list[Any]) -> str:
        source = state[TABLE]
        if source is None:
            return ""
        return "FROM " + self.expr(source, ctx)

    def clause_final(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.final:
            return ""
        self.require("final")
        return "FINAL"

    def clause_sample(self, state: QueryState, ctx: list[Any]) -> str:
        sample = state.sample
        if sample is None:
            return ""
        self.require("sample")
        ratio, offset = sample
        sql = f"SAMPLE {self.text(self.literal(ratio))}"
        return sql + (f" OFFSET {self.text(self.literal(offset))}" if offset is not None else "")

    def clause_array_joins(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.array_joins:
            return ""
        self.require("array_joins")
        return " ".join(
            ("LEFT ARRAY JOIN " if left else "ARRAY JOIN ")
            + ", ".join(self.expr(c, ctx) for c in cols)
            for left, cols in state.array_joins
        )

    def clause_joins(self, state: QueryState, ctx: list[Any]) -> str:
        if not state[JOINS]:
            return ""
        return " ".join(self.compile_join(j, ctx) for j in state[JOINS])

    #: join kinds and strictness words the grammar writes (anything else is refused:
    #: they are spelled into the statement, so they must come from a closed list)
    join_kinds: ClassVar[frozenset[str]] = frozenset({"INNER", "LEFT", "RIGHT", "FULL",
                                                      "CROSS"})
    join_strictness: ClassVar[frozenset[str]] = frozenset({"ASOF", "ANY", "ALL", "SEMI",
                                                           "ANTI"})

    def compile_join(self, join: Join, ctx: list[Any]) -> str:
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
        sql = f"{head} {self.expr(target, ctx)}"
        if using:
            return sql + " USING (" + ", ".join(self.quote(u) for u in using) + ")"
        if on is not None:
            return sql + " ON " + self.expr(on, ctx)
        return sql

    def clause_prewheres(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.prewheres:
            return ""
        self.require("prewheres")
        return "PREWHERE " + self.conditions(state.prewheres, ctx)

    def clause_wheres(self, state: QueryState, ctx: list[Any]) -> str:
        wheres = state[WHERES]
        if not wheres:
            return ""
        return "WHERE " + self.conditions(wheres, ctx)

    def clause_groups(self, state: QueryState, ctx: list[Any]) -> str:
        groups = state[GROUPS]
        modifier = state.group_modifier
        if not groups:
            if modifier:
                self.require("group_modifier")
                return modifier
            return ""
        sql = "GROUP BY " + ", ".join(self.expr(g, ctx) for g in groups)
        if modifier:
            self.require("group_modifier")
            sql += " " + modifier
        return sql

    def clause_havings(self, state: QueryState, ctx: list[Any]) -> str:
        if not state[HAVINGS]:
            return ""
        return "HAVING " + self.conditions(state[HAVINGS], ctx)

    def clause_unions(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.unions:
            return ""
        self.require("unions")
        return " ".join(
            ("UNION ALL " if all_ else "UNION ") + self.compile_select(other, ctx)
            for all_, other in state.unions
        )

    def clause_orders(self, state: QueryState, ctx: list[Any]) -> str:
        orders = state[ORDERS]
        if not orders:
            return ""
        return "ORDER BY " + ", ".join([self.visit_order(o, ctx) for o in orders])

    def clause_limit_by(self, state: QueryState, ctx: list[Any]) -> str:
        spec = state.limit_by
        if spec is None:
            return ""
        self.require("limit_by")
        n, cols, offset = spec
        off = f" OFFSET {offset}" if offset is not None else ""
        return f"LIMIT {n}{off} BY " + ", ".join(self.expr(c, ctx) for c in cols)

    def clause_limit(self, state: QueryState, ctx: list[Any]) -> str:
        limit, offset = state[LIMIT], state[OFFSET]
        if limit is None:
            return "" if offset is None else self.offset_without_limit(offset)
        return f"LIMIT {limit}" if offset is None else f"LIMIT {limit} OFFSET {offset}"

    def offset_without_limit(self, offset: int) -> str:
        return f"OFFSET {offset}"

    def clause_settings(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.settings:
            return ""
        self.require("settings")
        return "SETTINGS " + ", ".join(
            f"{self.setting_name(k)} = {self.text(self.literal(v))}" for k, v in state.settings
        )

    def setting_name(self, name: str) -> str:
        if not name.replace("_", "").isalnum():
            raise QueryError(f"Invalid setting name {name!r}")
        return name

    # ------------------------------------------------------------------ writes ---------
    def target_table(self, state: QueryState, verb: str) -> str:
        source = state[TABLE]
        if not isinstance(source, Table):
            raise QueryError(f"{verb} needs a table; this query has {source!r}")
        return self.quote_table(source[0])

    def compile_insert(self, state: QueryState, ctx: list[Any]) -> str:
        columns, rows = state.payload
        table = self.target_table(state, "INSERT")
        cols = ", ".join(self.quote(c) for c in columns)
        bind = self._bind
        values = ", ".join(
            "(" + ", ".join([bind(ctx, v) for v in row]) + ")" for row in rows
        )
        return f"INSERT INTO {table} ({cols}) VALUES {values}"

    def compile_insert_template(self, table: str, columns: tuple[str, ...]) -> str:
        """One-row INSERT with placeholders, for executemany-style bulk inserts."""
        ctx: list[Any] = []
        marks = ", ".join(self._bind(ctx, None) for _ in columns)
        cols = ", ".join(self.quote(c) for c in columns)
        return f"INSERT INTO {self.quote_table(table)} ({cols}) VALUES ({marks})"

    def compile_assignments(self, assigns: tuple[Assign, ...], ctx: list[Any]) -> str:
        return ", ".join(f"{self.quote(col[0])} = {self.operand(value, ctx)}"
                         for col, value in assigns)

    def compile_update(self, state: QueryState, ctx: list[Any]) -> str:
        table = self.target_table(state, "UPDATE")
        self.refuse_select_only(state, "UPDATE")
        sql = f"UPDATE {table} SET {self.compile_assignments(state.payload, ctx)}"
        where = self.clause_wheres(state, ctx)
        return f"{sql} {where}" if where else sql

    def compile_delete(self, state: QueryState, ctx: list[Any]) -> str:
        table = self.target_table(state, "DELETE")
        self.refuse_select_only(state, "DELETE")
        where = self.clause_wheres(state, ctx)
        return f"DELETE FROM {table} {where}" if where else f"DELETE FROM {table}"

    def refuse_select_only(self, state: QueryState, verb: str) -> None:
        """Clauses an UPDATE/DELETE cannot carry are an error, never silently dropped."""
        for field, label in (("joins", "JOIN"), ("groups", "GROUP BY"), ("havings", "HAVING"),
                             ("orders", "ORDER BY"), ("limit", "LIMIT"), ("offset", "OFFSET")):
            value = getattr(state, field)
            if value not in (None, ()):
                raise QueryError(f"{verb} cannot use {label} on the {self.name} dialect; "
                                 "select the keys first and update by key")
