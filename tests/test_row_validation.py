"""``insert_many(dicts)`` validates rows to field values without building instances
(clickorm.model.row_validation) only where that is exactly model validation: the same
values of the same types, the same errors (index, fields, Pydantic's reasons, never a
value), the same rows written. Anything that could tell the difference (a model
validator, a custom ``__init__``, ``model_post_init``, private attributes, hooks,
observers) keeps the instance path. The same comparison on chDB and the 18.16 server is
in plugins/clickhouse/tests/test_insert_rows.py."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from clickorm import Column, Model, types
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ValidationError, WriteError
from clickorm.model import bulk_validation
from clickorm.model import model as model_module
from clickorm.model.bulk_validation import validate_many
from clickorm.model.row_validation import rows_validator, validate_rows


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Rich(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    name: str
    label: str = Field(default="", validation_alias="lbl")
    note: str | None = None
    at: Annotated[dt.datetime, types.DateTime("UTC")]
    price: Annotated[decimal.Decimal, types.Decimal(9, 2)] = decimal.Decimal("0")
    color: Color = Color.RED
    tags: list[str] = Field(default_factory=list)
    shout: str = Field(default_factory=lambda data: data["name"].upper())
    level: Annotated[int, types.UInt8] = 0

    @field_validator("name")
    @classmethod
    def _name(cls, value: str, info: ValidationInfo) -> str:
        if value == "bad":
            raise ValueError("names may not be bad")
        return f"{value}#{info.data['id']}"

    class Meta:
        table_name = "rows_rich"


class Strict(Model):
    model_config = ConfigDict(strict=True, str_strip_whitespace=True)
    id: int = Column(primary_key=True)
    name: str

    class Meta:
        table_name = "rows_strict"


class Ignoring(Model):
    model_config = ConfigDict(extra="ignore")
    id: int = Column(primary_key=True)
    name: str = "x"

    class Meta:
        table_name = "rows_ignoring"


class Point(BaseModel):
    x: float
    y: float


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Shape(Model):
    """Its core schema is wrapped in the definitions of Point (used twice) and Node."""
    id: int = Column(primary_key=True)
    a: Point
    b: Point
    tree: Node | None = None

    class Meta:
        table_name = "rows_shapes"


class Aliased(Model):
    model_config = ConfigDict(populate_by_name=True)
    id: int = Column(primary_key=True)
    given: str = Field(validation_alias=AliasChoices("first_name", "forename"))
    city: str = Field(default="", validation_alias=AliasPath("address", "city"))
    code: str = Field(default="", alias="Code")


class Allowing(Model):
    model_config = ConfigDict(extra="allow")
    id: int = Column(primary_key=True)
    label: str = Field(default="", validation_alias="lbl")


class Checked(Model):
    id: int = Column(primary_key=True)
    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> Checked:
        if self.low > self.high:
            raise ValueError("low is above high")
        self.high += 1000  # visible in what is written: the model validator ran
        return self

    class Meta:
        table_name = "rows_checked"


class Before(Model):
    id: int = Column(primary_key=True)

    @model_validator(mode="before")
    @classmethod
    def _pass(cls, data: Any) -> Any:
        return data


class Initialised(Model):
    id: int = Column(primary_key=True)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)


class PostInit(Model):
    id: int = Column(primary_key=True)

    def model_post_init(self, context: Any, /) -> None:
        pass


class Private(Model):
    id: int = Column(primary_key=True)
    _seen: int = PrivateAttr(default=0)


class Hooked(Model):
    id: int = Column(primary_key=True)
    name: str = ""

    def before_create(self) -> None:
        self.name = f"hooked {self.id}"

    class Meta:
        table_name = "rows_hooked"


class Watcher:
    def after_create(self, instance: Any) -> None:
        pass


class Observed(Model):
    id: int = Column(primary_key=True)

    class Meta:
        observers = (Watcher(),)


@pytest.fixture
def db() -> Iterator[None]:
    reset_managers()
    use("sqlite://")
    for model in (Rich, Strict, Ignoring, Shape, Checked, Hooked):
        model.create_table()
    yield
    reset_managers()


def rich_rows() -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": "a", "lbl": "x", "at": "2024-01-01T00:00:00+02:00",
         "price": "1.5", "color": "blue", "level": 3},
        {"id": 2, "name": "b", "at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "note": "n",
         "tags": ["t"]},
        {"id": 3, "name": "c", "at": "2024-03-01T10:00:00Z", "price": decimal.Decimal("2"),
         "color": Color.BLUE, "shout": "given"},
    ]


def test_only_models_whose_validation_needs_no_instance_take_the_row_path() -> None:
    for model in (Rich, Strict, Ignoring, Shape, Aliased):
        assert rows_validator(model) is not None, model.__name__
    for model in (Allowing, Checked, Before, Initialised, PostInit, Private, Hooked,
                  Observed):
        assert rows_validator(model) is None, model.__name__


def fast_and_slow(model: Any, data: list[dict[str, Any]]) -> tuple[Any, Any]:
    """What each path gives for ``data``: the field dicts, or the error's text, its
    Pydantic errors and its fields."""
    validator = rows_validator(model)
    assert validator is not None

    def run(fn: Callable[[], list[dict[str, Any]]]) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            return str(exc), exc.errors, exc.fields  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - what escapes must escape on both paths
            return type(exc), str(exc)

    return (run(lambda: validate_rows(model, validator, data)),
            run(lambda: [dict(m.__dict__) for m in
                         validate_many(model, data, where="insert_many()")]))


def test_valid_rows_give_the_same_values_of_the_same_types() -> None:
    fast, slow = fast_and_slow(Rich, rich_rows())
    assert fast == slow
    for got, want in zip(fast, slow, strict=True):
        assert list(got) == list(want)  # the same fields in the same order
        for name in want:
            assert type(got[name]) is type(want[name]), name
        assert got["at"].utcoffset() == want["at"].utcoffset()
    assert fast[0]["name"] == "a#1" and fast[0]["shout"] == "A#1"  # validator, factory
    assert fast[0]["color"] is Color.BLUE and fast[1]["tags"] == ["t"]
    assert fast[0]["price"] == decimal.Decimal("1.5") and fast[0]["label"] == "x"
    assert fast_and_slow(Strict, [{"id": 1, "name": " a "}, {"id": 2, "name": "b"}]) == (
        [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],) * 2
    assert fast_and_slow(Ignoring, [{"id": 1, "other": 5}, {"id": 2}])[0] in (
        [{"id": 1, "name": "x"}, {"id": 2, "name": "x"}],)


INVALID = [
    {"name": "bad"},                        # a field validator's ValueError
    {"label": "y"},                         # a field name where its alias is expected
    {"lbl": 5},                             # the alias's value invalid
    {"level": 300},                         # out of UInt8's range
    {"price": "1.234"},                     # more digits than Decimal(9, 2) keeps
    {"color": "green"},                     # not an enum member
    {"at": "yesterday"},                    # not a datetime
    {"nope": 1, "tags": "x"},               # unknown key and a wrong type
]


@pytest.mark.parametrize("change", INVALID)
def test_invalid_rows_raise_the_same_error(change: dict[str, Any]) -> None:
    data = rich_rows()
    data[1] = {**data[1], **change}
    fast, slow = fast_and_slow(Rich, data)
    assert isinstance(fast, tuple) and fast == slow
    assert "item 1 of insert_many()" in fast[0]
    for value in ("1.234", "green", "yesterday", "300"):
        if value in str(change.values()):
            assert value not in fast[0]


def test_missing_required_fields_and_strictness_fail_alike() -> None:
    fast, slow = fast_and_slow(Rich, [{"id": 1, "name": "a"}, rich_rows()[1]])
    # the missing field first (Pydantic 2.14 also names the default factory that needed it)
    assert fast == slow and "item 0" in fast[0] and fast[2][0] == "at"
    # a default factory reading a missing field: Pydantic before 2.14 calls it anyway
    # (its KeyError escapes), 2.14 reports it; either way both paths give the same
    fast, slow = fast_and_slow(Rich, [{"id": 1, "at": "2024-01-01T00:00:00Z"}, {"id": 2}])
    assert fast == slow
    assert fast == (KeyError, "'name'") or ("item 0" in fast[0] and fast[2][0] == "name")
    fast, slow = fast_and_slow(Strict, [{"id": 1, "name": "a"}, {"id": "2", "name": "b"}])
    assert fast == slow and "item 1" in fast[0] and fast[2] == ["id"]


def test_the_index_counts_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_validation, "VALIDATION_CHUNK_ROWS", 2)
    data = rich_rows() * 2
    data = [{**row, "id": i} for i, row in enumerate(data)]
    data[4]["level"] = -1
    fast, slow = fast_and_slow(Rich, data)
    assert fast == slow and "in item 4 of insert_many()" in fast[0]


def rows_written(model: Any) -> list[dict[str, Any]]:
    return [m.model_dump() for m in model.query.order_by("id").get()]


def insert_both_ways(model: Any, data: list[dict[str, Any]],
                     monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    """The rows each path writes (the slow path: the row validator turned off)."""
    assert model.insert_many(data) == len(data)
    fast = rows_written(model)
    model.query.delete()
    with monkeypatch.context() as patched:
        patched.setattr(model_module, "rows_validator", lambda _model: None)
        assert model.insert_many(data) == len(data)
    return fast, rows_written(model)


def test_the_row_path_writes_what_the_instance_path_writes(
        db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = insert_both_ways(Rich, rich_rows(), monkeypatch)
    assert fast == slow and [r["name"] for r in fast] == ["a#1", "b#2", "c#3"]
    fast, slow = insert_both_ways(Strict, [{"id": 1, "name": " a "}, {"id": 2, "name": "b"}],
                                  monkeypatch)
    assert fast == slow == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_an_invalid_row_writes_nothing_on_the_row_path(db: None) -> None:
    data = rich_rows()
    data[2]["level"] = 256
    with pytest.raises(ValidationError, match=r"item 2 of insert_many\(\) \(field level\)"):
        Rich.insert_many(data)
    assert Rich.count() == 0


def test_models_with_a_model_validator_or_hooks_keep_the_instance_path(db: None) -> None:
    assert Checked.insert_many([{"id": 1, "low": 1, "high": 2},
                                {"id": 2, "low": 0, "high": 0}]) == 2
    assert Checked.query.order_by("id").pluck("high") == [1002, 1000]
    with pytest.raises(ValidationError, match=r"(?s)item 1 of insert_many\(\).*low is above"):
        Checked.insert_many([{"id": 3, "low": 1, "high": 2}, {"id": 4, "low": 5, "high": 0}])
    assert Checked.count() == 2
    assert Hooked.insert_many([{"id": 1}, {"id": 2}]) == 2
    assert Hooked.query.order_by("id").pluck("name") == ["hooked 1", "hooked 2"]


def test_a_single_row_and_validate_many_still_build_instances(db: None) -> None:
    assert Rich.insert_many(rich_rows()[:1]) == 1
    out = Rich.validate_many(rich_rows())
    assert [type(m) for m in out] == [Rich] * 3 and out[0].name == "a#1"


def test_nested_models_through_the_schema_definitions(
        db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Shape.__pydantic_core_schema__["type"] == "definitions"
    data = [{"id": 1, "a": {"x": 1, "y": 2}, "b": Point(x=3, y=4),
             "tree": {"name": "r", "children": [{"name": "c"}]}},
            {"id": 2, "a": {"x": "1.5", "y": 0}, "b": {"x": 0, "y": 0}}]
    fast, slow = fast_and_slow(Shape, data)
    assert fast == slow and type(fast[0]["tree"].children[0]) is Node
    bad = [data[0], {**data[1], "tree": {"name": "r", "children": [{"nam": "c"}]}}]
    fast, slow = fast_and_slow(Shape, bad)
    assert fast == slow and "tree.children.0.name" in fast[0]
    fast, slow = insert_both_ways(Shape, data, monkeypatch)
    assert fast == slow and fast[0]["tree"]["children"][0]["name"] == "c"


def test_alias_choices_paths_and_population_by_name() -> None:
    data = [{"id": 1, "first_name": "a", "address": {"city": "x"}, "Code": "c"},
            {"id": 2, "forename": "b", "code": "d"}, {"id": 3, "given": "c"}]
    fast, slow = fast_and_slow(Aliased, data)
    assert fast == slow and [r["given"] for r in fast] == ["a", "b", "c"]
    assert fast[0]["city"] == "x" and fast[1]["code"] == "d"
    bad = [{"id": 1, "first_name": 5, "address": {"city": 1}, "Code": "c", "other": 1}]
    fast, slow = fast_and_slow(Aliased, bad)
    assert fast == slow and fast[2] == ["first_name", "address", "other"]


def test_a_write_failing_part_way_is_reported_alike(
        db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated key in the 4th chunk: the database refuses it after 3 chunks landed."""
    data = [{"id": i + 1, "name": "n", "at": "2024-01-01T00:00:00Z"} for i in range(50)]
    data[35]["id"] = 1
    reports = []
    for fast in (True, False):
        Rich.query.delete()
        with monkeypatch.context() as patched:
            if not fast:
                patched.setattr(model_module, "rows_validator", lambda _model: None)
            with pytest.raises(WriteError) as info:
                Rich.insert_many(data, chunk_size=10)
        (report,) = info.value.tables
        reports.append(report)
        assert Rich.count() == 30
    assert reports[0] == reports[1]
    assert (reports[0].landed, reports[0].not_landed, reports[0].in_doubt) == (30, 20, 0)
