"""ToyDB's DDL compiler: the core's ANSI platform, with what sqlite3 underneath differs in.

Integers of every width are ``INTEGER`` (so a single integer primary key is the rowid
and generated); dates and naive datetimes are stored as ISO text, booleans as 0/1.
Types it cannot store exactly are refused when the table is compiled: UInt64 and wider
(the ANSI table has none), DECIMAL (NUMERIC affinity would round), time zones. Changing
a column or the primary key uses the core's table rebuild.
"""

from __future__ import annotations

import datetime as dt

from clickorm.dialects import (
    BasePlatform,
    Codec,
    DateTime,
    Decimal,
    Integer,
    LogicalType,
    SchemaError,
    none_safe,
)


class ToyPlatform(BasePlatform):
    """ToyDB DDL."""

    dialect_name = "toydb"
    #: changing a column or the primary key rebuilds the table (the core's rebuild)
    rebuilds_tables = True

    def type_sql_integer(self, logical: Integer) -> str:
        if self.ansi_type_sql(logical) is None:
            raise SchemaError(f"toydb cannot store {logical!r} (its INTEGER is 64-bit signed)")
        return "INTEGER"

    def type_sql_decimal(self, logical: Decimal) -> str:
        raise SchemaError(f"toydb cannot store {logical!r} exactly (NUMERIC affinity rounds)")

    def type_sql_datetime(self, logical: DateTime) -> str:
        if logical.timezone:
            raise SchemaError(f"toydb stores naive datetimes only, not {logical!r}")
        return "TIMESTAMP"

    def make_encoder(self, logical: LogicalType) -> Codec | None:
        if logical.kind == "date":
            return none_safe(dt.date.isoformat)
        if logical.kind in ("datetime", "datetime64"):
            return none_safe(lambda v: v.isoformat(sep=" "))
        return super().make_encoder(logical)

    def make_decoder(self, logical: LogicalType) -> Codec | None:
        if logical.kind == "date":
            return none_safe(dt.date.fromisoformat)
        if logical.kind in ("datetime", "datetime64"):
            return none_safe(dt.datetime.fromisoformat)
        if logical.kind == "boolean":
            return none_safe(bool)
        return super().make_decoder(logical)
