"""Autogenerate: compare the models with the live database, write the operations.

Both sides are read the same way: the live tables through the platform's
``introspect``, the models' tables through ``normalized_table`` (the server spells them,
via a scratch copy), so a difference is a real one, not two spellings of one type. The
result is a list of operations: CreateTable for a model without a table, DropTable for a
table no model describes (destructive), AlterTable for a table that differs, with
dropped+added columns of the same type proposed as a rename the author must confirm.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clickorm.config import DEFAULT_MIGRATIONS_TABLE
from clickorm.errors import MigrationError
from clickorm.migrations.compare import describe, diff_tables, rename_candidates
from clickorm.migrations.files import load_files, new_id, slug
from clickorm.migrations.operations import AlterTable, CreateTable, DropTable, Operation
from clickorm.migrations.snapshot import render_table
from clickorm.model.model import Model
from clickorm.model.model_table import table_from_model
from clickorm.schema.table import Table

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["Comparison", "compare", "load_models", "write_migration", "render_migration"]


def load_models(modules: Sequence[str], connection_name: str | None = None, *,
                default: bool = True) -> list[type[Model]]:
    """Concrete models in ``modules`` whose ``Meta.connection`` is ``connection_name``
    (models without one belong to the default connection: kept when ``default``)."""
    out: list[type[Model]] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise MigrationError(
                f"Cannot import models module {name!r} (from [migrations] models): {exc}"
            ) from exc
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, Model) and value is not Model):
                continue
            meta = value.__dict__.get("__clickorm_meta__")
            if meta is None or meta.abstract or value in out:
                continue
            if meta.connection != connection_name and not (meta.connection is None and default):
                continue
            out.append(value)
    return out


@dataclass
class Comparison:
    """What differs between the models and the database, as operations and as text."""

    operations: list[Operation] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.operations


def compare(
    connection: BaseConnection,
    models: Iterable[type[Model]],
    *,
    ignore: Sequence[str] = (DEFAULT_MIGRATIONS_TABLE,),
    drop_unknown: bool = True,
) -> Comparison:
    """Models vs live tables on ``connection``; ``ignore`` names tables left alone (the
    history table by default); ``drop_unknown=False`` leaves tables no model describes."""
    platform = connection.platform
    wanted: dict[str, Table] = {}
    for model in models:
        table = table_from_model(model, platform.registry)
        wanted[table.name] = table
    live = platform.introspect(connection)
    live = {n: t for n, t in live.items() if n not in ignore}
    result = Comparison()
    made = {n for table in wanted.values() for n in platform.model_tables(table)}
    for name, table in wanted.items():
        after = platform.normalized_table(connection, table)
        found = platform.compared_table(live, after)
        if found is None:
            result.operations.append(CreateTable(after))
            result.lines.append(f"{name}: missing (create table)")
            continue
        before = found
        diff = diff_tables(before, after)
        if diff.is_empty():
            continue
        renames = rename_candidates(diff, before)
        if renames:
            diff = diff_tables(before, after, renames)
        lines = describe(diff, before)
        result.lines += [f"{name}: {line}" for line in lines]
        result.operations.append(AlterTable(
            before, after, renames, [f"{o} -> {n}" for o, n in renames.items()]
        ))
    if drop_unknown:
        for name, table in live.items():
            if name not in made:  # a sharded model's local table is made by it too
                result.operations.append(DropTable(table))
                result.lines.append(f"{name}: no model describes it (drop table)")
    return result


_HEADER = '''"""{title}

Written by `clickorm migrate make` on {when} for connection {connection!r} ({dialect}).
Each operation carries the table definitions it goes from and to, so replaying this
file never reads today's models.
"""

from clickorm.migrations import ops, reverse
from clickorm.migrations import snapshot as s
'''


def render_migration(title: str, operations: Sequence[Operation], *, connection: str,
                     dialect: str) -> str:
    """Python source of a migration file holding ``operations``."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [_HEADER.format(title=title, when=when, connection=connection, dialect=dialect)]
    lines.append("\ndef upgrade() -> list[ops.Operation]:")
    if not operations:
        lines.append("    # e.g. ops.AddColumn(\"events\", s.column(\"score\", \"Int64\", "
                     "default=\"0\")),")
        lines.append("    #      ops.RunSQL(\"...\", reverse_sql=\"...\")")
        lines.append("    return []")
    else:
        lines.append("    return [")
        for op in operations:
            lines += ["        " + line for line in _render_op(op).splitlines()]
        lines.append("    ]")
    lines.append("\n\ndef downgrade() -> list[ops.Operation]:")
    lines.append("    return reverse(upgrade())\n")
    return "\n".join(lines)


def _render_op(op: Operation) -> str:
    out = []
    for reason in op.destructive:
        out.append(f"# DESTRUCTIVE: {reason}")
    if isinstance(op, CreateTable):
        out.append(f"ops.CreateTable({render_table(op.table, '')}),")
    elif isinstance(op, DropTable):
        out.append(f"ops.DropTable({render_table(op.table, '')}),")
    elif isinstance(op, AlterTable):
        for guess in op.unconfirmed_renames:
            out.append(f"# CONFIRM: the rename {guess} is a guess (same type); delete it from "
                       "unconfirmed_renames to keep it, or remove it from renames to drop "
                       "and add instead")
        out.append("ops.AlterTable(")
        out.append(f"    before={render_table(op.before, '    ')},")
        out.append(f"    after={render_table(op.after, '    ')},")
        if op.renames:
            out.append(f"    renames={dict(op.renames)!r},")
        if op.unconfirmed_renames:
            out.append(f"    unconfirmed_renames={list(op.unconfirmed_renames)!r},")
        out.append("),")
    else:
        raise MigrationError(f"Cannot write {op.describe()} into a file")
    return "\n".join(out)


def write_migration(directory: str | Path, name: str, operations: Sequence[Operation], *,
                    connection: str, dialect: str) -> Path:
    """Write a new migration file (creating the directory); returns its path."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    ident = new_id([f.id for f in load_files(root)])
    path = root / f"{ident}_{slug(name)}.py"
    path.write_text(render_migration(name, operations, connection=connection, dialect=dialect))
    return path
