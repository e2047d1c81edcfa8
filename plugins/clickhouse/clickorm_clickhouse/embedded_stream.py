"""Streaming results of the embedded (chDB) connection, block by block.

:class:`EmbeddedStream` runs one query on a chDB connection of its own and decodes its
Arrow blocks as they come; :class:`ResultStream` puts an already fetched result behind
the same interface (chDB cannot stream ``WITH TOTALS``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from clickorm.dialects import Params, Result, RowStream, paused_gc
from clickorm.errors import ConnectionError
from clickorm_clickhouse import embedded_registry as registry
from clickorm_clickhouse.codecs import encode_params
from clickorm_clickhouse.embedded_calls import (
    arrow_table,
    check_one_statement,
    query_error,
    run_query,
)
from clickorm_clickhouse.embedded_decode import ColumnDecoder, rows_from_columns

if TYPE_CHECKING:
    import pyarrow as pa

    from clickorm_clickhouse.embedded import EmbeddedConnection

__all__ = ["EmbeddedStream", "ResultStream"]


class EmbeddedStream(RowStream):
    """Rows of one streamed query, decoded block by block; ``columns`` known up front.

    The query runs on a chDB connection of its own, so the owning connection stays
    usable meanwhile. Iterate to the end or call :meth:`close` (a ``for`` loop that
    breaks early closes it when the iterator is dropped).
    """

    def __init__(
        self, owner: EmbeddedConnection, sql: str, params: Params, batch_size: int
    ) -> None:
        super().__init__()
        self._owner = owner
        self._sql = sql
        self._bound = encode_params(params)
        self._conn: Any = None
        self._result: Any = None
        self._pending: Any = None
        self._decoders: list[ColumnDecoder] = []
        self._block: list[tuple[Any, ...]] = []
        self._index = 0
        if owner.closed:
            raise ConnectionError("the embedded connection is closed", connection=owner.name)
        check_one_statement(sql, owner.name, self._bound)
        self._conn = owner._open_stream_connection()
        try:
            run_query(self._conn, f"SET max_block_size = {max(1, int(batch_size))}", owner.name)
            try:
                self._result = self._conn.send_query(sql, "Arrow", params=self._bound)
                first = self._result.fetch()
            except Exception as exc:
                raise query_error(exc, sql, owner.name, self._bound) from exc
            with owner._lock:
                owner._after(sql)
            if first is not None:
                table = arrow_table(first)
                if table is not None:
                    with owner._lock:
                        self._decoders = owner._decoders(sql, self._bound, table.schema)
                    self.columns = list(table.column_names)
                    self._pending = (first, table)
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> EmbeddedStream:
        return self

    def __next__(self) -> tuple[Any, ...]:
        # a plain state machine, not a generator: no reference cycle, so dropping an
        # unfinished stream closes it at once (``__del__``)
        while self._index >= len(self._block):
            if not self._load():
                self.close()
                raise StopIteration
        row = self._block[self._index]
        self._index += 1
        return row

    def _load(self) -> bool:
        """Decode the next block into ``_block``; False at the end of the result."""
        self._block, self._index = [], 0
        if self._pending is not None:
            chunk, table = self._pending
            self._pending = None
            self._block = self._rows(table)
            return True
        if self._result is None:
            return False
        try:
            chunk = self._result.fetch()
        except Exception as exc:
            self.close()
            raise query_error(exc, self._sql, self._owner.name, self._bound) from exc
        if chunk is None:
            return False
        table = arrow_table(chunk)
        if table is not None:
            self._block = self._rows(table)
        return True

    def arrow_blocks(self) -> Iterator[tuple[pa.Table, list[ColumnDecoder]]]:
        """The result's Arrow blocks as chDB sends them, with their column decoders (which
        carry the ClickHouse types), instead of rows; closes the stream at the end."""
        try:
            while True:
                if self._pending is not None:
                    table = self._pending[1]
                    self._pending = None
                else:
                    if self._result is None:
                        return
                    try:
                        chunk = self._result.fetch()
                    except Exception as exc:
                        raise query_error(exc, self._sql, self._owner.name,
                                          self._bound) from exc
                    if chunk is None:
                        return
                    table = arrow_table(chunk)
                    if table is None:
                        continue
                    if len(self._decoders) != table.num_columns:
                        with self._owner._lock:
                            self._decoders = self._owner._decoders(
                                self._sql, self._bound, table.schema)
                yield table, self._decoders
        finally:
            self.close()

    def _rows(self, table: pa.Table) -> list[tuple[Any, ...]]:
        if len(self._decoders) != table.num_columns:
            with self._owner._lock:
                self._decoders = self._owner._decoders(self._sql, self._bound, table.schema)
            self.columns = list(table.column_names)
        with paused_gc():
            columns = [d.decode(col) for d, col in zip(self._decoders, table.columns, strict=True)]
            return rows_from_columns(columns, table.num_rows)

    def close(self) -> None:
        """Cancel the query if it is still running and release its chDB connection."""
        result, self._result = self._result, None
        conn, self._conn = self._conn, None
        self._pending = None
        self._block, self._index = [], 0
        if result is not None:
            try:
                result.cancel()
            except Exception:  # the query already ended; nothing to cancel
                pass
        if conn is not None:
            try:
                conn.close()
            finally:
                registry.release(self._owner._engine, f"{self._owner.name} (stream)")

    def __del__(self) -> None:
        if getattr(self, "_conn", None) is not None:
            with contextlib.suppress(Exception):
                self.close()


class ResultStream(RowStream):
    """An already fetched result behind the stream interface (``columns`` + rows)."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.columns)
        self._rows = iter(result.rows)

    def __next__(self) -> tuple[Any, ...]:
        return next(self._rows)

    def close(self) -> None:
        self._rows = iter(())
