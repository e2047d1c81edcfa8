"""Several column blocks in one native INSERT statement, read one at a time.

clickhouse-driver slices a whole in-memory dataset into blocks of its
``insert_block_size``; a bulk write streams instead, so this sends the blocks it is
given as they come, through the same protocol steps the driver's ``execute`` takes for
an INSERT (query, sample block, data blocks, an empty block, end of stream).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["execute_blocks", "dedup_token"]


def execute_blocks(client: Any, sql: str, blocks: Iterable[Sequence[Sequence[Any]]], *,
                   settings: Mapping[str, Any], query_id: str) -> int:
    """Run ``sql`` (an ``INSERT ... VALUES``) with ``blocks`` as its data; rows sent."""
    from clickhouse_driver.block import ColumnOrientedBlock

    def send_data(sample_block: Any, data: Any, types_check: bool = False,
                  columnar: bool = True) -> int:
        rows = 0
        for columns in data:
            # fresh lists, as the driver's own slicer makes: its columns write into them
            block = ColumnOrientedBlock(sample_block.columns_with_types,
                                        [list(column) for column in columns],
                                        types_check=types_check)
            client.connection.send_data(block)
            rows += block.num_rows
            client.receive_profile_events()
        client.connection.send_data(ColumnOrientedBlock())  # the end of the data
        client.receive_profile_events()
        return rows

    # the driver's own insert path, with this block source instead of its slicer
    client.send_data = send_data
    try:
        written = client.execute(sql, (block for block in blocks), settings=dict(settings),
                                 query_id=query_id, columnar=True)
    finally:
        del client.send_data
    return int(written or 0)


def dedup_token(table: str, columns: Sequence[str], payload: bytes, occurrence: int) -> str:
    """A block's ``insert_deduplication_token``: its table, columns and content, and how
    many identical blocks came before it in the same call (two equal blocks both land)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(table.encode())
    digest.update(b"\0" + "\0".join(columns).encode() + b"\0")
    digest.update(payload)
    return f"clickorm-{digest.hexdigest()}-{occurrence}"


def next_block_token(seen: dict[str, int], table: str, columns: Sequence[str],
                     cols: Sequence[Sequence[Any]]) -> str:
    """The token of the next block of one call: ``seen`` counts the identical blocks
    already sent in it (two equal blocks are two rows sets, and both land)."""
    key = dedup_token(table, columns, repr(cols).encode(), 0)
    seen[key] = seen.get(key, -1) + 1
    return key[: key.rindex("-") + 1] + str(seen[key])
