"""Migrator: status, plan, up and down over one connection's history.

``up`` checks every pending migration before running any (destructive steps need
``allow_destructive``; guessed renames must be confirmed in the file), holds the lock
(:mod:`clickorm.migrations.history`) while it runs, and records each migration once all
its steps ran (and, after each step of a migration with several, a ``partial`` row
saying where a run killed from then on resumes). A step that fails stops the run and
records a ``partial`` row with the number of steps that did run: ClickHouse has no
transactional DDL, so they are not undone; running ``up`` again resumes at the failed step (the file's steps are planned
from its snapshots, so they are the same on the second run). A failed ``down`` records a
``partial_revert`` row the same way (status ``reverting``): ``down`` again resumes at
the failed step, and ``up`` refuses the migration until its revert is finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clickorm.errors import MigrationError, SchemaError
from clickorm.migrations.files import MigrationFile, load_files
from clickorm.migrations.history import History
from clickorm.migrations.operations import Operation
from clickorm.schema.alter_plan import AlterStep

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection

__all__ = ["Migrator", "Status", "PlannedMigration", "RENEW_EVERY"]

#: seconds between renewals of the lock claim while migrations run (well inside LOCK_TTL)
RENEW_EVERY = 600.0


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    state: str  # "applied", "pending", "partial", "reverting" (a downgrade stopped part-way)
    step: int = 0
    changed: bool = False  # the file changed since it was applied


@dataclass
class PlannedMigration:
    file: MigrationFile
    direction: str
    operations: list[Operation]
    steps: list[AlterStep]
    resume_at: int = 0

    @property
    def destructive(self) -> list[str]:
        return [reason for op in self.operations for reason in op.destructive]

    @property
    def unconfirmed(self) -> list[str]:
        return [u for op in self.operations for u in op.unconfirmed]


class Migrator:
    """Runs the migration files of ``directory`` on ``connection``."""

    def __init__(
        self,
        connection: BaseConnection,
        directory: str | Path,
        *,
        table: str = "clickorm_migrations",
        echo: Callable[[str], None] | None = None,
        lock_wait: float = 0.0,
        progress_every: float = 10.0,
    ) -> None:
        self.connection = connection
        self.directory = Path(directory)
        self.history = History(connection, table)
        self.echo = echo or (lambda _text: None)
        self.lock_wait = lock_wait
        #: seconds between "still running" lines of a long step (a rebuild's copy)
        self.progress_every = progress_every
        self._renewed = 0.0

    def files(self) -> list[MigrationFile]:
        return load_files(self.directory)

    def status(self) -> list[Status]:
        state = self.history.state()
        out = []
        for f in self.files():
            event = state.get(f.id)
            if event is None or event.kind == "revert":
                out.append(Status(f.id, f.name, "pending"))
            elif event.kind in ("partial", "partial_revert"):
                state_name = "partial" if event.kind == "partial" else "reverting"
                out.append(Status(f.id, f.name, state_name, event.step,
                                  changed=event.checksum != f.checksum))
            else:
                out.append(Status(f.id, f.name, "applied", changed=event.checksum != f.checksum))
        return out

    def _find(self, files: list[MigrationFile], target: str) -> int:
        matches = [i for i, f in enumerate(files) if f.id == target or f.path.stem == target]
        if not matches:
            raise MigrationError(
                f"No migration {target!r} in {self.directory}; ids: "
                f"{', '.join(f.id for f in files) or '(none)'}"
            )
        return matches[0]

    # -- planning ------------------------------------------------------------------------
    def plan_up(self, to: str | None = None) -> list[PlannedMigration]:
        files = self.files()
        statuses = {s.id: s for s in self.status()}
        last = self._find(files, to) if to else len(files) - 1
        platform = self.connection.platform
        out = []
        for f in files[: last + 1]:
            status = statuses[f.id]
            if status.state == "applied":
                continue
            if status.state == "reverting":
                raise MigrationError(
                    f"{f.path.name} is partly reverted (steps 1-{status.step} of its "
                    "downgrade ran): finish it with `clickorm migrate down` before applying "
                    "it again")
            if status.state == "partial" and status.changed:
                raise MigrationError(
                    f"{f.path.name} changed after a run that stopped at step {status.step + 1}; "
                    "resuming would run different steps. Restore the file as it was, run "
                    "`clickorm migrate up` to finish it, then change the schema in a new file"
                )
            ops = f.operations("upgrade")
            steps = [s for op in ops for s in op.steps(platform)]
            out.append(PlannedMigration(f, "upgrade", ops, steps, status.step))
        return out

    def plan_down(self, to: str | None = None, steps: int | None = None) -> list[PlannedMigration]:
        files = self.files()
        states = {s.id: s for s in self.status()}
        applied = [f for f in files if states[f.id].state != "pending"]
        if to is not None:
            keep = self._find(files, to)
            chosen = [f for f in applied if files.index(f) > keep]
        else:
            chosen = applied[-(steps or 1):] if applied else []
        partial = [f for f in chosen if states[f.id].state == "partial"]
        if partial:
            f = partial[0]
            raise MigrationError(
                f"{f.path.name} is partly applied (steps 1-{states[f.id].step} ran): finish it "
                "with `clickorm migrate up` before reverting it"
            )
        platform = self.connection.platform
        out = []
        for f in reversed(chosen):
            status = states[f.id]
            resume_at = status.step if status.state == "reverting" else 0
            if resume_at and status.changed:
                raise MigrationError(
                    f"{f.path.name} changed after a revert that stopped at step "
                    f"{resume_at + 1}; resuming would run different steps. Restore the file "
                    "as it was and run `clickorm migrate down` to finish the revert")
            ops = f.operations("downgrade")
            out.append(PlannedMigration(f, "downgrade", ops,
                                        [s for op in ops for s in op.steps(platform)],
                                        resume_at))
        return out

    @staticmethod
    def sql_text(plans: list[PlannedMigration]) -> str:
        """The script ``--sql`` prints: each migration's steps, one statement per line."""
        lines = []
        for plan in plans:
            lines.append(f"-- {plan.direction} {plan.file.id}_{plan.file.name}")
            for reason in plan.destructive:
                lines.append(f"-- DESTRUCTIVE: {reason}")
            for step in plan.steps[plan.resume_at:]:
                lines.append(step.sql if step.sql.startswith("--") else step.sql + ";")
        return "\n".join(lines)

    # -- running -------------------------------------------------------------------------
    def check_allowed(self, plans: list[PlannedMigration], allow_destructive: bool) -> None:
        for plan in plans:
            if plan.unconfirmed:
                raise MigrationError(
                    f"{plan.file.path.name}: {'; '.join(plan.unconfirmed)}. Confirm by "
                    "deleting it from unconfirmed_renames=..., or replace the rename by "
                    "dropping and adding the column"
                )
            if plan.destructive and not allow_destructive:
                raise MigrationError(
                    f"{plan.file.path.name} is destructive: {'; '.join(plan.destructive)}. "
                    "Review it, then run again with --allow-destructive"
                )

    def up(self, to: str | None = None, *, allow_destructive: bool = False) -> list[str]:
        """Apply pending migrations (up to ``to``); returns the ids applied."""
        self.history.ensure()
        self.history.acquire(wait=self.lock_wait)
        self._renewed = time.perf_counter()
        try:
            plans = self.plan_up(to)  # planned under the lock: another run may have applied some
            self.check_allowed(plans, allow_destructive)
            for plan in plans:
                self._run(plan, "apply")
            return [p.file.id for p in plans]
        except BaseException:
            self._release_keeping_the_error()
            raise
        finally:
            if self.history.token is not None:
                self.history.release()

    def down(self, to: str | None = None, steps: int | None = None, *,
             allow_destructive: bool = False) -> list[str]:
        """Revert applied migrations (the last ``steps``, or all after ``to``)."""
        self.history.ensure()
        self.history.acquire(wait=self.lock_wait)
        self._renewed = time.perf_counter()
        try:
            plans = self.plan_down(to, steps)
            self.check_allowed(plans, allow_destructive)
            for plan in plans:
                self._run(plan, "revert")
            return [p.file.id for p in plans]
        except BaseException:
            self._release_keeping_the_error()
            raise
        finally:
            if self.history.token is not None:
                self.history.release()

    def _run(self, plan: PlannedMigration, kind: str) -> None:
        f = plan.file
        total = len(plan.steps)
        self.echo(f"{'Applying' if kind == 'apply' else 'Reverting'} {f.id}_{f.name} "
                  f"({total} step{'s' if total != 1 else ''})"
                  + (f", resuming at step {plan.resume_at + 1}" if plan.resume_at else ""))
        recorded = plan.resume_at
        for number, step in enumerate(plan.steps[plan.resume_at:], start=plan.resume_at):
            started = time.perf_counter()
            self._renew_if_due()
            if step.long:
                self.echo(f"  step {number + 1}/{total}: {_short(step.sql)} ...")
            ticker = _Ticker(self.echo, f"  step {number + 1}/{total} running",
                             self.progress_every, self._renew_beside) if step.long else None
            try:
                if step.run is not None:
                    step.run(self.connection)
                else:  # the platform's runner: a statement marked per host goes to each
                    self.connection.platform.run_one(self.connection, step.sql, table=f.id,
                                                     action="Migrating")
            except BaseException as exc:
                if ticker is not None:
                    ticker.stop()
                if not isinstance(exc, Exception):
                    # interrupted (Ctrl-C, exit): this step may or may not have run, the
                    # ones before did; the next run resumes here, never at step 1
                    self._record_stop(plan, kind, number)
                    raise
                # run_one wraps the driver's error: report the server's own words
                cause: BaseException = exc
                if isinstance(exc, SchemaError) and exc.__cause__ is not None:
                    cause = exc.__cause__
                unrecorded = self._record_stop(plan, kind, number)
                done = f"steps 1-{number} ran and were kept" if number else "no step ran"
                at = ("this step" if not step.restart else
                      f"step {number - step.restart + 1}, starting this rebuild over")
                rerun = (f" Fix the cause and run the same command again: it resumes at {at}."
                         if unrecorded is None else
                         f" This could not be recorded in the history ({unrecorded}), so the "
                         "same command would start this migration over: check which steps "
                         "ran before running it again.")
                raise MigrationError(
                    f"{f.path.name}: step {number + 1}/{total} failed on connection "
                    f"{self.connection.name!r}: {str(cause).splitlines()[0] if str(cause) else cause!r}\n"
                    f"  SQL: {_short(step.sql, 500)}\n  {done}.{rerun}"
                ) from exc
            if ticker is not None:
                ticker.stop()
                self.echo(f"  step {number + 1}/{total} done in {time.perf_counter() - started:.1f}s")
            if number + 1 < total:
                recorded = self._progress(plan, kind, number + 1, recorded)
        self.history.record(f.id, kind, checksum=f.checksum)

    def _progress(self, plan: PlannedMigration, kind: str, following: int,
                  recorded: int) -> int:
        """Record that the steps before ``following`` ran, so a run killed from now on (the
        process, or the server) resumes there instead of re-running them; returns the
        resume point recorded (a rebuild's steps before its swap all resume at its first)."""
        resume = following - plan.steps[following].restart
        if resume == recorded:
            return recorded
        try:
            self.history.record(plan.file.id, "partial" if kind == "apply" else
                                "partial_revert", step=resume, checksum=plan.file.checksum)
        except Exception:  # noqa: BLE001 - the next step, or the final record, reports it
            return recorded
        return resume

    def _renew_if_due(self) -> None:
        """Extend the lock claim when RENEW_EVERY has passed since it was last made."""
        now = time.perf_counter()
        if now - self._renewed > RENEW_EVERY:
            self._renewed = now
            self.history.renew()

    def _renew_beside(self) -> None:
        """The renewal from the progress thread of a long step: a step that runs longer
        than the claim lives (a rebuild's copy of a large table) must not let it expire,
        or a second migrator would take the lock and run the same steps. A connection
        that cannot be used from another thread while the step runs (SQLite) fails here;
        its steps are then renewed between steps only."""
        try:
            self._renew_if_due()
        except Exception:  # noqa: BLE001, S110 - the step's thread reports its own errors
            pass

    def _release_keeping_the_error(self) -> None:
        """Give the lock back after a failure without hiding it: a lock that cannot be
        released (the server went away) expires on its own."""
        try:
            self.history.release()
        except Exception:  # noqa: BLE001 - the run's own error is the one to raise
            self.history.token = None

    def _record_stop(self, plan: PlannedMigration, kind: str, number: int) -> str | None:
        """Record that ``plan`` stopped before its step ``number`` (the next run resumes
        there); the reason it could not be recorded, else None."""
        number -= plan.steps[number].restart
        if kind != "apply" and number <= plan.resume_at:
            return None  # a revert stopped where it started: the history says so already
        try:
            self.history.record(plan.file.id, "partial" if kind == "apply" else
                                "partial_revert", step=number, checksum=plan.file.checksum)
        except Exception as exc:  # noqa: BLE001 - reported with the step's own failure
            return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None


class _Ticker:
    """Says a long step is still running, every ``every`` seconds, until stopped."""

    def __init__(self, echo: Callable[[str], None], what: str, every: float,
                 renew: Callable[[], None] | None = None) -> None:
        self._stop = threading.Event()
        self._started = time.perf_counter()

        def tick() -> None:
            while not self._stop.wait(every):
                echo(f"{what} for {time.perf_counter() - self._started:.0f}s ...")
                if renew is not None:
                    renew()

        self._thread = threading.Thread(target=tick, name="clickorm-migrate-progress",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _short(sql: str, limit: int = 120) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."
