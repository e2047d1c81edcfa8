"""Reading table definitions back from ``system.tables`` / ``system.columns``.

Names are bound as parameters in the connection's style (``{db:String}`` for servers
that bind, ``%(db)s`` for clickhouse-driver); an unqualified table is looked up in
``currentDatabase()``. ``get_table`` gives a Table whose column types are the server's
spelling (RawType), so an ALTER built from it re-emits them unchanged; its options hold
the engine descriptor and the sorting, partition, primary and sampling keys as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clickorm.dialects import Column, ColumnDescription, Index, RawType, Table
from clickorm.errors import SchemaError
from clickorm_clickhouse import platform_features as features
from clickorm_clickhouse.engines import parse_engine

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection
    from clickorm_clickhouse.platform import ClickHousePlatform

__all__ = ["has_table", "get_columns", "get_table", "where_table"]


def _placeholder(connection: BaseConnection, name: str) -> str:
    style = connection.paramstyle
    if style == "server":
        return "{" + name + ":String}"
    if style == "pyformat":
        return f"%({name})s"
    raise SchemaError(
        f"Cannot bind parameters for connection {connection.name!r} "
        f"(paramstyle {style!r}); ClickHouse connections use 'server' or 'pyformat'"
    )


def where_table(
    connection: Any, name: str, table_column: str = "table"
) -> tuple[str, dict[str, str]]:
    """``database = ... AND <table_column> = ...`` for ``name`` (``db.table`` or ``table``)."""
    database, _, table = name.rpartition(".")
    params = {"t": table}
    if database:
        params["db"] = database
        db_sql = _placeholder(connection, "db")
    else:
        db_sql = "currentDatabase()"
    return f"database = {db_sql} AND {table_column} = {_placeholder(connection, 't')}", params


def _query(
    platform: ClickHousePlatform, connection: BaseConnection, sql: str,
    params: dict[str, str], table: str,
) -> list[tuple[Any, ...]]:
    try:
        return list(connection.execute(sql, params).rows)
    except Exception as exc:
        raise platform.ddl_error(connection, sql, exc, table=table, action="Inspecting") from exc


def has_table(platform: ClickHousePlatform, connection: BaseConnection, name: str) -> bool:
    where, params = where_table(connection, name, "name")
    rows = _query(platform, connection, f"SELECT 1 FROM system.tables WHERE {where} LIMIT 1",
                  params, name)
    return bool(rows)


_COLUMNS = (
    "SELECT name, type, default_kind, default_expression, comment, is_in_primary_key "
    "FROM system.columns WHERE {where}"
)


def _column_rows(
    platform: ClickHousePlatform, connection: BaseConnection, table: str
) -> list[tuple[Any, ...]]:
    where, params = where_table(connection, table)
    rows = _query(platform, connection, _COLUMNS.format(where=where), params, table)
    if not rows:
        raise SchemaError(
            f"Table {table!r} does not exist on connection "
            f"{connection.name!r} (system.columns has no columns for it)"
        )
    return rows


def _split_nullable(type_sql: str) -> tuple[str, bool]:
    if type_sql.startswith("Nullable(") and type_sql.endswith(")"):
        return type_sql[len("Nullable("):-1], True
    return type_sql, type_sql.startswith("LowCardinality(Nullable(")


def get_columns(
    platform: ClickHousePlatform, connection: BaseConnection, table: str
) -> list[ColumnDescription]:
    out = []
    for name, type_sql, kind, expression, comment, in_key in _column_rows(
        platform, connection, table
    ):
        out.append(
            ColumnDescription(
                name=name,
                type=type_sql,
                nullable=_split_nullable(type_sql)[1],
                default=expression if kind == "DEFAULT" and expression else None,
                primary=bool(in_key),
                comment=comment or None,
            )
        )
    return out


def get_table(platform: ClickHousePlatform, connection: BaseConnection, name: str) -> Table:
    """The table as the server describes it (columns, engine, keys, skip indexes)."""
    table = Table(name)
    for col, type_sql, kind, expression, comment, _ in _column_rows(platform, connection, name):
        inner, nullable = _split_nullable(type_sql)
        plain_nullable = nullable and inner != type_sql
        column = Column(
            col, RawType(inner if plain_nullable else type_sql), nullable=plain_nullable,
            comment=comment or None,
        )
        if kind == "DEFAULT" and expression:
            column.default_raw = expression
        elif kind in ("MATERIALIZED", "ALIAS") and expression:
            column.options[kind.lower()] = expression
        table.add_column(column)
    where, params = where_table(connection, name, "name")
    rows = _query(
        platform, connection,
        "SELECT engine_full, sorting_key, partition_key, primary_key, sampling_key "
        f"FROM system.tables WHERE {where}",
        params, name,
    )
    if rows:
        engine_full, sorting, partition, primary, sampling = rows[0]
        if engine_full:
            table.options["engine"] = parse_engine(engine_full)
        for key, value in (("order_by", sorting), ("partition_by", partition),
                           ("sample_by", sampling)):
            if value:
                table.options[key] = value
        keys = [k.strip() for k in (primary or "").split(",") if k.strip()]
        if keys and all(k in table.columns for k in keys):
            table.primary_key = tuple(keys)
        elif primary:
            table.options["primary_key"] = primary
    if features.supports(platform.server_version, "data_skipping_indices_table"):
        table.indexes = _skip_indexes(platform, connection, name)
    return table


def _skip_indexes(
    platform: ClickHousePlatform, connection: BaseConnection, name: str
) -> list[Index]:
    where, params = where_table(connection, name)
    rows = _query(
        platform, connection,
        "SELECT name, expr, type_full, granularity FROM system.data_skipping_indices "
        f"WHERE {where}",
        params, name,
    )
    out = []
    for index_name, expr, type_full, granularity in rows:
        columns = tuple(c.strip().strip("`") for c in expr.strip("()").split(","))
        options = {"type": type_full, "granularity": int(granularity), "expression": expr}
        out.append(Index(index_name, columns, options=options))
    return out
