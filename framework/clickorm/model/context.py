"""Which connection a model uses right now.

Inside ``with manager.session() as session:`` the session is pushed on a context
variable (per thread and per asyncio task, never shared), and models whose
``Meta.connection`` is unset or names the session's connection run on the session's
connection, inside its transaction: ``User.where(...).get()``, ``user.save()`` and
relationship loads included. Outside a session a model uses ``Meta.connection`` or the
configured default connection (this thread's connection of that manager).
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from clickorm.connection.manager import get_connection

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.session import Session

__all__ = ["session_connection", "connection_for", "push_session", "pop_session",
           "active_sessions"]

_sessions: ContextVar[tuple[Session, ...]] = ContextVar("clickorm_sessions", default=())


def active_sessions() -> tuple[Session, ...]:
    return _sessions.get()


def push_session(session: Session) -> Token[tuple[Session, ...]]:
    return _sessions.set(_sessions.get() + (session,))


def pop_session(token: Token[tuple[Session, ...]]) -> None:
    _sessions.reset(token)


def session_connection(model: Any) -> BaseConnection | None:
    """The innermost active session's connection, if it applies to ``model``."""
    sessions = _sessions.get()
    if not sessions:
        return None
    wanted = model.__connection_name__
    for session in reversed(sessions):
        if wanted is None or wanted == session.name:
            return session.connection
    return None


def connection_for(model: Any) -> BaseConnection:
    """The connection ``model`` reads and writes on (session, Meta.connection, default)."""
    conn = session_connection(model)
    if conn is not None:
        return conn
    return get_connection(model.__connection_name__)
