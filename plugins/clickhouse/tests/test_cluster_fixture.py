"""The test cluster itself: ZooKeeper serves, four nodes know their shard and replica."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import pytest


def test_cluster_has_two_shards_of_two_replicas_and_a_serving_zookeeper(
    clickhouse_cluster: Any,
) -> None:
    assert "Mode: standalone" in clickhouse_cluster.zookeeper.four_letters("srvr")
    rows = clickhouse_cluster.execute_on_cluster(
        "SELECT shard_num, replica_num, port FROM system.clusters "
        f"WHERE cluster = '{clickhouse_cluster.cluster}' ORDER BY shard_num, replica_num"
    )
    assert [(s, r) for s, r, _ in rows] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert [p for _, _, p in rows] == [n.port for n in clickhouse_cluster.nodes]
    macros = clickhouse_cluster.on_each("SELECT macro, substitution FROM system.macros "
                                        "ORDER BY macro")
    assert [dict(m) for m in macros] == [
        {"shard": "01", "replica": "r1"}, {"shard": "01", "replica": "r2"},
        {"shard": "02", "replica": "r1"}, {"shard": "02", "replica": "r2"},
    ]
    for pid in clickhouse_cluster.pids:
        os.kill(pid, 0)  # every process is alive (and known by its PID)


def test_on_cluster_ddl_reaches_every_node(clickhouse_cluster: Any, cluster_database: str) -> None:
    tables = clickhouse_cluster.on_each(
        f"SELECT count() FROM system.databases WHERE name = '{cluster_database}'"
    )
    assert tables == [[(1,)]] * 4


def test_check_shows_the_cluster_macros_zookeeper_and_replicas(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    import json
    import subprocess
    import sys

    def check(url: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clickorm", "check", "--url", url],
                              capture_output=True, text=True, timeout=120)

    clickhouse_cluster.execute_on_cluster(
        f"CREATE TABLE {cluster_database}.r ON CLUSTER ctest (id UInt64) ENGINE = "
        "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') "
        "ORDER BY id")
    done = check(clickhouse_cluster.url(2, cluster="ctest"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"  replica {cluster_database}.r: ok, queue 0, delay 0 s" in done.stdout
    assert "cluster:         ctest (2 shard(s), 4 host(s))" in done.stdout
    assert "macros:          replica=r1, shard=02" in done.stdout
    assert "zookeeper:       reachable" in done.stdout
    done = subprocess.run([sys.executable, "-m", "clickorm", "check", "--json", "--url",
                           clickhouse_cluster.url(0, cluster="ctest")],
                          capture_output=True, text=True, timeout=120)
    info = json.loads(done.stdout)
    assert [(h["shard"], h["replica"]) for h in info["cluster"]["hosts"]] == [
        (1, 1), (1, 2), (2, 1), (2, 2)]
    assert info["problems"] == []
    missing = check(clickhouse_cluster.url(0, cluster="nosuch"))
    assert missing.returncode == 1
    assert "PROBLEM:         cluster 'nosuch' is not in system.clusters" in missing.stdout
    assert "ctest" in missing.stdout  # the clusters it does know


def test_a_zookeeper_that_cannot_start_fails_loudly_with_its_log(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster_module = sys.modules["clickorm_clickhouse_test_cluster"]
    monkeypatch.setenv(cluster_module.ZOOKEEPER_JAR_ENV, str(tmp_path / "missing.jar"))
    assert cluster_module.find_zookeeper() is None  # the fixture then fails with the hint
    bogus = tmp_path / "not-zookeeper.jar"
    bogus.write_bytes(b"")
    zk = cluster_module.ZooKeeper(shutil.which("java"), str(bogus), tmp_path / "zk")
    with pytest.raises(cluster_module.ServerError, match="ZooKeeper exited with code"):
        zk.start(timeout=30)
    assert zk.pid is None
