"""Find statement separators in SQL text, outside literals, quoted identifiers and comments.

Raw fragments hold one expression and a driver call holds one statement: a ``;`` that a
database would read as the end of a statement must never reach one of them unnoticed.
Dialects disagree on what hides a ``;`` (a backslash escapes a quote in ClickHouse but not
in SQLite; ``#`` starts a comment in some), so the text is scanned under each reading and
a separator found by any of them counts: a fragment cannot smuggle a statement past one
dialect by looking like a literal to another.
"""

from __future__ import annotations

__all__ = ["separator_at", "check_single_statement"]

_QUOTES = "'\"`"


def _scan(sql: str, *, backslash: bool, hash_comment: bool, trailing: bool) -> int | None:
    """Index of the first separator under one reading; ``trailing`` also counts a final
    ``;`` followed only by blanks and comments."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in _QUOTES:
            i += 1
            while i < n:
                ch = sql[i]
                if backslash and ch == "\\":
                    i += 2
                    continue
                if ch == c:
                    if i + 1 < n and sql[i + 1] == c:  # doubled quote inside the literal
                        i += 2
                        continue
                    break
                i += 1
            i += 1
        elif c == "-" and sql.startswith("--", i) or hash_comment and c == "#":
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ";":
            if trailing or _scan_rest_nonblank(sql, i + 1, backslash, hash_comment):
                return i
            i += 1
        else:
            i += 1
    return None


def _scan_rest_nonblank(sql: str, start: int, backslash: bool, hash_comment: bool) -> bool:
    """Whether anything but blanks, comments and further ``;`` follows ``start``."""
    rest = sql[start:]
    i, n = 0, len(rest)
    while i < n:
        c = rest[i]
        if c.isspace() or c == ";":
            i += 1
        elif c == "-" and rest.startswith("--", i) or hash_comment and c == "#":
            end = rest.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and rest.startswith("/*", i):
            end = rest.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return True
    return False


def separator_at(
    sql: str, *, trailing: bool = False, backslash_escapes: bool | None = None
) -> int | None:
    """Index of a ``;`` that ends a statement with more text after it (any ``;`` when
    ``trailing``), under any dialect's reading of quotes and comments; None if there is none.
    ``backslash_escapes`` fixes whether a backslash escapes a quote (a connection knows
    its dialect); None tries both."""
    if ";" not in sql:
        return None
    escapes = (True, False) if backslash_escapes is None else (backslash_escapes,)
    found = [
        at
        for backslash in escapes
        for hash_comment in (True, False)
        if (at := _scan(sql, backslash=backslash, hash_comment=hash_comment,
                        trailing=trailing)) is not None
    ]
    return min(found) if found else None


def check_single_statement(sql: str, construct: str, error: type[Exception]) -> None:
    """Raise ``error`` naming ``construct`` when ``sql`` holds a statement separator."""
    at = separator_at(sql, trailing=True)
    if at is None:
        return
    shown = sql if len(sql) <= 200 else sql[:200] + " ..."
    raise error(
        f"{construct} {shown!r} contains a statement separator ';' at offset {at}: a raw "
        "fragment is one SQL expression and cannot end a statement or start another. "
        "Remove the ';' (inside a string literal it is fine)"
    )
