#!/usr/bin/env python3
"""Make sure clickhouse-server and ZooKeeper are installed for the real-server tests.

Idempotent and fast when both are already there. Otherwise it installs Debian's
``clickhouse-server`` and/or ``zookeeper`` package (the test cluster's coordinator: its
jar and a java runtime) with apt-get (running ``apt-get update`` first only when apt has
no install candidate) and exits non-zero with a loud message when that is impossible
(not Debian, not root and no sudo, package unavailable).

    python tests/tools/ensure_clickhouse_server.py          # check, install if missing
    python tests/tools/ensure_clickhouse_server.py --check  # check only (exit 1 if missing)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

PACKAGE = "clickhouse-server"
#: same override the test fixture honours (plugins/clickhouse/tests/server.py)
SERVER_BIN_ENV = "CLICKORM_CLICKHOUSE_SERVER"
CANDIDATES = ("/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server")
ZOOKEEPER_PACKAGE = "zookeeper"
#: same override and places the cluster fixture reads (plugins/clickhouse/tests/cluster.py)
ZOOKEEPER_JAR_ENV = "CLICKORM_ZOOKEEPER_JAR"
ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/zookeeper/zookeeper.jar")


def find_server_binary() -> str | None:
    """The clickhouse-server binary (or an upstream ``clickhouse`` that runs ``server``)."""
    override = os.environ.get(SERVER_BIN_ENV)
    paths: list[str | None] = [override] if override else []
    paths += [shutil.which("clickhouse-server"), *CANDIDATES, shutil.which("clickhouse")]
    for path in paths:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_zookeeper() -> str | None:
    """The ZooKeeper jar when a java runtime is there too, else None."""
    override = os.environ.get(ZOOKEEPER_JAR_ENV)
    jars = [override] if override else list(ZOOKEEPER_JARS)
    jar = next((j for j in jars if os.path.isfile(j)), None)
    return jar if jar and shutil.which("java") else None


def installed_version(package: str = PACKAGE) -> str | None:
    if not shutil.which("dpkg-query"):
        return None
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True
    )
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def fail(message: str) -> int:
    bar = "!" * 78
    print(f"\n{bar}\nensure_clickhouse_server: {message}\n{bar}\n", file=sys.stderr)
    return 1


def privileged(cmd: list[str]) -> list[str] | None:
    """``cmd`` as root: directly, through non-interactive sudo, or None when impossible."""
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"]).returncode == 0:
        return ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", *cmd]
    return None


def apt_candidate(package: str = PACKAGE) -> str | None:
    """The version apt would install, or None when its lists do not know the package."""
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        key, _, value = line.strip().partition(":")
        if key == "Candidate":
            value = value.strip()
            return None if value in ("", "(none)") else value
    return None


def run(cmd: list[str]) -> int:
    print("+ " + " ".join(cmd), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(cmd, env=env).returncode


def install(package: str = PACKAGE) -> int:
    """``apt-get install`` one package (``apt-get update`` first when apt lacks it)."""
    if not shutil.which("apt-get"):
        return fail(
            f"{package} is not installed and this is not a Debian/Ubuntu system (no apt-get). "
            f"Install it yourself (clickhouse-server: set {SERVER_BIN_ENV}; zookeeper: set "
            f"{ZOOKEEPER_JAR_ENV})."
        )
    if privileged(["true"]) is None:
        return fail(
            f"{package} is not installed and installing it needs root (no password-less sudo). "
            "Run: "
            f"sudo apt-get install -y --no-install-recommends {package}"
        )
    if apt_candidate(package) is None:
        print(f"apt has no candidate for {package}: running apt-get update", flush=True)
        update = privileged(["apt-get", "update"])
        assert update is not None
        if run(update) != 0:
            return fail(f"apt-get update failed (see above); cannot install {package}.")
        if apt_candidate(package) is None:
            return fail(f"apt-get knows no package {package!r} even after apt-get update.")
    cmd = privileged(["apt-get", "install", "-y", "--no-install-recommends", package])
    assert cmd is not None
    if run(cmd) != 0:
        return fail(f"apt-get install {package} failed (see above).")
    found = find_server_binary() if package == PACKAGE else find_zookeeper()
    if found is None:
        return fail(f"apt-get installed {package} but its binary or jar (and java) was not found.")
    print(f"{package}: installed {found} (package {installed_version(package) or '?'})")
    return 0


def ensure(package: str, args: argparse.Namespace) -> int:
    found = find_server_binary() if package == PACKAGE else find_zookeeper()
    if found is not None:
        version = installed_version(package)
        print(f"{package}: found {found}" + (f" (package {version})" if version else ""))
        return 0
    if args.check:
        return fail(f"{package} not found. Run: python {sys.argv[0]} (installs {package})")
    print(f"{package} not found: installing the {package} package", flush=True)
    return install(package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check; exit 1 when either is missing"
    )
    args = parser.parse_args(argv)
    return ensure(PACKAGE, args) or ensure(ZOOKEEPER_PACKAGE, args)


if __name__ == "__main__":
    sys.exit(main())
