"""``Model.find(key)`` without building and compiling the same query on every call.

A fresh query over a model (its ``__clickorm_initial_state__``, the very object) narrowed
to one key of a given kind compiles, on a given grammar, to the same SQL every time: only
the key's bound value differs. So the first call builds and compiles it as any query, and
when its parameters hold the key exactly once, unchanged (the binder passed it through),
the statement is kept with the key's place in them; the next call of that kind only puts
its key there.

A kept statement is reused only for the same model, the same grammar object (a
connection's, so the server version it wrote for) and the same initial state object
(compared by identity), with a key of the same kind: an ``int`` within Int64 or a ``str``
(every grammar binds these as they are, behind a placeholder that depends only on its
position, in the ``qmark``, ``pyformat`` and ``named`` styles; ``server`` and ``inline``
styles write the value or its type into the SQL and are never kept). Any other key, or a
builder that is not the model's fresh query, takes the general path.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["FindStatement", "key_kind", "kept", "keep", "params_for"]

#: paramstyles whose placeholder text depends only on the parameter's position
_POSITIONAL_STYLES = frozenset({"qmark", "pyformat", "named"})
_INT64 = (-(2**63), 2**63 - 1)
#: kept statements at most (one per model, connection grammar and key kind); past this
#: the store is emptied (connections come and go: grammars must not pile up)
MAX_KEPT = 512


class FindStatement(NamedTuple):
    """One kept find-by-key statement."""

    grammar: Any
    state: Any
    sql: str
    params: Any
    #: where the key goes: an index into a tuple, or a name in a dict
    slot: int | str


_KEPT: dict[tuple[int, int, str], FindStatement] = {}


def key_kind(key: Any) -> str | None:
    """The kind of key a statement can be kept for, or None (the general path)."""
    t = type(key)
    if t is int:
        return "int" if _INT64[0] <= key <= _INT64[1] else None
    if t is str:
        return "str"
    return None


def kept(model: Any, grammar: Any, state: Any, kind: str) -> FindStatement | None:
    """The statement kept for this model, grammar, fresh state and key kind, if any."""
    found = _KEPT.get((id(model), id(grammar), kind))
    if found is None or found.grammar is not grammar or found.state is not state:
        return None
    return found


def keep(model: Any, grammar: Any, state: Any, kind: str, sql: str, params: Any,
         key: Any) -> None:
    """Keep a statement just compiled for ``key`` when the key is one of its parameters,
    exactly once and unchanged, and the grammar's placeholders are positional."""
    if getattr(grammar, "paramstyle", None) not in _POSITIONAL_STYLES:
        return
    if type(params) is tuple:
        slots: list[int | str] = [i for i, v in enumerate(params) if v is key]
    elif type(params) is dict:
        slots = [name for name, v in params.items() if v is key]
    else:
        return
    if len(slots) != 1:
        return  # not bound as it is, or not told apart from another parameter
    if len(_KEPT) >= MAX_KEPT:
        _KEPT.clear()
    # the entry holds the grammar and the state, so neither id is reused while it is
    # kept (a new model at an old model's id has another state: not a match)
    _KEPT[(id(model), id(grammar), kind)] = FindStatement(grammar, state, sql, params,
                                                         slots[0])


def params_for(statement: FindStatement, key: Any) -> Any:
    """The kept statement's parameters with ``key`` in the key's place (a new object)."""
    params = statement.params
    if type(params) is tuple:
        index = statement.slot
        assert type(index) is int
        return params[:index] + (key,) + params[index + 1:]
    out = dict(params)
    out[statement.slot] = key
    return out
