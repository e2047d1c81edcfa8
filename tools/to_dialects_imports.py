"""Rewrite a dialect plugin's ``from clickorm.<internal> import X`` lines to
``from clickorm.dialects import X`` (the author API), printing what it changed.

    python tools/to_dialects_imports.py plugins/clickhouse/clickorm_clickhouse [--check]

Names the author API spells differently are renamed (``Column as TableColumn`` keeps
working because an ``as`` alias is kept). Imports of ``clickorm.errors`` and
``clickorm.dialects`` are left alone; a name the author API lacks is reported and its
line kept, so the import-linter contract then says what is missing. ``--check`` changes
nothing and exits 1 when a file would change.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import clickorm.dialects as api

#: module attribute imported whole -> how clickorm.dialects exports it
MODULES = {("clickorm.types", "jsonform"): "jsonform"}
#: names clickorm.dialects exports under another name
RENAMED = {
    ("clickorm.schema.rebuild", "plan_rebuild"): "plan_table_rebuild",
    ("clickorm.schema.rebuild", "run_rebuild"): "run_table_rebuild",
    ("clickorm.schema.rebuild", "TEMP_PREFIX"): "REBUILD_TEMP_PREFIX",
    ("clickorm.query.expressions", "Table"): "QueryTable",
}
KEEP = {"clickorm.errors", "clickorm.dialects", "clickorm"}


def _imported(module: str, name: str) -> object:
    """What ``from module import name`` gives (a submodule when ``name`` is one)."""
    mod = importlib.import_module(module)
    if hasattr(mod, name):
        return getattr(mod, name)
    return importlib.import_module(f"{module}.{name}")


def rewrite(source: str) -> tuple[str, list[str], list[str]]:
    """(new source, names moved, names the author API lacks)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    moved: list[str] = []
    missing: list[str] = []
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        mod = node.module
        if not mod.startswith("clickorm.") or mod in KEEP:
            continue
        parts = []
        for alias in node.names:
            name = MODULES.get((mod, alias.name)) or RENAMED.get((mod, alias.name), alias.name)
            # the same object, not only the same name: clickorm.dialects.Table is the
            # schema's Table, and clickorm.query.expressions.Table is another class
            if name not in api.__all__ or getattr(api, name) is not _imported(mod, alias.name):
                missing.append(f"{mod}.{alias.name}")
                break
            local = alias.asname or alias.name
            parts.append(name if local == name else f"{name} as {local}")
        else:
            indent = " " * node.col_offset
            body = ", ".join(parts)
            text = f"{indent}from clickorm.dialects import {body}\n"
            if len(text) > 100:
                inner = "".join(f"{indent}    {p},\n" for p in parts)
                text = f"{indent}from clickorm.dialects import (\n{inner}{indent})\n"
            assert node.end_lineno is not None
            edits.append((node.lineno - 1, node.end_lineno, text))
            moved.extend(f"{mod}.{a.name}" for a in node.names)
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    return "".join(lines), moved, missing


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = False
    for root in [Path(a) for a in argv if a != "--check"]:
        for path in sorted(root.rglob("*.py")):
            source = path.read_text()
            new, moved, missing = rewrite(source)
            for name in missing:
                print(f"{path}: clickorm.dialects has no {name}; line kept")
            if new != source:
                changed = True
                print(f"{path}: {len(moved)} name(s) now from clickorm.dialects")
                if not check:
                    path.write_text(new)
    return 1 if (check and changed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
