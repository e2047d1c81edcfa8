"""ClickHouse grammar: the base DML compiler with ClickHouse's syntax, literals and writes.

What differs from BaseGrammar, and why:

* backtick identifiers (``quoting.quote_identifier``) and backslash-escaped literals
  (``literals.literal``), so ``to_sql()`` output runs as is;
* three paramstyles: ``pyformat`` (clickhouse-driver substitutes client-side: values it
  cannot escape exactly are handed over as :class:`InlineLiteral`), ``server`` (typed
  ``{p0:Type}`` bound by the server, types from ``codecs.clickhouse_type_for_value``)
  and ``inline`` (``to_sql()``);
* the SELECT clause order ClickHouse's parser requires; ``UNION`` chains are wrapped in
  ``SELECT * FROM (...)`` when the query orders or limits them, because ClickHouse binds
  a trailing ORDER BY/LIMIT to the last SELECT only;
* JOIN heads (``GLOBAL ASOF LEFT JOIN``, ``LEFT SEMI JOIN``), ``LIMIT n OFFSET m BY``;
* UPDATE/DELETE as mutations (``ALTER TABLE t UPDATE|DELETE ... WHERE``) or lightweight
  statements, always with a WHERE (mutations require one);
* version awareness: ``server_version`` (None = current) picks spellings old servers
  parse (``LIMIT m, n``, ``lowerUTF8(x) LIKE lowerUTF8(p)`` before ILIKE) or raises a
  QueryError naming the feature and the release that has it.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from typing import Any, ClassVar

from clickorm.errors import QueryError
from clickorm.query.expressions import Compare, Exists, Func, Join
from clickorm.query.grammar import BaseGrammar
from clickorm.query.state import QueryState
from clickorm_clickhouse import versions
from clickorm_clickhouse.codecs import clickhouse_type_for_value
from clickorm_clickhouse.literals import InlineLiteral, format_number, literal, quote_string
from clickorm_clickhouse.quoting import quote_identifier

__all__ = ["ClickHouseGrammar"]

_PYFORMAT = [f"%(p{i})s" for i in range(256)]
#: ints the driver writes as bare Int64/UInt64 literals; wider ones need a typed literal
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: "no limit" for ``LIMIT offset, n`` on servers without a bare OFFSET; 18.16 fails when
#: offset + n reaches 2**63, so not UInt64's maximum
_NO_LIMIT = 2**62

_JOIN_KINDS = frozenset({"INNER", "LEFT", "RIGHT", "FULL", "CROSS"})
_STRICTNESS = frozenset({"ANY", "ALL", "ASOF", "SEMI", "ANTI"})
_GROUP_MODIFIERS = frozenset({
    "WITH TOTALS", "WITH ROLLUP", "WITH CUBE", "WITH ROLLUP WITH TOTALS", "WITH CUBE WITH TOTALS",
})
_UPDATE_MODES = (None, "mutation", "lightweight")
#: SELECT-only clauses an UPDATE/DELETE refuses (besides the core's JOIN/GROUP BY/...)
_SELECT_ONLY = (
    ("prewheres", "PREWHERE"), ("final", "FINAL"), ("sample", "SAMPLE"),
    ("array_joins", "ARRAY JOIN"), ("limit_by", "LIMIT BY"), ("unions", "UNION"),
    ("ctes", "WITH (CTE)"), ("distinct", "DISTINCT"), ("group_modifier", "WITH TOTALS/ROLLUP/CUBE"),
)


class ClickHouseGrammar(BaseGrammar):
    """ClickHouse DML compiler (see the module docstring for what it changes)."""

    name = "clickhouse"
    quote_char = "`"
    operators: ClassVar[Mapping[str, str]] = {
        **BaseGrammar.operators,
        "ILIKE": "ILIKE",
        "NOT ILIKE": "NOT ILIKE",
    }
    functions: ClassVar[Mapping[str, str]] = {"random": "rand"}
    #: UNION is not a clause here: ``compile_select`` chains (and wraps) members itself
    select_clauses: ClassVar[tuple[str, ...]] = (
        "ctes", "select", "from", "final", "sample", "array_joins", "joins", "prewheres",
        "wheres", "groups", "havings", "orders", "limit_by", "limit", "settings",
    )
    paramstyles: ClassVar[tuple[str, ...]] = ("pyformat", "server", "inline")

    def __init__(
        self,
        *,
        paramstyle: str = "pyformat",
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
    ) -> None:
        if paramstyle not in self.paramstyles:
            raise QueryError(
                f"The clickhouse grammar has no paramstyle {paramstyle!r}; expected one of "
                f"{', '.join(self.paramstyles)} (clickhouse-driver substitutes %(name)s "
                "client-side, chDB and servers from 22.10 bind {name:Type})"
            )
        version = tuple(server_version) if server_version is not None else None
        super().__init__(paramstyle=paramstyle, server_version=version,
                         capabilities=frozenset(capabilities))
        self._modern_limit = self.has("offset_keyword")
        if not self.has("ilike"):
            self._dispatch[Compare] = self._visit_compare_folding_case

    # ------------------------------------------------------------------ versions --------
    def has(self, feature: str) -> bool:
        """Whether the target server parses ``feature`` (a name in ``versions.FEATURES``)."""
        spec = versions.get_feature(feature)
        return self.server_version is None or self.server_version >= spec.since

    def need(self, feature: str, where: str | None = None) -> None:
        """Raise a QueryError naming ``feature`` and the release that has it, when missing."""
        if self.has(feature):
            return
        spec = versions.get_feature(feature)
        text = (
            f"{spec.description} is not supported by ClickHouse "
            f"{versions.format_version(self.server_version)}"
            f"{f' ({where})' if where else ''}: it needs ClickHouse "
            f"{versions.format_version(spec.since)} or newer."
        )
        raise QueryError(text + (f" Instead: {spec.instead}." if spec.instead else ""))

    def need_capability(self, capability: str, construct: str) -> None:
        if capability not in self.capabilities:
            self.unsupported(construct)

    # ------------------------------------------------------------------ quoting ---------
    def quote_identifier(self, name: str) -> str:
        return quote_identifier(name)

    def quote_string(self, text: str) -> str:
        return quote_string(text)

    def literal(self, value: Any) -> str:
        return literal(value, self.server_version)

    # ------------------------------------------------------------------ binding ---------
    def adapt(self, value: Any) -> Any:
        """pyformat: the driver gets our exact literal; server: plain values (codecs encode)."""
        if self.paramstyle == "pyformat":
            return InlineLiteral(literal(value, self.server_version))
        while isinstance(value, enum.Enum):
            value = value.value
        return value

    def _bind_pyformat(self, ctx: list[Any], value: Any) -> str:
        # the driver escapes str, float and None exactly and writes Int64/UInt64 as is;
        # everything else (bytes, bool, big ints, ...) goes through adapt
        n = len(ctx)
        t = type(value)
        if t is str or t is float or value is None or (t is int and _INT_MIN <= value <= _INT_MAX):
            ctx.append(value)
        else:
            ctx.append(self.adapt(value))
        return _PYFORMAT[n] if n < 256 else f"%(p{n})s"

    def server_param_type(self, value: Any) -> str:
        # the common scalars without the codec's general walk (same answers, hot path)
        t = type(value)
        if t is str:
            return "String"
        if t is int and _INT64_MIN <= value <= _INT64_MAX:
            return "Int64"
        if t is float:
            return "Float64"
        return clickhouse_type_for_value(value)

    # ------------------------------------------------------------------ expressions -----
    def _visit_compare_folding_case(self, node: Compare, ctx: list[Any]) -> str:
        """Servers before 20.6 have no ILIKE: compare lower-cased (UTF-8) text instead."""
        left, op, right = node
        if op == "ILIKE" or op == "NOT ILIKE":
            kw = "NOT LIKE" if op == "NOT ILIKE" else "LIKE"
            return f"lowerUTF8({self.expr(left, ctx)}) {kw} lowerUTF8({self.operand(right, ctx)})"
        return self.visit_compare(node, ctx)

    def visit_between(self, node: Any, ctx: list[Any]) -> str:
        left, low, high, negate = node
        sql = (f"{self.expr(left, ctx)} BETWEEN {self.operand(low, ctx)} "
               f"AND {self.operand(high, ctx)}")
        # NOT BETWEEN is not parsed by older servers; NOT (...) means the same everywhere
        return f"NOT ({sql})" if negate else sql

    def visit_exists(self, node: Exists, ctx: list[Any]) -> str:
        self.need("exists")
        return super().visit_exists(node, ctx)

    def visit_func(self, node: Func, ctx: list[Any]) -> str:
        name, args, params, distinct = node
        if params is None:
            return super().visit_func(node, ctx)
        # parametric: ``quantile(0.95)(x)``; parameters first, so values bind in text order
        head = ", ".join([self.func_param(p, ctx) for p in params])
        rendered = ", ".join([self.func_arg(a, ctx) for a in args])
        if distinct:
            rendered = "DISTINCT " + rendered
        return f"{self.functions.get(name, name)}({head})({rendered})"

    def func_param(self, param: Any, ctx: list[Any]) -> str:
        """Parametric-function parameters must be constants: numbers are written as such."""
        t = type(param)
        if t is int or t is float or t is decimal.Decimal:
            return format_number(param)
        return super().func_param(param, ctx)

    # ------------------------------------------------------------------ SELECT ----------
    def compile_select(self, state: QueryState, ctx: list[Any]) -> str:
        if state.unions:
            return self.compile_union(state, ctx)
        return super().compile_select(state, ctx)

    def compile_union(self, state: QueryState, ctx: list[Any]) -> str:
        """``head UNION ALL|DISTINCT member ...``; the query's ORDER BY, LIMIT BY, LIMIT
        and SETTINGS apply to the whole chain, so they go on ``SELECT * FROM (chain)``."""
        self.require("unions")
        outer = bool(state.orders or state.limit is not None or state.offset is not None
                     or state.limit_by is not None or state.settings)
        ctes = self.clause_ctes(state, ctx)
        head = state.set_many(ctes=(), unions=())
        if outer:
            head = head.set_many(orders=(), limit=None, offset=None, limit_by=None, settings=())
        parts = [self.compile_select(head, ctx)]
        for all_, member in state.unions:
            if not all_:
                self.need("union_distinct")
            sql = self.compile_select(member, ctx)
            if member.unions:  # a nested chain keeps its own grouping
                sql = f"SELECT * FROM ({sql})"
            parts.append(("UNION ALL " if all_ else "UNION DISTINCT ") + sql)
        body = " ".join(parts)
        if outer:
            tail = [self.clause_orders(state, ctx), self.clause_limit_by(state, ctx),
                    self.clause_limit(state, ctx), self.clause_settings(state, ctx)]
            body = f"SELECT * FROM ({body}) " + " ".join(p for p in tail if p)
        return f"{ctes} {body}" if ctes else body

    def clause_ctes(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.ctes:
            return ""
        self.need("cte")
        return super().clause_ctes(state, ctx)

    def clause_sample(self, state: QueryState, ctx: list[Any]) -> str:
        sample = state.sample
        if sample is None:
            return ""
        self.require("sample")
        ratio, offset = sample
        sql = f"SAMPLE {format_number(ratio)}"
        return sql if offset is None else f"{sql} OFFSET {format_number(offset)}"

    def compile_join(self, join: Join, ctx: list[Any]) -> str:
        kind, target, on, using, strictness, global_ = join
        kind = kind.upper() if isinstance(kind, str) else kind
        if kind not in _JOIN_KINDS:
            raise QueryError(f"Unknown JOIN kind {kind!r}; expected one of "
                             f"{', '.join(sorted(_JOIN_KINDS))}")
        if strictness is not None and strictness not in _STRICTNESS:
            raise QueryError(f"Unknown JOIN strictness {strictness!r}; expected one of "
                             f"{', '.join(sorted(_STRICTNESS))}")
        if kind == "RIGHT":
            self.need_capability("right_join", "RIGHT JOIN")
        elif kind == "FULL":
            self.need_capability("full_join", "FULL JOIN")
        if global_:
            self.need_capability("global_in", "GLOBAL JOIN")
        if kind == "CROSS":
            if on is not None or using or strictness:
                raise QueryError("CROSS JOIN takes no ON, USING or strictness")
            head = "CROSS JOIN"
        elif strictness == "ASOF":
            self.need("asof_join")
            self.need_capability("asof_join", "ASOF JOIN")
            if kind not in ("INNER", "LEFT"):
                raise QueryError(f"ASOF JOIN is INNER or LEFT, not {kind}")
            head = "ASOF JOIN" if kind == "INNER" else "ASOF LEFT JOIN"
        elif strictness in ("SEMI", "ANTI"):
            self.need("semi_anti_join")
            if kind not in ("LEFT", "RIGHT"):
                raise QueryError(
                    f"{strictness} JOIN needs kind='LEFT' or kind='RIGHT' (which side's rows "
                    f"are kept), not {kind}"
                )
            head = f"{kind} {strictness} JOIN"
        elif strictness:  # ANY / ALL
            head = f"{strictness} {kind} JOIN"
        else:
            head = f"{kind} JOIN"
        if kind != "CROSS" and on is None and not using:
            raise QueryError(f"{head} on {target!r} needs an ON condition or USING columns")
        sql = f"{'GLOBAL ' if global_ else ''}{head} {self.expr(target, ctx)}"
        if using:
            return sql + " USING (" + ", ".join(self.quote(u) for u in using) + ")"
        if on is not None:
            return sql + " ON " + self.expr(on, ctx)
        return sql

    def clause_groups(self, state: QueryState, ctx: list[Any]) -> str:
        modifier = state.group_modifier
        if modifier is not None and modifier not in _GROUP_MODIFIERS:
            raise QueryError(f"Unknown GROUP BY modifier {modifier!r}; expected one of "
                             f"{', '.join(sorted(_GROUP_MODIFIERS))}")
        return super().clause_groups(state, ctx)

    def clause_limit_by(self, state: QueryState, ctx: list[Any]) -> str:
        spec = state.limit_by
        if spec is None:
            return ""
        self.require("limit_by")
        n, cols, offset = spec
        by = ", ".join([self.expr(c, ctx) for c in cols])
        if offset is None:
            return f"LIMIT {_count(n)} BY {by}"
        self.need("limit_by_offset")
        return f"LIMIT {_count(n)} OFFSET {_count(offset)} BY {by}"

    def clause_limit(self, state: QueryState, ctx: list[Any]) -> str:
        limit, offset = state.limit, state.offset
        if limit is None:
            if offset is None:
                return ""
            if self._modern_limit:
                return f"OFFSET {_count(offset)}"
            return f"LIMIT {_count(offset)}, {_NO_LIMIT}"
        if offset is None:
            return f"LIMIT {_count(limit)}"
        if self._modern_limit:
            return f"LIMIT {_count(limit)} OFFSET {_count(offset)}"
        # before 20.5 ``LIMIT n OFFSET m`` fails after a LIMIT BY; the comma form never does
        return f"LIMIT {_count(offset)}, {_count(limit)}"

    def clause_settings(self, state: QueryState, ctx: list[Any]) -> str:
        if not state.settings:
            return ""
        self.require("settings")
        return self.settings_sql(dict(state.settings))

    def settings_sql(self, values: Mapping[str, Any]) -> str:
        """``SETTINGS a = 1, b = 'x'``: values are constants the parser needs as literals."""
        if not values:
            return ""
        items = []
        for key, value in values.items():
            if value is None or not isinstance(value, (str, int, float, decimal.Decimal)):
                raise QueryError(
                    f"Setting {key!r} = {value!r}: a setting value must be a str, int, float "
                    "or bool"
                )
            items.append(f"{self.setting_name(key)} = {self.text(self.literal(value))}")
        return "SETTINGS " + ", ".join(items)

    # ------------------------------------------------------------------ writes ----------
    def compile_insert(self, state: QueryState, ctx: list[Any]) -> str:
        """One or a few rows as ``INSERT ... VALUES`` with placeholders; bulk inserts go
        through the connection's columnar path instead."""
        payload = state.payload
        if not payload or not payload[0] or not payload[1]:
            raise QueryError("INSERT needs at least one column and one row")
        columns, rows = payload
        width = len(columns)
        for row in rows:
            if len(row) != width:
                raise QueryError(
                    f"INSERT row {row!r} has {len(row)} value(s) for {width} column(s)")
        table = self.target_table(state, "INSERT")
        cols = ", ".join(self.quote(c) for c in columns)
        settings = ""
        if state.settings:
            self.need("insert_settings")
            settings = " " + self.settings_sql(dict(state.settings))
        bind = self._bind
        values = ", ".join("(" + ", ".join([bind(ctx, v) for v in row]) + ")" for row in rows)
        return f"INSERT INTO {table} ({cols}){settings} VALUES {values}"

    def compile_update(self, state: QueryState, ctx: list[Any]) -> str:
        """``ALTER TABLE t UPDATE ... WHERE`` (a mutation) by default; the lightweight
        ``UPDATE t SET ... WHERE`` when the query's option ``update_mode`` is
        ``"lightweight"`` (capability ``lightweight_update``, ClickHouse 25.7+)."""
        table = self.target_table(state, "UPDATE")
        self.refuse_for_write(state, "UPDATE")
        mode = _mode(state, "update_mode")
        if not state.payload:
            raise QueryError(f"UPDATE of {table} has no assignments")
        cluster = self.on_cluster(state)
        assignments = self.compile_assignments(state.payload, ctx)
        where = self.mutation_where(state, ctx)
        if mode == "lightweight":
            self.need("lightweight_update", where="update_mode='lightweight'")
            self.need_capability("lightweight_update", "Lightweight UPDATE")
            extra = versions.settings_for(self.server_version, "lightweight_update")
            sql = f"UPDATE {table}{cluster} SET {assignments} WHERE {where}"
            return sql + self.write_settings(state, extra, alter=False)
        self.need_capability("mutations", "ALTER TABLE ... UPDATE (mutations)")
        sql = f"ALTER TABLE {table}{cluster} UPDATE {assignments} WHERE {where}"
        return sql + self.write_settings(state, {}, alter=True)

    def compile_delete(self, state: QueryState, ctx: list[Any]) -> str:
        """Lightweight ``DELETE FROM t WHERE`` where the server has it (22.8+), else the
        mutation ``ALTER TABLE t DELETE WHERE``; the option ``delete_mode`` forces either."""
        table = self.target_table(state, "DELETE")
        self.refuse_for_write(state, "DELETE")
        mode = _mode(state, "delete_mode")
        available = "lightweight_delete" in self.capabilities and self.has("lightweight_delete")
        if mode == "lightweight" and not available:
            self.need("lightweight_delete", where="delete_mode='lightweight'")
            self.need_capability("lightweight_delete", "Lightweight DELETE")
        cluster = self.on_cluster(state)
        where = self.mutation_where(state, ctx)
        if mode == "lightweight" or (mode is None and available):
            extra = versions.settings_for(self.server_version, "lightweight_delete")
            sql = f"DELETE FROM {table}{cluster} WHERE {where}"
            return sql + self.write_settings(state, extra, alter=False)
        self.need_capability("mutations", "ALTER TABLE ... DELETE (mutations)")
        sql = f"ALTER TABLE {table}{cluster} DELETE WHERE {where}"
        return sql + self.write_settings(state, {}, alter=True)

    def mutation_where(self, state: QueryState, ctx: list[Any]) -> str:
        """ClickHouse mutations require a WHERE: every row is ``WHERE 1``."""
        return self.conditions(state.wheres, ctx) if state.wheres else "1"

    def on_cluster(self, state: QueryState) -> str:
        cluster = state.option("cluster")
        return f" ON CLUSTER {self.quote(cluster)}" if cluster else ""

    def write_settings(self, state: QueryState, extra: Mapping[str, Any], *, alter: bool) -> str:
        """The statement's SETTINGS: the feature's enabling flags, then the query's own.

        A mutation (``ALTER TABLE ... UPDATE/DELETE``) waits for itself by default
        (``mutations_sync = 2``), so a read after a write sees it; pass
        ``builder.settings(mutations_sync=0)`` for fire-and-forget. Servers before 21.1
        refuse SETTINGS on ALTER; there the native connection polls system.mutations.
        """
        own = dict(state.settings)
        if alter and "mutations_sync" not in own and self.has("alter_settings"):
            extra = {**extra, "mutations_sync": 2}
        values = {**extra, **own}
        if not values:
            return ""
        if state.settings:
            self.require("settings")
            if alter:
                self.need("alter_settings")
        return " " + self.settings_sql(values)

    def refuse_for_write(self, state: QueryState, verb: str) -> None:
        """Clauses an UPDATE/DELETE cannot carry are an error, never silently dropped."""
        self.refuse_select_only(state, verb)
        for field, label in _SELECT_ONLY:
            if getattr(state, field) not in (None, (), False):
                raise QueryError(f"{verb} cannot use {label} on the clickhouse dialect; "
                                 "select the keys first and update by key")


def _count(value: Any) -> int:
    """LIMIT/OFFSET numbers are written into the SQL: only real non-negative ints pass."""
    if type(value) is not int or value < 0:
        raise QueryError(f"LIMIT/OFFSET expects a non-negative int, got {value!r}")
    return value


def _mode(state: QueryState, option: str) -> str | None:
    mode = state.option(option)
    if mode not in _UPDATE_MODES:
        raise QueryError(f"Option {option}={mode!r}: expected 'mutation' or 'lightweight'")
    return mode  # type: ignore[no-any-return]
