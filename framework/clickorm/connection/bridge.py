"""Running the ORM's synchronous code from asyncio: one greenlet per awaited call.

The async API reuses every line of the sync query path (compile, execute, hydrate, eager
loads, writers, sessions). :func:`run_sync` runs such a sync function in a greenlet on
the event loop's thread; wherever that code does I/O, the async connection's bridged
connection calls :func:`await_`, which hands the awaitable to the coroutine that started
the greenlet and resumes with its result (SQLAlchemy's asyncio extension works the same
way). Only the I/O is asynchronous; the rest is the sync code, run unchanged.

The greenlet shares the awaiting task's context (context variables: sessions, scopes),
so a cancellation of that task reaches the awaited I/O and unwinds the sync code like
any exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from clickorm.errors import ClickORMError

__all__ = ["await_", "in_bridge", "run_sync"]

T = TypeVar("T")
P = ParamSpec("P")


try:  # the async extra; the sync API never needs it
    import greenlet as _greenlet_module
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    _greenlet_module = None


def _greenlet() -> Any:
    if _greenlet_module is None:
        raise ClickORMError(
            "The async API needs the greenlet package: pip install 'clickorm[async]'")
    return _greenlet_module


class _Marker:
    """Set as ``clickorm_bridge`` on the greenlets :func:`run_sync` starts."""


def in_bridge() -> bool:
    """Whether the current code runs inside :func:`run_sync` (so it may :func:`await_`)."""
    if _greenlet_module is None:
        return False
    return getattr(_greenlet_module.getcurrent(), "clickorm_bridge", None) is not None


def await_(awaitable: Awaitable[T]) -> T:
    """Wait for ``awaitable`` from sync code running inside :func:`run_sync`."""
    greenlet = _greenlet()
    current = greenlet.getcurrent()
    if getattr(current, "clickorm_bridge", None) is None:
        if hasattr(awaitable, "close"):
            awaitable.close()  # never awaited: silence the warning, then explain
        raise ClickORMError(
            "An async connection was used from sync code: call the async API (aget(), "
            "asave(), ...) instead, inside a coroutine")
    # switch to the coroutine in run_sync, which awaits it and switches back the result
    result: T = current.parent.switch(awaitable)
    return result


async def run_sync(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` (sync ORM code) in a greenlet, awaiting its I/O."""
    greenlet = _greenlet()
    child = greenlet.greenlet(fn, parent=greenlet.getcurrent())
    child.clickorm_bridge = _Marker
    # share the task's contextvars (greenlets otherwise start with an empty context)
    child.gr_context = greenlet.getcurrent().gr_context
    result = child.switch(*args, **kwargs)
    while not child.dead:
        try:
            value = await result
        except BaseException as exc:  # noqa: BLE001 - delivered into the sync code
            result = child.throw(exc)
        else:
            result = child.switch(value)
    return result  # type: ignore[no-any-return]
