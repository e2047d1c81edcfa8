"""A connection option no driver reads is refused when the connection opens, naming the
option, the known ones and the config file; it was silently ignored on SQLite (so a typo
of ``timeout`` left the 30 s default in force) and on a new dialect from the template.
A ConfigError a driver raises about its options also names the file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.cli.cli import main
from clickorm.config import load_config
from clickorm.dialects import open_connection
from clickorm.errors import ConfigError


def write_config(tmp_path: Path, url: str, options: str = "", settings: str = "") -> Path:
    path = tmp_path / "clickorm.toml"
    text = f'[connections.main]\nurl = "{url}"\n'
    if options:
        text += f"options = {{ {options} }}\n"
    if settings:
        text += f"settings = {{ {settings} }}\n"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("url", "known"), [("sqlite://", "Did you mean 'timeout'? Known "
                                                          "options: timeout"),
                                             ("toydb://", "Known options: (none)")])
def test_a_misspelt_option_names_itself_the_known_ones_and_the_file(
        tmp_path: Path, url: str, known: str) -> None:
    path = write_config(tmp_path, url, options="timout = 3")
    manager = ConnectionManager(config=load_config(path))
    with pytest.raises(ConfigError) as info:
        manager.connection()
    message = str(info.value)
    assert "unknown option 'timout'" in message and known in message, message
    assert info.value.file == str(path)
    assert info.value.key == "connections.main.options.timout"


def test_the_known_option_still_works(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite://", options="timeout = 3")
    conn = ConnectionManager(config=load_config(path)).connection()
    assert conn.execute("SELECT 1").scalar() == 1


def test_settings_on_a_dialect_without_settings_are_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite://", settings="max_threads = 4")
    with pytest.raises(ConfigError, match="sqlite.*settings.*max_threads") as info:
        ConnectionManager(config=load_config(path)).connection()
    assert info.value.file == str(path)


def test_open_connection_and_url_arguments_check_too() -> None:
    with pytest.raises(ConfigError, match="'timout'"):
        open_connection("sqlite://?timout=3")
    with pytest.raises(ConfigError, match="'timout'") as info:
        ConnectionManager("sqlite://?timout=3").connection()
    assert info.value.file == "ConnectionManager(...) arguments"


def test_clickorm_check_reports_the_option_and_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, "sqlite://", options="timout = 3")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLICKORM_CONFIG", raising=False)
    monkeypatch.delenv("CLICKORM_URL", raising=False)
    assert main(["check"]) != 0
    err = capsys.readouterr().err
    assert "'timout'" in err and str(path) in err, err


@pytest.mark.parametrize("url", ["sqlite://?timout=3", "sqlite://u:pw@h:99x/db"])
def test_clickorm_check_url_errors_name_the_flag(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Was "in ConnectionManager(...) arguments": a call the user never wrote."""
    assert main(["check", "--url", url]) != 0
    err = capsys.readouterr().err
    assert "(in clickorm check --url, at key" in err and "ConnectionManager" not in err, err
    assert "pw" not in err


def test_clickorm_config_flags_the_option_without_connecting(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, "sqlite:///x.db", options="timout = 3")
    assert main(["config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "! Connection 'main': unknown option 'timout'" in out, out
    assert not (tmp_path / "x.db").exists()
