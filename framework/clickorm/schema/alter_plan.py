"""AlterPlan: the steps a platform takes to turn one table definition into another.

Migrations ask the connection's platform for a plan (:meth:`BasePlatform.plan_alter`)
instead of a bare list of statements, because a change an engine cannot make in place is
a *rebuild* whose steps include checks run between statements (row counts compared
before a swap). Each step shows its SQL (for ``--sql`` and ``plan``) and runs on a
connection; a plan is built from the two definitions and the server version only, so
the same migration file gives the same steps every time it is planned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["AlterStep", "AlterPlan"]


@dataclass(frozen=True)
class AlterStep:
    """One step: an SQL statement, or a check/action run in Python (``run``).

    ``sql`` is what ``--sql`` prints (a comment for a Python step); ``run``, when given,
    replaces executing ``sql`` (a check that compares row counts, say).
    """

    sql: str
    run: Callable[[BaseConnection], None] | None = None
    #: a long step (a rebuild's copy): the runner reports its progress/duration
    long: bool = False
    #: a run that stops at this step resumes this many steps earlier (a rebuild stopped
    #: before its swap starts over from a fresh copy); 0: at this step
    restart: int = 0


@dataclass
class AlterPlan:
    """The steps of one table change; ``rebuild`` says why a rebuild was chosen."""

    table: str
    steps: list[AlterStep] = field(default_factory=list)
    #: non-empty when the plan copies the table into a new one (the reasons)
    rebuild: list[str] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [s.sql for s in self.steps]
