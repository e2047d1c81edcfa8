"""ToyDB's DDL compiler: the core platform as is."""

from clickorm.dialects import BasePlatform


class ToyPlatform(BasePlatform):
    """ToyDB DDL."""

    dialect_name = "toydb"
