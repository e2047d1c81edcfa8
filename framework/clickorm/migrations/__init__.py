"""Migrations: versioned, reversible files of operations, run against one connection.

A file in the migrations directory defines ``upgrade()`` and ``downgrade()`` returning
operations (:mod:`clickorm.migrations.ops`); :class:`Migrator` applies them and keeps an
append-only history table; :func:`compare` diffs the models with the live database
(``clickorm migrate make --autogenerate`` and ``clickorm migrate check``).
"""

from clickorm.migrations import ops, snapshot
from clickorm.migrations.autogen import Comparison, compare, load_models, write_migration
from clickorm.migrations.history import History, cluster_options
from clickorm.migrations.ops import (
    AddColumn,
    AddIndex,
    AlterColumn,
    AlterTable,
    ChangeTableOptions,
    CreateMaterializedView,
    CreateTable,
    DropColumn,
    DropIndex,
    DropMaterializedView,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    RunPython,
    RunSQL,
    reverse,
)
from clickorm.migrations.runner import Migrator, Status

__all__ = [
    "ops", "snapshot", "Migrator", "Status", "History", "cluster_options", "compare",
    "Comparison", "load_models", "write_migration", "Operation", "CreateTable", "DropTable",
    "RenameTable", "AlterTable", "AddColumn", "DropColumn", "AlterColumn", "RenameColumn",
    "AddIndex", "DropIndex", "ChangeTableOptions", "CreateMaterializedView",
    "DropMaterializedView", "RunSQL", "RunPython", "reverse",
]
