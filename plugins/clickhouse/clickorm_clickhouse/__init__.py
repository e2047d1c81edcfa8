"""ClickORM's ClickHouse dialect: hook implementations only (drivers load lazily)."""

from __future__ import annotations

from typing import Any

from clickorm.dialects import API_VERSION, Capabilities, Dialect, ProjectStarter, hookimpl

__version__ = "0.1.0"

CAPABILITIES = Capabilities(
    {
        "mutations",
        "lightweight_delete",
        "lightweight_update",
        "final",
        "sample",
        "prewhere",
        "array_join",
        "limit_by",
        "with_totals",
        "global_in",
        "asof_join",
        "settings",
        "cte",
        "union",
        "right_join",
        "full_join",
        "engines",
    }
)

#: the Meta keys ClickHouse's platform (DDL) and writer read
TABLE_OPTIONS = frozenset(
    {
        "engine",
        "order_by",
        "partition_by",
        "sample_by",
        "ttl",
        "settings",  # table SETTINGS
        "cluster",  # ON CLUSTER name
        "shard_by",  # sharding key: a local table plus a Distributed table over it
        "local_table",  # the local table's name (default: <table>_local)
        "projections",
    }
)

#: the options the embedded (chDB) connection reads; the native driver checks its own
EMBEDDED_OPTIONS = frozenset({"insert_block_size", "cluster", "update_mode"})

#: the zero-config connection: an in-memory chDB database, no server needed
EMBEDDED_DEFAULT_URL = "clickhouse+embedded://"


#: what ``clickorm init`` offers: chDB on disk (the default) and a server URL
STARTERS = (
    ProjectStarter(
        flag="embedded", order=10,
        label="embedded ClickHouse (chDB: no server, data in .clickorm-data/)",
        url="clickhouse+embedded:///.clickorm-data",
        about="embedded ClickHouse (chDB): no server; the data lives in .clickorm-data/ "
              "next to this file"),
    ProjectStarter(
        flag="url", order=90, label="a ClickHouse server (a URL)", url="{}",
        about="a ClickHouse server", ask="Server URL",
        default="clickhouse://default@localhost:9000/default"),
)
STARTER_META = """\
        engine = "MergeTree()"  # the table engine: ReplacingMergeTree(version=...) ...
        order_by = "id"         # the sort key; also partition_by, ttl, settings ...
"""


@hookimpl
def clickorm_dialects() -> list[Dialect]:
    from clickorm_clickhouse.grammar import ClickHouseGrammar
    from clickorm_clickhouse.platform import ClickHousePlatform

    return [
        Dialect(
            name="clickhouse",
            api_version=API_VERSION,
            grammar=ClickHouseGrammar,
            platform=ClickHousePlatform,
            connections={
                "native": "clickorm_clickhouse.native:connect",
                "embedded": "clickorm_clickhouse.embedded:connect",
            },
            async_connections={"native": "clickorm_clickhouse.native_async:connect"},
            default_driver="native",
            url_schemes={
                "clickhouse": "native",
                "clickhouse+native": "native",
                "clickhouse+embedded": "embedded",
                "chdb": "embedded",
            },
            paramstyle="pyformat",
            capabilities=CAPABILITIES,
            description="ClickHouse over the native protocol (clickhouse-driver) or in-process (chDB)",
            writer="clickorm_clickhouse.writes:ClickHouseRowWriter",
            insert_layout="columns",
            key_generation="none",
            table_options=TABLE_OPTIONS,
            connection_options={"embedded": EMBEDDED_OPTIONS},
            embedded_default_url=EMBEDDED_DEFAULT_URL,
            embedded_default_priority=100,
            starters=STARTERS,
            starter_meta=STARTER_META,
        )
    ]


@hookimpl
def clickorm_cli_commands(subparsers: Any) -> None:
    """No commands of its own; in the console, quiet the driver's handled warnings early.

    clickhouse-driver logs a traceback per refused host even when ClickORM reports the
    failure itself (with every host tried). The filters of :mod:`.driver_logging` demote
    exactly those records to DEBUG; the driver's other records (and its level, which a
    process-wide setting here would change for every later test or library) stay as they are.
    """
    from clickorm_clickhouse.driver_logging import quiet_driver_logs

    quiet_driver_logs()
