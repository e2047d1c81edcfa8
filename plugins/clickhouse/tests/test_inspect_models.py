"""``clickorm inspect`` round trips: models written from a database create the same tables.

Each test makes tables with raw SQL, writes their models, creates the models' tables in a
fresh database (importing the written module and calling ``create_table``), writes the
models again from there and expects the very same module, on SQLite, chDB and 18.16.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clickorm import ConnectionManager, Model
from clickorm.cli import main
from clickorm.connection.base import BaseConnection
from clickorm.migrations.codegen import ModelsSource, models_source

ROOT = Path(__file__).resolve().parents[3]
#: shared between runs: only the generated module is checked afresh
MYPY_CACHE = Path(tempfile.gettempdir()) / "clickorm-inspect-mypy-cache"

#: every kind of column the 18.16 server has, and what the model says of each
SERVER_TABLE = """CREATE TABLE events (
  id UInt64, seq UInt32, small Int8, wide Int64, f32 Float32, f64 Float64,
  price Decimal(18, 4), name String COMMENT 'who', code FixedString(3), d Date,
  ts DateTime('UTC') DEFAULT now(), naive DateTime, u UUID,
  maybe Nullable(Int32), label Nullable(String) DEFAULT 'x',
  status Enum8('new' = 1, 'done' = 2), level Enum16('low' = -5, 'high' = 1000),
  tags Array(String), grid Array(Array(UInt8)), pair Tuple(String, Float64),
  day Date MATERIALIZED toDate(ts), upper_name String ALIAS upper(name),
  `odd name` String, `class` UInt8
) ENGINE = ReplacingMergeTree(seq) PARTITION BY toYYYYMM(d)
ORDER BY (name, intHash32(id), id) SAMPLE BY intHash32(id)"""

#: what newer servers add (chDB): codecs, LowCardinality, Map, DateTime64, IPs, Bool,
#: big integers, Date32, named tuples, skip indexes, TTL, settings, PRIMARY KEY, comment
CHDB_TABLE = """CREATE TABLE metrics (
  id UInt64, ts DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)), d32 Date32,
  host LowCardinality(String), zone LowCardinality(Nullable(String)),
  attrs Map(String, UInt16), named Tuple(a String, b UInt8), ip4 IPv4, ip6 IPv6,
  ok Bool, big Int128, huge UInt256, arrn Array(Nullable(Int64)), d Date,
  status Enum8('on' = 1, 'off' = 2), scratch String TTL d + INTERVAL 1 DAY,
  INDEX idx_host host TYPE bloom_filter GRANULARITY 4,
  PROJECTION by_day (SELECT d, count() GROUP BY d)
) ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY (host, id) PRIMARY KEY host
TTL d + INTERVAL 1 YEAR SETTINGS index_granularity = 4096 COMMENT 'the metrics'"""

SMALL_TABLE = "CREATE TABLE counters (k String, n UInt64) ENGINE = SummingMergeTree ORDER BY k"


def _import(path: Path) -> ModuleType:
    name = f"inspected_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _models(module: ModuleType) -> list[type[Model]]:
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Model) and v.__module__ == module.__name__]


def inspect(connection: BaseConnection) -> ModelsSource:
    platform = connection.platform
    return models_source(platform.introspect(connection).values(), platform)


def round_trip(source: BaseConnection, fresh: BaseConnection, tmp_path: Path) -> str:
    """The module written from ``source``; asserts ``fresh`` made from it gives it again."""
    first = inspect(source)
    path = tmp_path / f"models_{uuid.uuid4().hex[:6]}.py"
    path.write_text(first.source)
    for model in _models(_import(path)):
        model.create_table(connection=fresh)
    second = inspect(fresh)
    assert second.source == first.source
    assert second.warnings == first.warnings
    return first.source


@pytest.fixture
def chdb_pair() -> Iterator[tuple[BaseConnection, BaseConnection]]:
    databases = [f"i_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    managers = [ConnectionManager("clickhouse+embedded://", database=d) for d in databases]
    try:
        yield managers[0].connection(), managers[1].connection()
    finally:
        for manager, database in zip(managers, databases, strict=True):
            manager.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
            manager.close()


@pytest.fixture
def fresh_native(clickhouse_server: Any) -> Iterator[BaseConnection]:
    """A second connection to the session server, in a database of its own."""
    from clickorm_clickhouse import clickorm_dialects
    from clickorm_clickhouse.native import connect

    database = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = clickhouse_server.client()
    admin.execute(f"CREATE DATABASE {database}")
    conn = connect(clickhouse_server.connection_config(database=database), clickorm_dialects()[0])
    try:
        yield conn
    finally:
        conn.close()
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.disconnect()


def test_server_round_trip(clickhouse_native: BaseConnection, fresh_native: BaseConnection,
                           tmp_path: Path) -> None:
    clickhouse_native.execute(SERVER_TABLE)
    clickhouse_native.execute(SMALL_TABLE)
    source = round_trip(clickhouse_native, fresh_native, tmp_path)
    for expected in (
        "    seq: Annotated[int, types.UInt32]\n",
        "    wide: int\n",
        "    price: Annotated[decimal.Decimal, types.Decimal(18, 4)]\n",
        "    name: str = Column(comment='who')\n",
        "    ts: Annotated[datetime.datetime, types.DateTime('UTC')] = Column(server_default='now()')\n",
        "    maybe: Annotated[int, types.Int32] | None = None\n",
        "    label: str | None = Column(server_default=",  # the server spells the cast
        "    status: Annotated[Status, types.Enum8]\n",
        "class Level(enum.Enum):\n    low = -5\n    high = 1000\n",
        "    grid: list[list[Annotated[int, types.UInt8]]]\n",
        "    pair: tuple[str, float]\n",
        "    day: datetime.date = Column(materialized='toDate(ts)')\n",
        "    upper_name: str = Column(alias='upper(name)')\n",
        "    odd_name: str = Column(name='odd name')\n",
        "    class_: Annotated[int, types.UInt8] = Column(name='class')\n",
        "        engine = 'ReplacingMergeTree(`seq`)'\n",
        "        order_by = ('name', 'intHash32(id)', 'id')\n",
        "        sample_by = ('intHash32(id)',)\n",
        "        primary_key = ('name', 'intHash32(id)', 'id')\n",
        "class Counters(Model):\n",
    ):
        assert expected in source
    _lint(tmp_path / "server_models.py", source)


def test_chdb_round_trip(chdb_pair: tuple[BaseConnection, BaseConnection],
                         tmp_path: Path) -> None:
    source_db, fresh = chdb_pair
    for sql in (SERVER_TABLE, CHDB_TABLE, SMALL_TABLE):
        source_db.execute(sql)
    source = round_trip(source_db, fresh, tmp_path)
    for expected in (
        "    ts: Annotated[datetime.datetime, types.DateTime64(3, 'UTC')] = "
        "Column(server_default='now64(3)', codec='CODEC(Delta(8), ZSTD(1))')\n",
        "    host: Annotated[str, types.LowCardinality] = Column(primary_key=True)\n",
        "    zone: Annotated[str, types.LowCardinality] | None\n",
        "    attrs: dict[str, Annotated[int, types.UInt16]]\n",
        "    named: Any = Column(type=types.RawType('Tuple(a String, b UInt8)'))\n",
        "    ip6: ipaddress.IPv6Address\n",
        "    ok: bool\n",
        "    huge: Annotated[int, types.UInt256]\n",
        "    arrn: list[int | None]\n",
        "        ttl = 'd + toIntervalYear(1)'\n",
        "        settings = {'index_granularity': 4096}\n",
        "            'INDEX `idx_host` host TYPE bloom_filter GRANULARITY 4',\n",
        "        comment = 'the metrics'\n",
        "class MetricsStatus(enum.Enum):\n    on = 'on'\n    off = 'off'\n",
        "    status: Annotated[MetricsStatus, types.Enum8]\n",  # events has its own Status
        "        projections = {'by_day': 'SELECT d, count() GROUP BY d'}\n",
        "    scratch: str = Column(ttl='d + toIntervalDay(1)')\n",
    ):
        assert expected in source
    _lint(tmp_path / "chdb_models.py", source)


def test_what_a_column_says_that_no_field_can_is_reported(
        chdb_pair: tuple[BaseConnection, BaseConnection]) -> None:
    """An EPHEMERAL column and column SETTINGS were read as a plain column, silently (the
    model then made a stored column / dropped the settings)."""
    source_db, _ = chdb_pair
    source_db.execute(
        "CREATE TABLE odd (id UInt64, raw String EPHEMERAL, "
        "big String SETTINGS (max_compress_block_size = 1048576), "
        "note String DEFAULT 'EPHEMERAL') ENGINE = MergeTree ORDER BY id")
    result = inspect(source_db)
    assert result.warnings == [
        "odd: column 'raw' option clickhouse_unexpressed = ['EPHEMERAL']",
        "odd: column 'big' option clickhouse_unexpressed = "
        "['SETTINGS (max_compress_block_size = 1048576)']",
    ]
    assert "    # not expressible in a model: column 'raw' option clickhouse_unexpressed" \
        in result.source


def test_an_enum_label_python_reserves_keeps_the_sql_type(
        chdb_pair: tuple[BaseConnection, BaseConnection], tmp_path: Path) -> None:
    """An Enum label Python's Enum reserves ('mro') crashed inspect with a bare ValueError."""
    source_db, fresh = chdb_pair
    source_db.execute("CREATE TABLE kinds (id UInt64, kind Enum8('mro' = 1, 'x' = 2)) "
                      "ENGINE = MergeTree ORDER BY id")
    source = round_trip(source_db, fresh, tmp_path)
    assert "    kind: Any = Column(type=types.RawType(\"Enum8('mro' = 1, 'x' = 2)\"))\n" in source


def test_sqlite_round_trip(tmp_path: Path) -> None:
    managers = [ConnectionManager("sqlite://") for _ in range(2)]
    source_db, fresh = (m.connection() for m in managers)
    try:
        for sql in (
            "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL "
            "UNIQUE, name TEXT, age INTEGER DEFAULT 0, score REAL, active BOOLEAN NOT NULL "
            "DEFAULT 1, born DATE, seen DATETIME, photo BLOB, note VARCHAR(20), n int, "
            "amount NUMERIC, anything, lower_case text)",
            "CREATE INDEX users_name_index ON users (name)",
            "CREATE INDEX by_age ON users (age, score)",
            "CREATE INDEX by_lower_email ON users (lower(email))",
            "CREATE TABLE tags (post INTEGER NOT NULL, tag TEXT NOT NULL, "
            "PRIMARY KEY (post, tag)) STRICT",
        ):
            source_db.execute(sql)
        source = round_trip(source_db, fresh, tmp_path)
    finally:
        for m in managers:
            m.close()
    for expected in (
        "    id: int = Column(primary_key=True, autoincrement=True)\n",
        "    email: str = Column(unique=True)\n",
        "    name: str | None = Column(None, index=True)\n",
        "    age: int | None = Column(server_default='0')\n",
        "    seen: datetime.datetime | None = None\n",
        "    note: str | None = Column(None, type=types.RawType('VARCHAR(20)'))\n",
        "    n: int | None = Column(None, type=types.RawType('INT'))\n",
        "    amount: Any | None = Column(None, type=types.RawType('NUMERIC'))\n",
        "    anything: Any | None = Column(None, type=types.RawType(''))\n",
        "    lower_case: str | None = None\n",  # `text` is TEXT: SQLite's names ignore case
        "            Index('by_age', ('age', 'score')),\n",
        "        primary_key = ('post', 'tag')\n",
        "        options = {'strict': True}\n",
    ):
        assert expected in source
    assert "raw_sql='CREATE INDEX by_lower_email ON users (lower(email))'" in source
    _lint(tmp_path / "sqlite_models.py", source)


def _lint(path: Path, source: str) -> None:
    path.write_text(source)
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--config",
                           str(ROOT / "pyproject.toml"), str(path)],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(MYPY_CACHE), str(path)], capture_output=True, text=True,
                          cwd=path.parent)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_cli_writes_the_module_and_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLICKORM_CONFIG", raising=False)
    (tmp_path / "clickorm.toml").write_text('[connections.default]\nurl = "sqlite:///app.db"\n')
    manager = ConnectionManager("sqlite:///app.db")
    conn = manager.connection()
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT)")
    conn.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id))")
    manager.close()
    assert main(["inspect", "b", "--out", "models.py"]) == 0
    err = capsys.readouterr().err
    assert "clickorm: warning: b: foreign key (a_id) REFERENCES a(id)" in err
    assert "# not expressible in a model: foreign key (a_id) REFERENCES a(id)\nclass B(Model):" \
        in (tmp_path / "models.py").read_text()
    assert "class B(Model):" in (tmp_path / "models.py").read_text()
    assert "class A(" not in (tmp_path / "models.py").read_text()
    assert main(["inspect", "--out", "models.py"]) == 2  # never over an existing file
    assert "exists" in capsys.readouterr().err
    assert main(["inspect", "nope"]) == 2
    assert "No table 'nope'" in capsys.readouterr().err
    assert main(["inspect"]) == 0
    assert "class A(Model):" in capsys.readouterr().out


def test_what_a_model_cannot_say_is_a_comment_and_a_warning() -> None:
    manager = ConnectionManager("sqlite://")
    conn = manager.connection()
    try:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER CHECK (a > 0), "
                     "b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, m TEXT COLLATE clickorm_decimal)")
        conn.execute("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END")
        result = inspect(conn)
    finally:
        manager.close()
    assert result.warnings == [
        "t: column 'b' option sqlite_generated = True",
        "t: column 'm': SQLite keeps no precision and scale for a decimal column (nor tells "
        "it from a 128/256-bit integer): Decimal(38, 10) is assumed, check it",
        "t: table option sqlite_triggers = "
        "['CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END']",
        "t: table option sqlite_unpreservable = ['a CHECK constraint', 'a generated column']",
    ]
    assert ("    # not expressible in a model: column 'b' option sqlite_generated = True\n"
            "    b: int | None = None\n") in result.source
    assert "    m: Annotated[decimal.Decimal, types.Decimal(38, 10)] | None = None\n" in result.source
    assert ("    class Meta:\n"
            "        # not expressible in a model: table option sqlite_triggers") in result.source


def test_names_never_shadow_what_the_module_uses(chdb: BaseConnection, tmp_path: Path) -> None:
    chdb.execute("CREATE TABLE model (id UInt8, datetime DateTime, str String, "
                 "column Enum8('a' = 1), later DateTime) ENGINE = MergeTree ORDER BY id")
    source = inspect(chdb).source
    assert "class Model2(Model):\n" in source
    assert "    datetime_: datetime.datetime = Column(name='datetime')\n" in source
    assert "    str_: str = Column(name='str')\n" in source
    assert "class ModelColumn(enum.Enum):\n" in source
    (tmp_path / "m.py").write_text(source)
    module = _import(tmp_path / "m.py")
    assert list(module.Model2.model_fields) == ["id", "datetime_", "str_", "column", "later"]
