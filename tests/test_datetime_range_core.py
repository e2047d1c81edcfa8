"""A datetime field's DateTime/DateTime64 range is checked in Pydantic's core (ge/le on
the aware UTC bounds): it must accept and refuse exactly what ``range_check`` does --
naive values as UTC wall-clock time, aware ones (fixed offsets, zoneinfo, DST folds) by
their instant -- and a bulk insert leaves the collector as it found it."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest

from clickorm import types
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ValidationError
from clickorm.model import Column, Model
from clickorm.types.ranges import range_check


class Stamps(Model):
    id: int = Column(primary_key=True)
    at: Annotated[dt.datetime, types.DateTime]
    nano: Annotated[dt.datetime, types.DateTime64(9)]
    milli: Annotated[dt.datetime, types.DateTime64(3)]
    maybe: Annotated[dt.datetime | None, types.Nullable(types.DateTime)] = None

    class Meta:
        table_name = "dt_core_stamps"


ZONES: list[Any] = [None, dt.UTC, dt.timezone(dt.timedelta(hours=14)),
                    dt.timezone(dt.timedelta(hours=-12)), ZoneInfo("America/New_York"),
                    ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]
EDGES = [dt.datetime(1970, 1, 1), dt.datetime(2106, 2, 7, 6, 28, 15), dt.datetime(1900, 1, 1),
         dt.datetime(2262, 4, 11, 23, 47, 16, 854775), dt.datetime(2299, 12, 31, 23, 59, 59, 999999)]
STEPS = (-86400, -50400, -1, -0.000001, 0, 0.000001, 1, 50400, 86400)


def _values() -> list[dt.datetime]:
    out = []
    for edge in EDGES:
        for step in STEPS:
            try:
                moved = edge + dt.timedelta(seconds=step)
            except OverflowError:
                continue
            for zone in ZONES:
                out += [moved.replace(tzinfo=zone), moved.replace(tzinfo=zone, fold=1)]
    return out


@pytest.mark.parametrize(("field", "logical"), [
    ("at", types.DateTime()), ("nano", types.DateTime64(9)), ("milli", types.DateTime64(3)),
    ("maybe", types.DateTime())])
def test_core_bounds_match_range_check(field: str, logical: Any) -> None:
    check = range_check(logical)
    assert check is not None
    base = dt.datetime(2000, 1, 1)
    for value in _values():
        data = {"id": 1, "at": base, "nano": base, "milli": base, field: value}
        try:
            Stamps.model_validate(data)
            accepted = True
        except Exception:  # noqa: BLE001 - Pydantic's error: refused
            accepted = False
        assert accepted == (check(value) is None), (field, value)


def test_a_refused_datetime_names_the_row_and_field_with_the_range() -> None:
    reset_managers()
    use("sqlite://")
    try:
        Stamps.create_table()
        ok = dt.datetime(2000, 1, 1)
        rows = [{"id": i, "at": ok, "nano": ok, "milli": ok} for i in range(3000)]
        rows[2042]["at"] = dt.datetime(2106, 2, 7, 6, 28, 16)
        assert gc.isenabled()
        with pytest.raises(ValidationError) as caught:
            Stamps.insert_many(rows)
        message = str(caught.value)
        assert "item 2042" in message and "at" in message and "2106-02-07 06:28:15" in message
        assert "06:28:16" not in message  # the refused value is not shown
        assert gc.isenabled() and Stamps.count() == 0
        rows[2042]["at"] = ok
        assert Stamps.insert_many(rows) == 3000 and gc.isenabled()
    finally:
        reset_managers()
