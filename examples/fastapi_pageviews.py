"""A small async read/write API over the page views of ``pageview_analytics.py``.

The ClickORM model is the API's schema: FastAPI validates request bodies as ``PageView``
and serialises ``PageView`` responses (the OpenAPI schema included); every handler awaits
ClickORM's async API, so one worker serves many requests while ClickHouse answers.

Run it (embedded chDB by default; ``CLICKORM_URL=clickhouse://host:9000/db`` for a server,
then the native protocol is asyncio end to end)::

    pip install fastapi uvicorn 'clickorm-clickhouse[async]'
    cd examples && uvicorn fastapi_pageviews:app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, HTTPException, Query
from pageview_analytics import PageView
from pydantic import BaseModel

from clickorm import func, get_manager


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    PageView.create_table()  # IF NOT EXISTS; once, before the first request
    yield
    await get_manager().aclose()  # this event loop's links


app = FastAPI(title="Page views", lifespan=lifespan)


class Inserted(BaseModel):
    inserted: int


class TopPage(BaseModel):
    path: str
    views: int


class PageStats(BaseModel):
    path: str
    views: int
    p95_ms: float
    last_seen: datetime | None


@app.post("/views", response_model=PageView, status_code=201)
async def record_view(view: PageView) -> PageView:
    """Record one page view (validated as the model: UInt32 latency, Enum8 device ...)."""
    return await view.asave()


@app.post("/views/batch", response_model=Inserted, status_code=201)
async def record_views(views: list[PageView]) -> Inserted:
    """Record many page views as one INSERT (a session flushes one block per table)."""
    async with get_manager().async_session() as session:
        session.add_all(views)
    return Inserted(inserted=len(views))


@app.get("/views", response_model=list[PageView])
async def recent_views(path: str | None = None,
                       limit: int = Query(20, ge=1, le=1000)) -> list[PageView]:
    """The latest page views, of one page when ``path`` is given."""
    query = PageView.order_by("ts", "desc").limit(limit)
    if path is not None:
        query = query.where("path", path)
    return list(await query.aget())


@app.get("/pages/top", response_model=list[TopPage])
async def top_pages(limit: int = Query(5, ge=1, le=100)) -> list[TopPage]:
    """The most viewed pages."""
    rows = await (PageView.select("path", func.count().label("views")).group_by("path")
                  .order_by("views", "desc").order_by("path").limit(limit).aget())
    return [TopPage(path=row.path, views=row.views) for row in rows]


@app.get("/pages/stats", response_model=PageStats)
async def page_stats(path: str) -> PageStats:
    """Views, p95 latency and the last view of one page; 404 when it has none."""
    pages = PageView.where("path", path)
    views = await pages.acount()
    if not views:
        raise HTTPException(status_code=404, detail=f"No views of {path!r}")
    p95 = await pages.avalue(func.quantile(0.95)(PageView.latency_ms))
    last = await pages.amax("ts")
    return PageStats(path=path, views=views, p95_ms=float(p95), last_seen=last)
