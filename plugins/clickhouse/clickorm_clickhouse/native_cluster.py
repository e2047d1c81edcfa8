"""The hosts of a ClickHouse cluster, reached from one native connection.

``system.clusters`` of the connected server lists every host of a cluster; a connection
to each one is opened with the same user, password, database and driver options. Used
for what ``ON CLUSTER`` does not do (or does not do on 18.16):

* :func:`execute_on_each_host`: a statement run on every host in turn (an ALTER of a
  Distributed table, refused ON CLUSTER by 18.16 with error 371);
* :func:`wait_for_cluster_mutations`: a mutation sent ON CLUSTER is done when no host's
  ``system.mutations`` has it unfinished; the timeout error names the hosts still pending.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from clickorm.errors import QueryError
from clickorm_clickhouse.mutations import pending_mutations

if TYPE_CHECKING:
    from clickorm_clickhouse.native import NativeConnection

__all__ = ["cluster_hosts", "execute_on_each_host", "wait_for_cluster_mutations", "host_connections"]

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
