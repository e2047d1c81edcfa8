"""The core knows no dialect, and what differs between dialects is declared, not probed.

* no code path, constant, URL or loop of the core names a dialect (documentation may);
* the zero-config connection is the embedded default an installed plugin offers;
* capabilities are typed, and a plugin declaring an unknown one is recorded at load;
* the ``Meta`` keys a model may carry are the core's plus the installed dialects';
* insert layout and key generation are read from the dialect where the core decides;
* the connection protocol declares what the core and writers read (no ``getattr``).
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clickorm
from clickorm import Column, Model
from clickorm.config import load_config
from clickorm.connection.base import BaseConnection, RowStream
from clickorm.connection.manager import ConnectionManager, reset_managers, use
from clickorm.errors import ConfigError, PluginError, QueryError, SchemaError
from clickorm.model.model_table import table_from_model
from clickorm.plugins import API_VERSION, Capabilities, Capability, Dialect, hookimpl
from clickorm.plugins.manager import PluginManager, reset_plugin_manager
from clickorm.query.grammar import BaseGrammar
from clickorm.schema.platform import BasePlatform

pytestmark = pytest.mark.usefixtures("clean_env")

CORE = Path(clickorm.__file__).parent
DIALECT_WORDS = re.compile(r"clickhouse|chdb", re.IGNORECASE)


# -- no dialect names in the core --------------------------------------------------------
def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                assert body[0].end_lineno is not None
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
        # attribute docstrings: a bare string right after an assignment
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            assert node.end_lineno is not None
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def dialect_names_in_python(source: str) -> list[tuple[int, str]]:
    """(line, token) of every code token naming a dialect; comments and docstrings are
    documentation and skipped."""
    docs = _docstring_lines(ast.parse(source))
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
            continue
        if tok.type == tokenize.STRING and tok.start[0] in docs:
            continue
        if DIALECT_WORDS.search(tok.string):
            found.append((tok.start[0], tok.string))
    return found


def dialect_names_in_c(source: str) -> list[str]:
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    code = re.sub(r"//[^\n]*", "", code)
    return DIALECT_WORDS.findall(code)


def test_the_scanner_finds_code_and_skips_documentation() -> None:
    source = (
        '"""Docs may say ClickHouse."""\n'
        "# and so may comments: chdb\n"
        "def f():\n"
        '    """ClickHouse here too."""\n'
        '    return "clickhouse+embedded://"\n'
        "CHDB_LOOP = 1\n"
    )
    assert dialect_names_in_python(source) == [(5, '"clickhouse+embedded://"'), (6, "CHDB_LOOP")]
    assert dialect_names_in_c("/* ClickHouse */ int x; // chdb\nint clickhouse_loop;") == [
        "clickhouse"
    ]


def test_no_dialect_names_in_the_core_code() -> None:
    found = []
    for path in sorted(CORE.rglob("*.py")):
        for line, token in dialect_names_in_python(path.read_text()):
            found.append(f"{path.relative_to(CORE)}:{line}: {token}")
    for path in sorted(CORE.rglob("*.c")):
        found += [f"{path.relative_to(CORE)}: {w}" for w in dialect_names_in_c(path.read_text())]
    assert found == []


# -- helpers: in-process dialects ----------------------------------------------------------
class Grammar(BaseGrammar):
    pass


class Platform(BasePlatform):
    pass


def make_dialect(name: str, **overrides: Any) -> Dialect:
    values: dict[str, Any] = dict(
        name=name,
        api_version=API_VERSION,
        grammar=Grammar,
        platform=Platform,
        connections={"drv": "fake_module:connect"},
        default_driver="drv",
        url_schemes={name: "drv"},
        paramstyle="qmark",
    )
    values.update(overrides)
    return Dialect(**values)


def plugin_returning(*dialects: Any) -> Any:
    class Plugin:
        @hookimpl
        def clickorm_dialects(self) -> Any:
            return list(dialects)

    return Plugin()


def manager_with(*dialects: Dialect) -> PluginManager:
    manager = PluginManager(load_entrypoints=False, disabled=())
    for d in dialects:
        manager.register(plugin_returning(d), d.name)
    return manager


# -- the embedded default comes from the plugins -----------------------------------------
def test_clickhouse_offers_embedded_chdb_and_wins_over_toydb() -> None:
    manager = PluginManager()
    dialect, url = manager.embedded_default() or (None, None)
    assert (dialect and dialect.name, url) == ("clickhouse", "clickhouse+embedded://")
    assert manager.get_dialect("toydb").embedded_default_url == "toydb://"  # a lower offer


def test_zero_config_manager_uses_the_plugins_offer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    manager = ConnectionManager()
    assert (manager.dialect.name, manager.driver, manager.config.path) == (
        "clickhouse", "embedded", None)


def test_with_clickhouse_disabled_the_next_offer_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLICKORM_DISABLE_PLUGINS", "clickhouse")
    manager = ConnectionManager(plugins=PluginManager())
    assert (manager.dialect.name, manager.driver) == ("toydb", "memory")


def test_no_offer_is_a_clear_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLICKORM_DISABLE_PLUGINS", "clickhouse,toydb")
    plugins = PluginManager()
    assert plugins.embedded_default() is None
    with pytest.raises(ConfigError) as info:
        ConnectionManager(plugins=plugins)
    text = str(info.value)
    assert "no installed dialect plugin offers an embedded default" in text
    assert "installed dialects: sqlite" in text and "CLICKORM_URL" in text
    assert "[connections.default]" in text and "CLICKORM_DISABLE_PLUGINS" in text
    with pytest.raises(ConfigError, match="No dialect given and no installed dialect"):
        ConnectionManager(host="h", port=9000, plugins=plugins)
    # a configured URL needs no offer
    assert ConnectionManager("sqlite://", plugins=plugins).dialect.name == "sqlite"


def test_config_without_an_offer_has_no_connection(tmp_path: Path) -> None:
    cfg = load_config(cwd=tmp_path, environ={})
    assert dict(cfg.connections) == {}
    with pytest.raises(ConfigError, match="No connection is configured"):
        cfg.connection()
    given = load_config(cwd=tmp_path, environ={}, embedded_default=lambda: "toydb://")
    assert given.connection().dialect == "toydb"


def test_several_offers_choose_by_priority_then_name() -> None:
    a = make_dialect("alpha", embedded_default_url="alpha://")
    b = make_dialect("beta", embedded_default_url="beta://")
    assert manager_with(b, a).embedded_default_url() == "alpha://"  # tie: by name
    c = make_dialect("gamma", embedded_default_url="gamma://", embedded_default_priority=5)
    assert manager_with(a, b, c).embedded_default_url() == "gamma://"
    assert manager_with(a, b, c).default_dialect().name == "gamma"


def test_an_offer_must_use_the_dialects_own_scheme() -> None:
    manager = PluginManager(load_entrypoints=False, disabled=())
    info = manager.register(plugin_returning(
        make_dialect("odd", embedded_default_url="other://")), "odd")
    assert "embedded_default_url 'other://' must use one of the dialect's URL schemes" in (
        info.errors[0].error)


# -- typed capabilities ------------------------------------------------------------------
def test_capabilities_are_typed_and_refuse_unknown_names() -> None:
    caps = Capabilities({"cte", Capability.UNION})
    assert caps == {Capability.CTE, Capability.UNION}
    assert "cte" in caps and caps.supports(Capability.UNION) and not caps.supports("final")
    with pytest.raises(PluginError, match=r"Unknown capability 'ctes'\. Did you mean 'cte'\?"):
        caps.supports("ctes")
    with pytest.raises(PluginError, match="Unknown capability 'windows'"):
        Capabilities({"windows"})
    assert caps.without("cte") == {Capability.UNION}
    assert isinstance(caps.including("final"), Capabilities)


def test_a_dialect_converts_name_sets_and_refuses_unknown_ones() -> None:
    d = make_dialect("named", capabilities=frozenset({"transactions"}))
    assert isinstance(d.capabilities, Capabilities) and d.supports("transactions")
    with pytest.raises(PluginError, match="Unknown capability 'returning'"):
        d.supports("returning")  # no longer a capability: key_generation says it
    with pytest.raises(PluginError, match="dialect 'bad': Unknown capability 'wat'"):
        make_dialect("bad", capabilities=frozenset({"wat"}))


def test_unknown_capability_is_a_recorded_plugin_error() -> None:
    class Plugin:
        @hookimpl
        def clickorm_dialects(self) -> Any:
            return [make_dialect("shiny", capabilities=frozenset({"transactions", "time_travel"}))]

    manager = PluginManager(load_entrypoints=False, disabled=())
    good = manager.register(plugin_returning(make_dialect("good")), "good")
    info = manager.register(Plugin(), "shiny", distribution="clickorm-shiny", version="1.0")
    assert good.errors == [] and "good" in manager.dialects
    assert [(e.phase, e.distribution) for e in info.errors] == [("validation", "clickorm-shiny")]
    assert "dialect 'shiny': Unknown capability 'time_travel'" in info.errors[0].error
    assert "shiny" not in manager.dialects
    with pytest.raises(PluginError, match="Unknown capability 'time_travel'"):
        manager.get_dialect("shiny")
    listing = {p["name"]: p for p in manager.listing()}
    assert listing["shiny"]["errors"][0]["phase"] == "validation"


def test_installed_plugins_declare_typed_capabilities() -> None:
    manager = PluginManager()
    for dialect in manager.dialects.values():
        assert isinstance(dialect.capabilities, Capabilities)
    assert manager.failures == []


# -- Meta keys declared by dialects --------------------------------------------------------
def test_meta_keys_are_the_core_ones_plus_the_dialects() -> None:
    from clickorm.model.meta import CORE_KEYS, known_keys

    manager = PluginManager()
    assert "engine" in manager.get_dialect("clickhouse").table_options
    assert "toy_storage" in manager.get_dialect("toydb").table_options
    assert set(known_keys()) == set(CORE_KEYS) | manager.table_options()


def test_a_dialect_declared_meta_key_reaches_the_table() -> None:
    class Toy(Model):
        id: int = Column(primary_key=True)

        class Meta:
            table_name = "toys"
            toy_storage = "heap"  # declared by the toydb plugin only

    assert Toy.__clickorm_meta__.get("toy_storage") == "heap"
    assert table_from_model(Toy).options["toy_storage"] == "heap"


def test_meta_keys_of_a_missing_dialect_are_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLICKORM_DISABLE_PLUGINS", "toydb")
    reset_plugin_manager()
    try:
        with pytest.raises(SchemaError, match="unknown key 'toy_storage'"):
            class Toy(Model):
                id: int = Column(primary_key=True)

                class Meta:
                    toy_storage = "heap"
    finally:
        reset_plugin_manager()


def test_table_options_must_be_identifiers() -> None:
    manager = PluginManager(load_entrypoints=False, disabled=())
    info = manager.register(plugin_returning(
        make_dialect("opts", table_options=frozenset({"not a key"}))), "opts")
    assert "table_options must be a frozenset of Meta key names" in info.errors[0].error


# -- insert layout and key generation ----------------------------------------------------
class Gadget(Model):
    id: int | None = Column(primary_key=True, default=None)
    name: str

    class Meta:
        table_name = "gadgets"


@pytest.fixture
def on(request: pytest.FixtureRequest) -> Iterator[BaseConnection]:
    reset_managers()
    manager = use(request.param)
    conn = manager.connection()
    conn.execute('CREATE TABLE "gadgets" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL)')
    yield conn
    reset_managers()


def test_declared_properties_of_the_installed_dialects() -> None:
    manager = PluginManager()
    declared = {name: (d.insert_layout, d.key_generation) for name, d in manager.dialects.items()}
    assert declared == {
        "clickhouse": ("columns", "none"),
        "sqlite": ("rows", "lastrowid"),
        "toydb": ("columns", "returning"),
    }


@pytest.mark.parametrize("on", ["sqlite://"], indirect=True)
def test_sqlite_reads_the_key_from_lastrowid(on: BaseConnection) -> None:
    sent: list[str] = []
    on.listeners.append(lambda sql, params: sent.append(sql))
    gadget = Gadget.create(name="a")
    assert gadget.id == 1 and not any("RETURNING" in s for s in sent)
    Gadget.insert_many([Gadget(id=5, name="b"), Gadget(id=6, name="c")])
    assert any("<2 rows>" in s for s in sent) and Gadget.query.count() == 3


@pytest.mark.parametrize("on", ["toydb://"], indirect=True)
def test_toydb_reads_the_key_from_returning_and_inserts_columns(on: BaseConnection) -> None:
    sent: list[str] = []
    on.listeners.append(lambda sql, params: sent.append(sql))
    first, second = Gadget.create(name="a"), Gadget.create(name="b")
    assert (first.id, second.id) == (1, 2)
    assert sent[0].endswith('RETURNING "id"')
    Gadget.insert_many([Gadget(id=7, name="c"), Gadget(id=8, name="d")])
    assert on.column_inserts == 1  # type: ignore[attr-defined]
    assert sorted(Gadget.query.pluck("id")) == [1, 2, 7, 8]


@pytest.mark.parametrize("on", ["toydb://"], indirect=True)
def test_key_generation_none_refuses_unset_keys(on: BaseConnection) -> None:
    on.dialect = dataclasses.replace(on.dialect, key_generation="none")
    with pytest.raises(QueryError, match="does not generate keys"):
        Gadget.insert_many([Gadget(id=1, name="a"), Gadget(name="b")])


def test_clickhouse_inserts_columns_and_generates_no_keys() -> None:
    from clickorm.model.persistence import RowWriter

    reset_managers()
    try:
        conn = use("clickhouse+embedded://").connection()
        writer = RowWriter(conn)
        assert conn.dialect.insert_layout == "columns" and not writer.generates_keys()
    finally:
        reset_managers()


def test_invalid_layout_and_key_generation_are_refused() -> None:
    manager = PluginManager(load_entrypoints=False, disabled=())
    info = manager.register(plugin_returning(
        make_dialect("bad", insert_layout="diagonal", key_generation="guess")), "bad")
    error = info.errors[0].error
    assert "insert_layout 'diagonal' must be one of rows, columns" in error
    assert "key_generation 'guess' must be one of returning, lastrowid, none" in error


# -- the connection protocol is declared ---------------------------------------------------
def test_the_connection_protocol_declares_what_the_core_reads() -> None:
    class Bare(BaseConnection):
        def _execute(self, sql: str, params: Any) -> Any:
            raise NotImplementedError

        def close(self) -> None:
            pass

    conn = Bare()
    assert (conn.shared_across_threads, conn.cluster, conn.update_mode, conn.server_timezone,
            conn.server_version, conn.waits_for_mutations) == (False, None, None, None, None, False)
    assert conn.column_encoder(object()) is None


def test_streams_name_their_columns_through_rowstream() -> None:
    reset_managers()
    try:
        conn = use("sqlite://").connection()
        stream = conn._stream("SELECT 1 AS a, 2 AS b", None, 10)
        assert isinstance(stream, RowStream) and stream.columns == ["a", "b"]
        assert next(stream) == (1, 2)
        columns, rows = conn.stream_with_columns("SELECT 3 AS c")
        assert (columns, list(rows)) == (["c"], [(3,)])
    finally:
        reset_managers()


PROBE = re.compile(r"(getattr|hasattr)\((self\.)?(conn|connection|rows|stream|rows_iter)\b")


def test_no_connection_or_stream_is_probed() -> None:
    roots = [CORE, *(Path(__file__).parents[1] / "plugins").glob("*/clickorm_*")]
    found = [
        f"{path}:{n}"
        for root in roots
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if PROBE.search(line)
    ]
    assert found == []
