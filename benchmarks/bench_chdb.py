"""ORM vs raw chDB on the same data in one run (issue #6 targets).

200,000 rows of (UInt64, String, Float64, DateTime, Array(String)):
- insert: ``Model.insert_many(instances)`` vs the fastest raw chDB insert from the same
  Python tuples (Arrow IPC stream through ``send_insert``) -- target >= 0.5x;
- select: ``Model.query.get()`` into models vs the fastest raw typed select into tuples
  (Arrow -> ``to_pylist`` per column -> DateTime fix -> ``zip``) -- target >= 0.5x.
Ratios are throughput ratios (raw time / ORM time). Python's cyclic GC dominates both
sides at this size, so each pair is measured twice: as a user runs it (GC on; the ORM
pauses it during a batch and pays one collection after, see clickorm.gcpause), and with
the GC switched off for both (the pure cost of the work). The targets are checked on the
first. Run: ``python benchmarks/bench_chdb.py [rows]``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import sys
from pathlib import Path
from typing import Annotated, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pyarrow as pa  # noqa: E402

from clickorm import Column, Model, types, use  # noqa: E402
from clickorm.model import state
from harness import Report, best_of, finish  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200_000
BASE = dt.datetime(2024, 1, 1)
SCHEMA = pa.schema([("a", pa.uint64()), ("s", pa.string()), ("f", pa.float64()),
                    ("d", pa.timestamp("s")), ("arr", pa.list_(pa.string()))])


class BenchRow(Model):
    a: Annotated[int, types.UInt64] = Column(primary_key=True)
    s: str
    f: float
    d: dt.datetime
    arr: list[str]

    class Meta:
        table_name = "bench_rows"
        engine = "MergeTree()"
        order_by = ("a",)


def gc_off(fn: Any) -> Any:
    """Run ``fn`` with the cyclic GC switched off (and the objects it made collected
    outside the timing by the next ``best_of`` round)."""
    def run() -> Any:
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()
    return run


def main() -> None:
    manager = use("clickhouse+embedded://")
    conn = manager.connection()
    raw = conn.raw  # the chdb connection underneath: the baseline uses the same engine
    rows = [(i, f"name-{i}", i * 0.25, BASE + dt.timedelta(seconds=i), [f"t{i % 7}", "b"])
            for i in range(N)]
    instances = [BenchRow(a=a, s=s, f=f, d=d, arr=arr) for a, s, f, d, arr in rows]

    def fresh() -> None:
        BenchRow.drop_table(if_exists=True)
        BenchRow.create_table()
        for inst in instances:  # new again: insert_many skips rows already in the table
            with contextlib.suppress(AttributeError):
                state.slot.__delete__(inst)

    def raw_insert() -> None:
        cols = list(zip(*rows, strict=True))
        tbl = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in
                                    zip(cols, SCHEMA, strict=True)], schema=SCHEMA)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, tbl.schema) as writer:
            writer.write_table(tbl)
        with raw.send_insert("INSERT INTO bench_rows (a, s, f, d, arr)", "ArrowStream") as ins:
            ins.append(sink.getvalue().to_pybytes())
            ins.finish()

    def orm_insert() -> None:
        BenchRow.insert_many(instances, chunk_size=N)

    def timed_insert(fn: Any) -> float:
        best = float("inf")
        for _ in range(3):
            fresh()
            best = min(best, best_of(fn, repeat=1))
            assert BenchRow.count() == N
        return best

    t_raw_ins = timed_insert(raw_insert)
    t_orm_ins = timed_insert(orm_insert)
    t_raw_ins_off = timed_insert(gc_off(raw_insert))
    t_orm_ins_off = timed_insert(gc_off(orm_insert))

    query = "SELECT a, s, f, d, arr FROM bench_rows ORDER BY a"

    def raw_select() -> list[tuple[Any, ...]]:
        res = raw.query(query, "Arrow")
        table = pa.ipc.open_file(pa.py_buffer(res.get_memview().view())).read_all()
        cols = [c.to_pylist() for c in table.columns]
        # Arrow carries DateTime as seconds (UInt32); numpy turns them into naive
        # datetimes fastest (10x a fromtimestamp loop)
        cols[3] = table.column(3).to_numpy().astype("datetime64[s]").tolist()
        return list(zip(*cols, strict=True))

    def orm_select() -> Any:
        return BenchRow.query.order_by("a").get()

    got = orm_select()
    assert len(got) == N and got[1].s == rows[1][1] and got[1].d == rows[1][3]
    assert raw_select()[1] == rows[1]
    t_raw_sel = best_of(raw_select, repeat=3)
    t_orm_sel = best_of(orm_select, repeat=3)
    t_raw_sel_off = best_of(gc_off(raw_select), repeat=3)
    t_orm_sel_off = best_of(gc_off(orm_select), repeat=3)

    report = Report(f"chDB, {N:,} rows (throughput ratio = raw time / ORM time)")

    def pair(label: str, raw_t: float, orm_t: float, raw_off: float, orm_off: float) -> None:
        report.line(f"{label}: raw", f"{raw_t * 1000:7.0f} ms {N / raw_t:>11,.0f} rows/s"
                    f"   (GC off: {raw_off * 1000:5.0f} ms)")
        report.line(f"{label}: ORM", f"{orm_t * 1000:7.0f} ms {N / orm_t:>11,.0f} rows/s"
                    f"   (GC off: {orm_off * 1000:5.0f} ms)")
        report.line(f"{label}: ratio", f"{raw_t / orm_t:.2f}x (target >= 0.5x); with the GC "
                    f"off for both: {raw_off / orm_off:.2f}x", raw_t / orm_t >= 0.5)

    pair("insert", t_raw_ins, t_orm_ins, t_raw_ins_off, t_orm_ins_off)
    pair("select", t_raw_sel, t_orm_sel, t_raw_sel_off, t_orm_sel_off)
    manager.close()
    finish(report.print())


if __name__ == "__main__":
    main()
