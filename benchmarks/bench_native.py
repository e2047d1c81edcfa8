"""ORM vs raw clickhouse-driver against a real clickhouse-server, one run (issue #7).

Starts the Debian clickhouse-server on free ports in a temp dir (the same launcher the
tests use), then, on 200,000 rows of (UInt64, String, Float64, DateTime, Array(String)):
- insert: ``Model.insert_many(instances)`` vs raw ``client.execute("INSERT ... VALUES",
  columns, columnar=True)`` with ready column tuples -- target >= 0.7x;
- select: ``Model.query.get()`` into models vs raw ``client.execute(sql)`` returning
  tuples -- target >= 0.6x;
- streaming 5,000,000 rows through ``Model.query.iter()`` with peak RSS growth < 200 MB.
Each pair is timed as a user runs it (cyclic GC on; the ORM pauses it during a batch and
pays one collection after, see clickorm.gcpause) and with the GC off for both (the pure
work): with the GC on, the raw driver's speed depends on how much else lives on the heap
(gen-2 collections are rarer on a big heap), so both are shown.
Run: ``python benchmarks/bench_native.py [rows] [stream_rows]``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import importlib.util
import resource
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from clickorm import Column, Model, types, use  # noqa: E402
from clickorm.model import state  # noqa: E402
from clickorm.model.persistence import writer_for  # noqa: E402
from harness import Report, best_of, finish  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a.isdigit()]
N = int(ARGS[0]) if ARGS else 200_000
STREAM_N = int(ARGS[1]) if len(ARGS) > 1 else 5_000_000
BASE = dt.datetime(2024, 1, 1)
#: best of this many runs per figure (absolute times on a shared machine swing +-20%)
REPEAT = 5


class NativeRow(Model):
    a: Annotated[int, types.UInt64] = Column(primary_key=True)
    s: str
    f: float
    d: dt.datetime
    arr: list[str]

    class Meta:
        table_name = "native_rows"
        engine = "MergeTree()"
        order_by = ("a",)


def load_server_module() -> Any:
    path = HERE.parent / "plugins" / "clickhouse" / "tests" / "server.py"
    spec = importlib.util.spec_from_file_location("clickorm_bench_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["clickorm_bench_server"] = module
    spec.loader.exec_module(module)
    return module


def gc_off(fn: Any) -> Any:
    def run() -> Any:
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()
    return run


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    client = server.client()
    rows = [(i, f"name-{i}", i * 0.25, BASE + dt.timedelta(seconds=i), [f"t{i % 7}", "b"])
            for i in range(N)]
    columns = list(zip(*rows, strict=True))  # ready column tuples (the driver's fastest input)
    instances = [NativeRow(a=a, s=s, f=f, d=d, arr=arr) for a, s, f, d, arr in rows]

    def fresh() -> None:
        NativeRow.drop_table(if_exists=True)
        NativeRow.create_table()
        for inst in instances:  # new again: insert_many skips rows already in the table
            with contextlib.suppress(AttributeError):
                state.slot.__delete__(inst)

    def timed_insert(fn: Any) -> float:
        best = float("inf")
        for _ in range(REPEAT):
            fresh()
            best = min(best, best_of(fn, repeat=1))
            assert NativeRow.count() == N
        return best

    def raw_insert() -> Any:
        return client.execute("INSERT INTO native_rows (a, s, f, d, arr) VALUES", columns,
                              columnar=True)

    def orm_insert() -> Any:
        return NativeRow.insert_many(instances, chunk_size=N)

    t_raw_ins = timed_insert(raw_insert)
    t_orm_ins = timed_insert(orm_insert)
    t_raw_ins_off = timed_insert(gc_off(raw_insert))
    t_orm_ins_off = timed_insert(gc_off(orm_insert))

    sql = "SELECT a, s, f, d, arr FROM native_rows ORDER BY a"
    got = NativeRow.query.order_by("a").get()
    assert len(got) == N and got[5].arr == rows[5][4]
    def raw_select() -> Any:
        return client.execute(sql)

    def orm_select() -> Any:
        return NativeRow.query.order_by("a").get()

    t_raw_sel = best_of(raw_select, repeat=REPEAT)
    t_orm_sel = best_of(orm_select, repeat=REPEAT)
    t_raw_sel_off = best_of(gc_off(raw_select), repeat=REPEAT)
    t_orm_sel_off = best_of(gc_off(orm_select), repeat=REPEAT)

    # where the ORM's time goes (GC off, pure work): its own steps, timed alone
    conn = manager.connection()
    writer = writer_for(conn)
    t_columns = best_of(gc_off(lambda: writer.columns(NativeRow, instances)), repeat=REPEAT)
    t_read = best_of(gc_off(lambda: conn.execute(sql)), repeat=REPEAT)
    read = conn.execute(sql)
    t_hydrate = best_of(gc_off(partial(NativeRow._clickorm_hydrate, read.columns, read.rows,
                                       connection=conn)), repeat=REPEAT)
    del read

    # streaming: 5M generated rows through the ORM iterator in constant memory
    NativeRow.drop_table(if_exists=True)
    NativeRow.create_table()
    client.execute(f"INSERT INTO native_rows SELECT number, toString(number), number / 4, "
                   f"toDateTime('2024-01-01 00:00:00') + number, ['a', 'b'] "
                   f"FROM system.numbers LIMIT {STREAM_N}")
    before = rss_mb()
    peak = before
    seen = 0
    for _model in NativeRow.query.iter(batch_size=50_000):
        seen += 1
        if seen % 250_000 == 0:
            peak = max(peak, rss_mb())
    peak = max(peak, rss_mb())
    assert seen == STREAM_N, seen

    report = Report(f"clickhouse-server {'.'.join(map(str, server_version(manager)))}, "
                    f"{N:,} rows (throughput ratio = raw time / ORM time)")
    def pair(label: str, target: float, raw_t: float, orm_t: float, raw_off: float,
             orm_off: float) -> None:
        report.line(f"{label}: raw", f"{raw_t * 1000:7.0f} ms {N / raw_t:>11,.0f} rows/s"
                    f"   (GC off: {raw_off * 1000:5.0f} ms)")
        report.line(f"{label}: ORM", f"{orm_t * 1000:7.0f} ms {N / orm_t:>11,.0f} rows/s"
                    f"   (GC off: {orm_off * 1000:5.0f} ms)")
        report.line(f"{label}: ratio", f"{raw_t / orm_t:.2f}x (target >= {target}x); with the "
                    f"GC off for both: {raw_off / orm_off:.2f}x", raw_t / orm_t >= target)

    pair("insert (raw: execute columnar=True)", 0.7, t_raw_ins, t_orm_ins, t_raw_ins_off,
         t_orm_ins_off)
    pair("select (raw: execute -> tuples)", 0.6, t_raw_sel, t_orm_sel, t_raw_sel_off,
         t_orm_sel_off)
    report.line("ORM insert, its own step (GC off)",
                f"instances -> encoded columns {t_columns * 1000:5.0f} ms "
                f"({t_columns / t_orm_ins_off:.0%} of the ORM insert; the rest is the driver)")
    report.line("ORM select, its steps (GC off)",
                f"driver read (columnar) {t_read * 1000:5.0f} ms, hydration "
                f"{t_hydrate * 1000:5.0f} ms ({t_hydrate / N * 1e9:.0f} ns per row)")
    report.line(f"stream {STREAM_N:,} rows via iter()", f"RSS {before:.0f} -> peak {peak:.0f} MB, "
                f"growth {peak - before:.0f} MB (target < 200 MB)", peak - before < 200)
    manager.close()
    finish(report.print())


def server_version(manager: Any) -> tuple[int, ...]:
    return manager.connection().server_version or ()


if __name__ == "__main__":
    main()
