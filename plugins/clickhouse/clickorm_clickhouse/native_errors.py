"""Translate clickhouse-driver failures into ClickORM errors that say what to do.

The driver raises its own ``ServerException`` (with the server's code), ``NetworkError``
when no host accepted the connection, and plain ``OSError`` / ``EOFError`` /
``socket.timeout`` when a socket fails mid-query. Each lands here with the context of
the call (which hosts, which user, which SQL) and leaves as a ConnectionError or a
QueryError; the driver's exception stays as ``__cause__``.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clickorm.errors import ClickORMError, ConnectionError, QueryError
from clickorm_clickhouse.error_values import describe_params, without_values

#: server error codes that mean the login itself was refused
AUTH_CODES = frozenset({192, 193, 194, 516})  # UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD,
# AUTHENTICATION_FAILED (516 replaced the first three in 20.x)
UNKNOWN_DATABASE = 81
TIMEOUT_EXCEEDED = 159
QUERY_WAS_CANCELLED = 394
#: the words of a handshake timeout's reason (written by :mod:`.native_handshake`)
HANDSHAKE_TIMED_OUT = "accepted the TCP connection but did not answer the handshake"

_PREFIX = re.compile(r"^(Code:\s*\d+\.\s*)?(DB::Exception:\s*)?", re.S)
_DB_NAME = re.compile(
    r"Database `?([^`\s]+?)`? doesn't exist|Database `?([^`\s]+?)`? does not exist"
)


@dataclass
class CallContext:
    """Where a driver call happened, for the error message."""

    connection: str
    #: every host the driver may try, ``"h:p, h2:p2"``
    hosts: str
    #: the host the failing call talked to, ``"h:p"``
    host: str
    user: str
    database: str
    phase: str  # "connect", "query", "stream" or "insert"
    sql: str | None = None
    params_count: int | None = None
    #: the bound values, only to keep them out of server messages (never shown)
    params: Mapping[str, Any] | None = field(default=None, repr=False)
    query_id: str | None = None
    timeout: float | None = None
    #: the configured connect_timeout (None: the driver's default)
    connect_timeout: float | None = None
    table: str | None = None
    insert_block_size: int | None = None
    cancelled: bool = False


def server_message(exc: BaseException) -> str:
    """The server's message without the ``Code: N. DB::Exception:`` prefix or stack trace."""
    text = getattr(exc, "message", None) or str(exc)
    text = text.split("Stack trace", 1)[0]
    text = _PREFIX.sub("", text.strip())
    return " ".join(text.split()).rstrip(". ") or type(exc).__name__


def _with_sql(error: ClickORMError, ctx: CallContext) -> ClickORMError:
    """Keep the SQL on a ConnectionError too (QueryError already has it)."""
    if not isinstance(error, QueryError):
        error.sql = ctx.sql  # type: ignore[attr-defined]
    error.query_id = ctx.query_id  # type: ignore[attr-defined]
    return error


def _query_error(message: str, ctx: CallContext) -> QueryError:
    if ctx.params:
        message += f" [parameters: {describe_params(ctx.params)}]"
    if ctx.query_id:
        message += f" [query_id {ctx.query_id}]"
    return QueryError(
        message, sql=ctx.sql, connection=ctx.connection, params_count=ctx.params_count
    )


def _what(ctx: CallContext) -> str:
    if ctx.phase == "insert" and ctx.table:
        return f"INSERT into {ctx.table}"
    return "the query"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def translate(exc: BaseException, ctx: CallContext, driver_errors: Any = None) -> ClickORMError:
    """Map one driver exception (raised in ``ctx``) to the ClickORM error to raise from it.

    ``driver_errors`` is the driver's errors module: clickhouse-driver's by default, or
    asynch's (the same classes by name, see :mod:`.native_async`)."""
    from clickhouse_driver import errors as sync_errors

    ch = sync_errors if driver_errors is None else driver_errors

    if isinstance(exc, ClickORMError):
        return exc

    if ctx.cancelled:
        return cancelled_error(ctx)

    if isinstance(exc, ch.ServerException):
        return _with_sql(_server_error(exc, ctx), ctx)

    if isinstance(exc, (ch.NetworkError, ch.SocketTimeoutError)):
        # the driver raises these only when no host accepted a (re)connection
        return _with_sql(_unreachable(exc, ctx), ctx)

    if isinstance(exc, ch.PartiallyConsumedQueryError):
        return _with_sql(
            _query_error(
                "Another query's result is still being streamed on this connection. Finish or "
                "close that iterator first, or run this query on another connection",
                ctx,
            ),
            ctx,
        )

    if isinstance(exc, socket.timeout):
        return _with_sql(_query_error(_timed_out(ctx), ctx), ctx)

    if isinstance(exc, (OSError, EOFError)):
        return _with_sql(_lost(exc, ctx), ctx)

    binding = (KeyError, TypeError, ValueError)
    if ctx.phase in ("query", "stream") and ctx.params_count and isinstance(exc, binding):
        # the driver's own messages may quote a value: never show them
        detail = (
            f"no value for placeholder %({exc.args[0]})s"
            if isinstance(exc, KeyError) and exc.args
            else f"{type(exc).__name__} while escaping or substituting"
        )
        return _with_sql(
            _query_error(
                f"Could not bind the parameters into the SQL ({detail}). Placeholders are "
                "%(name)s, each needs a value of a type the driver can escape, and a literal "
                "% in SQL with parameters is written %%",
                ctx,
            ),
            ctx,
        )

    if isinstance(exc, (ch.Error, TypeError, ValueError, OverflowError)) or _is_struct_error(exc):
        if ctx.phase == "insert":
            # the driver's encoding errors may quote the value: name the column, not it
            column = _COLUMN_NAMED.search(str(exc))
            where = f" (column {column.group(1)!r})" if column else ""
            return _with_sql(_query_error(
                f"Could not encode the rows for INSERT into {ctx.table}{where}: "
                f"{type(exc).__name__}; a value does not fit its column's type (the "
                "driver's message is left out: it can quote the value)", ctx), ctx)
        return _with_sql(_query_error(
            f"The ClickHouse driver failed: {type(exc).__name__}: {exc}", ctx), ctx)

    return _with_sql(
        _query_error(f"Unexpected failure on {ctx.host}: {type(exc).__name__}: {exc}", ctx), ctx
    )


#: "Column name: ..." in clickhouse-driver's encoding errors
_COLUMN_NAMED = re.compile(r"[Cc]olumn\s+`?([A-Za-z_][A-Za-z0-9_.]*)`?")


def _timed_out(ctx: CallContext) -> str:
    """A client-side timeout: the server may still be running the statement, and finish it."""
    limit = f"{ctx.timeout:g} s" if ctx.timeout else "the receive timeout"
    text = (
        f"{_cap(_what(ctx))} timed out after {limit} without an answer from {ctx.host} "
        "(send_receive_timeout). The connection was reset and reconnects on the next query. "
    )
    check = (
        f"look for query_id '{ctx.query_id}' in system.processes (still running) and "
        "system.query_log (finished or failed, where log_queries=1)"
        if ctx.query_id else "look for it in system.processes and system.query_log"
    )
    if ctx.phase == "insert":
        text += (
            "The server may still complete this INSERT: rows it received can land after "
            f"this error. Before retrying, {check}, or count the rows"
        )
    else:
        text += (
            "The server may still be running the statement, and complete it if it writes; "
            f"to check, {check}. Raise send_receive_timeout, or bound the query on the "
            "server with the max_execution_time setting"
        )
    return text


def cancelled_error(ctx: CallContext) -> QueryError:
    """The error of a call interrupted by ``cancel()``."""
    error = _query_error(f"{_cap(_what(ctx))} was cancelled by cancel() on {ctx.host}", ctx)
    error.query_id = ctx.query_id  # type: ignore[attr-defined]
    return error


def _is_struct_error(exc: BaseException) -> bool:
    import struct

    return isinstance(exc, struct.error)


def _server_error(exc: BaseException, ctx: CallContext) -> ClickORMError:
    code = getattr(exc, "code", None)
    message = without_values(server_message(exc), ctx.params)
    if code in AUTH_CODES:
        return ConnectionError(
            f"Authentication failed for user {ctx.user!r} at {ctx.host} (server code {code}: "
            f"{message}). Check the user and password of this connection "
            "(and that the user may connect from this address)",
            connection=ctx.connection,
        )
    if code == UNKNOWN_DATABASE:
        named = _DB_NAME.search(message)
        name = next((g for g in named.groups() if g), None) if named else None
        if name is None or name == ctx.database:
            return ConnectionError(
                f"Database {ctx.database!r} does not exist on {ctx.host} (server code 81: "
                f"{message}). Create it (CREATE DATABASE {ctx.database}) or fix the database "
                "of this connection",
                connection=ctx.connection,
            )
        return _query_error(f"Database {name!r} does not exist on {ctx.host} (code 81)", ctx)
    if code == TIMEOUT_EXCEEDED:
        return _query_error(
            f"{_cap(_what(ctx))} exceeded its time limit on {ctx.host} (server code 159: "
            f"{message}). Raise max_execution_time or narrow the query",
            ctx,
        )
    if code == QUERY_WAS_CANCELLED:
        return _query_error(
            f"{_cap(_what(ctx))} was cancelled on {ctx.host} (server code 394: {message})",
            ctx,
        )
    if ctx.phase == "connect":
        return ConnectionError(
            f"ClickHouse at {ctx.host} refused the connection (server code {code}: {message})",
            connection=ctx.connection,
        )
    return _query_error(f"ClickHouse error {code} on {ctx.host}: {message}", ctx)


def _unreachable(exc: BaseException, ctx: CallContext) -> ConnectionError:
    reason = server_message(exc)
    tried = ctx.hosts.split(", ")
    where = f"{tried[0]} (alt hosts: {', '.join(tried[1:])})" if len(tried) > 1 else tried[0]
    if HANDSHAKE_TIMED_OUT in reason:
        return ConnectionError(
            f"Cannot connect to ClickHouse at {where}: the handshake timed out. Tried "
            f"{len(tried)} host(s): {ctx.hosts}; last error: {reason}. The server is "
            "probably hung, stopped or overloaded (or that port is not a ClickHouse native "
            "port): check its state and log, or raise connect_timeout",
            connection=ctx.connection,
        )
    return ConnectionError(
        f"Cannot connect to ClickHouse at {where}. Tried {len(tried)} host(s): {ctx.hosts}; "
        f"last error: {reason}. Check that clickhouse-server is running and accepts native TCP "
        "connections on that port (9000 by default, 9440 with secure=true), and check the "
        "host, port and alt_hosts of this connection",
        connection=ctx.connection,
    )


def _lost(exc: BaseException, ctx: CallContext) -> ConnectionError:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if ctx.phase == "insert":
        block = f"{ctx.insert_block_size:,}" if ctx.insert_block_size else "insert_block_size"
        tail = (
            f" The INSERT did not complete. ClickHouse writes each block (up to {block} rows, "
            "one part per partition) atomically: a block is either entirely in the table or "
            "not at all, and blocks written before the failure stay. Count the rows before "
            "retrying, or make the retry idempotent (ReplacingMergeTree, deduplication)."
        )
    else:
        tail = " The statement may or may not have run on the server."
    return ConnectionError(
        f"Lost the connection to {ctx.host} during {_what(ctx)} ({reason}).{tail} "
        "The next query reconnects",
        connection=ctx.connection,
    )
