"""The logical type system: annotation resolution, markers, registry extension, JSON forms."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
from typing import Annotated, Any, Literal, NewType, Optional

import pytest
from pydantic import AwareDatetime, BaseModel, Field

from clickorm import types
from clickorm.errors import SchemaError
from clickorm.types import jsonform
from clickorm.types.registry import TypeRegistry, default_registry


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Point(BaseModel):
    x: float
    y: float


class Item(BaseModel):
    sku: str
    qty: Annotated[int, types.UInt16]


UserId = NewType("UserId", int)


@pytest.fixture()
def registry() -> TypeRegistry:
    return TypeRegistry()


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, types.Int64),
        (bool, types.Boolean()),
        (float, types.Float64),
        (decimal.Decimal, types.Decimal(38, 10)),
        (str, types.String()),
        (bytes, types.Bytes()),
        (dt.date, types.Date()),
        (dt.datetime, types.DateTime()),
        (AwareDatetime, types.DateTime("UTC")),
        (uuid.UUID, types.UUID()),
        (ipaddress.IPv4Address, types.IPv4()),
        (ipaddress.IPv6Address, types.IPv6()),
        (Color, types.Enum(Color)),
        (Level, types.Enum(Level)),  # an IntEnum is an enum first, not an int
        (list[int], types.Array(types.Int64)),
        (tuple[str, ...], types.Array(types.String(), container=tuple)),
        (set[str], types.Array(types.String(), container=set)),
        (dict[str, int], types.Map(types.String(), types.Int64)),
        (dict[str, Any], types.JSON()),
        (dict, types.JSON()),
        (tuple[int, str], types.Tuple((types.Int64, types.String()))),
        (Optional[int], types.Nullable(types.Int64)),  # noqa: UP045 - the spelling under test
        (int | None, types.Nullable(types.Int64)),
        (list[int | None], types.Array(types.Nullable(types.Int64))),
        (Point, types.JSON(model=Point)),
        (Literal["a", "b"], types.String()),
        (Literal[1, 2], types.Int64),
        (UserId, types.Int64),
    ],
)
def test_python_annotations(registry: TypeRegistry, annotation: Any, expected: Any) -> None:
    assert registry.resolve(annotation) == expected


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (Annotated[int, types.UInt32], types.UInt32),
        (Annotated[int, types.Int8], types.Integer(8)),
        (Annotated[float, types.Float32], types.Float(32)),
        (Annotated[str, types.FixedString(16)], types.FixedString(16)),
        (Annotated[dt.datetime, types.DateTime64(3, "UTC")], types.DateTime64(3, "UTC")),
        (Annotated[dt.datetime, types.DateTime64], types.DateTime64(3)),
        (Annotated[dt.date, types.Date32], types.Date32()),
        (Annotated[str, types.LowCardinality], types.LowCardinality(types.String())),
        (Annotated[str, types.LowCardinality()], types.LowCardinality(types.String())),
        (Annotated[Color, types.Enum8], types.Enum(Color, bits=8)),
        (Annotated[Color, types.Enum16], types.Enum(Color, bits=16)),
        (Annotated[dict[str, Any], types.JSON], types.JSON()),
        (Annotated[int, types.Nullable], types.Nullable(types.Int64)),
        (list[Annotated[int, types.UInt8]], types.Array(types.UInt8)),
        (
            Annotated[Point, types.Tuple],
            types.Tuple((types.Float64, types.Float64), names=("x", "y"), model=Point),
        ),
        (
            Annotated[list[Item], types.Nested],
            types.Nested((("sku", types.String()), ("qty", types.UInt16)), model=Item),
        ),
        # ClickHouse's order: LowCardinality(Nullable(T)), however it is spelled
        (
            Optional[Annotated[str, types.LowCardinality]],  # noqa: UP045
            types.LowCardinality(types.Nullable(types.String())),
        ),
        (
            Annotated[str | None, types.LowCardinality],
            types.LowCardinality(types.Nullable(types.String())),
        ),
        (Annotated[int | None, types.UInt32], types.Nullable(types.UInt32)),
        # a complete type marker wins over the annotation
        (Annotated[str, types.UUID], types.UUID()),
    ],
)
def test_markers(registry: TypeRegistry, annotation: Any, expected: Any) -> None:
    assert registry.resolve(annotation) == expected


def test_pydantic_decimal_constraints_size_the_column(registry: TypeRegistry) -> None:
    class M(BaseModel):
        price: decimal.Decimal = Field(max_digits=10, decimal_places=2)

    field = M.model_fields["price"]
    assert registry.resolve(field.annotation, metadata=field.metadata) == types.Decimal(10, 2)


def test_marker_metadata_from_pydantic_fields(registry: TypeRegistry) -> None:
    class M(BaseModel):
        n: Annotated[int, types.UInt8]

    field = M.model_fields["n"]  # pydantic moves Annotated markers into metadata
    assert field.annotation is int
    assert registry.resolve(field.annotation, metadata=field.metadata) == types.UInt8


@pytest.mark.parametrize(
    ("annotation", "detail"),
    [
        (Any, "no mapping for Any"),
        (object, "no mapping for object"),
        (list, "list needs an item type"),
        (int | str, "union of several types"),
        (list[object], "no mapping for object"),
        (dt.timedelta, "no mapping for timedelta"),
        (Annotated[str, types.Enum8], "marks an enum.Enum subclass"),
        (Annotated[str, types.Array], "types.Array needs arguments"),
    ],
)
def test_unmappable_annotation_names_model_field_and_annotation(
    registry: TypeRegistry, annotation: Any, detail: str
) -> None:
    with pytest.raises(SchemaError) as info:
        registry.resolve(annotation, model="User", field="payload")
    message = str(info.value)
    assert "field 'payload' of model 'User'" in message
    assert detail in message
    assert "Column(type=...)" in message  # says what to do


def test_nested_model_field_errors_name_the_path(registry: TypeRegistry) -> None:
    class Bad(BaseModel):
        when: dt.timedelta

    with pytest.raises(SchemaError, match=r"field 'spans\.when' of model 'Trip'"):
        registry.resolve(Annotated[Bad, types.Tuple], model="Trip", field="spans")


def test_logical_types_are_frozen_hashable_values() -> None:
    assert types.UInt32 == types.Integer(32, signed=False)
    assert hash(types.Array(types.String())) == hash(types.Array(types.String()))
    with pytest.raises(AttributeError):
        types.UInt32.bits = 8  # type: ignore[misc]
    assert repr(types.Array(types.Nullable(types.UInt8))) == "Array(Nullable(UInt8))"
    assert repr(types.DateTime64(6, "UTC")) == "DateTime64(6, 'UTC')"
    assert repr(types.Map(types.String(), types.Decimal(9, 2))) == "Map(String, Decimal(9, 2))"


@pytest.mark.parametrize(
    "make",
    [
        lambda: types.Integer(12),
        lambda: types.Float(16),
        lambda: types.Decimal(80, 2),
        lambda: types.Decimal(5, 6),
        lambda: types.FixedString(0),
        lambda: types.DateTime64(10),
        lambda: types.Enum(Color, bits=32),
        lambda: types.Tuple(()),
        lambda: types.Tuple((types.String(),), names=("a", "b")),
    ],
)
def test_invalid_parameters_are_refused(make: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        make()


def test_registry_extension_points() -> None:
    class Money:
        pass

    registry = TypeRegistry()
    registry.register(Money, types.Decimal(18, 4))
    assert registry.resolve(Money) == types.Decimal(18, 4)

    class Sub(Money):
        pass

    assert registry.resolve(Sub) == types.Decimal(18, 4)  # subclasses follow the MRO

    def timedelta_as_seconds(annotation: Any, ctx: Any) -> Any:
        return types.Int64 if annotation is dt.timedelta else None

    registry.register_resolver(timedelta_as_seconds)
    assert registry.resolve(list[dt.timedelta]) == types.Array(types.Int64)

    registry.register_type_sql("sqlite", types.UUID, "UUID_TEXT")
    registry.register_codec("sqlite", types.UUID, encoder=lambda v: v.hex, decoder=uuid.UUID)
    assert registry.type_sql_override("sqlite", types.UUID()) is not None
    assert registry.codec_override("sqlite", types.UUID()) is not None
    assert registry.codec_override("clickhouse", types.UUID()) is None

    clone = registry.copy()
    assert clone.resolve(Money) == types.Decimal(18, 4)
    assert TypeRegistry().lookup_class(Money) is None  # registries do not share state


def test_default_registry_runs_the_plugin_hook() -> None:
    from clickorm.plugins.hookspecs import hookimpl
    from clickorm.plugins.manager import PluginManager, reset_plugin_manager

    class Span:
        pass

    class SpanPlugin:
        @hookimpl
        def clickorm_register_types(self, registry: TypeRegistry) -> None:
            registry.register(Span, types.Int64)

    manager = PluginManager(load_entrypoints=False)
    manager.register(SpanPlugin(), "span")
    reset_plugin_manager(manager)
    try:
        assert default_registry().resolve(Span) == types.Int64
    finally:
        reset_plugin_manager()
    assert default_registry().lookup_class(Span) is None


def test_json_forms_round_trip() -> None:
    cases: list[tuple[Any, Any]] = [
        (types.Array(types.Date()), [dt.date(2024, 1, 2), dt.date(1999, 12, 31)]),
        (types.Array(types.String(), container=tuple), ("a", "b")),
        (types.Map(types.String(), types.Decimal(9, 2)), {"a": decimal.Decimal("1.25")}),
        (types.Map(types.Int64, types.UUID()), {7: uuid.UUID(int=7)}),
        (types.Tuple((types.Int64, types.DateTime())), (1, dt.datetime(2024, 5, 6, 7, 8, 9))),
        (
            types.Tuple((types.Float64, types.Float64), names=("x", "y"), model=Point),
            Point(x=1.5, y=-2.0),
        ),
        (
            types.Nested((("sku", types.String()), ("qty", types.UInt16)), model=Item),
            [Item(sku="a", qty=1), Item(sku="b", qty=2)],
        ),
        (types.JSON(model=Point), Point(x=0.0, y=1.0)),
        (types.JSON(), {"a": [1, 2, {"b": None}]}),
        (types.Array(types.Nullable(types.Enum(Color))), [Color.RED, None]),
        (types.Array(types.Bytes()), [b"\x00\xff"]),
        (types.Array(types.IPv6()), [ipaddress.IPv6Address("::1")]),
    ]
    for logical, value in cases:
        to_json, from_json = jsonform.to_json(logical), jsonform.from_json(logical)
        text = jsonform.dumps(to_json(value) if to_json else value)
        back = jsonform.loads(text)
        assert (from_json(back) if from_json else back) == value, logical
