"""Every operation a migration file uses: ``from clickorm.migrations import ops``."""

from clickorm.migrations.operations import (
    AlterTable,
    CreateTable,
    DropTable,
    Operation,
    RenameTable,
    RunPython,
    RunSQL,
    reverse,
)
from clickorm.migrations.single import (
    AddColumn,
    AddIndex,
    AlterColumn,
    ChangeTableOptions,
    CreateMaterializedView,
    DropColumn,
    DropIndex,
    DropMaterializedView,
    RenameColumn,
)

__all__ = [
    "Operation", "CreateTable", "DropTable", "RenameTable", "AlterTable", "AddColumn",
    "DropColumn", "AlterColumn", "RenameColumn", "AddIndex", "DropIndex",
    "ChangeTableOptions", "CreateMaterializedView", "DropMaterializedView", "RunSQL",
    "RunPython", "reverse",
]
