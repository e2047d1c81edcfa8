"""The metaclass of ``Model``: Pydantic's, plus the table around the class.

``ModelMeta`` reads ``Meta``, derives identity, column names, relationships, scopes and
hooks once at class creation (:func:`_configure`), and answers class attribute access:
``User.id`` is a column expression, ``User.where(...)`` a new builder, ``User.c.id`` a
table-qualified column. See :mod:`clickorm.model.model` for the user-facing contract.
"""

from __future__ import annotations

import copy as _copy
import typing
from dataclasses import replace
from threading import get_ident
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from clickorm.errors import QueryError, SchemaError
from clickorm.model import events, registry
from clickorm.model.builder import QueryBuilder
from clickorm.model.class_api import REFUSED_ON_CLASS, ClassQueryAPI
from clickorm.model.column import column_info
from clickorm.model.meta import primary_key_names, read_meta
from clickorm.model.naming import default_table_name
from clickorm.model.query import FORWARDED, did_you_mean
from clickorm.model.relationships import Relationship
from clickorm.model.scopes import Scope
from clickorm.model.validation import attach_range_checks
from clickorm.query.expressions import Col, Table
from clickorm.query.state import EMPTY

__all__ = ["ModelMeta", "ColumnNamespace", "MODEL_BASE", "BULK_WRITES", "bulk_write_refusal",
           "reserved_names"]

#: builder methods that change rows, refused on the class (see class_api)
BULK_WRITES: frozenset[str] = REFUSED_ON_CLASS

if TYPE_CHECKING:  # the real class, so type checkers accept ModelMeta as Pydantic's
    from pydantic._internal._model_construction import ModelMetaclass as _PydanticMeta
else:
    _PydanticMeta = type(BaseModel)
#: ids of the threads currently inside ModelMeta.__new__ (see there)
_building: list[int] = []


class ColumnNamespace:
    """``User.c.<field>``: table-qualified column expressions (for joins)."""

    __slots__ = ("_model",)

    def __init__(self, model: Any) -> None:
        self._model = model

    def __getattr__(self, name: str) -> Col:
        return self._model.col(name)  # type: ignore[no-any-return]

    def __dir__(self) -> list[str]:
        return list(self._model.__pydantic_fields__)


#: the model class a metaclass method or property is called on (``User.query``)
_M = TypeVar("_M")


class ModelMeta(_PydanticMeta, ClassQueryAPI):
    """Pydantic's metaclass plus the table: Meta, columns, the builder's methods on the
    class (:class:`~clickorm.model.class_api.ClassQueryAPI`), relations, scopes."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                **kwargs: Any) -> Any:
        if MODEL_BASE:
            _refuse_reserved(name, namespace)
        meta_cls = namespace.pop("Meta", None)
        # relationships, scopes and hybrid methods are not fields: keep them away from
        # Pydantic's namespace inspection and put them back on the finished class
        specials = {k: v for k, v in namespace.items()
                    if getattr(type(v), "__clickorm_special__", False)}
        for key in specials:
            del namespace[key]
        _optional_generated_key(namespace)
        # while Pydantic builds the class it probes the bases with hasattr(base, field);
        # columns and forwarded builder methods must not answer those probes
        me = get_ident()
        _building.append(me)
        try:
            cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        finally:
            _building.remove(me)
        for key, value in specials.items():
            type.__setattr__(cls, key, value)
            set_name = getattr(value, "__set_name__", None)
            if set_name is not None:
                set_name(cls, key)
        _configure(cls, meta_cls)
        return cls

    if not TYPE_CHECKING:  # hidden from type checkers, so ``User.wehre`` is an error
        def __getattr__(cls, name):
            # reached only for names the class does not have (Pydantic removes field
            # defaults from the class, so every field name arrives here)
            if name[:1] != "_" and not (_building and get_ident() in _building):
                own = cls.__dict__
                if "__clickorm_ready__" in own:
                    column = own["__clickorm_columns__"].get(name)
                    if column is not None:
                        return column
                    if name in BULK_WRITES:
                        return bulk_write_refusal(cls, name)
                    try:
                        return super().__getattr__(name)
                    except AttributeError:
                        raise AttributeError(_class_attr_message(cls, name)) from None
            return super().__getattr__(name)

    @property
    def query(cls: type[_M]) -> QueryBuilder[_M]:
        """A new builder over this model's table: ``User.query.filter(...).all()``."""
        if _building and get_ident() in _building:
            raise AttributeError("query")  # Pydantic probing a base for a field named query
        builder: QueryBuilder[_M] = cls._clickorm_query()  # type: ignore[attr-defined]
        return builder

    @property
    def c(cls) -> ColumnNamespace:
        """Table-qualified columns: ``User.c.id`` -> ``"users"."id"``."""
        return ColumnNamespace(cls)


def _class_attr_message(cls: Any, name: str) -> str:
    choices = (set(cls.__pydantic_fields__) | set(FORWARDED) | set(cls.__clickorm_scopes__)
               | set(cls.__clickorm_relations__) | {n for n in dir(cls) if not n.startswith("_")})
    return (f"type object {cls.__name__!r} has no attribute {name!r}.{did_you_mean(name, choices)}"
            f" {cls.__name__} has fields ({', '.join(cls.__pydantic_fields__) or 'none'}), "
            "query builder methods and its scopes.")


_BULK_ARGS = {"delete": "", "update": "{...}", "increment": '"column"', "decrement": '"column"'}


def bulk_write_refusal(model: Any, name: str, doc: str | None = None) -> Any:
    """What ``Model.<name>`` is on the class for a row-changing ``name``: a callable that
    raises a QueryError saying which builder to use (it would change every row)."""
    message = _bulk_write_message(model, name)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise QueryError(message)

    refused.__name__ = name
    refused.__qualname__ = f"{model.__name__}.{name}"
    refused.__doc__ = ((doc.strip() + "\n\n") if doc else "") + message
    return refused


def _bulk_write_message(model: Any, name: str) -> str:
    owner = model.__name__
    args = _BULK_ARGS.get(name, "...")
    row = (f"; on a loaded instance, {owner.lower()}.{name}({args}) writes that one row"
           if name in ("delete", "update") else "")
    return (f"{owner}.{name}() on the model class would {name} every row of its table, so "
            f"it is refused. Say which rows with a builder: {owner}.query.{name}({args}) "
            f"for every row, or {owner}.where(...).{name}({args}) for the matching rows{row}.")


# -- reserved names -------------------------------------------------------------------------
_reserved: frozenset[str] | None = None


def reserved_names() -> frozenset[str]:
    """Names a field, relationship or scope may not take: the public API of ``Model``
    (its methods, attributes, ``Meta`` and Pydantic's), of its metaclass (``query``,
    ``c``) and every builder method the class forwards. Derived once, never listed."""
    global _reserved
    if _reserved is None:
        if not MODEL_BASE:
            return frozenset()
        model = MODEL_BASE[0]
        found = {n for n in dir(model) if not n.startswith("_")}
        found |= {n for n in dir(type(model)) if not n.startswith("_")}
        _reserved = frozenset(found | FORWARDED)
    return _reserved


def _refuse_reserved(model: str, namespace: dict[str, Any]) -> None:
    """A field (or relationship, or scope) named like the model's API would hide it:
    ``User.count()`` or ``user.save()`` would reach the field instead. Refuse it here,
    before Pydantic builds the class."""
    reserved = reserved_names()
    annotated = namespace.get("__annotations__", {})
    declared = [(key, "field") for key, ann in annotated.items() if not _is_classvar(ann)]
    declared += [(key, "relationship or scope") for key, value in namespace.items()
                 if isinstance(value, Relationship | Scope)]
    for key, kind in declared:
        if key in reserved:
            raise SchemaError(
                f"{model}.{key}: a {kind} may not be named {key!r}, which is part of the "
                f"model's API ({_reason(key)}). Rename it; for a column of that name use "
                f"another attribute name and Column(name={key!r}), e.g. "
                f"{key}_: ... = Column(name={key!r})")


def _reason(key: str) -> str:
    if MODEL_BASE and isinstance(vars(MODEL_BASE[0]).get(key), classmethod):
        return f"{key} is a Model attribute"  # Model's classmethod wins (create)
    if key in FORWARDED:
        return f"{key}() starts a query on the class"
    if key in ("query", "c"):
        return f"{key} is the class's query/column namespace"
    if key == "Meta":
        return "Meta holds the table options"
    return f"{key} is a Model attribute"


def _is_classvar(annotation: Any) -> bool:
    """``ClassVar[...]`` annotations (also as strings) declare no field."""
    if isinstance(annotation, str):
        head = annotation.strip().split("[", 1)[0]
        return head in ("ClassVar", "typing.ClassVar", "t.ClassVar")
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


# -- class creation helpers -----------------------------------------------------------------
def _is_int_annotation(annotation: Any) -> bool:
    if isinstance(annotation, str):
        text = annotation.replace(" ", "")
        return text in ("int", "int|None", "None|int", "Optional[int]", "typing.Optional[int]") \
            or text.startswith("Annotated[int,")
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_int_annotation(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is UnionType:
        args = [a for a in typing.get_args(annotation) if a is not NoneType]
        return len(args) == 1 and _is_int_annotation(args[0])
    return isinstance(annotation, type) and issubclass(annotation, int) and annotation is not bool


def _optional_generated_key(namespace: dict[str, Any]) -> None:
    """A lone integer ``Column(primary_key=True)`` without a default defaults to None."""
    annotations = namespace.get("__annotations__", {})
    keys = [(k, v) for k, v in namespace.items()
            if isinstance(v, FieldInfo) and column_info(v).primary_key]
    if len(keys) != 1:
        return
    name, info = keys[0]
    if (column_info(info).autoincrement is False or info.default is not PydanticUndefined
            or info.default_factory is not None or not _is_int_annotation(annotations.get(name))):
        return
    info.default = None
    info._attributes_set["default"] = None


def _configure(cls: Any, meta_cls: type | None) -> None:
    parent_meta = next((b.__dict__["__clickorm_meta__"] for b in cls.__mro__[1:]
                        if "__clickorm_meta__" in b.__dict__), None)
    meta = read_meta(cls.__name__, meta_cls, parent_meta)
    if meta.observers:
        meta = replace(meta, observers=tuple(o() if isinstance(o, type) else o
                                             for o in meta.observers))
    fields: dict[str, FieldInfo] = cls.__pydantic_fields__
    db_names = {name: column_info(info).name or name for name, info in fields.items()}
    by_column = {db: name for name, db in db_names.items()}
    pk = tuple(name for name, info in fields.items() if column_info(info).primary_key)
    if not pk and meta.primary_key is not None:
        names = primary_key_names(meta.primary_key)
        mapped = tuple(by_column.get(n, n if n in fields else "") for n in names)
        if mapped and all(mapped):
            pk = mapped  # an expression key (ClickHouse) is DDL only, not identity
    if not pk and "id" in fields:
        pk = ("id",)
    key_info = column_info(fields[pk[0]]) if len(pk) == 1 else None
    generated = (key_info is not None and key_info.primary_key
                 and key_info.autoincrement is not False
                 and _is_int_annotation(fields[pk[0]].annotation))
    for key in ("fillable", "guarded"):
        for name in getattr(meta, key) or ():
            if name not in fields:
                raise SchemaError(f"{cls.__name__}.Meta.{key} names {name!r}, which is not a "
                                  f"field; fields: {', '.join(fields)}")
    relations: dict[str, Relationship] = {}
    scopes: dict[str, Scope] = {}
    for klass in reversed(cls.__mro__):
        for key, value in klass.__dict__.items():
            if isinstance(value, Relationship):
                relations[key] = value
            elif isinstance(value, Scope):
                scopes[key] = value
    if not meta.abstract:
        # a relationship declared on an abstract base belongs to each concrete model
        # (its default keys are named after the owner): give this class its own copy
        for key, rel in list(relations.items()):
            owner = rel.owner
            if owner is not cls and owner is not None and owner.__table_name__ is None:
                mine = _copy.copy(rel)
                mine.__set_name__(cls, key)
                type.__setattr__(cls, key, mine)
                relations[key] = mine
    clash = sorted(set(relations) & set(fields))
    if clash:
        raise SchemaError(f"{cls.__name__}.{clash[0]} is both a field and a relationship")
    table = None if meta.abstract else (meta.table_name or default_table_name(cls.__name__))
    # Meta.database: every statement names the table as database.table
    qualified = f"{meta.database}.{table}" if table and meta.database else table
    base = MODEL_BASE[0] if MODEL_BASE else cls
    attrs: dict[str, Any] = {
        # ``User.Meta`` reads the resolved, inherited values (the schema layer uses it)
        "Meta": meta,
        "__clickorm_meta__": meta,
        "__table_name__": qualified,
        "__primary_key__": pk,
        "__connection_name__": meta.connection,
        "__clickorm_columns__": {name: Col(db, None) for name, db in db_names.items()},
        "__clickorm_db_names__": db_names,
        "__clickorm_field_by_column__": by_column,
        "__clickorm_insertable__": tuple(n for n, i in fields.items()
                                         if not column_info(i).read_only),
        "__clickorm_generated_key__": generated,
        "__clickorm_relations__": relations,
        "__clickorm_scopes__": scopes,
        "__clickorm_hooks__": events.hooks_of(cls, base, meta.observers),
        "__clickorm_plans__": {},
    }
    if qualified is not None:
        # Meta.final: the model's reads see merged state (FINAL). The marker "meta" (truthy)
        # tells writes to drop it, where an explicit .final() on a write is refused.
        # A model on a cluster: its writes name the cluster (ON CLUSTER) and, when it is
        # sharded (Meta.shard_by), the dialect sends mutations to the local table
        options: tuple[tuple[str, Any], ...] = ()
        if meta.cluster:
            options += (("cluster", meta.cluster),)
        if meta.shard_by:
            options += (("sharded", True), ("local_table", meta.local_table))
        attrs["__clickorm_initial_state__"] = EMPTY.set_many(
            table=Table(qualified, None), final="meta" if meta.final else False,
            options=options)
    for key, value in attrs.items():
        type.__setattr__(cls, key, value)
    _build_validator(cls)
    type.__setattr__(cls, "__clickorm_ready__", True)
    registry.register(cls)


def _build_validator(cls: Any) -> None:
    """Add each column type's range to the fields (see clickorm.model.validation), then
    build Pydantic's validator once. ``Model`` sets ``defer_build`` so Pydantic does not
    build it before the ranges are in; an unresolved forward reference leaves the class
    deferred, as Pydantic would (it is built on first use)."""
    changed = attach_range_checks(cls)
    if changed or not cls.__pydantic_complete__:
        cls.model_rebuild(force=True, raise_errors=False, _parent_namespace_depth=0)


#: the Model base class, once it exists (hooks are compared against its no-op methods)
MODEL_BASE: list[Any] = []
