"""A migration's table rebuild vs the server's own INSERT ... SELECT (issue #16 target).

A 1,000,000-row chDB table whose ORDER BY and engine change is rebuilt by the planned
steps (create, INSERT ... SELECT inside the server, row counts compared, RENAME swap,
drop); the reference is one ``INSERT INTO copy SELECT * FROM t`` of the same table into
an empty table of the same shape. Target: rebuild <= 1.5x the reference, best of 3
each, alternating directions so every run copies the same rows.
Run: ``python benchmarks/bench_migrate_rebuild.py [rows]``.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clickorm import ConnectionManager  # noqa: E402
from clickorm.migrations import AlterTable  # noqa: E402
from harness import Report, finish  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000


def main() -> None:
    database = f"bench_{uuid.uuid4().hex[:8]}"
    manager = ConnectionManager("clickhouse+embedded://", database=database)
    conn = manager.connection()
    platform = conn.platform
    try:
        conn.execute(
            "CREATE TABLE t (id UInt64, kind LowCardinality(String), at DateTime, "
            "v Float64, s String) ENGINE = MergeTree ORDER BY id"
        )
        conn.execute(
            f"INSERT INTO t SELECT number, toString(number % 10), toDateTime(1700000000 + "
            f"number), number / 3, concat('row-', toString(number)) FROM numbers({N})"
        )
        v1 = platform.introspect(conn, ["t"])["t"]
        v2 = v1.copy()
        v2.options["order_by"] = ("kind", "id")
        v2.options["engine"] = "ReplacingMergeTree"
        v2.options.pop("primary_key", None)
        v2.primary_key = ()

        def reference() -> float:
            conn.execute("DROP TABLE IF EXISTS ref")
            conn.execute("CREATE TABLE ref AS t")
            start = time.perf_counter()
            conn.execute("INSERT INTO ref SELECT * FROM t")
            elapsed = time.perf_counter() - start
            conn.execute("DROP TABLE ref")
            return elapsed

        forward, back = AlterTable(v1, v2), AlterTable(v2, v1)
        assert forward.rebuild_reasons(platform), "expected a rebuild"

        def rebuild(op: AlterTable) -> float:
            steps = op.steps(platform)
            start = time.perf_counter()
            for step in steps:
                if step.run is not None:
                    step.run(conn)
                else:
                    conn.execute(step.sql)
            return time.perf_counter() - start

        refs, rebuilds = [], []
        for _ in range(3):
            refs.append(reference())
            rebuilds.append(rebuild(forward))
            rebuilds.append(rebuild(back))
        assert conn.execute("SELECT count() FROM t").scalar() == N
        ref, best = min(refs), min(rebuilds)
        report = Report(f"migration rebuild, {N:,} rows on chDB")
        report.line("server INSERT ... SELECT (best of 3)", f"{ref * 1000:.0f} ms")
        report.line("rebuild (all steps, best of 6)", f"{best * 1000:.0f} ms")
        report.line("rebuild / INSERT ... SELECT", f"{best / ref:.2f}x (target <= 1.5x)",
                    best / ref <= 1.5)
        finish(report.print())
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS `{database}`")
        manager.close()


if __name__ == "__main__":
    main()
