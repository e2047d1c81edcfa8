"""ToyDB: the smallest complete third-party dialect plugin (hook implementations only)."""

from __future__ import annotations

from typing import Any

from clickorm.dialects import API_VERSION, Capabilities, Dialect, hookimpl

__version__ = "0.4.2"


@hookimpl
def clickorm_dialects() -> list[Dialect]:
    from clickorm_toydb.grammar import ToyGrammar
    from clickorm_toydb.platform import ToyPlatform

    return [
        Dialect(
            name="toydb",
            api_version=API_VERSION,
            grammar=ToyGrammar,
            platform=ToyPlatform,
            # a lazy "module:attr" string: the driver loads when a connection opens
            connections={"memory": "clickorm_toydb.connection:connect"},
            default_driver="memory",
            url_schemes={"toydb": "memory", "toydb+memory": "memory"},
            paramstyle="qmark",
            capabilities=Capabilities({"transactions", "nested_transactions", "cte", "union"}),
            # sqlite3 underneath, but declared differently from clickorm-sqlite so the
            # core's reading of each property is tested on a third-party dialect
            insert_layout="columns",
            key_generation="returning",
            table_options=frozenset({"toy_storage"}),
            # the connection reads no options: any option is refused when it opens
            connection_options={"memory": frozenset()},
            embedded_default_url="toydb://",
            description="test-only dialect backed by sqlite3",
        )
    ]


@hookimpl
def clickorm_cli_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser("toydb-hello", help="say hello from the toydb plugin")
    parser.add_argument("--name", default="world")
    parser.set_defaults(func=_hello)


def _hello(args: Any) -> int:
    print(f"hello {args.name} from toydb")
    return 0
