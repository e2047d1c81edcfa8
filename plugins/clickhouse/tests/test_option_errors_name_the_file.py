"""A misspelt option of a configured ClickHouse connection is reported with the config
file and the key under ``[connections.NAME]`` (the drivers' errors named neither the
file nor, on chDB, the option's key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.config import load_config
from clickorm.errors import ConfigError


@pytest.mark.parametrize("url", ["clickhouse+embedded://", "clickhouse://u:pw@127.0.0.1:1/db"])
def test_the_file_and_the_key_are_named(tmp_path: Path, url: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[tool.clickorm.connections.ch]\nurl = "{url}"\n'
                    "options = { conect_timeout = 3 }\n")
    with pytest.raises(ConfigError, match="conect_timeout") as info:
        ConnectionManager(config=load_config(path)).connection()
    assert info.value.file == str(path)
    assert info.value.key == "tool.clickorm.connections.ch.options.conect_timeout"
    assert "pw" not in str(info.value)
