"""The dialect author's API: what a plugin's writers may use of the ORM layer.

A dialect plugin imports from here (and from the engine's and query layer's public
modules), never from ``clickorm.model``: the names below are the row-writer contract
(the base class, primary keys, per-field codecs and the instance state a writer reads),
so the ORM's internals can change without breaking third-party dialects.
"""

from __future__ import annotations

from clickorm.model.builder import QueryBuilder
from clickorm.model.codecs import encoders_for, logical_types
from clickorm.model.persistence import RowWriter, primary_key_values
from clickorm.model.state import MISSING, state_of

__all__ = [
    "MISSING",
    "QueryBuilder",
    "RowWriter",
    "encoders_for",
    "logical_types",
    "primary_key_values",
    "state_of",
]
