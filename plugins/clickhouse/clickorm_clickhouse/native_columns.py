"""Streamed native results read block by block as columns.

clickhouse-driver's ``execute_iter`` turns each block it receives into row tuples
(a transposition costing about half of a streamed read) and yields them one by one. The
native connection's clients use this result class instead: the header comes first, as
the driver's does, then each block as one :class:`ColumnarRows`, so ``iter()`` hydrates
a block at a time in C and ``stream_arrow`` builds Arrow from the columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clickhouse_driver.result import IterQueryResult

from clickorm.dialects import ColumnarRows

__all__ = ["ColumnarIterResult"]


class ColumnarIterResult(IterQueryResult):  # type: ignore[misc]  # the driver is untyped
    """The driver's streamed result, one item per block (after the header)."""

    first_block: bool
    with_column_types: bool
    packet_generator: Iterator[Any]

    def __next__(self) -> list[Any]:
        packet = next(self.packet_generator)
        block = getattr(packet, "block", None)  # progress packets carry none
        if block is None:
            return []
        out: list[Any] = []
        if self.first_block and self.with_column_types:
            self.first_block = False
            out.append(block.columns_with_types)
        if block.num_rows:
            out.append(ColumnarRows(block.get_columns()))
        return out
