"""Plugin contract (hookspecs, Dialect descriptor, typed capabilities) and discovery."""

from clickorm.plugins.dialect import (
    API_VERSION,
    Capabilities,
    Capability,
    Dialect,
    InsertLayout,
    KeyGeneration,
    ProjectStarter,
)
from clickorm.plugins.hookspecs import hookimpl, hookspec

__all__ = [
    "API_VERSION",
    "Capabilities",
    "Capability",
    "Dialect",
    "InsertLayout",
    "KeyGeneration",
    "ProjectStarter",
    "hookimpl",
    "hookspec",
]
