"""The behaviour suite a dialect runs first: models on a real connection, no goldens.

Subclass :class:`DialectSuite` in a test module and give it one fixture,
``dialect_connection``: an open connection of the dialect on an empty database::

    from clickorm.dialects import open_connection
    from clickorm.testing.dialect_suite import DialectSuite

    class TestMyDialect(DialectSuite):
        @pytest.fixture()
        def dialect_connection(self, tmp_path):
            conn = open_connection(f"mydb:///{tmp_path}/t.db")
            yield conn
            conn.close()

Every table is built by the dialect's own platform from models (``Model.create_table``),
and every test goes through models: create with a generated key, save, update, delete,
refresh, a round trip of each logical type, filters on encoded columns, a 10,000-row
bulk insert, streaming with another query in between, a connection shared across
threads, transactions, nested transactions, pagination, and each query construct the
dialect declares (``cte``, ``union``, ``right_join``, ``full_join``) run on the engine
with its rows checked, so a declared construct the engine lacks or answers differently
fails. A test whose requirement the dialect does not declare is
skipped with the reason (``skipped: toydb does not declare 'nested_transactions': ...``),
never passed silently; so is a type the platform cannot express (a SchemaError when the
table is compiled) or a value the dialect refuses to store (a ValidationError before
anything is written, which is the correct refusal, not a pass).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import threading
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

import pytest

from clickorm import Column, Model, QueryBuilder, Session, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import SchemaError, ValidationError

__all__ = ["TYPE_SAMPLES", "DialectSuite", "SuiteColor", "SuitePerson", "SuitePet"]


class SuiteColor(enum.Enum):
    RED = "red"
    GREEN = "green"


class SuitePerson(Model):
    """The suite's main table: a generated key and columns whose values need encoding."""

    id: int = Column(primary_key=True)
    name: str
    age: int | None = None
    score: float = 0.0
    joined: dt.date = dt.date(2020, 1, 1)
    active: bool = True

    class Meta:
        table_name = "suite_people"


class SuitePet(Model):
    """The other side of the join tests: a pet and its owner's ``id`` (maybe nobody)."""

    id: int = Column(primary_key=True)
    owner_id: int
    name: str

    class Meta:
        table_name = "suite_pets"


#: (case, annotation, a value): one model per case, with ``id`` and ``item`` columns
TYPE_SAMPLES: dict[str, tuple[Any, Any]] = {
    "int8": (Annotated[int, types.Int8], -128),
    "int16": (Annotated[int, types.Int16], 32767),
    "int32": (Annotated[int, types.Int32], -(2**31)),
    "int64": (int, 2**63 - 1),
    "uint8": (Annotated[int, types.UInt8], 255),
    "uint32": (Annotated[int, types.UInt32], 2**32 - 1),
    "uint64": (Annotated[int, types.UInt64], 2**64 - 1),
    "float32": (Annotated[float, types.Float32], 1.5),
    "float64": (float, 0.1),
    "decimal": (Annotated[decimal.Decimal, types.Decimal(10, 2)], decimal.Decimal("12345678.91")),
    "string": (str, "Zoë 'quoted' \\ \"x\"; --"),
    "bytes": (bytes, b"\x00\xffbinary"),
    "boolean": (bool, True),
    "date": (dt.date, dt.date(2024, 2, 29)),
    "datetime": (dt.datetime, dt.datetime(2024, 2, 29, 13, 45, 7)),
    "datetime64": (Annotated[dt.datetime, types.DateTime64(6)],
                   dt.datetime(2024, 2, 29, 13, 45, 7, 123456)),
    "uuid": (uuid.UUID, uuid.UUID("12345678-1234-5678-1234-567812345678")),
    "ipv4": (ipaddress.IPv4Address, ipaddress.IPv4Address("10.0.0.1")),
    "ipv6": (ipaddress.IPv6Address, ipaddress.IPv6Address("2001:db8::1")),
    "enum": (SuiteColor, SuiteColor.GREEN),
    "array": (list[int], [1, 2, 3]),
    "map": (dict[str, int], {"a": 1, "b": 2}),
    "nullable_string": (str | None, None),
}

_TYPE_MODELS: dict[str, type[Model]] = {}


def type_model(case: str) -> type[Model]:
    """The model of one TYPE_SAMPLES case (made once per process)."""
    model = _TYPE_MODELS.get(case)
    if model is None:
        annotation, _ = TYPE_SAMPLES[case]
        meta = type("Meta", (), {"table_name": f"suite_type_{case}"})
        namespace = {
            "__module__": __name__,
            "__annotations__": {"id": int, "item": annotation},
            "id": Column(primary_key=True),
            "Meta": meta,
        }
        model = type(f"SuiteType_{case}", (Model,), namespace)
        _TYPE_MODELS[case] = model
    return model


class Boom(Exception):
    """Raised inside transactions to roll them back."""


class DialectSuite:
    """Behaviour of a dialect through models; the subclass provides ``dialect_connection``."""

    #: rows of the bulk insert test
    bulk_rows: ClassVar[int] = 10_000

    # -- helpers ---------------------------------------------------------------------
    @pytest.fixture()
    def conn(self, dialect_connection: BaseConnection) -> BaseConnection:
        return dialect_connection

    @staticmethod
    def require(conn: BaseConnection, capability: str, why: str) -> None:
        """Skip, saying why, unless the connection declares ``capability``."""
        if not conn.capabilities.supports(capability):
            pytest.skip(f"{conn.dialect.name} does not declare {capability!r}: {why}")

    @staticmethod
    def fresh_table(conn: BaseConnection, model: type[Model]) -> None:
        """(Re)create ``model``'s table with the dialect's platform."""
        model.drop_table(if_exists=True, connection=conn)
        model.create_table(connection=conn)

    @pytest.fixture()
    def people(self, conn: BaseConnection) -> Iterator[type[SuitePerson]]:
        self.fresh_table(conn, SuitePerson)
        yield SuitePerson
        SuitePerson.drop_table(if_exists=True, connection=conn)

    @staticmethod
    def person(id: int, name: str = "p", **more: Any) -> SuitePerson:
        return SuitePerson(id=id, name=name, **more)

    # -- tables and keys -------------------------------------------------------------
    def test_platform_creates_the_model_table(self, conn: BaseConnection,
                                               people: type[SuitePerson]) -> None:
        with Session(conn):
            assert people.count() == 0
            assert people.create_table(connection=conn) is not None  # IF NOT EXISTS: no-op

    def test_create_reads_back_the_generated_key(self, conn: BaseConnection,
                                                 people: type[SuitePerson]) -> None:
        if conn.dialect.key_generation == "none":
            pytest.skip(f"{conn.dialect.name} declares key_generation='none': keys are given")
        with Session(conn):
            first = people.create(name="Ann", age=31)
            second = people.create(name="Bob")
            assert isinstance(first.id, int) and isinstance(second.id, int)
            assert first.id != second.id
            found = people.find(first.id)
            assert found is not None and found.name == "Ann" and found.age == 31

    def test_unset_key_is_refused_without_key_generation(self, conn: BaseConnection,
                                                         people: type[SuitePerson]) -> None:
        if conn.dialect.key_generation != "none":
            pytest.skip(f"{conn.dialect.name} generates keys ({conn.dialect.key_generation})")
        with Session(conn), pytest.raises(Exception, match="key"):
            people.create(name="Ann")

    # -- writes ----------------------------------------------------------------------
    def test_save_update_refresh_delete(self, conn: BaseConnection,
                                        people: type[SuitePerson]) -> None:
        with Session(conn):
            ann = self.person(1, "Ann", age=30)
            ann.save()
            assert ann.is_persisted and not ann.is_dirty()
            ann.age = 31
            ann.save()
            stored = people.find_or_fail(1)
            assert stored.age == 31
            people.where("id", 1).update({"name": "Anna"})
            assert ann.refresh().name == "Anna"
            ann.delete()
            assert people.find(1) is None and people.count() == 0

    def test_affected_rows_are_exact_or_none(self, conn: BaseConnection,
                                             people: type[SuitePerson]) -> None:
        with Session(conn):
            people.insert_many([self.person(i, age=i) for i in range(1, 6)])
            changed = people.where("age", ">", 2).update({"score": 1.0})
            assert changed == (3 if conn.reports_affected_rows else None)
            removed = people.where("age", "<=", 2).delete()
            assert removed == (2 if conn.reports_affected_rows else None)
            assert people.count() == 3

    @pytest.mark.parametrize("case", sorted(TYPE_SAMPLES))
    def test_type_round_trip(self, conn: BaseConnection, case: str) -> None:
        """A value of every logical type comes back equal, and a filter on it finds it."""
        model = type_model(case)
        _, value = TYPE_SAMPLES[case]
        try:
            model.create_table(dry=True, connection=conn)
        except SchemaError as exc:
            pytest.skip(f"the {conn.dialect.name} platform cannot express {case}: {exc}")
        self.fresh_table(conn, model)
        try:
            with Session(conn):
                try:
                    model(id=1, item=value).save()
                except ValidationError as exc:
                    pytest.skip(f"{conn.dialect.name} refuses to store {value!r} ({case}) "
                                f"before writing: {exc}")
                found = model.find_or_fail(1)
                got = found.item
                assert got == value and type(got) is type(value)
                col = model.col("item")
                if value is None:
                    assert model.where_null("item").count() == 1
                elif not isinstance(value, list | dict | float):
                    assert model.filter(col == value).count() == 1
        finally:
            model.drop_table(if_exists=True, connection=conn)

    def test_filters_on_encoded_columns(self, conn: BaseConnection,
                                        people: type[SuitePerson]) -> None:
        with Session(conn):
            people.insert_many([
                self.person(1, joined=dt.date(2023, 12, 31), active=True),
                self.person(2, joined=dt.date(2024, 1, 1), active=False),
                self.person(3, joined=dt.date(2024, 2, 29), active=True),
            ])
            joined, active = people.col("joined"), people.col("active")
            assert sorted(people.filter(joined >= dt.date(2024, 1, 1)).pluck("id")) == [2, 3]
            assert sorted(people.filter(active == True).pluck("id")) == [1, 3]  # noqa: E712
            assert people.where("joined", dt.date(2024, 2, 29)).first_or_fail().id == 3
            between = people.where_between("joined", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
            assert between.pluck("id") == [2]

    def test_bulk_insert(self, conn: BaseConnection, people: type[SuitePerson]) -> None:
        n = self.bulk_rows
        with Session(conn):
            written = people.insert_many(
                [self.person(i, f"n{i}", age=i % 90, score=i / 4) for i in range(1, n + 1)])
            assert written == n
            assert people.count() == n
            assert people.sum("id") == n * (n + 1) // 2
            last = people.find_or_fail(n)
            assert (last.name, last.age, last.score) == (f"n{n}", n % 90, n / 4)

    def test_streaming_with_another_query_in_between(self, conn: BaseConnection,
                                                     people: type[SuitePerson]) -> None:
        with Session(conn):
            people.insert_many([self.person(i) for i in range(1, 1001)])
            seen = []
            for person in people.order_by("id").iter(batch_size=100):
                seen.append(person.id)
                if person.id in (1, 500):
                    assert people.where("id", "<=", 10).count() == 10
            assert seen == list(range(1, 1001))

    def test_pagination(self, conn: BaseConnection, people: type[SuitePerson]) -> None:
        with Session(conn):
            people.insert_many([self.person(i) for i in range(1, 8)])
            page = people.order_by("id").paginate(3, 2)
            assert (page.total, page.last_page, page.current_page) == (7, 3, 2)
            assert [p.id for p in page.items] == [4, 5, 6]
            assert [p.id for p in people.order_by("id").paginate(3, 3).items] == [7]
            chunks = [[p.id for p in c] for c in people.order_by("id").chunk(3)]
            assert chunks == [[1, 2, 3], [4, 5, 6], [7]]

    def test_a_shared_connection_serves_other_threads(self, conn: BaseConnection,
                                                      people: type[SuitePerson]) -> None:
        if not conn.shared_across_threads:
            pytest.skip(f"{conn.dialect.name} opens one connection per thread here "
                        "(shared_across_threads is False)")
        with Session(conn):
            people.insert_many([self.person(i) for i in range(1, 4)])
        counts: list[int] = []
        errors: list[BaseException] = []

        def count() -> None:
            try:
                for _ in range(20):
                    counts.append(QueryBuilder("suite_people", connection=conn).count())
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=count) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors and counts == [3] * 80

    # -- transactions ----------------------------------------------------------------
    def test_transaction_rolls_back(self, conn: BaseConnection,
                                    people: type[SuitePerson]) -> None:
        self.require(conn, "transactions", "a failed session rolls back its writes")
        with pytest.raises(Boom), Session(conn):
            self.person(1).save()
            raise Boom
        with Session(conn):
            assert people.count() == 0

    def test_without_transactions_each_write_stands(self, conn: BaseConnection,
                                                    people: type[SuitePerson]) -> None:
        if conn.capabilities.supports("transactions"):
            pytest.skip(f"{conn.dialect.name} has transactions (test_transaction_rolls_back)")
        with pytest.raises(Boom), Session(conn):
            self.person(1).save()
            raise Boom
        with Session(conn):
            assert people.count() == 1

    def test_nested_transaction_rolls_back_alone(self, conn: BaseConnection,
                                                 people: type[SuitePerson]) -> None:
        self.require(conn, "nested_transactions",
                     "a failed inner transaction undoes only its own writes")
        with Session(conn):
            self.person(1).save()
            with pytest.raises(Boom), conn.transaction():
                self.person(2).save()
                raise Boom
            with conn.transaction():
                self.person(3).save()
        with Session(conn):
            assert sorted(people.pluck("id")) == [1, 3]

    # -- declared query constructs, run on the engine ---------------------------------
    @pytest.fixture()
    def owners_and_pets(self, conn: BaseConnection,
                        people: type[SuitePerson]) -> Iterator[QueryBuilder[Any]]:
        """Ann (1, age 31) owns Rex, Bob (2, age 12) owns nothing, Tom's owner (9) is
        nobody; yields the people table's builder."""
        self.fresh_table(conn, SuitePet)
        with Session(conn):
            people.insert_many([self.person(1, "Ann", age=31), self.person(2, "Bob", age=12)])
            SuitePet.insert_many([SuitePet(id=1, owner_id=1, name="Rex"),
                                  SuitePet(id=2, owner_id=9, name="Tom")])
        yield QueryBuilder("suite_people", connection=conn)
        SuitePet.drop_table(if_exists=True, connection=conn)

    def test_union(self, conn: BaseConnection, owners_and_pets: QueryBuilder[Any]) -> None:
        self.require(conn, "union", "UNION of two SELECTs")
        q = owners_and_pets.select("id").where("id", 1)
        ids = sorted(r["id"] for r in q.union_all(owners_and_pets.select("id").where("id", 2)))
        assert ids == [1, 2], f"UNION ALL returned ids {ids}"

    def test_cte(self, conn: BaseConnection, owners_and_pets: QueryBuilder[Any]) -> None:
        self.require(conn, "cte", "WITH name AS (subquery)")
        q = QueryBuilder("adults", connection=conn).with_cte(
            "adults", owners_and_pets.where("age", ">=", 18)).select("name")
        names = [r["name"] for r in q.get()]
        assert names == ["Ann"], f"the CTE returned {names}"

    @staticmethod
    def joined(q: QueryBuilder[Any], kind: str) -> set[tuple[Any, Any]]:
        join = q.right_join if kind == "right" else q.full_join
        rows = join("suite_pets", "suite_people.id", "=", "suite_pets.owner_id").select(
            "suite_people.name as owner", "suite_pets.name as pet").get()
        return {(r["owner"], r["pet"]) for r in rows}

    def test_right_join(self, conn: BaseConnection, owners_and_pets: QueryBuilder[Any]) -> None:
        self.require(conn, "right_join", "RIGHT JOIN keeps the unmatched right rows")
        got = self.joined(owners_and_pets, "right")
        assert got == {("Ann", "Rex"), (None, "Tom")}, f"RIGHT JOIN returned {got}"

    def test_full_join(self, conn: BaseConnection, owners_and_pets: QueryBuilder[Any]) -> None:
        self.require(conn, "full_join", "FULL JOIN keeps the unmatched rows of both sides")
        got = self.joined(owners_and_pets, "full")
        assert got == {("Ann", "Rex"), ("Bob", None), (None, "Tom")}, f"FULL JOIN returned {got}"
