"""Every fenced code block of README.md runs as written.

- ``python`` blocks run one at a time, each alone (a fresh namespace), in a fresh temporary
  directory as the working directory, with the repository's ``examples/`` on ``sys.path``.
  The default connection is embedded ClickHouse (chDB, the zero-config default) in a
  database of the block's own, dropped afterwards, as the other chDB tests isolate theirs.
- ``toml`` blocks are parsed; one that configures connections is written as
  ``clickorm.toml`` and loaded by the config loader.
- ``bash``/``sh``/``shell`` blocks run in bash (``set -e``), in a fresh temporary
  directory, with ``python`` the interpreter running the tests; a ``console`` block runs
  its ``$ `` lines. A block that installs, clones or runs tox must be marked.

A block whose first line is ``# fragment: <why>`` or ``# needs server: <why>`` is not run
(a partial snippet; or it needs a ClickHouse server or cluster, or installs packages). Its
reason must be given; the test below checks the marked blocks are few.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clickorm import ConnectionManager
from clickorm.config import load_config
from clickorm.connection.manager import reset_managers, set_default_manager

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: the plugins' READMEs are their long descriptions on the package index: run them too
PLUGIN_READMES = [ROOT / "plugins" / "clickhouse" / "README.md",
                  ROOT / "plugins" / "sqlite_testing" / "README.md"]
EXAMPLES = ROOT / "examples"

PYTHON = {"python", "py"}
TOML = {"toml"}
SHELL = {"bash", "sh", "shell", "console"}
MARKER = re.compile(r"^#\s*(fragment|needs server):\s*(\S.*)$")
FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # 1-based line of the block's first code line in its file
    text: str
    file: Path = README

    @property
    def marker(self) -> tuple[str, str] | None:
        first = self.text.lstrip("\n").splitlines()[0].strip() if self.text.strip() else ""
        found = MARKER.match(first)
        return (found.group(1), found.group(2)) if found else None

    @property
    def id(self) -> str:
        prefix = "" if self.file == README else f"{self.file.parent.name}-"
        return f"{prefix}{self.lang}-L{self.line}"


def readme_blocks(text: str, file: Path = README) -> list[Block]:
    """The fenced blocks of ``text`` (language, position, body), in order."""
    blocks: list[Block] = []
    lang: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = FENCE.match(line)
        if lang is None:
            if found:
                lang, start, body = found.group(1).lower(), number + 1, []
        elif found and not found.group(1):
            blocks.append(Block(lang, start, "\n".join(body) + "\n", file))
            lang = None
        else:
            body.append(line)
    assert lang is None, f"{file}: the block opened at line {start - 1} is not closed"
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
RUN = [b for b in BLOCKS if b.lang in PYTHON | TOML | SHELL]
PLUGIN_RUN = [b for path in PLUGIN_READMES
              for b in readme_blocks(path.read_text(encoding="utf-8"), path)
              if b.lang in PYTHON | TOML | SHELL]


def test_the_readme_has_runnable_blocks_of_each_kind() -> None:
    runnable = [b for b in RUN if b.marker is None]
    assert {b.lang for b in runnable} >= {"python", "toml", "bash"}
    # the markers are the exception: most blocks run
    assert len(runnable) >= 2 * (len(RUN) - len(runnable)), [b.id for b in RUN if b.marker]


def test_shell_blocks_that_install_or_run_the_suite_must_be_marked() -> None:
    for text in ("pip install x\n", "python -m pip install .\n", "cd a && tox -e lint\n",
                 "git clone https://example.com/r\n"):
        assert UNSAFE.search(text), text
    for text in ("clickorm init --sqlite\n", "python models.py  # tox\n"):
        assert UNSAFE.search(text) is None, text


def test_extraction_finds_fences_and_markers() -> None:
    text = "x\n```python\n# fragment: a part\nfoo(\n```\n```toml\na = 1\n```\n```\nplain\n```\n"
    blocks = readme_blocks(text)
    assert [(b.lang, b.line) for b in blocks] == [("python", 3), ("toml", 7), ("", 10)]
    assert blocks[0].marker == ("fragment", "a part") and blocks[1].marker is None


@pytest.fixture
def block_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh temp dir as cwd, no CLICKORM_* variables, and the default connection on
    chDB in a database of the block's own (dropped afterwards)."""
    for name in ("CLICKORM_CONFIG", "CLICKORM_URL", "CLICKORM_DISABLE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    reset_managers()
    database = f"readme_{uuid.uuid4().hex[:10]}"
    manager = ConnectionManager("clickhouse+embedded://", database=database)
    set_default_manager(manager)
    try:
        yield database
    finally:
        reset_managers()
        cleanup = ConnectionManager("clickhouse+embedded://", database=database)
        try:
            cleanup.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
        finally:
            cleanup.close()


def _run_python(block: Block) -> None:
    # dont_inherit: this module's ``from __future__ import annotations`` must not turn the
    # block's annotations into strings; the block runs as a module of its own, so a block
    # that does use postponed annotations resolves them as a script would
    code = compile("\n" * (block.line - 1) + block.text, str(block.file), "exec",
                   dont_inherit=True)
    module = types.ModuleType(f"readme_block_L{block.line}")
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the README's own code, run as a reader would
    finally:
        del sys.modules[module.__name__]


def _run_toml(block: Block, directory: Path) -> None:
    data = tomllib.loads(block.text)
    if "connections" in data or "default" in data:
        path = directory / "clickorm.toml"
        path.write_text(block.text, encoding="utf-8")
        config = load_config(str(path))
        assert set(data.get("connections", {})) <= set(config.connections)


#: commands a shell block may not run here unmarked: they change the environment or
#: run the whole suite (which runs this test)
UNSAFE = re.compile(r"(^|[;&|]\s*)(python -m )?(pip|tox)\b|\bgit clone\b", re.MULTILINE)


def _run_shell(block: Block, directory: Path) -> None:
    unsafe = UNSAFE.search(block.text)
    assert unsafe is None, (
        f"{block.file} line {block.line}: {unsafe.group(0).strip()!r} is not run by this "
        "test; start the block with '# fragment: <why>'")
    text = block.text
    if block.lang == "console":  # a session: the commands are the lines after "$ "
        text = "".join(line[2:] + "\n" for line in text.splitlines() if line.startswith("$ "))
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    script = f"set -e\nalias python={sys.executable!s}\n" + text
    done = subprocess.run(
        ["bash", "-O", "expand_aliases", "-c", script], cwd=directory, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, (
        f"{block.file} line {block.line}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")


@pytest.mark.parametrize("block", RUN + PLUGIN_RUN, ids=[b.id for b in RUN + PLUGIN_RUN])
def test_readme_block_runs(block: Block, block_database: str, tmp_path: Path) -> None:
    if block.marker is not None:
        kind, why = block.marker
        assert why.strip(), f"{block.file} line {block.line}: '# {kind}:' needs a reason"
        return  # marked: not run here (said so in the README itself)
    if block.lang in PYTHON:
        _run_python(block)
    elif block.lang in TOML:
        _run_toml(block, tmp_path)
    else:
        _run_shell(block, tmp_path)


def test_the_readme_user_is_the_importable_one() -> None:
    # the snippets import ``User`` from examples/user_model.py: it is the class the
    # Models section shows, line for line
    shown = next(b.text for b in BLOCKS if "class User(Model):" in b.text)
    saved = (EXAMPLES / "user_model.py").read_text(encoding="utf-8")
    cls = shown[shown.index("class User(Model):"):]
    assert cls in saved


def test_the_readmes_have_no_links_an_index_page_cannot_follow() -> None:
    # the READMEs are the long descriptions on the package index: relative links
    # (to files of the repository) would be broken there
    links = [link for path in [README, *PLUGIN_READMES]
             for link in re.findall(r"\]\(([^)]+)\)", path.read_text(encoding="utf-8"))]
    assert [x for x in links if not x.startswith(("https://", "http://", "#"))] == []
