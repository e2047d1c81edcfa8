"""Thread safety: concurrent sessions on a file SQLite database, one connection per thread."""

from __future__ import annotations

import threading
from pathlib import Path

from clickorm.connection.manager import reset_managers, use
from clickorm.model import Column, Model
from clickorm.model.context import session_connection
from clickorm.model.session import Session

THREADS = 6
ROUNDS = 4
PER_ROUND = 25


class Tick(Model):
    id: int = Column(primary_key=True)
    worker: int
    seq: int
    note: str = ""


def test_concurrent_sessions_each_write_and_read_their_own_rows(tmp_path: Path) -> None:
    reset_managers()
    manager = use(f"sqlite:///{tmp_path / 'ticks.db'}")
    try:
        Tick.create_table()
        errors: list[BaseException] = []
        seen_connections: dict[int, int] = {}
        start = threading.Barrier(THREADS)

        def work(worker: int) -> None:
            try:
                start.wait()
                for rnd in range(ROUNDS):
                    with Session(manager) as session:
                        seen_connections[worker] = id(session.connection)
                        session.add_all(Tick(worker=worker, seq=rnd * PER_ROUND + i)
                                        for i in range(PER_ROUND))
                        session.flush()  # write first: SQLite takes the write lock here
                        mine = session.query(Tick).where("worker", worker).count()
                        assert mine == (rnd + 1) * PER_ROUND
                        first = Tick.where("worker", worker).order_by("seq").first()
                        first.note = f"round {rnd}"
                        first.save()  # through the model, inside this thread's session
                    # outside the session: the model uses this thread's connection
                    assert session_connection(Tick) is None
                    assert Tick.where("worker", worker).count() == (rnd + 1) * PER_ROUND
                assert Tick.where("worker", worker).order_by("seq").first().note == (
                    f"round {ROUNDS - 1}")
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors
        assert len(set(seen_connections.values())) == THREADS  # a connection per thread
        total = Tick.count()
        assert total == THREADS * ROUNDS * PER_ROUND
        per_worker = {w: Tick.where("worker", w).count() for w in range(THREADS)}
        assert set(per_worker.values()) == {ROUNDS * PER_ROUND}
        assert Tick.where("seq", 0).pluck("note").sort_by(str) == [f"round {ROUNDS - 1}"] * THREADS
    finally:
        reset_managers()
