"""Collection: the list-like result of a query, with the helpers Masonite users expect."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

from clickorm.connection.columnar import require
from clickorm.errors import QueryError

T = TypeVar("T")
U = TypeVar("U")
D = TypeVar("D")

_MISSING = object()


def _get(item: Any, key: str) -> Any:
    if isinstance(item, dict):
        return item[key]
    return getattr(item, key)


class Collection(list[T], Generic[T]):
    """A ``list`` of models (or dicts) with map/filter/pluck/group_by and serialisation."""

    @overload
    def first(self, predicate: Callable[[T], bool] | None = None) -> T | None: ...
    @overload
    def first(self, predicate: Callable[[T], bool] | None, default: D) -> T | D: ...
    def first(self, predicate: Callable[[T], bool] | None = None, default: Any = None) -> Any:
        if predicate is None:
            return self[0] if self else default
        for item in self:
            if predicate(item):
                return item
        return default

    @overload
    def last(self, predicate: Callable[[T], bool] | None = None) -> T | None: ...
    @overload
    def last(self, predicate: Callable[[T], bool] | None, default: D) -> T | D: ...
    def last(self, predicate: Callable[[T], bool] | None = None, default: Any = None) -> Any:
        if predicate is None:
            return self[-1] if self else default
        for item in reversed(self):
            if predicate(item):
                return item
        return default

    def map(self, fn: Callable[[T], U]) -> Collection[U]:
        return Collection(fn(item) for item in self)

    def filter(self, fn: Callable[[T], bool] | None = None) -> Collection[T]:
        return Collection(item for item in self if (fn(item) if fn else item))

    def reject(self, fn: Callable[[T], bool]) -> Collection[T]:
        return Collection(item for item in self if not fn(item))

    def each(self, fn: Callable[[T], Any]) -> Collection[T]:
        for item in self:
            fn(item)
        return self

    @overload
    def pluck(self, key: str) -> Collection[Any]: ...
    @overload
    def pluck(self, key: str, by: str) -> dict[Any, Any]: ...
    def pluck(self, key: str, by: str | None = None) -> Any:
        """Values of one attribute; with ``by``, a dict keyed by another attribute."""
        if by is None:
            return Collection(_get(item, key) for item in self)
        return {_get(item, by): _get(item, key) for item in self}

    def key_by(self, key: str) -> dict[Any, T]:
        return {_get(item, key): item for item in self}

    def group_by(self, key: str | Callable[[T], Any]) -> dict[Any, Collection[T]]:
        groups: dict[Any, Collection[T]] = {}
        getter = key if callable(key) else (lambda item: _get(item, key))
        for item in self:
            groups.setdefault(getter(item), Collection()).append(item)
        return groups

    def sort_by(self, key: str | Callable[[T], Any], *, reverse: bool = False) -> Collection[T]:
        getter = key if callable(key) else (lambda item: _get(item, key))
        return Collection(sorted(self, key=getter, reverse=reverse))

    def where(self, key: str, value: Any) -> Collection[T]:
        return Collection(item for item in self if _get(item, key) == value)

    def unique(self, key: str | None = None) -> Collection[T]:
        seen: set[Any] = set()
        out: Collection[T] = Collection()
        for item in self:
            marker = _get(item, key) if key else item
            if marker not in seen:
                seen.add(marker)
                out.append(item)
        return out

    def chunk(self, size: int) -> Iterator[Collection[T]]:
        for i in range(0, len(self), size):
            yield Collection(self[i : i + size])

    def sum(self, key: str | None = None) -> Any:
        return sum(_get(i, key) for i in self) if key else sum(self)

    def avg(self, key: str | None = None) -> Any:
        return self.sum(key) / len(self) if self else None

    def max(self, key: str | None = None) -> Any:
        items: list[Any] = self  # comparable items (T itself is unbounded)
        return max((_get(i, key) for i in items), default=None) if key else max(items, default=None)

    def min(self, key: str | None = None) -> Any:
        items: list[Any] = self  # comparable items (T itself is unbounded)
        return min((_get(i, key) for i in items), default=None) if key else min(items, default=None)

    def is_empty(self) -> bool:
        return not self

    def count(self, value: Any = _MISSING) -> int:
        """``len`` without an argument (Masonite), ``list.count`` with one."""
        return len(self) if value is _MISSING else list.count(self, value)

    def load(self, *relations: str) -> Collection[T]:
        """Eager-load relations onto these models now: one query per relation level
        (``users.load("posts", "posts.comments")``)."""
        if self:
            model = type(self[0])
            loader = getattr(model, "_clickorm_eager_load", None)
            if loader is None:
                raise TypeError("load() needs a collection of models")
            loader(self, relations, None)
        return self

    def to_list(self) -> list[T]:
        return list(self)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Plain dicts: models via ``model_dump()``, dicts copied."""
        out = []
        items: list[Any] = self  # models or mappings
        for item in items:
            dump = getattr(item, "model_dump", None)
            out.append(dump() if dump is not None else dict(item))
        return out

    def to_json(self, **kwargs: Any) -> str:
        """JSON text; models use their Pydantic JSON serialisation."""
        parts = []
        for item in self:
            dump_json = getattr(item, "model_dump_json", None)
            parts.append(dump_json() if dump_json is not None else json.dumps(item, default=str, **kwargs))
        return "[" + ",".join(parts) + "]"

    def to_pandas(self) -> Any:
        """A DataFrame of ``to_dicts()`` (a query's own ``to_pandas()`` skips the models
        and keeps the columns' types); needs clickorm[pandas]. It goes through Arrow, so
        an integer column holding None gets pandas' nullable integer dtype, never floats
        that would round large values; a column of mixed types stays objects."""
        from clickorm.model.columnar import pandas_frame  # the query's own conversion

        pd = require("pandas")
        pa = require("pyarrow")
        rows = self.to_dicts()
        try:
            table = pa.Table.from_pylist(rows)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return pd.DataFrame(rows, dtype=object)
        return pandas_frame(table)

    def to_arrow(self) -> Any:
        """A pyarrow Table of ``to_dicts()`` (a query's own ``to_arrow()`` skips the models
        and keeps the columns' types); needs clickorm[arrow]."""
        pa = require("pyarrow")
        try:
            return pa.Table.from_pylist(self.to_dicts())
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            # pyarrow's message quotes the value that did not fit
            raise QueryError(f"The collection's values do not fit one Arrow type per key "
                             f"({type(exc).__name__}: a key holds values of several types "
                             "or an integer beyond 64 bits)") from None

    def __repr__(self) -> str:
        return f"Collection({list.__repr__(self)})"


def collect(items: Iterable[T]) -> Collection[T]:
    return Collection(items)
