"""Configuration: where it is found, what it may contain, and connection URLs.

Discovery (the first that applies wins):

1. an explicit path (``load_config("conf.toml")``, ``clickorm config --config PATH``);
2. the file named by ``CLICKORM_CONFIG``;
3. walking up from the working directory, in each directory: ``clickorm.toml``, then
   ``pyproject.toml`` if it has a ``[tool.clickorm]`` table. The nearest directory wins
   (like ruff and pytest), and within one directory ``clickorm.toml`` beats
   ``pyproject.toml``;
4. the embedded default: one connection ``default`` whose URL an installed dialect plugin
   offers (``Dialect.embedded_default_url``; ClickHouse offers in-memory chDB), so
   ``pip install clickorm clickorm-clickhouse`` works with no file. The caller passes
   it as ``embedded_default`` (the connection manager asks the plugins); without one, a
   configuration with no connection is a ConfigError.

Schema (``clickorm.toml``; the same keys go under ``[tool.clickorm]`` in pyproject)::

    default = "main"                 # which connection Model and get_connection() use;
                                     # optional when there is one connection or one
                                     # named "default"
    [connections.main]
    url = "clickhouse://user:pass@localhost:9000/db"
    settings = { max_threads = 4 }   # database settings sent with every query
    options = { connect_timeout = 5 }  # driver options (timeouts, TLS, alt_hosts ...)

    [connections.local]              # explicit keys instead of a URL
    dialect = "sqlite"               # required when there is no url
    path = "dev.db"                  # file engines; relative to this file's directory
    # also: driver, host, port, database, user, password

    [migrations]                     # reserved for the migrations runner
    directory = "migrations"         # relative to this file's directory
    table = "clickorm_migrations"    # the history table
    models = ["app.models"]          # modules whose models autogenerate/check compare

When a connection has both ``url`` and explicit keys, the keys override the URL's parts
(``url`` plus ``password`` keeps the secret out of the URL). A file with no connections
gets the embedded default connection.

URLs (``dialect[+driver]://[user[:password]@]host[:port][/database][?query]``):

* ``clickhouse://u:p@h:9000/db``, ``clickhouse+native://...`` - network; user and password
  are URL-decoded (``p%40ss`` is ``p@ss``);
* with an empty host the rest is a file path: ``sqlite:///file.db`` (relative to the
  config file's directory, or the working directory for ``CLICKORM_URL`` and code),
  ``sqlite:////abs/file.db`` (absolute); likewise ``clickhouse+embedded:///data/chdb``
  (relative) and ``clickhouse+embedded:////var/lib/chdb`` (absolute), as in SQLAlchemy;
* ``sqlite://`` and ``clickhouse+embedded://`` (no path, or ``:memory:``) are in-memory.

The scheme splits on ``+`` into dialect and driver; no driver means the dialect's default
(``ConnectionManager`` maps registered alias schemes such as ``chdb://`` through the
plugin manager). Query parameters become driver ``options``; a ``settings.`` prefix makes
a database setting: ``?secure=true&alt_hosts=h2:9000&settings.max_threads=4``. Values
``true``/``false`` become booleans and plain integers/decimals numbers; the last of a
repeated parameter wins.

Environment: ``CLICKORM_CONFIG`` (file), ``CLICKORM_URL`` (replaces the default
connection's URL and explicit location keys; its settings/options are kept and the URL's
query merges over them; it may also supply a default connection the file names but does
not define).

Errors (malformed TOML, unknown keys, wrong types, a default naming a missing connection,
bad URLs) are ``ConfigError`` naming the file, the key and the fix. Passwords never
appear in messages or output (:func:`mask_url`, ``ConnectionConfig.masked()``).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from clickorm.config_types import ConnectionConfig
from clickorm.errors import ConfigError
from clickorm.url_display import safe_scheme, shown_url

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILENAME",
    "EMBEDDED_SOURCE",
    "URL_ENV",
    "ConnectionConfig",
    "ResolvedConfig",
    "connection_from_keys",
    "find_config_file",
    "load_config",
    "mask_url",
    "parse_url",
    "to_url",
]

CONFIG_FILENAME = "clickorm.toml"
CONFIG_ENV = "CLICKORM_CONFIG"
URL_ENV = "CLICKORM_URL"
EMBEDDED_SOURCE = "<embedded default>"
DEFAULT_MIGRATIONS_DIR = "migrations"
DEFAULT_MIGRATIONS_TABLE = "clickorm_migrations"

TOP_KEYS = ("default", "connections", "migrations")
LOCATION_KEYS = ("dialect", "driver", "host", "port", "database", "user", "password", "path")
CONNECTION_KEYS = ("url", *LOCATION_KEYS, "settings", "options")
MIGRATION_KEYS = ("directory", "table", "models")

_SCHEME = re.compile(r"^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)?$")
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?[0-9]+\.[0-9]+$")
_MEMORY = ("", ":memory:")
#: what a ConfigError shows for a connection's settings / options given as a non-table
_TABLE_EXAMPLES = {"settings": "{ max_threads = 4 }", "options": "{ connect_timeout = 5 }"}


@dataclass(frozen=True)
class ResolvedConfig:
    """The configuration in force: where it came from and every named connection."""

    #: the file path it was read from, or ``"<embedded default>"``
    source: str
    default: str
    connections: Mapping[str, ConnectionConfig]
    #: absolute directory of migration files
    migrations_dir: str
    migrations_table: str = DEFAULT_MIGRATIONS_TABLE
    #: modules holding the models migrations compare with the database
    migrations_models: tuple[str, ...] = ()
    #: directory relative paths were resolved against
    base_dir: str = field(default_factory=os.getcwd)

    def connection(self, name: str | None = None) -> ConnectionConfig:
        """The named connection (the default when ``name`` is None)."""
        key = name or self.default
        if not self.connections and key == self.default:
            raise ConfigError(
                "No connection is configured and no embedded default was given. Add "
                f'[connections.{key}] with url = "..." to the config file, or set {URL_ENV}',
                file=self.source,
            )
        try:
            return self.connections[key]
        except KeyError:
            raise ConfigError(
                f"Unknown connection {key!r}.{_did_you_mean(key, self.connections)} "
                f"Configured: {', '.join(self.connections) or '(none)'}. "
                f"Add [connections.{key}] to the config file or use one of those names",
                file=self.source,
            ) from None

    def masked(self) -> dict[str, Any]:
        """A printable dict (passwords masked) for ``clickorm config --json``."""
        return {
            "source": self.source,
            "default": self.default,
            "connections": {
                name: {"url": to_url(cfg, masked=True), **cfg.masked()}
                for name, cfg in self.connections.items()
            },
            "migrations": {"directory": self.migrations_dir, "table": self.migrations_table,
                           "models": list(self.migrations_models)},
        }


# -- discovery ---------------------------------------------------------------------------
def find_config_file(
    *, environ: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None
) -> Path | None:
    """The file steps 2-3 of discovery select, or None (then the embedded default applies)."""
    env = os.environ if environ is None else environ
    here = Path(cwd) if cwd is not None else Path.cwd()
    from_env = env.get(CONFIG_ENV)
    if from_env:
        path = _absolute(Path(from_env).expanduser(), here)
        if not path.is_file():
            raise ConfigError(
                f"Config file {str(path)!r} "
                f"{'is a directory, not a file' if path.is_dir() else 'does not exist'}. "
                f"Fix or unset {CONFIG_ENV}",
                file=f"environment variable {CONFIG_ENV}",
            )
        return path
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(_read_toml(pyproject)) is not None:
            return pyproject
    return None


#: the zero-config URL, or a callable returning it (asked only when it is needed)
EmbeddedDefault = str | Callable[[], str] | None


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    embedded_default: EmbeddedDefault = None,
) -> ResolvedConfig:
    """Find, read and validate the configuration, then apply ``CLICKORM_URL``.

    ``embedded_default`` is the URL of the connection used when none is configured
    (the connection manager passes the one the installed dialect plugins offer).
    """
    env = os.environ if environ is None else environ
    here = Path(cwd) if cwd is not None else Path.cwd()
    file: Path | None
    if path is not None:
        file = _absolute(Path(path).expanduser(), here)
        if not file.is_file():
            raise ConfigError("A directory, not a config file. Name the file in it"
                              if file.is_dir() else "No such config file. Check the path",
                              file=str(file))
    else:
        file = find_config_file(environ=env, cwd=here)

    if file is None:
        data: dict[str, Any] = {}
        source, base_dir, prefix = EMBEDDED_SOURCE, here, ""
    else:
        raw = _read_toml(file)
        source, base_dir = str(file), file.parent
        if file.name == "pyproject.toml":
            section = _pyproject_section(raw)
            if section is None:
                raise ConfigError(
                    "pyproject.toml has no [tool.clickorm] table. Add one, or point to a "
                    "clickorm.toml",
                    file=source,
                    key="tool.clickorm",
                )
            data, prefix = section, "tool.clickorm."
        else:
            data, prefix = raw, ""
    return _resolve(
        data,
        source=source,
        base_dir=base_dir,
        prefix=prefix,
        env=env,
        cwd=here,
        embedded_default=embedded_default,
    )


def _resolve(
    data: Mapping[str, Any],
    *,
    source: str,
    base_dir: Path,
    prefix: str,
    env: Mapping[str, str],
    cwd: Path,
    embedded_default: EmbeddedDefault,
) -> ResolvedConfig:
    _check_keys(data, TOP_KEYS, source=source, where=prefix.rstrip("."), prefix=prefix)

    raw_conns = data.get("connections", {})
    if not isinstance(raw_conns, Mapping):
        raise ConfigError(
            "'connections' must be a table of named connections, e.g. [connections.main]",
            file=source,
            key=f"{prefix}connections",
        )
    connections: dict[str, ConnectionConfig] = {}
    for name, keys in raw_conns.items():
        key = f"{prefix}connections.{name}"
        if not isinstance(keys, Mapping):
            raise ConfigError(
                f"Connection {name!r} must be a table ([connections.{name}] with url = ...)",
                file=source,
                key=key,
            )
        connections[name] = connection_from_keys(
            name, keys, base_dir=base_dir, file=source, key=key
        )

    url_override = env.get(URL_ENV)
    if not connections and not url_override:
        url = embedded_default() if callable(embedded_default) else embedded_default
        if url:
            connections["default"] = parse_url(url, name="default", file=source)

    default = data.get("default")
    if default is None:
        if "default" in connections or not connections:
            default = "default"
        elif len(connections) == 1:
            default = next(iter(connections))
        else:
            raise ConfigError(
                f"Several connections ({', '.join(connections)}) and no default. "
                f'Add default = "{next(iter(connections))}" at the top level',
                file=source,
                key=f"{prefix}default",
            )
    elif not isinstance(default, str):
        raise ConfigError(
            "'default' must be the name of a connection (a string)",
            file=source,
            key=f"{prefix}default",
        )

    if url_override:
        base = connections.get(default)
        from_env = parse_url(
            url_override, name=default, base_dir=cwd, file=f"environment variable {URL_ENV}"
        )
        connections[default] = ConnectionConfig(
            **{
                **_fields(from_env),
                "settings": {**(base.settings if base else {}), **from_env.settings},
                "options": {**(base.options if base else {}), **from_env.options},
            }
        )
    elif default not in connections and connections:
        raise ConfigError(
            f"default = {default!r} names no connection.{_did_you_mean(default, connections)} "
            f"Configured: {', '.join(connections)}. Fix 'default' or add [connections.{default}]",
            file=source,
            key=f"{prefix}default",
        )

    migrations = data.get("migrations", {})
    if not isinstance(migrations, Mapping):
        raise ConfigError(
            "'migrations' must be a table, e.g. [migrations] directory = \"migrations\"",
            file=source,
            key=f"{prefix}migrations",
        )
    _check_keys(
        migrations, MIGRATION_KEYS, source=source, where=f"{prefix}migrations",
        prefix=f"{prefix}migrations.",
    )
    directory = _string(migrations, "directory", source, f"{prefix}migrations")
    table = _string(migrations, "table", source, f"{prefix}migrations")
    models = migrations.get("models", [])
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ConfigError(
            "'models' must be a list of module names, e.g. models = [\"app.models\"]",
            file=source,
            key=f"{prefix}migrations.models",
        )
    return ResolvedConfig(
        source=source,
        default=default,
        connections=connections,
        migrations_dir=str(_absolute(Path(directory or DEFAULT_MIGRATIONS_DIR), base_dir)),
        migrations_table=table or DEFAULT_MIGRATIONS_TABLE,
        migrations_models=tuple(models),
        base_dir=str(base_dir),
    )


# -- one connection ----------------------------------------------------------------------
def connection_from_keys(
    name: str,
    keys: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] | None = None,
    file: str | None = None,
    key: str | None = None,
    default_dialect: str | None = None,
) -> ConnectionConfig:
    """Build one connection from ``url`` and/or explicit keys (keys override URL parts).

    ``default_dialect`` is used when neither ``url`` nor ``dialect`` is given (the
    connection manager passes the plugins' default; config files must say which
    dialect they mean).
    """
    where = key or f"connections.{name}"
    _check_keys(keys, CONNECTION_KEYS, source=file, where=where, prefix=f"{where}.")
    base = Path(base_dir) if base_dir is not None else Path.cwd()

    url = keys.get("url")
    if url is not None:
        if not isinstance(url, str):
            raise ConfigError(
                "'url' must be a string like \"dialect://user:pass@host:port/db\"",
                file=file,
                key=f"{where}.url",
            )
        values = _fields(parse_url(url, name=name, base_dir=base, file=file, key=f"{where}.url"))
    else:
        dialect = keys.get("dialect") or default_dialect
        if not dialect:
            raise ConfigError(
                f"Connection {name!r} needs a url or a dialect. Add "
                'url = "sqlite:///app.db" (or dialect = "..." with host/port ...)',
                file=file,
                key=where,
            )
        values = {"name": name, "dialect": dialect, "settings": {}, "options": {}}

    for k in ("dialect", "driver", "host", "database", "user", "password"):
        if k in keys:
            values[k] = _string(keys, k, file, where)
    if "port" in keys:
        values["port"] = _port(keys["port"], file, f"{where}.port")
    if "path" in keys:
        values["path"] = _file_path(_string(keys, "path", file, where), base)
    for k in ("settings", "options"):
        if k in keys:
            table = keys[k]
            if not isinstance(table, Mapping):
                raise ConfigError(
                    f"'{k}' must be a table, e.g. {k} = {_TABLE_EXAMPLES[k]}",
                    file=file,
                    key=f"{where}.{k}",
                )
            values[k] = {**values.get(k, {}), **table}
    return ConnectionConfig(**values)


def parse_url(
    url: str,
    *,
    name: str = "default",
    base_dir: str | os.PathLike[str] | None = None,
    file: str | None = None,
    key: str | None = None,
) -> ConnectionConfig:
    """Parse ``dialect[+driver]://...`` into a ConnectionConfig (see the module docstring)."""
    shown = shown_url(url)

    def bad(problem: str) -> ConfigError:
        return ConfigError(
            f"Invalid connection URL {shown!r}: {problem}. Expected "
            "dialect[+driver]://[user[:password]@]host[:port][/database], "
            "sqlite:///relative.db, sqlite:////abs/path.db or sqlite:// (memory)",
            file=file,
            key=key,
        )

    scheme, sep, _ = url.partition("://")
    if not sep:
        raise bad("missing '://' after the scheme")
    scheme = scheme.lower()
    if not _SCHEME.match(scheme):
        named = safe_scheme(scheme, url)
        raise bad(f"the scheme{f' {named!r}' if named is not None else ''} is not "
                  "'dialect' or 'dialect+driver'")
    dialect, _, driver = scheme.partition("+")
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - checks a bracketed host
    except ValueError:
        raise bad("the host is malformed (an IPv6 address is written [::1]; percent-encode "
                  "'[' and ']' in a user name or password)") from None
    if parts.fragment:
        raise bad("a '#fragment' is not allowed (percent-encode '#' as %23 in passwords)")
    values: dict[str, Any] = {"name": name, "dialect": dialect, "driver": driver or None}

    if parts.netloc:
        try:
            port = parts.port
        except ValueError:
            raise bad("the port must be a number between 0 and 65535 (percent-encode "
                      "'/', '?', '#' and '@' in a password: %2F, %3F, %23, %40)") from None
        values.update(
            host=unquote(parts.hostname) if parts.hostname else None,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )
        database = unquote(parts.path.lstrip("/"))
        if "/" in database:
            raise bad("the database name (after the host) cannot contain '/' "
                      "(percent-encode '/' in a password as %2F)")
        values["database"] = database or None
    else:
        values["path"] = _file_path(unquote(parts.path[1:]), Path(base_dir or Path.cwd()))

    settings: dict[str, Any] = {}
    options: dict[str, Any] = {}
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise bad("the query string must be key=value pairs joined by '&'") from None
    for k, v in query:
        if k.startswith("settings."):
            settings[k.removeprefix("settings.")] = _coerce(v)
        else:
            options[k] = _coerce(v)
    values.update(settings=settings, options=options)
    return ConnectionConfig(**values)


def to_url(config: ConnectionConfig, *, masked: bool = True) -> str:
    """Render a connection as a URL (password masked unless ``masked=False``)."""
    scheme = config.dialect + (f"+{config.driver}" if config.driver else "")
    if config.host or config.port or config.user:
        auth = ""
        if config.user:
            auth = quote(config.user, safe="")
            if config.password:
                auth += ":" + ("****" if masked else quote(config.password, safe=""))
            auth += "@"
        host = config.host or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{config.port}" if config.port else ""
        db = f"/{quote(config.database, safe='')}" if config.database else ""
        base = f"{scheme}://{auth}{host}{port}{db}"
    elif config.path:
        base = f"{scheme}://{'/' if config.path.startswith('/') else '//'}{config.path}"
    else:
        base = f"{scheme}://"
    query = [(k, v) for k, v in config.options.items()]
    query += [(f"settings.{k}", v) for k, v in config.settings.items()]
    if query:
        base += "?" + "&".join(
            f"{quote(str(k), safe='.')}="
            + ("****" if masked and _secretish(str(k)) else quote(_render(v), safe=":,"))
            for k, v in query
        )
    return base


def mask_url(url: str) -> str:
    """``clickhouse://u:secret@h/db`` -> ``clickhouse://u:****@h/db`` (for messages); the
    password runs to the last ``@``, whatever it contains."""
    return re.sub(r"(://[^/@:?#]*:).*@", r"\1****@", url, flags=re.S)


# -- helpers -------------------------------------------------------------------------------
def _fields(config: ConnectionConfig) -> dict[str, Any]:
    return {
        "name": config.name,
        "dialect": config.dialect,
        "driver": config.driver,
        "host": config.host,
        "port": config.port,
        "database": config.database,
        "user": config.user,
        "password": config.password,
        "path": config.path,
        "settings": dict(config.settings),
        "options": dict(config.options),
    }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Malformed TOML: {exc}. Fix the syntax there (see https://toml.io)",
            file=str(path),
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The config file is not UTF-8 text (byte {exc.start} is not valid UTF-8); "
            "save it as UTF-8", file=str(path),
        ) from exc
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file: {exc.strerror}", file=str(path)) from exc


def _pyproject_section(data: Mapping[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    section = tool.get("clickorm") if isinstance(tool, Mapping) else None
    return section if isinstance(section, dict) else None


def _check_keys(
    data: Mapping[str, Any],
    allowed: tuple[str, ...],
    *,
    source: str | None,
    where: str,
    prefix: str,
) -> None:
    for k in data:
        if k not in allowed:
            place = f"in [{where}]" if where else "at the top level"
            raise ConfigError(
                f"Unknown key {k!r} {place}.{_did_you_mean(k, allowed)} "
                f"Valid keys: {', '.join(allowed)}",
                file=source,
                key=f"{prefix}{k}",
            )


def _did_you_mean(word: str, choices: Any) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" Did you mean {hint[0]!r}?" if hint else ""


def _string(keys: Mapping[str, Any], k: str, file: str | None, where: str) -> str | None:
    value = keys.get(k)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(
            f"'{k}' must be a string, got {type(value).__name__}. Quote it: {k} = \"...\"",
            file=file,
            key=f"{where}.{k}" if where else k,
        )
    return value


def _port(value: Any, file: str | None, key: str) -> int:
    if isinstance(value, str) and _INT.match(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ConfigError(
            f"'port' must be a number between 1 and 65535, got {value!r}", file=file, key=key
        )
    return value


def _file_path(path: str | None, base: Path) -> str | None:
    """Absolute file path, or None for in-memory (empty or ``:memory:``)."""
    if path is None or path in _MEMORY:
        return None
    return os.path.normpath(_absolute(Path(path).expanduser(), base))


def _absolute(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def _coerce(value: str) -> Any:
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _render(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _secretish(key: str) -> bool:
    k = key.lower()
    return any(w in k for w in ("password", "secret", "token", "key"))
