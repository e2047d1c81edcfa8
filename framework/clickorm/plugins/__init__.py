"""Plugin contract (hookspecs, Dialect descriptor) and discovery."""

from clickorm.plugins.dialect import API_VERSION, Dialect
from clickorm.plugins.hookspecs import hookimpl, hookspec

__all__ = ["API_VERSION", "Dialect", "hookimpl", "hookspec"]
