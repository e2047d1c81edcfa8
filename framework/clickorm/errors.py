"""The ClickORM exception family.

Every error says what failed, where (connection, table, file, key) and what to do.
Driver exceptions are wrapped with the original kept as ``__cause__``; the failing SQL
is kept on the exception, but bound values are never put into the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ClickORMError",
    "ConfigError",
    "PluginError",
    "ConnectionError",
    "QueryError",
    "ValidationError",
    "SchemaError",
    "MigrationError",
    "ModelNotFound",
    "HTTP404",
    "WriteError",
    "TableWrite",
]


class ClickORMError(Exception):
    """Base class of every error ClickORM raises on purpose."""


class ConfigError(ClickORMError):
    """The configuration file, an environment variable or a URL is wrong."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        where = []
        if file:
            where.append(f"in {file}")
        if key:
            where.append(f"at key {key!r}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        #: the message without the file and key
        self.reason = message
        self.file = file
        self.key = key


class PluginError(ClickORMError):
    """A plugin failed to load, is invalid, or a requested dialect is unavailable."""


class ConnectionError(ClickORMError):  # noqa: A001 - deliberately mirrors the builtin name
    """A connection could not be opened, or was lost and could not be restored."""

    def __init__(self, message: str, *, connection: str | None = None) -> None:
        super().__init__(f"[{connection}] {message}" if connection else message)
        self.connection = connection


class QueryError(ClickORMError):
    """A query is malformed, unsupported by the dialect, or failed on the server.

    ``sql`` holds the statement text (placeholders, never the bound values).
    """

    def __init__(
        self,
        message: str,
        *,
        sql: str | None = None,
        connection: str | None = None,
        params_count: int | None = None,
    ) -> None:
        text = f"[{connection}] {message}" if connection else message
        if sql:
            shown = sql if len(sql) <= 2000 else sql[:2000] + " ..."
            text += f"\n  SQL: {shown}"
            if params_count:
                text += f"\n  ({params_count} bound parameter(s), values not shown)"
        super().__init__(text)
        self.sql = sql
        self.connection = connection


class ValidationError(ClickORMError, ValueError):
    """Model data failed validation; wraps Pydantic's error, naming model and fields."""

    def __init__(self, message: str, *, model: str | None = None, errors: Any = None) -> None:
        super().__init__(message)
        self.model = model
        self.errors = errors or []


class SchemaError(ClickORMError):
    """A table definition, type mapping or DDL operation is invalid or failed."""


class MigrationError(ClickORMError):
    """A migration file is invalid or a migration failed to apply or roll back."""


class ModelNotFound(QueryError, LookupError):
    """``first_or_fail`` / ``find_or_fail`` found no row."""


class HTTP404(ModelNotFound):
    """``find_or_404`` found no row (Masonite's name: a web layer maps it to a 404)."""


@dataclass(frozen=True)
class TableWrite:
    """What one table's part of a failed bulk write did, counted in rows.

    ``landed``: known written (those instances are marked persisted); ``not_landed``: known
    not written (they stay pending); ``in_doubt``: sent, but the failure leaves unknown
    whether the server kept them (they stay pending). ``retry_safe`` says whether sending
    the rows in doubt again cannot double them (the server deduplicates); ``note`` says why.
    ``unread`` is True when the input was an iterator whose rest was not read.
    """

    table: str
    landed: int
    not_landed: int
    in_doubt: int
    retry_safe: bool
    note: str = ""
    unread: bool = False

    def describe(self) -> str:
        text = (f"{self.table}: {self.landed:,} row(s) landed, {self.not_landed:,} not "
                f"written, {self.in_doubt:,} in doubt")
        if self.unread:
            text += " (the rest of the input was not read)"
        if self.in_doubt:
            text += ("; retrying is safe: " if self.retry_safe
                     else "; retrying is NOT safe, the rows in doubt may be written twice: ")
            text += self.note
        return text


class WriteError(QueryError):
    """A bulk write failed part-way; ``tables`` says per table what landed.

    Instances that landed are marked persisted and the others stay pending, so retrying
    the same ``insert_many`` call (with the same instances) or flush writes only what is
    missing; the rows in doubt are deduplicated where ``retry_safe`` says so.
    """

    def __init__(self, message: str, tables: tuple[TableWrite, ...], *,
                 connection: str | None = None) -> None:
        lines = "\n".join(f"  - {t.describe()}" for t in tables)
        super().__init__(f"{message}\n{lines}", connection=connection)
        self.tables = tables

    @property
    def retry_safe(self) -> bool:
        """Whether retrying cannot double a row (no table has rows in doubt that could)."""
        return all(t.retry_safe or not t.in_doubt for t in self.tables)

    def roll_back(self) -> None:
        """The transaction that held this write rolled back: none of its rows landed.
        The counts and the message are rewritten in place (the error may be held)."""
        note = "rolled back with the transaction"
        self.tables = tuple(
            TableWrite(t.table, 0, t.landed + t.not_landed + t.in_doubt, 0, True, note,
                       t.unread)
            for t in self.tables)
        summary = str(self.args[0]).split("\n  - ", 1)[0] if self.args else ""
        lines = "\n".join(f"  - {t.describe()}" for t in self.tables)
        self.args = (f"{summary}\n  The transaction was rolled back: none of these rows "
                     f"is in the database.\n{lines}",)
