"""Writes: create, save (insert/update of dirty fields), delete, refresh, insert_many,
validation, mass assignment, events and the RowWriter hook."""

from __future__ import annotations

import dataclasses
import decimal
import enum
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ModelNotFound, QueryError, ValidationError
from clickorm.model import Column, Model, RowWriter


class Note(Model):
    id: int = Column(primary_key=True)
    title: str
    body: str = ""
    stars: int = 0
    created_at: datetime = Column(default=lambda: datetime(2024, 1, 1))

    class Meta:
        guarded = ("stars",)


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Note.create_table()
    yield conn
    reset_managers()


@pytest.fixture
def statements(db: BaseConnection) -> list[str]:
    seen: list[str] = []
    db.listeners.append(lambda sql, params: seen.append(sql))
    return seen


def _count(db: BaseConnection) -> int:
    return int(db.execute('SELECT count(*) FROM "notes"').scalar())


def test_create_inserts_and_assigns_the_generated_key(db: BaseConnection,
                                                      statements: list[str]) -> None:
    note = Note.create(title="first", body="b")
    assert note.id == 1 and note.is_persisted and not note.is_dirty()
    assert statements == ['INSERT INTO "notes" ("title", "body", "stars", "created_at") '
                          'VALUES (?, ?, ?, ?)']
    assert Note.find(1) == note


def test_save_updates_only_dirty_fields(db: BaseConnection, statements: list[str]) -> None:
    note = Note.create(title="t")
    statements.clear()
    note.save()
    assert statements == []  # nothing changed, nothing written
    note.title = "t2"
    note.body = "new"
    note.body = ""  # back to the original: not dirty any more
    assert note.get_dirty() == {"title": "t2"}
    assert note.get_original("title") == "t"
    note.save()
    assert statements == ['UPDATE "notes" SET "title" = ? WHERE "id" = ?']
    assert not note.is_dirty() and note.get_original("title") == "t2"
    assert Note.find(note.id).title == "t2"


def test_save_dry_returns_sql_and_writes_nothing(db: BaseConnection,
                                                 statements: list[str]) -> None:
    fresh = Note(title="it's")
    assert fresh.save(dry=True) == [
        'INSERT INTO "notes" ("title", "body", "stars", "created_at") '
        "VALUES ('it''s', '', 0, '2024-01-01 00:00:00')"]
    assert statements == [] and not fresh.is_persisted
    note = Note.create(title="x")
    statements.clear()
    note.stars = 5
    assert note.save(dry=True) == [f'UPDATE "notes" SET "stars" = 5 WHERE "id" = {note.id}']
    assert statements == [] and note.is_dirty("stars")


def test_key_change_updates_the_row_found_by_its_original_key(db: BaseConnection) -> None:
    note = Note.create(title="x")
    note.id = 40
    note.save()
    assert Note.find(1) is None and Note.find(40).title == "x"


def test_delete_and_refresh(db: BaseConnection, statements: list[str]) -> None:
    a = Note.create(title="a")
    b = Note.create(title="b")
    assert a.delete(dry=True) == [f'DELETE FROM "notes" WHERE "id" = {a.id}']
    statements.clear()
    a.delete()
    assert statements == ['DELETE FROM "notes" WHERE "id" = ?']
    assert not a.is_persisted and _count(db) == 1
    with pytest.raises(QueryError, match="not in the database"):
        a.delete()
    b.title = "unsaved"
    db.execute('UPDATE "notes" SET "body" = ? WHERE "id" = ?', ("from elsewhere", b.id))
    b.refresh()
    assert (b.title, b.body) == ("b", "from elsewhere") and not b.is_dirty()
    db.execute('DELETE FROM "notes"')
    with pytest.raises(ModelNotFound):
        b.refresh()


def test_insert_many_is_one_bulk_statement(db: BaseConnection, statements: list[str]) -> None:
    written = Note.insert_many([{"title": f"n{i}"} for i in range(250)]
                               + [Note(title="model")])
    assert statements == ["INSERT INTO notes (title, body, stars, created_at) <251 rows>"]
    assert written == 251 and _count(db) == 251
    statements.clear()
    Note.insert_many([{"title": f"m{i}"} for i in range(25)], chunk_size=10)
    assert len(statements) == 3


def test_insert_many_goes_columnar_where_the_dialect_declares_columns(
        db: BaseConnection) -> None:
    calls: list[int] = []
    original = db._insert_columns

    def spy(table: str, columns: Any, data: Any) -> int:
        calls.append(len(data))
        return original(table, columns, data)

    db._insert_columns = spy  # type: ignore[method-assign]
    db.dialect = dataclasses.replace(db.dialect, insert_layout="columns")
    assert Note.insert_many([Note(id=i, title="c") for i in range(1, 4)]) == 3
    assert calls == [5] and _count(db) == 3  # one list per column


def test_invalid_data_raises_validation_error_and_writes_nothing(db: BaseConnection) -> None:
    with pytest.raises(ValidationError) as info:
        Note.create(title=["not", "a", "string"])
    assert info.value.model == "Note" and "title" in str(info.value)
    with pytest.raises(ValidationError) as info:
        Note.insert_many([{"title": "ok"}, {"title": "ok"}, {"title": None}])
    assert "item 2 of insert_many()" in str(info.value) and "Nothing was written" in str(
        info.value)
    assert _count(db) == 0
    note = Note.create(title="kept")
    note.stars = "many"  # type: ignore[assignment]  # assignment is not validated...
    with pytest.raises(ValidationError, match="stars"):
        note.save()  # ...but save() validates before writing
    assert Note.find(note.id).stars == 0


def test_mass_assignment_protection(db: BaseConnection) -> None:
    with pytest.raises(ValidationError, match="'stars'"):
        Note.create(title="x", stars=5)
    note = Note.create(title="x")
    note.fill(title="y", body="z")
    assert note.get_dirty() == {"title": "y", "body": "z"}
    with pytest.raises(ValidationError, match="'stars'"):
        note.update(stars=3)
    note.update(body="saved")
    assert Note.find(note.id).body == "saved"
    note.stars = 4  # direct assignment is allowed
    note.save()
    assert Note.find(note.id).stars == 4


def test_class_level_update_and_delete_are_the_builders(db: BaseConnection) -> None:
    Note.insert_many([{"title": "a"}, {"title": "b"}, {"title": "c"}])
    assert Note.where("title", "!=", "a").update({"body": "bulk"}) == 2
    assert Note.where("body", "bulk").count() == 2
    assert Note.where("title", "a").delete() == 1
    assert _count(db) == 2


events: list[str] = []


class Audit:
    def before_save(self, note: Any) -> None:
        events.append(f"observer before_save {note.title}")


class Logged(Model):
    id: int = Column(primary_key=True)
    title: str

    class Meta:
        observers = (Audit,)

    def before_save(self) -> None:
        events.append("before_save")

    def before_create(self) -> None:
        events.append("before_create")

    def after_create(self) -> None:
        events.append("after_create")

    def after_save(self) -> None:
        events.append("after_save")

    def before_update(self) -> None:
        events.append("before_update")
        if self.title == "forbidden":
            raise RuntimeError("no")

    def after_update(self) -> None:
        events.append("after_update")

    def before_delete(self) -> None:
        events.append("before_delete")

    def after_delete(self) -> None:
        events.append("after_delete")


def test_events_run_in_order_and_a_failing_hook_stops_the_write(db: BaseConnection) -> None:
    Logged.create_table()
    events.clear()
    item = Logged.create(title="a")
    assert events == ["before_save", "observer before_save a", "before_create",
                      "after_create", "after_save"]
    events.clear()
    item.title = "b"
    item.save()
    assert events == ["before_save", "observer before_save b", "before_update",
                      "after_update", "after_save"]
    item.title = "forbidden"
    with pytest.raises(RuntimeError):
        item.save()
    assert Logged.find(item.id).title == "b"
    events.clear()
    item.delete()
    assert events == ["before_delete", "after_delete"]
    events.clear()
    Logged.insert_many([{"title": "x"}, {"title": "y"}])
    assert events.count("before_create") == 2 and events.count("after_save") == 2


def test_models_without_hooks_do_not_pay_for_them() -> None:
    assert Note.__clickorm_hooks__ == frozenset()
    assert "before_update" in Logged.__clickorm_hooks__


class RecordingWriter(RowWriter):
    """A dialect writer that logs and then writes like the default one."""

    log: list[str] = []

    def update(self, instance: Any, changes: Any, *, dry: bool = False) -> list[Any]:
        self.log.append(f"update {sorted(changes)}")
        return super().update(instance, changes, dry=dry)

    def delete(self, instance: Any, *, dry: bool = False) -> list[Any]:
        self.log.append("delete")
        return super().delete(instance, dry=dry)


def test_dialect_writer_class_replaces_the_default(db: BaseConnection) -> None:
    db.dialect = dataclasses.replace(db.dialect, writer=RecordingWriter)
    note = Note.create(title="w")
    note.body = "changed"
    note.save()
    note.delete()
    assert RecordingWriter.log == ["update ['body']", "delete"]
    assert _count(db) == 0


def test_default_writer_refuses_unset_keys_where_none_are_generated(
        db: BaseConnection) -> None:
    db.dialect = dataclasses.replace(db.dialect, key_generation="none")
    with pytest.raises(QueryError, match="does not generate keys"):
        Note(title="no key").save()
    with pytest.raises(QueryError, match="on 1 row"):
        Note.insert_many([Note(id=1, title="a"), Note(title="b")])
    assert _count(db) == 0



class Tone(enum.Enum):
    LOW = "low"


class Rich(Model):
    id: int = Column(primary_key=True)
    tags: list[str]
    attrs: dict[str, int]
    tone: Tone
    price: decimal.Decimal
    at: datetime
    flag: bool


def test_create_with_encoded_types_round_trips(db: BaseConnection) -> None:
    """create() hands the database the row it already validated and encoded (JSON text
    for lists and dicts, the value of an enum, text for a Decimal): nothing validates
    those encoded values a second time as the model's fields."""
    Rich.create_table()
    row = Rich.create(tags=["a"], attrs={"k": 1}, tone=Tone.LOW, price=decimal.Decimal("1.25"),
                      at=datetime(2024, 1, 2, 3, 4, 5), flag=True)
    assert Rich.find(row.id) == row
    assert Rich.query.insert({"tags": ["b"], "attrs": {}, "tone": Tone.LOW,
                              "price": decimal.Decimal("2"), "at": row.at, "flag": False})
    assert [r.tags for r in Rich.query.order_by("id").get()] == [["a"], ["b"]]
