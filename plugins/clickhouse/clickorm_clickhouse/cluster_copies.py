"""Refusing a sharded table whose replicas would not hold the same rows.

A Distributed table over a cluster whose shards have several replicas sends each row to
ONE replica of its shard (``internal_replication``) and reads each shard from ANY one of
its replicas. Only a Replicated* local table copies the row to the shard's other
replicas; with a plain MergeTree the other replicas never get it, so a read answers from
whichever replica it picked: half the rows, then all of them, then half again, without
an error. The Distributed ``CREATE`` is refused when its local table is not Replicated*
and a shard of its cluster (``system.clusters``) has more than one replica.

The check runs twice: :func:`refuse_statements` before any statement of a
``create_table()`` runs (the local table's engine read from its own ``CREATE``), and
:func:`refuse_statement` before a Distributed ``CREATE`` run alone (a migration step,
after the step that created the local table: its engine read from ``system.tables``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from clickorm.errors import SchemaError

__all__ = ["distributed_target", "refuse_statements", "refuse_statement"]

_LIT = r"'((?:[^'\\]|\\.)*)'"
_DISTRIBUTED = re.compile(
    rf"^CREATE TABLE (?:IF NOT EXISTS )?.* ENGINE = Distributed\({_LIT}, {_LIT}, {_LIT}", re.S
)
_ENGINE = re.compile(r"\) ENGINE = (\w+)")
_REPLICAS_SQL = (
    "SELECT count() FROM system.clusters WHERE cluster = %(p0)s AND replica_num > 1"
)
_ENGINE_SQL = "SELECT engine FROM system.tables WHERE database = %(p0)s AND name = %(p1)s"


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def distributed_target(sql: str) -> tuple[str, str, str] | None:
    """(cluster, database, local table) of a ``CREATE ... ENGINE = Distributed``, else None."""
    match = _DISTRIBUTED.match(sql)
    if match is None:
        return None
    cluster, database, local = (_unquote(g) for g in match.groups())
    return cluster, database, local


def refuse_statements(
    connection: Any, statements: Sequence[str], quote_table: Callable[[str], str]
) -> None:
    """Refuse a local + Distributed pair whose local engine is not Replicated* (see above)."""
    for sql in statements:
        target = distributed_target(sql)
        if target is None:
            continue
        cluster, database, local = target
        # the local CREATE names the table with or without its database
        heads = {quote_table(f"{database}.{local}"), quote_table(local)}
        starts = tuple(f"CREATE TABLE {p}{h} " for h in heads for p in ("", "IF NOT EXISTS "))
        for other in statements:
            if other.startswith(starts):
                found = _ENGINE.search(other)
                if found is not None:
                    _check(connection, cluster, f"{database}.{local}", found.group(1))


def refuse_statement(connection: Any, sql: str) -> None:
    """Refuse a Distributed ``CREATE`` over an existing local table that is not Replicated*."""
    target = distributed_target(sql)
    if target is None:
        return
    cluster, database, local = target
    rows = connection.execute(_ENGINE_SQL, {"p0": database, "p1": local}).rows
    if rows:
        _check(connection, cluster, f"{database}.{local}", str(rows[0][0]),
               made=" (it exists already: drop it ON CLUSTER, then create it Replicated*)")


def _check(connection: Any, cluster: str, local: str, engine: str, made: str = "") -> None:
    if engine.startswith("Replicated"):
        return
    if not connection.execute(_REPLICAS_SQL, {"p0": cluster}).scalar():
        return
    raise SchemaError(
        f"The Distributed table over {local} would read rows that are not there: a shard "
        f"of cluster {cluster!r} has several replicas, an insert writes one of them, and "
        f"the local table's engine {engine} does not copy rows to the others, so each read "
        "answers from whichever replica it picks. Use a Replicated* engine (e.g. "
        "ReplicatedMergeTree()), or a cluster with one replica per shard" + made
    )
