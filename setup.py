"""Builds the optional C loops; all other packaging metadata is in pyproject.toml.

``optional=True``: on a machine without a C compiler the build warns and installs the
pure-Python package, which runs the same (slower) loops (see clickorm/speedups.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("clickorm._speedups", ["framework/clickorm/_speedups.c"], optional=True),
    ],
)
