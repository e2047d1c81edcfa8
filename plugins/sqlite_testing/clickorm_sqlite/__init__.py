"""ClickORM's SQLite dialect: hook implementations only (sqlite3 loads lazily)."""

from __future__ import annotations

from clickorm.dialects import API_VERSION, Capabilities, Dialect, ProjectStarter, hookimpl

__version__ = "0.1.0"


@hookimpl
def clickorm_dialects() -> list[Dialect]:
    from clickorm_sqlite.grammar import SQLiteGrammar
    from clickorm_sqlite.platform import SQLitePlatform

    return [
        Dialect(
            name="sqlite",
            api_version=API_VERSION,
            grammar=SQLiteGrammar,
            platform=SQLitePlatform,
            connections={"sqlite3": "clickorm_sqlite.connection:connect"},
            # the options the connection reads (any other is refused when it opens)
            default_driver="sqlite3",
            url_schemes={"sqlite": "sqlite3", "sqlite+sqlite3": "sqlite3"},
            paramstyle="qmark",
            capabilities=Capabilities(
                {"transactions", "nested_transactions", "cte", "union", "right_join", "full_join"}
            ),
            insert_layout="rows",
            key_generation="lastrowid",
            starters=(ProjectStarter(
                flag="sqlite", order=20, label="SQLite (a file)", url="sqlite:///{}",
                about="SQLite: a file (relative to this file)", ask="SQLite file",
                default="app.db"),),
            # CREATE TABLE options the platform reads from Meta.options (strict,
            # without_rowid); no Meta keys of its own
            table_options=frozenset(),
            # seconds to wait for a shared in-memory connection's lock; any other option
            # is refused when a connection opens
            connection_options={"sqlite3": frozenset({"timeout"})},
            description="SQLite through the standard library's sqlite3 (offline tests, reference dialect)",
        )
    ]
