"""Meta.final: a ReplacingMergeTree model whose reads see merged state by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import Column, ConnectionManager, Model, QueryError, types
from clickorm_clickhouse.engines import ReplacingMergeTree


class Account(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    plan: str
    version: Annotated[int, types.UInt32] = 1

    class Meta:
        table_name = "mf_accounts"
        engine = ReplacingMergeTree(version="version")
        order_by = ("id",)
        final = True


class RawAccount(Account):
    """The same table without FINAL (Meta is inherited, so it says so): plain reads see
    every version row."""

    class Meta:
        table_name = "mf_accounts"
        final = False


@pytest.fixture()
def chdb() -> Iterator[Any]:
    manager = ConnectionManager("clickhouse+embedded://")
    conn = manager.connection()
    conn.execute("DROP TABLE IF EXISTS mf_accounts")
    Account.create_table(connection=conn)
    with manager.session():  # models use this connection inside the block
        yield conn
    conn.execute("DROP TABLE IF EXISTS mf_accounts")
    manager.close()


def test_reads_see_the_latest_version(chdb: Any) -> None:
    Account.insert_many([Account(id=i, plan="free") for i in range(1, 4)])
    account = Account.find(2)
    account.plan = "pro"
    account.save()  # a new version row
    assert "FINAL" in Account.where("id", 2).to_sql()
    assert Account.find(2).plan == "pro"
    assert Account.count() == 3
    assert RawAccount.count() == 4  # without FINAL both versions are visible
    assert sorted(Account.pluck("plan")) == ["free", "free", "pro"]


def test_writes_never_carry_final(chdb: Any) -> None:
    Account.insert_many([Account(id=1, plan="free")])
    sql = Account.where("id", 1).update({"plan": "team"}, dry=True).to_sql()
    assert "FINAL" not in sql
    Account.where("id", 1).update({"plan": "team"})
    Account.where("id", 1).delete()
    assert Account.count() == 0


def test_a_dialect_without_final_refuses_it() -> None:
    manager = ConnectionManager("sqlite://")
    try:
        with pytest.raises(QueryError, match="FINAL is not supported by the sqlite dialect"):
            Account.query.on(manager.connection()).get()
    finally:
        manager.close()
