"""DDL conformance: one set of Blueprints, every dialect's expected DDL.

A dialect's test module subclasses :class:`DDLConformance` and sets ``dialect`` and
``expected`` (case name -> list of SQL statements). The shared class builds each case
through ``Schema(platform=..., dry=True)`` (the Masonite pattern) and compares. A case
the dialect cannot express goes in ``unsupported`` and must raise SchemaError or
QueryError; a case in neither fails and prints the statements the platform produced,
so a new dialect's author fills the table by reading the failures.

Every golden statement is also executed for real whenever the test class (or a
conftest) has a ``ddl_connection`` (or ``dialect_connection``) fixture: alter cases first create ``case.current``
and insert ``case.rows``, and the rows must survive (:meth:`DDLConformance.run_golden`;
``after_golden`` adds a dialect's own check).

Example::

    class TestSQLiteDDL(DDLConformance):
        dialect = "sqlite"
        expected = {"create_basic": ['CREATE TABLE "users" (...)'], ...}
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from clickorm import QueryBuilder, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError, SchemaError
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.platform import BasePlatform
from clickorm.schema.schema import Schema
from clickorm.schema.table import Table

__all__ = ["DDLCase", "DDL_CASES", "DDLConformance", "USERS_ROWS", "users_table"]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


Build = Callable[[Schema, "Table | None"], Any]


@dataclass(frozen=True)
class DDLCase:
    """``build(schema, current)`` issues Schema calls; ``current`` is the starting table."""

    build: Build
    current: Callable[[], Table] | None = None
    #: rows inserted into ``current`` before the golden statements run (executing dialects)
    rows: tuple[dict[str, Any], ...] = ()
    #: the table that must hold ``rows`` afterwards (None: not checked)
    keeps_rows_in: str | None = None


def users_table() -> Table:
    """The table every alter case starts from."""
    t = Blueprint.create("users")
    t.increments("id")
    t.string("name")
    t.string("email").nullable().unique()
    t.integer("age").nullable()
    t.integer("score").default(0).index()
    return t.table


USERS_ROWS: tuple[dict[str, Any], ...] = (
    {"id": 1, "name": "Ann", "email": "ann@example.com", "age": 31, "score": 5},
    {"id": 2, "name": "Bob", "email": None, "age": 17, "score": 0},
    {"id": 3, "name": "O'Hara", "email": "o@example.com", "age": 45, "score": 9},
)


def _create(name: str, fill: Callable[[Blueprint], Any], **kwargs: Any) -> Build:
    def build(schema: Schema, current: Table | None) -> None:
        with schema.create(name, **kwargs) as t:
            fill(t)

    return build


def _alter(fill: Callable[[Blueprint], Any]) -> Build:
    def build(schema: Schema, current: Table | None) -> None:
        assert current is not None
        with schema.table(current.name, current=current) as t:
            fill(t)

    return build


def _alter_case(fill: Callable[[Blueprint], Any], keeps: str | None = "users") -> DDLCase:
    return DDLCase(_alter(fill), current=users_table, rows=USERS_ROWS, keeps_rows_in=keeps)


def _basic(t: Blueprint) -> None:
    t.increments("id")
    t.string("name")
    t.integer("age").nullable()


def _types(t: Blueprint) -> None:
    t.column("i8", types.Int8)
    t.column("i16", types.Int16)
    t.column("i32", types.Int32)
    t.column("i64", types.Int64)
    t.column("u8", types.UInt8)
    t.column("u64", types.UInt64)
    t.column("f32", types.Float32)
    t.column("f64", types.Float64)
    t.decimal("dec", 10, 2)
    t.string("s")
    t.char("fixed", 16)
    t.binary("raw")
    t.boolean("flag")
    t.date("day")
    t.column("day32", types.Date32)
    t.datetime("at")
    t.datetime("at_utc", timezone="UTC")
    t.datetime("at_ms", precision=3)
    t.uuid("uid")
    t.ipv4("ip4")
    t.ipv6("ip6")
    t.enum("color", Color)
    t.enum("level", Level)
    t.array("tags", str)
    t.map("attrs", str, int)
    t.column("point", types.Tuple((types.Float64, types.Float64)))
    t.json("doc")
    t.column("city", types.LowCardinality(types.String()))
    t.column("maybe", types.Nullable(types.Int32))


def _defaults(t: Blueprint) -> None:
    t.string("title").default("it's")
    t.integer("count").default(0)
    t.float("ratio").default(1.5)
    t.boolean("active").default(True)
    t.decimal("price", 10, 2).default(decimal.Decimal("9.99"))
    t.date("since").default(dt.date(2024, 1, 31))
    t.enum("color", Color).default(Color.GREEN)
    t.string("note").nullable().default(None)
    t.datetime("created_at").use_current()


def _composite(t: Blueprint) -> None:
    t.integer("tenant_id")
    t.integer("user_id")
    t.string("role")
    t.primary(["tenant_id", "user_id"])


def _indexes(t: Blueprint) -> None:
    t.increments("id")
    t.string("email").unique()
    t.string("city").index()
    t.string("first")
    t.string("last")
    t.index(["last", "first"])
    t.unique(["city", "last"], name="city_last_unique")


def _foreign(t: Blueprint) -> None:
    t.increments("id")
    t.unsigned_integer("user_id")
    t.unsigned_integer("team_id").nullable()
    t.foreign("user_id").references("id").on("users").on_delete("cascade")
    t.foreign_key("team_id", "teams", on_update="set null")


def _comments(t: Blueprint) -> None:
    t.comment("People we know")
    t.increments("id")
    t.string("name").comment("Full name, as written")


def _options(t: Blueprint) -> None:
    t.big_integer("id")
    t.datetime("at")
    t.string("kind").low_cardinality()
    t.engine("MergeTree")
    t.order_by("kind", "at")
    t.partition_by("toYYYYMM(at)")
    t.settings(index_granularity=8192)


def _hostile(t: Blueprint) -> None:
    t.string('na"me').default("x'); DROP TABLE users; --")
    t.integer("back`tick").nullable()


def _drop_email_and_score(t: Blueprint) -> None:
    t.drop_column("email", "score")


DDL_CASES: dict[str, DDLCase] = {
    "create_basic": DDLCase(_create("users", _basic)),
    "create_if_not_exists": DDLCase(_create("users", _indexes, if_not_exists=True)),
    "create_types": DDLCase(_create("samples", _types)),
    "create_defaults": DDLCase(_create("settings", _defaults)),
    "create_composite_primary": DDLCase(_create("memberships", _composite)),
    "create_indexes": DDLCase(_create("people", _indexes)),
    "create_foreign_keys": DDLCase(_create("posts", _foreign)),
    "create_comments": DDLCase(_create("people", _comments)),
    "create_options": DDLCase(_create("events", _options)),
    "create_hostile_identifiers": DDLCase(_create('we"ird', _hostile)),
    "drop": DDLCase(lambda s, c: s.drop("users"), current=users_table),
    "drop_if_exists": DDLCase(lambda s, c: s.drop_if_exists("users")),
    "rename_table": DDLCase(
        lambda s, c: s.rename("users", "people"), current=users_table, rows=USERS_ROWS,
        keeps_rows_in="people"),
    "truncate": DDLCase(lambda s, c: s.truncate("users"), current=users_table, rows=USERS_ROWS),
    "alter_add_column": _alter_case(lambda t: t.string("nick").nullable()),
    "alter_add_columns_with_defaults": _alter_case(
        lambda t: (t.integer("level").default(1), t.boolean("vip").default(False))),
    # NOT NULL without a default: valid on an empty table (rows would violate it)
    "alter_add_required_column": DDLCase(
        _alter(lambda t: t.string("country")), current=users_table, keeps_rows_in="users"),
    "alter_rename_column": _alter_case(lambda t: t.rename_column("name", "full_name")),
    "alter_drop_column": _alter_case(lambda t: t.drop_column("age")),
    "alter_drop_indexed_columns": _alter_case(_drop_email_and_score),
    "alter_change_type": _alter_case(lambda t: t.big_integer("age").nullable().change()),
    "alter_change_nullability": _alter_case(lambda t: t.integer("age").default(0).change()),
    "alter_add_index": _alter_case(lambda t: t.index(["name", "age"])),
    "alter_add_unique": _alter_case(lambda t: t.unique("name")),
    "alter_drop_index": _alter_case(lambda t: t.drop_unique(["email"])),
    "alter_add_foreign_key": _alter_case(
        lambda t: (t.unsigned_integer("team_id").nullable(),
                   t.foreign("team_id").references("id").on("teams"))),
    "alter_primary_key": _alter_case(lambda t: t.primary(["id", "name"])),
    "alter_rename_table": _alter_case(lambda t: t.rename("people"), keeps="people"),
    "alter_combined": _alter_case(
        lambda t: (t.rename_column("age", "years"), t.string("nick").nullable(),
                   t.drop_index(["score"]))),
}


#: every table a case creates, renames to or references (dropped before each golden runs)
CASE_TABLES = ("users", "people", "samples", "settings", "memberships", "posts", "events",
               'we"ird', "teams")


class DDLConformance:
    """Golden DDL tests shared by every dialect (subclass it in a test module)."""

    #: the dialect's registered name
    dialect: ClassVar[str]
    #: server version to compile for (None = the newest the dialect knows)
    server_version: ClassVar[tuple[int, ...] | None] = None
    expected: ClassVar[Mapping[str, Sequence[str]]] = {}
    unsupported: ClassVar[frozenset[str]] = frozenset()

    def platform(self) -> BasePlatform:
        d = get_plugin_manager().get_dialect(self.dialect)
        return d.platform(server_version=self.server_version, capabilities=d.capabilities)

    def compile_case(self, name: str) -> list[str]:
        case = DDL_CASES[name]
        schema = Schema(platform=self.platform(), dry=True)
        case.build(schema, case.current() if case.current else None)
        return schema.statements

    #: the connection goldens run on: the ``ddl_connection`` (else ``dialect_connection``)
    #: fixture when the test class or a conftest defines one, else None (then goldens
    #: are compared only)
    golden_connection: BaseConnection | None = None

    @pytest.fixture(autouse=True)
    def _golden_connection(self, request: pytest.FixtureRequest) -> Iterator[None]:
        self.golden_connection = None
        for name in ("ddl_connection", "dialect_connection"):
            try:
                self.golden_connection = request.getfixturevalue(name)
                break
            except pytest.FixtureLookupError:
                continue
        yield
        self.golden_connection = None

    def run_golden(self, case: DDLCase, statements: list[str]) -> None:
        """Execute the golden ``statements`` on the ``ddl_connection`` when there is one:
        drop the tables the cases use, create the ``teams`` parent and ``case.current``
        with ``case.rows`` (through the dialect's platform and encoders), run the
        statements, check the rows survived, then :meth:`after_golden`."""
        conn = self.golden_connection
        if conn is None:
            return
        schema = Schema(conn)
        for name in CASE_TABLES:
            schema.drop_if_exists(name)
        with schema.create("teams") as teams:
            teams.increments("id")
        if case.current is not None:
            current = case.current()
            schema.create_table(current)
            platform = conn.platform
            encoded = []
            for row in case.rows:
                out = {}
                for name, value in row.items():
                    encode = platform.encoder(current.columns[name].full_type)
                    out[name] = encode(value) if encode is not None else value
                encoded.append(out)
            if encoded:
                QueryBuilder(current.name, connection=conn).insert(encoded)
        for sql in statements:
            conn.execute(sql)
        if case.keeps_rows_in is not None:
            count = QueryBuilder(case.keeps_rows_in, connection=conn).count()
            assert count == len(case.rows), f"{count} of {len(case.rows)} rows survived"
        self.after_golden(conn, case)

    def after_golden(self, connection: BaseConnection, case: DDLCase) -> None:
        """A dialect's own check after each executed golden (an integrity check)."""

    @pytest.mark.parametrize("case", sorted(DDL_CASES))
    def test_ddl(self, case: str) -> None:
        if case in self.unsupported:
            with pytest.raises((SchemaError, QueryError)):
                self.compile_case(case)
            return
        statements = self.compile_case(case)
        if case not in self.expected:
            shown = "".join(f"\n        {s!r}," for s in statements)
            pytest.fail(
                f"No expectation for DDL case {case!r} on {self.dialect}. The platform "
                f"produced:\n    {case!r}: [{shown}\n    ],\n"
                "Add it to `expected` (or to `unsupported` if the dialect cannot express it)."
            )
        assert statements == list(self.expected[case])
        self.run_golden(DDL_CASES[case], list(self.expected[case]))

    def test_no_stale_expectations(self) -> None:
        stale = (set(self.expected) | set(self.unsupported)) - set(DDL_CASES)
        assert not stale, f"expectations for unknown DDL cases: {sorted(stale)}"

    def test_expected_and_unsupported_are_disjoint(self) -> None:
        both = set(self.expected) & set(self.unsupported)
        assert not both, f"cases both expected and unsupported: {sorted(both)}"
