"""The async API against the sync API on a real clickhouse-server, one run (issue #18).

Starts the Debian clickhouse-server on free ports in a temp dir (the tests' launcher) and,
on 200,000 rows of (UInt64, String, Float64, DateTime, Array(String)):
- ``await Model.query.aget()`` (asynch, the async native link) vs ``Model.query.get()``
  (clickhouse-driver) -- target: async at least 0.8x the sync throughput;
- 1,000 concurrent ``afind(key)`` (``asyncio.gather``) vs 1,000 sequential ``find(key)``
  -- target: the concurrent calls overlap, so they take no longer than the sequential ones.
Both sides run in the same process against the same server; best of a few runs each.
Run: ``python benchmarks/bench_async.py [rows] [finds]``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_native import load_server_module  # noqa: E402

from clickorm import Column, Model, types, use  # noqa: E402
from harness import Report, best_of, finish  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a.isdigit()]
N = int(ARGS[0]) if ARGS else 200_000
FINDS = int(ARGS[1]) if len(ARGS) > 1 else 1_000
REPEAT = 3
BASE = dt.datetime(2024, 1, 1)


class AsyncRow(Model):
    a: Annotated[int, types.UInt64] = Column(primary_key=True)
    s: str
    f: float
    d: dt.datetime
    arr: list[str]

    class Meta:
        table_name = "async_rows"
        engine = "MergeTree()"
        order_by = ("a",)


def main() -> None:
    server_mod = load_server_module()
    command = server_mod.find_server_command()
    if command is None:
        sys.exit("clickhouse-server is not installed: run tests/tools/ensure_clickhouse_server.py")
    server = server_mod.ClickHouseServer(command, Path(tempfile.mkdtemp(prefix="clickorm-bench-")))
    server.start()
    try:
        run(server)
    finally:
        server.stop()


def run(server: Any) -> None:
    manager = use(server.url)
    AsyncRow.create_table()
    server.client().execute(
        f"INSERT INTO async_rows SELECT number, concat('name-', toString(number)), number / 4, "
        f"toDateTime('2024-01-01 00:00:00') + number, ['t', 'b'] FROM system.numbers "
        f"LIMIT {N}")
    loop = asyncio.new_event_loop()
    query = AsyncRow.query.order_by("a")
    got = loop.run_until_complete(query.aget())
    assert len(got) == N and got[:50] == query.limit(50).get()

    t_sync = best_of(query.get, repeat=REPEAT)
    t_async = best_of(lambda: loop.run_until_complete(query.aget()), repeat=REPEAT)

    keys = [(i * 7919) % N for i in range(FINDS)]

    def sequential() -> None:
        for key in keys:
            assert AsyncRow.find(key) is not None

    async def concurrent() -> None:
        found = await asyncio.gather(*(AsyncRow.afind(key) for key in keys))
        assert all(row is not None for row in found)

    t_seq = best_of(sequential, repeat=REPEAT)
    t_conc = best_of(lambda: loop.run_until_complete(concurrent()), repeat=REPEAT)
    links = manager.async_connection
    size = loop.run_until_complete(_size(links))

    version = manager.connection().server_version or ()
    report = Report(f"clickhouse-server {'.'.join(map(str, version))}, {N:,} rows, "
                    f"{FINDS:,} finds (async: asynch, {size} links per event loop)")
    report.line("get(): sync (clickhouse-driver)", f"{t_sync * 1000:7.0f} ms "
                f"{N / t_sync:>11,.0f} rows/s")
    report.line("aget(): async (asynch)", f"{t_async * 1000:7.0f} ms {N / t_async:>11,.0f} rows/s")
    report.line("aget() / get() throughput", f"{t_sync / t_async:.2f}x (target >= 0.8x)",
                t_sync / t_async >= 0.8)
    report.line(f"{FINDS:,} sequential find()", f"{t_seq * 1000:7.0f} ms "
                f"({t_seq / FINDS * 1e6:.0f} us each)")
    report.line(f"{FINDS:,} concurrent afind()", f"{t_conc * 1000:7.0f} ms")
    report.line("sequential / concurrent time", f"{t_seq / t_conc:.2f}x (target >= 1.0x)",
                t_seq / t_conc >= 1.0)
    loop.run_until_complete(manager.aclose())
    loop.close()
    manager.close()
    finish(report.print())


async def _size(links: Any) -> int:
    size: int = links().size
    return size


if __name__ == "__main__":
    main()
