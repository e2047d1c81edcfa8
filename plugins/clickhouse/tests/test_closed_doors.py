"""Names and raw SQL cannot reach files or run a second statement, on chDB and 18.16.

chDB's ``default`` database also reads files named like tables, so the embedded
connection works in a real database and refuses path and glob names; raw fragments and
chDB statements never carry a second statement.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import ConfigError, QueryError, SchemaError
from clickorm.model.builder import QueryBuilder
from clickorm.plugins.manager import get_plugin_manager
from clickorm.query.expressions import raw
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.schema import Schema
from clickorm_clickhouse.embedded import EmbeddedConnection, connect


def open_embedded(**kw: Any) -> EmbeddedConnection:
    dialect = get_plugin_manager().get_dialect("clickhouse")
    return connect(
        ConnectionConfig(name="doors", dialect="clickhouse", driver="embedded", **kw), dialect
    )


@pytest.fixture
def chdb() -> Iterator[EmbeddedConnection]:
    c = open_embedded()
    c.execute("DROP TABLE IF EXISTS doors_t")
    c.execute("CREATE TABLE doors_t (x Int32) ENGINE = MergeTree ORDER BY x")
    c.execute("INSERT INTO doors_t VALUES (1), (2)")
    yield c
    c.execute("DROP TABLE IF EXISTS doors_t")
    c.close()


@pytest.fixture
def secret_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CSV file in the working directory, where chDB's default database looks."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "secret.csv"
    path.write_text("top,secret\n")
    return path


# -- the embedded connection's database ------------------------------------------------------
def test_the_embedded_connection_uses_a_real_database_by_default(chdb):
    assert chdb.database == "clickorm"
    [(name, engine)] = chdb.execute(
        "SELECT name, engine FROM system.databases WHERE name = currentDatabase()"
    ).rows
    assert (name, engine) == ("clickorm", "Atomic")


CHILD = """
from clickorm.config_types import ConnectionConfig
from clickorm.errors import QueryError
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import connect
c = connect(ConnectionConfig(name="child", dialect="clickhouse", driver="embedded"),
            get_plugin_manager().get_dialect("clickhouse"))
try:
    print("READ", c.execute("SELECT * FROM `secret.csv`").rows)
except QueryError as exc:
    print("REFUSED", exc)
"""


def test_a_plain_name_never_reads_a_file_of_the_working_directory(secret_file):
    # in a fresh process: chDB resolves relative names from the cwd its engine starts in
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          timeout=60, cwd=secret_file.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("REFUSED") and "UNKNOWN_TABLE" in proc.stdout


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "default./etc/passwd", "data/*.csv", "a?b", "x{1..2}", "a\\b"]
)
def test_path_and_glob_table_names_are_refused_by_name(chdb, name):
    with pytest.raises(QueryError, match="Table name .* file path or glob") as info:
        QueryBuilder(name, connection=chdb).get()
    assert repr(name) in str(info.value)
    with pytest.raises(QueryError, match="file path or glob"):
        QueryBuilder(name, connection=chdb).where("x", 1).count()


def test_insert_and_truncate_never_touch_a_file(chdb, secret_file):
    path = str(secret_file)
    with pytest.raises(QueryError, match="file path or glob"):
        QueryBuilder(path, connection=chdb).insert({"c1": "x", "c2": "y"})
    with pytest.raises(QueryError, match="file path or glob"):
        chdb.insert_rows(path, ["c1", "c2"], [("x", "y")])
    with pytest.raises(SchemaError, match="file path or glob"):
        Schema(chdb).truncate(path)
    with pytest.raises(QueryError, match="file path or glob"):
        QueryBuilder(path, connection=chdb).delete()
    assert secret_file.read_text() == "top,secret\n"


@pytest.mark.parametrize("name", ["doors?q", "doors*", "doors{a,b}"])
def test_creating_a_glob_named_table_is_refused_not_silently_skipped(chdb, name):
    t = Blueprint.create(name)
    t.big_integer("id")
    t.order_by("id")
    with pytest.raises(SchemaError, match="file path or glob"):
        Schema(chdb).create_table(t.table)


def test_a_database_name_with_path_characters_is_refused():
    with pytest.raises(ConfigError, match="file path or glob"):
        open_embedded(database="../elsewhere")


# -- raw fragments and multi-statements ---------------------------------------------------------
RAW: dict[str, Callable[[QueryBuilder], QueryBuilder]] = {
    "where_raw": lambda q: q.where_raw("1=1; DROP TABLE doors_t"),
    "or_where_raw": lambda q: q.or_where_raw("1=1;DROP TABLE doors_t"),
    "select_raw": lambda q: q.select_raw("1; DROP TABLE doors_t"),
    "having_raw": lambda q: q.group_by("x").having_raw("1 ; DROP TABLE doors_t --"),
    "order_by_raw": lambda q: q.order_by_raw("x;\nDROP TABLE doors_t"),
    "group_by_raw": lambda q: q.group_by_raw("x /* c */ ; DROP TABLE doors_t"),
    "raw()": lambda q: q.where(raw("x = 1; DROP TABLE doors_t")),
    "backslash quote": lambda q: q.where_raw("x = 'a\\'; DROP TABLE doors_t; --'"),
}


@pytest.mark.parametrize("construct", list(RAW))
def test_raw_fragments_cannot_run_a_second_statement_on_chdb(chdb, construct):
    with pytest.raises(QueryError, match="Raw SQL fragment .* statement separator"):
        RAW[construct](QueryBuilder("doors_t", connection=chdb)).get()
    assert chdb.execute("EXISTS TABLE doors_t").scalar() == 1


def test_a_semicolon_inside_a_literal_or_comment_is_fine(chdb):
    q = QueryBuilder("doors_t", connection=chdb)
    assert q.where_raw("x = 1 OR ';' = ?", ";").count() == 2
    assert q.where_raw("x = 1 -- ; not a statement\n").count() == 1
    assert len(q.select_raw("x AS `a;b`").order_by("x").get()) == 2


def test_chdb_refuses_multi_statement_input(chdb):
    with pytest.raises(QueryError, match="one statement per call"):
        chdb.execute("SELECT 1; DROP TABLE doors_t")
    with pytest.raises(QueryError, match="one statement per call"):
        list(chdb.stream("SELECT 1; DROP TABLE doors_t"))
    assert chdb.execute("EXISTS TABLE doors_t").scalar() == 1
    # a trailing separator, or one inside a literal, is still one statement
    assert chdb.execute("SELECT ';' AS s;  -- done").scalar() == ";"


@pytest.mark.parametrize("construct", ["where_raw", "select_raw", "raw()"])
def test_raw_fragments_cannot_run_a_second_statement_on_the_server(clickhouse_native, construct):
    clickhouse_native.execute("CREATE TABLE doors_t (x Int32) ENGINE = MergeTree ORDER BY x")
    with pytest.raises(QueryError, match="statement separator"):
        RAW[construct](QueryBuilder("doors_t", connection=clickhouse_native)).get()
    assert clickhouse_native.execute("EXISTS TABLE doors_t").scalar() == 1
