"""Binder: how a grammar writes a bound value's placeholder and appends the value.

One method per paramstyle (``bind_qmark``, ``bind_pyformat``, ``bind_named``,
``bind_server``, ``bind_inline``) writes the placeholder and appends the value in the
same call, so values are in the order of their placeholders. ``placeholder_tables``
declares, per value type, the text the binder writes for the n-th value it passes
unchanged: the compiler's hot paths (and the compiled conditions loop of
``clickorm._speedups``) write those without a call. A mixin of :class:`BaseGrammar`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.errors import QueryError
from clickorm.query.writer import SQLWriter

__all__ = ["Binder", "NATIVE_PARAM_TYPES", "INT64_MIN", "INT64_MAX"]

#: Python types that every driver binds as they are; others go through ``adapt``
NATIVE_PARAM_TYPES: frozenset[type] = frozenset({int, float, str, type(None), bytes})
_PYFORMAT = [f"%(p{i})s" for i in range(256)]
_NAMED = [f":p{i}" for i in range(256)]
_PARAM_NAMES = [f"p{i}" for i in range(256)]
_QMARKS = ("?",) * 256
#: the base binder per paramstyle and the n-th placeholder it writes for a plain value
_PLAIN_PLACEHOLDERS = {"qmark": ("bind_qmark", _QMARKS), "pyformat": ("bind_pyformat", _PYFORMAT),
                       "named": ("bind_named", _NAMED)}
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def _param_name(i: int) -> str:
    return _PARAM_NAMES[i] if i < 256 else f"p{i}"


class Binder:
    """The binding half of a grammar (mixed into :class:`BaseGrammar`)."""

    if TYPE_CHECKING:  # provided by BaseGrammar
        name: ClassVar[str]
        paramstyle: str
        _placeholders: Mapping[type, Sequence[str]]
        bind: Callable[[SQLWriter, Any], None]

        def text(self, sql: str) -> str: ...
        def literal(self, value: Any) -> str: ...

    def adapt(self, value: Any) -> Any:
        """Convert a Python value the driver cannot bind as is (dialects extend this)."""
        if isinstance(value, enum.Enum):
            return value.value
        return value

    def placeholder_tables(self) -> Mapping[type, Sequence[str]]:
        """The text of the n-th placeholder (n < 256), by a value's exact type, for the
        types this grammar's binder appends unchanged with that text.

        Hot paths (a column compared with a value, an IN list) write these without a call
        to ``bind``; an int uses its table only within the signed 64-bit range. The
        default covers the plain types under qmark, pyformat and named with the base
        binders; a grammar that overrides its binder gets none unless it declares them.
        """
        plain = _PLAIN_PLACEHOLDERS.get(self.paramstyle)
        if plain is None:
            return {}
        binder, table = plain
        if getattr(type(self), binder) is not getattr(Binder, binder):
            return {}
        return dict.fromkeys(NATIVE_PARAM_TYPES, table)

    def placeholder_list(self, values: Sequence[Any], n: int) -> str | None:
        """The placeholders of ``values`` bound from index ``n``, comma-separated, when
        they are all of one type with a table (else None: bind them one by one)."""
        k = len(values)
        if not k or n + k > 256:
            return None
        types = set(map(type, values))
        if len(types) != 1:
            return None
        t = types.pop()
        table = self._placeholders.get(t)
        if table is None or (t is int and (min(values) < INT64_MIN
                                           or max(values) > INT64_MAX)):
            return None
        return ", ".join(table[n:n + k])

    def bind_qmark(self, w: SQLWriter, value: Any) -> None:
        w.params.append(value if type(value) in NATIVE_PARAM_TYPES else self.adapt(value))
        w.write("?")

    def bind_pyformat(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in NATIVE_PARAM_TYPES else self.adapt(value))
        w.write(_PYFORMAT[n] if n < 256 else f"%(p{n})s")

    def bind_named(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in NATIVE_PARAM_TYPES else self.adapt(value))
        w.write(_NAMED[n] if n < 256 else f":p{n}")

    def bind_server(self, w: SQLWriter, value: Any) -> None:
        params = w.params
        n = len(params)
        params.append(value if type(value) in NATIVE_PARAM_TYPES else self.adapt(value))
        w.write("{" + _param_name(n) + ":" + self.server_param_type(value) + "}")

    def bind_inline(self, w: SQLWriter, value: Any) -> None:
        w.write(self.text(self.inline_literal(value)))

    def inline_literal(self, value: Any) -> str:
        """What ``inline`` writes for a bound value: the literal of what would be bound."""
        if type(value) in NATIVE_PARAM_TYPES or value is True or value is False:
            return self.literal(value)
        return self.literal(self.adapt(value))

    def server_param_type(self, value: Any) -> str:
        raise QueryError(f"The {self.name} dialect has no server-side typed parameters")

    def finish_params(self, params: list[Any]) -> Any:
        """The params object the driver wants: a tuple, or a dict for named styles."""
        if self.paramstyle == "qmark":
            return tuple(params)
        if self.paramstyle == "inline":
            return ()
        if len(params) <= 256:
            # p0, p1, ... in one C-level step (the names outnumber the params)
            return dict(zip(_PARAM_NAMES, params))  # noqa: B905 - more names than params
        return {_param_name(i): v for i, v in enumerate(params)}

    def bind_each(self, values: Any, w: SQLWriter) -> None:
        """Bind every value, comma-separated."""
        if self._placeholders and (type(values) is tuple or type(values) is list):
            params = w.params
            text = self.placeholder_list(values, len(params))
            if text is not None:
                params.extend(values)
                w.write(text)
                return
        bind = self.bind
        write = w.write
        first = True
        for value in values:
            if first:
                first = False
            else:
                write(", ")
            bind(w, value)
