"""A page of results with the numbers a paginated UI or API needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from clickorm.model.collection import Collection

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` of page ``current_page`` out of ``last_page``; ``total`` rows overall."""

    items: Collection[T]
    total: int
    per_page: int
    current_page: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_more(self) -> bool:
        return self.current_page < self.last_page

    @property
    def from_item(self) -> int:
        return 0 if not self.items else (self.current_page - 1) * self.per_page + 1

    @property
    def to_item(self) -> int:
        return 0 if not self.items else self.from_item + len(self.items) - 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_dict(self) -> dict[str, Any]:
        items = self.items.to_dicts()
        return {
            "data": items,
            "total": self.total,
            "per_page": self.per_page,
            "current_page": self.current_page,
            "last_page": self.last_page,
            "from": self.from_item,
            "to": self.to_item,
        }
