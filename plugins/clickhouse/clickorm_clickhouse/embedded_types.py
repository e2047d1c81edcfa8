"""Parse ClickHouse type names (as ``DESCRIBE`` / ``system.columns`` print them) into trees.

The embedded connection converts Arrow data to Python values and back by ClickHouse
type, because Arrow alone cannot tell a ``DateTime`` from a ``UInt32`` or an ``Enum8``
from an ``Int8``. Parsing is cached: the same few type strings repeat on every query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["ChType", "parse_type", "split_args", "unquote"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = re.compile(r"^(`(?:[^`\\]|\\.)*`|[A-Za-z_][A-Za-z0-9_.]*)\s+(\S.*)$", re.S)


@dataclass(frozen=True)
class ChType:
    """One node of a ClickHouse type: its name, child types and parameters.

    ``args`` are the parsed child types (Array, Map, Tuple, Nullable, ...); ``names``
    the element names of a named Tuple or Nested; ``params`` the raw non-type arguments
    (precision, scale, FixedString length); ``tz`` a DateTime's time zone; ``enum``
    maps an Enum's numbers to its names.
    """

    name: str
    args: tuple[ChType, ...] = ()
    names: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    tz: str | None = None
    enum: tuple[tuple[int, str], ...] = ()
    text: str = field(default="", compare=False)

    @property
    def inner(self) -> ChType:
        """The first child (the element of Array/Nullable/LowCardinality)."""
        return self.args[0]

    def unwrapped(self) -> ChType:
        """This type without LowCardinality / Nullable / SimpleAggregateFunction wrappers."""
        node = self
        while node.name in ("LowCardinality", "Nullable", "SimpleAggregateFunction"):
            node = node.args[-1]
        return node

    @property
    def nullable(self) -> bool:
        node = self
        while node.name == "LowCardinality":
            node = node.inner
        return node.name == "Nullable"

    def __str__(self) -> str:
        return self.text or self.name


def unquote(literal: str) -> str:
    """The value of a single-quoted ClickHouse string literal (``'it\\'s'`` -> ``it's``)."""
    body = literal.strip()
    if len(body) < 2 or body[0] != "'" or body[-1] != "'":
        return body
    out: list[str] = []
    i, end = 1, len(body) - 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "b": "\b", "f": "\f"}
    while i < end:
        ch = body[i]
        if ch == "\\" and i + 1 < end:
            nxt = body[i + 1]
            out.append(escapes.get(nxt, nxt))
            i += 2
        elif ch == "'" and i + 1 < end and body[i + 1] == "'":
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def split_args(text: str) -> list[str]:
    """Split ``a, b(c, d), 'e,f'`` at top-level commas, respecting parens and quotes."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "'`\"":
            i = _skip_quoted(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    tail = text[start:].strip()
    if tail or parts:
        parts.append(tail)
    return parts


def _skip_quoted(text: str, i: int) -> int:
    quote = text[i]
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return i


def _unquote_name(name: str) -> str:
    if name.startswith("`") and name.endswith("`"):
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


@lru_cache(maxsize=4096)
def parse_type(text: str) -> ChType:
    """Parse one ClickHouse type name; unknown types keep their name and raw params."""
    text = text.strip()
    m = _IDENT.match(text)
    if not m:
        return ChType(name=text, text=text)
    name = m.group(0)
    rest = text[m.end() :].strip()
    if not rest.startswith("(") or not rest.endswith(")"):
        return ChType(name=name, text=text)
    raw = split_args(rest[1:-1])
    if name in ("Nullable", "LowCardinality", "Array"):
        return ChType(name=name, args=(parse_type(raw[0]),), text=text)
    if name == "Map":
        return ChType(name=name, args=(parse_type(raw[0]), parse_type(raw[1])), text=text)
    if name in ("Tuple", "Nested"):
        args: list[ChType] = []
        names: list[str] = []
        for arg in raw:
            named = _NAMED.match(arg)
            if named:
                names.append(_unquote_name(named.group(1)))
                args.append(parse_type(named.group(2)))
            else:
                names.append("")
                args.append(parse_type(arg))
        if all(names):
            return ChType(name=name, args=tuple(args), names=tuple(names), text=text)
        return ChType(name=name, args=tuple(args), text=text)
    if name == "DateTime":
        return ChType(name=name, tz=unquote(raw[0]) if raw else None, text=text)
    if name == "DateTime64":
        tz = unquote(raw[1]) if len(raw) > 1 else None
        return ChType(name=name, params=(raw[0],), tz=tz, text=text)
    if name in ("Enum8", "Enum16", "Enum"):
        pairs: list[tuple[int, str]] = []
        for item in raw:
            label, _, number = item.rpartition("=")
            pairs.append((int(number.strip()), unquote(label)))
        return ChType(name=name if name != "Enum" else "Enum16", enum=tuple(pairs), text=text)
    if name == "SimpleAggregateFunction":
        return ChType(name=name, params=(raw[0],), args=(parse_type(raw[1]),), text=text)
    if name == "Variant":
        return ChType(name=name, args=tuple(parse_type(a) for a in raw), text=text)
    return ChType(name=name, params=tuple(raw), text=text)
