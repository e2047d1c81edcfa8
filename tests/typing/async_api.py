"""Typing examples of the async API, checked by ``mypy --strict`` and pyright (strict).

Each async terminal answers the type of its sync twin; composition is the sync builder's.
This file is read by the type checkers, never imported by pytest.
"""

from __future__ import annotations

from typing import Any, assert_type

from clickorm import Collection, Column, ConnectionManager, Model, Page, QueryBuilder
from clickorm.model.async_session import AsyncSession


class Account(Model):
    id: int = Column(primary_key=True)
    name: str = ""


async def reads() -> None:
    q = Account.where("id", ">", 1)
    assert_type(q, QueryBuilder[Account])
    assert_type(await q.aget(), Collection[Account])
    assert_type(await q.aall(), Collection[Account])
    assert_type(await q.afirst(), Account | None)
    assert_type(await q.afirst_or_fail(), Account)
    assert_type(await q.afind(1), Account | None)
    assert_type(await q.afind([1, 2]), Collection[Account])
    assert_type(await q.afind_or_fail(1), Account)
    assert_type(await q.acount(), int)
    assert_type(await q.aexists(), bool)
    assert_type(await q.apluck("name"), Collection[Any])
    assert_type(await q.apluck("name", "id"), dict[Any, Any])
    assert_type(await q.apaginate(10, 2), Page[Account])
    async for account in q.aiter(batch_size=100):
        assert_type(account, Account)
    assert_type(await q.aupdate({"name": "x"}), int | None)
    assert_type(await q.adelete(), int | None)
    assert_type(await q.aupdate({"name": "x"}, dry=True), QueryBuilder[Account])
    assert_type(await q.adelete(dry=True), QueryBuilder[Account])


async def class_level() -> None:
    assert_type(await Account.aget(), Collection[Account])
    assert_type(await Account.afind(1), Account | None)
    assert_type(await Account.afind([1]), Collection[Account])
    assert_type(await Account.afirst(), Account | None)
    assert_type(await Account.acount(), int)
    assert_type(await Account.apaginate(), Page[Account])
    async for account in Account.aiter():
        assert_type(account, Account)
    rows = QueryBuilder("accounts")
    assert_type(await rows.aget(), Collection[dict[str, Any]])


async def writes(manager: ConnectionManager) -> None:
    made = await Account.acreate(id=1, name="a")
    assert_type(made, Account)
    assert_type(await made.asave(), Account)
    assert_type(await made.asave(dry=True), list[str])
    assert_type(await made.arefresh(), Account)
    assert_type(await Account.ainsert_many([made]), int)
    session = manager.async_session()
    assert_type(session, AsyncSession)
    async with session as s:
        s.add(Account(id=2))
        await s.flush()
        assert_type(s.query(Account), QueryBuilder[Account])
        assert_type(await s.query(Account).aget(), Collection[Account])


def misspelt_async_terminal() -> None:
    Account.query.agte()  # type: ignore[attr-defined]
