"""Relationships: each kind lazily and eagerly, statement counts, filters and counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.model import (
    Column,
    Model,
    RelatedCollection,
    belongs_to,
    belongs_to_many,
    has_many,
    has_one,
)
from clickorm.model.query import ModelQuery


class Author(Model):
    id: int = Column(primary_key=True)
    name: str
    posts = has_many("Post")  # Post.author_id = Author.id
    profile = has_one("Profile")
    roles = belongs_to_many("Role")  # pivot author_role(author_id, role_id)


class Post(Model):
    id: int = Column(primary_key=True)
    author_id: int | None = None
    title: str
    author = belongs_to(Author)  # class target; foreign key author_id
    comments = has_many("Comment", foreign_key="post_id")


class Comment(Model):
    id: int = Column(primary_key=True)
    post_id: int
    text: str
    post = belongs_to("Post", foreign_key="post_id")


class Profile(Model):
    id: int = Column(primary_key=True)
    author_id: int
    bio: str


class Role(Model):
    id: int = Column(primary_key=True)
    label: str
    authors = belongs_to_many(Author)


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    for model in (Author, Post, Comment, Profile, Role):
        model.create_table()
    conn.execute('CREATE TABLE "author_role" ("author_id" INTEGER, "role_id" INTEGER)')
    Author.insert_many([{"id": i, "name": f"a{i}"} for i in (1, 2, 3)])
    Post.insert_many([{"id": 1, "author_id": 1, "title": "p1"},
                      {"id": 2, "author_id": 1, "title": "p2"},
                      {"id": 3, "author_id": 2, "title": "p3"},
                      {"id": 4, "author_id": None, "title": "orphan"}])
    Comment.insert_many([{"id": 1, "post_id": 1, "text": "c1"},
                         {"id": 2, "post_id": 1, "text": "c2"},
                         {"id": 3, "post_id": 3, "text": "c3"}])
    Profile.insert_many([{"id": 1, "author_id": 2, "bio": "bio2"}])
    Role.insert_many([{"id": 1, "label": "admin"}, {"id": 2, "label": "editor"}])
    conn.execute('INSERT INTO "author_role" VALUES (1, 1), (1, 2), (2, 2)')
    yield conn
    reset_managers()


@pytest.fixture
def statements(db: BaseConnection) -> list[str]:
    seen: list[str] = []
    db.listeners.append(lambda sql, params: seen.append(sql))
    return seen


def test_has_many_loads_once_and_calls_return_the_builder(db: BaseConnection,
                                                          statements: list[str]) -> None:
    author = Author.find(1)
    statements.clear()
    posts = author.posts
    assert isinstance(posts, RelatedCollection) and [p.title for p in posts] == ["p1", "p2"]
    assert author.posts is posts and len(statements) == 1  # cached on the instance
    builder = author.posts()
    assert isinstance(builder, ModelQuery)
    assert [p.title for p in builder.where("title", "p2").get()] == ["p2"]
    assert author.related("posts").count() == 2
    assert Author.find(3).posts == []


def test_belongs_to_has_one_and_belongs_to_many(db: BaseConnection,
                                                statements: list[str]) -> None:
    post = Post.find(3)
    assert post.author.name == "a2"
    assert post.related("author").value("name") == "a2"
    orphan = Post.find(4)
    statements.clear()
    assert orphan.author is None and statements == []  # no key, no query
    assert Author.find(2).profile.bio == "bio2"
    assert Author.find(1).profile is None
    assert [r.label for r in Author.find(1).roles.sort_by("id")] == ["admin", "editor"]
    assert [a.name for a in Role.find(2).authors.sort_by("id")] == ["a1", "a2"]
    assert Author.find(1).roles().where("label", "admin").count() == 1
    assert Comment.find(3).post.author.name == "a2"


def test_eager_loading_runs_one_query_per_relation_level(db: BaseConnection,
                                                         statements: list[str]) -> None:
    authors = Author.with_("posts", "posts.comments", "profile", "roles").order_by("id").get()
    assert len(statements) == 5  # authors, posts, comments, profiles, roles
    statements.clear()
    a1, a2, a3 = authors
    assert [p.title for p in a1.posts] == ["p1", "p2"]
    assert [c.text for c in a1.posts[0].comments] == ["c1", "c2"]
    assert a1.posts[1].comments == [] and a3.posts == []
    assert a2.profile.bio == "bio2" and a1.profile is None
    assert sorted(r.label for r in a1.roles) == ["admin", "editor"]
    assert [r.label for r in a2.roles] == ["editor"] and a3.roles == []
    assert statements == []  # everything came from the eager queries
    assert a1.posts().count() == 2  # the loaded collection still gives the builder


def test_nested_path_alone_loads_every_level(db: BaseConnection,
                                             statements: list[str]) -> None:
    posts = Post.with_("author", "comments.post").get()
    assert len(statements) == 4
    statements.clear()
    by_id = {p.id: p for p in posts}
    assert by_id[1].author.name == "a1" and by_id[4].author is None
    assert by_id[1].comments[0].post.id == 1
    assert statements == []


def test_collection_load_and_instance_load(db: BaseConnection,
                                           statements: list[str]) -> None:
    authors = Author.all()
    statements.clear()
    authors.load("posts.comments")
    assert len(statements) == 2
    author = Author.find(2).load("profile")
    assert author.relation_loaded("profile") and author.to_dict()["profile"]["bio"] == "bio2"
    assert "profile" not in author.model_dump()


def test_unknown_relation_is_a_clear_error(db: BaseConnection) -> None:
    with pytest.raises(QueryError, match="Author has no relationship 'post'.*'posts'"):
        Author.with_("post").get()


def test_where_has_and_where_doesnt_have(db: BaseConnection) -> None:
    def names(q: ModelQuery) -> list[str]:
        return sorted(a.name for a in q.get())

    assert names(Author.where_has("posts")) == ["a1", "a2"]
    assert names(Author.where_doesnt_have("posts")) == ["a3"]
    assert names(Author.where_has("posts", lambda q: q.where("title", "p3"))) == ["a2"]
    assert names(Author.where_has("posts.comments", lambda q: q.where("text", "c1"))) == ["a1"]
    assert names(Author.where_has("roles", lambda q: q.where("label", "admin"))) == ["a1"]
    assert names(Author.where("name", "a3").or_where_has("profile")) == ["a2", "a3"]
    assert sorted(p.title for p in Post.where_doesnt_have("author").get()) == ["orphan"]
    assert sorted(p.title for p in Post.where_has("author").get()) == ["p1", "p2", "p3"]


def test_with_count(db: BaseConnection) -> None:
    counted = Author.with_count("posts", "roles").order_by("id").get()
    assert [(a.posts_count, a.roles_count) for a in counted] == [(2, 2), (1, 1), (0, 0)]
    assert counted[0].extras == {"posts_count": 2, "roles_count": 2}
    assert Author.where("id", 1).with_count("posts").first().posts_count == 2


def test_assigning_a_belongs_to_sets_the_foreign_key(db: BaseConnection) -> None:
    post = Post.find(4)
    post.author = Author.find(3)
    assert post.author_id == 3 and post.get_dirty() == {"author_id": 3}
    post.save()
    assert Post.find(4).author.name == "a3"
    author = Author.find(1)
    author.posts = [Post(title="x")]
    assert [p.title for p in author.posts] == ["x"]


def test_string_targets_resolve_within_the_declaring_scope() -> None:
    class Shelf(Model):
        id: int = Column(primary_key=True)
        books = has_many("Book")

    class Book(Model):
        id: int = Column(primary_key=True)
        shelf_id: int

    assert Shelf.books.target is Book
    assert Shelf.books.foreign_key == "shelf_id" and Shelf.books.local_key == "id"

    class Lost(Model):
        id: int = Column(primary_key=True)
        things = has_many("NoSuchModel")

    with pytest.raises(QueryError, match="no model class of that name"):
        Lost.things.target  # noqa: B018


def test_relationship_filters_need_a_model_query() -> None:
    from clickorm.model.builder import QueryBuilder

    with pytest.raises(QueryError, match="needs a model query"):
        QueryBuilder("authors").where_has("posts")


def test_relationships_on_an_abstract_base_belong_to_each_model() -> None:
    class Owned(Model):
        id: int = Column(primary_key=True)
        notes = has_many("Memo")

        class Meta:
            abstract = True

    class Customer(Owned):
        name: str = ""

    class Supplier(Owned):
        name: str = ""

    class Memo(Model):
        id: int = Column(primary_key=True)

    assert Customer.notes.foreign_key == "customer_id"
    assert Supplier.notes.foreign_key == "supplier_id"
    assert Customer.notes.target is Memo
