"""``Model``: a Pydantic v2 model that is also a table.

::

    class User(Model):
        id: int = Column(primary_key=True)
        name: str
        email: str = Column(index=True)
        created_at: datetime = Column(default=datetime.utcnow)
        posts = has_many("Post")

        class Meta:
            engine = "MergeTree()"
            order_by = "id"

Everything Pydantic does (validation, ``model_dump``, JSON schema, FastAPI) is untouched;
the metaclass (derived from Pydantic's) adds the table around it:

* ``Meta`` is read into ``__clickorm_meta__`` (see :mod:`clickorm.model.meta`); the table
  defaults to the snake_case plural of the class name (``PageView`` -> ``page_views``).
* Identity: fields declared ``Column(primary_key=True)``, else ``Meta.primary_key`` when it
  names fields, else a field named ``id``. A single integer primary key declared without
  a default is optional in Python (``None`` until the database assigns it on insert);
  ``Column(primary_key=True, autoincrement=False)`` keeps it required.
* Class attribute access to a field returns an unqualified column expression:
  ``User.id > 10``, ``User.name.like("J%")``, ``User.created_at.desc()``. Unqualified
  columns keep single-table SQL short and work in UPDATE/DELETE everywhere; in joins use
  the qualified forms ``User.c.id`` or ``User.col("id")`` (``"users"."id"``). Type
  checkers read ``User.name`` as the field's type (``str``); ``User.c.name`` is typed as
  a column expression.
* Any other public name of the query builder starts a new builder:
  ``User.where(...)``, ``User.select(...)``, ``User.find(1)``, ``User.with_("posts")``;
  ``User.query`` is a fresh builder. The forwarded names are derived from
  ``clickorm.model.builder.public_methods()``, never listed by hand. The row-changing
  ones (``delete``, ``update``, ``increment``, ``decrement``) are refused on the class,
  where they would change every row: a bulk write names its builder
  (``User.query.delete()``, ``User.where(...).update({...})``); on an instance
  ``delete``/``update`` write that row. Unknown names raise AttributeError with suggestions.
* Relationships and scopes declared in the class body are descriptors, not fields.

Dirty tracking records a field's original value on its first assignment; changing a
mutable value in place (``user.tags.append("x")``) is not seen: assign a new value.

ORM state (persisted flag, original values, loaded relations, extra columns) lives in
one slot outside Pydantic's data (see :mod:`clickorm.model.state`), so ``model_dump``,
``==`` and the JSON schema never see it; the one exception is the extra columns a query
selected (``count() AS views``): ``model_dump``, ``model_dump_json`` and the repr show
them after the fields (see :mod:`clickorm.model.extras_dump`). Class-level data is computed once at class
creation and never mutated afterwards, except the hydration and codec memos (pure
caches) and the weak name registry used by relationship targets.

A field, relationship or scope may not take a name of the model's API (its public
methods and attributes, Pydantic's, ``Meta``, ``query``, ``c`` and every forwarded builder
method; see :func:`clickorm.model.metaclass.reserved_names`): the class refuses it with a
SchemaError. Keep such a column under another field name: ``count_: int = Column(name="count")``.
"""

from __future__ import annotations

import copy as _copy
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeVar, overload

from pydantic import BaseModel, ConfigDict

from clickorm.connection.bridge import run_sync
from clickorm.errors import ModelNotFound, QueryError, ValidationError
from clickorm.gcpause import paused_gc
from clickorm.model import events, model_ddl
from clickorm.model.bulk import InsertOptions, chunked
from clickorm.model.bulk_validation import validate_many
from clickorm.model.collection import Collection
from clickorm.model.context import connection_for, session_connection
from clickorm.model.extras_dump import with_extras
from clickorm.model.hydration import _SET_EXTRA, _SET_FIELDS_SET, hydrate
from clickorm.model.journal import writing
from clickorm.model.meta import TableMeta
from clickorm.model.metaclass import MODEL_BASE, ColumnNamespace, ModelMeta, bulk_write_refusal
from clickorm.model.persistence import (
    insert_instances,
    insert_rows,
    primary_key_values,
    writer_for,
)
from clickorm.model.query import ModelQuery, did_you_mean, new_query
from clickorm.model.relationships import eager_load, relation_of
from clickorm.model.row_validation import rows_validator, validate_rows
from clickorm.model.state import (
    MISSING,
    InstanceState,
    bind_slot,
    own_state,
    set_state,
    state_of,
)
from clickorm.model.validation import check_assignment, validate_changes, validate_model
from clickorm.query.expressions import Col
from clickorm.speedups import value_types

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.relationships import Relationship
    from clickorm.query.state import QueryState

__all__ = ["Model", "ModelMeta", "ColumnNamespace"]

M = TypeVar("M", bound="Model")

class _row_write:  # noqa: N801 - used like a decorator
    """A row write (``user.delete()``, ``user.update(...)``) that the class refuses.

    On the class the same name would change every row of the table; a bulk write needs
    an explicit builder (``User.query.delete()``, ``User.where(...).delete()``).
    """

    __clickorm_special__ = True

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            return bulk_write_refusal(owner, self.name, self.fn.__doc__)
        return self.fn.__get__(instance, owner)


class Model(BaseModel, metaclass=ModelMeta):
    """Base class of every table model (see the module docstring)."""

    __slots__ = ("_clickorm_state",)

    #: unknown keys are an error (``User(nmae="x")``, ``create(nmae="x")``), not dropped;
    #: a model may set ``extra="ignore"`` or ``"allow"`` in its own ``model_config``.
    #: ``defer_build``: the metaclass builds the validator once the ranges are attached
    model_config = ConfigDict(extra="forbid", defer_build=True)

    # set by the metaclass on every subclass
    __table_name__: ClassVar[str | None]
    __primary_key__: ClassVar[tuple[str, ...]]
    __connection_name__: ClassVar[str | None]
    __clickorm_meta__: ClassVar[TableMeta]
    __clickorm_db_names__: ClassVar[dict[str, str]]
    __clickorm_field_by_column__: ClassVar[dict[str, str]]
    __clickorm_insertable__: ClassVar[tuple[str, ...]]
    __clickorm_generated_key__: ClassVar[bool]
    __clickorm_relations__: ClassVar[dict[str, Relationship]]
    #: the empty query over the table (absent on abstract models)
    __clickorm_initial_state__: ClassVar[QueryState]

    class Meta:
        abstract = True

    # -- hooks into the query core (see clickorm.model.execution) ----------------------
    @classmethod
    def _clickorm_query(cls, connection: BaseConnection | str | None = None
                        ) -> ModelQuery[Self]:
        if "__clickorm_initial_state__" not in cls.__dict__:
            raise QueryError(f"{cls.__name__} is abstract (Meta.abstract = True, or the Model "
                             "base itself) and has no table to query")
        if connection is None:
            connection = session_connection(cls)
        return new_query(cls, connection)

    @classmethod
    def _clickorm_hydrate(cls, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                          validate: bool = False,
                          connection: BaseConnection | None = None,
                          undecoded: frozenset[int] = frozenset()) -> list[Any]:
        return hydrate(cls, columns, rows, validate=validate, connection=connection,
                       undecoded=undecoded)

    @classmethod
    def _clickorm_eager_load(cls, items: Sequence[Any], relations: Iterable[str],
                             connection: BaseConnection | None) -> None:
        eager_load(cls, items, relations, connection)

    @classmethod
    def _clickorm_connection(cls) -> BaseConnection:
        return connection_for(cls)

    @classmethod
    def col(cls, name: str) -> Col:
        """The table-qualified column of field ``name`` (``User.col("id")``)."""
        try:
            db = cls.__clickorm_db_names__[name]
        except KeyError:
            raise AttributeError(
                f"{cls.__name__} has no field {name!r}."
                f"{did_you_mean(name, cls.__pydantic_fields__)}") from None
        return Col(db, cls.__table_name__)

    # -- attribute protocol: dirty tracking, relations, extras --------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        if name in cls.__pydantic_fields__:
            check_assignment(cls, name, value)
            st = own_state(self)
            old = self.__dict__.get(name, MISSING)
            super().__setattr__(name, value)
            original = st.original
            if original is None:
                st.original = {name: old}
            elif name not in original:
                original[name] = old
            return
        relation = cls.__clickorm_relations__.get(name)
        if relation is not None:
            relation.assign(self, value)
            return
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in type(self).__pydantic_fields__:
            own_state(self)
        super().__delattr__(name)

    def __getattr__(self, name: str) -> Any:
        # hydration leaves Pydantic's fields-set and extra slots unset; fill them once
        if name == "__pydantic_fields_set__":
            fields = type(self).__pydantic_fields__  # a loaded row's fields are set
            fields_set = {key for key in self.__dict__ if key in fields}
            _SET_FIELDS_SET(self, fields_set)
            return fields_set
        if name == "__pydantic_extra__":
            extra: dict[str, Any] | None = (
                {} if type(self).model_config.get("extra") == "allow" else None)
            _SET_EXTRA(self, extra)
            return extra
        if name == "__pydantic_private__":
            return None  # hydration leaves it unset on models without private attributes
        if name[:1] != "_":
            st = state_of(self)
            if st is not None and st.extras and name in st.extras:
                return st.extras[name]
            cls = type(self)
            if name in cls.__pydantic_fields__:
                raise AttributeError(
                    f"{cls.__name__}.{name} was not loaded: the query that built this "
                    f"instance did not select column "
                    f"{cls.__clickorm_db_names__[name]!r}")
        return super().__getattr__(name)  # type: ignore[misc]

    def __copy__(self) -> Any:
        clone = super().__copy__()
        _copy_state(self, clone, deep=False)
        return clone

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        clone = super().__deepcopy__(memo)
        _copy_state(self, clone, deep=True)
        return clone

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        st = state_of(self)
        if st is not None:
            state["__clickorm_state__"] = (st.exists, st.original, st.extras)
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        saved = state.pop("__clickorm_state__", None)
        super().__setstate__(state)
        if saved is not None:
            exists, original, extras = saved
            set_state(self, InstanceState(exists, original, None, extras))

    # -- computed columns in dumps and the repr (clickorm.model.extras_dump) -----------
    def model_dump(self, **options: Any) -> dict[str, Any]:
        """Pydantic's dump, plus the selected columns that are not fields (``extras``)."""
        out = super().model_dump(**options)
        st = state_of(self)
        return with_extras(out, st.extras, options) if st is not None and st.extras else out

    def model_dump_json(self, **options: Any) -> str:
        """Pydantic's JSON, plus the selected columns that are not fields (``extras``)."""
        st = state_of(self)
        if st is None or not st.extras:
            return super().model_dump_json(**options)
        indent = options.pop("indent", None)
        ascii_only = bool(options.pop("ensure_ascii", False))
        return json.dumps(self.model_dump(mode="json", **options), indent=indent,
                          ensure_ascii=ascii_only,
                          separators=None if indent is not None else (",", ":"))

    def __repr_args__(self) -> Any:
        yield from super().__repr_args__()
        st = state_of(self)
        if st is not None and st.extras:
            yield from st.extras.items()

    # -- state queries ----------------------------------------------------------------
    @property
    def is_persisted(self) -> bool:
        """True when this instance's row is in the database (loaded or saved)."""
        st = state_of(self)
        return st is not None and st.exists

    @property
    def extras(self) -> dict[str, Any]:
        """Selected columns that are not fields (joins, aliases, ``with_count``)."""
        st = state_of(self)
        return dict(st.extras) if st is not None and st.extras else {}

    def is_dirty(self, field: str | None = None) -> bool:
        """Unsaved changes (to ``field``, or to any field). New instances are dirty."""
        dirty = self.get_dirty()
        return bool(dirty) if field is None else field in dirty

    def get_dirty(self) -> dict[str, Any]:
        """field -> current value of every changed field (all fields of a new instance)."""
        st = state_of(self)
        current = self.__dict__
        if st is None or not st.exists:
            return dict(current)
        if not st.original:
            return {}
        return {name: current[name] for name, old in st.original.items()
                if name in current and _changed(old, current[name])}

    def get_original(self, field: str | None = None, default: Any = None) -> Any:
        """The value(s) as loaded or last saved: one field's, or a dict of all fields."""
        st = state_of(self)
        original = (st.original if st is not None and st.exists and st.original else {})
        if field is not None:
            if field in original:
                value = original[field]
                return default if value is MISSING else value
            return self.__dict__.get(field, default) if self.is_persisted else default
        if not self.is_persisted:
            return {}
        out = dict(self.__dict__)
        out.update({k: v for k, v in original.items() if v is not MISSING})
        return out

    def _sync_original(self) -> None:
        st = own_state(self)
        st.exists = True
        st.original = None

    # -- writes ------------------------------------------------------------------------
    @classmethod
    def create(cls: type[M], values: Mapping[str, Any] | None = None, /, **data: Any) -> M:
        """Validate, insert and return a new row (``User.create(name="x")``)."""
        merged = {**(values or {}), **data}
        _check_mass_assignment(cls, merged)
        instance = validate_model(cls, merged)
        instance.save()
        return instance

    @classmethod
    def insert_many(cls, items: Iterable[Any], *, chunk_size: int | None = None,
                    validate: bool = False, async_insert: bool | None = None,
                    wait_for_async_insert: bool | None = None) -> int:
        """Insert models or dicts, streamed in chunks of ``chunk_size`` rows (default
        ``Meta.insert_chunk_size`` or 10,000): each table's rows are one INSERT of one
        or more blocks where the driver streams blocks, else one INSERT per chunk.

        Dicts are validated (and checked against fillable/guarded), straight to field
        values without building instances where the model's validation needs none
        (:mod:`clickorm.model.row_validation`); model instances are trusted unless
        ``validate=True``. A list (any sequence) is validated before
        anything is written; an iterator (a generator) is read, validated and written
        one chunk at a time, so memory stays bounded by the chunk size. Instances already
        persisted are skipped. On a failure part-way a :class:`~clickorm.errors.WriteError`
        says how many rows landed, did not, and are in doubt; the instances that landed
        are persisted, so calling again with the same instances writes only the rest.
        ``async_insert`` / ``wait_for_async_insert`` are the server's asynchronous-insert
        settings (ClickHouse 21.11+; refused where the dialect or server has none).
        Returns the number of rows written."""
        options = InsertOptions(async_insert, wait_for_async_insert)
        conn = cls._clickorm_connection()
        if isinstance(items, Sequence) and not isinstance(items, (str, bytes)):
            # one collector pause over the whole call (the input is in memory already):
            # the instances built from dicts are freed before the collector resumes, so
            # it never walks them (on 200,000 rows that walk costs a tenth of the insert)
            with paused_gc(len(items)):
                return _insert_listed(cls, items, conn, validate=validate,
                                      chunk_size=chunk_size, options=options)
        instances = _streamed_instances(cls, items, validate=validate)
        return insert_instances(cls, instances, conn, chunk_size=chunk_size, options=options)

    @classmethod
    def validate_many(cls: type[M], items: Iterable[Mapping[str, Any]]) -> Collection[M]:
        """Validate many dicts into instances in one Pydantic call per chunk (the
        collector paused); the first invalid one raises a ValidationError naming its
        index and field, never its value. Nothing is written."""
        listed = items if type(items) is list else list(items)
        return Collection(validate_many(cls, listed))

    @overload
    def save(self: M, *, dry: Literal[False] = False) -> M: ...
    @overload
    def save(self, *, dry: Literal[True]) -> list[str]: ...
    def save(self, *, dry: bool = False) -> Any:
        """INSERT a new row or UPDATE the changed fields of an existing one.

        Values are validated first (``clickorm.ValidationError``, nothing written).
        ``dry=True`` returns the SQL that would run and writes nothing (hooks do not run).
        """
        cls = type(self)
        conn = cls._clickorm_connection()
        writer = writer_for(conn)
        if not self.is_persisted:
            if not dry:
                events.fire(self, "before_save")
                events.fire(self, "before_create")
            values = dict(self.__dict__)
            if cls.__clickorm_generated_key__ and values.get(cls.__primary_key__[0]) is None:
                values.pop(cls.__primary_key__[0], None)  # the database assigns it
            validated = validate_changes(cls, {}, values)
            if dry:
                probe = self.model_construct(**{**self.__dict__, **validated})
                return writer.preview_insert(cls, [probe])
            self.__dict__.update(validated)
            writing(conn, (self,))
            writer.insert(cls, [self])
            self._sync_original()
            events.fire(self, "after_create")
            events.fire(self, "after_save")
            return self
        if dry:
            dirty = self.get_dirty()
            if not dirty:
                return []
            return writer.update(self, validate_changes(cls, dict(self.__dict__), dirty),
                                 dry=True)
        validated = self._begin_update()
        if validated:
            writing(conn, (self,))
            writer.update(self, validated)
        self._end_update()
        return self

    def _begin_update(self) -> dict[str, Any]:
        """The first half of saving a loaded row: hooks, then its changes validated and
        applied; returns them (field -> value) for the writer."""
        events.fire(self, "before_save")
        events.fire(self, "before_update")
        dirty = self.get_dirty()
        if not dirty:
            return {}
        validated = validate_changes(type(self), dict(self.__dict__), dirty)
        self.__dict__.update(validated)
        return validated

    def _end_update(self) -> None:
        """The second half, once the writer wrote the changes: clean state, hooks."""
        self._sync_original()
        events.fire(self, "after_update")
        events.fire(self, "after_save")

    def fill(self: M, values: Mapping[str, Any] | None = None, /, **data: Any) -> M:
        """Set several fields at once, validated and checked against fillable/guarded."""
        merged = {**(values or {}), **data}
        _check_mass_assignment(type(self), merged)
        validated = validate_changes(type(self), dict(self.__dict__), merged)
        for key, value in validated.items():
            setattr(self, key, value)
        return self

    def _update_row(self: M, values: Mapping[str, Any] | None = None, /, **data: Any) -> M:
        """``fill(...)`` then ``save()``."""
        return self.fill(values, **data).save()

    def _delete_row(self, *, dry: bool = False) -> Any:
        """DELETE this row by primary key; ``dry=True`` returns the SQL instead."""
        if not self.is_persisted:
            raise QueryError(f"This {type(self).__name__} is not in the database "
                             "(never saved, or already deleted); nothing to delete")
        writer = writer_for(type(self)._clickorm_connection())
        if dry:
            return writer.delete(self, dry=True)
        events.fire(self, "before_delete")
        writing(writer.connection, (self,))
        writer.delete(self)
        own_state(self).exists = False
        events.fire(self, "after_delete")
        return None

    _update_row.__name__ = "update"
    _delete_row.__name__ = "delete"
    update = _row_write(_update_row)
    delete = _row_write(_delete_row)

    def fresh(self: M) -> M | None:
        """A newly loaded copy of this row (None when it no longer exists)."""
        return self._key_query().first()

    def refresh(self: M) -> M:
        """Reload every field from the database, dropping unsaved changes and cached
        relations. Raises ModelNotFound when the row is gone."""
        found = self.fresh()
        if found is None:
            cls = type(self)
            raise ModelNotFound(f"The row of this {cls.__name__} (primary key "
                                f"{', '.join(cls.__primary_key__)}) is no longer in "
                                f"{cls.__table_name__}")
        object.__setattr__(self, "__dict__", dict(found.__dict__))
        object.__setattr__(self, "__pydantic_fields_set__", set(found.__pydantic_fields_set__))
        st = state_of(found)
        set_state(self, InstanceState(True, None, None,
                                      dict(st.extras) if st is not None and st.extras else None))
        return self

    def _key_values(self) -> tuple[Any, ...]:
        return primary_key_values(self)

    def _key_query(self) -> ModelQuery[Self]:
        cls = type(self)
        q = cls._clickorm_query()
        for name, value in zip(cls.__primary_key__, self._key_values(), strict=True):
            q = q.where(cls.__clickorm_db_names__[name], value)
        return q

    # -- relations ---------------------------------------------------------------------
    def related(self, name: str) -> ModelQuery[Any]:
        """The builder of relation ``name`` for this row (``post.related("author")``)."""
        query = relation_of(type(self), name).query_for(self)
        assert query is not None  # without empty_ok, query_for raises instead
        return query

    def load(self: M, *relations: str) -> M:
        """Load relations onto this instance now (one query per relation level)."""
        eager_load(type(self), [self], relations, None)
        return self

    def relation_loaded(self, name: str) -> bool:
        st = state_of(self)
        return st is not None and bool(st.relations) and name in st.relations  # type: ignore[operator]

    def to_dict(self, *, relations: bool = True, **dump_options: Any) -> dict[str, Any]:
        """``model_dump()`` plus the relations loaded so far (recursively)."""
        out = self.model_dump(**dump_options)
        st = state_of(self)
        if relations and st is not None and st.relations:
            for name, value in st.relations.items():
                if value is None:
                    out[name] = None
                elif isinstance(value, list):
                    out[name] = [v.to_dict(**dump_options) for v in value]
                else:
                    out[name] = value.to_dict(**dump_options)
        return out

    # -- schema (clickorm.model.model_ddl) --------------------------------------------
    @classmethod
    def create_table(cls, *, if_not_exists: bool = True, dry: bool = False,
                     connection: BaseConnection | str | None = None) -> list[str]:
        """CREATE TABLE for this model; returns the statements (not run when ``dry``)."""
        return model_ddl.create_table(cls, connection or cls._clickorm_connection(),
                                      if_not_exists=if_not_exists, dry=dry)

    @classmethod
    def drop_table(cls, *, if_exists: bool = False, dry: bool = False,
                   connection: BaseConnection | str | None = None) -> list[str]:
        """DROP TABLE for this model (``if_exists=True`` tolerates a missing table)."""
        return model_ddl.drop_table(cls, connection or cls._clickorm_connection(),
                                    if_exists=if_exists, dry=dry)

    @classmethod
    def alter_table(cls, *, connection: BaseConnection | str | None = None, dry: bool = False,
                    **changes: Any) -> list[str]:
        """``User.alter_table(add_column=..., drop_column=..., rename_column=...,
        modify_column=...)`` (see :func:`clickorm.model.model_ddl.alter_table`)."""
        return model_ddl.alter_table(cls, connection or cls._clickorm_connection(), dry=dry,
                                     **changes)

    @classmethod
    def schema_sql(cls, target: Any = None) -> str:
        """This model's DDL as a script for ``target`` (a connection, a dialect name such
        as ``"clickhouse"``, or by default the model's connection); runs nothing."""
        return model_ddl.schema_sql(cls, target if target is not None
                                    else cls._clickorm_connection())

    # -- event hooks (override in a model; see clickorm.model.events) -------------------
    def before_save(self) -> None: ...
    def after_save(self) -> None: ...
    def before_create(self) -> None: ...
    def after_create(self) -> None: ...
    def before_update(self) -> None: ...
    def after_update(self) -> None: ...
    def before_delete(self) -> None: ...
    def after_delete(self) -> None: ...

    # -- async writes and reloads: the sync methods above, their I/O awaited ------------
    # (run by clickorm.connection.bridge.run_sync on the event loop's async connection,
    # or the async session's)
    @classmethod
    async def acreate(cls: type[M], values: Mapping[str, Any] | None = None, /,
                      **data: Any) -> M:
        """``create(...)``, awaited: validate, insert and return a new row."""
        return await run_sync(cls.create, values, **data)

    @classmethod
    async def ainsert_many(cls, items: Iterable[Any], *, chunk_size: int | None = None,
                           validate: bool = False, async_insert: bool | None = None,
                           wait_for_async_insert: bool | None = None) -> int:
        """``insert_many(...)``, awaited: the number of rows written."""
        return await run_sync(cls.insert_many, items, chunk_size=chunk_size, validate=validate,
                              async_insert=async_insert,
                              wait_for_async_insert=wait_for_async_insert)

    @overload
    async def asave(self: M, *, dry: Literal[False] = False) -> M: ...
    @overload
    async def asave(self, *, dry: Literal[True]) -> list[str]: ...
    async def asave(self, *, dry: bool = False) -> Any:
        """``save()``, awaited (``dry=True``: the statements it would run)."""
        if dry:
            return await run_sync(self.save, dry=True)
        return await run_sync(self.save)

    async def arefresh(self: M) -> M:
        """``refresh()``, awaited: every field reloaded from the database."""
        return await run_sync(self.refresh)

    async def afresh(self: M) -> M | None:
        return await run_sync(self.fresh)

    async def _adelete_row(self) -> None:
        """``delete()``, awaited: DELETE this row by primary key."""
        await run_sync(self._delete_row)

    _adelete_row.__name__ = "adelete"
    adelete = _row_write(_adelete_row)


MODEL_BASE.append(Model)
bind_slot(Model.__dict__["_clickorm_state"])
type.__setattr__(Model, "__clickorm_state_slot__", Model.__dict__["_clickorm_state"])


def _changed(old: Any, new: Any) -> bool:
    if old is MISSING:
        return True
    try:
        return bool(old != new)
    except Exception:  # noqa: BLE001 - values that refuse comparison count as changed
        return True


def _copy_state(source: Any, clone: Any, *, deep: bool) -> None:
    st = state_of(source)
    if st is None:
        return
    dup = _copy.deepcopy if deep else _copy.copy
    set_state(clone, InstanceState(st.exists, dup(st.original) if st.original else None, None,
                                   dup(st.extras) if st.extras else None))


def _check_mass_assignment(cls: Any, data: Mapping[str, Any]) -> None:
    meta: TableMeta = cls.__clickorm_meta__
    refused = [k for k in data if k in meta.guarded]
    if meta.fillable is not None:
        refused += [k for k in data if k not in meta.fillable and k not in refused]
    if refused:
        raise ValidationError(
            f"{cls.__name__} does not accept {', '.join(map(repr, refused))} through "
            "create()/fill()/update() (Meta.fillable/Meta.guarded); set the attribute "
            "directly if this is intended", model=cls.__name__)


def _as_instances(cls: Any, items: Iterable[Any], *, validate: bool,
                  start: int = 0) -> list[Any]:
    listed = items if type(items) is list else list(items)
    kinds = value_types(listed)
    if kinds <= {cls}:
        if not validate:
            return listed  # the bulk path: instances were validated when they were built
        # validated in place, the whole list in one Pydantic call per chunk: the
        # caller's instances are the ones written
        checked = validate_many(cls, [dict(item.__dict__) for item in listed], start=start,
                                where="insert_many()")
        for item, valid in zip(listed, checked, strict=True):
            item.__dict__.update(valid.__dict__)
        return listed
    if kinds <= {dict}:
        # dicts: one Pydantic call per chunk (clickorm.model.bulk_validation)
        _check_keys(cls, listed)
        return validate_many(cls, listed, start=start, where="insert_many()")
    out: list[Any] = []
    for index, item in enumerate(listed, start):
        if isinstance(item, cls):
            if validate:  # validated in place: the caller's instance is the one written
                checked = validate_model(cls, dict(item.__dict__),
                                         where=f"item {index} of insert_many()")
                item.__dict__.update(checked.__dict__)
            out.append(item)
        elif isinstance(item, Mapping):
            _check_mass_assignment(cls, item)
            out.append(validate_model(cls, dict(item), where=f"item {index} of insert_many()"))
        else:
            raise ValidationError(
                f"insert_many() on {cls.__name__} takes {cls.__name__} instances or dicts; "
                f"item {index} of insert_many() is {type(item).__name__}", model=cls.__name__)
    return out


def _check_keys(cls: Any, rows: list[dict[str, Any]]) -> None:
    """The mass-assignment check of dicts, once per distinct set of keys."""
    meta: TableMeta = cls.__clickorm_meta__
    if meta.guarded or meta.fillable is not None:
        for keys in {tuple(item) for item in rows}:
            _check_mass_assignment(cls, dict.fromkeys(keys))


def _insert_listed(cls: Any, items: Sequence[Any], conn: Any, *, validate: bool,
                   chunk_size: int | None, options: InsertOptions) -> int:
    """insert_many() of a sequence: validated as a whole, then written (its instances are
    released when this returns). Dicts of a model whose validation needs no instance
    are validated to field values and written as they are (clickorm.model.row_validation)."""
    listed = items if type(items) is list else list(items)
    if len(listed) > 1 and value_types(listed) <= {dict}:
        validator = rows_validator(cls)
        if validator is not None:
            _check_keys(cls, listed)
            rows = validate_rows(cls, validator, listed)
            return insert_rows(cls, rows, conn, chunk_size=chunk_size, options=options)
    instances = _as_instances(cls, listed, validate=validate)
    return insert_instances(cls, instances, conn, chunk_size=chunk_size, options=options)


def _streamed_instances(cls: Any, items: Iterable[Any], *, validate: bool) -> Iterator[Any]:
    """Instances of an iterator's items, validated a chunk at a time."""
    start = 0
    for chunk in chunked(items, STREAM_VALIDATION_ROWS):
        yield from _as_instances(cls, chunk, validate=validate, start=start)
        start += len(chunk)


#: items validated at a time when insert_many() reads an iterator
STREAM_VALIDATION_ROWS = 1_000
