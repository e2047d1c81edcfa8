"""Keep bound values out of ClickHouse error messages, without touching the rest.

The engine quotes the values it was given (``Cannot parse string 'x\\'y' as UInt8``) in
its own escaped spelling, and a syntax error echoes the query from where it failed. So
instead of searching the text for each value, a message is read structurally: the echo
of the query is cut, and each quoted literal that holds (part of) a bound value is
replaced whole by the parameter's name and type. Words outside quotes are never changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clickorm_clickhouse.literals import InlineLiteral

__all__ = ["without_values", "describe_params"]

_QUOTED = re.compile(r"'((?:[^'\\]|\\.|'')*)'", re.S)
_UNESCAPE = re.compile(r"\\(.)|''", re.S)
_NUMBER = re.compile(r"^[-+0-9.eE]+$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}
# the query echoed after a syntax error's position, up to the list of what was expected
_SYNTAX_ECHO = re.compile(r"(failed at position \d+)(?:\s*\([^)]*\))*\s*:.*?(?=\s*Expected|$)",
                          re.S)


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)) if m.group(1) else "'",
                         text)


def _as_text(value: Any) -> str | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def _kind(value: Any) -> str:
    """The parameter's Python type; a value the grammar already wrote as SQL is a literal."""
    return "literal" if isinstance(value, InlineLiteral) else type(value).__name__


def describe_params(params: Mapping[str, Any] | None) -> str:
    """``p0 (str), p1 (int)``: names and types, never values."""
    return ", ".join(f"{k} ({_kind(v)})" for k, v in (params or {}).items())


def without_values(message: str, params: Mapping[str, Any] | None) -> str:
    """``message`` with no bound value in it (see the module docstring)."""
    if not params:
        return message
    message = message.split(" In scope ", 1)[0]
    message = _SYNTAX_ECHO.sub(r"\1", message)
    # each value as given and as the engine may spell it (escaped, or decoded when the
    # driver sent it escaped, as chDB's server-side parameters are; blanks collapsed, as
    # the native driver's messages are)
    values = [
        (k, spelling)
        for k, v in params.items() if (t := _as_text(v))
        for spelling in dict.fromkeys((t, _unescape(t), _escape(t), " ".join(t.split())))
    ]

    def mask(m: re.Match[str]) -> str:
        content = _unescape(m.group(1))
        for name, text in values:
            if content == text or min(len(content), len(text)) >= 3 and (
                text in content or content in text
            ):
                return f"<{name} ({_kind(params[name])})>"
        return m.group(0)

    message = _QUOTED.sub(mask, message)
    # an unquoted echo ("Value 300 cannot be parsed"): hide the whole value phrase
    message = re.sub(r"Value .*? cannot be parsed", "A value cannot be parsed", message,
                     flags=re.S)
    # other unquoted echoes (``cannot compile re2: <pattern>``), matched only where they
    # do not run into a word on either side; numbers would match positions and codes
    for name, spelling in sorted(values, key=lambda nv: -len(nv[1])):
        if len(spelling) >= 3 and spelling in message and not _NUMBER.match(spelling):
            message = re.sub(
                rf"(?<!\w){re.escape(spelling)}(?!\w)" if _wordy(spelling)
                else re.escape(spelling),
                f"<{name} ({_kind(params[name])})>", message,
            )
    return message


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def _wordy(text: str) -> bool:
    return bool(re.match(r"\w", text[0]) or re.search(r"\w$", text))
