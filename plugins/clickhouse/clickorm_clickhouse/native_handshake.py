"""Bound connecting (TCP and the protocol handshake) by ``connect_timeout``.

clickhouse-driver applies ``connect_timeout`` to the TCP connect only and then waits for
the server's Hello under ``send_receive_timeout`` (300 s by default): a hung server, whose
kernel still accepts connections, holds every (re)connect that long, and the timeout it
raises carries no reason. :class:`BoundedConnection` gives the handshake what is left of
``connect_timeout`` and raises timeouts that say which step did not answer.
"""

from __future__ import annotations

import errno
import time
from typing import Any

from clickhouse_driver.connection import Connection

from clickorm_clickhouse.native_errors import HANDSHAKE_TIMED_OUT

__all__ = ["BoundedConnection", "bound_connecting"]

#: the least time a handshake is given, however little of connect_timeout is left
_MIN_HANDSHAKE = 0.05


class BoundedConnection(Connection):  # type: ignore[misc]
    """A driver connection whose TCP connect plus handshake take at most connect_timeout."""

    def _create_socket(self, host: str, port: int) -> Any:
        started = time.monotonic()
        try:
            sock = super()._create_socket(host, port)
        except TimeoutError as exc:
            if exc.strerror:
                raise
            raise TimeoutError(
                errno.ETIMEDOUT,
                f"no TCP connection within {self.connect_timeout:g} s (connect_timeout)",
            ) from exc
        # _init_connection gives the socket send_receive_timeout right after this, for
        # the handshake: lend it the rest of connect_timeout (restored once connected)
        spent = time.monotonic() - started
        self.send_receive_timeout = max(_MIN_HANDSHAKE, float(self.connect_timeout) - spent)
        return sock

    def _init_connection(self, host: str, port: int) -> None:
        receive_timeout = self.send_receive_timeout
        try:
            super()._init_connection(host, port)
        except TimeoutError as exc:
            if not self.connected or exc.strerror:
                raise
            raise TimeoutError(
                errno.ETIMEDOUT,
                f"the server {HANDSHAKE_TIMED_OUT} within {self.connect_timeout:g} s "
                "(connect_timeout)",
            ) from exc
        finally:
            self.send_receive_timeout = receive_timeout
        if self.socket is not None:
            self.socket.settimeout(receive_timeout)


def bound_connecting(client: Any) -> Any:
    """Make every driver connection of ``client`` a :class:`BoundedConnection`; returns it.

    The driver builds its connections inside ``Client.__init__`` (one per host with
    round_robin); their class is swapped before any of them connects.
    """
    for conn in [client.connection, *client.connections]:
        if type(conn) is Connection:
            conn.__class__ = BoundedConnection
    return client
