"""Where the bound values go in a raw SQL fragment (``where_raw("age > ?", [18])``).

A placeholder is a ``?`` outside string literals, quoted identifiers and comments, or
Masonite's spelling of one: a string literal holding only a question mark, ``'?'``. Any
other ``?`` inside quotes or a comment is text (``'why?'`` stays a string). Without
bindings a fragment is never scanned for ``'?'``: ``where_raw("mark = '?'")`` compares
with a question mark. Dialects disagree on whether a backslash escapes a quote
(ClickHouse yes, SQLite no), so the text is read both ways; a fragment whose
placeholders differ between the readings is refused rather than bound one way.
"""

from __future__ import annotations

from functools import lru_cache

from clickorm.errors import QueryError

__all__ = ["raw_pieces"]

_QUOTES = "'\"`"


def _spans(sql: str, backslash: bool) -> tuple[tuple[int, int], ...]:
    """(start, end) of each placeholder under one reading of quotes."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "?":
            spans.append((i, i + 1))
            i += 1
        elif c in _QUOTES:
            start = i
            i += 1
            while i < n:
                ch = sql[i]
                if backslash and ch == "\\":
                    i += 2
                    continue
                if ch == c:
                    if i + 1 < n and sql[i + 1] == c:  # a doubled quote inside
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            if c == "'" and sql[start:i] == "'?'":
                spans.append((start, i))
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            i += 1
    return tuple(spans)


@lru_cache(maxsize=1024)
def raw_pieces(sql: str, bindings: int) -> tuple[str, ...]:
    """The text around the placeholders of ``sql`` (one more piece than placeholders),
    checked against the number of ``bindings``. Without bindings the text is one piece,
    and a ``?`` outside quotes is an error (it would reach the driver unbound)."""
    if "?" not in sql:
        spans: tuple[tuple[int, int], ...] = ()
    else:
        spans = _spans(sql, True)
        if spans != _spans(sql, False):
            raise QueryError(
                f"Raw SQL {_shown(sql)} reads differently where a backslash escapes a "
                "quote and where it does not, so its '?' placeholders are ambiguous "
                "across dialects; bind the quoted text as a value instead")
    if bindings == 0:
        bare = [s for s in spans if s[1] - s[0] == 1]
        if bare:
            raise QueryError(f"Raw SQL {_shown(sql)} has {len(bare)} '?' placeholder(s) "
                             "but no bindings")
        return (sql,)
    if len(spans) != bindings:
        raise QueryError(
            f"Raw SQL {_shown(sql)} has {len(spans)} placeholder(s) but {bindings} "
            "binding(s); a placeholder is ? outside quotes or the literal '?', so to "
            "compare with a question mark bind it as a value")
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(sql[at:start])
        at = end
    pieces.append(sql[at:])
    return tuple(pieces)


def _shown(sql: str) -> str:
    return repr(sql if len(sql) <= 200 else sql[:200] + " ...")
