"""The README's ``User`` model, importable by its other snippets (``from user_model import User``).

The README's Models section shows this class; tests/test_readme_blocks.py checks the two
stay the same text.
"""

from datetime import datetime
from typing import Annotated

from clickorm import Column, Model, types
from clickorm_clickhouse.engines import ReplacingMergeTree


class User(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True)
    name: str = Column()
    email: str = Column(index=True)                      # a minmax skip index on ClickHouse
    country: Annotated[str, types.LowCardinality] = "NO"
    age: int | None = None                               # Nullable(Int64)
    deleted_at: datetime | None = None
    created_at: datetime = Column(default=datetime.utcnow)   # callables become factories
    updated_at: datetime = Column(default=datetime.utcnow)

    class Meta:
        table_name = "users"     # default: snake_case plural (PageView -> page_views)
        engine = ReplacingMergeTree(version="updated_at")   # or the string "MergeTree()"
        order_by = ("id",)       # also partition_by, primary_key, sample_by, ttl, final,
                                 # settings, cluster, indexes, projections, connection
