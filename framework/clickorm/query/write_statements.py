"""WriteStatements: how a grammar compiles INSERT, UPDATE and DELETE.

A mixin of :class:`BaseGrammar`: the statements that change rows, with the checks that
refuse a clause a write cannot carry (never silently dropped). A dialect overrides one
method per statement that differs (ClickHouse writes mutations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.errors import QueryError
from clickorm.query.expressions import Assign, Table
from clickorm.query.state import QueryState
from clickorm.query.writer import SQLWriter

__all__ = ["WriteStatements"]


class WriteStatements:
    """The write half of a grammar (mixed into :class:`BaseGrammar`)."""

    if TYPE_CHECKING:  # provided by BaseGrammar
        name: ClassVar[str]

        def quote(self, name: str) -> str: ...
        def quote_table(self, name: str) -> str: ...
        def bind_each(self, values: Any, w: SQLWriter) -> None: ...
        def operand(self, node: Any, w: SQLWriter) -> None: ...
        def clause_wheres(self, state: QueryState, w: SQLWriter) -> None: ...

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
