"""Columnar results: the optional Arrow, pandas and Polars imports, and the default way a
connection turns its rows into Arrow.

pyarrow, pandas and polars are optional (``pip install clickorm[arrow]``, ``[pandas]``,
``[polars]``); :func:`require` imports one or raises a :class:`ClickORMError` naming the
extra. A driver whose data is already columnar with exact types (ClickHouse) overrides
``BaseConnection.execute_arrow``; every other connection builds Arrow here from its row
tuples, letting pyarrow infer each column's type from the Python values.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
import ipaddress
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from clickorm.errors import ClickORMError

__all__ = ["require", "column_values", "table_from_columns", "batches_from_rows",
           "arrow_ready", "transpose_rows"]

#: optional module -> the extra that installs it
EXTRAS = {"pyarrow": "arrow", "pandas": "pandas", "polars": "polars"}


def require(module: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module, module)
        raise ClickORMError(
            f"This needs {module}, an optional dependency: pip install 'clickorm[{extra}]'"
        ) from exc


def arrow_ready(value: Any) -> Any:
    """A Python value in a form pyarrow takes: UUIDs and IP addresses as their text, enum
    members as their value, containers element by element."""
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [arrow_ready(v) for v in value]
    if isinstance(value, dict):
        return {arrow_ready(k): arrow_ready(v) for k, v in value.items()}
    return value


_PLAIN = (int, float, str, bytes, bool, decimal.Decimal, datetime.date, datetime.time,
          datetime.timedelta, type(None))


def _needs_preparing(value: Any) -> bool | None:
    """Whether ``value`` holds anything pyarrow does not take as it is; containers are
    judged by their first element (or key and value); None when an empty container or
    None cannot tell."""
    if value is None:
        return None
    if isinstance(value, _PLAIN):
        return False
    if isinstance(value, list | tuple):
        return _needs_preparing(value[0]) if value else None
    if isinstance(value, dict):
        for k, v in value.items():
            return bool(_needs_preparing(k) or _needs_preparing(v))
        return None
    return True


def column_values(values: Sequence[Any]) -> Sequence[Any]:
    """``values`` made arrow-ready when they need it (judged by the first value that can
    tell: a column holds one type), else the same sequence, untouched."""
    for v in values:
        needed = _needs_preparing(v)
        if needed is None:
            continue
        if not needed:
            return values
        return [None if x is None else arrow_ready(x) for x in values]
    return values


def table_from_columns(names: Sequence[str], data: Sequence[Sequence[Any]],
                       types: Sequence[Any] | None = None) -> Any:
    """A pyarrow Table of column-major ``data``; ``types`` (pyarrow types or None to
    infer) per column. Duplicate column names are kept, as in the result."""
    pa = require("pyarrow")
    arrays = []
    for i, values in enumerate(data):
        target = types[i] if types is not None else None
        try:
            arrays.append(pa.array(column_values(values), type=target))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            # pyarrow's message quotes the value that did not fit
            raise ClickORMError(
                f"Column {names[i]!r} holds values Arrow cannot read as one type "
                f"({type(exc).__name__}: a column of mixed types): select it cast to one "
                "type") from None
    if not arrays:
        return pa.table({})
    return pa.Table.from_arrays(arrays, names=list(names))


def same_schema(tables: Iterator[Any]) -> Iterator[Any]:
    """The record batches of ``tables`` in the first table's schema (types inferred per
    batch would differ: an int column, then text), or a ClickORMError where a later
    batch's values do not fit it."""
    pa = require("pyarrow")
    schema = None
    for table in tables:
        if schema is not None and table.schema != schema:
            # a column that was all NULL so far takes the type its values now show
            schema = pa.schema([g if pa.types.is_null(f.type) else f
                                for f, g in zip(schema, table.schema, strict=True)])
        if schema is None:
            schema = table.schema
        elif table.schema != schema:
            try:
                table = table.cast(schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                changed = [f.name for f, g in zip(schema, table.schema, strict=True)
                           if f.type != g.type]
                raise ClickORMError(
                    f"Column(s) {', '.join(map(repr, changed))} of a later record batch "
                    f"do not fit the first batch's types ({schema}); select them cast to "
                    "one type") from None
        yield from table.to_batches()


def transpose_rows(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Row tuples -> one list per column."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(col) for col in zip(*rows, strict=True)]


def batches_from_rows(names: Sequence[str], rows: Iterator[tuple[Any, ...]],
                      batch_size: int) -> Iterator[Any]:
    """RecordBatches of at most ``batch_size`` rows from a row iterator."""
    def tables() -> Iterator[Any]:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                yield table_from_columns(names, transpose_rows(batch, len(names)))
                batch = []
        if batch:
            yield table_from_columns(names, transpose_rows(batch, len(names)))

    return same_schema(tables())
