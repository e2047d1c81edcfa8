"""TLS (secure=true) against a real server with a native TLS port and a self-signed cert."""

from __future__ import annotations

import pytest

from clickorm.errors import ConnectionError
from clickorm_clickhouse import clickorm_dialects
from clickorm_clickhouse.native import connect

DIALECT = clickorm_dialects()[0]


@pytest.fixture
def tls_server(clickhouse_server_factory):
    return clickhouse_server_factory(tls=True)


def test_secure_connection_verified_with_the_servers_ca(tls_server):
    for host in ("127.0.0.1", "localhost"):
        config = tls_server.connection_config(
            host=host,
            port=tls_server.secure_port,
            options={"secure": "true", "ca_certs": tls_server.ca_certs},
        )
        with connect(config, DIALECT) as conn:
            assert conn.server_version == tls_server.version
            assert conn.execute("SELECT %(p0)s", ["over tls"]).scalar() == "over tls"
            assert conn.current_host == f"{host}:{tls_server.secure_port}"


def test_an_untrusted_certificate_is_refused_unless_verify_is_off(tls_server):
    config = tls_server.connection_config(port=tls_server.secure_port, options={"secure": True})
    with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        connect(config, DIALECT)
    insecure = tls_server.connection_config(
        port=tls_server.secure_port, options={"secure": True, "verify": "false"}
    )
    with connect(insecure, DIALECT) as conn:
        assert conn.execute("SELECT 1").scalar() == 1


def test_tls_against_the_plain_port_is_a_connection_error(tls_server):
    config = tls_server.connection_config(
        options={"secure": True, "verify": False, "connect_timeout": 2}
    )
    with pytest.raises(ConnectionError) as info:
        connect(config, DIALECT)
    assert tls_server.address in str(info.value)
