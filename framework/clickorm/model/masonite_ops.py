"""The terminal operations QueryBuilder carries under Masonite's names.

``create``, ``bulk_create``, ``truncate``, ``simple_paginate``, ``statement`` and the
builder's transaction calls run here, on the connection the builder resolves, with
Masonite's meaning where it is well defined and a ``QueryError`` where a dialect cannot
give it (no transactions) or where the call would act on another connection than the
builder names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from clickorm.errors import QueryError
from clickorm.model import execution
from clickorm.model.collection import Collection
from clickorm.model.page_order import page_order
from clickorm.query.expressions import Raw, Table
from clickorm.query.writer import new_writer

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.builder import QueryBuilder

T = TypeVar("T")

__all__ = ["SimplePage", "bulk_create", "create", "simple_paginate", "statement",
           "transaction_call", "truncate"]


@dataclass(frozen=True)
class SimplePage(Generic[T]):
    """One page without a total: ``has_more`` says whether a next page has rows (one row
    past the page is read to know it)."""

    items: Collection[T]
    per_page: int
    current_page: int
    has_more: bool

    @property
    def next_page(self) -> int | None:
        return self.current_page + 1 if self.has_more else None

    @property
    def previous_page(self) -> int | None:
        return self.current_page - 1 or None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def simple_paginate(builder: QueryBuilder[T], per_page: int, page: int) -> SimplePage[T]:
    if type(per_page) is not int or per_page < 1 or type(page) is not int or page < 1:
        raise QueryError(f"simple_paginate() needs per_page >= 1 and page >= 1, got "
                         f"{per_page}, {page}")
    ordered = page_order(builder, "simple_paginate")
    rows = execution.get(ordered.offset((page - 1) * per_page).limit(per_page + 1))
    return SimplePage(Collection(list(rows)[:per_page]), per_page, page, len(rows) > per_page)


def _model_writes_here(builder: QueryBuilder[Any], what: str) -> Any:
    """The builder's model, when its writes go where the builder points (``on(...)``
    naming the model's own connection is fine; another one is refused)."""
    model = builder._model
    if (model is not None and builder._conn is not None
            and execution.resolve_connection(builder) is not model._clickorm_connection()):
        raise QueryError(
            f"{what}() on a {model.__name__} query bound with on(...) would write through "
            f"the model's own connection; use insert() on that builder, or "
            f"{model.__name__}.{what}() with the model's connection")
    return model


def create(builder: QueryBuilder[Any], values: Mapping[str, Any]) -> Any:
    """One row: a validated, saved model instance, or (without a model) the dict
    inserted, with ``id`` added when the database generated one."""
    model = _model_writes_here(builder, "create")
    if model is not None:
        return model.create(values)
    row = dict(values)
    if not row:
        raise QueryError("create() got no values")
    new_id = execution.insert(builder, row)
    if new_id is not None and "id" not in row:
        row["id"] = new_id
    return row


def bulk_create(builder: QueryBuilder[Any], rows: Sequence[Mapping[str, Any]]) -> int:
    """Many rows in one bulk write (validated through the model when there is one);
    the number of rows written."""
    model = _model_writes_here(builder, "bulk_create")
    items = list(rows)
    if model is not None:
        written: int = model.insert_many(items)
        return written
    return int(execution.insert(builder, items) or 0)


def truncate(builder: QueryBuilder[Any], dry: bool) -> list[str]:
    """Every row of the builder's table removed (the platform's TRUNCATE: ``DELETE FROM``
    on SQLite, ``TRUNCATE TABLE`` on ClickHouse);
    the statements run (or, with ``dry``, that would run)."""
    source = builder._state.table
    if not isinstance(source, Table):
        raise QueryError("truncate() needs a table")
    if builder._state.wheres:
        raise QueryError("truncate() removes every row; the query's where() conditions "
                         "would be ignored (use delete() for matching rows)")
    meta = getattr(builder._model, "Meta", None)
    if getattr(meta, "cluster", None):
        # its rows live in the replicas' local tables, not in the table queried
        raise QueryError(f"truncate() of {source.name!r}, a clustered model's table, is "
                         "refused: truncate its local table ON CLUSTER with Schema")
    conn = execution.resolve_connection(builder)
    statements = conn.platform.compile_truncate(source.name)
    if not dry:
        for sql in statements:
            conn.execute(sql)
    return statements


def statement(builder: QueryBuilder[Any], sql: str, bindings: Sequence[Any]
              ) -> list[dict[str, Any]]:
    """Run one raw statement on the builder's connection: its rows as dicts. Values are
    bound through ``?`` placeholders (or Masonite's ``'?'``), in any paramstyle."""
    conn = execution.resolve_connection(builder)
    grammar = conn.grammar
    w = new_writer()
    grammar.visit_raw(Raw(sql, bindings), w)
    result = conn.execute("".join(w), grammar.finish_params(w.params))
    return result.dicts()


def transaction_call(builder: QueryBuilder[Any], call: str) -> BaseConnection:
    """``begin``/``commit``/``rollback`` on the builder's connection, refused where the
    dialect has no transactions (a no-op there would promise a rollback it cannot do)."""
    conn = execution.resolve_connection(builder)
    if "transactions" not in conn.capabilities:
        raise QueryError(
            f"{call}(): the {conn.dialect.name} dialect has no transactions, so nothing "
            "could be rolled back")
    if call == "begin":
        conn.begin()
    elif call == "commit":
        conn.commit()
    else:
        conn.rollback()
    return conn
