"""Builds the optional C loop; all other packaging metadata is in pyproject.toml.

``optional=True``: on a machine without a C compiler the build warns and installs the
pure-Python package, which runs the same conversion in Python (clickorm_clickhouse/datetimes.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "clickorm_clickhouse._datetimes",
            ["clickorm_clickhouse/_datetimes.c"],
            optional=True,
        ),
    ],
)
