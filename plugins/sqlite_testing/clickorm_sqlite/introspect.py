"""Reading SQLite's catalog back into ClickORM's Table / ColumnDescription objects.

Everything goes through the connection with bound parameters (pragma table-valued
functions), so it works on any BaseConnection, never on the raw driver. Column types
come back as ``RawType(declared type)`` so a table rebuild re-declares them verbatim;
indexes created with CREATE INDEX keep their original SQL. A column declared with the
decimal collation (Decimal and 128/256-bit integer columns) comes back with it, as
``RawType("TEXT COLLATE clickorm_decimal")``: PRAGMAs do not report a collation, so it is
read from the CREATE TABLE text, and a rebuild keeps the column numeric.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from clickorm.dialects import Column as TableColumn
from clickorm.dialects import ColumnDescription, ForeignKey, Index, RawType, Table, index_name
from clickorm.errors import SchemaError
from clickorm_sqlite.decimals import COLLATION

if TYPE_CHECKING:
    from clickorm.dialects import BaseConnection

_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\)\s*(?:STRICT\s*,\s*)?WITHOUT\s+ROWID\b[^)]*$", re.IGNORECASE)
_STRICT = re.compile(r"\)\s*(?:WITHOUT\s+ROWID\s*,\s*)?STRICT\b[^)]*$", re.IGNORECASE)
#: parts of a CREATE TABLE that PRAGMAs do not report, so a rebuild would lose them
_UNPRESERVABLE = {
    "a CHECK constraint": re.compile(r"\bCHECK\s*\(", re.IGNORECASE),
    "a COLLATE clause": re.compile(r"\bCOLLATE\b", re.IGNORECASE),
    "a generated column": re.compile(r"\bGENERATED\s+ALWAYS\b|\bAS\s*\(", re.IGNORECASE),
}


#: ``<column> <type> COLLATE clickorm_decimal`` as the platform writes it
_NUMERIC_COLUMN = re.compile(
    r'("(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|\w+)\s+(\w+)\s+COLLATE\s+"?'
    + COLLATION + r'"?\b', re.IGNORECASE)
_NUMERIC_COLLATE = re.compile(r'\bCOLLATE\s+"?' + COLLATION + r'"?\b', re.IGNORECASE)


def _unquote(name: str) -> str:
    if name[0] == '"':
        return name[1:-1].replace('""', '"')
    if name[0] == "`":
        return name[1:-1].replace("``", "`")
    if name[0] == "[":
        return name[1:-1]
    return name


def numeric_columns(sql: str) -> dict[str, str]:
    """Column name -> declared type, for the columns ``sql`` declares with the decimal
    collation (compared case-insensitively, as SQLite names are)."""
    return {_unquote(m.group(1)).lower(): m.group(2) for m in _NUMERIC_COLUMN.finditer(sql)}


def split_name(name: str) -> tuple[str, str]:
    """``"main.users"`` -> ``("main", "users")``; unqualified names are in ``main``."""
    schema, dot, table = name.rpartition(".")
    return (schema if dot else "main"), table


def _rows(connection: BaseConnection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return list(connection.execute(sql, params).rows)


def _master(quote: Any, schema: str) -> str:
    return f"{quote(schema)}.sqlite_master"


def table_sql(connection: BaseConnection, name: str, quote: Any) -> str | None:
    schema, table = split_name(name)
    rows = _rows(
        connection,
        f"SELECT sql FROM {_master(quote, schema)} WHERE type = 'table' AND name = ? "
        "COLLATE NOCASE",
        (table,),
    )
    return rows[0][0] if rows else None


def has_table(connection: BaseConnection, name: str, quote: Any) -> bool:
    return table_sql(connection, name, quote) is not None


def _xinfo(connection: BaseConnection, name: str) -> list[tuple[Any, ...]]:
    schema, table = split_name(name)
    return _rows(
        connection,
        'SELECT name, type, "notnull", dflt_value, pk, hidden '
        "FROM pragma_table_xinfo(?, ?) ORDER BY cid",
        (table, schema),
    )


def _rowid_alias(rows: list[tuple[Any, ...]], without_rowid: bool) -> str | None:
    """The INTEGER PRIMARY KEY column (an alias of the rowid, never NULL)."""
    pks = [r for r in rows if r[4]]
    if len(pks) == 1 and not without_rowid and (pks[0][1] or "").upper() == "INTEGER":
        return str(pks[0][0])
    return None


def get_columns(connection: BaseConnection, name: str, quote: Any) -> list[ColumnDescription]:
    sql = table_sql(connection, name, quote)
    if sql is None:
        raise SchemaError(f"Table {name!r} does not exist; cannot read its columns")
    rows = _xinfo(connection, name)
    alias = _rowid_alias(rows, bool(_WITHOUT_ROWID.search(sql)))
    return [
        ColumnDescription(
            name=r[0],
            type=r[1] or "",
            nullable=not r[2] and r[0] != alias,
            default=r[3],
            primary=bool(r[4]),
        )
        for r in rows
    ]


def get_table(connection: BaseConnection, name: str, quote: Any) -> Table:
    """The full definition: columns, primary key, indexes, foreign keys, triggers."""
    sql = table_sql(connection, name, quote)
    if sql is None:
        raise SchemaError(f"Table {name!r} does not exist; cannot read its definition")
    schema, short = split_name(name)
    rows = _xinfo(connection, name)
    without_rowid = bool(_WITHOUT_ROWID.search(sql))
    alias = _rowid_alias(rows, without_rowid)
    table = Table(name)
    numeric = numeric_columns(sql)
    for col_name, declared, notnull, default, _pk, hidden in rows:
        if col_name.lower() in numeric:
            declared = f"{declared} COLLATE {COLLATION}"
        column = TableColumn(
            col_name,
            RawType(declared or ""),
            nullable=not notnull and col_name != alias,
            default_raw=default,
            autoincrement=col_name == alias and bool(_AUTOINCREMENT.search(sql)),
        )
        if hidden:
            column.options["sqlite_generated"] = True
        table.columns[col_name] = column
    table.primary_key = tuple(r[0] for r in sorted((r for r in rows if r[4]), key=lambda r: r[4]))
    table.indexes = _indexes(connection, schema, short, quote)
    table.foreign_keys = _foreign_keys(connection, schema, short)
    triggers = _rows(
        connection,
        f"SELECT sql FROM {_master(quote, schema)} WHERE type = 'trigger' AND tbl_name = ? "
        "COLLATE NOCASE AND sql IS NOT NULL",
        (short,),
    )
    table.options["sqlite_triggers"] = [r[0] for r in triggers]
    if without_rowid:
        table.options["without_rowid"] = True
    if _STRICT.search(sql):
        table.options["strict"] = True
    kept = _NUMERIC_COLLATE.sub("", sql)  # the decimal collation is read back (above)
    lost = [what for what, pattern in _UNPRESERVABLE.items() if pattern.search(kept)]
    if lost:
        table.options["sqlite_unpreservable"] = lost
    return table


def _indexes(connection: BaseConnection, schema: str, table: str, quote: Any) -> list[Index]:
    out = []
    listed = _rows(
        connection,
        'SELECT name, "unique", origin, partial FROM pragma_index_list(?, ?) ORDER BY seq DESC',
        (table, schema),
    )
    for idx_name, unique, origin, partial in listed:
        if origin == "pk":
            continue
        keys = _rows(
            connection,
            'SELECT name, "desc", coll FROM pragma_index_xinfo(?, ?) WHERE "key" = 1 '
            "ORDER BY seqno",
            (idx_name, schema),
        )
        columns = tuple(k[0] for k in keys if k[0] is not None)
        plain = (
            not partial
            and len(columns) == len(keys)
            and all(not k[1] and (k[2] or "BINARY").upper() == "BINARY" for k in keys)
        )
        if origin == "c":
            raw = _rows(
                connection,
                f"SELECT sql FROM {_master(quote, schema)} WHERE type = 'index' AND name = ?",
                (idx_name,),
            )
            index = Index(idx_name, columns, bool(unique), raw_sql=raw[0][0] if raw else None)
        else:
            # a UNIQUE constraint inside CREATE TABLE: rebuilt as a named unique index
            index = Index(index_name(table, columns, "unique"), columns, True)
            index.options["sqlite_constraint"] = idx_name
        if not plain:
            index.options["verbatim_only"] = True
        out.append(index)
    return out


def _foreign_keys(connection: BaseConnection, schema: str, table: str) -> list[ForeignKey]:
    rows = _rows(
        connection,
        'SELECT id, seq, "table", "from", "to", on_update, on_delete '
        "FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq",
        (table, schema),
    )
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    out = []
    for parts in grouped.values():
        first = parts[0]
        to = tuple(p[4] for p in parts if p[4] is not None)
        out.append(
            ForeignKey(
                tuple(p[3] for p in parts),
                first[2],
                to,
                on_delete=None if first[6] == "NO ACTION" else first[6],
                on_update=None if first[5] == "NO ACTION" else first[5],
            )
        )
    # pragma_foreign_key_list numbers keys in reverse order of declaration
    out.reverse()
    return out


def list_tables(connection: BaseConnection) -> list[str]:
    """Tables of the main database (not SQLite's own, not the ORM's scratch copies)."""
    rows = _rows(
        connection,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' AND name NOT LIKE '\\_clickorm\\_shadow\\_%' ESCAPE '\\' "
        "AND name NOT LIKE '\\_\\_clickorm\\_rebuild\\_%' ESCAPE '\\' ORDER BY name",
    )
    return [r[0] for r in rows]


def referencing_tables(connection: BaseConnection, name: str, quote: Any) -> list[str]:
    """Other tables whose foreign keys point at ``name``."""
    schema, short = split_name(name)
    tables = _rows(
        connection,
        f"SELECT name FROM {_master(quote, schema)} WHERE type = 'table' AND name != ? "
        "COLLATE NOCASE",
        (short,),
    )
    out = []
    for (other,) in tables:
        refs = _rows(
            connection,
            'SELECT 1 FROM pragma_foreign_key_list(?, ?) WHERE "table" = ? COLLATE NOCASE',
            (other, schema, short),
        )
        if refs:
            out.append(other)
    return out
