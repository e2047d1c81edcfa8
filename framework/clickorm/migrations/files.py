"""Migration files: ``<id>_<name>.py`` in the migrations directory, ordered by id.

The id is a UTC timestamp (``20261206_153000``) so files sort in creation order; a file
defines ``upgrade()`` and ``downgrade()``, each returning a list of operations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from clickorm.errors import MigrationError
from clickorm.migrations.operations import Operation

__all__ = ["MigrationFile", "load_files", "new_id", "slug"]

_FILE = re.compile(r"^(\d{8}_\d{6}(?:_\d{2})?)_([a-z0-9_]+)\.py$")


@dataclass
class MigrationFile:
    id: str
    name: str
    path: Path
    checksum: str
    _module: ModuleType | None = None

    @property
    def module(self) -> ModuleType:
        if self._module is None:
            spec = importlib.util.spec_from_file_location(f"clickorm_migration_{self.id}", self.path)
            if spec is None or spec.loader is None:
                raise MigrationError(f"Cannot load migration file {self.path}")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise MigrationError(f"Migration file {self.path} failed to load: {exc}") from exc
            for fn in ("upgrade", "downgrade"):
                if not callable(getattr(module, fn, None)):
                    raise MigrationError(f"Migration file {self.path} defines no {fn}()")
            self._module = module
        return self._module

    def operations(self, direction: str) -> list[Operation]:
        fn: Callable[[], Sequence[Operation]] = getattr(self.module, direction)
        try:
            ops = list(fn())
        except MigrationError:
            raise
        except Exception as exc:
            raise MigrationError(f"{self.path.name}: {direction}() failed: {exc}") from exc
        bad = [o for o in ops if not isinstance(o, Operation)]
        if bad:
            raise MigrationError(
                f"{self.path.name}: {direction}() returned {bad[0]!r}, not an operation "
                "(CreateTable, AlterTable, RunSQL, ...)"
            )
        return ops


def load_files(directory: str | Path) -> list[MigrationFile]:
    """The migration files of ``directory`` (missing directory: none), sorted by id."""
    root = Path(directory)
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.glob("*.py")):
        if path.name.startswith("_"):
            continue
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(
                f"{path}: migration files are named <YYYYMMDD_HHMMSS>_<name>.py "
                "(clickorm migrate make NAME writes one)"
            )
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        out.append(MigrationFile(match.group(1), match.group(2), path, checksum))
    return sorted(out, key=lambda f: f.id)


def new_id(existing: Sequence[str], now: dt.datetime | None = None) -> str:
    """A timestamp id sorting after every ``existing`` one (``_01``... within a second)."""
    base = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d_%H%M%S")
    last = max(existing, default="")
    if base > last:
        return base
    stem, _, n = last[:15], last[15:16], last[16:]
    return f"{stem}_{int(n or 0) + 1:02d}"


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not text:
        raise MigrationError(f"{name!r} gives an empty file name; use letters or digits")
    return text
