"""Building + compiling a typical SELECT: ClickORM vs masonite-orm vs SQLAlchemy Core.

The query: select(id, a), where(a = 1), where(b > 2), where_in(c, [1..5]), order_by(d),
limit(10), built from scratch and compiled to (sql, params) each time. ClickORM is
measured on the path a user takes: ``Model.select(...)...limit(10).compile()`` through
the model class, compiled for the model's own connection (SQLite in memory, and chDB for
the ClickHouse grammar); the raw builder with an explicit grammar is shown for
reference. Targets: the model path <= 10 us, >= 4x faster than masonite-orm's
to_qmark(), >= 15x faster than SQLAlchemy Core's uncached compile, in the same run.
Run: ``python benchmarks/bench_query_compile.py`` (needs the benchmark extras:
``pip install masonite-orm sqlalchemy``; the ClickHouse row needs clickorm-clickhouse).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clickorm import Column, ConnectionManager, Model, QueryBuilder  # noqa: E402
from clickorm.connection.manager import register_manager  # noqa: E402
from clickorm_sqlite.grammar import SQLiteGrammar  # noqa: E402
from harness import Report, finish, median_us  # noqa: E402

GRAMMAR = SQLiteGrammar(paramstyle="qmark")
register_manager("bench_sqlite", ConnectionManager("sqlite://", name="bench_sqlite"))


class User(Model):
    id: int = Column(primary_key=True)
    a: int = 0
    b: int = 0
    c_: int = Column(name="c", default=0)
    d: int = 0

    class Meta:
        table_name = "users"
        connection = "bench_sqlite"


def model_query() -> Any:
    return (User.select("id", "a").where("a", 1).where("b", ">", 2)
            .where_in("c", [1, 2, 3, 4, 5]).order_by("d").limit(10).compile())


def clickhouse_model_query() -> Any | None:
    """The same query on a model bound to embedded ClickHouse (None without the plugin)."""
    try:
        register_manager("bench_ch", ConnectionManager("clickhouse+embedded://",
                                                       name="bench_ch"))
    except Exception:  # noqa: BLE001 - the ClickHouse plugin is optional here
        return None

    class Event(Model):
        id: int = Column(primary_key=True)
        a: int = 0
        b: int = 0
        c_: int = Column(name="c", default=0)
        d: int = 0

        class Meta:
            table_name = "events"
            connection = "bench_ch"
            engine = "MergeTree()"
            order_by = ("id",)

    def run() -> Any:
        return (Event.select("id", "a").where("a", 1).where("b", ">", 2)
                .where_in("c", [1, 2, 3, 4, 5]).order_by("d").limit(10).compile())

    return run


def clickorm_query() -> Any:
    """The raw builder compiled with an explicit grammar (no model, no connection)."""
    q = (QueryBuilder("users").select("id", "a").where("a", 1).where("b", ">", 2)
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
        q = q.select("id", "a").where("a", 1).where("b", ">", 2).where_in("c", [1, 2, 3, 4, 5])
        return q.order_by("d").limit(10).to_qmark(), q._bindings

    return run


def sqlalchemy_factory() -> Any:
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    t = sa.Table("users", sa.MetaData(), sa.Column("id", sa.Integer),
                 *(sa.Column(c, sa.Integer) for c in "abcd"))
    dialect = sqlite.dialect()

    def run() -> Any:
        stmt = (sa.select(t.c.id, t.c.a).where(t.c.a == 1).where(t.c.b > 2)
                .where(t.c.c.in_([1, 2, 3, 4, 5])).order_by(t.c.d).limit(10))
        compiled = stmt.compile(dialect=dialect)  # a fresh compile: no statement cache
        return str(compiled), compiled.params

    return run


def main() -> None:
    print("ClickORM:", model_query())
    ours = median_us(model_query, number=5000, repeat=21)
    report = Report("build + compile a 3-condition SELECT (median per query)")
    report.line("clickorm Model...compile(), SQLite", f"{ours:8.2f} us  (target <= 10 us)",
                ours <= 10)
    clickhouse = clickhouse_model_query()
    if clickhouse is None:
        report.line("clickorm Model...compile(), ClickHouse", "clickorm-clickhouse not installed",
                    False)
    else:
        print("ClickORM (ClickHouse):", clickhouse())
        ch = median_us(clickhouse, number=5000, repeat=21)
        report.line("clickorm Model...compile(), ClickHouse",
                    f"{ch:8.2f} us  (target <= 10 us)", ch <= 10)
    raw = median_us(clickorm_query, number=5000, repeat=21)
    report.line("clickorm QueryBuilder + grammar (reference)", f"{raw:8.2f} us")
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
