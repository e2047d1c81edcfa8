"""Selected columns that are not fields, in ``model_dump()`` and the repr.

A model query may select computed columns (``select("path", func.count().label("views"))``);
they are kept on the instance as its ``extras``. ``model_dump()``, ``model_dump_json()``
and the repr show them after the fields, so such a row never dumps as ``{}`` or prints
as ``PageView()`` while it holds values. ``include``/``exclude`` (sets or dicts of names)
and ``exclude_none`` apply to them as to fields; ``mode="json"`` makes them JSON-ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic_core

__all__ = ["with_extras"]


def _names(spec: Any) -> set[Any] | None:
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return set(spec)
    return set(spec)


def with_extras(out: dict[str, Any], extras: Mapping[str, Any],
                options: Mapping[str, Any]) -> dict[str, Any]:
    """``out`` (a field dump) with the extras added under the dump's ``options``."""
    include = _names(options.get("include"))
    exclude = _names(options.get("exclude")) or set()
    json_mode = options.get("mode") == "json"
    for name, value in extras.items():
        if name in out or name in exclude or (include is not None and name not in include):
            continue
        if value is None and options.get("exclude_none"):
            continue
        out[name] = pydantic_core.to_jsonable_python(value) if json_mode else value
    return out
