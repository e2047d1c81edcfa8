"""``manager.async_session()``: the sync unit of work, driven from asyncio."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import Token
from typing import TYPE_CHECKING, Any, TypeVar, overload

from clickorm.connection.async_pool import AsyncConnection, pin, unpin
from clickorm.connection.bridge import run_sync
from clickorm.connection.bridged import BridgedConnection
from clickorm.errors import QueryError
from clickorm.model.builder import QueryBuilder
from clickorm.model.model import Model
from clickorm.model.session import Session

if TYPE_CHECKING:
    from clickorm.connection.manager import ConnectionManager

__all__ = ["AsyncSession"]

M = TypeVar("M", bound=Model)


class AsyncSession:
    """``async with manager.async_session() as s:`` -- the sync :class:`Session` (one
    unit of work, one transaction where the dialect has them) on one link of the event
    loop's async connection, held for the block.

    ``add``/``add_all``/``delete`` buffer as in a sync session; ``await s.flush()``,
    ``await s.commit()`` and ``await s.rollback()`` write; ``s.query(User)`` is a builder
    on the session's link (use its async terminals). Inside the block the models' async
    methods (``await user.asave()``, ``await User.where(...).aget()``) use the session's
    link too.
    """

    def __init__(self, manager: ConnectionManager, *, async_insert: bool | None = None,
                 wait_for_async_insert: bool | None = None) -> None:
        self._manager = manager
        self._options = (async_insert, wait_for_async_insert)
        self._owner: AsyncConnection | None = None
        self._bridge: BridgedConnection | None = None
        self._session: Session | None = None
        self._pin: Token[Any] | None = None

    @property
    def session(self) -> Session:
        """The sync unit of work this session drives (valid inside the block)."""
        if self._session is None:
            raise QueryError("Use the async session inside 'async with "
                             "manager.async_session() as s:'")
        return self._session

    async def __aenter__(self) -> AsyncSession:
        owner = self._manager.async_connection()
        bridge = await owner.pinned()
        self._owner, self._bridge = owner, bridge
        self._pin = pin(self._manager, bridge)
        self._session = Session(bridge, async_insert=self._options[0],
                                wait_for_async_insert=self._options[1])
        try:
            await run_sync(self._session.__enter__)
        except BaseException:
            await self._leave()
            raise
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            await run_sync(self.session.__exit__, exc_type, exc, tb)
        finally:
            await self._leave()

    async def _leave(self) -> None:
        token, self._pin = self._pin, None
        if token is not None:
            unpin(token)
        owner, bridge = self._owner, self._bridge
        self._owner = self._bridge = None
        if owner is not None and bridge is not None:
            await owner.unpinned(bridge)

    # -- reading ----------------------------------------------------------------------------
    @overload
    def query(self, model: type[M]) -> QueryBuilder[M]: ...
    @overload
    def query(self, model: str) -> QueryBuilder[dict[str, Any]]: ...
    def query(self, model: type[M] | str) -> QueryBuilder[M] | QueryBuilder[dict[str, Any]]:
        """A builder on this session's link: ``await s.query(User).where(...).aget()``."""
        return self.session.query(model)

    # -- the unit of work ---------------------------------------------------------------------
    def add(self, instance: Model) -> None:
        self.session.add(instance)

    def add_all(self, instances: Iterable[Model]) -> None:
        self.session.add_all(instances)

    def delete(self, instance: Model) -> None:
        self.session.delete(instance)

    @property
    def pending(self) -> int:
        return self.session.pending

    async def flush(self) -> None:
        await run_sync(self.session.flush)

    async def commit(self) -> None:
        await run_sync(self.session.commit)

    async def rollback(self) -> None:
        await run_sync(self.session.rollback)

    def __repr__(self) -> str:
        return f"<AsyncSession {self._manager.name!r}>"
