"""clickhouse-driver's log records for conditions ClickORM handles, demoted to DEBUG.

The driver logs a WARNING with a full traceback when a host refuses a connection (it then
tries the next host, or raises and ClickORM raises one ``ConnectionError`` naming every
host tried), when the module of a compression method is missing (ClickORM raises a
``ConfigError`` with the pip command), and when a ping finds a closed socket and it
reconnects (and asynch's alike, for the async API). Those records go to ``clickorm.clickhouse.driver`` at DEBUG instead, one line
each (the exception's text, no traceback); every other record of the driver is left as
it is.
"""

from __future__ import annotations

import logging
import threading

__all__ = ["HANDLED", "driver_log", "quiet_driver_logs"]

#: the driver's logger -> the message templates of the conditions ClickORM handles
HANDLED: dict[str, frozenset[str]] = {
    "clickhouse_driver.connection": frozenset({
        "Failed to connect to %s:%s",
        "Connection was closed, reconnecting.",
        "Error on socket shutdown: %s",
        "Error on %s ping: %s",
    }),
    "clickhouse_driver.compression": frozenset({"Unable to import module %s"}),
    # asynch (the async API): a refused host before failover, a reconnect
    "asynch.proto.connection": frozenset({
        "Failed to connect to %s:%s: %s",
        "Connection was closed, reconnecting.",
    }),
}

driver_log = logging.getLogger("clickorm.clickhouse.driver")

_lock = threading.Lock()
_installed: list[str] = []


class _Demote(logging.Filter):
    """Drops the handled records of one driver logger, passing them on at DEBUG."""

    def __init__(self, templates: frozenset[str]) -> None:
        super().__init__()
        self.templates = templates

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in self.templates:
            return True
        if driver_log.isEnabledFor(logging.DEBUG):
            text = record.getMessage()
            error = record.exc_info[1] if record.exc_info else None
            if error is not None:
                text += f" ({type(error).__name__}: {error})"
            driver_log.debug("%s: %s", record.name, text)
        return False


def quiet_driver_logs() -> None:
    """Install the filters on the driver's loggers (once per process)."""
    with _lock:
        for name, templates in HANDLED.items():
            if name not in _installed:
                logging.getLogger(name).addFilter(_Demote(templates))
                _installed.append(name)
