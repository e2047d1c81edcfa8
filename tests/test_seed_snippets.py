"""The seed's own snippets (clickorm-architecture.txt, sections 1-6), run as written on
SQLite. The only change: the manager points at ``sqlite://`` instead of a ClickHouse
server, and is made the default connection so ``User.query`` and ``save()`` find it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

# 1. Model Definition -------------------------------------------------------------------
from clickorm import Column, Model, Schema, types  # noqa: F401 - the seed imports types too


class User(Model):
    id: int = Column(primary_key=True)
    name: str = Column()
    email: str = Column(index=True)
    created_at: datetime = Column(default=datetime.utcnow)

    class Meta:
        table_name = "users"
        engine = "MergeTree()"
        order_by = "id"


@pytest.fixture
def conn() -> Iterator[object]:
    # 2. Connection Management (seed: ConnectionManager(host="localhost", port=9000,
    # database="default"), a ClickHouse server)
    from clickorm import ConnectionManager
    from clickorm.connection.manager import reset_managers, set_default_manager

    reset_managers()
    conn = ConnectionManager("sqlite://")
    set_default_manager(conn)
    User.create_table()
    yield conn
    reset_managers()


def test_model_definition() -> None:
    assert User.__table_name__ == "users"
    assert User.Meta.engine == "MergeTree()" and User.Meta.order_by == "id"
    assert set(User.model_fields) == {"id", "name", "email", "created_at"}


def test_connection_management_session_query(conn: object) -> None:
    User.insert_many([User(id=i, name=f"user {i}", email=f"u{i}@example.com")
                      for i in range(1, 16)])

    # Use the connection
    with conn.session() as session:  # type: ignore[attr-defined]
        users = session.query(User).filter(User.id > 10).all()

    assert [u.id for u in users] == [11, 12, 13, 14, 15]
    assert all(isinstance(u, User) for u in users)


def test_query_building_insert_update_delete(conn: object) -> None:
    for i, name in enumerate(["John Smith", "Johnny B", "Mary"], start=1):
        User.create(name=name, email=f"{i}@example.com", created_at=datetime(2024, 1, i))

    # Select query
    users = User.query.filter(User.name.like("John%")).order_by(User.created_at.desc()).limit(10).all()
    assert [u.name for u in users] == ["Johnny B", "John Smith"]

    # Insert
    user = User(name="John Doe", email="[email protected]")
    user.save()
    assert user.id == 4 and User.find(4).email == "[email protected]"

    # Update
    user.name = "Jane Doe"
    user.save()
    assert User.find(4).name == "Jane Doe"

    # Delete
    user.delete()
    assert User.find(4) is None
    assert User.query.count() == 3


def test_type_conversion_table(conn: object) -> None:
    class Typed(Model):
        id: int = Column(primary_key=True)
        f: float
        s: str
        dt: datetime
        d: date
        tags: list[str]
        attrs: dict[str, int]

    Typed.create_table()
    row = Typed.create(f=1.5, s="x", dt=datetime(2024, 2, 3, 4, 5, 6), d=date(2024, 2, 3),
                       tags=["a", "b"], attrs={"k": 1})
    assert Typed.find(row.id) == row


def test_schema_management(conn: object) -> None:
    # Create table
    User.create_table()  # already there: IF NOT EXISTS by default
    # Drop table
    User.drop_table()
    with pytest.raises(Exception, match="users"):
        User.query.count()
    User.create_table()
    assert User.query.count() == 0
    # Alter table (the model-layer wiring; the seed's exact spelling is tested below)
    User.alter_table(add_column=("new_field", str, ""))
    User.create(name="n", email="e")
    assert User.select("id", "new_field").first().extras == {"new_field": ""}


def test_schema_management_alter_table(conn: object) -> None:
    # Alter table
    User.alter_table(add_column=Column("new_field", str))
    assert "new_field" in [c.name for c in Schema.get_columns("users")]


def test_error_handling(conn: object) -> None:
    from clickorm import ConnectionError, QueryError, SchemaError, ValidationError
    from clickorm.errors import ClickORMError

    with pytest.raises(ValidationError):
        User.create(name="x", email=None)
    with pytest.raises(QueryError):
        User.where_raw("no such column = 1").get()
    with pytest.raises(SchemaError):
        class Broken(Model):
            id: int

            class Meta:
                engin = "MergeTree()"
    assert issubclass(ConnectionError, ClickORMError)
