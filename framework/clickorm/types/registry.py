"""TypeRegistry: Python annotations -> logical types, plus per-dialect overrides.

One registry per process is built by :func:`get_registry`; :func:`default_registry` builds
a fresh one: the builtins, then every extension added with :func:`add_extension`. The
plugin manager (a layer above) adds the one that runs the plugins'
``clickorm_register_types`` hook, so this module never reaches up for it. Platforms
consult ``type_sql_override`` / ``codec_override`` before their own tables, so a plugin
can add a logical type together with its DDL name and codecs for any dialect.

Builtin defaults (documented choices): ``int`` -> Int64, ``float`` -> Float64,
``decimal.Decimal`` -> Decimal(38, 10) unless pydantic's ``max_digits``/``decimal_places``
say otherwise, ``str`` -> String, ``bytes`` -> Bytes, ``datetime`` -> DateTime (naive;
``types.DateTime("UTC")``/``DateTime64(p, tz)`` or ``pydantic.AwareDatetime`` for aware),
nested Pydantic models -> JSON(model) (``Annotated[M, types.Tuple]`` for a Tuple).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

from clickorm.types.builtin import register_builtins
from clickorm.types.logical import LogicalType, as_logical
from clickorm.types.resolve import ResolveContext, resolve_annotation

__all__ = ["TypeRegistry", "add_extension", "default_registry", "get_registry", "Resolver",
           "Factory"]

#: builds the logical type for a concrete Python class (``factory(cls)``)
Factory = Callable[[type], LogicalType]
#: returns a logical type for an annotation it understands, else None
Resolver = Callable[[Any, ResolveContext], "LogicalType | None"]
#: ``fn(logical_type, platform)`` -> DDL name; the platform (a BasePlatform) is typed Any
#: because platforms live in a layer above the types
TypeSql = Callable[[Any, Any], str]
Codec = Callable[[Any], Any]


class TypeRegistry:
    """Maps annotations to logical types; holds plugin overrides per dialect."""

    def __init__(self, *, builtins: bool = True) -> None:
        self._classes: dict[type, Factory] = {}
        self._resolvers: list[Resolver] = []
        self._type_sql: dict[tuple[str, type], TypeSql] = {}
        self._codecs: dict[tuple[str, type], tuple[Codec | None, Codec | None]] = {}
        if builtins:
            register_builtins(self)

    # -- extension API (what ``clickorm_register_types`` implementations call) --------
    def register(
        self, python_type: type, logical: LogicalType | type[LogicalType] | Factory
    ) -> None:
        """Map ``python_type`` (and its subclasses) to a logical type or a factory."""
        if isinstance(logical, LogicalType) or (
            isinstance(logical, type) and issubclass(logical, LogicalType)
        ):
            fixed = as_logical(logical)
            self._classes[python_type] = lambda _cls: fixed
        elif callable(logical):
            self._classes[python_type] = cast(Factory, logical)
        else:
            raise TypeError(f"register() needs a logical type or a factory, got {logical!r}")

    def register_resolver(self, resolver: Resolver) -> None:
        """Add a resolver consulted before the class table (for generics, protocols ...)."""
        self._resolvers.append(resolver)

    def register_type_sql(
        self, dialect: str, logical_cls: type[LogicalType], sql: str | TypeSql
    ) -> None:
        """Give ``dialect``'s DDL name for ``logical_cls`` (a string or ``fn(type, platform)``)."""
        fn: TypeSql = (lambda _t, _p: sql) if isinstance(sql, str) else sql
        self._type_sql[(dialect, logical_cls)] = fn

    def register_codec(
        self,
        dialect: str,
        logical_cls: type[LogicalType],
        *,
        encoder: Codec | None = None,
        decoder: Codec | None = None,
    ) -> None:
        """Value codecs for ``logical_cls`` on ``dialect`` (``None`` = pass values through)."""
        self._codecs[(dialect, logical_cls)] = (encoder, decoder)

    # -- lookups ------------------------------------------------------------------------
    @property
    def resolvers(self) -> tuple[Resolver, ...]:
        return tuple(self._resolvers)

    def lookup_class(self, cls: type, *, concrete: type | None = None) -> LogicalType | None:
        """The logical type registered for exactly ``cls`` (factory called with ``concrete``)."""
        factory = self._classes.get(cls)
        return factory(concrete or cls) if factory is not None else None

    def type_sql_override(self, dialect: str, logical: LogicalType) -> TypeSql | None:
        for klass in type(logical).__mro__:
            fn = self._type_sql.get((dialect, klass))
            if fn is not None:
                return fn
        return None

    def codec_override(
        self, dialect: str, logical: LogicalType
    ) -> tuple[Codec | None, Codec | None] | None:
        for klass in type(logical).__mro__:
            pair = self._codecs.get((dialect, klass))
            if pair is not None:
                return pair
        return None

    def resolve(
        self,
        annotation: Any,
        *,
        metadata: Iterable[Any] = (),
        model: str | type | None = None,
        field: str | None = None,
    ) -> LogicalType:
        """The logical type of ``annotation`` (``Annotated`` markers and ``metadata`` apply).

        Raises SchemaError naming ``model``, ``field`` and the annotation when nothing maps.
        """
        model_name = model.__name__ if isinstance(model, type) else model
        ctx = ResolveContext(self, model=model_name, field=field, annotation=annotation)
        return resolve_annotation(ctx, annotation, tuple(metadata))

    def copy(self) -> TypeRegistry:
        clone = TypeRegistry(builtins=False)
        clone._classes = dict(self._classes)
        clone._resolvers = list(self._resolvers)
        clone._type_sql = dict(self._type_sql)
        clone._codecs = dict(self._codecs)
        return clone


#: what every new default registry runs after the builtins (``fn(registry)``), in order
_extensions: list[Callable[[TypeRegistry], None]] = []


def add_extension(extension: Callable[[TypeRegistry], None]) -> None:
    """Run ``extension(registry)`` on every registry :func:`default_registry` builds.

    The plugin manager adds the call of the plugins' ``clickorm_register_types`` hook
    when it is imported; adding the same function twice has no effect.
    """
    if extension not in _extensions:
        _extensions.append(extension)


def default_registry() -> TypeRegistry:
    """A fresh registry with the builtins, extended by every added extension (plugins)."""
    registry = TypeRegistry()
    for extension in tuple(_extensions):
        extension(registry)
    return registry


_shared: TypeRegistry | None = None
_lock = threading.Lock()


def get_registry() -> TypeRegistry:
    """The process-wide registry (built once, on first use, by :func:`default_registry`)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = default_registry()
    return _shared
