"""Lookups that find nothing name the model and its key columns, never the key values
they were given (a key can be an e-mail address or a token); a where_date() string that
is not a date is refused without quoting it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import use
from clickorm.connection.manager import reset_managers
from clickorm.errors import HTTP404, ModelNotFound, QueryError
from clickorm.model import Column, Model


class Subscriber(Model):
    email: str = Column(primary_key=True)
    name: str

    class Meta:
        table_name = "subscribers"


@pytest.fixture(autouse=True)
def _sqlite() -> Iterator[None]:
    reset_managers()
    use("sqlite://")
    Subscriber.create_table()
    yield
    reset_managers()


SECRET = "private.person@example.com"


def test_find_or_fail_and_find_or_404_leave_the_key_out() -> None:
    with pytest.raises(ModelNotFound) as one:
        Subscriber.find_or_fail(SECRET)
    with pytest.raises(ModelNotFound) as many:
        Subscriber.find_or_fail([SECRET, "other@example.com"])
    with pytest.raises(HTTP404) as web:
        Subscriber.query.find_or_404(SECRET)
    for info in (one, many, web):
        text = str(info.value)
        assert "Subscriber" in text and "(email)" in text
        assert SECRET not in text and "example.com" not in text
    assert "2 given primary keys" in str(many.value)


def test_refresh_of_a_deleted_row_leaves_the_key_out() -> None:
    subscriber = Subscriber.create(email=SECRET, name="P")
    Subscriber.query.delete()
    with pytest.raises(ModelNotFound) as info:
        subscriber.refresh()
    text = str(info.value)
    assert "subscribers" in text and "(primary key email)" in text and SECRET not in text


def test_where_date_with_a_bad_string_leaves_it_out() -> None:
    with pytest.raises(QueryError) as info:
        Subscriber.where_date("email", "secret-2024-13-45").get()
    assert "YYYY-MM-DD" in str(info.value) and "secret" not in str(info.value)
