"""What ``clickorm check`` reports about the cluster a native connection names.

With the connection's ``cluster`` option set: the cluster's shards and replicas
(``system.clusters``), the server's macros, whether ZooKeeper answers, and the health and
queue sizes of its replicated tables (``system.replicas``). A cluster the server does not
know, an unreachable ZooKeeper or a read-only / expired replica is a problem, which makes
``clickorm check`` exit non-zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clickorm_clickhouse.native import NativeConnection

__all__ = ["cluster_report"]


def cluster_report(conn: NativeConnection) -> dict[str, Any]:
    """``{"cluster": {...}, "problems": [...]}`` for the connection's cluster, else {}."""
    name = conn.cluster
    if not name:
        return {}
    problems: list[str] = []
    rows = conn.execute(
        "SELECT shard_num, replica_num, host_name, host_address, port, is_local "
        "FROM system.clusters WHERE cluster = %(p0)s ORDER BY shard_num, replica_num",
        {"p0": name}).rows
    hosts = [{"shard": r[0], "replica": r[1], "host": r[2], "address": r[3], "port": r[4],
              "local": bool(r[5])} for r in rows]
    if not hosts:
        known = [r[0] for r in conn.execute(
            "SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster").rows]
        problems.append(f"cluster {name!r} is not in system.clusters of "
                        f"{conn.current_host or conn.host} (known: {', '.join(known) or 'none'})")
    macros = dict(conn.execute("SELECT macro, substitution FROM system.macros").rows)
    try:
        conn.execute("SELECT count() FROM system.zookeeper WHERE path = '/'")
        zookeeper = "reachable"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        zookeeper = f"not reachable ({str(exc).splitlines()[0]})"
        problems.append(f"ZooKeeper is {zookeeper}")
    replicas = [
        {"table": f"{r[0]}.{r[1]}", "readonly": bool(r[2]), "session_expired": bool(r[3]),
         "queue_size": r[4], "absolute_delay": r[5]}
        for r in conn.execute(
            "SELECT database, table, is_readonly, is_session_expired, queue_size, "
            "absolute_delay FROM system.replicas ORDER BY database, table").rows
    ]
    for replica in replicas:
        if replica["readonly"] or replica["session_expired"]:
            problems.append(f"replica of {replica['table']} is read-only or its ZooKeeper "
                            "session expired")
    return {
        "cluster": {"name": name, "shards": len({h["shard"] for h in hosts}), "hosts": hosts,
                    "macros": macros, "zookeeper": zookeeper, "replicas": replicas},
        "problems": problems,
    }
