"""ClickHouse grammar: the base DML compiler with ClickHouse's syntax, literals and writes.

What differs from BaseGrammar, and why:

* backtick identifiers and backslash-escaped literals, both from the
  ``ClickHousePreparer`` it shares with the platform, so ``to_sql()`` output runs as is;
* three paramstyles: ``pyformat`` (clickhouse-driver substitutes client-side: values it
  cannot escape exactly are handed over as :class:`InlineLiteral`), ``server`` (typed
  ``{p0:Type}`` bound by the server, types from ``codecs.clickhouse_type_for_value``)
  and ``inline`` (``to_sql()``);
* the SELECT clause order ClickHouse's parser requires; ``UNION`` chains are wrapped in
  ``SELECT * FROM (...)`` when the query orders or limits them, because ClickHouse binds
  a trailing ORDER BY/LIMIT to the last SELECT only;
* JOIN heads (``GLOBAL ASOF LEFT JOIN``, ``LEFT SEMI JOIN``), ``LIMIT n OFFSET m BY``;
* SQL's NULL semantics where a setting gives them: a SELECT with an outer join carries
  ``SETTINGS join_use_nulls = 1`` (the unmatched side reads NULL, not 0 or ''), unless
  the query sets ``join_use_nulls`` itself; on servers that mishandle a Nullable
  condition in a mutation, its WHERE is written ``ifNull((cond), 0)``;
* UPDATE/DELETE as mutations (``ALTER TABLE t UPDATE|DELETE ... WHERE``) or lightweight
  statements, always with a WHERE (mutations require one);
* version awareness: ``server_version`` (None = current) picks spellings old servers
  parse (``LIMIT m, n``, ``lowerUTF8(x) LIKE lowerUTF8(p)`` before ILIKE) or raises a
  QueryError naming the feature and the release that has it.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from clickorm.dialects import (
    EMPTY_EXTRAS,
    BaseGrammar,
    Compare,
    Exists,
    Join,
    QueryState,
    SQLWriter,
)
from clickorm.dialects import QueryTable as Table
from clickorm.errors import QueryError
from clickorm_clickhouse import versions
from clickorm_clickhouse.cluster_layout import local_table_name
from clickorm_clickhouse.codecs import clickhouse_type_for_value
from clickorm_clickhouse.literals import InlineLiteral, format_number
from clickorm_clickhouse.platform_types import lut_2105_problem
from clickorm_clickhouse.quoting import ClickHousePreparer

__all__ = ["ClickHouseGrammar"]

_PYFORMAT = [f"%(p{i})s" for i in range(256)]
#: the typed server placeholders of the common scalars, by position: what ``bind_server``
#: writes for an int in Int64's range, a str and a float (``server_param_type``'s answers)
_SERVER_INT64 = [f"{{p{i}:Int64}}" for i in range(256)]
_SERVER_STRING = [f"{{p{i}:String}}" for i in range(256)]
_SERVER_FLOAT64 = [f"{{p{i}:Float64}}" for i in range(256)]
#: ints the driver writes as bare Int64/UInt64 literals; wider ones need a typed literal
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: "no limit" for ``LIMIT offset, n`` on servers without a bare OFFSET; 18.16 fails when
#: offset + n reaches 2**63, so not UInt64's maximum
_NO_LIMIT = 2**62
#: DateTime's and Date's first instant (a naive UTC datetime)
_EPOCH = _dt.datetime(1970, 1, 1)

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
    preparer_class = ClickHousePreparer
    operators: Mapping[str, str] = {
        **BaseGrammar.operators,
        "ILIKE": "ILIKE",
        "NOT ILIKE": "NOT ILIKE",
    }
    functions: ClassVar[Mapping[str, str]] = {"random": "rand", "date": "toDate",
                                              "float64": "toFloat64"}
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
        cluster: str | None = None,
    ) -> None:
        #: the connection's cluster: UPDATE/DELETE without a model's cluster run ON CLUSTER
        self.cluster = cluster
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
        cls = type(self)
        #: the precomputed typed placeholders hold server_param_type's answers (a
        #: subclass that changes the typing or the binder takes the general path)
        self._typed_fast = cls.server_param_type is ClickHouseGrammar.server_param_type
        self._null_safe_mutations = self.has("nullable_mutation_where")
        if not self.has("ilike"):  # this server's operators: ILIKE is rewritten
            self.operators = {k: v for k, v in self.operators.items() if "ILIKE" not in k}

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

    # ------------------------------------------------------------------ binding ---------
    def adapt(self, value: Any) -> Any:
        """pyformat: the driver gets our exact literal; server: plain values (codecs encode)."""
        if self.paramstyle == "pyformat":
            if isinstance(value, _dt.date):
                if not self.has("date_lut_2149"):
                    self._refuse_late_date(value)
                self._refuse_narrowed(value)
            return InlineLiteral(self.preparer.literal(value))
        while isinstance(value, enum.Enum):
            value = value.value
        return value

    def _refuse_late_date(self, value: _dt.date) -> None:
        """An old server reads a date after 2105-12-31 as 1970-01-01: a filter on it would
        match the wrong rows. The message names the type, never the value."""
        problem = lut_2105_problem(value)
        if problem is not None:
            raise QueryError(f"A bound {type(value).__name__} value {problem}; the server is "
                             f"ClickHouse {versions.format_version(self.server_version)}, so "
                             "the query is not sent.")

    def _refuse_narrowed(self, value: _dt.date) -> None:
        """Without DateTime64 (20.1) and Date32 (21.9) the literal is a DateTime or a Date:
        ``toDateTime`` drops a fraction of a second and clamps an instant before 1970 to
        1970, ``toDate`` clamps a day before 1970 to 1970-01-01, so a filter would match
        rows it should not. Such a value is refused, naming its type, never the value."""
        if isinstance(value, _dt.datetime):
            naive = (value.astimezone(_dt.UTC).replace(tzinfo=None)
                     if value.tzinfo is not None and value.utcoffset() is not None else value)
            if self.has("datetime64") or (not naive.microsecond and naive >= _EPOCH):
                return
            what = ("a fraction of a second" if naive.microsecond else "an instant before 1970")
            feature = "datetime64"
        elif self.has("date32") or value >= _EPOCH.date():
            return
        else:
            what, feature = "a day before 1970", "date32"
        since = versions.format_version(versions.get_feature(feature).since)
        raise QueryError(
            f"A bound {type(value).__name__} value has {what}, which ClickHouse "
            f"{versions.format_version(self.server_version)} cannot compare exactly (it "
            f"rounds it into DateTime/Date's range; {since} has the wider type), so the "
            "query is not sent. Compare with whole seconds from 1970 on.")

    def placeholder_tables(self) -> Mapping[type, Sequence[str]]:
        """The placeholders ``bind_pyformat``/``bind_server`` write for the plain scalars
        they pass unchanged (none when a subclass changes the binder or the typing)."""
        cls = type(self)
        if self.paramstyle == "pyformat" and cls.bind_pyformat is ClickHouseGrammar.bind_pyformat:
            return dict.fromkeys((str, float, int, type(None)), _PYFORMAT)
        if (self.paramstyle == "server" and cls.bind_server is ClickHouseGrammar.bind_server
                and cls.server_param_type is ClickHouseGrammar.server_param_type):
            return {int: _SERVER_INT64, str: _SERVER_STRING, float: _SERVER_FLOAT64}
        return {}

    def bind_pyformat(self, w: SQLWriter, value: Any) -> None:
        # the driver escapes str, float and None exactly and writes Int64/UInt64 as is;
        # everything else (bytes, bool, big ints, ...) goes through adapt
        params = w.params
        n = len(params)
        t = type(value)
        if t is str or t is float or value is None or (t is int and _INT_MIN <= value <= _INT_MAX):
            params.append(value)
        else:
            params.append(self.adapt(value))
        w.write(_PYFORMAT[n] if n < 256 else f"%(p{n})s")

    def bind_server(self, w: SQLWriter, value: Any) -> None:
        # the common scalars write a precomputed placeholder (the same text the base
        # writes from ``server_param_type``); every other value takes the base's path
        params = w.params
        n = len(params)
        if n < 256 and self._typed_fast:
            t = type(value)
            if t is int:
                if _INT64_MIN <= value <= _INT64_MAX:
                    params.append(value)
                    w.write(_SERVER_INT64[n])
                    return
            elif t is str:
                params.append(value)
                w.write(_SERVER_STRING[n])
                return
            elif t is float:
                params.append(value)
                w.write(_SERVER_FLOAT64[n])
                return
        super().bind_server(w, value)

    def inline_literal(self, value: Any) -> str:
        return self.preparer.literal(value)

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
    def compare_unlisted(self, node: Compare, w: SQLWriter) -> None:
        """Servers before 20.6 have no ILIKE: compare lower-cased (UTF-8) text instead."""
        op = node[1]
        if op != "ILIKE" and op != "NOT ILIKE":
            super().compare_unlisted(node, w)
            return
        w.write("lowerUTF8(")
        self.expr(node[0], w)
        w.write(") NOT LIKE lowerUTF8(" if op == "NOT ILIKE" else ") LIKE lowerUTF8(")
        self.operand(node[2], w)
        w.write(")")

    def visit_between(self, node: Any, w: SQLWriter) -> None:
        left, low, high, negate = node
        # NOT BETWEEN is not parsed by older servers; NOT (...) means the same everywhere
        if negate:
            w.write("NOT (")
        self.expr(left, w)
        w.write(" BETWEEN ")
        self.operand(low, w)
        w.write(" AND ")
        self.operand(high, w)
        if negate:
            w.write(")")

    def visit_exists(self, node: Exists, w: SQLWriter) -> None:
        self.need("exists")
        super().visit_exists(node, w)

    def func_param(self, param: Any, w: SQLWriter) -> None:
        """Parametric-function parameters must be constants: numbers are written as such."""
        t = type(param)
        if t is int or t is float or t is decimal.Decimal:
            w.write(format_number(param))
        else:
            super().func_param(param, w)

    # ------------------------------------------------------------------ SELECT ----------
    def compile_select(self, state: QueryState, w: SQLWriter) -> None:
        if state.extra is EMPTY_EXTRAS and not state.joins:  # no UNION, no join's NULLs
            super().compile_select(state, w)
            return
        if state.joins and _needs_join_nulls(state):
            state = state.set("settings", (*state.settings, ("join_use_nulls", 1)))
        if state.unions:
            self.compile_union(state, w)
        else:
            super().compile_select(state, w)

    def compile_union(self, state: QueryState, w: SQLWriter) -> None:
        """``head UNION ALL|DISTINCT member ...``; the query's ORDER BY, LIMIT BY, LIMIT
        and SETTINGS apply to the whole chain, so they go on ``SELECT * FROM (chain)``."""
        self.require("unions")
        outer = bool(state.orders or state.limit is not None or state.offset is not None
                     or state.limit_by is not None or state.settings)
        if state.ctes:
            self.clause_ctes(state, w)
            w.write(" ")
        head = state.set_many(ctes=(), unions=())
        if outer:
            head = head.set_many(orders=(), limit=None, offset=None, limit_by=None, settings=())
            w.write("SELECT * FROM (")
        self.compile_select(head, w)
        for all_, member in state.unions:
            if not all_:
                self.need("union_distinct")
            w.write(" UNION ALL " if all_ else " UNION DISTINCT ")
            if member.unions:  # a nested chain keeps its own grouping
                w.write("SELECT * FROM (")
                self.compile_select(member, w)
                w.write(")")
            else:
                self.compile_select(member, w)
        if outer:
            w.write(")")
            for clause in (self.clause_orders, self.clause_limit_by, self.clause_limit,
                           self.clause_settings):
                at = len(w)
                w.write(" ")
                clause(state, w)
                if len(w) == at + 1:  # the clause wrote nothing: drop its space
                    w.pop()

    def clause_ctes(self, state: QueryState, w: SQLWriter) -> None:
        if not state.ctes:
            return
        self.need("cte")
        super().clause_ctes(state, w)

    def clause_sample(self, state: QueryState, w: SQLWriter) -> None:
        sample = state.sample
        if sample is None:
            return
        self.require("sample")
        ratio, offset = sample
        w.write(f"SAMPLE {format_number(ratio)}")
        if offset is not None:
            w.write(f" OFFSET {format_number(offset)}")

    def compile_join(self, join: Join, w: SQLWriter) -> None:
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
        w.write(f"{'GLOBAL ' if global_ else ''}{head} ")
        self.expr(target, w)
        self.join_condition(on, using, w)

    def clause_groups(self, state: QueryState, w: SQLWriter) -> None:
        modifier = state.group_modifier
        if modifier is not None and modifier not in _GROUP_MODIFIERS:
            raise QueryError(f"Unknown GROUP BY modifier {modifier!r}; expected one of "
                             f"{', '.join(sorted(_GROUP_MODIFIERS))}")
        super().clause_groups(state, w)

    def clause_limit_by(self, state: QueryState, w: SQLWriter) -> None:
        spec = state.limit_by
        if spec is None:
            return
        self.require("limit_by")
        n, cols, offset = spec
        if offset is None:
            w.write(f"LIMIT {_count(n)} BY ")
        else:
            self.need("limit_by_offset")
            w.write(f"LIMIT {_count(n)} OFFSET {_count(offset)} BY ")
        self.each(cols, w, self.expr)

    def clause_limit(self, state: QueryState, w: SQLWriter) -> None:
        limit, offset = state.limit, state.offset
        if limit is None:
            if offset is None:
                return
            if self._modern_limit:
                w.write(f"OFFSET {_count(offset)}")
            else:
                w.write(f"LIMIT {_count(offset)}, {_NO_LIMIT}")
        elif offset is None:
            w.write(f"LIMIT {_count(limit)}")
        elif self._modern_limit:
            w.write(f"LIMIT {_count(limit)} OFFSET {_count(offset)}")
        else:
            # before 20.5 ``LIMIT n OFFSET m`` fails after a LIMIT BY; the comma form never does
            w.write(f"LIMIT {_count(offset)}, {_count(limit)}")

    def clause_settings(self, state: QueryState, w: SQLWriter) -> None:
        if not state.settings:
            return
        self.require("settings")
        w.write(self.settings_sql(dict(state.settings)))

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
    def compile_insert(self, state: QueryState, w: SQLWriter) -> None:
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
        w.write(f"INSERT INTO {table} ({cols}){settings} VALUES ")
        self.insert_rows(rows, w)

    def compile_update(self, state: QueryState, w: SQLWriter) -> None:
        """``ALTER TABLE t UPDATE ... WHERE`` (a mutation) by default; the lightweight
        ``UPDATE t SET ... WHERE`` when the query's option ``update_mode`` is
        ``"lightweight"`` (capability ``lightweight_update``, ClickHouse 25.7+)."""
        table = self.mutation_table(state, "UPDATE")
        self.refuse_for_write(state, "UPDATE")
        mode = _mode(state, "update_mode")
        if not state.payload:
            raise QueryError(f"UPDATE of {table} has no assignments")
        cluster = self.on_cluster(state)
        if mode == "lightweight":
            self.need("lightweight_update", where="update_mode='lightweight'")
            self.need_capability("lightweight_update", "Lightweight UPDATE")
            extra = versions.settings_for(self.server_version, "lightweight_update")
            w.write(f"UPDATE {table}{cluster} SET ")
            alter = False
        else:
            self.need_capability("mutations", "ALTER TABLE ... UPDATE (mutations)")
            extra = {}
            w.write(f"ALTER TABLE {table}{cluster} UPDATE ")
            alter = True
        self.compile_assignments(state.payload, w)
        w.write(" WHERE ")
        self.mutation_where(state, w)
        w.write(self.write_settings(state, extra, alter=alter))

    def compile_delete(self, state: QueryState, w: SQLWriter) -> None:
        """Lightweight ``DELETE FROM t WHERE`` where the server has it (22.8+), else the
        mutation ``ALTER TABLE t DELETE WHERE``; the option ``delete_mode`` forces either."""
        table = self.mutation_table(state, "DELETE")
        self.refuse_for_write(state, "DELETE")
        mode = _mode(state, "delete_mode")
        available = "lightweight_delete" in self.capabilities and self.has("lightweight_delete")
        if mode == "lightweight" and not available:
            self.need("lightweight_delete", where="delete_mode='lightweight'")
            self.need_capability("lightweight_delete", "Lightweight DELETE")
        cluster = self.on_cluster(state)
        if mode == "lightweight" or (mode is None and available):
            extra = versions.settings_for(self.server_version, "lightweight_delete")
            w.write(f"DELETE FROM {table}{cluster} WHERE ")
            alter = False
        else:
            self.need_capability("mutations", "ALTER TABLE ... DELETE (mutations)")
            extra = {}
            w.write(f"ALTER TABLE {table}{cluster} DELETE WHERE ")
            alter = True
        self.mutation_where(state, w)
        w.write(self.write_settings(state, extra, alter=alter))

    def mutation_where(self, state: QueryState, w: SQLWriter) -> None:
        """ClickHouse mutations require a WHERE: every row is ``WHERE 1``.

        Servers that mishandle a Nullable condition in a mutation get it as
        ``ifNull((cond), 0)``: a row whose condition is NULL is never touched, as in SQL.
        """
        if not state.wheres:
            w.write("1")
        elif self._null_safe_mutations:
            self.conditions(state.wheres, w)
        else:
            w.write("ifNull((")
            self.conditions(state.wheres, w)
            w.write("), 0)")

    def mutation_table(self, state: QueryState, verb: str) -> str:
        """The table an UPDATE/DELETE changes: a sharded model's local table (its rows
        live there; a Distributed table cannot be mutated), else the query's table."""
        table = self.target_table(state, verb)
        if not state.option("sharded"):
            return table
        source = state.table
        assert isinstance(source, Table)
        return self.quote_table(local_table_name(source[0], state.option("local_table")))

    def on_cluster(self, state: QueryState) -> str:
        cluster = state.option("cluster") or self.cluster
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


#: join kinds with an unmatched side: SQL fills it with NULL, ClickHouse with defaults
#: (0, '') unless ``join_use_nulls = 1``
_OUTER_JOINS = frozenset({"LEFT", "RIGHT", "FULL"})


def _needs_join_nulls(state: QueryState) -> bool:
    """Whether ``state`` has an outer join and leaves ``join_use_nulls`` to the ORM."""
    if not any(isinstance(j[0], str) and j[0].upper() in _OUTER_JOINS
               and j[4] not in ("SEMI", "ANTI") for j in state.joins):
        return False
    return all(key != "join_use_nulls" for key, _ in state.settings)


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
