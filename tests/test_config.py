"""Config discovery, schema, URLs, environment overrides, errors and masking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clickorm.config import (
    EMBEDDED_SOURCE,
    ConnectionConfig,
    find_config_file,
    load_config,
    mask_url,
    parse_url,
    to_url,
)
from clickorm.errors import ConfigError
from clickorm.plugins.manager import PluginManager

pytestmark = pytest.mark.usefixtures("clean_env")

MAIN = """
default = "main"
[connections.main]
url = "clickhouse://alice:s3cret@db.example:9000/analytics"
settings = { max_threads = 4 }
options = { connect_timeout = 5 }
[connections.local]
dialect = "sqlite"
path = "dev.db"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- discovery ---------------------------------------------------------------------------
def test_embedded_default_when_no_file(tmp_path: Path) -> None:
    # the embedded default is the one the installed plugins offer (ClickHouse: chDB)
    offer = PluginManager().embedded_default_url
    cfg = load_config(cwd=tmp_path, environ={}, embedded_default=offer)
    assert cfg.source == EMBEDDED_SOURCE
    assert cfg.default == "default"
    conn = cfg.connection()
    assert (conn.dialect, conn.driver, conn.path, conn.host) == (
        "clickhouse",
        "embedded",
        None,
        None,
    )
    assert cfg.migrations_dir == str(tmp_path / "migrations")


def test_clickorm_toml_in_cwd(tmp_path: Path) -> None:
    file = write(tmp_path / "clickorm.toml", MAIN)
    cfg = load_config(cwd=tmp_path, environ={})
    assert cfg.source == str(file)
    assert cfg.default == "main"
    main = cfg.connection()
    assert main == ConnectionConfig(
        name="main",
        dialect="clickhouse",
        host="db.example",
        port=9000,
        database="analytics",
        user="alice",
        password="s3cret",
        settings={"max_threads": 4},
        options={"connect_timeout": 5},
    )
    assert cfg.connection("local").path == str(tmp_path / "dev.db")


def test_clickorm_toml_in_a_parent(tmp_path: Path) -> None:
    file = write(tmp_path / "clickorm.toml", MAIN)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cfg = load_config(cwd=deep, environ={})
    assert cfg.source == str(file)
    # relative paths resolve against the file's directory, not the working directory
    assert cfg.connection("local").path == str(tmp_path / "dev.db")


def test_pyproject_tool_clickorm(tmp_path: Path) -> None:
    file = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "app"\n[tool.clickorm.connections.db]\nurl = "sqlite:///app.db"\n',
    )
    (tmp_path / "src").mkdir()
    cfg = load_config(cwd=tmp_path / "src", environ={})
    assert cfg.source == str(file)
    assert cfg.default == "db"
    assert cfg.connection().path == str(tmp_path / "app.db")


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "clickorm.toml", MAIN)
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    cfg = load_config(cwd=tmp_path / "pkg", environ={})
    assert cfg.source == str(tmp_path / "clickorm.toml")


def test_clickorm_toml_beats_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.clickorm.connections.p]\nurl = "sqlite://"\n')
    file = write(tmp_path / "clickorm.toml", MAIN)
    assert load_config(cwd=tmp_path, environ={}).source == str(file)


def test_nearest_directory_wins(tmp_path: Path) -> None:
    write(tmp_path / "clickorm.toml", MAIN)
    inner = write(
        tmp_path / "proj" / "pyproject.toml", '[tool.clickorm.connections.p]\nurl = "sqlite://"\n'
    )
    assert load_config(cwd=tmp_path / "proj", environ={}).source == str(inner)


def test_env_beats_discovered_file_and_explicit_beats_env(tmp_path: Path) -> None:
    write(tmp_path / "clickorm.toml", MAIN)
    env_file = write(tmp_path / "conf" / "env.toml", '[connections.e]\nurl = "sqlite://"\n')
    explicit = write(tmp_path / "explicit.toml", '[connections.x]\nurl = "sqlite://"\n')
    env = {"CLICKORM_CONFIG": str(env_file)}
    assert load_config(cwd=tmp_path, environ=env).default == "e"
    assert load_config(explicit, cwd=tmp_path, environ=env).default == "x"
    assert find_config_file(cwd=tmp_path, environ=env) == env_file


def test_relative_paths_use_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "clickorm.toml", MAIN)
    write(tmp_path / "other.toml", '[connections.o]\nurl = "sqlite://"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLICKORM_CONFIG", "other.toml")
    assert load_config().source == str(tmp_path / "other.toml")
    assert load_config("clickorm.toml").default == "main"


def test_explicit_pyproject_path(tmp_path: Path) -> None:
    file = write(tmp_path / "pyproject.toml", '[tool.clickorm.connections.p]\nurl = "sqlite://"\n')
    assert load_config(file, environ={}).default == "p"


def test_default_is_inferred(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        '[connections.a]\nurl = "sqlite://"\n[connections.default]\nurl = "sqlite://"\n',
    )
    assert load_config(file, environ={}).default == "default"


def test_file_without_connections_gets_the_embedded_connection(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[migrations]\ndirectory = "db/migrations"\n')
    cfg = load_config(file, environ={}, embedded_default="clickhouse+embedded://")
    assert cfg.connection().driver == "embedded"
    assert cfg.migrations_dir == str(tmp_path / "db" / "migrations")
    assert cfg.migrations_table == "clickorm_migrations"


def test_explicit_keys_override_url_parts(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        "[connections.main]\n"
        'url = "clickhouse://bob@h1:9000/db?secure=true&settings.max_threads=2"\n'
        'password = "from-key"\nport = 9440\n'
        "settings = { readonly = 1 }\n",
    )
    conn = load_config(file, environ={}).connection()
    assert (conn.host, conn.port, conn.user, conn.password) == ("h1", 9440, "bob", "from-key")
    assert conn.settings == {"max_threads": 2, "readonly": 1}
    assert conn.options == {"secure": True}


# -- CLICKORM_URL ------------------------------------------------------------------------
def test_clickorm_url_overrides_the_default_connection(tmp_path: Path) -> None:
    write(tmp_path / "clickorm.toml", MAIN)
    env = {"CLICKORM_URL": "sqlite:///override.db?settings.max_threads=8"}
    cfg = load_config(cwd=tmp_path / "", environ=env)
    main = cfg.connection("main")
    assert (main.dialect, main.host, main.user, main.password) == ("sqlite", None, None, None)
    assert main.path == str(tmp_path / "override.db")
    assert main.settings == {"max_threads": 8}  # the URL's query wins over the file
    assert main.options == {"connect_timeout": 5}  # the file's options are kept
    assert cfg.connection("local").dialect == "sqlite"  # other connections untouched


def test_clickorm_url_with_embedded_default(tmp_path: Path) -> None:
    cfg = load_config(cwd=tmp_path, environ={"CLICKORM_URL": "clickhouse://h:9000/x"})
    assert cfg.connection().host == "h"
    assert cfg.source == EMBEDDED_SOURCE


def test_bad_clickorm_url_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment variable CLICKORM_URL"):
        load_config(cwd=tmp_path, environ={"CLICKORM_URL": "not a url"})


# -- URLs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "clickhouse://user:pass@localhost:9000/db",
            dict(dialect="clickhouse", driver=None, host="localhost", port=9000, database="db"),
        ),
        (
            "clickhouse+native://u%40corp:p%40ss%2Fw@h/db",
            dict(driver="native", user="u@corp", password="p@ss/w", host="h", port=None),
        ),
        ("clickhouse+embedded://", dict(driver="embedded", path=None, host=None)),
        ("clickhouse+embedded:////abs/chdb", dict(driver="embedded", path="/abs/chdb")),
        ("sqlite:////abs/path.db", dict(dialect="sqlite", path="/abs/path.db")),
        ("sqlite://", dict(dialect="sqlite", path=None)),
        ("sqlite:///:memory:", dict(dialect="sqlite", path=None)),
        ("clickhouse://[::1]:9000", dict(host="::1", port=9000, database=None)),
        (
            "clickhouse://h?secure=true&alt_hosts=h2:9000,h3:9000&compression=lz4"
            "&connect_timeout=2.5&settings.max_threads=4&settings.readonly=01",
            dict(
                options={
                    "secure": True,
                    "alt_hosts": "h2:9000,h3:9000",
                    "compression": "lz4",
                    "connect_timeout": 2.5,
                },
                settings={"max_threads": 4, "readonly": "01"},
            ),
        ),
    ],
)
def test_parse_url(url: str, expected: dict[str, object]) -> None:
    conn = parse_url(url)
    for key, value in expected.items():
        assert getattr(conn, key) == value, key


def test_relative_file_urls_resolve_against_base_dir(tmp_path: Path) -> None:
    assert parse_url("sqlite:///data/app.db", base_dir=tmp_path).path == str(
        tmp_path / "data" / "app.db"
    )
    assert parse_url("clickhouse+embedded:///chdata", base_dir=tmp_path).path == str(
        tmp_path / "chdata"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:9000", "missing '://'"),
        ("Click House://h", "scheme"),
        ("clickhouse://h:99999/db", "port"),
        ("clickhouse://h:port/db", "port"),
        ("clickhouse://h/a/b", "cannot contain '/'"),
        ("clickhouse://h/db#x", "fragment"),
        ("clickhouse://h/db?=&&", "query string"),
    ],
)
def test_bad_urls(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="Invalid connection URL") as info:
        parse_url(url)
    assert problem in str(info.value)
    assert "Expected dialect[+driver]://" in str(info.value)


def test_bad_url_in_file_names_file_and_key_and_hides_password(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[connections.m]\nurl = "clickhouse://u:topsecret@h:x/db"\n')
    with pytest.raises(ConfigError) as info:
        load_config(file, environ={})
    text = str(info.value)
    assert str(file) in text and "connections.m.url" in text
    assert "topsecret" not in text and "clickhouse://****@h" in text


def test_to_url_roundtrip_and_masking() -> None:
    url = "clickhouse+native://al%40ice:p%40ss@h:9000/db?secure=true&settings.max_threads=4"
    conn = parse_url(url)
    assert to_url(conn, masked=False) == url
    assert to_url(conn) == url.replace("p%40ss", "****")
    assert parse_url(to_url(conn, masked=False)) == conn


def test_mask_url() -> None:
    assert mask_url("clickhouse://u:p@ss@h/db") == "clickhouse://u:****@h/db"
    assert mask_url("clickhouse://u@h/db") == "clickhouse://u@h/db"
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_passwords_are_masked_everywhere(tmp_path: Path) -> None:
    file = write(
        tmp_path / "c.toml",
        MAIN + '[connections.tok]\nurl = "clickhouse://h?api_token=tok123&secure=true"\n',
    )
    cfg = load_config(file, environ={})
    for shown in (repr(cfg), str(cfg.masked()), repr(cfg.connection("main"))):
        assert "s3cret" not in shown
    assert "tok123" not in str(cfg.masked())
    masked = cfg.masked()["connections"]["main"]
    assert masked["password"] == "****"
    assert masked["url"] == (
        "clickhouse://alice:****@db.example:9000/analytics?connect_timeout=5&settings.max_threads=4"
    )
    tok = cfg.masked()["connections"]["tok"]
    assert tok["options"] == {"api_token": "****", "secure": True}
    assert tok["url"] == "clickhouse://h?api_token=****&secure=true"


# -- errors ------------------------------------------------------------------------------
def error_for(tmp_path: Path, text: str, name: str = "clickorm.toml") -> str:
    file = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_config(file, environ={})
    message = str(info.value)
    assert str(file) in message, message
    return message


def test_malformed_toml(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[connections.main\nurl = 1\n")
    assert "Malformed TOML" in message and "line 1" in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'defualt = "main"\n')
    assert "Unknown key 'defualt' at the top level. Did you mean 'default'?" in message
    assert "at key 'defualt'" in message


def test_unknown_connection_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[connections.main]\nurl = "sqlite://"\nhots = "h"\n')
    assert "Unknown key 'hots' in [connections.main]. Did you mean 'host'?" in message
    assert "connections.main.hots" in message and "Valid keys: url, dialect" in message


def test_unknown_key_in_pyproject_names_the_full_key(tmp_path: Path) -> None:
    message = error_for(
        tmp_path,
        '[tool.clickorm.connections.m]\nurl = "sqlite://"\nsetings = {}\n',
        name="pyproject.toml",
    )
    assert "'tool.clickorm.connections.m.setings'" in message
    assert "Did you mean 'settings'?" in message


def test_a_non_table_options_shows_an_option_not_a_setting(tmp_path: Path) -> None:
    """The example was options = { max_threads = 4 }: a setting, refused as an option."""
    message = error_for(tmp_path, '[connections.m]\nurl = "sqlite://"\noptions = 3\n')
    assert "e.g. options = { connect_timeout = 5 }" in message, message
    message = error_for(tmp_path, '[connections.m]\nurl = "sqlite://"\nsettings = 3\n')
    assert "e.g. settings = { max_threads = 4 }" in message, message


def test_unknown_migrations_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[migrations]\ndir = "m"\n')
    assert "Unknown key 'dir' in [migrations]" in message
    assert "at key 'migrations.dir'" in message  # was 'dir', as if at the top level
    message = error_for(tmp_path, '[tool.clickorm.migrations]\ndir = "m"\n',
                        name="pyproject.toml")
    assert "at key 'tool.clickorm.migrations.dir'" in message


def test_default_names_a_missing_connection(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'default = "mian"\n[connections.main]\nurl = "sqlite://"\n')
    assert "default = 'mian' names no connection. Did you mean 'main'?" in message
    assert "at key 'default'" in message


def test_several_connections_and_no_default(tmp_path: Path) -> None:
    message = error_for(
        tmp_path, '[connections.a]\nurl = "sqlite://"\n[connections.b]\nurl = "sqlite://"\n'
    )
    assert 'Add default = "a"' in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[connections.m]\ndialect = "sqlite"\nport = "x"\n', "'port' must be a number"),
        ('[connections.m]\ndialect = "sqlite"\nport = true\n', "'port' must be a number"),
        ('[connections.m]\nurl = "sqlite://"\nsettings = 3\n', "'settings' must be a table"),
        ("[connections.m]\nurl = 5\n", "'url' must be a string"),
        ('[connections.m]\ndialect = "sqlite"\nhost = 1\n', "'host' must be a string"),
        ('[connections.m]\nhost = "h"\n', "needs a url or a dialect"),
        ('connections = "x"\n', "'connections' must be a table"),
        ("connections = { m = 1 }\n", "Connection 'm' must be a table"),
        ("default = 1\n", "'default' must be the name of a connection"),
        ('migrations = "m"\n', "'migrations' must be a table"),
    ],
)
def test_wrong_types(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_for(tmp_path, text)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No such config file"):
        load_config(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match="A directory, not a config file"):
        load_config(tmp_path, environ={})
    with pytest.raises(ConfigError, match="Fix or unset CLICKORM_CONFIG"):
        load_config(cwd=tmp_path, environ={"CLICKORM_CONFIG": str(tmp_path / "nope.toml")})
    # a directory was reported as "does not exist"
    with pytest.raises(ConfigError, match="is a directory, not a file. Fix or unset"):
        load_config(cwd=tmp_path, environ={"CLICKORM_CONFIG": str(tmp_path)})


def test_explicit_pyproject_without_section(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[project]\nname = "x"\n', name="pyproject.toml")
    assert "no [tool.clickorm] table" in message


def test_unknown_connection_name(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path / "c.toml", MAIN), environ={})
    with pytest.raises(ConfigError, match="Unknown connection 'lokal'. Did you mean 'local'?"):
        cfg.connection("lokal")


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load_config(cwd=tmp_path, environ={})
    with pytest.raises(AttributeError):
        cfg.default = "x"  # type: ignore[misc]
    assert os.path.isabs(cfg.base_dir)


def test_migrations_models(tmp_path: Path) -> None:
    file = write(tmp_path / "c.toml", '[migrations]\nmodels = ["app.models", "app.more"]\n')
    cfg = load_config(file, environ={}, embedded_default="clickhouse+embedded://")
    assert cfg.migrations_models == ("app.models", "app.more")
    assert cfg.masked()["migrations"]["models"] == ["app.models", "app.more"]
    one = write(tmp_path / "d.toml", '[migrations]\nmodels = "app.models"\n')
    assert load_config(one, environ={}, embedded_default="x://").migrations_models == (
        "app.models",)
    assert "'models' must be a list of module names" in error_for(
        tmp_path, "[migrations]\nmodels = [1]\n")
