"""Hydration: trusted rows -> models (decoders, extras, partial selects, validate=True)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from pydantic import ConfigDict, PrivateAttr

from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError, ValidationError
from clickorm.model import Collection, Column, Model
from clickorm.model.hydration import hydrate
from clickorm.model.state import PERSISTED, state_of


class Reading(Model):
    id: int = Column(primary_key=True)
    sensor: str
    level: float
    taken_at: datetime
    labels: list[str] = []
    ref: uuid.UUID = Column(default=uuid.uuid4)
    ok: bool = True


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Reading.create_table()
    yield conn
    reset_managers()


def _seed(n: int = 3) -> list[Reading]:
    rows = [Reading(id=i + 1, sensor=f"s{i}", level=i / 2, taken_at=datetime(2024, 1, i + 1),
                    labels=[f"l{i}", "x"], ok=i % 2 == 0) for i in range(n)]
    Reading.insert_many(rows)
    return rows


def test_rows_come_back_as_equal_typed_models(db: BaseConnection) -> None:
    written = _seed()
    # stored as text by SQLite...
    assert isinstance(db.execute('SELECT "taken_at", "labels" FROM "readings"').rows[0][0], str)
    read = Reading.order_by("id").get()
    assert isinstance(read, Collection)
    assert read == written  # ...and decoded per column back to the declared types
    first = read[0]
    assert type(first.taken_at) is datetime and first.labels == ["l0", "x"]
    assert isinstance(first.ref, uuid.UUID) and first.ok is True and read[1].ok is False
    assert first.is_persisted and not first.is_dirty()


def test_hydrated_rows_share_state_until_one_changes(db: BaseConnection) -> None:
    _seed()
    a, b, c = Reading.order_by("id").get()
    assert state_of(a) is PERSISTED and state_of(b) is PERSISTED
    a.sensor = "changed"
    assert state_of(a) is not PERSISTED and state_of(b) is PERSISTED
    assert a.get_dirty() == {"sensor": "changed"} and not b.is_dirty()
    assert a.get_original("sensor") == "s0"
    assert b.model_fields_set == set(Reading.model_fields)
    # each row's fields-set is its own, so changing one never leaks into another
    assert a.__pydantic_fields_set__ is not b.__pydantic_fields_set__
    b.__pydantic_fields_set__.discard("ok")
    assert "ok" in c.model_fields_set


def test_hydrated_rows_behave_like_validated_models_in_pydantic(db: BaseConnection) -> None:
    """Hydration leaves Pydantic's fields-set/extra slots for Model.__getattr__ to fill;
    every Pydantic surface that reads them must see what model_validate would give."""
    import copy
    import pickle

    written = _seed(2)
    loaded = Reading.order_by("id").get()[0]
    partial = Reading.select("id", "sensor").first()
    expected = written[0]
    assert loaded.model_dump() == expected.model_dump()
    # every column a row was read with counts as set (defaults included)
    assert loaded.model_dump(exclude_unset=True) == expected.model_dump()
    assert partial.model_dump(exclude_unset=True) == {"id": 1, "sensor": "s0"}
    assert partial.model_fields_set == {"id", "sensor"}
    assert loaded.model_dump_json() == expected.model_dump_json()
    assert loaded.model_extra is None and loaded.__pydantic_extra__ is None
    assert loaded == expected and repr(loaded) == repr(expected)
    for clone in (copy.copy(loaded), copy.deepcopy(loaded), pickle.loads(pickle.dumps(loaded)),
                  loaded.model_copy(update={"sensor": "z"})):
        assert clone.id == 1 and clone.model_fields_set >= {"id", "sensor"}
    assert loaded.model_copy(update={"sensor": "z"}).sensor == "z"
    assert Reading.model_validate(loaded.model_dump()) == loaded


def test_the_fields_set_of_a_loaded_row_holds_only_fields(db: BaseConnection) -> None:
    """Filled on first use, it must not pick up other things kept in __dict__ by then."""
    import functools

    class Cached(Model):
        id: int = Column(primary_key=True)
        name: str

        @functools.cached_property
        def shout(self) -> str:
            return self.name.upper()

        class Meta:
            table_name = "cached_rows"

    Cached.create_table()
    Cached.insert_many([Cached(id=1, name="a")])
    row = Cached.query.first()
    assert row.shout == "A"  # stored in __dict__ before the fields-set is first read
    assert row.model_fields_set == {"id", "name"}
    assert row.model_dump() == {"id": 1, "name": "a"}


def test_a_loaded_row_of_an_extra_allow_model_takes_new_extras(db: BaseConnection) -> None:
    class Open(Model):
        model_config = ConfigDict(extra="allow")
        id: int = Column(primary_key=True)

        class Meta:
            table_name = "open_rows"

    Open.create_table()
    Open.insert_many([Open(id=1)])
    row = Open.query.first()
    assert row.model_extra == {}  # as model_validate gives, not None
    row.note = "kept"
    assert row.model_extra == {"note": "kept"} and row.model_dump() == {"id": 1, "note": "kept"}


def test_partial_select_leaves_other_fields_unloaded(db: BaseConnection) -> None:
    _seed(1)
    partial = Reading.select("id", "sensor").first()
    assert partial.model_dump() == {"id": 1, "sensor": "s0"}
    with pytest.raises(AttributeError, match="Reading.level was not loaded.*'level'"):
        partial.level  # noqa: B018


def test_a_partially_loaded_row_cannot_be_bulk_inserted(db: BaseConnection) -> None:
    _seed(1)
    partial = Reading.select("id", "sensor").first()
    assert Reading.insert_many([partial]) == 0  # a row read from the table is skipped
    unsaved = Reading.model_construct(**partial.__dict__)  # new, still without 'level'
    with pytest.raises(QueryError, match="Reading row has no value for 'level'; a partially"):
        Reading.insert_many([unsaved])
    assert Reading.count() == 1  # nothing was written


def test_columns_that_are_not_fields_become_extras(db: BaseConnection) -> None:
    _seed(2)
    row = Reading.select("id", "sensor", (Reading.level * 2).label("doubled")).order_by(
        "id").last()
    assert row.extras == {"doubled": 1.0}
    assert row.doubled == 1.0
    assert row.model_dump()["doubled"] == 1.0  # a computed column is never dumped away
    with pytest.raises(AttributeError):
        row.tripled  # noqa: B018


def test_extra_allow_models_keep_extras_in_pydantic(db: BaseConnection) -> None:
    class Loose(Model):
        model_config = ConfigDict(extra="allow")
        id: int = Column(primary_key=True)

        class Meta:
            table_name = "readings"

    _seed(1)
    row = Loose.select("id", "sensor").first()
    assert row.model_extra == {"sensor": "s0"}
    assert row.model_dump() == {"id": 1, "sensor": "s0"}


def test_validate_true_revalidates_and_names_the_row(db: BaseConnection) -> None:
    _seed(2)
    rows = Reading.order_by("id").get(validate=True)
    assert rows == Reading.order_by("id").get()
    db.execute('UPDATE "readings" SET "level" = \'not a number\' WHERE "id" = 2')
    assert Reading.find(2).level == "not a number"  # trusted path: no validation
    with pytest.raises(ValidationError) as info:
        Reading.order_by("id").get(validate=True)
    assert "Reading" in str(info.value) and "row 1" in str(info.value)
    assert "level" in str(info.value)


def test_post_init_and_private_attributes_are_honoured(db: BaseConnection) -> None:
    class Tracked(Model):
        id: int = Column(primary_key=True)
        sensor: str
        _seen: int = PrivateAttr(default=0)

        class Meta:
            table_name = "readings"

        def model_post_init(self, context: object) -> None:
            self._seen += 1

    _seed(2)
    rows = Tracked.select("id", "sensor").get()
    assert [r._seen for r in rows] == [1, 1]


def test_hydrate_without_connection_and_large_batches() -> None:
    cols = ["id", "sensor", "level", "taken_at", "labels", "ref", "ok"]
    when = datetime(2024, 5, 1)
    rows = [(i, "s", 1.5, when, ["a"], uuid.UUID(int=i), True) for i in range(5000)]
    built = hydrate(Reading, cols, rows)
    assert len(built) == 5000 and built[4999].id == 4999 and built[0].taken_at == when
    assert built[10] == Reading(id=10, sensor="s", level=1.5, taken_at=when, labels=["a"],
                                ref=uuid.UUID(int=10), ok=True)
    assert built[10].__pydantic_private__ is None
