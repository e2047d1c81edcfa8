"""Plugin discovery through real entry points, validation, failures and lookup.

The installed plugins (clickorm-sqlite, clickorm-clickhouse and the third-party test
plugin clickorm-toydb) are discovered by the real mechanism. The broken and clashing
plugins are pip-installed once per session into a temporary ``--target`` directory and
exercised in a subprocess with ``PYTHONPATH`` pointing there, exactly as a user who
installed them would see it, without polluting the shared test environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from clickorm.errors import PluginError
from clickorm.plugins import API_VERSION, Dialect, hookimpl
from clickorm.plugins.manager import (
    PluginManager,
    get_plugin_manager,
    reset_plugin_manager,
    validate_dialect,
)
from clickorm.query.grammar import BaseGrammar
from clickorm.schema.platform import BasePlatform

pytestmark = pytest.mark.usefixtures("clean_env")

HERE = Path(__file__).parent
TEST_PLUGINS = HERE / "plugins"


# -- helpers: in-process plugins built from the public API --------------------------------
class Grammar(BaseGrammar):
    pass


class Platform(BasePlatform):
    pass


def make_dialect(name: str = "fake", **overrides: Any) -> Dialect:
    values: dict[str, Any] = dict(
        name=name,
        api_version=API_VERSION,
        grammar=Grammar,
        platform=Platform,
        connections={"drv": "fake_module:connect"},
        default_driver="drv",
        url_schemes={name: "drv", f"{name}+drv": "drv"},
        paramstyle="qmark",
    )
    values.update(overrides)
    return Dialect(**values)


def plugin_returning(value: Any) -> type:
    class Plugin:
        @hookimpl
        def clickorm_dialects(self) -> Any:
            return value

    return Plugin


def empty_manager() -> PluginManager:
    return PluginManager(load_entrypoints=False, disabled=())


# -- the real installed plugins ------------------------------------------------------------
def test_installed_plugins_are_discovered() -> None:
    manager = PluginManager()
    listing = {p["name"]: p for p in manager.listing()}
    assert listing["sqlite"]["distribution"] == "clickorm-sqlite"
    assert listing["clickhouse"]["distribution"] == "clickorm-clickhouse"
    toy = listing["toydb"]
    assert (toy["distribution"], toy["version"], toy["target"]) == (
        "clickorm-toydb",
        "0.4.2",
        "clickorm_toydb",
    )
    assert toy["dialects"] == ["toydb"]
    assert toy["hooks"] == ["clickorm_cli_commands", "clickorm_dialects"]
    assert toy["errors"] == []
    assert {"sqlite", "clickhouse", "toydb"} <= set(manager.dialects)
    assert manager.failures == []


def test_third_party_dialect_is_usable() -> None:
    toy = PluginManager().get_dialect("toydb")
    assert issubclass(toy.grammar, BaseGrammar) and issubclass(toy.platform, BasePlatform)
    assert toy.connection_factory().__module__ == "clickorm_toydb.connection"


def test_unknown_dialect_suggests_and_lists() -> None:
    manager = PluginManager()
    installed = ", ".join(sorted(manager.dialects))
    with pytest.raises(PluginError) as info:
        manager.get_dialect("clikhouse")
    assert str(info.value) == (
        f"Unknown dialect 'clikhouse'. Did you mean 'clickhouse'? Installed: {installed}"
    )
    with pytest.raises(PluginError, match=r"^Unknown dialect 'zzz'\. Installed: "):
        manager.get_dialect("zzz")


def test_a_dialect_not_installed_says_how_to_install_it() -> None:
    """Was only "Unknown dialect 'clickhouse'. Installed: fake" on a machine with
    clickorm-sqlite alone: nothing said a plugin was missing."""
    manager = empty_manager()
    manager.register(plugin_returning([make_dialect("fake")])(), "fake")
    with pytest.raises(PluginError) as info:
        manager.get_dialect("clickhouse")
    assert str(info.value) == (
        "Unknown dialect 'clickhouse'. Installed: fake. No installed plugin provides it: "
        "install the one that does (by convention `pip install clickorm-clickhouse`)")


def test_dialect_for_scheme() -> None:
    manager = PluginManager()
    ch = manager.get_dialect("clickhouse")
    assert manager.dialect_for_scheme("clickhouse") == (ch, "native")
    assert manager.dialect_for_scheme("clickhouse+embedded") == (ch, "embedded")
    assert manager.dialect_for_scheme("chdb") == (ch, "embedded")  # an alias scheme
    assert manager.dialect_for_scheme("sqlite")[1] == "sqlite3"
    assert manager.dialect_for_scheme("sqlite+sqlite3")[1] == "sqlite3"
    with pytest.raises(PluginError, match="no driver 'http'.*Available drivers: native, embedded"):
        manager.dialect_for_scheme("clickhouse+http")
    with pytest.raises(PluginError, match="Did you mean 'sqlite'"):
        manager.dialect_for_scheme("sqlit")


def test_disable_plugins_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLICKORM_DISABLE_PLUGINS", "toydb, clickhouse")
    manager = PluginManager()
    assert "toydb" not in manager.dialects and "sqlite" in manager.dialects
    listing = {p["name"]: p for p in manager.listing()}
    assert listing["toydb"]["disabled"] and listing["toydb"]["version"] == "0.4.2"
    with pytest.raises(PluginError, match="disabled by CLICKORM_DISABLE_PLUGINS"):
        manager.get_dialect("clickhouse")


def test_hook_relay_is_exposed() -> None:
    manager = PluginManager()
    assert manager.hook.clickorm_register_types.spec is not None
    assert manager.hook is manager.pm.hook


# -- validation of in-process plugins ------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nope", "must return a list of Dialect, got str"),
        (["nope"], "expected a clickorm.plugins.Dialect, got str"),
        ([make_dialect(api_version="2.0")], "api_version '2.0' is incompatible"),
        ([make_dialect(api_version="x")], "api_version 'x' is incompatible"),
        (
            [make_dialect(grammar=object)],
            "must be a subclass of clickorm.query.grammar.BaseGrammar",
        ),
        ([make_dialect(platform=Grammar)], "clickorm.schema.platform.BasePlatform"),
        ([make_dialect(connections={"drv": "no colon"})], "'package.module:attr' string"),
        ([make_dialect(connections={"drv": 42})], "must be callable, got int"),
        ([make_dialect(connections={})], "at least one driver"),
        ([make_dialect(default_driver="other")], "default_driver 'other' is not one of"),
        ([make_dialect(url_schemes={"fake+x": "x"})], "selects driver 'x', which is not one"),
        ([make_dialect(name="Bad Name")], "must be lower-case letters"),
        ([make_dialect(connection_options={"drv3": {"timeout"}})],
         "connection_options names driver 'drv3', which is not one of the drivers drv"),
        ([make_dialect(connection_options={"drv": {3}})],
         "connection_options of driver 'drv' must be option names (strings)"),
        ([make_dialect(connection_options={"drv": "timeout"})],
         "connection_options of driver 'drv' must be option names (strings) in a set"),
    ],
)
def test_invalid_dialects_are_recorded(value: Any, expected: str) -> None:
    manager = empty_manager()
    good = manager.register(plugin_returning([make_dialect("good")])(), "good")
    bad = manager.register(plugin_returning(value)(), "bad", distribution="bad-dist", version="9")
    assert good.errors == [] and "good" in manager.dialects
    assert len(bad.errors) == 1, bad.errors
    failure = bad.errors[0]
    assert (failure.plugin, failure.distribution, failure.version, failure.phase) == (
        "bad",
        "bad-dist",
        "9",
        "validation",
    )
    assert expected in failure.error
    assert list(manager.dialects) == ["good"]


def test_api_version_error_names_both_versions() -> None:
    problems = validate_dialect(make_dialect(api_version="7.3"))
    assert problems == [
        f"api_version '7.3' is incompatible with this clickorm's plugin API version "
        f"{API_VERSION!r} (the major versions must match); upgrade the plugin or clickorm"
    ]
    manager = empty_manager()
    manager.register(plugin_returning([make_dialect("old", api_version="7.3")])(), "old")
    with pytest.raises(PluginError, match=r"dialect 'old': api_version '7.3' is incompatible"):
        manager.get_dialect("old")


def test_a_compatible_minor_version_is_accepted() -> None:
    major = API_VERSION.split(".")[0]
    assert validate_dialect(make_dialect(api_version=f"{major}.99")) == []


def test_callable_factories_are_accepted() -> None:
    assert validate_dialect(make_dialect(connections={"drv": lambda c, d: None})) == []


def test_hook_that_raises_is_recorded_and_reported_for_its_dialect() -> None:
    class Exploding:
        @hookimpl
        def clickorm_dialects(self) -> list[Dialect]:
            raise RuntimeError("driver table is corrupt")

    manager = empty_manager()
    manager.register(plugin_returning([make_dialect("good")])(), "good")
    info = manager.register(Exploding(), "boom", distribution="clickorm-boom", version="1.2")
    assert info.errors[0].phase == "hook"
    assert (
        info.errors[0].error == "clickorm_dialects() raised RuntimeError: driver table is corrupt"
    )
    assert "good" in manager.dialects
    with pytest.raises(PluginError) as exc:
        manager.get_dialect("boom")
    assert str(exc.value) == (
        "Dialect 'boom' is unavailable: plugin 'boom' (clickorm-boom 1.2) failed in a hook: "
        "clickorm_dialects() raised RuntimeError: driver table is corrupt"
    )


def test_unknown_hook_fails_check_pending() -> None:
    class Typo:
        @hookimpl
        def clickorm_dialect(self) -> list[Dialect]:  # missing "s"
            return []

    manager = empty_manager()
    typo = Typo()
    info = manager.register(typo, "typo")
    assert info.errors[0].phase == "validation"
    assert "clickorm_dialect" in info.errors[0].error and "unknown hook" in info.errors[0].error
    assert not manager.pm.is_registered(typo)
    assert manager.register(plugin_returning([make_dialect("ok")])(), "ok").errors == []


def test_two_plugins_claiming_one_dialect() -> None:
    manager = empty_manager()
    manager.register(
        plugin_returning([make_dialect("shared")])(), "one", distribution="dist-one", version="1"
    )
    manager.register(
        plugin_returning([make_dialect("shared")])(), "two", distribution="dist-two", version="2"
    )
    with pytest.raises(PluginError) as info:
        manager.get_dialect("shared")
    message = str(info.value)
    assert "Dialect 'shared' is provided by more than one plugin" in message
    assert "dist-one 1 (plugin 'one')" in message and "dist-two 2 (plugin 'two')" in message
    assert "CLICKORM_DISABLE_PLUGINS=one or CLICKORM_DISABLE_PLUGINS=two" in message
    assert "shared" not in manager.dialects
    assert all(p.errors and p.errors[0].error == message for p in manager.plugins)


def test_two_plugins_claiming_one_url_scheme() -> None:
    """A plugin that also registers another dialect's scheme (``sqlite://``) does not take
    it over silently (the alphabetically first dialect won): the scheme is refused with
    both plugins named, and each dialect keeps its other schemes."""
    manager = empty_manager()
    manager.register(
        plugin_returning([make_dialect("real")])(), "real", distribution="dist-real", version="1"
    )
    hijack = make_dialect("aaa", url_schemes={"aaa": "drv", "real": "drv"})
    manager.register(plugin_returning([hijack])(), "aaa", distribution="dist-aaa", version="2")
    with pytest.raises(PluginError) as info:
        manager.dialect_for_scheme("real")
    message = str(info.value)
    assert "URL scheme 'real' is registered by more than one dialect" in message, message
    assert "'aaa' (dist-aaa 2, plugin 'aaa')" in message
    assert "'real' (dist-real 1, plugin 'real')" in message
    assert "CLICKORM_DISABLE_PLUGINS=aaa" in message
    assert manager.dialect_for_scheme("aaa")[0].name == "aaa"
    assert manager.dialect_for_scheme("real+drv")[0].name == "real"
    assert all(p.errors and p.errors[0].error == message for p in manager.plugins)


def test_disabled_in_process_plugin() -> None:
    manager = PluginManager(load_entrypoints=False, disabled=["off"])
    info = manager.register(plugin_returning([make_dialect("off")])(), "off")
    assert info.disabled and "off" not in manager.dialects


def test_call_each_isolates_failures() -> None:
    class Good:
        @hookimpl
        def clickorm_cli_commands(self, subparsers: Any) -> None:
            subparsers.append("good")

    class Bad:
        @hookimpl
        def clickorm_cli_commands(self, subparsers: Any) -> None:
            raise ValueError("bad command")

    manager = empty_manager()
    manager.register(Bad(), "bad")
    manager.register(Good(), "good")
    seen: list[str] = []
    results = manager.call_each("clickorm_cli_commands", subparsers=seen)
    assert seen == ["good"]
    assert [info.name for info, _ in results] == ["good"]
    bad = next(p for p in manager.plugins if p.name == "bad")
    assert bad.errors[0].phase == "hook" and "ValueError: bad command" in bad.errors[0].error


# -- the process-wide manager ---------------------------------------------------------------
def test_default_manager_is_built_once_across_threads() -> None:
    reset_plugin_manager()
    try:
        seen: list[PluginManager] = []
        threads = [
            threading.Thread(target=lambda: seen.append(get_plugin_manager())) for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(m) for m in seen}) == 1
        assert get_plugin_manager() is seen[0]
        custom = empty_manager()
        reset_plugin_manager(custom)
        assert get_plugin_manager() is custom
    finally:
        reset_plugin_manager()


# -- broken and clashing third-party distributions, installed for real ----------------------
@pytest.fixture(scope="session")
def third_party(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """pip-install tests/plugins/{broken,clash} once into a --target dir; one dir each."""
    root = tmp_path_factory.mktemp("third_party")
    sources = root / "src"
    for name in ("broken", "clash"):
        shutil.copytree(TEST_PLUGINS / name, sources / name)  # builds leave no trace in tests/
    target = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(sources / "broken"),
            str(sources / "clash"),
        ],
        check=True,
        capture_output=True,
    )
    dirs: dict[str, Path] = {}
    for name, version in (("broken", "0.3.1"), ("clash", "0.2.0")):
        only = root / name
        only.mkdir()
        for entry in (f"clickorm_{name}", f"clickorm_{name}-{version}.dist-info"):
            (only / entry).symlink_to(target / entry)
        dirs[name] = only
    return dirs


def run_clickorm(pythonpath: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    full_env = {**os.environ, "PYTHONPATH": str(pythonpath), **(env or {})}
    for name in ("CLICKORM_DISABLE_PLUGINS", "CLICKORM_CONFIG", "CLICKORM_URL"):
        if name not in (env or {}):
            full_env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "clickorm.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_broken_plugin_is_shown_without_hiding_the_others(third_party: dict[str, Path]) -> None:
    proc = run_clickorm(third_party["broken"], "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    plugins = {p["name"]: p for p in json.loads(proc.stdout)}
    broken = plugins["broken"]
    assert (broken["distribution"], broken["version"]) == ("clickorm-broken", "0.3.1")
    assert broken["errors"] == [
        {
            "plugin": "broken",
            "distribution": "clickorm-broken",
            "version": "0.3.1",
            "phase": "import",
            "error": "ModuleNotFoundError: No module named 'clickorm_broken_missing_driver'",
        }
    ]
    for name in ("sqlite", "clickhouse", "toydb"):
        assert plugins[name]["dialects"] == [name] and plugins[name]["errors"] == []


def test_broken_plugin_text_listing_and_dialect_error(third_party: dict[str, Path]) -> None:
    proc = run_clickorm(third_party["broken"], "plugins")
    assert "clickorm-broken 0.3.1" in proc.stdout
    assert "[import] ModuleNotFoundError: No module named 'clickorm_broken_missing_driver'" in (
        proc.stdout
    )
    assert "dialect  sqlite (drivers: sqlite3" in proc.stdout
    code = (
        "from clickorm.plugins.manager import get_plugin_manager as g\n"
        "m = g()\n"
        "print(m.get_dialect('sqlite').name)\n"
        "m.get_dialect('broken')\n"
    )
    snippet = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(third_party["broken"])},
        timeout=60,
    )
    assert snippet.stdout == "sqlite\n"
    assert (
        "clickorm.errors.PluginError: Dialect 'broken' is unavailable: plugin 'broken' "
        "(clickorm-broken 0.3.1) failed to import: ModuleNotFoundError: "
        "No module named 'clickorm_broken_missing_driver'"
    ) in snippet.stderr


def test_clashing_plugin_names_both_distributions(third_party: dict[str, Path]) -> None:
    proc = run_clickorm(third_party["clash"], "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    plugins = {p["name"]: p for p in json.loads(proc.stdout)}
    expected = (
        "Dialect 'sqlite' is provided by more than one plugin: "
        "clickorm-clash 0.2.0 (plugin 'clash') and clickorm-sqlite 0.1.0 (plugin 'sqlite')"
    )
    for name in ("clash", "sqlite"):
        assert plugins[name]["errors"][0]["error"].startswith(expected)
        assert plugins[name]["errors"][0]["phase"] == "validation"
    assert plugins["clickhouse"]["errors"] == [] and plugins["toydb"]["errors"] == []

    # asking for the clashing dialect says why; disabling one plugin resolves it
    proc = run_clickorm(third_party["clash"], "config", "--json", env={"CLICKORM_URL": "sqlite://"})
    data = json.loads(proc.stdout)
    assert data["connections"]["default"]["error"].startswith(expected)
    proc = run_clickorm(
        third_party["clash"], "plugins", "--json", env={"CLICKORM_DISABLE_PLUGINS": "clash"}
    )
    plugins = {p["name"]: p for p in json.loads(proc.stdout)}
    assert plugins["clash"]["disabled"] and plugins["sqlite"]["errors"] == []


@pytest.mark.parametrize("first", [
    "import clickorm_sqlite",
    "from clickorm_clickhouse.engines import ReplacingMergeTree",
    "import clickorm_toydb",
])
def test_a_plugin_imported_before_clickorm_still_provides_its_dialect(first: str) -> None:
    """A script whose first import is a plugin's (``from clickorm_clickhouse.engines
    import ...``) imports ``clickorm`` from inside that plugin's import. Defining
    ``Model`` must not load the plugins then: the half-imported plugin would register
    without its hooks and its dialect would be missing."""
    code = (f"{first}\n"
            "from clickorm.plugins.manager import get_plugin_manager\n"
            "pm = get_plugin_manager()\n"
            "print(sorted(pm.dialects), [p.errors for p in pm.plugins if p.errors])\n")
    env = {k: v for k, v in os.environ.items() if k != "CLICKORM_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['clickhouse', 'sqlite', 'toydb'] []"


def test_a_plugin_module_still_being_imported_is_reported_not_registered_hookless() -> None:
    import types as pytypes
    from importlib.machinery import ModuleSpec

    from clickorm.plugins.manager import _still_importing

    module = pytypes.ModuleType("half_done")
    module.__spec__ = ModuleSpec("half_done", None)
    assert not _still_importing(module)
    module.__spec__._initializing = True  # type: ignore[attr-defined]
    assert _still_importing(module)
    assert not _still_importing(object())
