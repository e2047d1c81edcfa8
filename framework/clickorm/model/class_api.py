"""The builder's API on the model class: ``User.where(...)``, ``User.find(1)`` ...

``ModelMeta`` (the metaclass) inherits these methods, so every public builder method
is also a class method of each model, starting a new builder over the model's table.
They are written out, instead of forwarded by ``__getattr__``, so a type checker sees
``User.where(...)`` as ``QueryBuilder[User]`` and rejects ``User.wehre(...)``; each
passes its arguments through unchanged, so its behaviour is the builder's.
``tests/test_model_forwarding.py`` checks that these names are exactly the builder's
public methods (less the bulk writes the class refuses) with the same parameters.

``cls: type[_M]`` on a metaclass method binds ``_M`` to the model class it is called on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from clickorm.model import aio, execution
from clickorm.model.builder import K, KeyList, QueryBuilder
from clickorm.model.collection import Collection
from clickorm.model.masonite_ops import SimplePage
from clickorm.model.pagination import Page

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.query.compiled import Compiled
    from clickorm.query.grammar import BaseGrammar

__all__ = ["ClassQueryAPI", "REFUSED_ON_CLASS"]

#: the model class these methods are called on
_M = TypeVar("_M")
#: the result type ``as_()`` reads rows into
_T = TypeVar("_T")

#: builder methods that change rows: on the class they would change every row, so the
#: class refuses them and a bulk write names its builder (``User.query.delete()``)
REFUSED_ON_CLASS = frozenset({"delete", "update", "increment", "decrement",
                              "adelete", "aupdate"})


def _start(cls: type[_M]) -> QueryBuilder[_M]:
    """A new builder over ``cls``'s table (the model's own hook: scopes, connection)."""
    # _M is unbounded (a metaclass self-type must be), so the Model hook is not visible
    builder: QueryBuilder[_M] = cls._clickorm_query()  # type: ignore[attr-defined]
    return builder


class ClassQueryAPI(type):
    """The query builder's public methods, as methods of every model class."""

    def add_select(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).add_select(*columns)

    def all(cls: type[_M], *, validate: bool = False) -> Collection[_M]:
        return _start(cls).all(validate=validate)

    def array_join(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).array_join(*columns)

    def asof_join(cls: type[_M], target: Any, on: Any, *, kind: str = "INNER", **kw: Any) -> QueryBuilder[_M]:
        return _start(cls).asof_join(target, on, kind=kind, **kw)

    def avg(cls: type[_M], column: Any) -> Any:
        return _start(cls).avg(column)

    def chunk(cls: type[_M], size: int) -> Iterator[Collection[_M]]:
        return _start(cls).chunk(size)

    def compile(cls: type[_M], grammar: BaseGrammar | None = None) -> Compiled:
        return _start(cls).compile(grammar)

    def count(cls: type[_M], column: Any = "*") -> int:
        return _start(cls).count(column)

    def cross_join(cls: type[_M], target: Any) -> QueryBuilder[_M]:
        return _start(cls).cross_join(target)

    def distinct(cls: type[_M], flag: bool = True) -> QueryBuilder[_M]:
        return _start(cls).distinct(flag)

    def doesnt_exist(cls: type[_M]) -> bool:
        return _start(cls).doesnt_exist()

    def exists(cls: type[_M]) -> bool:
        return _start(cls).exists()

    def filter(cls: type[_M], *conditions: Any) -> QueryBuilder[_M]:
        return _start(cls).filter(*conditions)

    def filter_by(cls: type[_M], **equals: Any) -> QueryBuilder[_M]:
        return _start(cls).filter_by(**equals)

    def final(cls: type[_M], flag: bool = True) -> QueryBuilder[_M]:
        return _start(cls).final(flag)

    @overload
    def find(cls: type[_M], key: KeyList[K]) -> Collection[_M]: ...
    @overload
    def find(cls: type[_M], key: Any) -> _M | None: ...
    def find(cls: type[_M], key: Any) -> Collection[_M] | _M | None:
        return execution.find(_start(cls), key)

    @overload
    def find_or_fail(cls: type[_M], key: KeyList[K]) -> Collection[_M]: ...
    @overload
    def find_or_fail(cls: type[_M], key: Any) -> _M: ...
    def find_or_fail(cls: type[_M], key: Any) -> Collection[_M] | _M:
        return execution.find_or_fail(_start(cls), key)

    def first(cls: type[_M], *, validate: bool = False) -> _M | None:
        return _start(cls).first(validate=validate)

    def first_or_fail(cls: type[_M]) -> _M:
        return _start(cls).first_or_fail()

    def for_page(cls: type[_M], page: int, per_page: int) -> QueryBuilder[_M]:
        return _start(cls).for_page(page, per_page)

    def from_(cls: type[_M], name: Any) -> QueryBuilder[_M]:
        return _start(cls).from_(name)

    def full_join(cls: type[_M], target: Any, left: Any = None, op: str = "=", right: Any = None, **kw: Any) -> QueryBuilder[_M]:
        return _start(cls).full_join(target, left, op, right, **kw)

    def get(cls: type[_M], *, validate: bool = False) -> Collection[_M]:
        return _start(cls).get(validate=validate)

    def global_join(cls: type[_M], target: Any, left: Any = None, op: str = "=", right: Any = None, **kw: Any) -> QueryBuilder[_M]:
        return _start(cls).global_join(target, left, op, right, **kw)

    def grammar(cls: type[_M]) -> BaseGrammar:
        return _start(cls).grammar()

    def group_by(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).group_by(*columns)

    def group_by_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).group_by_raw(sql, *bindings)

    def having(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).having(column, *args)

    def having_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).having_raw(sql, *bindings)

    def insert(cls: type[_M], values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        return _start(cls).insert(values)

    def insert_sql(cls: type[_M], values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> QueryBuilder[_M]:
        return _start(cls).insert_sql(values)

    def iter(cls: type[_M], *, batch_size: int = 10000) -> Iterator[_M]:
        return _start(cls).iter(batch_size=batch_size)

    def join(cls: type[_M], target: Any, left: Any = None, op: str = "=", right: Any = None, *, kind: str = "INNER", using: Sequence[str] | None = None, strictness: str | None = None, global_: bool = False) -> QueryBuilder[_M]:
        return _start(cls).join(target, left, op, right, kind=kind, using=using, strictness=strictness, global_=global_)

    def last(cls: type[_M], *columns: Any) -> _M | None:
        return _start(cls).last(*columns)

    def latest(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).latest(*columns)

    def left_array_join(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).left_array_join(*columns)

    def left_join(cls: type[_M], target: Any, left: Any = None, op: str = "=", right: Any = None, **kw: Any) -> QueryBuilder[_M]:
        return _start(cls).left_join(target, left, op, right, **kw)

    def limit(cls: type[_M], n: int | None) -> QueryBuilder[_M]:
        return _start(cls).limit(n)

    def limit_by(cls: type[_M], n: int, *columns: Any, offset: int | None = None) -> QueryBuilder[_M]:
        return _start(cls).limit_by(n, *columns, offset=offset)

    def max(cls: type[_M], column: Any) -> Any:
        return _start(cls).max(column)

    def min(cls: type[_M], column: Any) -> Any:
        return _start(cls).min(column)

    def offset(cls: type[_M], n: int | None) -> QueryBuilder[_M]:
        return _start(cls).offset(n)

    def oldest(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).oldest(*columns)

    def on(cls: type[_M], connection: BaseConnection | str) -> QueryBuilder[_M]:
        return _start(cls).on(connection)

    def option(cls: type[_M], name: str, value: Any) -> QueryBuilder[_M]:
        return _start(cls).option(name, value)

    def or_having(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).or_having(column, *args)

    def or_prewhere(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).or_prewhere(column, *args)

    def or_where(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where(column, *args)

    def or_where_has(cls: type[_M], relation: str, callback: Callable[[Any], Any] | None = None) -> QueryBuilder[_M]:
        return _start(cls).or_where_has(relation, callback)

    def or_where_in(cls: type[_M], column: Any, values: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_in(column, values)

    def or_where_not_in(cls: type[_M], column: Any, values: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_not_in(column, values)

    def or_where_not_null(cls: type[_M], column: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_not_null(column)

    def or_where_null(cls: type[_M], column: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_null(column)

    def or_where_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_raw(sql, *bindings)

    def order_by(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).order_by(*columns)

    def order_by_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).order_by_raw(sql, *bindings)

    def paginate(cls: type[_M], per_page: int = 15, page: int = 1) -> Page[_M]:
        return _start(cls).paginate(per_page, page)

    @overload
    def pluck(cls: type[_M], column: Any, key: None = None) -> Collection[Any]: ...
    @overload
    def pluck(cls: type[_M], column: Any, key: Any) -> dict[Any, Any]: ...
    def pluck(cls: type[_M], column: Any, key: Any = None) -> Collection[Any] | dict[Any, Any]:
        return execution.pluck(_start(cls), column, key)

    def prewhere(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).prewhere(column, *args)

    def reorder(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).reorder()

    def right_join(cls: type[_M], target: Any, left: Any = None, op: str = "=", right: Any = None, **kw: Any) -> QueryBuilder[_M]:
        return _start(cls).right_join(target, left, op, right, **kw)

    def sample(cls: type[_M], ratio: float | int, offset: float | int | None = None) -> QueryBuilder[_M]:
        return _start(cls).sample(ratio, offset)

    def select(cls: type[_M], *columns: Any) -> QueryBuilder[_M]:
        return _start(cls).select(*columns)

    def select_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).select_raw(sql, *bindings)

    def settings(cls: type[_M], **values: Any) -> QueryBuilder[_M]:
        return _start(cls).settings(**values)

    def skip(cls: type[_M], n: int | None) -> QueryBuilder[_M]:
        return _start(cls).skip(n)

    def sum(cls: type[_M], column: Any) -> Any:
        return _start(cls).sum(column)

    def table(cls: type[_M], name: Any) -> QueryBuilder[_M]:
        return _start(cls).table(name)

    def take(cls: type[_M], n: int | None) -> QueryBuilder[_M]:
        return _start(cls).take(n)

    def to_qmark(cls: type[_M], dialect: str | None = None) -> str:
        return _start(cls).to_qmark(dialect)

    def to_sql(cls: type[_M], dialect: str | None = None) -> str:
        return _start(cls).to_sql(dialect)

    def union(cls: type[_M], other: Any, *, all: bool = False) -> QueryBuilder[_M]:
        return _start(cls).union(other, all=all)

    def union_all(cls: type[_M], other: Any) -> QueryBuilder[_M]:
        return _start(cls).union_all(other)

    def value(cls: type[_M], column: Any) -> Any:
        return _start(cls).value(column)

    def when(cls: type[_M], condition: Any, callback: Callable[[QueryBuilder[_M]], QueryBuilder[_M]], default: Callable[[QueryBuilder[_M]], QueryBuilder[_M]] | None = None) -> QueryBuilder[_M]:
        return _start(cls).when(condition, callback, default)

    def where(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).where(column, *args)

    def where_between(cls: type[_M], column: Any, low: Any, high: Any) -> QueryBuilder[_M]:
        return _start(cls).where_between(column, low, high)

    def where_column(cls: type[_M], left: Any, op: str, right: Any = None) -> QueryBuilder[_M]:
        return _start(cls).where_column(left, op, right)

    def where_doesnt_have(cls: type[_M], relation: str, callback: Callable[[Any], Any] | None = None) -> QueryBuilder[_M]:
        return _start(cls).where_doesnt_have(relation, callback)

    def where_exists(cls: type[_M], query: Any) -> QueryBuilder[_M]:
        return _start(cls).where_exists(query)

    def where_has(cls: type[_M], relation: str, callback: Callable[[Any], Any] | None = None) -> QueryBuilder[_M]:
        return _start(cls).where_has(relation, callback)

    def where_in(cls: type[_M], column: Any, values: Any) -> QueryBuilder[_M]:
        return _start(cls).where_in(column, values)

    def where_like(cls: type[_M], column: Any, pattern: str) -> QueryBuilder[_M]:
        return _start(cls).where_like(column, pattern)

    def where_not(cls: type[_M], column: Any, *args: Any) -> QueryBuilder[_M]:
        return _start(cls).where_not(column, *args)

    def where_not_between(cls: type[_M], column: Any, low: Any, high: Any) -> QueryBuilder[_M]:
        return _start(cls).where_not_between(column, low, high)

    def where_not_exists(cls: type[_M], query: Any) -> QueryBuilder[_M]:
        return _start(cls).where_not_exists(query)

    def where_not_in(cls: type[_M], column: Any, values: Any) -> QueryBuilder[_M]:
        return _start(cls).where_not_in(column, values)

    def where_not_like(cls: type[_M], column: Any, pattern: str) -> QueryBuilder[_M]:
        return _start(cls).where_not_like(column, pattern)

    def where_not_null(cls: type[_M], column: Any) -> QueryBuilder[_M]:
        return _start(cls).where_not_null(column)

    def where_null(cls: type[_M], column: Any) -> QueryBuilder[_M]:
        return _start(cls).where_null(column)

    def where_raw(cls: type[_M], sql: str, *bindings: Any) -> QueryBuilder[_M]:
        return _start(cls).where_raw(sql, *bindings)

    def with_(cls: type[_M], *relations: str) -> QueryBuilder[_M]:
        return _start(cls).with_(*relations)

    def with_count(cls: type[_M], *relations: str) -> QueryBuilder[_M]:
        return _start(cls).with_count(*relations)

    def with_cte(cls: type[_M], name: str, query: Any) -> QueryBuilder[_M]:
        return _start(cls).with_cte(name, query)

    def with_cube(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).with_cube()

    def with_rollup(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).with_rollup()

    def with_totals(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).with_totals()

    # -- Masonite names and argument forms (kept together; see README "Masonite names") --
    def aggregate(cls: type[_M], function: str, column: Any = "*", alias: str | None = None) -> QueryBuilder[_M]:
        return _start(cls).aggregate(function, column, alias)

    def begin(cls: type[_M]) -> BaseConnection:
        return _start(cls).begin()

    def between(cls: type[_M], column: Any, low: Any, high: Any) -> QueryBuilder[_M]:
        return _start(cls).between(column, low, high)

    def bulk_create(cls: type[_M], rows: Sequence[Mapping[str, Any]]) -> int:
        return _start(cls).bulk_create(rows)

    def commit(cls: type[_M]) -> None:
        _start(cls).commit()

    def create(cls: type[_M], values: Mapping[str, Any] | None = None, /, **data: Any) -> _M:
        return _start(cls).create(values, **data)

    def find_or_404(cls: type[_M], key: Any) -> _M:
        return _start(cls).find_or_404(key)

    def doesnt_have(cls: type[_M], *relations: str) -> QueryBuilder[_M]:
        return _start(cls).doesnt_have(*relations)

    def has(cls: type[_M], *relations: str) -> QueryBuilder[_M]:
        return _start(cls).has(*relations)

    def first_or_create(cls: type[_M], wheres: Mapping[str, Any], creates: Mapping[str, Any] | None = None) -> _M:
        return _start(cls).first_or_create(wheres, creates)

    def first_where(cls: type[_M], column: Any, *args: Any) -> _M | None:
        return _start(cls).first_where(column, *args)

    def in_random_order(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).in_random_order()

    def joins(cls: type[_M], *relations: str, clause: str = "inner") -> QueryBuilder[_M]:
        return _start(cls).joins(*relations, clause=clause)

    def lock_for_update(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).lock_for_update()

    def not_between(cls: type[_M], column: Any, low: Any, high: Any) -> QueryBuilder[_M]:
        return _start(cls).not_between(column, low, high)

    def or_doesnt_have(cls: type[_M], relation: str) -> QueryBuilder[_M]:
        return _start(cls).or_doesnt_have(relation)

    def or_has(cls: type[_M], relation: str) -> QueryBuilder[_M]:
        return _start(cls).or_has(relation)

    def or_where_doesnt_have(cls: type[_M], relation: str, callback: Callable[[Any], Any] | None = None) -> QueryBuilder[_M]:
        return _start(cls).or_where_doesnt_have(relation, callback)

    def or_where_exists(cls: type[_M], query: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_exists(query)

    def or_where_not_exists(cls: type[_M], query: Any) -> QueryBuilder[_M]:
        return _start(cls).or_where_not_exists(query)

    def or_where_date(cls: type[_M], column: Any, value: date | str) -> QueryBuilder[_M]:
        return _start(cls).or_where_date(column, value)

    def rollback(cls: type[_M]) -> None:
        _start(cls).rollback()

    def shared_lock(cls: type[_M]) -> QueryBuilder[_M]:
        return _start(cls).shared_lock()

    def simple_paginate(cls: type[_M], per_page: int = 15, page: int = 1) -> SimplePage[_M]:
        return _start(cls).simple_paginate(per_page, page)

    def sole(cls: type[_M]) -> _M:
        return _start(cls).sole()

    def statement(cls: type[_M], sql: str, bindings: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return _start(cls).statement(sql, bindings)

    @overload
    def truncate(cls: type[_M], *, dry: Literal[False] = False) -> None: ...
    @overload
    def truncate(cls: type[_M], *, dry: Literal[True]) -> list[str]: ...
    def truncate(cls: type[_M], *, dry: bool = False) -> list[str] | None:
        return _start(cls).truncate(dry=True) if dry else _start(cls).truncate()

    def where_date(cls: type[_M], column: Any, value: date | str) -> QueryBuilder[_M]:
        return _start(cls).where_date(column, value)
    # -- async terminals (the builder's, awaited) --------------------------------------
    async def aget(cls: type[_M], *, validate: bool = False) -> Collection[_M]:
        return await _start(cls).aget(validate=validate)

    async def aall(cls: type[_M], *, validate: bool = False) -> Collection[_M]:
        return await _start(cls).aall(validate=validate)

    async def afirst(cls: type[_M], *, validate: bool = False) -> _M | None:
        return await _start(cls).afirst(validate=validate)

    async def afirst_or_fail(cls: type[_M]) -> _M:
        return await _start(cls).afirst_or_fail()

    async def alast(cls: type[_M], *columns: Any) -> _M | None:
        return await _start(cls).alast(*columns)

    @overload
    async def afind(cls: type[_M], key: KeyList[K]) -> Collection[_M]: ...
    @overload
    async def afind(cls: type[_M], key: Any) -> _M | None: ...
    async def afind(cls: type[_M], key: Any) -> Collection[_M] | _M | None:
        builder = _start(cls)
        return await aio.run(builder, execution.find, builder, key)

    @overload
    async def afind_or_fail(cls: type[_M], key: KeyList[K]) -> Collection[_M]: ...
    @overload
    async def afind_or_fail(cls: type[_M], key: Any) -> _M: ...
    async def afind_or_fail(cls: type[_M], key: Any) -> Collection[_M] | _M:
        builder = _start(cls)
        return await aio.run(builder, execution.find_or_fail, builder, key)

    async def aexists(cls: type[_M]) -> bool:
        return await _start(cls).aexists()

    async def adoesnt_exist(cls: type[_M]) -> bool:
        return await _start(cls).adoesnt_exist()

    async def avalue(cls: type[_M], column: Any) -> Any:
        return await _start(cls).avalue(column)

    @overload
    async def apluck(cls: type[_M], column: Any, key: None = None) -> Collection[Any]: ...
    @overload
    async def apluck(cls: type[_M], column: Any, key: Any) -> dict[Any, Any]: ...
    async def apluck(cls: type[_M], column: Any, key: Any = None) -> Collection[Any] | dict[Any, Any]:
        builder = _start(cls)
        return await aio.run(builder, execution.pluck, builder, column, key)

    async def acount(cls: type[_M], column: Any = "*") -> int:
        return await _start(cls).acount(column)

    async def asum(cls: type[_M], column: Any) -> Any:
        return await _start(cls).asum(column)

    async def aavg(cls: type[_M], column: Any) -> Any:
        return await _start(cls).aavg(column)

    async def amin(cls: type[_M], column: Any) -> Any:
        return await _start(cls).amin(column)

    async def amax(cls: type[_M], column: Any) -> Any:
        return await _start(cls).amax(column)

    async def apaginate(cls: type[_M], per_page: int = 15, page: int = 1) -> Page[_M]:
        return await _start(cls).apaginate(per_page, page)

    def aiter(cls: type[_M], *, batch_size: int = 10000) -> AsyncIterator[_M]:
        return _start(cls).aiter(batch_size=batch_size)

    async def ainsert(cls: type[_M], values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        return await _start(cls).ainsert(values)

    # -- typed rows and columnar results (the builder's, see clickorm.model.rows) ------
    def rows(cls: type[_M]) -> Collection[tuple[Any, ...]]:
        return _start(cls).rows()

    def dicts(cls: type[_M]) -> Collection[dict[str, Any]]:
        return _start(cls).dicts()

    def scalars(cls: type[_M]) -> Collection[Any]:
        return _start(cls).scalars()

    def as_(cls: type[_M], result: type[_T]) -> Collection[_T]:
        return _start(cls).as_(result)

    def to_arrow(cls: type[_M]) -> Any:
        return _start(cls).to_arrow()

    def arrow_batches(cls: type[_M], *, batch_size: int = 65536) -> Iterator[Any]:
        return _start(cls).arrow_batches(batch_size=batch_size)

    def to_pandas(cls: type[_M]) -> Any:
        return _start(cls).to_pandas()

    def to_polars(cls: type[_M]) -> Any:
        return _start(cls).to_polars()
