"""Materialized views that write into a target table (``CREATE MATERIALIZED VIEW ... TO``).

The SELECT may be SQL text or a QueryBuilder (``Event.query.select(...).group_by(...)``):
a builder is rendered with the ClickHouse grammar's inline literals, since DDL cannot
bind parameters. ``TO target`` is required: a view with its own inner engine hides
its storage behind a ``.inner`` table, which is harder to migrate and query.

    create_materialized_view(conn, "daily_mv", Event.query.select(...), to="daily")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clickorm.errors import SchemaError

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection
    from clickorm_clickhouse.platform import ClickHousePlatform

__all__ = ["select_sql", "compile_materialized_view", "create_materialized_view"]


def select_sql(query: Any, platform: ClickHousePlatform | None = None) -> str:
    """The SELECT text of ``query`` (str, QueryBuilder, or a grammar ``Compiled``)."""
    if isinstance(query, str):
        text = query.strip()
    elif hasattr(query, "to_sql"):
        text = str(query.to_sql(dialect="clickhouse")).strip()
    else:
        raise SchemaError(
            f"A materialized view needs SELECT text or a QueryBuilder, got {type(query).__name__}"
        )
    if not text:
        raise SchemaError("A materialized view needs a SELECT")
    head = text.lstrip("(").split(None, 1)[0].upper() if text.lstrip("(") else ""
    if head not in ("SELECT", "WITH"):
        raise SchemaError(f"A materialized view is defined by a SELECT, got {text[:80]!r}")
    return text.rstrip(";").rstrip()


def compile_materialized_view(
    platform: ClickHousePlatform,
    name: str,
    query: Any,
    *,
    to: str,
    columns: Sequence[str] | None = None,
    if_not_exists: bool = False,
    cluster: str | None = None,
) -> list[str]:
    """``CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [ON CLUSTER c] TO target AS ...``."""
    if not to:
        raise SchemaError(f"Materialized view {name!r} needs a target table: to='table'")
    head = "CREATE MATERIALIZED VIEW IF NOT EXISTS" if if_not_exists else "CREATE MATERIALIZED VIEW"
    cols = f" ({platform.quote_columns(columns)})" if columns else ""
    sql = (
        f"{head} {platform.quote_table(name)}{platform._cluster_sql(None, cluster)} "
        f"TO {platform.quote_table(to)}{cols} AS {select_sql(query, platform)}"
    )
    return [sql]


def create_materialized_view(
    connection: BaseConnection,
    name: str,
    query: Any,
    *,
    to: str,
    columns: Sequence[str] | None = None,
    if_not_exists: bool = False,
    cluster: str | None = None,
) -> list[str]:
    """Create the view on ``connection``; returns the statements that ran."""
    platform: Any = connection.platform
    statements = compile_materialized_view(
        platform, name, query, to=to, columns=columns, if_not_exists=if_not_exists,
        cluster=cluster,
    )
    platform.execute(connection, statements, table=name, action="Creating")
    return statements
