"""A real clickhouse-server for the tests: own ports, own config, own data directory.

``ClickHouseServer`` runs the Debian ``clickhouse-server`` (18.16) as a child process with
a config written into a temporary directory, so tests never touch a system server or
each other. The fixtures at the bottom are exposed by ``conftest.py``:

* ``clickhouse_server`` (session): one healthy server for the whole run;
* ``clickhouse_server_factory`` (function): fresh servers a fault test may stop, kill and
  restart; all of them are stopped when the test ends;
* ``clickhouse_database``: a fresh database on the session server, dropped afterwards;
* ``clickhouse_native``: a NativeConnection to the session server in such a database.

A missing binary fails the run with the command that installs it; it never skips.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

#: environment variable naming the server binary (or an upstream ``clickhouse`` binary)
SERVER_BIN_ENV = "CLICKORM_CLICKHOUSE_SERVER"
#: the second user, with a password, for the bad-credentials test
SECURED_USER = "clickorm_secured"
SECURED_PASSWORD = "clickorm-s3cret"
#: a user whose profile has readonly=1 (may not change any setting)
READONLY_USER = "clickorm_readonly"
INSTALL_HINT = (
    "Install it with: python tests/tools/ensure_clickhouse_server.py "
    "(runs apt-get install -y clickhouse-server), or point "
    f"{SERVER_BIN_ENV} at a clickhouse-server binary."
)

_LIVE: set[ClickHouseServer] = set()


class ServerError(RuntimeError):
    """The test server could not be started or stopped; the message has the log tail."""


def find_server_command() -> list[str] | None:
    """The command that runs a server: ``clickhouse-server`` or ``clickhouse server``."""
    override = os.environ.get(SERVER_BIN_ENV)
    candidates: list[str | None] = [override] if override else []
    candidates += [
        shutil.which("clickhouse-server"),
        "/usr/bin/clickhouse-server",
        "/usr/sbin/clickhouse-server",
        shutil.which("clickhouse"),
    ]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return [path, "server"] if os.path.basename(path) == "clickhouse" else [path]
    return None


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when the test process dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


CONFIG_XML = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>{root}/log/server.log</log>
        <errorlog>{root}/log/server.err.log</errorlog>
        <size>20M</size>
        <count>1</count>
    </logger>
    <listen_host>{host}</listen_host>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <interserver_http_port>{interserver_port}</interserver_http_port>
    <path>{root}/data/</path>
    <tmp_path>{root}/tmp/</tmp_path>
    <user_files_path>{root}/user_files/</user_files_path>
    <format_schema_path>{root}/format_schemas/</format_schema_path>
    <users_config>{root}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mlock_executable>false</mlock_executable>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
"""

TLS_XML = """    <tcp_port_secure>{secure_port}</tcp_port_secure>
    <openSSL>
        <server>
            <certificateFile>{root}/server.crt</certificateFile>
            <privateKeyFile>{root}/server.key</privateKeyFile>
            <verificationMode>none</verificationMode>
            <loadDefaultCAFile>false</loadDefaultCAFile>
            <cacheSessions>true</cacheSessions>
            <disableProtocols>sslv2,sslv3</disableProtocols>
            <preferServerCiphers>true</preferServerCiphers>
        </server>
    </openSSL>
"""

# poll_interval=1: on shutdown the server waits one poll for idle client connections
# (default 10 s), which is what makes stop() take about a second.
USERS_XML = """<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <poll_interval>1</poll_interval>
        </default>
        <readonly>
            <readonly>1</readonly>
            <poll_interval>1</poll_interval>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>::/0</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <{secured_user}>
            <password>{secured_password}</password>
            <networks><ip>::/0</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </{secured_user}>
        <{readonly_user}>
            <password></password>
            <networks><ip>::/0</ip></networks>
            <profile>readonly</profile>
            <quota>default</quota>
        </{readonly_user}>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
"""


class ClickHouseServer:
    """One clickhouse-server process on free ports with its own config and data dir.

    ``start()`` returns once the server answers a query; ``stop()`` is a graceful
    shutdown, ``kill()`` a SIGKILL; both keep ports and data so ``start()`` brings the
    same server back.
    """

    host = "127.0.0.1"
    secured_user = SECURED_USER
    secured_password = SECURED_PASSWORD
    readonly_user = READONLY_USER

    def __init__(
        self, command: list[str], root: Path, *, tls: bool = False, extra_config: str = ""
    ) -> None:
        self.command = list(command)
        self.root = Path(root)
        #: XML elements added inside ``<yandex>`` (a cluster node's macros, ZooKeeper, ...)
        self.extra_config = extra_config
        self.port, self.http_port, self.interserver_port, secure_port = free_ports(4)
        #: native TLS port and the self-signed certificate (CA file) when ``tls`` is on
        self.secure_port: int | None = secure_port if tls else None
        self.ca_certs: str | None = None
        self.version: tuple[int, ...] | None = None
        self.version_string: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_config()

    # -- addresses ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``clickhouse://`` URL of the default user (no password)."""
        return f"clickhouse://default@{self.host}:{self.port}/default"

    @property
    def secured_url(self) -> str:
        return (
            f"clickhouse://{self.secured_user}:{self.secured_password}@"
            f"{self.host}:{self.port}/default"
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def connection_config(self, name: str = "default", **fields: Any) -> Any:
        """A ConnectionConfig for the native driver pointing at this server."""
        from clickorm.config_types import ConnectionConfig

        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "database": "default",
            "user": "default",
        }
        values.update(fields)
        return ConnectionConfig(name=name, dialect="clickhouse", driver="native", **values)

    def client(self, **kwargs: Any) -> Any:
        """A raw clickhouse_driver.Client for checks that must not go through ClickORM."""
        from clickhouse_driver import Client

        return Client(self.host, port=self.port, **kwargs)

    # -- lifecycle ------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server (same ports and data as before) and wait until it answers."""
        if self.is_running():
            return
        for sub in ("data", "tmp", "log", "user_files", "format_schemas"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        out = open(self.root / "log" / "stdout.log", "ab")  # noqa: SIM115 - child owns it
        try:
            self._proc = subprocess.Popen(
                [*self.command, f"--config-file={self.root / 'config.xml'}"],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        finally:
            out.close()
        _LIVE.add(self)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        from clickhouse_driver import Client

        deadline = time.monotonic() + timeout
        last: BaseException | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                _LIVE.discard(self)
                raise ServerError(
                    f"clickhouse-server exited with code {code} while starting "
                    f"({' '.join(self.command)}, config {self.root / 'config.xml'}).\n"
                    f"{self.log_tail()}"
                )
            client = Client(self.host, port=self.port, connect_timeout=1, send_receive_timeout=5)
            try:
                (version,) = client.execute("SELECT version()")[0]
            except Exception as exc:  # noqa: BLE001 - not up yet
                last = exc
                time.sleep(0.05)
                continue
            finally:
                client.disconnect()
            self.version_string = version
            self.version = tuple(int(p) for p in version.split(".") if p.isdigit())
            return
        self.kill()
        raise ServerError(
            f"clickhouse-server on {self.address} did not answer within {timeout:g} s "
            f"(last error: {last}).\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM), SIGKILL if it takes longer than ``timeout``."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait(10)
        self._proc = None
        _LIVE.discard(self)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would; ``start()`` brings it back."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGKILL)
            proc.wait(10)
        self._proc = None
        _LIVE.discard(self)

    def restart(self, timeout: float = 30.0) -> None:
        self.stop()
        self.start(timeout)

    def _signal(self, sig: int) -> None:
        assert self._proc is not None
        try:
            os.killpg(self._proc.pid, sig)  # the server runs in its own session/group
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for name in ("stdout.log", "server.err.log", "server.log"):
            path = self.root / "log" / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                if tail:
                    parts.append(f"--- {path} (last {len(tail)} lines) ---\n" + "\n".join(tail))
        return "\n".join(parts) or f"(no log in {self.root / 'log'})"

    def _write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        root = escape(str(self.root))
        config = CONFIG_XML.format(
            root=root,
            host=self.host,
            tcp_port=self.port,
            http_port=self.http_port,
            interserver_port=self.interserver_port,
        )
        if self.secure_port is not None:
            self.ca_certs = str(self._make_certificate())
            tls = TLS_XML.format(root=root, secure_port=self.secure_port)
            config = config.replace("</yandex>", tls + "</yandex>")
        if self.extra_config:
            config = config.replace("</yandex>", self.extra_config + "</yandex>")
        (self.root / "config.xml").write_text(config)
        (self.root / "users.xml").write_text(
            USERS_XML.format(
                secured_user=self.secured_user,
                secured_password=escape(self.secured_password),
                readonly_user=self.readonly_user,
            )
        )

    def _make_certificate(self) -> Path:
        """A self-signed certificate for localhost/127.0.0.1 (it is its own CA file)."""
        openssl = shutil.which("openssl")
        if openssl is None:
            raise ServerError(
                "the TLS test server needs the openssl command (apt-get install openssl)"
            )
        cert, key = self.root / "server.crt", self.root / "server.key"
        done = subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise ServerError(f"openssl could not make a test certificate: {done.stderr}")
        return cert

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<ClickHouseServer {self.address} {self.version_string or '?'} {state}>"


@atexit.register
def _stop_leftovers() -> None:
    """Last resort when a run ends without its finalizers: no orphan servers."""
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.kill()


def _require_command() -> list[str]:
    command = find_server_command()
    if command is None:
        pytest.fail(f"clickhouse-server binary not found. {INSTALL_HINT}", pytrace=False)
    return command


def _start(server: ClickHouseServer) -> ClickHouseServer:
    try:
        server.start()
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


# -- fixtures (exposed by conftest.py) ------------------------------------------------------
@pytest.fixture(scope="session")
def clickhouse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    """One clickhouse-server for the whole session; tests must keep it healthy."""
    server = ClickHouseServer(_require_command(), tmp_path_factory.mktemp("clickhouse-session"))
    try:
        yield _start(server)
    finally:
        server.kill()  # its data is thrown away: no need to wait for a graceful stop


@pytest.fixture
def clickhouse_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., ClickHouseServer]]:
    """Make fresh servers (started unless ``start=False``; ``tls=True`` adds a native TLS
    port with a self-signed certificate) a test may stop, kill and restart."""
    command = _require_command()
    made: list[ClickHouseServer] = []

    def make(*, start: bool = True, tls: bool = False) -> ClickHouseServer:
        try:
            server = ClickHouseServer(command, tmp_path_factory.mktemp("clickhouse"), tls=tls)
        except ServerError as exc:
            pytest.fail(str(exc), pytrace=False)
        made.append(server)
        return _start(server) if start else server

    try:
        yield make
    finally:
        for server in made:
            server.kill()  # their data is thrown away: no need for a graceful stop


@pytest.fixture
def clickhouse_database(clickhouse_server: ClickHouseServer) -> Iterator[str]:
    """The name of a fresh database on the session server, dropped after the test."""
    database = f"test_{uuid.uuid4().hex[:12]}"
    admin = clickhouse_server.client()
    admin.execute(f"CREATE DATABASE {database}")
    try:
        yield database
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.disconnect()


@pytest.fixture
def clickhouse_native(
    clickhouse_server: ClickHouseServer, clickhouse_database: str
) -> Iterator[Any]:
    """A NativeConnection to the session server, in a fresh database dropped afterwards."""
    from clickorm_clickhouse import clickorm_dialects
    from clickorm_clickhouse.native import connect

    dialect = clickorm_dialects()[0]
    conn = connect(clickhouse_server.connection_config(database=clickhouse_database), dialect)
    try:
        yield conn
    finally:
        conn.close()
