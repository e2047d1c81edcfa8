"""ClickORM's ClickHouse dialect: hook implementations only (drivers load lazily)."""

from __future__ import annotations

import logging
from typing import Any

from clickorm.plugins import API_VERSION, Capabilities, Dialect, hookimpl

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

#: the zero-config connection: an in-memory chDB database, no server needed
EMBEDDED_DEFAULT_URL = "clickhouse+embedded://"


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
            embedded_default_url=EMBEDDED_DEFAULT_URL,
            embedded_default_priority=100,
        )
    ]


@hookimpl
def clickorm_cli_commands(subparsers: Any) -> None:
    """No commands of its own; in the console, quiet the driver's logger instead.

    clickhouse-driver logs a traceback per refused host even when ClickORM reports the
    failure itself (with every host tried); in a CLI that is noise on top of one line.
    """
    logging.getLogger("clickhouse_driver").setLevel(logging.ERROR)
