"""No error, repr or message shows a password or a bound value.

Malformed connection URLs are generated in many shapes around a unique password marker;
whatever goes wrong, the marker never appears in the error as traceback renders it.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Iterator

import pytest

from clickorm.config import mask_url, parse_url
from clickorm.errors import ClickORMError, ConfigError

MARK = "Zq9SeCrEt"

# password shapes: the marker with characters a URL parser may split on around it
PASSWORDS = [
    f"{MARK}", f"{MARK}/x", f"x/{MARK}", f"{MARK}?x", f"{MARK}#x", f"{MARK}[x", f"{MARK}]",
    f"[{MARK}", f"{MARK}@x", f"{MARK}:x", f"{MARK}:99", f"{MARK}%zz", f"{MARK} x", f"{MARK}\n",
    f"{MARK}\\x", f"{MARK}&x=1", f"{MARK}/../x", f"{MARK}/?#@",
]
# URL shapes with {p} where the password goes
SHAPES = [
    "clickhouse://u:{p}@h/db", "clickhouse://u:{p}@h:9000/db", "clickhouse:/u:{p}@h/db",
    "clickhouse:u:{p}@h/db", "clickhouse//u:{p}@h/db", "clickhouse://u:{p}@h/db/x",
    "clickhouse://u:{p}@[h/db", "clickhouse://u:{p}@h]/db", "clickhouse://u:{p}@h:port/db",
    "clickhouse://u:{p}@h/db?x", "clickhouse://u:{p}@h/db#frag", "clickhouse://u:{p}",
    "clickhouse://u:{p}/db", "clickhouse://:{p}@h", "clickhouse://{p}@h/db",
    "click house://u:{p}@h/db", "u:{p}@clickhouse://h/db", "clickhouse+native://u:{p}@@h/db",
    "clickhouse://u:{p}@h:70000/db", "clickhouse://h/db?password={p}&&",
    "clickhouse://h/db?settings.x=1&password={p}&bad", "://u:{p}@h/db", "clickhouse://u:{p}@:x/db",
]


def urls() -> Iterator[str]:
    for shape, password in itertools.product(SHAPES, PASSWORDS):
        yield shape.format(p=password)


def rendered(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


def test_malformed_urls_never_echo_the_password():
    failures = []
    errors = 0
    for url in urls():
        try:
            config = parse_url(url)
        except ConfigError as exc:
            errors += 1
            if MARK in rendered(exc):
                failures.append(url)
        except Exception as exc:  # noqa: BLE001 - the test reports any escaping exception
            failures.append(f"{url!r} raised {type(exc).__name__}")
        else:
            if MARK in repr(config) and config.password and MARK in config.password:
                failures.append(f"repr of {url!r}")
    assert errors > 200  # the shapes really are malformed
    assert not failures, "\n".join(failures[:20])


def test_an_ipv6_bracket_error_is_a_config_error_not_a_value_error():
    with pytest.raises(ConfigError, match="host is malformed"):
        parse_url(f"clickhouse://u:{MARK}@[h/db")


def test_mask_url_hides_a_password_with_separators_in_it():
    assert mask_url(f"clickhouse://u:{MARK}/x?y@h/db") == "clickhouse://u:****@h/db"


def test_every_url_error_is_a_clickorm_error():
    for url in ["clickhouse://h:[/x", "clickhouse://[::1/x", "clickhouse://h:99999"]:
        with pytest.raises(ClickORMError):
            parse_url(url)
