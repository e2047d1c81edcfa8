"""``to_sql()`` and every ``dry=True`` show what the connection sends to its server.

On the 18.16 server the spellings differ from the newest ones (a mutation instead of
``DELETE FROM``, no ``SETTINGS mutations_sync`` on ALTER, ``lowerUTF8(..) LIKE`` for
ILIKE, ``LIMIT m, n``, booleans as ``1``). Each case compiles and renders a statement,
runs it, and compares with what the connection's listeners saw it send: ``compile()``
equals the sent SQL and parameters, ``to_sql()``/``dry=True`` equal the sent SQL with
the values spliced in by clickhouse-driver, exactly as the server receives it.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest

from clickorm.connection.manager import ConnectionManager, reset_managers, set_default_manager
from clickorm.model import Column, Model
from clickorm.model.builder import QueryBuilder
from clickorm.query.expressions import column
from clickorm.schema import Schema
from clickorm.types import markers as t
from clickorm_clickhouse.native import bind_params

ROWS = [(1, "Ann", True), (2, "bob", False), (3, "Cleo", True), (4, "anna", True)]


class Visit(Model):
    id: Annotated[int, t.UInt32] = Column(primary_key=True, autoincrement=False)
    name: str
    flag: bool = False

    class Meta:
        table_name = "tosql_visits"
        engine = "MergeTree()"
        order_by = "id"


@pytest.fixture
def manager(clickhouse_server: Any, clickhouse_database: str) -> Iterator[ConnectionManager]:
    """The default connection points at a fresh database on the 18.16 server; nothing is
    open yet."""
    assert tuple(clickhouse_server.version[:2]) == (18, 16), clickhouse_server.version_string
    reset_managers()
    url = (f"clickhouse://default@{clickhouse_server.host}:{clickhouse_server.port}/"
           f"{clickhouse_database}")
    yield set_default_manager(ConnectionManager(url))
    reset_managers()


@pytest.fixture
def visits(manager: ConnectionManager) -> ConnectionManager:
    Visit.create_table()
    Visit.insert_many([Visit(id=i, name=n, flag=f) for i, n, f in ROWS])
    return manager


def sent_by(conn: Any, action: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements ``action`` made ``conn`` send (its listeners' view)."""
    sent: list[tuple[str, Any]] = []

    def listen(sql: str, params: Any) -> None:
        sent.append((sql, params))

    conn.listeners.append(listen)
    try:
        action()
    finally:
        conn.listeners.remove(listen)
    return sent


def spliced(conn: Any, sql: str, params: Any) -> str:
    """The text the server receives: clickhouse-driver's own client-side substitution."""
    client = conn._client
    return str(client.substitute_params(sql, bind_params(params), client.connection.context))


def test_to_sql_opens_the_connection_the_query_would_run_on(manager: ConnectionManager) -> None:
    assert manager.opened_connection() is None
    sql = Visit.where("flag", True).limit(2).offset(1).to_sql()
    opened = manager.opened_connection()
    assert opened is not None and opened.server_version[:2] == (18, 16)
    assert sql == "SELECT * FROM `tosql_visits` WHERE `flag` = 1 LIMIT 1, 2"
    # the offline spelling for the dialect's newest server stays available by name
    assert Visit.where("flag", True).limit(2).offset(1).to_sql("clickhouse") == (
        "SELECT * FROM `tosql_visits` WHERE `flag` = true LIMIT 2 OFFSET 1")


READS: dict[str, tuple[Callable[[], QueryBuilder], str, list[int]]] = {
    "ilike": (lambda: Visit.query.filter(column("name").ilike("an%")).order_by("id"),
              "SELECT * FROM `tosql_visits` WHERE lowerUTF8(`name`) LIKE lowerUTF8('an%')"
              " ORDER BY `id` ASC", [1, 4]),
    "limit_offset": (lambda: Visit.query.order_by("id").limit(2).offset(1),
                     "SELECT * FROM `tosql_visits` ORDER BY `id` ASC LIMIT 1, 2", [2, 3]),
    "boolean": (lambda: Visit.where("flag", True).where("id", "<", 4).order_by("id"),
                "SELECT * FROM `tosql_visits` WHERE `flag` = 1 AND `id` < 4 ORDER BY `id` ASC",
                [1, 3]),
}


@pytest.mark.parametrize("case", sorted(READS))
def test_reads_render_what_is_sent(visits: ConnectionManager, case: str) -> None:
    make, expected, ids = READS[case]
    builder = make()
    compiled, text = builder.compile(), builder.to_sql()
    conn = visits.connection()
    got: list[Any] = []
    sent = sent_by(conn, lambda: got.extend(make().get()))
    assert sent == [(compiled.sql, compiled.params)]
    assert text == spliced(conn, *sent[0]) == expected
    assert [v.id for v in got] == ids


WRITES: dict[str, tuple[Callable[[bool], Any], str, list[tuple[Any, ...]]]] = {
    "update": (lambda dry: Visit.where("id", 2).update({"name": "z'%"}, dry=dry),
               "ALTER TABLE `tosql_visits` UPDATE `name` = 'z\\'%' WHERE ifNull((`id` = 2), 0)",
               [(1, "Ann"), (2, "z'%"), (3, "Cleo"), (4, "anna")]),
    "delete": (lambda dry: Visit.where("flag", True).where("id", ">", 2).delete(dry=dry),
               "ALTER TABLE `tosql_visits` DELETE WHERE ifNull((`flag` = 1 AND `id` > 2), 0)",
               [(1, "Ann"), (2, "bob")]),
    "delete_all": (lambda dry: Visit.query.delete(dry=dry),
                   "ALTER TABLE `tosql_visits` DELETE WHERE 1", []),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_bulk_writes_render_what_is_sent(visits: ConnectionManager, case: str) -> None:
    write, expected, rows = WRITES[case]
    dry = write(True)
    compiled, text = dry.compile(), dry.to_sql()
    conn = visits.connection()
    sent = sent_by(conn, lambda: write(False))
    assert sent == [(compiled.sql, compiled.params)]
    assert text == spliced(conn, *sent[0]) == expected
    assert [(v.id, v.name) for v in Visit.order_by("id").get()] == rows  # waited for


def test_row_writes_dry_render_what_is_sent(visits: ConnectionManager) -> None:
    conn = visits.connection()
    visit = Visit.find(2)
    visit.name, visit.flag = "bee", True
    dry = visit.save(dry=True)
    sent = sent_by(conn, visit.save)
    assert dry == [spliced(conn, sql, params) for sql, params in sent] == [
        "ALTER TABLE `tosql_visits` UPDATE `name` = 'bee', `flag` = 1 WHERE ifNull((`id` = 2), 0)"]
    gone = Visit.find(3)
    dry = gone.delete(dry=True)
    sent = sent_by(conn, gone.delete)
    assert dry == [spliced(conn, sql, params) for sql, params in sent] == [
        "ALTER TABLE `tosql_visits` DELETE WHERE ifNull((`id` = 3), 0)"]
    assert [(v.id, v.name, v.flag) for v in Visit.order_by("id").get()] == [
        (1, "Ann", True), (2, "bee", True), (4, "anna", True)]


def test_insert_sql_and_new_rows_render_what_the_server_accepts(
        visits: ConnectionManager, clickhouse_server: Any, clickhouse_database: str) -> None:
    # over the native protocol rows travel as data blocks, never as VALUES text; the
    # rendered INSERT is checked by running it on the same server over HTTP
    text = Visit.query.insert_sql({"id": 7, "name": "n", "flag": True}).to_sql()
    assert text == "INSERT INTO `tosql_visits` (`id`, `name`, `flag`) VALUES (7, 'n', 1)"
    (dry,) = Visit(id=8, name="m", flag=True).save(dry=True)
    assert dry == "INSERT INTO `tosql_visits` (`id`, `name`, `flag`) VALUES (8, 'm', 1)"
    query = urllib.parse.urlencode({"database": clickhouse_database})
    url = f"http://{clickhouse_server.host}:{clickhouse_server.http_port}/?{query}"
    for statement in (text, dry):
        with urllib.request.urlopen(url, data=statement.encode(), timeout=20) as reply:
            assert reply.status == 200
    assert [(v.id, v.name, v.flag) for v in Visit.where("id", ">", 6).order_by("id").get()] == [
        (7, "n", True), (8, "m", True)]


def test_ddl_dry_runs_are_what_runs(manager: ConnectionManager) -> None:
    conn = manager.connection()
    dry = Visit.create_table(dry=True)
    sent = sent_by(conn, Visit.create_table)
    assert dry == [sql for sql, _ in sent] and dry
    assert "Bool" not in dry[0] and "UInt8" in dry[0]  # 18.16 has no Bool type

    def blueprint(schema: Schema) -> list[str]:
        with schema.create("tosql_t") as table:
            table.integer("id")
            table.boolean("ok")
        return schema.statements

    dry = blueprint(Schema(conn, dry=True))
    sent = sent_by(conn, lambda: blueprint(Schema(conn)))
    assert dry == [sql for sql, _ in sent] and dry
