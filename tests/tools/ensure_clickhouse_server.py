#!/usr/bin/env python3
"""Make sure a clickhouse-server binary is installed for the real-server tests.

Idempotent and fast when the binary is already there. Otherwise it installs Debian's
``clickhouse-server`` package with apt-get (running ``apt-get update`` first only when
apt has no install candidate for it) and exits non-zero with a loud message when that
is impossible (not Debian, not root and no sudo, package unavailable).

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


def find_server_binary() -> str | None:
    """The clickhouse-server binary (or an upstream ``clickhouse`` that runs ``server``)."""
    override = os.environ.get(SERVER_BIN_ENV)
    paths: list[str | None] = [override] if override else []
    paths += [shutil.which("clickhouse-server"), *CANDIDATES, shutil.which("clickhouse")]
    for path in paths:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def installed_version() -> str | None:
    if not shutil.which("dpkg-query"):
        return None
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", PACKAGE], capture_output=True, text=True
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


def apt_candidate() -> str | None:
    """The version apt would install, or None when its lists do not know the package."""
    out = subprocess.run(["apt-cache", "policy", PACKAGE], capture_output=True, text=True)
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


def install() -> int:
    if not shutil.which("apt-get"):
        return fail(
            f"{PACKAGE} is not installed and this is not a Debian/Ubuntu system (no apt-get). "
            f"Install ClickHouse yourself and set {SERVER_BIN_ENV} to the server binary."
        )
    if privileged(["true"]) is None:
        return fail(
            f"{PACKAGE} is not installed and installing it needs root (no password-less sudo). "
            "Run: "
            f"sudo apt-get install -y {PACKAGE}"
        )
    if apt_candidate() is None:
        print(f"apt has no candidate for {PACKAGE}: running apt-get update", flush=True)
        update = privileged(["apt-get", "update"])
        assert update is not None
        if run(update) != 0:
            return fail("apt-get update failed (see above); cannot install clickhouse-server.")
        if apt_candidate() is None:
            return fail(f"apt-get knows no package {PACKAGE!r} even after apt-get update.")
    cmd = privileged(["apt-get", "install", "-y", "--no-install-recommends", PACKAGE])
    assert cmd is not None
    if run(cmd) != 0:
        return fail(f"apt-get install {PACKAGE} failed (see above).")
    binary = find_server_binary()
    if binary is None:
        return fail(f"apt-get installed {PACKAGE} but no clickhouse-server binary was found.")
    print(f"clickhouse-server: installed {binary} (package {installed_version() or '?'})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check; exit 1 when the binary is missing"
    )
    args = parser.parse_args(argv)
    binary = find_server_binary()
    if binary is not None:
        version = installed_version()
        print(f"clickhouse-server: found {binary}" + (f" (package {version})" if version else ""))
        return 0
    if args.check:
        return fail(
            f"clickhouse-server binary not found. Run: python {sys.argv[0]} (installs {PACKAGE})"
        )
    print(f"clickhouse-server binary not found: installing the {PACKAGE} package", flush=True)
    return install()


if __name__ == "__main__":
    sys.exit(main())
