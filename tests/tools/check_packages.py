"""Build the three distributions, check their metadata, install the wheels into a fresh
virtualenv and run the example app there (``tox -e package``).

1. ``python -m build`` (wheel and sdist) of the core, clickorm-clickhouse and
   clickorm-sqlite into one temporary directory;
2. ``twine check --strict`` of all six files (the long descriptions render, the metadata
   is complete), and each wheel carries its LICENSE;
3. a fresh virtualenv (no site packages, no PYTHONPATH) gets the three wheels, given as
   files so the plugins' ``clickorm`` requirement resolves to the wheel just built; their
   third-party requirements come from pip's configured index;
4. there, ``clickorm --version`` lists both plugins and the example app runs on the
   embedded default from an empty directory.

Run: ``python tests/tools/check_packages.py [--keep DIR]``. Exits non-zero on the first
failure, printing the command and its output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = {"clickorm": ROOT, "clickorm_clickhouse": ROOT / "plugins" / "clickhouse",
            "clickorm_sqlite": ROOT / "plugins" / "sqlite_testing"}


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> str:
    print("+", " ".join(str(c) for c in command), flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(str(c) for c in command)}")
    return done.stdout


def clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH or CLICKORM_*: only the venv's packages count."""
    return {k: v for k, v in os.environ.items()
            if k != "PYTHONPATH" and not k.startswith("CLICKORM_")}


def build(dist: Path) -> dict[str, Path]:
    for project in PROJECTS.values():
        run([sys.executable, "-m", "build", "--outdir", str(dist), str(project)],
            env=clean_env())
    wheels: dict[str, Path] = {}
    for name in PROJECTS:
        found = sorted(dist.glob(f"{name}-*.whl"))
        sdists = sorted(dist.glob(f"{name}-*.tar.gz"))
        if len(found) != 1 or len(sdists) != 1:
            raise SystemExit(f"expected one wheel and one sdist of {name}, got {found + sdists}")
        with tarfile.open(sdists[0]) as sdist:
            names = sdist.getnames()
        if not any(n.endswith("/LICENSE") for n in names) or any("/tests/" in n for n in names):
            raise SystemExit(f"{sdists[0].name}: no LICENSE, or tests it cannot run: {names}")
        with zipfile.ZipFile(found[0]) as wheel:
            licenses = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
            metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            text = wheel.read(metadata).decode()
        if not licenses:
            raise SystemExit(f"{found[0].name} carries no LICENSE")
        for field in ("License-Expression: MIT", "License-File: LICENSE", "Classifier:",
                      "Project-URL:", "Keywords:", "Description-Content-Type: text/markdown"):
            if field not in text:
                raise SystemExit(f"{found[0].name}: no {field!r} in its METADATA")
        wheels[name] = found[0]
    return wheels


def install_and_run(work: Path, wheels: dict[str, Path]) -> None:
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    env = clean_env()
    run([str(python), "-m", "pip", "install", "--quiet", *map(str, wheels.values())], env=env)
    where = run([str(python), "-c", "import clickorm, clickorm_clickhouse, clickorm_sqlite;"
                 "print(clickorm.__file__, clickorm_clickhouse.__file__, clickorm_sqlite.__file__)"],
                env=env)
    if any(not path.startswith(str(venv)) for path in where.split()):
        raise SystemExit(f"the packages were not imported from the virtualenv: {where}")
    version = run([str(venv / "bin" / "clickorm"), "--version"], env=env)
    for dist in ("clickorm-clickhouse", "clickorm-sqlite"):
        if dist not in version or "[error]" in version:
            raise SystemExit(f"clickorm --version in the virtualenv:\n{version}")
    empty = work / "app"
    empty.mkdir()
    out = run([str(python), str(ROOT / "examples" / "pageview_analytics.py"),
               "--rows", "20000", "--block", "10000"], cwd=empty, env=env)
    if "20,000 rows in" not in out or "Top pages" not in out:
        raise SystemExit(f"the example app's output is not what it should be:\n{out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="clickorm-package-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        dist = work / "dist"
        wheels = build(dist)
        run([sys.executable, "-m", "twine", "check", "--strict",
             *sorted(str(p) for p in dist.iterdir())])
        install_and_run(work, wheels)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("packages: built, twine check passed, wheels installed and the example ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
