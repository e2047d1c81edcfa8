"""ClickORM's ClickHouse dialect: hook implementations only (drivers load lazily)."""

from __future__ import annotations

from clickorm.plugins import API_VERSION, Dialect, hookimpl

__version__ = "0.1.0"

CAPABILITIES = frozenset(
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
        )
    ]
