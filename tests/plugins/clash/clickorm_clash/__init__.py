"""A valid dialect plugin whose dialect name collides with clickorm-sqlite's."""

from __future__ import annotations

from clickorm.plugins import API_VERSION, Dialect, hookimpl
from clickorm.query.grammar import BaseGrammar
from clickorm.schema.platform import BasePlatform


class ClashGrammar(BaseGrammar):
    pass


class ClashPlatform(BasePlatform):
    pass


@hookimpl
def clickorm_dialects() -> list[Dialect]:
    return [
        Dialect(
            name="sqlite",
            api_version=API_VERSION,
            grammar=ClashGrammar,
            platform=ClashPlatform,
            connections={"fake": "clickorm_clash.driver:connect"},
            default_driver="fake",
            url_schemes={"sqlite+fake": "fake"},
            paramstyle="qmark",
        )
    ]
