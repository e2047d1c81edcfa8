"""The async API's one entry point into the sync ORM code: :func:`run`.

``await q.aget()`` is ``execution.get`` run by :func:`clickorm.connection.bridge.run_sync`:
the same compile, hydrate, eager-load and write code as ``q.get()``; inside it every
connection a manager hands out is that manager's bridged connection for the running
event loop (or the session's), whose I/O awaits the async links. Nothing of the query
path is written twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import GeneratorType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from clickorm.connection.base import BaseConnection
from clickorm.connection.bridge import run_sync
from clickorm.connection.bridged import BridgedConnection
from clickorm.errors import QueryError
from clickorm.model import execution

if TYPE_CHECKING:
    from clickorm.model.builder import QueryBuilder

__all__ = ["iterate", "run"]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


async def run(builder: QueryBuilder[Any], fn: Callable[P, T], *args: P.args,
              **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` (a sync terminal of ``builder``) with its I/O awaited."""
    _check(builder)
    return await run_sync(fn, *args, **kwargs)


def _check(builder: QueryBuilder[Any]) -> None:
    conn = builder._conn
    if isinstance(conn, BaseConnection) and not isinstance(conn, BridgedConnection):
        raise QueryError(
            f"This query is bound to the sync connection {conn.name!r} (a sync session's, "
            "or .on(connection)); the async API would block the event loop on it. Bind it "
            "to a connection name, or query through manager.async_session()",
            connection=conn.name)


async def iterate(builder: QueryBuilder[R], batch_size: int) -> AsyncIterator[R]:
    """Stream rows one batch of ``batch_size`` at a time (``execution.chunk``'s batches)."""
    _check(builder)
    chunks = execution.chunk(builder, batch_size)
    try:
        while True:
            batch = await run_sync(next, chunks, None)
            if batch is None:
                return
            for item in batch:
                yield item
    finally:
        # stopping early releases the stream's link (the server stops the query)
        if isinstance(chunks, GeneratorType):
            await run_sync(chunks.close)


