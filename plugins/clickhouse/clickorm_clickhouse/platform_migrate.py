"""How ClickHouse turns one table definition into another: in place, by rebuild, or not.

:func:`plan_alter` picks the cheapest correct way the connected server supports:

- **in place** (``ALTER TABLE``): add, drop, modify and rename columns (RENAME COLUMN
  needs 20.4), skip indexes, projections (then ``MATERIALIZE PROJECTION`` for the rows
  already there), ``MODIFY TTL``, ``MODIFY SETTING`` (21.1), ``MODIFY ORDER BY`` when it
  only appends columns added by the same ALTER;
- **rebuild** otherwise (engine, PARTITION BY, PRIMARY KEY, SAMPLE BY, any other ORDER BY
  change, a removed TTL or setting, a changed sorting-key column, a rename before 20.4):
  the core's :func:`~clickorm.schema.rebuild.copy_rebuild` (``INSERT ... SELECT`` inside
  the server, row counts compared, swapped by one ``RENAME TABLE t TO old, new TO t``,
  which every version has). The old table is untouched until the counts match;
- **refusal**: what no ClickHouse of this version can hold (a TTL on 18.16, projections
  before 21.6) raises the SchemaError of the version check, naming the feature.

Writes to the table between the copy and the swap would be lost, so the count check
runs just before the swap and refuses when the source has changed; stop writers first.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from clickorm.dialects import AlterPlan, AlterStep, Table, TableDiff, copy_rebuild
from clickorm.errors import MigrationError, SchemaError
from clickorm_clickhouse import platform_features as features
from clickorm_clickhouse.cluster_layout import RunsOnEachHost, is_sharded, local_table_name
from clickorm_clickhouse.native_cluster import host_connections
from clickorm_clickhouse.platform_introspect import where_table

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection
    from clickorm_clickhouse.platform import ClickHousePlatform

__all__ = ["plan_alter", "rebuild_reasons", "wait_for_mutations", "wait_on_cluster"]

_REBUILD_ONLY = ("partition_by", "sample_by", "primary_key")
#: table options a migration compares and changes (in place or by rebuild)
_KNOWN_OPTIONS = frozenset({"engine", "order_by", "partition_by", "primary_key", "sample_by",
                            "ttl", "settings", "projections"})
#: MergeTree settings MODIFY SETTING refuses (fixed when the table is created)
_READONLY_SETTINGS = ("index_granularity", "index_granularity_bytes")


def _items(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _engine_text(platform: ClickHousePlatform, table: Table) -> str:
    return platform.engine_of(table.options).engine_sql(platform.quote)


def rebuild_reasons(
    platform: ClickHousePlatform, diff: TableDiff, before: Table, after: Table
) -> list[str]:
    """Why ``diff`` cannot be done with ALTER on this server (empty: it can)."""
    version = platform.server_version
    unknown = sorted(set(diff.options) - _KNOWN_OPTIONS)
    if unknown:
        raise SchemaError(
            f"Table {diff.name!r}: migrations cannot change {', '.join(unknown)} on "
            "ClickHouse; write this step by hand (ops.RunSQL)"
        )
    reasons = []
    if _engine_text(platform, before) != _engine_text(platform, after):
        reasons.append(
            f"the engine changes ({_engine_text(platform, before)} -> "
            f"{_engine_text(platform, after)})"
        )
    for key in _REBUILD_ONLY:
        if _items(before.options.get(key)) != _items(after.options.get(key)):
            reasons.append(f"{key.upper().replace('_', ' ')} changes")
    if before.primary_key != after.primary_key:
        reasons.append("the primary key changes")
    old_order, new_order = _items(before.options.get("order_by")), _items(after.options.get("order_by"))
    if old_order != new_order:
        appended = new_order[len(old_order):]
        if new_order[: len(old_order)] != old_order or not all(
            isinstance(i, str) and i in diff.added_columns
            and not diff.added_columns[i].has_default for i in appended
        ):
            reasons.append(
                "ORDER BY changes other than appending new columns without a default")
    old_settings = dict(before.options.get("settings") or {})
    new_settings = dict(after.options.get("settings") or {})
    readonly = sorted(k for k in _READONLY_SETTINGS if old_settings.get(k) != new_settings.get(k))
    if readonly:
        reasons.append(f"settings fixed at creation change ({', '.join(readonly)})")
    elif set(old_settings) - set(new_settings):
        reasons.append(f"settings are removed ({', '.join(sorted(set(old_settings) - set(new_settings)))})")
    elif old_settings != new_settings and not features.supports(version, "alter_settings"):
        reasons.append("MODIFY SETTING needs ClickHouse 21.1")
    if before.options.get("ttl") and not after.options.get("ttl"):
        reasons.append("the TTL is removed")
    renames = dict(diff.renamed_columns)
    if renames and not features.supports(version, "rename_column"):
        reasons.append("RENAME COLUMN needs ClickHouse 20.4")
    key_columns = {i for i in (*old_order, *_items(before.options.get("partition_by"))) if isinstance(i, str)}
    for name, column in diff.changed_columns.items():
        source = next((o for o, n in renames.items() if n == name), name)
        old = before.columns.get(source)
        if source in key_columns and old is not None and old.full_type != column.full_type:
            reasons.append(f"the type of key column {source!r} changes")
    if any(_removed(before, diff).values()) and not _supports_remove(version):
        reasons.append("removing a column's default, codec, comment or TTL needs ClickHouse 21.3")
    return reasons


#: ``MODIFY COLUMN c REMOVE DEFAULT|CODEC|COMMENT|TTL`` (MODIFY COLUMN alone keeps them)
_REMOVE_SINCE = (21, 3)


def _supports_remove(version: Any) -> bool:
    return version is None or tuple(version) >= _REMOVE_SINCE


def _removed(before: Table, diff: TableDiff) -> dict[str, list[str]]:
    """Changed column -> the properties it loses (REMOVE clauses to write)."""
    out: dict[str, list[str]] = {}
    for name, new in diff.changed_columns.items():
        source = next((o for o, n in diff.renamed_columns.items() if n == name), name)
        old = before.columns.get(source)
        if old is None:
            continue
        gone = []
        kinds = ("materialized", "alias")
        new_has_kind = new.default_raw is not None or any(new.options.get(k) for k in kinds)
        if not new_has_kind:
            if old.default_raw is not None:
                gone.append("DEFAULT")
            gone += [k.upper() for k in kinds if old.options.get(k)]
        for key in ("codec", "ttl"):
            if old.options.get(key) and not new.options.get(key):
                gone.append(key.upper())
        if old.comment and not new.comment:
            gone.append("COMMENT")
        out[name] = gone
    return out


def _in_place(platform: ClickHousePlatform, diff: TableDiff, before: Table, after: Table) -> list[str]:
    options: dict[str, Any] = {}
    if diff.options.get("ttl"):
        options["ttl"] = after.options["ttl"]
    new_settings = dict(after.options.get("settings") or {})
    old_settings = dict(before.options.get("settings") or {})
    changed = {k: v for k, v in new_settings.items() if old_settings.get(k) != v}
    if changed:
        options["settings"] = changed
    old_order, new_order = _items(before.options.get("order_by")), _items(after.options.get("order_by"))
    if old_order != new_order:
        options["order_by"] = new_order
    old_proj: Mapping[str, Any] = before.options.get("projections") or {}
    new_proj: Mapping[str, Any] = after.options.get("projections") or {}
    added = {n: q for n, q in new_proj.items() if old_proj.get(n) != q}
    dropped = [n for n, q in old_proj.items() if new_proj.get(n) != q]
    if added:
        options["projections"] = added
    if dropped:
        options["drop_projections"] = dropped
    options.update(_layout(after))  # a sharded table: the local table and each host
    alter = TableDiff(
        diff.name, added_columns=diff.added_columns, changed_columns=diff.changed_columns,
        dropped_columns=diff.dropped_columns, renamed_columns=diff.renamed_columns,
        added_indexes=diff.added_indexes, dropped_indexes=diff.dropped_indexes,
        comment=diff.comment, options=options,
    )
    statements = platform.compile_alter(alter, before)
    head = platform._alter_head(_altered_table(after), after.options.get("cluster"))
    statements += [f"{head} MODIFY COLUMN {platform.quote(name)} REMOVE {what}"
                   for name, gone in _removed(before, diff).items() for what in gone]
    statements += [f"{head} MATERIALIZE PROJECTION {platform.quote(n)}" for n in added]
    return statements


_MUTATING = (" MODIFY COLUMN ", " DROP COLUMN ", " MATERIALIZE PROJECTION ", " RENAME COLUMN ")
#: system.mutations.latest_fail_reason is missing on old servers (18.16 has is_done only)
_FAIL_REASON_SINCE = (20, 1)


def wait_for_mutations(
    platform: ClickHousePlatform, name: str, timeout: float = 3600.0
) -> AlterStep:
    """A step polling ``system.mutations`` until the table's mutations are done (every
    version has the table; newer ones also say why one failed)."""
    version = platform.server_version
    with_reason = version is None or tuple(version) >= _FAIL_REASON_SINCE

    def wait(connection: BaseConnection) -> None:
        where, params = where_table(connection, name)
        reason = ", max(latest_fail_reason)" if with_reason else ""
        sql = f"SELECT countIf(NOT is_done){reason} FROM system.mutations WHERE {where}"
        deadline = time.monotonic() + timeout
        while True:
            row = connection.execute(sql, params).rows[0]
            if with_reason and row[1]:
                raise MigrationError(
                    f"A mutation of {name!r} failed on connection {connection.name!r}: "
                    f"{row[1]}; see system.mutations (KILL MUTATION to cancel it)"
                )
            if not row[0]:
                return
            if time.monotonic() > deadline:
                raise MigrationError(
                    f"Mutations of {name!r} still running after {timeout:.0f}s; see "
                    "system.mutations, then run the migration again"
                )
            time.sleep(0.2)

    return AlterStep(f"-- wait: mutations of {name} are done (system.mutations)", run=wait,
                     long=True)


def _cluster_of(platform: ClickHousePlatform, table: Table) -> str | None:
    value = table.options.get("cluster") or platform.cluster
    return str(value) if value else None


def _layout(table: Table) -> dict[str, Any]:
    """The cluster layout options of ``table`` (cluster, shard_by, local_table)."""
    return {k: table.options[k] for k in ("cluster", "shard_by", "local_table")
            if table.options.get(k)}


def _altered_table(table: Table) -> str:
    """The table the ALTERs change: a sharded table's local table, else the table."""
    if is_sharded(table.options):
        return local_table_name(table.name, table.options.get("local_table"))
    return table.name


_CONVERGED_SQL = (
    "SELECT (SELECT count() FROM system.mutations WHERE database = {db} AND table = {t} "
    "AND is_done = 0), (SELECT count() FROM system.replication_queue WHERE database = {db} "
    "AND table = {t}), (SELECT groupArray(c) FROM (SELECT concat(name, ' ', type, ' ', "
    "default_kind, ' ', default_expression) AS c FROM system.columns WHERE database = {db} "
    "AND table = {t} ORDER BY name)), (SELECT any(engine_full) FROM system.tables "
    "WHERE database = {db} AND name = {t})"
)


def wait_on_cluster(
    platform: ClickHousePlatform, cluster: str, name: str, timeout: float = 600.0
) -> AlterStep:
    """A step waiting until every host of ``cluster`` has the same columns and engine for
    ``name``, no unfinished mutation of it and an empty replication queue for it.

    ``ALTER ... ON CLUSTER`` returns once one replica of each shard ran it; the other
    replicas apply it from ZooKeeper later (18.16 has no ``alter_sync``/``mutations_sync``
    for that), so the next step or a read on another node could see the old schema."""
    schema, _, short = name.rpartition(".")
    db = platform.literal(schema) if schema else "currentDatabase()"
    sql = _CONVERGED_SQL.format(db=db, t=platform.literal(short))

    def wait(connection: BaseConnection) -> None:
        if not isinstance(connection, RunsOnEachHost):
            raise MigrationError(
                f"Waiting for {name!r} on cluster {cluster!r} needs a connection reaching "
                "each host (the native driver, clickhouse://)")
        deadline = time.monotonic() + timeout
        delay = 0.02
        with host_connections(connection, cluster) as hosts:  # type: ignore[arg-type]
            while True:
                seen = {host: tuple(conn.execute(sql).rows[0]) for host, conn in hosts}
                missing = sorted(h for h, v in seen.items() if not v[3])
                if missing:
                    raise MigrationError(
                        f"{name!r} does not exist on {', '.join(missing)} of cluster "
                        f"{cluster!r}: it was not created ON CLUSTER; create it there (or "
                        "drop the cluster option) before migrating it")
                schemas = {(tuple(v[2]), v[3]) for v in seen.values()}
                pending = [h for h, v in seen.items() if v[0] or v[1]]
                if not pending and len(schemas) == 1:
                    return
                if time.monotonic() > deadline:
                    lagging = pending or sorted(seen)
                    raise MigrationError(
                        f"{name!r} has not converged on cluster {cluster!r} after "
                        f"{timeout:.0f}s: {', '.join(lagging)} still "
                        + ("run mutations or replication" if pending else
                           "differ in columns or engine")
                        + " (see system.mutations and system.replication_queue there)"
                    )
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    return AlterStep(f"-- wait: {name} is the same on every host of cluster {cluster} "
                     "(mutations done, replication queue empty)", run=wait, long=True)


def plan_alter(
    platform: ClickHousePlatform, diff: TableDiff, before: Table, after: Table
) -> AlterPlan:
    """The steps turning ``before`` into ``after`` on this server (see the module doc).

    On a cluster (the table's or the connection's) every ALTER carries ON CLUSTER (a
    sharded table's local table ON CLUSTER, its Distributed table on each host) and is
    followed by a wait until every host has converged; a rebuild is refused: its copy
    (``INSERT ... SELECT``) and swap would have to run per shard on the local tables."""
    reasons = rebuild_reasons(platform, diff, before, after)
    cluster = _cluster_of(platform, after)
    if not reasons:
        statements = _in_place(platform, diff, before, after)
        steps = [AlterStep(s) for s in statements]
        if cluster is not None and statements:
            steps.append(wait_on_cluster(platform, cluster, _altered_table(after)))
        elif any(word in s for s in statements for word in _MUTATING):
            steps.append(wait_for_mutations(platform, diff.name))
        return AlterPlan(diff.name, steps)
    if cluster is not None:
        raise MigrationError(
            f"Table {diff.name!r} needs a rebuild ({'; '.join(reasons)}), which migrations "
            f"do not run on a cluster ({cluster!r}): the copy would read every shard "
            "through one node and the swap would race the replicas. Create the new "
            "table under another name ON CLUSTER, copy each shard's local table on one "
            "replica of that shard (ops.RunPython), compare the counts per shard, then "
            "swap with ops.RenameTable"
        )
    return copy_rebuild(platform, diff, before, after, reasons)
