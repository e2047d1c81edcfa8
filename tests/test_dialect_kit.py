"""What the core does so a dialect writes only what differs: the author API module and
its contracts, the ANSI type table, the default bulk insert, ``compile_rename`` given
the current table, and the script that moves a plugin's imports onto the author API."""

from __future__ import annotations

import ast
import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clickorm.dialects as api
from clickorm import Blueprint, Schema, types
from clickorm.dialects import BaseConnection, BasePlatform, SchemaError, Table, open_connection
from clickorm.types import logical

ROOT = Path(__file__).resolve().parents[1]


def test_every_exported_name_exists_and_the_contracts_name_every_kind_and_action() -> None:
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    doc = inspect.getdoc(api) or ""
    kinds = {cls.kind for _, cls in inspect.getmembers(logical, inspect.isclass)
             if issubclass(cls, logical.LogicalType) and cls.kind != "logical"}
    assert {k for k in kinds if f"``{k}``" not in doc} == set()
    for action in ("Creating", "Altering", "Dropping", "Renaming", "Truncating", "Inspecting"):
        assert f'``"{action}"``' in doc
    for must in ("_execute", "close()", "reports_affected_rows", "shared_across_threads",
                 "nested_transactions", "lastrowid", "rowcount", "x:////absolute"):
        assert must in doc.replace("``", ""), must


@pytest.mark.parametrize(("annotation", "sql"), [
    (types.Int8, "SMALLINT"), (types.Int32, "INTEGER"), (types.Int64, "BIGINT"),
    (types.UInt16, "INTEGER"), (types.UInt32, "BIGINT"), (types.Float32, "REAL"),
    (types.Float64, "DOUBLE PRECISION"), (types.Decimal(10, 2), "DECIMAL(10, 2)"),
    (types.String, "VARCHAR"), (types.Boolean, "BOOLEAN"), (types.Date, "DATE"),
    (types.Bytes, "BLOB"), (types.DateTime, "TIMESTAMP"),
    (types.DateTime64(3, "UTC"), "TIMESTAMP(3) WITH TIME ZONE"),
    (types.Nullable(types.Int32), "INTEGER"),
])
def test_the_ansi_type_table(annotation: Any, sql: str) -> None:
    assert BasePlatform().type_sql(types.as_logical(annotation)) == sql


@pytest.mark.parametrize("annotation", [types.UInt64, types.Int128, types.UUID,
                                        types.Array(types.Int32)])
def test_types_without_an_exact_ansi_spelling_are_refused(annotation: Any) -> None:
    with pytest.raises(SchemaError, match="cannot express the column type"):
        BasePlatform().type_sql(types.as_logical(annotation))


def test_a_dialect_table_and_methods_win_over_the_ansi_table() -> None:
    class Mine(BasePlatform):
        dialect_name = "mine"
        type_names = {"string": "TEXT"}

        def type_sql_integer(self, logical: Any) -> str:
            return "INT"

    assert Mine().type_sql(types.as_logical(types.String)) == "TEXT"
    assert Mine().type_sql(types.as_logical(types.UInt64)) == "INT"


@pytest.fixture()
def toy(tmp_path: Path) -> Iterator[BaseConnection]:
    conn = open_connection(f"toydb:///{tmp_path}/kit.db")
    conn.execute('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a" TEXT, "b" INTEGER)')
    yield conn
    conn.close()


def _traced(conn: Any) -> list[str]:
    seen: list[str] = []
    conn._db.set_trace_callback(seen.append)
    return seen


def test_the_default_insert_writes_multi_row_values_within_the_parameter_limit(
        toy: BaseConnection) -> None:
    toy.max_params_per_statement = 7  # 3 columns: 2 rows a statement
    seen = _traced(toy)
    assert toy.insert_rows("t", ["id", "a", "b"], [(i, f"r{i}", i) for i in range(5)]) == 5
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert [s.count("), (") + 1 for s in inserts] == [2, 2, 1]  # rows per statement
    assert seen[0] == "BEGIN" and seen[-1] == "COMMIT"  # nested_transactions: one unit
    assert toy.execute('SELECT count(*), sum("b") FROM "t"').rows == [(5, 10)]


def test_a_failing_chunk_writes_nothing_where_transactions_nest(toy: BaseConnection) -> None:
    toy.max_params_per_statement = 6
    toy.execute('INSERT INTO "t" VALUES (4, \'x\', 0)')
    with pytest.raises(Exception, match="UNIQUE"):
        toy.insert_rows("t", ["id", "a", "b"], [(i, "r", i) for i in range(5)])
    assert toy.execute('SELECT count(*) FROM "t"').scalar() == 1


def test_compile_rename_receives_the_current_table(toy: BaseConnection) -> None:
    seen: list[Table | None] = []

    class Renaming(type(toy.platform)):  # type: ignore[misc]
        rename_requires_current = True

        def get_table(self, connection: BaseConnection, name: str) -> Table:
            t = Blueprint.create(name)
            t.integer("id")
            return t.table

        def compile_rename(self, old: str, new: str, *, cluster: str | None = None,
                           current: Table | None = None) -> list[str]:
            seen.append(current)
            return super().compile_rename(old, new, cluster=cluster, current=current)

    Schema(toy, platform=Renaming()).rename("t", "u")
    assert seen[0] is not None and list(seen[0].columns) == ["id"]
    assert toy.execute('SELECT count(*) FROM "u"').scalar() == 0


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location(
        "to_dialects_imports", ROOT / "tools" / "to_dialects_imports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_script_moves_internal_imports_onto_the_author_api() -> None:
    source = (
        "from clickorm.errors import QueryError\n"
        "from clickorm.schema.table import Column as TableColumn, Index\n"
        "from clickorm.types import jsonform\n"
        "if True:\n"
        "    from clickorm.connection.base import BaseConnection\n"
    )
    new, moved, missing = _tool().rewrite(source)
    assert missing == []
    assert new == (
        "from clickorm.errors import QueryError\n"
        "from clickorm.dialects import Column as TableColumn, Index\n"
        "from clickorm.dialects import jsonform\n"
        "if True:\n"
        "    from clickorm.dialects import BaseConnection\n"
    )
    ast.parse(new)
    assert len(moved) == 4


def test_the_clickhouse_plugin_needs_nothing_the_author_api_lacks() -> None:
    tool = _tool()
    for path in (ROOT / "plugins" / "clickhouse" / "clickorm_clickhouse").rglob("*.py"):
        assert tool.rewrite(path.read_text())[2] == [], path


def test_creating_a_table_twice_with_if_not_exists_keeps_its_indexes(
        toy: BaseConnection) -> None:
    t = Blueprint.create("tagged")
    t.increments("id")
    t.string("tag").index()
    t.string("code").unique()
    schema = Schema(toy)
    first = schema.create_table(t.table, if_not_exists=True)
    assert schema.create_table(t.table, if_not_exists=True) == first
    assert first[1:] == [
        'CREATE INDEX IF NOT EXISTS "tagged_tag_index" ON "tagged" ("tag")',
        'CREATE UNIQUE INDEX IF NOT EXISTS "tagged_code_unique" ON "tagged" ("code")',
    ]
