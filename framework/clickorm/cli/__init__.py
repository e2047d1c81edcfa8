"""The ``clickorm`` console script (``clickorm.cli:main``; ``python -m clickorm.cli``)."""

from clickorm.cli.cli import COMMAND_MODULES, build_parser, main

__all__ = ["COMMAND_MODULES", "build_parser", "main"]
