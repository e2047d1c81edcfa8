"""Annotation -> logical type resolution (the algorithm behind ``TypeRegistry.resolve``).

Order: ``Annotated`` metadata is collected; ``Optional[T]``/``T | None`` resolves ``T``
and wraps it in ``Nullable``; a complete type marker in the metadata wins over the
annotation; open markers shape it (``Enum8``, ``JSON``, bare ``Tuple``/``Nested`` for
models) or wrap it (bare ``LowCardinality``/``Nullable``); otherwise plugin resolvers,
generics (list/tuple/dict/Literal) and the class table decide. Anything else fails with
a SchemaError naming the model, the field and the annotation.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import types as pytypes
import typing
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, get_args, get_origin

from pydantic import BaseModel

from clickorm.errors import SchemaError
from clickorm.types.logical import (
    JSON,
    Array,
    Boolean,
    Decimal,
    Integer,
    LogicalType,
    LowCardinality,
    Map,
    Nested,
    Nullable,
    String,
    Tuple,
)
from clickorm.types.logical import Enum as EnumType

if TYPE_CHECKING:
    from clickorm.types.registry import TypeRegistry

__all__ = ["ResolveContext", "resolve_annotation", "make_nullable", "describe_annotation"]

_SEQUENCES: dict[Any, type] = {
    list: list,
    set: set,
    frozenset: frozenset,
    cabc.Sequence: list,
    cabc.MutableSequence: list,
    cabc.Set: frozenset,
    cabc.MutableSet: set,
    cabc.Iterable: list,
    cabc.Collection: list,
}
_MAPPINGS = (dict, cabc.Mapping, cabc.MutableMapping)


class _StructuralMarker:
    """Bare ``types.Tuple`` / ``types.Nested``: build the type from the annotated model."""

    def __init__(self, name: str) -> None:
        self.name = name


_AS_TUPLE = _StructuralMarker("Tuple")
_AS_NESTED = _StructuralMarker("Nested")


@dataclass(frozen=True)
class ResolveContext:
    """Where a resolution happens, so errors can name the model, field and annotation."""

    registry: TypeRegistry
    model: str | None = None
    field: str | None = None
    annotation: Any = None

    def resolve(self, annotation: Any, metadata: tuple[Any, ...] = ()) -> LogicalType:
        """Resolve a nested annotation (item type, map value ...) in this context."""
        return resolve_annotation(self, annotation, metadata)

    def child(self, field: str, annotation: Any) -> ResolveContext:
        path = f"{self.field}.{field}" if self.field else field
        return replace(self, field=path, annotation=annotation)

    def fail(self, detail: str) -> NoReturn:
        where = []
        if self.field:
            where.append(f"field {self.field!r}")
        if self.model:
            where.append(f"of model {self.model!r}")
        subject = " ".join(where) or "annotation"
        raise SchemaError(
            f"Cannot map {subject} to a column type: annotation "
            f"{describe_annotation(self.annotation)}: {detail}. Use a supported annotation, "
            "add a type marker (Annotated[..., types.JSON] / types.String ...) or pass "
            "Column(type=...)."
        )


def describe_annotation(annotation: Any) -> str:
    if isinstance(annotation, type) and get_origin(annotation) is None:
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")


def make_nullable(t: LogicalType) -> LogicalType:
    """Wrap in Nullable, keeping ClickHouse's order LowCardinality(Nullable(T))."""
    if isinstance(t, Nullable):
        return t
    if isinstance(t, LowCardinality) and t.inner is not None:
        return LowCardinality(make_nullable(t.inner))
    return Nullable(t)


def resolve_annotation(
    ctx: ResolveContext, annotation: Any, metadata: tuple[Any, ...] = ()
) -> LogicalType:
    while get_origin(annotation) is Annotated:
        underlying, *extra = get_args(annotation)
        annotation, metadata = underlying, (*extra, *metadata)

    inner, optional = _split_optional(ctx, annotation)
    if optional:
        return make_nullable(resolve_annotation(ctx, inner, metadata))

    markers = [m for m in (_as_marker(ctx, item) for item in metadata) if m is not None]
    wrappers = [m for m in markers if isinstance(m, Nullable | LowCardinality) and m.is_open]
    shapers = [m for m in markers if m not in wrappers]

    base: LogicalType
    if shapers:
        base = _shape(ctx, annotation, shapers[-1])
    else:
        base = _resolve_plain(ctx, annotation)
    base = _apply_hints(base, metadata)
    for wrapper in wrappers:
        base = make_nullable(base) if isinstance(wrapper, Nullable) else LowCardinality(base)
    return base


def _split_optional(ctx: ResolveContext, annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin is typing.Union or origin is pytypes.UnionType:
        args = get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return rest[0], True
        if len(rest) != len(args):
            ctx.fail("a union of several types (besides None) has no single column type")
        ctx.fail("a union of several types has no single column type")
    return annotation, False


def _as_marker(ctx: ResolveContext, item: Any) -> LogicalType | _StructuralMarker | None:
    if isinstance(item, LogicalType):
        return item
    if isinstance(item, type) and issubclass(item, LogicalType):
        if item is Tuple:
            return _AS_TUPLE
        if item is Nested:
            return _AS_NESTED
        try:
            return item()
        except TypeError:
            ctx.fail(f"types.{item.__name__} needs arguments, e.g. types.{item.__name__}(...)")
    return None


def _shape(ctx: ResolveContext, annotation: Any, marker: Any) -> LogicalType:
    if marker is _AS_TUPLE:
        return _tuple_of(ctx, annotation)
    if marker is _AS_NESTED:
        return _nested_of(ctx, annotation)
    if isinstance(marker, EnumType) and marker.is_open:
        if not (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
            ctx.fail(f"{marker!r} marks an enum.Enum subclass, not this annotation")
        return EnumType(annotation, bits=marker.bits)
    if isinstance(marker, JSON) and marker.model is None and _is_model(annotation):
        return JSON(model=annotation)
    assert isinstance(marker, LogicalType)
    return marker


def _apply_hints(base: LogicalType, metadata: tuple[Any, ...]) -> LogicalType:
    """Pydantic's ``max_digits``/``decimal_places`` size a Decimal column."""
    if isinstance(base, Decimal):
        digits = next((m.max_digits for m in metadata if getattr(m, "max_digits", None)), None)
        places = next(
            (m.decimal_places for m in metadata if getattr(m, "decimal_places", None) is not None),
            None,
        )
        if digits is not None or places is not None:
            scale = places if places is not None else min(base.scale, digits or base.scale)
            precision = digits if digits is not None else max(base.precision, scale)
            return Decimal(precision, scale)
    return base


def _resolve_plain(ctx: ResolveContext, annotation: Any) -> LogicalType:
    registry = ctx.registry
    for resolver in registry.resolvers:
        found = resolver(annotation, ctx)
        if found is not None:
            return found
    if isinstance(annotation, LogicalType):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, LogicalType):
        marker = _as_marker(ctx, annotation)
        if isinstance(marker, LogicalType):
            return marker
    if isinstance(annotation, str | typing.ForwardRef):
        ctx.fail("unresolved forward reference; define the referenced class before use")
    supertype = getattr(annotation, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return resolve_annotation(ctx, supertype)
    origin = get_origin(annotation)
    if origin is not None:
        return _resolve_generic(ctx, annotation, origin, get_args(annotation))
    if annotation is typing.Any or annotation is object:
        ctx.fail(f"no mapping for {describe_annotation(annotation)}")
    if isinstance(annotation, type):
        found = registry.lookup_class(annotation)
        if found is not None:
            return found
        if issubclass(annotation, enum.Enum):
            return EnumType(annotation)
        if _is_model(annotation):
            return JSON(model=annotation)
        for klass in annotation.__mro__[1:]:
            found = registry.lookup_class(klass, concrete=annotation)
            if found is not None:
                return found
        if annotation in (list, tuple, set, frozenset):
            ctx.fail(f"{annotation.__name__} needs an item type, e.g. {annotation.__name__}[str]")
    ctx.fail(f"no mapping for {describe_annotation(annotation)}")


def _resolve_generic(
    ctx: ResolveContext, annotation: Any, origin: Any, args: tuple[Any, ...]
) -> LogicalType:
    if origin is typing.Literal:
        values = list(args)
        if values and all(isinstance(v, bool) for v in values):
            return Boolean()
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return Integer(64)
        if values and all(isinstance(v, str) for v in values):
            return String()
        ctx.fail("a Literal needs values of one kind (all str, all int or all bool)")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return Array(ctx.resolve(args[0]), container=tuple)
        if not args or args == ((),):
            ctx.fail("an empty tuple has no column type")
        return Tuple(tuple(ctx.resolve(a) for a in args))
    if origin in _SEQUENCES:
        if not args:
            ctx.fail(f"{describe_annotation(annotation)} needs an item type")
        if args[0] is typing.Any:
            return JSON()
        return Array(ctx.resolve(args[0]), container=_SEQUENCES[origin])
    if origin in _MAPPINGS:
        if len(args) != 2 or args[1] is typing.Any:
            return JSON()
        return Map(ctx.resolve(args[0]), ctx.resolve(args[1]))
    if origin is type:
        ctx.fail("a class object has no column type")
    # a parametrised user generic (MyModel[int]): try its origin class
    if isinstance(origin, type):
        return _resolve_plain(ctx, origin)
    ctx.fail(f"no mapping for {describe_annotation(annotation)}")


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_fields(ctx: ResolveContext, model: Any) -> list[tuple[str, LogicalType]]:
    out = []
    for name, info in model.model_fields.items():
        sub = ctx.child(name, info.annotation)
        out.append((name, resolve_annotation(sub, info.annotation, tuple(info.metadata))))
    return out


def _tuple_of(ctx: ResolveContext, annotation: Any) -> LogicalType:
    if _is_model(annotation):
        fields = _model_fields(ctx, annotation)
        return Tuple(
            tuple(t for _, t in fields), names=tuple(n for n, _ in fields), model=annotation
        )
    plain = _resolve_plain(ctx, annotation)
    if isinstance(plain, Tuple):
        return plain
    ctx.fail("types.Tuple marks a Pydantic model or a tuple[...] annotation")


def _nested_of(ctx: ResolveContext, annotation: Any) -> LogicalType:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in _SEQUENCES and args and _is_model(args[0]):
        return Nested(tuple(_model_fields(ctx, args[0])), model=args[0])
    ctx.fail("types.Nested marks a list of Pydantic models, e.g. list[Item]")
