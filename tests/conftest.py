"""Shared pytest configuration for the core's tests.

Kept minimal on purpose: fixtures live next to the tests that use them. The third-party
test plugins are under tests/plugins/ (toydb is installed into the test environment;
broken and clash are installed per test session into a temporary --target directory).
"""

from __future__ import annotations

import pytest

CLICKORM_ENV = ("CLICKORM_CONFIG", "CLICKORM_URL", "CLICKORM_DISABLE_PLUGINS")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CLICKORM_* variables from the developer's shell leak into the test."""
    for name in CLICKORM_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
