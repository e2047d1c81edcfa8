"""The hosts of a ClickHouse cluster, reached from one native connection.

``system.clusters`` of the connected server lists every host of a cluster; a connection
to each one is opened with the same user, password, database and driver options. Used
for what ``ON CLUSTER`` does not do (or does not do on 18.16):

* :func:`execute_on_each_host`: a statement run on every host in turn (an ALTER of a
  Distributed table, refused ON CLUSTER by 18.16 with error 371);
* :func:`wait_for_cluster_mutations`: a mutation sent ON CLUSTER is done when no host's
  ``system.mutations`` has it unfinished; the timeout error names the hosts still pending;
* :func:`ddl_timeout_error`: an ON CLUSTER statement that some host did not run within
  ``distributed_ddl_task_timeout`` (a host down) fails with the server's code 159, which
  counts the unfinished hosts without naming them; the error names them (the hosts of
  ``system.clusters`` missing from the task's ``finished`` node in ZooKeeper).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from clickorm.errors import ClickORMError, QueryError
from clickorm_clickhouse.mutations import pending_mutations

if TYPE_CHECKING:
    from clickorm_clickhouse.native import NativeConnection

__all__ = [
    "cluster_hosts",
    "ddl_timeout_error",
    "execute_on_each_host",
    "host_connections",
    "wait_for_cluster_mutations",
]

_HOSTS_SQL = (
    "SELECT host_address, port FROM system.clusters WHERE cluster = %(p0)s "
    "ORDER BY shard_num, replica_num"
)


def cluster_hosts(connection: NativeConnection, cluster: str) -> list[tuple[str, int]]:
    """``(address, port)`` of every host of ``cluster``, as the connected server knows it."""
    rows = connection._execute(_HOSTS_SQL, {"p0": cluster}).rows
    if not rows:
        raise QueryError(
            f"Cluster {cluster!r} is not in system.clusters of {connection.current_host or '?'}"
            " (check remote_servers in the server's config)",
            connection=connection.name,
        )
    return [(str(host), int(port)) for host, port in rows]


@contextmanager
def host_connections(
    connection: NativeConnection, cluster: str
) -> Iterator[list[tuple[str, NativeConnection]]]:
    """``(host:port, connection)`` for every host of ``cluster``; closed afterwards."""
    options = {k: v for k, v in connection.config.options.items()
               if k not in ("alt_hosts", "round_robin")}
    opened: list[tuple[str, NativeConnection]] = []
    try:
        for host, port in cluster_hosts(connection, cluster):
            config = replace(connection.config, host=host, port=port, options=options)
            opened.append((f"{host}:{port}", type(connection)(config, connection.dialect)))
        yield opened
    finally:
        for _, conn in opened:
            conn.close()


def execute_on_each_host(connection: NativeConnection, cluster: str, sql: str) -> list[Any]:
    """Run ``sql`` on every host of ``cluster`` in turn; the results, host by host."""
    with host_connections(connection, cluster) as hosts:
        return [conn.execute(sql) for _, conn in hosts]


def wait_for_cluster_mutations(
    connection: NativeConnection, cluster: str, table: str, *, timeout: float = 60.0
) -> None:
    """Block until no host of ``cluster`` has an unfinished mutation of ``table``."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    with host_connections(connection, cluster) as hosts:
        while True:
            pending = [name for name, conn in hosts if pending_mutations(conn, table)]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise QueryError(
                    f"A mutation on {table} ON CLUSTER {cluster} did not finish within "
                    f"{timeout:g} s on {', '.join(pending)} (check system.mutations there: "
                    "a failing mutation stays until KILL MUTATION)",
                    connection=connection.name,
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


_TASK = re.compile(r"Watching task (\S+) is executing longer than distributed_ddl_task_timeout")
_ON_CLUSTER = re.compile(r"\bON\s+CLUSTER\s+(`(?:[^`\\]|\\.)+`|\w+)", re.IGNORECASE)
_NAMES_SQL = (
    "SELECT host_name, port FROM system.clusters WHERE cluster = %(p0)s "
    "ORDER BY shard_num, replica_num"
)
_FINISHED_SQL = "SELECT name FROM system.zookeeper WHERE path = %(p0)s"


def ddl_timeout_error(connection: NativeConnection, sql: str, exc: QueryError) -> QueryError | None:
    """The error of an ON CLUSTER ``sql`` that timed out on some hosts, naming them; None
    when ``exc`` is not that (see the module doc)."""
    task = _TASK.search(str(exc))
    named = _ON_CLUSTER.search(sql)
    if task is None or named is None:
        return None
    cluster = named.group(1)
    cluster = cluster[1:-1].replace("\\`", "`") if cluster.startswith("`") else cluster
    path = f"{task.group(1)}/finished"
    try:  # ZooKeeper names a host by its escaped host_name and port: 127%2E0%2E0%2E1:9000
        finished = {unquote(str(r[0])) for r in connection._execute(_FINISHED_SQL, {"p0": path}).rows}
        hosts = [f"{h}:{p}" for h, p in connection._execute(_NAMES_SQL, {"p0": cluster}).rows]
        pending = ", ".join(h for h in hosts if h not in finished)
    except ClickORMError:
        pending = ""
    where = pending or f"some hosts (see {path} in ZooKeeper)"
    return QueryError(
        f"A statement ON CLUSTER {cluster} did not finish on {where} within "
        "distributed_ddl_task_timeout (a host down, or its DDL queue stuck). It is not "
        "undone: the other hosts ran it, and the hosts named run it from the DDL queue when "
        "they come back; check them before running it again",
        connection=connection.name,
    )
