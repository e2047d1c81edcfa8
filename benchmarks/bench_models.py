"""Model-layer benchmark on SQLite, ORM vs the raw driver in the same run.

Run: ``python benchmarks/bench_models.py [--rows 200000] [--finds 20000]``

(a) Hydration: 200,000 rows of (int, str, float, datetime, list[str]).
    The rows are fetched once with sqlite3 and decoded once (SQLite stores the datetime
    and the list as text; both paths need the same decoding), then turned into models
    by the ORM's hydration path and by ``Model.model_validate`` per row.
    Required: hydration >= 4x faster. The end-to-end figures (fetch + decode + build)
    are printed too, for context.
(b) ``Item.find(pk)`` against a raw sqlite3 round trip of the same SELECT.
    Required: at most 30 us of overhead per call.

Absolute times on shared machines are noisy; each figure is the best of a few repeats
and the ratios are what matter.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from clickorm.connection.manager import reset_managers, use
from clickorm.model import Column, Model
from clickorm.model.hydration import hydrate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import best_of  # noqa: E402


class Item(Model):
    id: int = Column(primary_key=True)
    name: str
    score: float
    created_at: datetime
    tags: list[str]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--finds", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    reset_managers()
    manager = use("sqlite://")
    conn = manager.connection()
    Item.create_table()
    base = datetime(2024, 1, 1)
    t0 = time.perf_counter()
    Item.insert_many(
        [Item(id=i + 1, name=f"name {i}", score=i * 0.5, created_at=base + timedelta(seconds=i),
              tags=["red", "green", str(i % 7)]) for i in range(args.rows)],
        chunk_size=50_000,
    )
    insert_s = time.perf_counter() - t0

    raw = conn.raw  # type: ignore[attr-defined]
    sql = 'SELECT "id", "name", "score", "created_at", "tags" FROM "items"'
    columns = ["id", "name", "score", "created_at", "tags"]
    stored = raw.execute(sql).fetchall()
    decoders = [conn.platform.decoder(t) for t in (
        Item.__clickorm_logical__[c] for c in columns)]  # type: ignore[attr-defined]

    def decode() -> list[tuple[Any, ...]]:
        return [tuple(v if d is None else d(v) for v, d in zip(row, decoders, strict=True))
                for row in stored]

    decoded = decode()
    validate = Item.model_validate

    def by_validate() -> list[Item]:
        return [validate(dict(zip(columns, row, strict=True))) for row in decoded]

    def by_hydration() -> list[Any]:
        return hydrate(Item, columns, decoded, connection=None)

    def orm_select() -> Any:
        return Item.select(*columns).get()

    def raw_validate() -> list[Item]:
        rows = raw.execute(sql).fetchall()
        return [validate(dict(zip(columns, (v if d is None else d(v) for v, d in zip(
            row, decoders, strict=True)), strict=True))) for row in rows]

    # sanity: both paths build equal models
    assert by_hydration()[:50] == by_validate()[:50]
    assert orm_select()[123] == by_validate()[123]

    n = args.rows
    t_validate = best_of(by_validate, repeat=args.repeats)
    t_hydrate = best_of(by_hydration, repeat=args.repeats)
    t_fetch = best_of(lambda: raw.execute(sql).fetchall(), repeat=args.repeats)
    t_decode = best_of(decode, repeat=args.repeats)
    t_orm = best_of(orm_select, repeat=args.repeats)
    t_raw_validate = best_of(raw_validate, repeat=args.repeats)
    ratio = t_validate / t_hydrate
    gc.disable()  # the same comparison with the cyclic GC off for both: construction alone
    try:
        t_validate_nogc = best_of(by_validate, repeat=args.repeats)
        t_hydrate_nogc = best_of(by_hydration, repeat=args.repeats)
    finally:
        gc.enable()

    print(f"(a) {n:,} rows of (int, str, float, datetime, list[str]) on SQLite")
    print(f"    insert_many (bulk, chunks of 50,000)  {insert_s * 1e3:9.1f} ms")
    print(f"    model_validate per row                {t_validate * 1e3:9.1f} ms"
          f"  {t_validate / n * 1e6:6.2f} us/row")
    print(f"    ORM hydration (trusted rows)          {t_hydrate * 1e3:9.1f} ms"
          f"  {t_hydrate / n * 1e6:6.2f} us/row")
    print(f"    => hydration is {ratio:.1f}x faster than model_validate (required >= 4x)")
    print(f"    with the GC off for both: {t_validate_nogc / n * 1e6:.2f} vs "
          f"{t_hydrate_nogc / n * 1e6:.2f} us/row ({t_validate_nogc / t_hydrate_nogc:.1f}x; "
          "hydration pauses the GC for large batches, model_validate loops cannot)")
    print(f"    context: raw sqlite3 fetchall {t_fetch * 1e3:.1f} ms, decoding text columns "
          f"{t_decode * 1e3:.1f} ms")
    print(f"    end to end: ORM select {t_orm * 1e3:.1f} ms vs raw fetch + decode + "
          f"model_validate {t_raw_validate * 1e3:.1f} ms ({t_raw_validate / t_orm:.1f}x)")

    # (b) find(pk) overhead ---------------------------------------------------------------
    find_sql = 'SELECT * FROM "items" WHERE "id" = ? LIMIT 1'
    keys = [(i * 7919) % n + 1 for i in range(args.finds)]

    def raw_round_trips() -> None:
        execute = raw.execute
        for k in keys:
            execute(find_sql, (k,)).fetchone()

    def orm_finds() -> None:
        find = Item.find
        for k in keys:
            find(k)

    assert Item.find(keys[0]).id == keys[0]
    raw_runs, orm_runs = [], []
    for _ in range(max(args.repeats, 3)):
        raw_runs.append(best_of(raw_round_trips, repeat=1) / len(keys))
        orm_runs.append(best_of(orm_finds, repeat=1) / len(keys))
    raw_us = min(raw_runs) * 1e6
    orm_us = min(orm_runs) * 1e6
    overhead = orm_us - raw_us
    print(f"(b) Item.find(pk), {len(keys):,} calls")
    print(f"    raw sqlite3 execute + fetchone  {raw_us:6.2f} us/call")
    print(f"    Item.find(pk)                   {orm_us:6.2f} us/call "
          f"(median of runs {statistics.median(orm_runs) * 1e6:.2f})")
    print(f"    => overhead {overhead:.2f} us per call (required <= 30 us)")

    reset_managers()
    ok = ratio >= 4 and overhead <= 30
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
