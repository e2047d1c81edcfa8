"""ConnectionManager: building from URLs, keys and config; per-thread and shared connections.

Uses real databases: the third-party toydb plugin (sqlite3 underneath, installed into the
test environment) and the sqlite dialect.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from clickorm.config import load_config
from clickorm.connection.manager import (
    ConnectionManager,
    get_connection,
    get_manager,
    register_manager,
    reset_managers,
    set_default_manager,
    use,
)
from clickorm.errors import ConfigError, ConnectionError, PluginError


@pytest.fixture(autouse=True)
def fresh_registry(clean_env: pytest.MonkeyPatch) -> Iterator[None]:
    reset_managers()
    yield
    reset_managers()


def in_threads(fn, n: int = 6) -> list:  # type: ignore[no-untyped-def]
    results: list = [None] * n
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = fn(i)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# -- building ------------------------------------------------------------------------------
def test_from_url_resolves_dialect_and_driver() -> None:
    manager = ConnectionManager("toydb://", name="toy")
    assert manager.name == "toy"
    assert manager.dialect.name == "toydb"
    assert (manager.config.dialect, manager.config.driver, manager.config.path) == (
        "toydb",
        "memory",
        None,
    )
    assert manager.opened == 0  # lazy: nothing opened yet


def test_seed_style_explicit_keys_mean_clickhouse_native() -> None:
    manager = ConnectionManager(host="localhost", port=9000, database="default")
    assert (manager.dialect.name, manager.driver) == ("clickhouse", "native")
    assert (manager.config.host, manager.config.port, manager.config.database) == (
        "localhost",
        9000,
        "default",
    )
    assert manager.name == "default"
    assert manager.opened == 0


def test_alias_scheme_is_normalised() -> None:
    manager = ConnectionManager("chdb://")
    assert (manager.config.dialect, manager.config.driver) == ("clickhouse", "embedded")


def test_keys_override_url_parts() -> None:
    manager = ConnectionManager(
        "clickhouse://u:pw@h:9000/db", database="other", settings={"max_threads": 2}
    )
    assert (manager.config.database, manager.config.password) == ("other", "pw")
    assert manager.config.settings == {"max_threads": 2}
    assert "pw" not in repr(manager)


def test_relative_path_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert ConnectionManager("toydb:///x.db").config.path == str(tmp_path / "x.db")


def test_from_config_name_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "clickorm.toml").write_text(
        'default = "toy"\n'
        '[connections.toy]\nurl = "toydb://"\n'
        '[connections.file]\ndialect = "toydb"\npath = "data/toy.db"\n'
    )
    config = load_config(tmp_path / "clickorm.toml")
    file_manager = ConnectionManager(name="file", config=config)
    assert file_manager.config.path == str(tmp_path / "data" / "toy.db")
    assert file_manager.driver == "memory"
    monkeypatch.chdir(tmp_path)
    assert ConnectionManager().name == "toy"  # discovered config, default connection


def test_errors_when_building() -> None:
    with pytest.raises(PluginError, match="Unknown dialect 'toyd'. Did you mean 'toydb'?"):
        ConnectionManager("toyd://")
    with pytest.raises(PluginError, match="no driver 'http'"):
        ConnectionManager("toydb+http://")
    with pytest.raises(ConfigError, match="Unknown key 'hots'.*Did you mean 'host'"):
        ConnectionManager(hots="h")
    with pytest.raises(ConfigError, match="Invalid connection URL"):
        ConnectionManager("toydb:/x")
    with pytest.raises(ConfigError, match="Unknown connection 'nope'"):
        ConnectionManager(name="nope", config=load_config(environ={}))


# -- connections and threads ---------------------------------------------------------------
def test_memory_connection_is_shared_across_threads() -> None:
    manager = ConnectionManager("toydb://")
    conn = manager.connection()
    conn.execute("CREATE TABLE t (v INTEGER)")
    assert manager.connection() is conn

    def insert(i: int) -> object:
        c = manager.connection()
        c.execute("INSERT INTO t VALUES (?)", (i,))
        return c

    seen = in_threads(insert)
    assert all(c is conn for c in seen)
    assert conn.execute("SELECT count(*) FROM t").scalar() == 6  # one database for all
    assert manager.opened == 1
    manager.close()
    assert conn.closed  # type: ignore[attr-defined]


def test_file_connections_are_per_thread_and_all_closed(tmp_path: Path) -> None:
    manager = ConnectionManager(f"toydb:///{tmp_path}/t.db")
    main_conn = manager.connection()
    main_conn.execute("CREATE TABLE t (v INTEGER)")
    assert manager.connection() is main_conn

    def use_it(i: int) -> object:
        c = manager.connection()
        assert manager.connection() is c  # stable within the thread
        assert c.opened_in == threading.get_ident()  # type: ignore[attr-defined]
        c.execute("INSERT INTO t VALUES (?)", (i,))
        return c

    conns = in_threads(use_it)
    assert len({id(c) for c in [main_conn, *conns]}) == 7
    # the threads have ended: their connections are closed, this thread's is not
    assert all(c.closed for c in conns)  # type: ignore[attr-defined]
    assert manager.opened == 1
    assert main_conn.execute("SELECT count(*) FROM t").scalar() == 6
    manager.close()
    assert all(c.closed for c in [main_conn, *conns])  # type: ignore[attr-defined]
    assert manager.opened == 0
    reopened = manager.connection()  # usable again after close
    assert reopened is not main_conn and not reopened.closed  # type: ignore[attr-defined]
    manager.close()
    manager.close()  # safe twice


def test_opened_connection_reports_without_opening(tmp_path: Path) -> None:
    manager = ConnectionManager(f"toydb:///{tmp_path}/t.db")
    assert manager.opened_connection() is None
    assert manager.opened == 0  # asking opened nothing
    conn = manager.connection()
    assert manager.opened_connection() is conn
    assert in_threads(lambda i: manager.opened_connection()) == [None] * 6  # per thread
    manager.close()
    assert manager.opened_connection() is None
    shared = ConnectionManager("toydb://")
    conn = shared.connection()
    assert in_threads(lambda i: shared.opened_connection()) == [conn] * 6  # one for all
    shared.close()


def test_to_sql_renders_for_the_connection_it_would_run_on(tmp_path: Path) -> None:
    from clickorm.model.builder import QueryBuilder
    from clickorm.model.execution import grammar_for

    manager = set_default_manager(ConnectionManager(f"toydb:///{tmp_path}/t.db"))
    builder = QueryBuilder("t").where("v", 1)
    # connect=False (for reading without side effects) never opens a connection
    assert grammar_for(builder, inline=True, connect=False).compile(builder.state).sql == (
        'SELECT * FROM "t" WHERE "v" = 1')
    assert manager.opened_connection() is None
    # to_sql() opens the connection the query would run on: its server decides the text
    assert builder.to_sql() == 'SELECT * FROM "t" WHERE "v" = 1'
    opened = manager.opened_connection()
    assert opened is not None
    assert grammar_for(builder, connect=False) is opened.grammar


def test_connection_carries_the_configured_name() -> None:
    with ConnectionManager("toydb://", name="analytics") as manager:
        assert manager.connection().name == "analytics"


def test_open_failure_is_a_connection_error(tmp_path: Path) -> None:
    manager = ConnectionManager(f"toydb:///{tmp_path}/missing/dir/x.db", name="broken")
    with pytest.raises(ConnectionError) as info:
        manager.connection()
    assert str(info.value).startswith("[broken] Could not open a toydb connection")
    assert "OperationalError" in str(info.value)
    assert info.value.__cause__ is not None


# -- the process-wide registry ---------------------------------------------------------------
def test_get_manager_builds_from_discovered_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clickorm.toml").write_text(
        'default = "a"\n[connections.a]\nurl = "toydb://"\n[connections.b]\nurl = "toydb://"\n'
    )
    monkeypatch.chdir(tmp_path)
    a = get_manager()
    assert a.name == "a" and get_manager() is a and get_manager("a") is a
    b = get_manager("b")
    assert b is not a and get_manager("b") is b
    conn = get_connection("b")
    assert conn is b.connection()
    managers = in_threads(lambda i: get_manager())
    assert all(m is a for m in managers)
    reset_managers()
    assert conn.closed  # type: ignore[attr-defined]
    assert get_manager() is not a


def test_use_and_set_default_manager() -> None:
    manager = use("toydb://", name="app")
    assert get_manager() is manager and get_manager("app") is manager
    assert get_connection() is manager.connection()
    other = ConnectionManager("toydb://", name="other")
    assert set_default_manager(other) is other
    assert get_manager() is other and get_manager("app") is manager
    assert use(manager) is manager and get_manager() is manager
    with pytest.raises(ConfigError, match="use\\(\\) takes a URL string or a ConnectionManager"):
        use(42)  # type: ignore[arg-type]
    conn = manager.connection()
    reset_managers()
    assert conn.closed  # type: ignore[attr-defined]
    other.close()


def test_register_manager() -> None:
    manager = register_manager("reports", ConnectionManager("toydb://", name="reports"))
    assert get_manager("reports") is manager


def test_clickorm_url_drives_the_default_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLICKORM_URL", "toydb://")
    monkeypatch.chdir("/")
    assert get_manager().dialect.name == "toydb"


# -- the sqlite dialect (the lead's clickorm_sqlite.connection) ------------------------------
def test_sqlite_memory_is_one_database_for_all_threads() -> None:
    manager = ConnectionManager("sqlite://")
    conn = manager.connection()
    conn.execute("CREATE TABLE t (v INTEGER)")
    in_threads(lambda i: manager.connection().execute("INSERT INTO t VALUES (?)", (i,)))
    assert manager.connection().execute("SELECT count(*) FROM t").scalar() == 6
    assert manager.opened == 1
    manager.close()


def test_sqlite_file_connections_per_thread(tmp_path: Path) -> None:
    manager = ConnectionManager(f"sqlite:///{tmp_path}/app.db")
    assert manager.config.path == str(tmp_path / "app.db")
    conn = manager.connection()
    conn.execute("CREATE TABLE t (v INTEGER)")
    conn.commit()
    conns = in_threads(lambda i: manager.connection())
    assert len({id(c) for c in [conn, *conns]}) == 7
    assert conn.execute("SELECT 1").scalar() == 1
    manager.close()
