"""One model, two tables: the names and DDL of a sharded model on a ClickHouse cluster.

A model with ``Meta.cluster = "c"`` and ``Meta.shard_by = "cityHash64(id)"`` is stored in
two tables, both created ``ON CLUSTER c``:

* the **local table**, one per shard (each replica holds a copy when its engine is
  Replicated*), named ``<table>_local`` unless ``Meta.local_table`` says otherwise; its
  Replicated* engine's ZooKeeper path defaults to
  ``/clickhouse/tables/{shard}/{database}/{table}`` and its replica to ``{replica}``
  (server macros; ``{table}`` is the local table's name);
* the **Distributed table** under the model's own name (``Meta.table_name``), over the
  local tables of every shard, routing inserted rows by ``shard_by``.

Reads and inserts (new rows, and the version/cancel rows of engine-aware updates) go
through the Distributed table, so the sharding key sends each row to its shard whichever
node the connection talks to. DDL and mutations go to the local table ``ON CLUSTER``.
ClickHouse 18.16 refuses ``ALTER ... ON CLUSTER`` on a Distributed table (error 371), and
an ALTER of a Distributed table only changes that host's metadata, so the Distributed
table's ALTERs run on each host of the cluster in turn (:data:`EACH_HOST`), on every
server version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from clickorm.errors import SchemaError

__all__ = [
    "LOCAL_SUFFIX",
    "local_table_name",
    "is_sharded",
    "EACH_HOST",
    "each_host",
    "split_each_host",
    "RunsOnEachHost",
    "MERGING_FAMILIES",
    "check_shard_key",
]

#: the local table's name is the model's table name plus this suffix (by default)
LOCAL_SUFFIX = "_local"
#: the head of a statement that runs on each host of a cluster rather than ON CLUSTER
EACH_HOST = "/* on each host of cluster "
_EACH_HOST = re.compile(r"^/\* on each host of cluster `((?:[^`\\]|\\.)+)` \*/ (.*)$", re.S)


def local_table_name(table: str, override: str | None = None) -> str:
    """``db.events`` -> ``db.events_local`` (``override`` replaces the last part)."""
    database, dot, name = table.rpartition(".")
    local = override if override else name + LOCAL_SUFFIX
    if "." in local:
        return local
    return f"{database}{dot}{local}"


def is_sharded(options: Mapping[str, Any]) -> bool:
    """Whether table options describe a local + Distributed pair (``shard_by`` set)."""
    if not options.get("shard_by"):
        return False
    if not options.get("cluster"):
        raise SchemaError(
            f"shard_by ({options['shard_by']!r}) needs a cluster: set Meta.cluster (the "
            "Distributed table reads every shard of that cluster)"
        )
    return True


def each_host(cluster: str, sql: str, quote: Any) -> str:
    """``sql`` marked to run on each host of ``cluster`` (shown as such by ``dry=True``)."""
    return f"{EACH_HOST}{quote(cluster)} */ {sql}"


def split_each_host(sql: str) -> tuple[str, str] | None:
    """(cluster, statement) of a statement marked by :func:`each_host`, else None."""
    match = _EACH_HOST.match(sql)
    if match is None:
        return None
    return match.group(1).replace("\\`", "`"), match.group(2)


@runtime_checkable
class RunsOnEachHost(Protocol):
    """A connection that reaches every host of a cluster (the native driver's)."""

    def execute_on_each_host(self, cluster: str, sql: str) -> list[Any]: ...


#: engines that fold the rows of one sorting key together (merges, ``FINAL``), which
#: happens within a shard only
MERGING_FAMILIES = frozenset({
    "ReplacingMergeTree", "CollapsingMergeTree", "VersionedCollapsingMergeTree",
    "SummingMergeTree", "AggregatingMergeTree",
})
_NAME = re.compile(r"`((?:[^`\\]|\\.)+)`|\b([A-Za-z_]\w*)\b")


def _columns_in(expression: str, columns: Any) -> set[str]:
    return {quoted or plain for quoted, plain in _NAME.findall(expression)
            if (quoted or plain) in columns}


def check_shard_key(table: str, family: str, shard_by: str, sorting: Any, columns: Any) -> None:
    """Refuse a merging engine's ``shard_by`` that could send two rows of one sorting key
    to two shards: a new version (or cancel row) of a row on another shard than the old
    one, so ``.final()`` and merges never fold them and the row is read twice. The
    sharding key must use sorting-key columns only (and at least one)."""
    if family not in MERGING_FAMILIES:
        return
    key_columns = set().union(*(_columns_in(str(item), columns) for item in sorting))
    used = _columns_in(shard_by, columns)
    if used and used <= key_columns:
        return
    outside = ", ".join(sorted(used - key_columns)) or "no column"
    raise SchemaError(
        f"Table {table!r}: shard_by ({shard_by!r}) uses {outside} outside the sorting key "
        f"({', '.join(sorted(key_columns)) or 'none'}), so a {family} could keep two rows "
        "of one key on two shards (a save() that changes the column sends the new version "
        "to another shard) and .final() would return both; shard by sorting-key columns, "
        "e.g. cityHash64(id)"
    )
