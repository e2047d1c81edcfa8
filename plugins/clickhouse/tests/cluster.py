"""A real ClickHouse cluster for the tests: ZooKeeper plus four clickhouse-servers.

``ZooKeeper`` runs Debian's ZooKeeper 3.8 standalone (``ZooKeeperServerMain``) on a free
loopback port with its data in a temporary directory. ``ClickHouseCluster`` starts it,
waits until it *serves* (``srvr`` reports ``Mode: standalone``; ``ruok`` answers ``imok``
earlier, and an 18.16 server started before ZooKeeper serves has a DDL worker that gives up
for good), then starts four ``ClickHouseServer`` processes (``server.py``) as 2 shards x 2
replicas with macros ``{shard}``/``{replica}``. It declares three clusters over them:

* ``CLUSTER`` (``ctest``): 2 shards x 2 replicas, ``internal_replication`` on;
* ``REPLICATED_CLUSTER`` (``ctest_replicated``): one shard, replicas 1 and 2;
* ``SHARDED_CLUSTER`` (``ctest_sharded``): two shards of one replica (nodes 1 and 3).

The session fixture ``clickhouse_cluster`` (exposed by ``conftest.py``) starts one cluster
per test run and stops every process by its PID. When it cannot start, the tests fail with
the reason and the log tail; they never skip.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clickorm_clickhouse_test_server import (  # loaded by conftest.py
    ClickHouseServer,
    ServerError,
    _die_with_parent,
    _require_command,
    free_ports,
)

CLUSTER = "ctest"
REPLICATED_CLUSTER = "ctest_replicated"
SHARDED_CLUSTER = "ctest_sharded"
#: where Debian puts the ZooKeeper jar; its manifest's Class-Path names the dependencies
ZOOKEEPER_JAR_ENV = "CLICKORM_ZOOKEEPER_JAR"
ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/zookeeper/zookeeper.jar")
#: a logging backend for slf4j (without one ZooKeeper logs nothing at all)
SLF4J_BACKENDS = ("/usr/share/java/slf4j-simple.jar", "/usr/share/java/slf4j-nop.jar")
ZOOKEEPER_HINT = (
    "Install it with: python tests/tools/ensure_clickhouse_server.py (installs zookeeper "
    f"with apt-get), or point {ZOOKEEPER_JAR_ENV} at a zookeeper.jar."
)

_LIVE: set[ZooKeeper] = set()


class ZooKeeper:
    """ZooKeeper standalone on a free loopback port; ``start()`` returns once it serves."""

    host = "127.0.0.1"

    def __init__(self, java: str, jar: str, root: Path) -> None:
        self.java, self.jar, self.root = java, jar, Path(root)
        (self.port,) = free_ports(1)
        self._proc: subprocess.Popen[bytes] | None = None
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        (self.root / "zoo.cfg").write_text(
            "tickTime=500\n"
            f"dataDir={self.root / 'data'}\n"
            f"clientPort={self.port}\n"
            f"clientPortAddress={self.host}\n"
            "maxClientCnxns=0\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=srvr,ruok\n"
        )

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def classpath(self) -> str:
        backend = next((p for p in SLF4J_BACKENDS if os.path.isfile(p)), None)
        return os.pathsep.join([self.jar, *([backend] if backend else [])])

    def start(self, timeout: float = 30.0) -> None:
        out = open(self.root / "zookeeper.log", "ab")  # noqa: SIM115 - child owns it
        try:
            self._proc = subprocess.Popen(
                [self.java, "-Xmx128m", "-cp", self.classpath(),
                 "org.apache.zookeeper.server.ZooKeeperServerMain", str(self.root / "zoo.cfg")],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )  # fmt: skip
        finally:
            out.close()
        _LIVE.add(self)
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                self.stop()
                raise ServerError(
                    f"ZooKeeper exited with code {code} while starting ({self.java} -cp "
                    f"{self.classpath()}).\n{self.log_tail()}"
                )
            last = self.four_letters("srvr")
            if "Mode: standalone" in last:
                return
            time.sleep(0.05)
        self.stop()
        raise ServerError(
            f"ZooKeeper on {self.host}:{self.port} did not serve within {timeout:g} s "
            f"(srvr said {last!r}).\n{self.log_tail()}"
        )

    def four_letters(self, word: str) -> str:
        """The answer to a four-letter command, or ``""`` when it cannot connect."""
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(word.encode())
                chunks = []
                while chunk := sock.recv(4096):
                    chunks.append(chunk)
                return b"".join(chunks).decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGKILL by PID (its data is thrown away with the temporary directory)."""
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        path = self.root / "zookeeper.log"
        if not path.exists():
            return f"(no log at {path})"
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {path} (last {len(tail)} lines) ---\n" + "\n".join(tail)


def find_zookeeper() -> tuple[str, str] | None:
    """(java, zookeeper.jar) or None when either is missing."""
    java = shutil.which("java")
    override = os.environ.get(ZOOKEEPER_JAR_ENV)
    jars = [override] if override else list(ZOOKEEPER_JARS)
    jar = next((j for j in jars if os.path.isfile(j)), None)
    return (java, jar) if java and jar else None


_NODE_XML = """
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <macros><shard>{shard}</shard><replica>{replica}</replica></macros>
    <zookeeper>
        <node><host>127.0.0.1</host><port>{zk_port}</port></node>
        <session_timeout_ms>30000</session_timeout_ms>
    </zookeeper>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
    <remote_servers>{clusters}</remote_servers>
"""


def _cluster_xml(name: str, shards: list[list[ClickHouseServer]], internal: bool) -> str:
    body = "".join(
        "<shard><internal_replication>" + ("true" if internal else "false")
        + "</internal_replication>"
        + "".join(f"<replica><host>{s.host}</host><port>{s.port}</port></replica>" for s in shard)
        + "</shard>"
        for shard in shards
    )
    return f"<{name}>{body}</{name}>"


class ClickHouseCluster:
    """ZooKeeper and four servers: ``nodes[0..3]`` are shard 01 r1, 01 r2, 02 r1, 02 r2."""

    cluster = CLUSTER
    replicated_cluster = REPLICATED_CLUSTER
    sharded_cluster = SHARDED_CLUSTER

    def __init__(self, command: list[str], java: str, jar: str, root: Path) -> None:
        self.root = Path(root)
        self.zookeeper = ZooKeeper(java, jar, self.root / "zookeeper")
        self.nodes = [ClickHouseServer(command, self.root / f"node{i + 1}") for i in range(4)]
        n = self.nodes
        clusters = (
            _cluster_xml(CLUSTER, [[n[0], n[1]], [n[2], n[3]]], True)
            + _cluster_xml(REPLICATED_CLUSTER, [[n[0], n[1]]], True)
            + _cluster_xml(SHARDED_CLUSTER, [[n[0]], [n[2]]], False)
        )
        for i, node in enumerate(self.nodes):
            node.extra_config = _NODE_XML.format(
                shard=f"0{i // 2 + 1}", replica=f"r{i % 2 + 1}",
                zk_port=self.zookeeper.port, clusters=clusters,
            )  # fmt: skip
            node._write_config()

    @property
    def pids(self) -> list[int]:
        procs = [self.zookeeper.pid, *(n.pid for n in self.nodes)]
        return [p for p in procs if p is not None]

    def start(self) -> None:
        self.zookeeper.start()  # serving before any server starts (see the module doc)
        for node in self.nodes:
            node.start()

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()
        self.zookeeper.stop()

    def url(self, node: int = 0, database: str = "default", **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        server = self.nodes[node]
        return f"clickhouse://default@{server.host}:{server.port}/{database}" + (
            f"?{query}" if query else ""
        )

    def create_database(self) -> str:
        """A fresh database on every node (ON CLUSTER); drop it with ``drop_database``."""
        name = f"c_{uuid.uuid4().hex[:10]}"
        self.execute_on_cluster(f"CREATE DATABASE {name} ON CLUSTER {CLUSTER}")
        return name

    def drop_database(self, name: str) -> None:
        self.execute_on_cluster(f"DROP DATABASE IF EXISTS {name} ON CLUSTER {CLUSTER}")

    def execute_on_cluster(self, sql: str) -> Any:
        client = self.nodes[0].client()
        try:
            return client.execute(sql)
        finally:
            client.disconnect()

    def on_each(self, sql: str) -> list[Any]:
        """``sql`` run on every node in turn (raw driver): the list of results."""
        results = []
        for node in self.nodes:
            client = node.client()
            try:
                results.append(client.execute(sql))
            finally:
                client.disconnect()
        return results


@atexit.register
def _stop_leftovers() -> None:
    for zk in list(_LIVE):
        with contextlib.suppress(Exception):
            zk.stop()


@contextlib.contextmanager
def started_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseCluster]:
    """A ZooKeeper + 2x2 clickhouse-server cluster in a temp dir, stopped (by PID) after."""
    command = _require_command()
    found = find_zookeeper()
    if found is None:
        pytest.fail(f"ZooKeeper (java and zookeeper.jar) not found. {ZOOKEEPER_HINT}",
                    pytrace=False)
    cluster = ClickHouseCluster(command, *found, tmp_path_factory.mktemp("clickhouse-cluster"))
    try:
        try:
            cluster.start()
        except ServerError as exc:
            pytest.fail(f"the test cluster could not start: {exc}", pytrace=False)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def clickhouse_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseCluster]:
    """One ZooKeeper + 2x2 clickhouse-server cluster for the whole run."""
    with started_cluster(tmp_path_factory) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def private_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseCluster]:
    """A cluster for one module whose tests break a node: never shared, never repaired."""
    with started_cluster(tmp_path_factory) as cluster:
        yield cluster


@pytest.fixture
def cluster_database(clickhouse_cluster: ClickHouseCluster) -> Iterator[str]:
    """A fresh database on every node of the cluster, dropped ON CLUSTER afterwards."""
    name = clickhouse_cluster.create_database()
    try:
        yield name
    finally:
        clickhouse_cluster.drop_database(name)
