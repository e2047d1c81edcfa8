"""The version table (clickorm_clickhouse.versions), checked against real servers.

Every feature with a probe is run on the session server (Debian's 18.16): it must work
exactly when the table says the version has it. The same probes run on chDB (26.x, in a
subprocess so its process-wide engine does not meet other tests') where everything the
table lists up to that version must work.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from clickorm.errors import QueryError, SchemaError
from clickorm_clickhouse import CAPABILITIES, versions

# One statement (or a few, run in order) per feature; tables are temporary or dropped.
PROBES: dict[str, list[str]] = {
    "low_cardinality": ["CREATE TEMPORARY TABLE p_lc (a LowCardinality(String))"],
    "codecs": [
        "CREATE TABLE p_codec (a UInt32 CODEC(ZSTD)) ENGINE = MergeTree ORDER BY a",
        "DROP TABLE p_codec",
    ],
    "ipv4_ipv6": ["CREATE TEMPORARY TABLE p_ip (a IPv4, b IPv6)"],
    "simple_aggregate_function": [
        "CREATE TEMPORARY TABLE p_saf (a SimpleAggregateFunction(sum, UInt64))"
    ],
    "datetime64": ["SELECT toDateTime64('2020-01-01 00:00:00', 3)"],
    "bigint": ["SELECT toInt128(1), toUInt256(1)"],
    "map": ["CREATE TEMPORARY TABLE p_map (a Map(String, UInt8))"],
    "date32": ["CREATE TEMPORARY TABLE p_d32 (a Date32)"],
    "bool": ["CREATE TEMPORARY TABLE p_bool (a Bool)"],
    "skip_indices": [
        "CREATE TABLE p_idx (a UInt32, INDEX ia a TYPE minmax GRANULARITY 1) "
        "ENGINE = MergeTree ORDER BY a",
        "DROP TABLE p_idx",
    ],
    "ttl": [
        "CREATE TABLE p_ttl (d Date, a UInt32) ENGINE = MergeTree ORDER BY a "
        "TTL d + INTERVAL 1 DAY",
        "DROP TABLE p_ttl",
    ],
    "rename_column": [
        "CREATE TABLE p_ren (a UInt32) ENGINE = MergeTree ORDER BY tuple()",
        "ALTER TABLE p_ren RENAME COLUMN a TO b",
        "DROP TABLE p_ren",
    ],
    "asof_join": [
        "SELECT * FROM (SELECT 1 AS k, 2 AS t) AS l "
        "ASOF JOIN (SELECT 1 AS k, 1 AS t) AS r ON l.k = r.k AND l.t >= r.t"
    ],
    "with_fill": ["SELECT number FROM numbers(3) ORDER BY number WITH FILL"],
    "ilike": ["SELECT 'a' ILIKE 'A'"],
    "cte": ["WITH x AS (SELECT 1 AS a) SELECT a FROM x"],
    "union_distinct": ["SELECT 1 UNION DISTINCT SELECT 1"],
    "window_functions": ["SELECT number, row_number() OVER (ORDER BY number) FROM numbers(3)"],
    "distinct_on": ["SELECT DISTINCT ON (number) number FROM numbers(3)"],
    "lightweight_delete": [
        "CREATE TABLE p_del (a UInt32) ENGINE = MergeTree ORDER BY a",
        "DELETE FROM p_del WHERE a = 1",
        "DROP TABLE p_del",
    ],
}


# -- the table itself -----------------------------------------------------------------------
def test_parse_and_format_versions():
    assert versions.parse_version("18.16.1+ds-7.3+b2") == (18, 16, 1)
    assert versions.parse_version("ClickHouse 26.9.2.1") == (26, 9, 2, 1)
    assert versions.parse_version([22, 8]) == (22, 8)
    assert versions.parse_version(None) is None
    assert versions.format_version((18, 16, 1)) == "18.16.1"
    assert versions.format_version(None) == "unknown"
    with pytest.raises(ValueError):
        versions.parse_version("latest")


def test_supports_settings_and_capabilities_by_version():
    old, lw_exp, new = (18, 16, 1), (22, 8, 3), (26, 9, 2)
    assert not versions.version_supports(old, "map")
    assert versions.version_supports((21, 1), "map") and versions.version_supports(None, "map")
    assert versions.settings_for(old, "low_cardinality") == {
        "allow_experimental_low_cardinality_type": 1
    }
    assert versions.settings_for((19, 3), "low_cardinality") == {}
    assert versions.settings_for(lw_exp, "lightweight_delete") == {
        "allow_experimental_lightweight_delete": 1
    }
    assert versions.settings_for(new, "lightweight_delete") == {}
    assert versions.settings_for(old, "map") == {}  # not available at all: nothing to enable
    assert versions.enabling_settings(old) == {"allow_experimental_low_cardinality_type": 1}
    assert "allow_experimental_lightweight_update" in versions.enabling_settings(new)
    assert "lightweight_delete" not in versions.derive_capabilities(old, CAPABILITIES)
    assert "lightweight_delete" in versions.derive_capabilities(lw_exp, CAPABILITIES)
    assert "lightweight_update" not in versions.derive_capabilities(lw_exp, CAPABILITIES)
    assert versions.derive_capabilities(new, CAPABILITIES) == CAPABILITIES
    assert versions.derive_capabilities(None, CAPABILITIES) == CAPABILITIES
    assert versions.unsupported_features(new) == []
    assert versions.unsupported_features(old)[0] == "codecs"


def test_require_names_the_feature_the_version_and_the_way_out():
    versions.require((21, 12), "bool")
    with pytest.raises(QueryError) as info:
        versions.require((18, 16, 1), "bool")
    assert str(info.value) == (
        "Bool columns is not available on ClickHouse 18.16.1: it needs ClickHouse 21.12 or "
        "newer. Instead: use UInt8 (0/1)."
    )
    with pytest.raises(SchemaError, match="ALTER TABLE ... DELETE"):
        versions.require((20, 3), "lightweight_delete", error=SchemaError)
    with pytest.raises(KeyError, match="Known features"):
        versions.version_supports((20, 1), "teleport")


def test_every_capability_gate_is_a_known_capability():
    from clickorm.plugins.dialect import KNOWN_CAPABILITIES

    assert set(versions.CAPABILITY_FEATURES) <= KNOWN_CAPABILITIES
    assert set(PROBES) <= set(versions.FEATURES)


# -- the table against real servers ---------------------------------------------------------
def _probe(execute, statements: list[str]) -> str | None:
    """None when every statement ran, else the first error's message."""
    try:
        for sql in statements:
            execute(sql)
    except Exception as exc:  # noqa: BLE001 - the message is the result
        return str(exc).splitlines()[0][:200]
    return None


def test_the_table_matches_the_session_server(clickhouse_native):
    conn = clickhouse_native
    mismatches = []
    for feature, statements in PROBES.items():
        settings = conn.feature_settings(feature)
        error = _probe(lambda sql, s=settings: conn.execute(sql, settings=s), statements)
        expected = conn.version_supports(feature)
        if (error is None) != expected:
            mismatches.append(f"{feature}: table says {expected}, server says {error or 'ok'}")
    assert not mismatches, f"ClickHouse {conn.server_version_string}:\n" + "\n".join(mismatches)


_CHDB_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from chdb import session
    probes = json.loads(sys.stdin.read())
    s = session.Session()
    version = s.query("SELECT version()", "CSV").data().strip().strip('"')
    out = {"version": version, "errors": {}}
    for feature, statements in probes.items():
        try:
            for sql in statements:
                s.query(sql, "CSV")
        except Exception as exc:
            out["errors"][feature] = str(exc).splitlines()[0][:200]
        else:
            out["errors"][feature] = None
    s.close()
    print(json.dumps(out))
    """
)


def test_the_table_matches_chdb():
    done = subprocess.run(
        [sys.executable, "-c", _CHDB_SCRIPT],
        input=json.dumps(PROBES),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    version = versions.parse_version(report["version"])
    mismatches = [
        f"{feature}: table says {versions.version_supports(version, feature)}, chDB says "
        f"{error or 'ok'}"
        for feature, error in report["errors"].items()
        if (error is None) != versions.version_supports(version, feature)
    ]
    assert not mismatches, f"chDB {report['version']}:\n" + "\n".join(mismatches)
