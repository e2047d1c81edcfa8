"""Walking SQL text the server wrote back (engine_full, create_table_query): the one
scanner that knows quotes and brackets, shared by the engine parser and introspection."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["Scan"]

_OPEN, _CLOSE, _QUOTES = "([{", ")]}", "'`\""


class Scan:
    """``for i, ch, depth in Scan(text):`` each character outside quoted strings and
    identifiers, with the bracket depth after it (an opening bracket counts itself, a
    closing one is already out). A backslash escapes the next character inside quotes,
    as ClickHouse writes them. After the walk, ``depth`` and ``open_quote`` say whether
    the text was balanced."""

    def __init__(self, text: str, start: int = 0) -> None:
        self.text = text
        self.start = start
        self.depth = 0
        self.open_quote = ""

    def __iter__(self) -> Iterator[tuple[int, str, int]]:
        text, depth, quote, i = self.text, 0, "", self.start
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in _QUOTES:
                quote = ch
            else:
                if ch in _OPEN:
                    depth += 1
                elif ch in _CLOSE:
                    depth -= 1
                self.depth = depth
                yield i, ch, depth
            i += 1
        self.open_quote = quote
