"""Model instances -> one value tuple per column: the bulk insert's hot path.

Reading 200,000 instances is memory-bound: every ``__dict__`` lives somewhere else on the
heap. Walking them once and appending each field to its column costs 40 ms where one
list comprehension per column (a walk per field) costs 53 ms, so the loop is generated
once per (model, fields) layout, as hydration's is, and memoised on the class
(``__clickorm_plans__``). The only strings spliced into the code are ``repr()`` literals
of field names and generated local names. With the compiled loops (clickorm.speedups)
the same pass runs in C; both return tuples. ``rows=True`` reads plain dicts (field ->
value, as validated by :mod:`clickorm.model.row_validation`) instead of instances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from clickorm import speedups
from clickorm.model.hydration import DICT_SLOT

__all__ = ["Extractor", "extractor_for", "MissingField"]

#: instances -> one tuple of values per field (the same type on both paths)
Extractor = Callable[[Sequence[Any]], list[tuple[Any, ...]]]



class MissingField(KeyError):
    """An instance has no value for a field (a partially loaded row); ``args[0]`` names it."""


def extractor_for(model: Any, fields: tuple[str, ...], *, rows: bool = False) -> Extractor:
    """The memoised column extractor of ``model`` for ``fields`` (of dicts: ``rows``)."""
    key = ("extract", fields, speedups.active(), rows)
    plans = model.__clickorm_plans__
    fn: Extractor | None = plans.get(key)
    if fn is None:
        fn = plans[key] = _build(fields, rows)
    return fn


def _build(fields: tuple[str, ...], rows: bool) -> Extractor:
    n = len(fields)
    lines = ["def extract(instances):"]
    lines += [f"    c{i} = []" for i in range(n)]
    lines += [f"    a{i} = c{i}.append" for i in range(n)]
    lines += ["    for inst in instances:", "        d = inst" if rows else "        d = inst.__dict__"]
    lines += [f"        a{i}(d[{name!r}])" for i, name in enumerate(fields)]
    # tuples, as the C loop returns: drivers copy a list before slicing it into blocks
    lines += ["    return [" + ", ".join(f"tuple(c{i})" for i in range(n)) + "]"]
    source = "\n".join(lines)
    ns: dict[str, Any] = {}
    exec(compile(source, "<clickorm extract>", "exec"), ns)  # noqa: S102
    generated: Extractor = ns["extract"]

    native = speedups.compiled  # the same loop in C (clickorm/_speedups.c), for lists
    if rows and native is not None and not _reads_dicts(native):
        native = None  # a build older than its dict rows: the Python loop
    slot = None if rows else DICT_SLOT  # None: the items are the dicts

    def extract(instances: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            if native is not None and type(instances) is list:
                return native.extract(instances, fields, slot)  # type: ignore[no-any-return]
            return generated(instances)
        except KeyError as exc:
            raise MissingField(exc.args[0]) from None

    extract.__doc__ = source  # what runs, for debugging
    return extract


def _reads_dicts(native: Any) -> bool:
    """Whether the compiled ``extract`` takes dicts (``None`` for the descriptor): an
    extension built before it did refuses, and its rows go through the Python loop."""
    try:
        native.extract([], (), None)
    except TypeError:
        return False
    return True
