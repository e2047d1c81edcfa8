"""Running statements on a chDB connection: Arrow results out, errors translated.

Shared by the embedded connection and its streams. Errors become ``QueryError`` with the
engine's code and message, the SQL, and bound values masked out of the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from clickorm.dialects import separator_at
from clickorm.errors import QueryError
from clickorm_clickhouse.error_values import describe_params, without_values

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "check_one_statement", "run_query", "drain", "arrow_table", "rows_written", "engine_message",
    "query_error",
]

_ERROR = re.compile(r"^Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?(.*?)(?:\s*\((\w+)\))?\s*$", re.S)


def check_one_statement(sql: str, name: str, bound: Mapping[str, str]) -> None:
    """Refuse text holding a second statement: chDB would run every one of them."""
    at = separator_at(sql, backslash_escapes=True)
    if at is not None:
        raise QueryError(
            f"The statement has a second statement after the ';' at offset {at}; the "
            "embedded connection runs one statement per call",
            sql=sql, connection=name, params_count=len(bound) or None,
        )


def run_query(conn: Any, sql: str, name: str, fmt: str = "Arrow") -> Any:
    try:
        return conn.query(sql, fmt)
    except Exception as exc:
        drain(conn)
        raise query_error(exc, sql, name, {}) from exc


#: a statement whose exact output shows whether a chDB connection's buffer is clean
_PROBE = "SELECT 1"
_PROBE_OUTPUT = b"1\n"


def drain(conn: Any) -> None:
    """Throw away what a failed query left in ``conn``'s output buffer.

    chDB keeps the output a query had written before it failed (an Arrow header, early
    blocks) and returns it in front of the next result on the same connection, which then
    fails to decode ("Invalid flatbuffers message") or decodes as another query's rows.
    A small probe query takes the leftovers with it; it is repeated until its output is
    exactly its own.
    """
    for _ in range(3):
        try:
            out = conn.query(_PROBE, "TabSeparatedRaw").bytes()
        except Exception:  # noqa: BLE001 - the connection is gone; nothing left to drain
            return
        if out == _PROBE_OUTPUT:
            return


def arrow_table(res: Any) -> pa.Table | None:
    """The Arrow table in a chDB result; None for statements without a result set."""
    if res is None or not len(res):
        return None
    import pyarrow as pa

    table = pa.ipc.open_file(pa.py_buffer(res.get_memview().view())).read_all()
    try:
        table.column_names  # noqa: B018 - decodes every name
    except UnicodeDecodeError:
        # an unaliased expression over non-UTF-8 bytes names its column with them
        table = table.rename_columns([_field_name(table.schema, i) for i in range(len(table.schema))])
    return table


def _field_name(schema: pa.Schema, i: int) -> str:
    try:
        return str(schema.field(i).name)
    except UnicodeDecodeError:
        return f"column_{i + 1}"


def rows_written(res: Any) -> int:
    try:
        return int(res.rows_written())
    except Exception:
        return -1


def engine_message(exc: BaseException) -> str:
    text = str(exc).split("Stack trace", 1)[0].strip()
    for prefix in ("Failed to create connection: ", "Streaming query failed: "):
        text = text.removeprefix(prefix)
    return text


def query_error(exc: BaseException, sql: str, name: str, bound: Mapping[str, str]) -> QueryError:
    """A QueryError with the server's message, the SQL, and no bound value in the text."""
    text = engine_message(exc)
    code = kind = None
    m = _ERROR.match(text)
    if m:
        code, text, kind = m.group(1), m.group(2).strip(), m.group(3)
    # the engine echoes substituted values ("In scope SELECT _CAST('secret', ...)")
    text = without_values(text, bound)
    where = f" [code {code}{' ' + kind if kind else ''}]" if code else ""
    given = f" [parameters: {describe_params(bound)}]" if bound else ""
    return QueryError(
        f"ClickHouse (chDB) error{where}: {text.rstrip('. ')}{given}",
        sql=sql,
        connection=name,
        params_count=len(bound) or None,
    )
