"""Typing examples of typed result rows and bulk validation, checked by ``mypy --strict``
and pyright in tox's ``type`` env (never imported by pytest)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, assert_type

import pydantic

from clickorm import Collection, Column, Model, QueryBuilder, func


class PageView(Model):
    id: int = Column(primary_key=True)
    path: str = ""


class TopPage(pydantic.BaseModel):
    path: str
    views: int


@dataclasses.dataclass
class DayViews:
    day: str
    views: int


def typed_rows() -> None:
    q = PageView.select("path", func.count().label("views")).group_by("path")
    assert_type(q.rows(), Collection[tuple[Any, ...]])
    assert_type(q.dicts(), Collection[dict[str, Any]])
    assert_type(q.scalars(), Collection[Any])
    assert_type(q.as_(TopPage), Collection[TopPage])
    assert_type(q.as_(DayViews), Collection[DayViews])
    assert_type(PageView.as_(TopPage), Collection[TopPage])
    assert_type(PageView.rows(), Collection[tuple[Any, ...]])
    assert_type(QueryBuilder("page_views").as_(TopPage), Collection[TopPage])
    assert_type(q.arrow_batches(batch_size=1000), Iterator[Any])
    assert_type(PageView.validate_many([{"id": 1}]), Collection[PageView])
    q.as_()  # type: ignore[call-arg]
    q.scalar()  # type: ignore[attr-defined]
