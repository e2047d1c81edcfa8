"""AsyncConnection: one manager's async links on one event loop, lent per call.

See :mod:`clickorm.connection.aio` for the links and :mod:`clickorm.connection.bridged`
for how the ORM's sync code runs on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, TypeVar

from clickorm.connection.aio import AsyncLink
from clickorm.connection.base import Params, Result
from clickorm.connection.bridged import BridgedConnection
from clickorm.errors import ConnectionError, QueryError

__all__ = ["AsyncConnection", "pin", "pinned_bridge", "unpin"]

T = TypeVar("T")


#: the bridged connection each manager's code uses in this task (a session's pinned link)
_pinned: ContextVar[Mapping[int, BridgedConnection]] = ContextVar(
    "clickorm_pinned", default=MappingProxyType({}))


def pinned_bridge(owner: object) -> BridgedConnection | None:
    """The bridged connection pinned for ``owner`` (a manager) in this task, if any."""
    return _pinned.get().get(id(owner))


def pin(owner: object, bridge: BridgedConnection) -> Any:
    """Make ``bridge`` what ``owner``'s connection() returns in this task; a token."""
    return _pinned.set({**_pinned.get(), id(owner): bridge})


def unpin(token: Any) -> None:
    _pinned.reset(token)


class AsyncConnection:
    """One manager's links on one event loop: at most ``size`` open, lent per call."""

    def __init__(self, name: str, open_link: Callable[[], Awaitable[AsyncLink]], *,
                 size: int) -> None:
        self.name = name
        self.size = size
        self._open_link = open_link
        self._idle: list[AsyncLink] = []
        self._links: list[AsyncLink] = []
        self._slots = asyncio.Semaphore(size)
        self._bridge: BridgedConnection | None = None
        #: open streams per task, the task of each stream's link, and spare links
        self._streaming: dict[asyncio.Task[Any] | None, int] = {}
        self._stream_task: dict[int, asyncio.Task[Any]] = {}
        self._spares: set[int] = set()
        #: calls running on each pinned link (a session's), by the link's id
        self._holds: dict[int, int] = {}
        #: closes of broken links running in the background
        self._tasks: set[asyncio.Future[None]] = set()
        self.closed = False

    @property
    def opened(self) -> int:
        """How many links are open (idle or lent)."""
        return len(self._links)

    @property
    def lent(self) -> int:
        """How many links are lent out now."""
        return len(self._links) - len(self._idle)

    async def acquire(self, *, stream: bool = False, beside: bool = False) -> AsyncLink:
        """Lend a link (waiting while ``size`` are lent); give it back with release().

        A task that holds an open stream never waits for a slot (it would wait for
        itself: a query inside ``async for ... in q.aiter()``): it gets a spare link,
        closed when given back, as the sync driver opens a spare client. So does a call
        ``beside`` a busy session link (the session holds a slot until its block ends)."""
        if self.closed:
            raise ConnectionError("This async connection was closed; open a new one",
                                  connection=self.name)
        task = asyncio.current_task()
        if (beside or self._streaming.get(task)) and self._slots.locked():
            link = await self._open_link()
            self._links.append(link)
            self._spares.add(id(link))
        else:
            await self._slots.acquire()
            try:
                if self._idle:
                    link = self._idle.pop()
                else:
                    link = await self._open_link()
                    self._links.append(link)
            except BaseException:
                self._slots.release()
                raise
        if stream and task is not None:
            self._streaming[task] = self._streaming.get(task, 0) + 1
            self._stream_task[id(link)] = task
        return link

    async def release(self, link: AsyncLink) -> None:
        """Take a lent link back (closing it when it is broken or this is closed)."""
        if self._give_back(link):
            await link.close()

    def _give_back(self, link: AsyncLink) -> bool:
        """Take ``link`` back without waiting; True when the caller must close it."""
        task = self._stream_task.pop(id(link), None)
        if task is not None:
            left = self._streaming.pop(task, 1) - 1
            if left:
                self._streaming[task] = left
        if id(link) in self._spares:
            self._spares.discard(id(link))
            self._links = [held for held in self._links if held is not link]
            return True
        self._slots.release()
        if link.broken or self.closed:
            self._links = [held for held in self._links if held is not link]
            return True
        self._idle.append(link)
        return False

    def hold(self, link: AsyncLink) -> bool:
        """Count one more call on the pinned ``link``; False (nothing counted) when the
        link is exclusive and busy, so the call must run on another link."""
        if link.exclusive and self._holds.get(id(link)):
            if "transactions" in link.template.capabilities:
                raise QueryError(
                    f"[{self.name}] The session's connection is busy (a stream open on it, "
                    "or another task's query) and its transaction cannot be shared with "
                    "another connection; finish or close that first")
            return False
        self._holds[id(link)] = self._holds.get(id(link), 0) + 1
        return True

    def unhold(self, link: AsyncLink) -> None:
        """The end of a call counted by :meth:`hold`."""
        left = self._holds.pop(id(link), 1) - 1
        if left:
            self._holds[id(link)] = left

    async def run(self, pinned: AsyncLink | None,
                  op: Callable[[AsyncLink], Awaitable[T]]) -> T:
        """``op`` on the pinned link (on a lent one beside it while it is busy, see
        :meth:`hold`), or on a link lent for this call."""
        if pinned is not None and self.hold(pinned):
            try:
                return await op(pinned)
            finally:
                self.unhold(pinned)
        link = await self.acquire(beside=pinned is not None)
        try:
            return await op(link)
        finally:
            # given back at once (a cancelled caller must not keep it); closed in the
            # background when broken
            if self._give_back(link):
                self._closing(link)

    def _closing(self, link: AsyncLink) -> None:
        task = asyncio.ensure_future(link.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def execute(self, sql: str, params: Params = None) -> Result:
        """Run one statement with bound ``params`` on a lent link (raw SQL, awaited)."""
        bridge = await self.bridge()
        bridge._notify(sql, params)
        return await self.run(None, lambda link: link.execute(sql, params))

    async def bridge(self) -> BridgedConnection:
        """The bridged connection that lends a link per call (opening one to learn the
        server's facts first)."""
        if self._bridge is None:
            link = await self.acquire()
            try:
                if self._bridge is None:
                    self._bridge = BridgedConnection(self, link.template, None)
            finally:
                await self.release(link)
        return self._bridge

    async def pinned(self) -> BridgedConnection:
        """A bridged connection over one link of its own until :meth:`unpinned` (a
        session's transaction and statements stay on one connection)."""
        link = await self.acquire()
        return BridgedConnection(self, link.template, link)

    async def unpinned(self, bridge: BridgedConnection) -> None:
        if bridge.link is not None:
            link, bridge.link = bridge.link, None
            await self.release(link)

    async def aclose(self) -> None:
        """Close every link (lent ones when they come back); safe to call twice."""
        self.closed = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        idle, self._idle = self._idle, []
        self._links = [held for held in self._links if all(held is not i for i in idle)]
        for link in idle:
            await link.close()
