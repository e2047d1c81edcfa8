"""Relationships: ``belongs_to``, ``has_one``, ``has_many``, ``belongs_to_many``.

Declared as plain class attributes (they are not Pydantic fields and never appear in
``model_dump`` or the JSON schema)::

    class User(Model):
        id: int = Column(primary_key=True)
        posts = has_many("Post", foreign_key="user_id")       # Post.user_id = User.id
        profile = has_one("Profile")                          # Profile.user_id = User.id
        roles = belongs_to_many("Role", pivot="role_user")    # role_user(user_id, role_id)

    class Post(Model):
        id: int = Column(primary_key=True)
        user_id: int
        author = belongs_to("User", foreign_key="user_id")    # Post.user_id = User.id

Access on an instance loads and caches: ``user.posts`` is a Collection (a second access
runs no query), ``post.author`` a model or None. Calling a to-many result returns the
relation's builder for further filtering, Masonite style: ``user.posts().where(...)``;
``instance.related("name")`` returns that builder for every kind of relation.

Eager loading (``User.with_("posts", "posts.comments")``, ``users.load("posts")``) runs
one query per relation level, ``WHERE key IN (...)`` over all parents (split into
chunks of :data:`EAGER_CHUNK` keys), never one per row. Builder filters
``where_has`` / ``or_where_has`` / ``where_doesnt_have`` use ``key IN (subquery)`` and
``with_count`` a LEFT JOIN on a grouped count; both work on SQLite and ClickHouse.

Targets may be given as classes or by name. A name is resolved on first use through the
model registry (see :mod:`clickorm.model.registry`), preferring a class defined in the
same module and scope as the declaring model. Default keys follow Laravel/Masonite:
``has_many``/``has_one`` foreign key ``<owner snake name>_id`` and local key the owner's
primary key; ``belongs_to`` foreign key ``<attribute>_id`` and owner key the target's
primary key; ``belongs_to_many`` pivot ``<a>_<b>`` (the two snake names, sorted) with
keys ``<owner>_id`` and ``<target>_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.errors import QueryError
from clickorm.model.collection import Collection
from clickorm.model.execution import narrowed
from clickorm.model.naming import did_you_mean, snake_case
from clickorm.model.registry import resolve_model
from clickorm.model.state import own_state, state_of
from clickorm.query.expressions import (
    Alias,
    Col,
    Compare,
    Func,
    InList,
    IsNull,
    Join,
    Or,
    Star,
    Subquery,
    Table,
    _tuple_new,
)
from clickorm.query.state import EMPTY

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.query import ModelQuery

__all__ = [
    "Relationship",
    "BelongsTo",
    "HasOne",
    "HasMany",
    "BelongsToMany",
    "belongs_to",
    "has_one",
    "has_many",
    "belongs_to_many",
    "RelatedCollection",
    "eager_load",
    "has_condition",
    "count_join",
    "EAGER_CHUNK",
]

#: parent keys per eager-loading query (SQLite binds at most 32766 values per statement)
EAGER_CHUNK = 5_000

Callback = Callable[[Any], Any]


class RelatedCollection(Collection[Any]):
    """A loaded to-many relation; calling it returns the relation's builder."""

    def __init__(self, items: Iterable[Any] = (), relation: Relationship | None = None,
                 parent: Any = None) -> None:
        super().__init__(items)
        self._relation = relation
        self._parent = parent

    def __call__(self) -> ModelQuery[Any]:
        if self._relation is None:
            raise TypeError("this collection is not attached to a relationship")
        query = self._relation.query_for(self._parent)
        assert query is not None  # without empty_ok, query_for raises instead
        return query


class Relationship:
    """Base descriptor; subclasses say how keys pair up and how results are shaped."""

    #: removed from the class namespace before Pydantic sees it, restored afterwards
    __clickorm_special__ = True
    many: ClassVar[bool] = False
    kind: ClassVar[str] = "relationship"

    def __init__(self, target: str | type) -> None:
        if not isinstance(target, (str, type)):
            raise TypeError(f"a relationship target is a model class or its name, got {target!r}")
        self._target = target
        self._resolved: Any = None
        self.owner: Any = None
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __repr__(self) -> str:
        owner = self.owner.__name__ if self.owner is not None else "?"
        target = self._target if isinstance(self._target, str) else self._target.__name__
        return f"<{type(self).__name__} {owner}.{self.name} -> {target}>"

    # -- target and keys ---------------------------------------------------------------
    @property
    def target(self) -> Any:
        """The related model class (a name is resolved on first use)."""
        if self._resolved is None:
            if isinstance(self._target, str):
                self._resolved = resolve_model(self._target, self.owner, self.name)
            else:
                self._resolved = self._target
        return self._resolved

    @staticmethod
    def _single_pk(model: Any, role: str) -> str:
        pk: tuple[str, ...] = model.__primary_key__
        if len(pk) != 1:
            raise QueryError(
                f"{model.__name__} needs a single-column primary key to be the {role} of a "
                f"relationship (it has {pk or 'none'}); pass the key explicitly"
            )
        return pk[0]

    @staticmethod
    def _db(model: Any, field: str) -> str:
        try:
            name: str = model.__clickorm_db_names__[field]
            return name
        except KeyError:
            raise QueryError(
                f"{model.__name__} has no field {field!r} (used as a relationship key); "
                f"fields: {', '.join(model.__pydantic_fields__)}"
            ) from None

    # -- descriptor --------------------------------------------------------------------
    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        st = state_of(instance)
        cache = st.relations if st is not None else None
        if cache is not None and self.name in cache:
            return cache[self.name]
        value = self.load(instance)
        self.store(instance, value)
        return value

    def store(self, instance: Any, value: Any) -> None:
        st = own_state(instance)
        if st.relations is None:
            st.relations = {}
        st.relations[self.name] = value

    def assign(self, instance: Any, value: Any) -> None:
        """``instance.<name> = value``: cache ``value`` as the loaded relation."""
        if self.many:
            value = RelatedCollection(value or (), self, instance)
        self.store(instance, value)

    def wrap(self, instance: Any, items: Sequence[Any]) -> Any:
        if self.many:
            return RelatedCollection(items, self, instance)
        return items[0] if items else None

    def load(self, instance: Any) -> Any:
        builder = self.query_for(instance, empty_ok=True)
        if builder is None:
            return self.wrap(instance, [])
        return self.wrap(instance, builder.get() if self.many else builder.limit(1).get())

    def base_query(self, connection: BaseConnection | None = None) -> ModelQuery[Any]:
        query: ModelQuery[Any] = self.target._clickorm_query(connection)
        return query

    # -- what subclasses define ----------------------------------------------------------
    def query_for(self, instance: Any, *, empty_ok: bool = False) -> ModelQuery[Any] | None:
        """The builder of this relation's rows for ``instance``; None when its key is unset
        and ``empty_ok`` (else a QueryError)."""
        raise NotImplementedError

    def eager(self, parents: Sequence[Any], connection: BaseConnection | None) -> list[Any]:
        raise NotImplementedError

    def membership(self, outer: str, callback: Callback | None) -> tuple[Any, Any]:
        """(outer key column, subquery state of matching keys) for where_has."""
        raise NotImplementedError

    def count_source(self, outer: str) -> tuple[Any, Any, Any]:
        """(outer key column, source table, key column in the source) for with_count."""
        raise NotImplementedError


def _in_chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), EAGER_CHUNK):
        yield values[start:start + EAGER_CHUNK]


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None:
            seen.setdefault(v, None)
    return list(seen)


def _conn_for(target: Any, parent_model: Any, connection: BaseConnection | None) -> Any:
    if connection is not None and target.__connection_name__ == parent_model.__connection_name__:
        return connection
    return None


def _apply(builder: Any, callback: Callback | None) -> Any:
    if callback is None:
        return builder
    result = callback(builder)
    if result is None:
        raise QueryError("A where_has callback must return the builder it was given")
    return result


class _Keyed(Relationship):
    """has_one / has_many: the target holds a foreign key to the owner's local key."""

    def __init__(self, target: str | type, foreign_key: str | None = None,
                 local_key: str | None = None) -> None:
        super().__init__(target)
        self._foreign_key = foreign_key
        self._local_key = local_key

    @property
    def foreign_key(self) -> str:
        return self._foreign_key or f"{snake_case(self.owner.__name__)}_id"

    @property
    def local_key(self) -> str:
        return self._local_key or self._single_pk(self.owner, "owner")

    def query_for(self, instance: Any, *, empty_ok: bool = False) -> ModelQuery[Any] | None:
        value = instance.__dict__.get(self.local_key)
        if value is None:
            if empty_ok:
                return None
            raise QueryError(f"{type(instance).__name__}.{self.local_key} is not set, so "
                             f"{self.name} cannot be queried; save the row first")
        return self.base_query().where(self._db(self.target, self.foreign_key), value)

    def eager(self, parents: Sequence[Any], connection: BaseConnection | None) -> list[Any]:
        local, fk = self.local_key, self.foreign_key
        keys = _unique(p.__dict__.get(local) for p in parents)
        found: list[Any] = []
        conn = _conn_for(self.target, type(parents[0]), connection)
        column = self._db(self.target, fk)
        for chunk in _in_chunks(keys):
            found.extend(self.base_query(conn).where_in(column, chunk).get())
        groups: dict[Any, list[Any]] = {}
        for child in found:
            groups.setdefault(child.__dict__.get(fk), []).append(child)
        for parent in parents:
            self.store(parent, self.wrap(parent, groups.get(parent.__dict__.get(local), [])))
        return found

    def membership(self, outer: str, callback: Callback | None) -> tuple[Any, Any]:
        target = self.target
        fk = Col(self._db(target, self.foreign_key), target.__table_name__)
        # the callback's own ORs stay inside their group
        inner = narrowed(_apply(self.base_query(), callback),
                         lambda q: q.select(fk).where_not_null(fk))
        return Col(self._db(self.owner, self.local_key), outer), inner

    def count_source(self, outer: str) -> tuple[Any, Any, Any]:
        target = self.target
        return (Col(self._db(self.owner, self.local_key), outer), Table(target.__table_name__),
                Col(self._db(target, self.foreign_key), None))


class HasMany(_Keyed):
    """``user.posts``: rows of the target whose foreign key is this row's local key."""

    many = True
    kind = "has_many"


class HasOne(_Keyed):
    """``user.profile``: the one target row whose foreign key is this row's local key."""

    kind = "has_one"


class BelongsTo(Relationship):
    """``post.author``: the target row whose key is this row's foreign key."""

    kind = "belongs_to"

    def __init__(self, target: str | type, foreign_key: str | None = None,
                 owner_key: str | None = None) -> None:
        super().__init__(target)
        self._foreign_key = foreign_key
        self._owner_key = owner_key

    @property
    def foreign_key(self) -> str:
        return self._foreign_key or f"{self.name}_id"

    @property
    def owner_key(self) -> str:
        return self._owner_key or self._single_pk(self.target, "target")

    def query_for(self, instance: Any, *, empty_ok: bool = False) -> ModelQuery[Any] | None:
        value = instance.__dict__.get(self.foreign_key)
        if value is None:
            if empty_ok:
                return None
            raise QueryError(f"{type(instance).__name__}.{self.foreign_key} is not set, so "
                             f"{self.name} cannot be queried")
        return self.base_query().where(self._db(self.target, self.owner_key), value)

    def assign(self, instance: Any, value: Any) -> None:
        # keep the foreign key in step with the assigned row (a normal, tracked change)
        setattr(instance, self.foreign_key,
                None if value is None else value.__dict__.get(self.owner_key))
        self.store(instance, value)

    def eager(self, parents: Sequence[Any], connection: BaseConnection | None) -> list[Any]:
        fk, key = self.foreign_key, self.owner_key
        keys = _unique(p.__dict__.get(fk) for p in parents)
        found: list[Any] = []
        conn = _conn_for(self.target, type(parents[0]), connection)
        column = self._db(self.target, key)
        for chunk in _in_chunks(keys):
            found.extend(self.base_query(conn).where_in(column, chunk).get())
        by_key = {row.__dict__.get(key): row for row in found}
        for parent in parents:
            self.store(parent, by_key.get(parent.__dict__.get(fk)))
        return found

    def membership(self, outer: str, callback: Callback | None) -> tuple[Any, Any]:
        target = self.target
        key = Col(self._db(target, self.owner_key), target.__table_name__)
        inner = _apply(self.base_query(), callback).select(key)
        return Col(self._db(self.owner, self.foreign_key), outer), inner

    def count_source(self, outer: str) -> tuple[Any, Any, Any]:
        target = self.target
        return (Col(self._db(self.owner, self.foreign_key), outer),
                Table(target.__table_name__), Col(self._db(target, self.owner_key), None))


class BelongsToMany(Relationship):
    """``user.roles``: target rows linked through a pivot table."""

    many = True
    kind = "belongs_to_many"
    #: extra column carrying the parent key on eagerly loaded rows (``role.pivot_user_id``)
    PIVOT_PREFIX = "pivot_"

    def __init__(self, target: str | type, pivot: str | None = None,
                 foreign_pivot_key: str | None = None, related_pivot_key: str | None = None,
                 parent_key: str | None = None, related_key: str | None = None) -> None:
        super().__init__(target)
        self._pivot = pivot
        self._foreign_pivot_key = foreign_pivot_key
        self._related_pivot_key = related_pivot_key
        self._parent_key = parent_key
        self._related_key = related_key

    @property
    def pivot(self) -> str:
        if self._pivot:
            return self._pivot
        names = sorted((snake_case(self.owner.__name__), snake_case(self.target.__name__)))
        return "_".join(names)

    @property
    def foreign_pivot_key(self) -> str:
        return self._foreign_pivot_key or f"{snake_case(self.owner.__name__)}_id"

    @property
    def related_pivot_key(self) -> str:
        return self._related_pivot_key or f"{snake_case(self.target.__name__)}_id"

    @property
    def parent_key(self) -> str:
        return self._parent_key or self._single_pk(self.owner, "owner")

    @property
    def related_key(self) -> str:
        return self._related_key or self._single_pk(self.target, "target")

    def _joined(self, connection: BaseConnection | None = None) -> ModelQuery[Any]:
        target = self.target
        table = target.__table_name__
        on = _tuple_new(Compare, (Col(self.related_pivot_key, self.pivot), "=",
                                  Col(self._db(target, self.related_key), table)))
        return self.base_query(connection).select(Star(table)).join(self.pivot, on)

    def query_for(self, instance: Any, *, empty_ok: bool = False) -> ModelQuery[Any] | None:
        value = instance.__dict__.get(self.parent_key)
        if value is None:
            if empty_ok:
                return None
            raise QueryError(f"{type(instance).__name__}.{self.parent_key} is not set, so "
                             f"{self.name} cannot be queried; save the row first")
        return self._joined().where(Col(self.foreign_pivot_key, self.pivot), value)

    def eager(self, parents: Sequence[Any], connection: BaseConnection | None) -> list[Any]:
        local = self.parent_key
        keys = _unique(p.__dict__.get(local) for p in parents)
        conn = _conn_for(self.target, type(parents[0]), connection)
        marker = self.PIVOT_PREFIX + self.foreign_pivot_key
        pivot_col = Col(self.foreign_pivot_key, self.pivot)
        found: list[Any] = []
        for chunk in _in_chunks(keys):
            q = self._joined(conn).add_select(_tuple_new(Alias, (pivot_col, marker)))
            found.extend(q.where_in(pivot_col, chunk).get())
        groups: dict[Any, list[Any]] = {}
        for child in found:
            st = state_of(child)
            key = st.extras.get(marker) if st is not None and st.extras else None
            groups.setdefault(key, []).append(child)
        for parent in parents:
            self.store(parent, self.wrap(parent, groups.get(parent.__dict__.get(local), [])))
        return found

    def membership(self, outer: str, callback: Callback | None) -> tuple[Any, Any]:
        inner = _apply(self._joined(), callback).select(Col(self.foreign_pivot_key, self.pivot))
        return Col(self._db(self.owner, self.parent_key), outer), inner

    def count_source(self, outer: str) -> tuple[Any, Any, Any]:
        return (Col(self._db(self.owner, self.parent_key), outer), Table(self.pivot),
                Col(self.foreign_pivot_key, None))


# -- declaration helpers (typed, what users write) -----------------------------------------
def has_many(target: str | type, foreign_key: str | None = None,
             local_key: str | None = None) -> Any:
    """To-many: ``target.<foreign_key>`` equals ``self.<local_key>``."""
    return HasMany(target, foreign_key, local_key)


def has_one(target: str | type, foreign_key: str | None = None,
            local_key: str | None = None) -> Any:
    """To-one, key on the target: ``target.<foreign_key>`` equals ``self.<local_key>``."""
    return HasOne(target, foreign_key, local_key)


def belongs_to(target: str | type, foreign_key: str | None = None,
               owner_key: str | None = None) -> Any:
    """To-one, key here: ``self.<foreign_key>`` equals ``target.<owner_key>``."""
    return BelongsTo(target, foreign_key, owner_key)


def belongs_to_many(target: str | type, pivot: str | None = None, *,
                    foreign_pivot_key: str | None = None,
                    related_pivot_key: str | None = None,
                    parent_key: str | None = None, related_key: str | None = None) -> Any:
    """Many-to-many through ``pivot`` (``pivot.<foreign_pivot_key>`` = ``self.<parent_key>``,
    ``pivot.<related_pivot_key>`` = ``target.<related_key>``)."""
    return BelongsToMany(target, pivot, foreign_pivot_key, related_pivot_key, parent_key,
                         related_key)


# -- eager loading ---------------------------------------------------------------------------
def _tree(paths: Iterable[str]) -> dict[str, list[str]]:
    tree: dict[str, list[str]] = {}
    for path in paths:
        if not isinstance(path, str) or not path.strip():
            raise QueryError(f"with_()/load() takes relation names such as 'posts.comments', "
                             f"got {path!r}")
        head, _, rest = path.strip().partition(".")
        nested = tree.setdefault(head, [])
        if rest:
            nested.append(rest)
    return tree


def relation_of(model: Any, name: str) -> Relationship:
    rel: Relationship | None = model.__clickorm_relations__.get(name)
    if rel is None:
        known = ", ".join(model.__clickorm_relations__) or "(none)"
        raise QueryError(f"{model.__name__} has no relationship {name!r}."
                         f"{did_you_mean(name, model.__clickorm_relations__)} "
                         f"Relationships: {known}")
    return rel


def eager_load(model: Any, items: Sequence[Any], relations: Iterable[str],
               connection: BaseConnection | None) -> None:
    """Load ``relations`` (dotted paths) for every item: one query per relation level."""
    if not items:
        return
    for name, nested in _tree(relations).items():
        rel = relation_of(model, name)
        children = rel.eager(items, connection)
        if nested and children:
            eager_load(rel.target, children, nested, connection)


# -- relationship filters used by the builder ----------------------------------------------
def _outer_ref(builder: Any) -> str:
    source = builder._state.table
    if not isinstance(source, Table):
        raise QueryError("where_has()/with_count() need a query over a model's table")
    name: str = source.alias or source.name
    return name


def _model_of(builder: Any, method: str) -> Any:
    model = builder._model
    if model is None:
        raise QueryError(f"{method}() needs a model query (User.{method}(...)); this builder "
                         "has no model, so it knows no relationships")
    return model


def has_condition(builder: Any, path: str, callback: Callback | None, negate: bool) -> Any:
    """``key [NOT] IN (SELECT related key ...)`` for ``where_has``/``where_doesnt_have``."""
    model = _model_of(builder, "where_has")
    head, _, rest = path.partition(".")
    rel = relation_of(model, head)
    outer = _outer_ref(builder)
    if rest:
        inner_cb: Callback | None = (lambda q: q.where_has(rest, callback))  # noqa: E731
    else:
        inner_cb = callback
    key, inner = rel.membership(outer, inner_cb)
    cond = InList.of(key, Subquery.of(inner._state), negate)
    if negate:
        # NOT IN is unknown (so false) for a NULL key: a row with no key has no relation
        return Or.of(IsNull.of(key, False), cond)
    return cond


def count_join(builder: Any, name: str) -> tuple[Any, Any]:
    """(LEFT JOIN on a grouped count, ``coalesce(n, 0) AS <name>_count``) for with_count."""
    model = _model_of(builder, "with_count")
    rel = relation_of(model, name)
    outer_key, source, inner_key = rel.count_source(_outer_ref(builder))
    alias = f"{name}_count_q"
    counted = EMPTY.set_many(
        table=source,
        columns=(_tuple_new(Alias, (inner_key, "k")),
                 _tuple_new(Alias, (_tuple_new(Func, ("count", (), None, False)), "n"))),
        groups=(inner_key,),
    )
    on = _tuple_new(Compare, (Col("k", alias), "=", outer_key))
    join = Join.of("LEFT", Subquery.of(counted, alias), on)
    column = _tuple_new(Alias, (_tuple_new(Func, ("coalesce", (Col("n", alias), 0), None, False)),
                                f"{name}_count"))
    return join, column


def relation_joins(builder: Any, name: str, kind: str) -> tuple[Any, ...]:
    """The JOINs that bring relation ``name``'s rows beside the builder's (Masonite's
    ``joins("posts")``): the target table on its key, through the pivot table for a
    belongs_to_many."""
    model = _model_of(builder, "joins")
    rel = relation_of(model, name)
    outer = _outer_ref(builder)
    if isinstance(rel, BelongsToMany):
        target = rel.target
        table = target.__table_name__
        to_pivot = _tuple_new(Compare, (Col(rel.foreign_pivot_key, rel.pivot), "=",
                                        Col(rel._db(model, rel.parent_key), outer)))
        to_target = _tuple_new(Compare, (Col(rel._db(target, rel.related_key), table), "=",
                                         Col(rel.related_pivot_key, rel.pivot)))
        return (Join.of(kind, Table(rel.pivot), to_pivot),
                Join.of(kind, Table(table), to_target))
    outer_key, source, inner_key = rel.count_source(outer)
    on = _tuple_new(Compare, (Col(inner_key[0], source.name), "=", outer_key))
    return (Join.of(kind, source, on),)
