"""Building + compiling a typical SELECT: ClickORM vs masonite-orm vs SQLAlchemy Core.

The query: where(a = 1), where(b > 2), where_in(c, [1..5]), order_by(d), limit(10),
built from scratch and compiled to (sql, params) each time. Targets (issue #3): ClickORM
median <= 10 us, >= 4x faster than masonite-orm's to_qmark(), >= 15x faster than
SQLAlchemy Core's uncached compile. Run: ``python benchmarks/bench_query_compile.py``
(needs the benchmark extras: ``pip install masonite-orm sqlalchemy``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clickorm import QueryBuilder  # noqa: E402
from clickorm_sqlite.grammar import SQLiteGrammar  # noqa: E402
from harness import Report, finish, median_us  # noqa: E402

GRAMMAR = SQLiteGrammar(paramstyle="qmark")


def clickorm_query() -> Any:
    q = (QueryBuilder("users").where("a", 1).where("b", ">", 2)
         .where_in("c", [1, 2, 3, 4, 5]).order_by("d").limit(10))
    return GRAMMAR.compile(q.state)


def masonite_factory() -> Any:
    """masonite-orm needs a config module on sys.path; write a throwaway one."""
    warnings.simplefilter("ignore")
    folder = tempfile.mkdtemp(prefix="clickorm-bench-")
    Path(folder, "clickorm_bench_masonite_db.py").write_text(
        "from masoniteorm.connections import ConnectionResolver\n"
        "DATABASES = {'default': 'sqlite', 'sqlite': {'driver': 'sqlite', "
        "'database': ':memory:', 'prefix': '', 'log_queries': False}}\n"
        "DB = ConnectionResolver().set_connection_details(DATABASES)\n"
    )
    sys.path.insert(0, folder)
    os.environ["DB_CONFIG_PATH"] = "clickorm_bench_masonite_db"
    from masoniteorm.query import QueryBuilder as MQB
    from masoniteorm.query.grammars import SQLiteGrammar as MGrammar

    def run() -> Any:
        q = MQB(grammar=MGrammar, table="users", connection="sqlite", dry=True)
        q = q.where("a", 1).where("b", ">", 2).where_in("c", [1, 2, 3, 4, 5])
        return q.order_by("d").limit(10).to_qmark(), q._bindings

    return run


def sqlalchemy_factory() -> Any:
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    t = sa.Table("users", sa.MetaData(), *(sa.Column(c, sa.Integer) for c in "abcd"))
    dialect = sqlite.dialect()

    def run() -> Any:
        stmt = (sa.select(t).where(t.c.a == 1).where(t.c.b > 2)
                .where(t.c.c.in_([1, 2, 3, 4, 5])).order_by(t.c.d).limit(10))
        compiled = stmt.compile(dialect=dialect)  # a fresh compile: no statement cache
        return str(compiled), compiled.params

    return run


def main() -> None:
    print("ClickORM:", clickorm_query())
    ours = median_us(clickorm_query, number=5000, repeat=21)
    report = Report("build + compile a 3-condition SELECT (median per query)")
    report.line("clickorm", f"{ours:8.2f} us  (target <= 10 us)", ours <= 10)
    try:
        masonite = masonite_factory()
        print("masonite:", masonite())
        m = median_us(masonite, number=300, repeat=11)
        report.line("masonite-orm to_qmark()", f"{m:8.2f} us  -> clickorm {m / ours:5.1f}x faster "
                    "(target >= 4x)", m / ours >= 4)
    except ImportError as exc:
        report.line("masonite-orm", f"not installed ({exc})", False)
    try:
        alchemy = sqlalchemy_factory()
        print("sqlalchemy:", alchemy())
        s = median_us(alchemy, number=300, repeat=11)
        report.line("SQLAlchemy Core compile", f"{s:8.2f} us  -> clickorm {s / ours:5.1f}x faster "
                    "(target >= 15x)", s / ours >= 15)
    except ImportError as exc:
        report.line("sqlalchemy", f"not installed ({exc})", False)
    finish(report.print())


if __name__ == "__main__":
    main()
