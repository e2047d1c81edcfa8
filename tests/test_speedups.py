"""The compiled loops (clickorm/_speedups.c) give exactly what the Python loops give.

The whole core suite also runs without them (tox env ``pure``); these tests compare the
two paths directly on the same rows and push the C code's edge cases (bad arguments,
decoders that fail or change the row list) where a bug would crash the interpreter.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from clickorm import speedups
from clickorm.connection.base import ColumnarRows
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.model import Column, Model
from clickorm.model.extraction import MissingField, extractor_for
from clickorm.model.hydration import build_hydrator
from clickorm.model.state import PERSISTED, state_of

COMPILED = speedups.compiled
PURE_RUN = os.environ.get("CLICKORM_PURE_PYTHON", "") not in ("", "0")


def require_compiled() -> Any:
    """The C module; the ``pure`` tox env turns it off on purpose, anywhere else a
    missing build fails loudly (a silent fallback would benchmark the slow path)."""
    if PURE_RUN:
        pytest.skip("CLICKORM_PURE_PYTHON is set: this run tests the Python loops only")
    if COMPILED is None:
        pytest.fail("clickorm._speedups is not built (no C compiler at install?)")
    return COMPILED


class Sample(Model):
    id: int = Column(primary_key=True)
    name: str
    at: datetime
    tags: list[str] = []

    class Meta:
        table_name = "speedup_samples"


@pytest.fixture
def db() -> Iterator[None]:
    reset_managers()
    use("sqlite://")
    Sample.create_table()
    yield
    reset_managers()


@pytest.fixture(params=["compiled", "python"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with the C loops and once with the Python loops."""
    if request.param == "compiled":
        monkeypatch.setattr(speedups, "compiled", require_compiled())
    else:
        monkeypatch.setattr(speedups, "compiled", None)
    return str(request.param)


def samples(n: int = 4) -> list[Sample]:
    return [Sample(id=i, name=f"n{i}", at=datetime(2024, 1, 1, 0, 0, i), tags=[f"t{i}"])
            for i in range(n)]


def test_the_extension_is_built_where_the_suite_runs() -> None:
    """CI has a compiler: a silently skipped build would benchmark the slow path."""
    if PURE_RUN:
        assert speedups.compiled is None and not speedups.active()
    else:
        assert COMPILED is not None, "clickorm._speedups failed to build; see pip's output"
        assert speedups.active()


def test_round_trip_through_sqlite_gives_equal_models(db: None, path: str) -> None:
    written = samples()
    assert Sample.insert_many(written) == 4
    assert all(state_of(s) is PERSISTED for s in written)  # marked by mark() or its twin
    read = Sample.order_by("id").get()
    assert read == written
    assert [r.model_dump() for r in read] == [w.model_dump() for w in written]
    assert all(state_of(r) is PERSISTED for r in read)
    assert read[0].model_fields_set == set(Sample.model_fields)
    assert pickle.loads(pickle.dumps(read[1])) == written[1]
    read[2].name = "changed"
    assert read[2].get_dirty() == {"name": "changed"} and not read[3].is_dirty()


def test_both_paths_build_identical_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("id", "name", "at", "tags")
    columns = [(1, 2), ("a", "b"), (datetime(2024, 1, 1), datetime(2024, 1, 2)), (["x"], [])]
    rows = list(zip(*columns, strict=True))
    native = require_compiled()
    monkeypatch.setattr(speedups, "compiled", None)
    python = build_hydrator(Sample, names, None)
    expected = python(rows)
    assert python(ColumnarRows(columns)) == expected  # what ClickHouse gives without C
    monkeypatch.setattr(speedups, "compiled", native)
    compiled = build_hydrator(Sample, names, None)
    assert "compiled hydration" in (compiled.__doc__ or "")
    for got in (compiled(ColumnarRows(columns)), compiled(rows)):
        assert got == expected
        assert [m.__dict__ for m in got] == [m.__dict__ for m in expected]
        assert [list(m.__dict__) for m in got] == [list(names)] * 2  # field order kept
        assert all(type(m) is Sample and state_of(m) is PERSISTED for m in got)


def test_decoders_run_on_every_value_and_their_errors_propagate(path: str) -> None:
    class Coded(Model):
        id: int = Column(primary_key=True)
        when_: datetime = Column(name="when")  # 'when' is a builder method

    conn = use("sqlite://").connection()
    try:
        hydrate = build_hydrator(Coded, ("id", "when"), conn)
        got = hydrate([(1, "2024-05-06 07:08:09"), (2, None)])
        assert got[0].when_ == datetime(2024, 5, 6, 7, 8, 9) and got[1].when_ is None
        with pytest.raises(ValueError):
            hydrate([(3, "not a date")])
    finally:
        reset_managers()


def test_a_row_of_the_wrong_width_is_an_error_not_a_crash(path: str) -> None:
    hydrate = build_hydrator(Sample, ("id", "name"), None)
    with pytest.raises(ValueError):
        hydrate([(1, "a", "extra")])
    with pytest.raises(ValueError):
        hydrate([(1,)])
    with pytest.raises(ValueError):
        hydrate(ColumnarRows([(1, 2), ("only one",)]))


def test_the_c_row_loop_survives_a_decoder_that_empties_the_row_list() -> None:
    """Decoders are arbitrary Python: the C loop must stop, not read freed memory (the
    Python loop iterates the list and stops on its own)."""
    from clickorm.model.hydration import DICT_SLOT

    native = require_compiled()
    rows: list[Any] = [(i, f"n{i}") for i in range(50)]

    def decode(value: Any) -> Any:
        rows.clear()
        return value

    got = native.hydrate_rows(Sample, ("id", "name"), rows, (decode, None), DICT_SLOT,
                              Sample.__clickorm_state_slot__, PERSISTED)
    assert [(m.id, m.name) for m in got] == [(0, "n0")]


def test_extraction_reads_every_field_and_names_a_missing_one(db: None, path: str) -> None:
    items = samples(3)
    fields = ("id", "name", "at", "tags")
    columns = extractor_for(Sample, fields)(items)
    # tuples on both paths (and for any sequence of instances), never a mix
    assert columns == [tuple(getattr(s, f) for s in items) for f in fields]
    assert extractor_for(Sample, fields)(tuple(items)) == columns
    del items[1].__dict__["name"]
    with pytest.raises(MissingField) as caught:
        extractor_for(Sample, fields)(items)
    assert caught.value.args[0] == "name"
    with pytest.raises(QueryError, match="no value for 'name'"):
        Sample.insert_many(items)
    assert Sample.count() == 0  # nothing half written


def test_extraction_of_validated_rows_reads_dicts_on_both_paths(db: None, path: str) -> None:
    """insert_many(dicts)'s fast path reads field dicts, not instances (``rows=True``)."""
    rows = [dict(s.__dict__) for s in samples(3)]
    fields = ("id", "name", "at", "tags")
    columns = extractor_for(Sample, fields, rows=True)(rows)
    assert columns == [tuple(r[f] for r in rows) for f in fields]
    assert extractor_for(Sample, fields, rows=True)(tuple(rows)) == columns
    del rows[2]["at"]
    with pytest.raises(MissingField) as caught:
        extractor_for(Sample, fields, rows=True)(rows)
    assert caught.value.args[0] == "at"
    if path == "compiled":
        with pytest.raises(TypeError, match="a row is not a dict"):
            extractor_for(Sample, fields, rows=True)([samples(1)[0]])


def test_an_extension_built_before_dict_rows_leaves_them_to_the_python_loop(
        db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    native = require_compiled()

    class Stale:  # the compiled module as built before extract() took dicts
        def __getattr__(self, name: str) -> Any:
            return getattr(native, name)

        @staticmethod
        def extract(instances: Any, names: Any, descr: Any) -> Any:
            if descr is None:
                raise TypeError("extract() takes a list of instances, a tuple of names "
                                "and the __dict__ descriptor")
            return native.extract(instances, names, descr)

    monkeypatch.setattr(speedups, "compiled", Stale())
    rows = [dict(s.__dict__) for s in samples(2)]
    fields = ("tags", "id")  # a layout no other test memoised
    assert extractor_for(Sample, fields, rows=True)(rows) == [(["t0"], ["t1"]), (0, 1)]


def test_bad_arguments_raise_type_errors() -> None:
    COMPILED = require_compiled()  # noqa: N806
    slot = Sample.__clickorm_state_slot__
    from clickorm.model.hydration import DICT_SLOT

    with pytest.raises(TypeError):
        COMPILED.hydrate_rows(Sample, ("id",), ((1,),), (None,), DICT_SLOT, slot, None)
    with pytest.raises(TypeError):
        COMPILED.hydrate_rows(Sample, ("id",), [(1,)], (), DICT_SLOT, slot, None)
    with pytest.raises(TypeError):
        COMPILED.hydrate_columns(Sample, ("id",), [(1,)], (None,), DICT_SLOT, 5, None)
    with pytest.raises(TypeError):
        COMPILED.extract((Sample(id=1, name="a", at=datetime(2024, 1, 1)),), ("id",),
                         DICT_SLOT)
    with pytest.raises(TypeError):
        COMPILED.extract([object()], ("id",), DICT_SLOT)  # no Pydantic __dict__ slot
    with pytest.raises(TypeError):
        COMPILED.mark([object()], slot, PERSISTED)  # not a Model: the slot refuses it
    with pytest.raises(TypeError):
        COMPILED.mark([], slot)


def test_c_loops_refuse_foreign_classes_and_keep_lists_whole_for_python_code() -> None:
    """Review findings, each a crash or a wrong answer before it was fixed."""
    import abc
    import decimal
    import gc

    from clickorm.model.hydration import DICT_SLOT

    native = require_compiled()
    slot = Sample.__clickorm_state_slot__
    # an unrelated class would be allocated zero-filled and freed by its own deallocator
    with pytest.raises(TypeError, match="descriptors of the class"):
        native.hydrate_rows(decimal.Decimal, (), [()], (), DICT_SLOT, slot, PERSISTED)

    class Abstract(Model, abc.ABC):
        id: int = Column(primary_key=True)

        @abc.abstractmethod
        def kind(self) -> str: ...

    with pytest.raises(TypeError, match="abstract"):  # as object.__new__ refuses it
        native.hydrate_rows(Abstract, ("id",), [(1,)], (None,), DICT_SLOT,
                            Abstract.__clickorm_state_slot__, PERSISTED)
    with pytest.raises(ValueError, match="2 columns of values for 1 names"):
        native.hydrate_columns(Sample, ("id",), [(1,), (2,)], (None,), DICT_SLOT, slot,
                               PERSISTED)

    def walk_every_list(value: Any) -> Any:
        # Python code that reaches the output list through the GC while it is being built
        for obj in gc.get_objects():
            if type(obj) is list:
                list(obj)
        return value

    got = native.hydrate_columns(Sample, ("id", "name"), [(1, 2), ("a", "b")],
                                 (walk_every_list, None), DICT_SLOT, slot, PERSISTED)
    assert [(m.id, m.name) for m in got] == [(1, "a"), (2, "b")]


def test_value_types_is_the_exact_set_of_types_on_both_paths(path: str) -> None:
    """The check the chDB insert encoders make before a one-call conversion: every type
    present, however the runs of types alternate, subclasses distinct from their base."""

    class Flag(int):
        pass

    columns: list[Any] = [
        [], (), [1, 2, 3], (None, 1, None, 1.5, None, "a", 1),
        [True, 1, Flag(1), 1, True], tuple(range(1000)) + (None,), [datetime(2024, 1, 1)],
    ]
    for values in columns:
        assert speedups.value_types(values) == set(map(type, values))
    assert speedups.value_types(iter([1, "a"])) == {int, str}  # any iterable: the fallback


def test_value_types_in_c_survives_a_type_whose_hash_empties_the_list() -> None:
    native = require_compiled()
    values: list[Any] = []

    class Meddling(type):
        def __hash__(cls) -> int:
            values.clear()  # Python code run by the set insertion, mid-loop
            return id(cls)

    class Odd(metaclass=Meddling):
        pass

    values.extend([1, Odd(), 2, "a"])
    assert native.types(values) == {int, Odd}  # stops where the list now ends
    with pytest.raises(TypeError, match="list or a tuple"):
        native.types(iter([1]))
