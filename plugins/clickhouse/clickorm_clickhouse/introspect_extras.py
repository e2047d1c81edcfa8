"""The parts of a ClickHouse table ``get_table`` leaves out, read for ``introspect``.

``system.tables`` of old servers has no TTL, settings or projection columns (18.16 has
``engine_full``, ``create_table_query`` and the key columns only), so the TTL and
SETTINGS clauses are read from ``engine_full`` and projections and column TTLs from
``create_table_query``, which every version has; codecs come from
``system.columns.compression_codec`` and the table comment from ``system.tables.comment``
where the server has them (version-gated). Key options become tuples of items (split at
top-level commas) so the Table compiles back to a CREATE the server accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from clickorm.dialects import Table
from clickorm_clickhouse import platform_features as features
from clickorm_clickhouse.engines import split_args
from clickorm_clickhouse.platform_introspect import where_table
from clickorm_clickhouse.sqltext import Scan

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection
    from clickorm_clickhouse.platform import ClickHousePlatform

__all__ = ["add_extras", "column_ttls", "list_tables", "table_clauses", "projections_of"]

_KEYWORDS = ("PARTITION BY", "PRIMARY KEY", "ORDER BY", "SAMPLE BY", "TTL", "SETTINGS",
             "COMMENT")
_PROJECTION = re.compile(r"PROJECTION\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*\(", re.I)
#: tables the ORM itself makes and never compares (scratch copies, rebuild leftovers)
_INTERNAL = ("_clickorm_shadow_", "_clickorm_rebuild_", ".inner")


def _top_level(text: str) -> list[tuple[int, str]]:
    """(position, keyword) of each clause keyword outside quotes and brackets."""
    out: list[tuple[int, str]] = []
    upper = text.upper()
    for i, _, depth in Scan(text):
        if depth == 0 and (i == 0 or text[i - 1] == " "):
            for word in _KEYWORDS:
                end = i + len(word)
                if upper.startswith(word, i) and (end == len(text) or text[end] == " "):
                    out.append((i, word))
                    break
    return out


def table_clauses(engine_full: str) -> dict[str, str]:
    """``engine_full`` -> {"TTL": "...", "SETTINGS": "...", ...} (text after each keyword)."""
    marks = _top_level(engine_full)
    out: dict[str, str] = {}
    for n, (pos, word) in enumerate(marks):
        end = marks[n + 1][0] if n + 1 < len(marks) else len(engine_full)
        out[word] = engine_full[pos + len(word):end].strip()
    return out


def _setting_value(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*", text):
        return float(text)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("\\'", "'")
    return text


def _settings(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in split_args(text):
        name, _, value = item.partition("=")
        out[name.strip()] = _setting_value(value)
    return out


def projections_of(create_query: str) -> dict[str, str]:
    """{name: query} of the PROJECTION clauses in a CREATE TABLE statement."""
    out: dict[str, str] = {}
    for match in _PROJECTION.finditer(create_query):
        start = match.end()
        # the bracket closing the projection's body (the scan starts inside it)
        end = next((j for j, ch, depth in Scan(create_query, start)
                    if ch == ")" and depth == -1), len(create_query))
        out[match.group(1).strip("`")] = create_query[start:end].strip()
    return out


_COLUMN_NAME = re.compile(r"(`(?:[^`\\]|\\.)*`|[A-Za-z_][A-Za-z0-9_.]*)\s")


def _body(create_query: str) -> str:
    """The text inside the parentheses after ``CREATE TABLE name``."""
    start = create_query.find("(")
    if start < 0:
        return ""
    end = next((j for j, ch, depth in Scan(create_query, start)
                if ch == ")" and depth == 0), -1)
    return create_query[start + 1:end] if end >= 0 else ""


def _column_items(create_query: str) -> Iterator[tuple[str, str]]:
    """(column name, its definition) for each column of a CREATE TABLE."""
    for item in split_args(_body(create_query)):
        match = _COLUMN_NAME.match(item)
        if not match or match.group(1).upper() in ("INDEX", "PROJECTION", "CONSTRAINT"):
            continue
        name = match.group(1)
        if name.startswith("`"):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        yield name, item


def column_ttls(create_query: str) -> dict[str, str]:
    """{column: TTL expression} of the columns a CREATE TABLE gives a TTL."""
    out: dict[str, str] = {}
    for name, item in _column_items(create_query):
        ttl = table_clauses(item).get("TTL")
        if ttl:
            out[name] = ttl
    return out


def unexpressed_parts(create_query: str) -> dict[str, list[str]]:
    """{column: [what no Column field says]}: an EPHEMERAL column, column-level SETTINGS,
    STATISTICS; introspection reports them instead of reading the column as a plain one."""
    out: dict[str, list[str]] = {}
    for name, item in _column_items(create_query):
        words = _bare_words(item)
        parts: list[str] = [w for w in ("EPHEMERAL", "STATISTICS") if w in words]
        settings = table_clauses(item).get("SETTINGS")
        if settings:
            parts.append(f"SETTINGS {settings}")
        if parts:
            out[name] = parts
    return out


def _bare_words(text: str) -> set[str]:
    """The upper-cased words of ``text`` outside quotes, backticks and brackets."""
    depth = {i: d for i, _, d in Scan(text)}
    return {m.group().upper() for m in re.finditer(r"(?<![A-Za-z0-9_$])[A-Za-z_][A-Za-z0-9_$]*", text)
            if depth.get(m.start()) == 0}


def _rows(
    platform: ClickHousePlatform, connection: BaseConnection, sql: str,
    params: dict[str, str] | None, table: str,
) -> list[tuple[Any, ...]]:
    try:
        return list(connection.execute(sql, params).rows)
    except Exception as exc:
        raise platform.ddl_error(connection, sql, exc, table=table, action="Inspecting") from exc


def list_tables(platform: ClickHousePlatform, connection: BaseConnection) -> list[str]:
    """Tables (no views, no temporary or internal tables) of the current database."""
    rows = _rows(
        platform, connection,
        "SELECT name FROM system.tables WHERE database = currentDatabase() "
        "AND NOT is_temporary AND NOT endsWith(engine, 'View') ORDER BY name",
        None, "<all tables>",
    )
    return [r[0] for r in rows if not r[0].startswith(_INTERNAL)]


def _as_items(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and len(split_args(text)) == 1:
        inner = text[1:-1]
        if split_args(inner) and len(split_args(inner)) > 1:
            text = inner
    return tuple(i.strip("`") if re.fullmatch(r"`[^`]+`", i) else i for i in split_args(text))


def add_extras(platform: ClickHousePlatform, connection: BaseConnection, table: Table) -> Table:
    """Fill TTL, settings, projections, codecs and the comment into ``table`` (in place)."""
    version = platform.server_version
    for key in ("order_by", "partition_by", "primary_key", "sample_by"):
        value = table.options.get(key)
        if isinstance(value, str):
            table.options[key] = _as_items(value)
    where, params = where_table(connection, table.name, "name")
    comment_sql = ", comment" if features.supports(version, "table_comment") else ""
    rows = _rows(
        platform, connection,
        f"SELECT engine_full, create_table_query{comment_sql} FROM system.tables "
        f"WHERE {where}", params, table.name,
    )
    if rows:
        engine_full, create_query = rows[0][0], rows[0][1]
        clauses = table_clauses(engine_full or "")
        if clauses.get("TTL"):
            table.options["ttl"] = clauses["TTL"]
        if clauses.get("SETTINGS"):
            table.options["settings"] = _settings(clauses["SETTINGS"])
        projections = projections_of(create_query or "")
        if projections:
            table.options["projections"] = projections
        if comment_sql and rows[0][2]:
            table.comment = rows[0][2]
        if features.supports(version, "ttl"):
            for name, ttl in column_ttls(create_query or "").items():
                if name in table.columns:
                    table.columns[name].options["ttl"] = ttl
        for name, parts in unexpressed_parts(create_query or "").items():
            if name in table.columns:
                table.columns[name].options["clickhouse_unexpressed"] = parts
    if features.supports(version, "codecs"):
        where, params = where_table(connection, table.name)
        for name, codec in _rows(
            platform, connection,
            f"SELECT name, compression_codec FROM system.columns WHERE {where}",
            params, table.name,
        ):
            if codec and name in table.columns:
                table.columns[name].options["codec"] = codec
    return table
