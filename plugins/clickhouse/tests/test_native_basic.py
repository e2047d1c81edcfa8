"""The native connection against a real clickhouse-server: typed rows, binding, settings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from clickorm.errors import QueryError
from clickorm_clickhouse import CAPABILITIES, clickorm_dialects
from clickorm_clickhouse.native import NativeConnection, connect


def test_connect_reads_the_server_version_and_narrows_capabilities(clickhouse_server):
    dialect = clickorm_dialects()[0]
    conn = dialect.connection_factory("native")(clickhouse_server.connection_config(), dialect)
    try:
        assert isinstance(conn, NativeConnection)
        assert conn.server_version == clickhouse_server.version
        assert conn.server_version_string == clickhouse_server.version_string
        assert conn.server_revision and conn.server_timezone in ("UTC", "Etc/UTC")
        assert conn.server_version is not None
        if conn.server_version < (22, 8):
            assert "lightweight_delete" not in conn.capabilities
            assert not conn.version_supports("lightweight_delete")
            assert "mutations" in conn.capabilities
        assert "server_parameters" not in conn.capabilities
        assert conn.capabilities <= CAPABILITIES
        assert conn.paramstyle == "pyformat"
    finally:
        conn.close()
        conn.close()  # twice is fine
    assert conn.closed


def test_rows_come_back_typed_as_the_driver_returns_them(clickhouse_native):
    result = clickhouse_native.execute(
        "SELECT toUInt64(42) AS n, toDecimal64('12.34', 2) AS price, "
        "toDateTime('2024-05-06 07:08:09') AS at, toDate('2024-05-06') AS day, "
        "toUUID('6d4a1d62-7a3e-4c1f-9d55-1c4c8e1f0a01') AS id, [1, 2, 3] AS arr, "
        "CAST(NULL AS Nullable(String)) AS missing, 'héllo' AS text"
    )
    assert result.columns == ["n", "price", "at", "day", "id", "arr", "missing", "text"]
    assert result.rowcount == 1
    (row,) = result.rows
    assert row[0] == 42
    assert row[1] == Decimal("12.34") and isinstance(row[1], Decimal)
    assert row[2].replace(tzinfo=None) == dt.datetime(2024, 5, 6, 7, 8, 9)
    assert row[3] == dt.date(2024, 5, 6)
    assert row[4] == uuid.UUID("6d4a1d62-7a3e-4c1f-9d55-1c4c8e1f0a01")
    assert row[5] == [1, 2, 3]
    assert row[6] is None
    assert row[7] == "héllo"


def test_values_are_bound_never_spliced(clickhouse_native):
    conn = clickhouse_native
    conn.execute("CREATE TABLE users (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
    conn.insert_rows("users", ["id", "name"], [(1, "ann"), (2, "bob")])
    hostile = "x' OR 1 = 1 OR name = '"
    by_name = conn.execute("SELECT id FROM users WHERE name = %(p0)s", {"p0": hostile})
    assert by_name.rows == []
    positional = conn.execute("SELECT name FROM users WHERE id >= %(p0)s ORDER BY id", [2])
    assert positional.rows == [("bob",)]
    quoted = conn.execute("SELECT %(p0)s, %(p1)s", ["it's \\ here", None])
    assert quoted.rows == [("it's \\ here", None)]


def test_ddl_has_no_columns_and_a_failed_statement_keeps_the_sql(clickhouse_native):
    conn = clickhouse_native
    created = conn.execute("CREATE TABLE t (a UInt8) ENGINE = Memory")
    assert created.columns == [] and created.rows == []
    with pytest.raises(QueryError) as info:
        conn.execute("SELECT a FROM missing_table WHERE a = %(p0)s", {"p0": "secret-value"})
    error = info.value
    assert error.sql == "SELECT a FROM missing_table WHERE a = %(p0)s"
    assert "60" in str(error) and "missing_table" in str(error)
    assert "secret-value" not in str(error)
    # the server may echo a client-side bound value: it is blanked out of the message
    with pytest.raises(QueryError) as info:
        conn.execute("SELECT toUInt8(%(p0)s)", ["topsecret-pw"])
    assert "topsecret-pw" not in str(info.value) and "%(p0)s" in str(info.value)
    assert conn.execute("SELECT 1").scalar() == 1  # still usable


def test_per_query_settings_and_connection_settings(clickhouse_server):
    dialect = clickorm_dialects()[0]
    config = clickhouse_server.connection_config(settings={"max_threads": 3})
    with connect(config, dialect) as conn:
        sql = "SELECT value FROM system.settings WHERE name = %(p0)s"
        assert conn.execute(sql, ["max_threads"]).scalar() == "3"
        assert conn.execute(sql, ["max_block_size"], settings={"max_block_size": 1234}).rows == [
            ("1234",)
        ]
        # per-query settings do not stick
        assert conn.execute(sql, ["max_block_size"]).scalar() != "1234"


def test_query_id_reaches_the_server(clickhouse_native, clickhouse_server):
    conn = clickhouse_native
    conn.execute("SELECT 1", settings={"log_queries": 1}, query_id="clickorm-test-qid-1")
    assert conn.last_query_id == "clickorm-test-qid-1"
    conn.execute("SELECT 2", settings={"log_queries": 1})
    generated = conn.last_query_id
    assert generated and generated != "clickorm-test-qid-1"
    admin = clickhouse_server.client()
    admin.execute("SYSTEM FLUSH LOGS")
    logged = admin.execute(
        "SELECT DISTINCT query_id, query FROM system.query_log WHERE query_id IN %(ids)s",
        {"ids": ("clickorm-test-qid-1", generated)},
    )
    admin.disconnect()
    assert sorted(logged) == sorted([("clickorm-test-qid-1", "SELECT 1"), (generated, "SELECT 2")])


def test_listeners_see_every_statement(clickhouse_native):
    seen: list[str] = []
    clickhouse_native.listeners.append(lambda sql, params: seen.append(sql))
    clickhouse_native.execute("SELECT 1")
    list(clickhouse_native.stream("SELECT number FROM numbers(3)"))
    assert seen == ["SELECT 1", "SELECT number FROM numbers(3)"]


def test_version_features_are_enabled_on_the_server(clickhouse_native):
    """On 18.16 LowCardinality needs an experimental flag: the connection sends it itself."""
    conn = clickhouse_native
    assert conn.version_supports("low_cardinality")
    conn.execute("CREATE TABLE lc (s LowCardinality(String)) ENGINE = Memory")
    conn.insert_columns("lc", ["s"], [["a", "b", "a"]])
    assert conn.execute("SELECT s, count() FROM lc GROUP BY s ORDER BY s").rows == [
        ("a", 2),
        ("b", 1),
    ]


def test_a_readonly_user_gets_no_experimental_flags(clickhouse_server):
    """readonly=1 forbids changing settings (newer servers reject the query), so a
    connection adds its experimental flags only for users who may set them."""
    from clickorm_clickhouse import versions

    dialect = clickorm_dialects()[0]
    flags = versions.enabling_settings(clickhouse_server.version)
    assert flags, "the test server (18.16) needs experimental flags (LowCardinality)"
    with connect(clickhouse_server.connection_config(), dialect) as conn:
        assert flags.items() <= conn.client.settings.items()
    config = clickhouse_server.connection_config(user=clickhouse_server.readonly_user)
    with connect(config, dialect) as conn:
        assert not set(flags) & set(conn.client.settings)
        assert conn.execute("SELECT 1 + 1").scalar() == 2


def test_a_missing_feature_is_refused_by_name_and_version(clickhouse_native):
    conn = clickhouse_native
    assert not conn.version_supports("map"), "the test server (18.16) has no Map"
    with pytest.raises(QueryError) as info:
        conn.require("map")
    text = str(info.value)
    assert "Map(K, V)" in text and conn.server_version_string in text and "21.1" in text


def test_a_second_query_while_streaming_runs_beside_the_stream(clickhouse_native):
    conn = clickhouse_native
    rows = conn.stream("SELECT number FROM numbers(1000000)")
    assert next(rows) == (0,)
    assert conn.execute("SELECT 1").scalar() == 1  # on a spare socket of this connection
    assert next(rows) == (1,)
    rows.close()  # abandoning the stream frees its socket
    assert conn.execute("SELECT 1").scalar() == 1


def test_compression_round_trips_or_names_the_missing_package(clickhouse_server):
    """LZ4 needs the lz4 + clickhouse-cityhash extras; without them the error says so."""
    from clickorm.errors import ConfigError

    dialect = clickorm_dialects()[0]
    config = clickhouse_server.connection_config(options={"compression": "lz4"})
    try:
        import clickhouse_cityhash  # noqa: F401
        import lz4  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match=r"pip install 'clickhouse-driver\[lz4\]'"):
            connect(config, dialect)
        return
    with connect(config, dialect) as conn:
        rows = conn.execute("SELECT toString(number) FROM numbers(100000)").rows
        assert len(rows) == 100_000 and rows[-1] == ("99999",)


def test_unknown_and_malformed_options_are_config_errors(clickhouse_server):
    from clickorm.errors import ConfigError

    dialect = clickorm_dialects()[0]
    with pytest.raises(ConfigError, match="unknown option 'conect_timeout'.*connect_timeout"):
        connect(clickhouse_server.connection_config(options={"conect_timeout": 1}), dialect)
    with pytest.raises(ConfigError, match="option 'connect_timeout' has an invalid value"):
        connect(clickhouse_server.connection_config(options={"connect_timeout": "soon"}), dialect)
    with pytest.raises(ConfigError, match="secure"):
        connect(clickhouse_server.connection_config(options={"secure": "maybe"}), dialect)


def test_a_placeholder_without_a_value_is_a_clear_error(clickhouse_native):
    with pytest.raises(QueryError, match=r"Could not bind the parameters.*%%") as info:
        clickhouse_native.execute("SELECT %(p0)s, %(p1)s", ["only one"])
    assert "only one" not in str(info.value)
    with pytest.raises(QueryError, match="Could not bind"):
        clickhouse_native.execute("SELECT '100%' , %(p0)s", [1])
    assert clickhouse_native.execute("SELECT '100%%', %(p0)s", [1]).rows == [("100%", 1)]
