"""Connection URLs as error messages may show them: no part of the userinfo, no secrets.

A malformed URL cannot be trusted to say where its password ends (``u:p/w@h`` puts a
``/`` inside it, ``clickhouse:/u:pw@h`` lacks a slash), so everything before the last
``@`` is hidden whole, and so are query values whose key looks secret.
"""

from __future__ import annotations

import re

__all__ = ["shown_url", "safe_scheme"]

_SCHEME_HEAD = re.compile(r"^([A-Za-z][A-Za-z0-9+._-]*)://")
_NETLOC_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+._-]*://[^/?#:[]*:(?!\d*(?:[/?#]|$))")
_QUERY_SECRET = re.compile(r"([?&][^=&#]*(?:password|secret|token|key)[^=&#]*=)[^&#]*", re.I)


def shown_url(url: str) -> str:
    """``url`` for a message: scheme and what follows the userinfo; the rest is ``****``."""
    head = _SCHEME_HEAD.match(url)
    scheme = f"{head.group(1)}://" if head else ""
    if "@" in url:
        tail = url.rpartition("@")[2]
        shown = f"{scheme or '****'}****@{tail}" if scheme else f"****@{tail}"
    else:
        # no '@': a 'user:word' netloc whose word is no port may be a password running
        # on past a '/': hide everything after the scheme
        shown = f"{scheme}****" if _NETLOC_PASSWORD.match(url) else url
    return _QUERY_SECRET.sub(r"\1****", shown)


def safe_scheme(scheme: str, url: str) -> str | None:
    """The scheme as written, when it cannot hold userinfo; None when it must not be shown."""
    if "@" in url or not re.fullmatch(r"[A-Za-z0-9+._-]*", scheme):
        return None
    return scheme
