"""Signed server settings sent to servers that read settings as typed binary.

Before revision 54429 (ClickHouse 19.x; the Debian 18.16 included) the native protocol
sends each setting as a binary value of the setting's own type, and the server reads an
``Int64`` setting as a zigzag varint. clickhouse-driver writes its ``Int64`` settings as
unsigned varints (``SettingInt64 = SettingUInt64``), so the server read another number:
``distributed_ddl_task_timeout = 8`` arrived as 4 and ``= 3`` as -2 (wait forever),
without an error. :func:`signed_settings` gives the values to send instead (zigzag
encoded for such a server, so the driver's varint carries the number the user set).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SIGNED", "signed_settings"]

#: the settings clickhouse-driver declares Int64 (and writes as UInt64)
SIGNED = frozenset({
    "distributed_ddl_task_timeout",
    "http_zlib_compression_level",
    "network_zstd_compression_level",
    "os_thread_priority",
})
#: from this revision on settings travel as strings (what the driver's constant says)
STRINGS_REVISION = 54429


def _zigzag(value: int) -> int:
    return ((value << 1) ^ (value >> 63)) & 0xFFFF_FFFF_FFFF_FFFF


def signed_settings(configured: Mapping[str, Any], revision: int | None) -> dict[str, Any]:
    """What to send for the signed settings among ``configured`` to a server of
    ``revision``: zigzag encoded before :data:`STRINGS_REVISION`, as set from it on."""
    out: dict[str, Any] = {}
    for name in SIGNED.intersection(configured):
        value = configured[name]
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue  # not a number: the driver refuses it as it is
        old = revision is not None and revision < STRINGS_REVISION
        out[name] = _zigzag(number) if old else value
    return out
