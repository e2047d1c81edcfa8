"""The history table: an append-only log of applies, reverts, partial runs and locks.

One row per event, never updated or deleted, so it works on ClickHouse without
mutations: a ``MergeTree`` ordered by ``(migration, at_us, token)`` (a real key; rows of
a plain MergeTree are never merged away), a plain table elsewhere. A migration's state
is its latest ``apply``/``revert``/``partial`` row. With a cluster (see
:func:`cluster_options`) the table is ``ReplicatedMergeTree`` created ``ON CLUSTER``,
one ZooKeeper path for every node of the cluster (replica ``{shard}-{replica}``, so the
server macros must name both), so every node holds the same history.

The lock works without transactions (Dekker's write-then-read): a migrator appends a
``lock`` claim, then reads every live claim (not released, not expired). Alone, it holds
the lock; otherwise it withdraws (appends ``unlock``) and waits with jitter before trying
again (when every claimant withdrew, nobody holds the lock: it tries again at once, a
few times, even without ``wait``). Two migrators cannot both see only their own claim: each wrote before it read,
so whichever read second sees the other's row (an INSERT is visible to every later
SELECT on one server). On a cluster a row reaches the other replicas later, so the
history is read from every host of the cluster (the union of what each has): a claim
written on one node is seen at once by a migrator on any other, with no reliance on
``insert_quorum`` (whose 18.16 form allows one unfinished quorum insert per table). A claim expires after ``lock_ttl`` seconds,
so a migrator that died does not block the next one forever; a running one renews its
claim between steps (another ``lock`` row with the same token).
"""

from __future__ import annotations

import getpass
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clickorm.errors import ClickORMError, MigrationError
from clickorm.schema.table import Column, Table
from clickorm.types.logical import Integer, String

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform

__all__ = ["History", "Event", "cluster_options", "history_table", "LOCK_TTL"]

#: seconds after which a claim of a migrator that died no longer blocks others
LOCK_TTL = 3600.0
#: tries after every claimant withdrew at once, before giving up with ``wait=0``
_CONTENTION_RETRIES = 5
_COLUMNS = ("migration", "kind", "step", "token", "owner", "at_us", "expires_us", "checksum")


def cluster_options(platform: BasePlatform, table: str = "clickorm_migrations") -> dict[str, Any]:
    """Table options making the history table one table for the connection's whole
    cluster (``ON CLUSTER``, replicated on every node), so every node holds the same rows:
    the dialect's :meth:`~clickorm.schema.platform.BasePlatform.shared_table_options`;
    ``{}`` without a cluster. The one place migrations read a cluster (the platform adds
    ``ON CLUSTER`` to DDL)."""
    return platform.shared_table_options(table)


def history_table(name: str, platform: BasePlatform) -> Table:
    """The history table's definition for ``platform`` (its cluster, if any)."""
    t = Table(name)
    for column in _COLUMNS:
        kind = Integer(64) if column in ("step", "at_us", "expires_us") else String()
        t.add_column(Column(column, kind))
    t.options.update({"engine": "MergeTree", "order_by": ("migration", "at_us", "token")})
    t.options.update(cluster_options(platform, name))
    return t


@dataclass(frozen=True)
class Event:
    migration: str
    kind: str
    step: int
    token: str
    owner: str
    at_us: int
    expires_us: int
    checksum: str


def _now_us() -> int:
    return time.time_ns() // 1000


def _owner() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a container: the pid is enough
        user = "?"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


class History:
    """The history table of one connection."""

    def __init__(self, connection: BaseConnection, table: str = "clickorm_migrations") -> None:
        self.connection = connection
        self.table = table
        self.owner = _owner()
        self.token: str | None = None

    def definition(self) -> Table:
        return history_table(self.table, self.connection.platform)

    def ensure(self) -> None:
        platform = self.connection.platform
        if platform.has_table(self.connection, self.table):
            return
        platform.execute(self.connection, platform.compile_create(self.definition(), if_not_exists=True),
                         table=self.table, action="Creating the migrations history")

    def exists(self) -> bool:
        return self.connection.platform.has_table(self.connection, self.table)

    def events(self) -> list[Event]:
        if not self.exists():
            return []
        q = self.connection.platform.quote
        sql = (f"SELECT {', '.join(q(c) for c in _COLUMNS)} FROM "
               f"{self.connection.platform.quote_table(self.table)}")
        rows = self._read(sql)
        events = [Event(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), int(r[5]),
                        int(r[6]), str(r[7])) for r in rows]
        return sorted(events, key=lambda e: (e.at_us, e.token))

    def _read(self, sql: str) -> list[Any]:
        """The rows of ``sql`` on this server; on a cluster, the union over every host
        (a row written on another node may not have replicated here yet)."""
        cluster = self.connection.platform.options.get("cluster")
        if not cluster:
            return list(self.connection.execute(sql).rows)
        if not self.connection.reaches_each_host:
            raise MigrationError(
                f"Connection {self.connection.name!r} names cluster {cluster!r}, but its "
                "driver cannot reach each host of it to read the migrations history; use "
                "a driver of the dialect that can (see the dialect's README)"
            )
        seen: set[tuple[Any, ...]] = set()
        try:
            results = self.connection.execute_on_each_host(str(cluster), sql)
        except ClickORMError as exc:
            raise MigrationError(
                f"Cannot read the migrations history ({self.table!r}) on every host of "
                f"cluster {cluster!r} from connection {self.connection.name!r}: "
                f"{str(exc).splitlines()[0]}. The lock needs every host: bring it back, or "
                "remove it from the cluster's remote_servers"
            ) from exc
        for result in results:
            seen.update(tuple(r) for r in result.rows)
        return list(seen)

    def state(self) -> dict[str, Event]:
        """Migration id -> its latest apply/revert/partial/partial_revert event."""
        out: dict[str, Event] = {}
        for event in self.events():
            if event.kind in ("apply", "revert", "partial", "partial_revert"):
                out[event.migration] = event
        return out

    def record(self, migration: str, kind: str, *, step: int = 0, checksum: str = "") -> None:
        self._append(migration, kind, step=step, token=self.token or "", checksum=checksum)

    def _append(self, migration: str, kind: str, *, step: int = 0, token: str = "",
                expires_us: int = 0, checksum: str = "") -> None:
        row = (migration, kind, step, token, self.owner, _now_us(), expires_us, checksum)
        self.connection.insert_rows(self.table, _COLUMNS, [row])

    # -- the lock ------------------------------------------------------------------------
    def live_claims(self) -> list[Event]:
        now = _now_us()
        events = [e for e in self.events() if e.kind in ("lock", "unlock")]
        released = {e.token for e in events if e.kind == "unlock"}
        return [e for e in events if e.kind == "lock" and e.token not in released
                and e.expires_us > now]

    def acquire(self, *, wait: float = 0.0, lock_ttl: float = LOCK_TTL) -> None:
        """Hold the lock or raise MigrationError naming the holder (after ``wait`` s)."""
        deadline = time.monotonic() + wait
        contended = 0
        while True:
            others = self.live_claims()
            if not others:
                token = uuid.uuid4().hex
                self._append("", "lock", token=token, expires_us=_now_us() + int(lock_ttl * 1e6))
                rivals = [c for c in self.live_claims() if c.token != token]
                if not rivals:
                    self.token = token
                    return
                self._append("", "unlock", token=token)  # withdraw; someone else is here
                others = [c for c in self.live_claims() if c.token != token]
                if not others and contended < _CONTENTION_RETRIES:
                    # every rival withdrew too (claims at the same moment, likelier on a
                    # cluster where reads take longer): no one holds it, try again
                    contended += 1
                    time.sleep(random.random() * 0.3 * contended)
                    continue
                others = others or rivals
            if time.monotonic() >= deadline:
                holder = min(others, key=lambda e: e.at_us)
                since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(holder.at_us / 1e6))
                until = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(holder.expires_us / 1e6))
                raise MigrationError(
                    f"Another migrator holds the migrations lock on connection "
                    f"{self.connection.name!r} (history table {self.table!r}): {holder.owner} "
                    f"since {since} UTC. Wait for it to finish; if it died, its claim "
                    f"expires at {until} UTC"
                )
            time.sleep(min(0.05 + random.random() * 0.2, max(0.0, deadline - time.monotonic())))

    def renew(self, lock_ttl: float = LOCK_TTL) -> None:
        """Extend the held claim (a long migration keeps the lock past ``lock_ttl``)."""
        if self.token is None:
            raise MigrationError("renew() without holding the migrations lock")
        self._append("", "lock", token=self.token, expires_us=_now_us() + int(lock_ttl * 1e6))

    def release(self) -> None:
        if self.token is not None:
            self._append("", "unlock", token=self.token)
            self.token = None
