"""Turn a ConnectionConfig into clickhouse-driver ``Client`` arguments, checked and typed.

Options may arrive as strings (from a URL query or an environment variable), so every
known option has a converter; an unknown option is a ConfigError that lists the known
ones rather than a TypeError from deep inside the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clickorm.dialects import ConnectionConfig
from clickorm.errors import ConfigError
from clickorm_clickhouse.writes import as_update_mode

DEFAULT_PORT = 9000
DEFAULT_SECURE_PORT = 9440
#: clickhouse-driver's own default; also the server's max_insert_block_size
DEFAULT_INSERT_BLOCK_SIZE = 1_048_576

_SECRET_WORDS = ("password", "secret", "token", "key")

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"expected true/false, got {value!r}")
    return bool(value)


def _as_float(value: Any) -> float:
    out = float(value)
    if out <= 0:
        raise ValueError(f"expected a positive number of seconds, got {value!r}")
    return out


def _as_positive_int(value: Any) -> int:
    out = int(value)
    if out <= 0:
        raise ValueError(f"expected a positive integer, got {value!r}")
    return out


def _as_str(value: Any) -> str:
    return str(value)


def _as_compression(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE or text == "none":
        return False
    if text not in {"lz4", "lz4hc", "zstd"}:
        raise ValueError(f"expected true/false, 'lz4', 'lz4hc' or 'zstd', got {value!r}")
    return text


def _as_hosts(value: Any) -> str:
    """``"h1:9000,h2"`` or ``["h1:9000", "h2"]`` -> the driver's comma list."""
    items = value.split(",") if isinstance(value, str) else list(value)
    hosts = [str(h).strip() for h in items if str(h).strip()]
    for host in hosts:
        _split_host(host, 0)  # validates the port
    return ",".join(hosts)


def _as_keepalive(value: Any) -> bool | tuple[int, int, int]:
    if isinstance(value, (list, tuple)):
        idle, interval, probes = (int(v) for v in value)
        return (idle, interval, probes)
    if isinstance(value, str) and "," in value:
        return _as_keepalive(value.split(","))
    return _as_bool(value)


#: option name -> converter; passed to clickhouse_driver.Client as keyword arguments
DRIVER_OPTIONS: Mapping[str, Callable[[Any], Any]] = {
    "connect_timeout": _as_float,
    "send_receive_timeout": _as_float,
    "sync_request_timeout": _as_float,
    "compression": _as_compression,
    "compress_block_size": _as_positive_int,
    "secure": _as_bool,
    "verify": _as_bool,
    "ssl_version": _as_str,
    "ca_certs": _as_str,
    "ciphers": _as_str,
    "keyfile": _as_str,
    "keypass": _as_str,
    "certfile": _as_str,
    "check_hostname": _as_bool,
    "server_hostname": _as_str,
    "alt_hosts": _as_hosts,
    "round_robin": _as_bool,
    "settings_is_important": _as_bool,
    "tcp_keepalive": _as_keepalive,
    "client_name": _as_str,
    "client_revision": _as_positive_int,
}

#: clickhouse-driver "client settings": options that configure the driver per query
CLIENT_SETTINGS: Mapping[str, Callable[[Any], Any]] = {
    "strings_as_bytes": _as_bool,
    "strings_encoding": _as_str,
    "quota_key": _as_str,
    "input_format_null_as_default": _as_bool,
    "namedtuple_as_json": _as_bool,
}

#: options of ClickORM's own connection wrapper
WRAPPER_OPTIONS: Mapping[str, Callable[[Any], Any]] = {
    "insert_block_size": _as_positive_int,
    "experimental_settings": _as_bool,
    "mutation_timeout": _as_float,
    "update_mode": as_update_mode,
    "cluster": _as_str,
    # links per event loop of the asyncio driver (clickorm_clickhouse.native_async)
    "async_pool_size": _as_positive_int,
}

_SSL_VERSIONS = {"PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS", "PROTOCOL_TLSv1_2"}


def known_options() -> list[str]:
    return sorted({*DRIVER_OPTIONS, *CLIENT_SETTINGS, *WRAPPER_OPTIONS})


@dataclass(frozen=True)
class NativeOptions:
    """The resolved, typed arguments of one native connection."""

    host: str
    port: int
    database: str
    user: str
    password: str
    #: keyword arguments for clickhouse_driver.Client (without host/port/credentials)
    driver_kwargs: dict[str, Any] = field(default_factory=dict)
    #: server settings plus driver client settings, sent with every query
    settings: dict[str, Any] = field(default_factory=dict)
    insert_block_size: int = DEFAULT_INSERT_BLOCK_SIZE
    #: send the flags that enable experimental features the server version needs
    experimental_settings: bool = True
    #: seconds to wait for a mutation on servers that cannot run one synchronously
    mutation_timeout: float = 60.0
    #: how models update rows on MergeTree: "auto", "mutation" or "lightweight"
    update_mode: str | None = None
    #: the cluster every DDL statement names (ON CLUSTER) and writes target
    cluster: str | None = None

    def __repr__(self) -> str:
        """Every field, with the password and password-like driver arguments masked."""
        shown = {
            name: getattr(self, name) for name in self.__dataclass_fields__
        }
        shown["password"] = "****" if self.password else ""
        for key in ("driver_kwargs", "settings"):
            shown[key] = {
                k: ("****" if v and any(w in k.lower() for w in _SECRET_WORDS) else v)
                for k, v in shown[key].items()
            }
        return f"NativeOptions({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def alt_hosts(self) -> list[str]:
        raw = self.driver_kwargs.get("alt_hosts") or ""
        return [h for h in raw.split(",") if h]

    @property
    def default_port(self) -> int:
        return DEFAULT_SECURE_PORT if self.driver_kwargs.get("secure") else DEFAULT_PORT

    def hosts(self) -> list[tuple[str, int]]:
        """Every ``(host, port)`` the driver will try, in order (main host first)."""
        out = [(self.host, self.port)]
        out.extend(_split_host(h, self.default_port) for h in self.alt_hosts)
        return out

    def describe_hosts(self) -> str:
        return ", ".join(f"{h}:{p}" for h, p in self.hosts())


def _split_host(text: str, default_port: int) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:  # no port, or a bare IPv6 literal
        return text.strip("[]"), default_port
    if not port.isdigit():
        raise ValueError(f"bad port in alternative host {text!r}")
    return host.strip("[]"), int(port)


def resolve(config: ConnectionConfig) -> NativeOptions:
    """Check and type ``config``'s options for clickhouse-driver; ConfigError names the key."""
    driver_kwargs: dict[str, Any] = {}
    settings: dict[str, Any] = dict(config.settings)
    wrapper: dict[str, Any] = {}
    for key, raw in config.options.items():
        for table, target in (
            (DRIVER_OPTIONS, driver_kwargs),
            (CLIENT_SETTINGS, settings),
            (WRAPPER_OPTIONS, wrapper),
        ):
            if key in table:
                try:
                    target[key] = table[key](raw)
                except (TypeError, ValueError) as exc:
                    raise ConfigError(
                        f"Connection {config.name!r}: option {key!r} has an invalid value: {exc}",
                        key=f"options.{key}",
                    ) from exc
                break
        else:
            raise ConfigError(
                f"Connection {config.name!r}: unknown option {key!r} for the ClickHouse native "
                f"driver. Known options: {', '.join(known_options())}",
                key=f"options.{key}",
            )
    ssl_version = driver_kwargs.get("ssl_version")
    if ssl_version is not None:
        import ssl

        if ssl_version not in _SSL_VERSIONS:
            raise ConfigError(
                f"Connection {config.name!r}: ssl_version must be one of "
                f"{', '.join(sorted(_SSL_VERSIONS))}, got {ssl_version!r}",
                key="options.ssl_version",
            )
        driver_kwargs["ssl_version"] = getattr(ssl, ssl_version)
    if driver_kwargs.get("round_robin") and not driver_kwargs.get("alt_hosts"):
        driver_kwargs.pop("round_robin")
    default_port = DEFAULT_SECURE_PORT if driver_kwargs.get("secure") else DEFAULT_PORT
    return NativeOptions(
        host=config.host or "localhost",
        port=int(config.port or default_port),
        database=config.database or "default",
        user=config.user or "default",
        password=config.password or "",
        driver_kwargs=driver_kwargs,
        settings=settings,
        insert_block_size=wrapper.get("insert_block_size", DEFAULT_INSERT_BLOCK_SIZE),
        experimental_settings=wrapper.get("experimental_settings", True),
        mutation_timeout=wrapper.get("mutation_timeout", 60.0),
        update_mode=wrapper.get("update_mode"),
        cluster=wrapper.get("cluster"),
    )
