"""The DateTime column conversion: the compiled loop gives exactly what the Python one gives."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clickorm_clickhouse import datetimes

PURE_RUN = os.environ.get("CLICKORM_PURE_PYTHON", "") not in ("", "0")
EPOCH, SECOND = datetime(1970, 1, 1), timedelta(seconds=1)


class Stamp(datetime):
    pass


def require_compiled() -> Any:
    if PURE_RUN:
        pytest.skip("CLICKORM_PURE_PYTHON is set: this run tests the Python loop only")
    if datetimes.compiled is None:
        pytest.fail("clickorm_clickhouse._datetimes is not built (no C compiler at install?)")
    return datetimes.compiled


def sample() -> list[datetime]:
    rng = random.Random(7)
    span = int((datetime.max - datetime.min).total_seconds())
    values = [datetime.min, datetime.max, datetime(1969, 12, 31, 23, 59, 59, 500_000),
              EPOCH, datetime(2000, 2, 29, 12, 0, 1, 1)]
    values += [datetime.min + timedelta(seconds=rng.randrange(span),
                                        microseconds=rng.randrange(10**6))
               for _ in range(20_000)]
    return values


ODD = ([EPOCH, None], [EPOCH, 5], [Stamp(2020, 1, 1)], [datetime(2020, 1, 1, tzinfo=UTC)])


def test_python_loop_is_floor_division_from_the_epoch() -> None:
    values = sample()
    assert datetimes.naive_epoch_seconds_python(values) == [(v - EPOCH) // SECOND
                                                           for v in values]
    for odd in ODD:
        assert datetimes.naive_epoch_seconds_python(odd) is None  # all or nothing
    assert datetimes.naive_epoch_seconds_python([]) == []
    with pytest.raises(TypeError):
        datetimes.naive_epoch_seconds_python(5)  # type: ignore[arg-type]


def test_compiled_and_python_loops_agree() -> None:
    native = require_compiled()
    values = sample()
    assert native.naive_epoch_seconds(values) == datetimes.naive_epoch_seconds_python(values)
    assert native.naive_epoch_seconds(tuple(values[:3])) == (
        datetimes.naive_epoch_seconds_python(values[:3]))
    for odd in ODD:
        assert native.naive_epoch_seconds(odd) is None
    assert native.naive_epoch_seconds([]) == []
    with pytest.raises(TypeError):
        native.naive_epoch_seconds(5)


def test_the_dispatcher_uses_whichever_loop_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    values = [datetime(2024, 1, 1, 0, 0, 1), EPOCH]
    native = None if PURE_RUN else require_compiled()
    monkeypatch.setattr(datetimes, "compiled", None)
    assert datetimes.naive_epoch_seconds(values) == [1704067201, 0]
    if native is not None:
        monkeypatch.setattr(datetimes, "compiled", native)
        assert datetimes.naive_epoch_seconds(values) == [1704067201, 0]


def test_the_core_module_carries_no_dialect_loop() -> None:
    from clickorm import speedups

    if speedups.compiled is not None:
        assert not hasattr(speedups.compiled, "naive_epoch_seconds")


def test_pure_python_env_turns_the_compiled_loop_off() -> None:
    code = "from clickorm_clickhouse import datetimes; print(datetimes.compiled is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "CLICKORM_PURE_PYTHON": "1"}, check=True)
    assert out.stdout.strip() == "True"
