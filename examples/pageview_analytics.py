"""Page-view analytics on ClickHouse with ClickORM: the project's main job.

Runs on the zero-config default, ClickHouse in-process through chDB (no server, no config
file): ``python examples/pageview_analytics.py``. Point it at a server with
``CLICKORM_URL=clickhouse://user:pass@host:9000/db`` and it runs there unchanged.

It defines a MergeTree model, inserts one million synthetic page views in columnar blocks
(with a progress bar), and answers a handful of analytical questions: top pages, daily
unique visitors with ``uniq``, p95 latency with ``quantile``, the slowest page per
country with ``LIMIT BY``, status classes WITH TOTALS. Each answer prints its SQL.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel

from clickorm import Column, Model, func, types
from clickorm_clickhouse.engines import MergeTree


class Device(StrEnum):
    desktop = "desktop"
    mobile = "mobile"
    tablet = "tablet"


class PageView(Model):
    """One page view; the sort key puts a page's views together for fast per-page scans."""

    ts: datetime = Column(comment="when the page was served (UTC)")
    user_id: Annotated[int, types.UInt64]
    path: Annotated[str, types.LowCardinality]
    country: Annotated[str, types.LowCardinality]
    device: Annotated[Device, types.Enum8]
    latency_ms: Annotated[int, types.UInt32]
    status: Annotated[int, types.UInt16] = 200

    class Meta:
        table_name = "page_views"
        engine = MergeTree()
        order_by = ("path", "ts")
        partition_by = "toYYYYMM(ts)"


PATHS = ["/", "/pricing", "/docs", "/docs/install", "/docs/queries", "/blog", "/blog/fast-inserts",
         "/signup", "/login", "/dashboard", "/settings", "/api/events", "/careers", "/about"]
COUNTRIES = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "NO", "ES", "CA"]


def synthetic_views(count: int, seed: int = 7) -> Any:
    """Yield ``count`` plausible page views: skewed paths, a few slow pages, some errors."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1)
    weights = [1 / (i + 1) for i in range(len(PATHS))]
    paths = rng.choices(PATHS, weights, k=count)
    devices = list(Device)
    for i in range(count):
        path = paths[i]
        slow = 4.0 if path in ("/dashboard", "/api/events") else 1.0
        yield PageView(
            ts=start + timedelta(seconds=rng.randrange(21 * 86400)),
            user_id=rng.randrange(1, 60_000),
            path=path,
            country=rng.choice(COUNTRIES),
            device=devices[rng.randrange(3)],
            latency_ms=int(rng.lognormvariate(3.6, 0.6) * slow),
            status=500 if rng.random() < 0.004 else (404 if rng.random() < 0.01 else 200),
        )


def progress(done: int, total: int, started: float) -> None:
    width = 40
    filled = width * done // total
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} "
                     f"rows  {rate:,.0f} rows/s")
    sys.stdout.flush()
    if done == total:
        sys.stdout.write("\n")


def load(total: int, block: int) -> None:
    PageView.drop_table(if_exists=True)
    PageView.create_table()
    print(f"Inserting {total:,} page views in blocks of {block:,} ...")
    started = time.perf_counter()
    batch: list[PageView] = []
    done = 0
    for view in synthetic_views(total):
        batch.append(view)
        if len(batch) == block:
            done += PageView.insert_many(batch, chunk_size=block)
            batch = []
            progress(done, total, started)
    if batch:
        done += PageView.insert_many(batch, chunk_size=block)
        progress(done, total, started)
    print(f"  {PageView.count():,} rows in {time.perf_counter() - started:.1f} s")


def show(title: str, query: Any, columns: list[str], *, totals: bool = False) -> None:
    """Print the question, the SQL ClickORM sent (values inlined for reading), the table.

    With ``totals`` the last row is ClickHouse's WITH TOTALS row (keys at defaults)."""
    print(f"\n## {title}\n")
    print("   " + query.to_sql())
    # an aggregate row is not a page view: rows() reads it as a tuple in the selected
    # order (model columns typed as their fields, computed ones as ClickHouse sent them)
    rows: list[list[Any]] = [list(row) for row in query.rows()]
    if totals and rows:
        rows[-1][0] = "total"
    widths = [max(len(c), *(len(_cell(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print()
    print("   " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("   " + "  ".join("-" * w for w in widths))
    for row in rows:
        print("   " + "  ".join(_cell(v).rjust(w) if isinstance(v, (int, float))
                                else _cell(v).ljust(w)
                                for v, w in zip(row, widths, strict=True)))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class TopPage(BaseModel):
    """One row of the top-pages answer, typed: ``as_(TopPage)`` validates rows into it."""

    path: str
    views: int


def report() -> None:
    views = func.count().label("views")
    top_pages = PageView.select("path", views).group_by("path").order_by("views", "desc")
    show("Top pages", top_pages.limit(5), ["path", "views"])
    busiest = top_pages.limit(1).as_(TopPage)[0]
    print(f"\n   busiest: {busiest.path} with {busiest.views:,} views")

    show("Daily unique visitors (uniq), first week",
         PageView.select(func.toDate(PageView.ts).label("day"),
                         func.uniq(PageView.user_id).label("uniques"), views)
         .where_between("ts", datetime(2026, 11, 1), datetime(2026, 11, 7, 23, 59, 59))
         .group_by("day").order_by("day"),
         ["day", "uniques", "views"])

    show("p95 latency by page (quantile), slowest first",
         PageView.select("path", func.quantile(0.95)(PageView.latency_ms).label("p95_ms"),
                         func.avg(PageView.latency_ms).label("avg_ms"))
         .group_by("path").order_by("p95_ms", "desc").limit(5),
         ["path", "p95_ms", "avg_ms"])

    show("Slowest page per country (LIMIT 1 BY country)",
         PageView.select("country", "path", func.avg(PageView.latency_ms).label("avg_ms"))
         .where("device", Device.mobile).group_by("country", "path")
         .order_by("country").order_by("avg_ms", "desc").limit_by(1, "country").limit(5),
         ["country", "path", "avg_ms"])

    show("Errors by status WITH TOTALS",
         PageView.select("status", views).where("status", ">=", 400).group_by("status")
         .with_totals().order_by("status"),
         ["status", "views"], totals=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="page views to insert")
    parser.add_argument("--block", type=int, default=100_000, help="rows per insert block")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load(args.rows, args.block)
    report()
    print(f"\nDone in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
