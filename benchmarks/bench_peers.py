"""ClickORM beside its peers on one clickhouse-server, one run: clickhouse-sqlalchemy (Core
and ORM, on clickhouse-driver) and clickhouse-orm (on its native driver), with the raw
driver as the common reference (throughput ratio = raw time / library time).

200,000 rows of ``id UInt64, name String, score Float64, created DateTime,
tags Array(String)``: reading them (objects, tuples, Arrow), inserting them (prebuilt
objects, and dicts the library validates or converts), and one ``SELECT 1``.

The peers pin their own SQLAlchemy, so they live in a virtualenv of their own::

    python -m venv --system-site-packages /tmp/peers-venv
    /tmp/peers-venv/bin/pip install 'clickorm[peers]'   # or: clickhouse-sqlalchemy clickhouse-orm
    /tmp/peers-venv/bin/python benchmarks/bench_peers.py [rows]

A peer that is not installed is reported as such; the rest still runs.
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_native import load_server_module  # noqa: E402

from clickorm import Column, Model, types, use  # noqa: E402
from harness import best_of, median_us  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a.isdigit()]
N = int(ARGS[0]) if ARGS else 200_000
BASE = dt.datetime(2024, 1, 1)
REPEAT = 3
TABLE = "peer_rows"
SQL = f"SELECT id, name, score, created, tags FROM {TABLE}"
INSERT = f"INSERT INTO {TABLE} (id, name, score, created, tags) VALUES"


class PeerRow(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    name: str
    score: float
    created: dt.datetime
    tags: list[str]

    class Meta:
        table_name = TABLE
        engine = "MergeTree()"
        order_by = ("id",)


def source_rows(n: int) -> list[tuple[Any, ...]]:
    return [(i, f"name-{i}", i * 0.25, BASE + dt.timedelta(seconds=i), [f"t{i % 7}", "b"])
            for i in range(n)]


class Table:
    """Rows of (operation, library, time) printed as ratios to the raw driver's time."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float | None, str]] = []

    def add(self, op: str, lib: str, seconds: float | None, note: str = "") -> None:
        self.rows.append((op, lib, seconds, note))

    def print(self) -> None:
        print(f"\n== ClickORM and peers, {N:,} rows (ratio = raw driver time / library time; "
              "higher is faster) ==")
        raw = {op: t for op, lib, t, _ in self.rows if lib == "raw clickhouse-driver"}
        for op, lib, t, note in self.rows:
            if t is None:
                print(f"  {op:<26} {lib:<34} {'-':>9}            {note}")
                continue
            ratio = f"{raw[op] / t:5.2f}x" if op in raw else "     "
            print(f"  {op:<26} {lib:<34} {t * 1000:8.1f} ms  {ratio}  {note}")


def timed_insert(fresh: Callable[[], None], fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        fresh()
        gc.collect()
        best = min(best, best_of(fn, repeat=1))
    return best


def clickorm_part(out: Table, server: Any, rows: list[tuple[Any, ...]]) -> None:
    manager = use(server.url)
    conn = manager.connection()
    client = server.client()
    dicts = [dict(zip(("id", "name", "score", "created", "tags"), r, strict=True))
             for r in rows]

    def fresh() -> None:
        PeerRow.drop_table(if_exists=True)
        PeerRow.create_table()

    # reads (the table filled once by the raw driver)
    fresh()
    client.execute(INSERT, rows)
    out.add("read -> row objects", "raw clickhouse-driver", best_of(lambda: client.execute(SQL),
                                                                    REPEAT), "tuples")
    out.add("read -> row objects", "ClickORM get()",
            best_of(lambda: PeerRow.query.get(), REPEAT), "models")
    out.add("read -> row objects", "ClickORM rows()",
            best_of(lambda: PeerRow.query.rows(), REPEAT), "tuples")

    def orm_iter() -> None:
        for _ in PeerRow.query.iter(batch_size=50_000):
            pass

    out.add("read -> row objects", "ClickORM iter()", best_of(orm_iter, REPEAT), "streamed models")
    out.add("read -> columns", "raw clickhouse-driver",
            best_of(lambda: client.execute(SQL, columnar=True), REPEAT), "columnar=True")
    out.add("read -> columns", "ClickORM to_arrow()",
            best_of(lambda: PeerRow.query.to_arrow(), REPEAT), "pyarrow.Table")
    out.add("read -> columns", "ClickORM to_pandas()",
            best_of(lambda: PeerRow.query.to_pandas(), REPEAT), "DataFrame")

    # inserts
    instances = PeerRow.validate_many(dicts)

    out.add("insert prebuilt objects", "raw clickhouse-driver",
            timed_insert(fresh, lambda: client.execute(INSERT, rows)), "row tuples")
    prebuilt: list[PeerRow] = []

    def fresh_models() -> None:
        fresh()
        prebuilt[:] = [PeerRow.model_construct(**i.__dict__) for i in instances]

    out.add("insert prebuilt objects", "ClickORM insert_many(models)",
            timed_insert(fresh_models, lambda: PeerRow.insert_many(prebuilt, chunk_size=N)))
    out.add("insert dicts", "raw clickhouse-driver",
            timed_insert(fresh, lambda: client.execute(INSERT, rows)), "row tuples")
    out.add("insert dicts", "ClickORM insert_many(dicts)",
            timed_insert(fresh, lambda: PeerRow.insert_many(dicts, chunk_size=N)), "validated")

    out.add("SELECT 1", "raw clickhouse-driver",
            median_us(lambda: client.execute("SELECT 1"), number=200, repeat=7) / 1e6)
    out.add("SELECT 1", "ClickORM execute()",
            median_us(lambda: conn.execute("SELECT 1"), number=200, repeat=7) / 1e6)
    manager.close()


def sqlalchemy_part(out: Table, server: Any, rows: list[tuple[Any, ...]]) -> None:
    try:
        from clickhouse_sqlalchemy import engines, get_declarative_base
        from clickhouse_sqlalchemy import types as cht
        from sqlalchemy import Column as SaColumn
        from sqlalchemy import create_engine, select, text
        from sqlalchemy.orm import Session
    except ImportError as exc:
        out.add("read -> row objects", "clickhouse-sqlalchemy", None, f"not installed ({exc})")
        return
    engine = create_engine(f"clickhouse+native://default@{server.host}:{server.port}/default")
    base = get_declarative_base()

    class SaRow(base):  # type: ignore[misc,valid-type]
        __tablename__ = TABLE
        id = SaColumn(cht.UInt64, primary_key=True)
        name = SaColumn(cht.String)
        score = SaColumn(cht.Float64)
        created = SaColumn(cht.DateTime)
        tags = SaColumn(cht.Array(cht.String))
        __table_args__ = (engines.MergeTree(order_by=("id",)),)

    table = SaRow.__table__
    client = server.client()
    dicts = [dict(zip(("id", "name", "score", "created", "tags"), r, strict=True))
             for r in rows]

    def fresh() -> None:
        client.execute(f"DROP TABLE IF EXISTS {TABLE}")
        table.create(engine)

    fresh()
    client.execute(INSERT, rows)
    with engine.connect() as c:
        out.add("read -> row objects", "clickhouse-sqlalchemy Core",
                best_of(lambda: c.execute(select(table)).fetchall(), REPEAT), "Row objects")
    with Session(engine) as s:
        out.add("read -> row objects", "clickhouse-sqlalchemy ORM",
                best_of(lambda: s.query(SaRow).all(), REPEAT), "mapped objects")

    def core_insert() -> None:
        with engine.connect() as c:
            c.execute(table.insert(), dicts)

    out.add("insert dicts", "clickhouse-sqlalchemy Core", timed_insert(fresh, core_insert))

    def orm_insert() -> None:
        with Session(engine) as s:
            s.add_all([SaRow(**d) for d in dicts])
            s.commit()

    out.add("insert prebuilt objects", "clickhouse-sqlalchemy ORM",
            timed_insert(fresh, orm_insert), "incl. building them")
    with engine.connect() as c:
        out.add("SELECT 1", "clickhouse-sqlalchemy Core",
                median_us(lambda: c.execute(text("SELECT 1")).fetchall(), number=200,
                          repeat=7) / 1e6)
    engine.dispose()


def clickhouse_orm_part(out: Table, server: Any, rows: list[tuple[Any, ...]]) -> None:
    try:
        import clickhouse_orm as co
        from clickhouse_orm.native import NativeDriver
    except ImportError as exc:
        out.add("read -> row objects", "clickhouse-orm", None, f"not installed ({exc})")
        return

    class CoRow(co.Model):  # type: ignore[misc]
        id = co.UInt64Field()
        name = co.StringField()
        score = co.Float64Field()
        created = co.DateTimeField()
        tags = co.ArrayField(co.StringField())
        engine = co.MergeTree(order_by=("id",), partition_key=("tuple()",))

        @classmethod
        def table_name(cls) -> str:
            return TABLE

    db = co.Database("default", driver=NativeDriver(server.host, port=server.port))
    client = server.client()

    def fresh() -> None:
        client.execute(f"DROP TABLE IF EXISTS {TABLE}")
        db.create_table(CoRow)

    fresh()
    client.execute(INSERT, rows)
    out.add("read -> row objects", "clickhouse-orm",
            best_of(lambda: list(CoRow.objects_in(db)), REPEAT), "model objects")
    objects = [CoRow(id=r[0], name=r[1], score=r[2], created=r[3], tags=r[4]) for r in rows]
    out.add("insert prebuilt objects", "clickhouse-orm",
            timed_insert(fresh, lambda: db.insert(objects, batch_size=N)))


def main() -> None:
    server_mod = load_server_module()
    command = server_mod.find_server_command()
    if command is None:
        sys.exit("clickhouse-server is not installed: run tests/tools/ensure_clickhouse_server.py")
    server = server_mod.ClickHouseServer(command, Path(tempfile.mkdtemp(prefix="clickorm-peers-")))
    server.start()
    out = Table()
    rows = source_rows(N)
    try:
        clickorm_part(out, server, rows)
        sqlalchemy_part(out, server, rows)
        clickhouse_orm_part(out, server, rows)
    finally:
        server.stop()
    out.rows.sort(key=lambda r: ["read -> row objects", "read -> columns",
                                 "insert prebuilt objects", "insert dicts",
                                 "SELECT 1"].index(r[0]))
    out.print()


if __name__ == "__main__":
    main()
