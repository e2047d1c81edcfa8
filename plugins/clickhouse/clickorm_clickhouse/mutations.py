"""Waiting for ClickHouse mutations on servers that cannot run them synchronously.

``ALTER TABLE ... UPDATE/DELETE`` is asynchronous. From 21.1 the statement can carry
``SETTINGS mutations_sync = 2`` (the grammar adds it by default, so read-after-write
holds); older servers (the Debian 18.16) refuse SETTINGS on ALTER, so the connection
polls ``system.mutations`` until the table has no unfinished mutation. A mutation
``ON CLUSTER`` is waited for on every host of the cluster (:mod:`native_cluster`).
"""

from __future__ import annotations

import re
import time
from typing import Any

from clickorm.errors import QueryError

#: ``ALTER TABLE <table> [ON CLUSTER c] UPDATE|DELETE`` (identifiers may be backquoted)
_MUTATION = re.compile(
    r"^\s*ALTER\s+TABLE\s+((?:`(?:[^`\\]|\\.)+`|[\w.]+)(?:\.(?:`(?:[^`\\]|\\.)+`|\w+))?)"
    r"(?:\s+ON\s+CLUSTER\s+(`(?:[^`\\]|\\.)+`|\w+))?\s+(?:UPDATE|DELETE)\b",
    re.IGNORECASE,
)


def mutated_table(sql: str) -> str | None:
    """The table an ``ALTER TABLE ... UPDATE/DELETE`` statement mutates, else None."""
    match = _MUTATION.match(sql)
    if match is None:
        return None
    parts = re.findall(r"`((?:[^`\\]|\\.)+)`|([\w]+)", match.group(1))
    names = [quoted.replace("\\`", "`").replace("\\\\", "\\") if quoted else plain
             for quoted, plain in parts]
    return ".".join(names)


def mutation_cluster(sql: str) -> str | None:
    """The cluster an ``ALTER TABLE ... ON CLUSTER c UPDATE/DELETE`` names, else None."""
    match = _MUTATION.match(sql)
    if match is None or match.group(2) is None:
        return None
    name = match.group(2)
    return name[1:-1].replace("\\`", "`") if name.startswith("`") else name


def pending_mutations(connection: Any, table: str) -> int:
    """How many mutations of ``table`` the connection's server has not finished."""
    database, _, name = table.rpartition(".")
    sql = "SELECT count() FROM system.mutations WHERE table = %(p0)s AND is_done = 0 AND " + (
        "database = %(p1)s" if database else "database = currentDatabase()")
    params = {"p0": name, "p1": database} if database else {"p0": name}
    return int(connection._execute(sql, params).scalar() or 0)


def wait_for_mutations(connection: Any, table: str, *, timeout: float = 60.0) -> None:
    """Block until ``system.mutations`` reports no unfinished mutation on ``table``."""
    sql, params = mutation_probe(table)
    deadline = time.monotonic() + timeout
    delay = 0.01
    while connection._execute(sql, params).scalar():
        if time.monotonic() > deadline:
            raise mutation_not_done(connection, table, timeout)
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def mutation_probe(table: str) -> tuple[str, dict[str, Any]]:
    """The query counting ``table``'s unfinished mutations (0: all done)."""
    database, _, name = table.rpartition(".")
    sql = "SELECT count() FROM system.mutations WHERE table = %(p0)s AND is_done = 0 AND " + (
        "database = %(p1)s" if database else "database = currentDatabase()")
    return sql, ({"p0": name, "p1": database} if database else {"p0": name})


def mutation_not_done(connection: Any, table: str, timeout: float) -> QueryError:
    version = ".".join(str(p) for p in connection.server_version or ())
    return QueryError(
        f"A mutation on {table} did not finish within {timeout:g} s (ClickHouse "
        f"{version or '?'} runs mutations in the background). Check system.mutations "
        "(a failing mutation stays there until KILL MUTATION)",
        connection=connection.name,
    )
