"""ClickHouse table engines as frozen descriptors: what ``Meta.engine`` names.

``Meta.engine`` may be an engine object (``ReplacingMergeTree(version="updated_at")``),
an engine class (``MergeTree``) or SQL text (``"MergeTree()"``, as the seed writes it, or
``system.tables.engine_full``); :func:`parse_engine` turns all three into one descriptor.

Every descriptor has:

- ``name``: the engine as ClickHouse spells it (``"ReplicatedReplacingMergeTree"``);
- ``family``: the write-relevant family without replication (``"ReplacingMergeTree"``),
  which engine-aware writes dispatch on;
- ``version`` / ``sign`` / ``is_deleted``: the columns the writer reads (``None`` when
  the engine has none);
- ``replicated`` and ``is_merge_tree``;
- ``engine_sql()``: the ``ENGINE = ...`` body (``ReplacingMergeTree(`updated_at`)``).

Replicated engines are subclasses of their family (``ReplicatedReplacingMergeTree`` is a
``ReplacingMergeTree``), with keyword-only ``zoo_path`` and ``replica`` that default to
the usual macros; ``ReplacingMergeTree(...).replicated()`` gives the same object.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, overload

from clickorm.errors import SchemaError
from clickorm_clickhouse.literals import quote_string
from clickorm_clickhouse.quoting import quote_identifier
from clickorm_clickhouse.sqltext import Scan

__all__ = [
    "unreplicated",
    "DEFAULT_ZOO_PATH",
    "DEFAULT_REPLICA",
    "Engine",
    "MergeTreeEngine",
    "MergeTree",
    "ReplacingMergeTree",
    "SummingMergeTree",
    "AggregatingMergeTree",
    "CollapsingMergeTree",
    "VersionedCollapsingMergeTree",
    "ReplicatedMergeTree",
    "ReplicatedReplacingMergeTree",
    "ReplicatedSummingMergeTree",
    "ReplicatedAggregatingMergeTree",
    "ReplicatedCollapsingMergeTree",
    "ReplicatedVersionedCollapsingMergeTree",
    "Distributed",
    "Memory",
    "Log",
    "TinyLog",
    "StripeLog",
    "Null",
    "Buffer",
    "RawEngine",
    "ENGINES",
    "parse_engine",
    "engine_family",
    "split_args",
]

DEFAULT_ZOO_PATH = "/clickhouse/tables/{shard}/{database}/{table}"
DEFAULT_REPLICA = "{replica}"

Quote = Callable[[str], str]


def _check_column(engine: str, what: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise SchemaError(
            f"{engine}: {what} must be a column name (a non-empty str), got {value!r}"
        )


class Engine:
    """Base of every engine descriptor (subclasses are frozen dataclasses)."""

    #: ClickHouse's name for the engine family (replication not included)
    family: ClassVar[str] = ""
    #: the columns engine-aware writes read; None when the engine has none
    version: str | None = None
    sign: str | None = None
    is_deleted: str | None = None
    replicated: ClassVar[bool] = False
    is_merge_tree: ClassVar[bool] = False
    #: whether the engine takes a parenthesised argument list even when empty
    _always_parens: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return ("Replicated" if self.replicated else "") + self.family

    def args_sql(self, quote: Quote = quote_identifier) -> list[str]:
        """The engine arguments as SQL (subclasses add theirs)."""
        return []

    def engine_sql(self, quote: Quote = quote_identifier) -> str:
        """The ``ENGINE =`` body: ``ReplacingMergeTree(`ver`)``, ``Memory``."""
        args = self.args_sql(quote)
        if args or self._always_parens:
            return f"{self.name}({', '.join(args)})"
        return self.name

    def __str__(self) -> str:
        return self.engine_sql()


# -- the MergeTree family ------------------------------------------------------------------
@dataclass(frozen=True)
class MergeTreeEngine(Engine):
    """Shared base of the MergeTree family (not an engine itself)."""

    is_merge_tree: ClassVar[bool] = True
    _always_parens: ClassVar[bool] = True

    def family_args_sql(self, quote: Quote) -> list[str]:
        return []

    def args_sql(self, quote: Quote = quote_identifier) -> list[str]:
        return self.family_args_sql(quote)

    def replicated_variant(
        self, zoo_path: str | None = DEFAULT_ZOO_PATH, replica: str | None = DEFAULT_REPLICA
    ) -> MergeTreeEngine:
        """The Replicated* engine with this one's arguments."""
        cls = _REPLICATED_OF[type(self).family]
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        values.update(zoo_path=zoo_path, replica=replica)
        return cls(**values)


@dataclass(frozen=True)
class MergeTree(MergeTreeEngine):
    family: ClassVar[str] = "MergeTree"


@dataclass(frozen=True)
class ReplacingMergeTree(MergeTreeEngine):
    """Keeps the row with the highest ``version`` per sorting key (the last one if None).

    ``is_deleted`` (ClickHouse 23.2+) names a UInt8 column; 1 marks the key deleted.
    """

    family: ClassVar[str] = "ReplacingMergeTree"
    version: str | None = None
    is_deleted: str | None = None

    def __post_init__(self) -> None:
        _check_column(self.family, "version", self.version, optional=True)
        _check_column(self.family, "is_deleted", self.is_deleted, optional=True)
        if self.is_deleted is not None and self.version is None:
            raise SchemaError(
                "ReplacingMergeTree(is_deleted=...) needs a version column too: "
                "ReplacingMergeTree(version='updated_at', is_deleted='deleted')"
            )

    def family_args_sql(self, quote: Quote) -> list[str]:
        return [quote(c) for c in (self.version, self.is_deleted) if c is not None]


@dataclass(frozen=True)
class SummingMergeTree(MergeTreeEngine):
    """Sums numeric ``columns`` (all numeric non-key columns when None) per sorting key."""

    family: ClassVar[str] = "SummingMergeTree"
    #: a column name or names; stored as a tuple
    columns: tuple[str, ...] | str | None = None

    def __post_init__(self) -> None:
        if self.columns is not None:
            cols = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
            for c in cols:
                _check_column(self.family, "columns", c)
            if not cols:
                raise SchemaError("SummingMergeTree(columns=...) needs at least one column")
            object.__setattr__(self, "columns", cols)

    def family_args_sql(self, quote: Quote) -> list[str]:
        if not self.columns:
            return []
        if len(self.columns) == 1:
            return [quote(self.columns[0])]
        return ["(" + ", ".join(quote(c) for c in self.columns) + ")"]


@dataclass(frozen=True)
class AggregatingMergeTree(MergeTreeEngine):
    family: ClassVar[str] = "AggregatingMergeTree"


@dataclass(frozen=True)
class CollapsingMergeTree(MergeTreeEngine):
    """Rows with ``sign`` = 1 (state) and -1 (cancel) collapse pairwise per sorting key."""

    family: ClassVar[str] = "CollapsingMergeTree"
    # field(): required (a bare annotation would inherit Engine.sign = None as default)
    sign: str = field()

    def __post_init__(self) -> None:
        _check_column(self.family, "sign", self.sign)

    def family_args_sql(self, quote: Quote) -> list[str]:
        return [quote(self.sign)]


@dataclass(frozen=True)
class VersionedCollapsingMergeTree(MergeTreeEngine):
    """CollapsingMergeTree that collapses state/cancel pairs of the same ``version``."""

    family: ClassVar[str] = "VersionedCollapsingMergeTree"
    sign: str = field()
    version: str = field()

    def __post_init__(self) -> None:
        _check_column(self.family, "sign", self.sign)
        _check_column(self.family, "version", self.version)

    def family_args_sql(self, quote: Quote) -> list[str]:
        return [quote(self.sign), quote(self.version)]


@dataclass(frozen=True)
class _ReplicatedMixin:
    """Replicated* args: the ZooKeeper path and replica name (macros allowed).

    ``zoo_path=None`` and ``replica=None`` leave both out, so the server's
    ``default_replica_path`` / ``default_replica_name`` apply (ClickHouse 20.10+).
    Keyword-only, so they follow the family's own arguments in every subclass.
    """

    replicated: ClassVar[bool] = True
    family: ClassVar[str]
    zoo_path: str | None = field(default=DEFAULT_ZOO_PATH, kw_only=True)
    replica: str | None = field(default=DEFAULT_REPLICA, kw_only=True)

    if TYPE_CHECKING:  # the family's own arguments, from the engine this mixes into
        def family_args_sql(self, quote: Quote) -> list[str]: ...

    def __post_init__(self) -> None:
        parent = getattr(super(), "__post_init__", None)
        if parent is not None:
            parent()
        if (self.zoo_path is None) != (self.replica is None):
            raise SchemaError(
                f"Replicated{self.family}: give both zoo_path and replica, or neither "
                "(to use the server's default_replica_path / default_replica_name)"
            )
        for what in ("zoo_path", "replica"):
            value = getattr(self, what)
            if value is not None and (not isinstance(value, str) or not value):
                raise SchemaError(
                    f"Replicated{self.family}: {what} must be a non-empty str, got {value!r}"
                )

    def args_sql(self, quote: Quote = quote_identifier) -> list[str]:
        head = []
        if self.zoo_path is not None and self.replica is not None:
            head = [quote_string(self.zoo_path), quote_string(self.replica)]
        return head + self.family_args_sql(quote)


@dataclass(frozen=True)
class ReplicatedMergeTree(_ReplicatedMixin, MergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


@dataclass(frozen=True)
class ReplicatedReplacingMergeTree(_ReplicatedMixin, ReplacingMergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


@dataclass(frozen=True)
class ReplicatedSummingMergeTree(_ReplicatedMixin, SummingMergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


@dataclass(frozen=True)
class ReplicatedAggregatingMergeTree(_ReplicatedMixin, AggregatingMergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


@dataclass(frozen=True)
class ReplicatedCollapsingMergeTree(_ReplicatedMixin, CollapsingMergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


@dataclass(frozen=True)
class ReplicatedVersionedCollapsingMergeTree(_ReplicatedMixin, VersionedCollapsingMergeTree):
    """The replicated member of its family (see _ReplicatedMixin)."""


_REPLICATED_OF: dict[str, type[MergeTreeEngine]] = {
    c.family: c
    for c in (
        ReplicatedMergeTree,
        ReplicatedReplacingMergeTree,
        ReplicatedSummingMergeTree,
        ReplicatedAggregatingMergeTree,
        ReplicatedCollapsingMergeTree,
        ReplicatedVersionedCollapsingMergeTree,
    )
}


# -- other engines -------------------------------------------------------------------------
@dataclass(frozen=True)
class Distributed(Engine):
    """Reads/writes ``database.table`` on every shard of ``cluster``.

    ``sharding_key`` is an SQL expression (``"rand()"``, ``"cityHash64(user_id)"``);
    inserts into a Distributed table of more than one shard need it.
    """

    family: ClassVar[str] = "Distributed"
    cluster: str
    database: str
    table: str
    sharding_key: str | None = None
    policy_name: str | None = None

    def __post_init__(self) -> None:
        for what in ("cluster", "database", "table"):
            value = getattr(self, what)
            if not isinstance(value, str) or not value:
                raise SchemaError(f"Distributed: {what} must be a non-empty str, got {value!r}")
        if self.policy_name is not None and self.sharding_key is None:
            raise SchemaError("Distributed: policy_name needs a sharding_key before it")

    def args_sql(self, quote: Quote = quote_identifier) -> list[str]:
        args = [quote_string(self.cluster), quote_string(self.database), quote_string(self.table)]
        if self.sharding_key is not None:
            args.append(self.sharding_key)
        if self.policy_name is not None:
            args.append(quote_string(self.policy_name))
        return args


@dataclass(frozen=True)
class Memory(Engine):
    family: ClassVar[str] = "Memory"


@dataclass(frozen=True)
class Log(Engine):
    family: ClassVar[str] = "Log"


@dataclass(frozen=True)
class TinyLog(Engine):
    family: ClassVar[str] = "TinyLog"


@dataclass(frozen=True)
class StripeLog(Engine):
    family: ClassVar[str] = "StripeLog"


@dataclass(frozen=True)
class Null(Engine):
    """Discards inserts (a materialized view's source that stores nothing)."""

    family: ClassVar[str] = "Null"


@dataclass(frozen=True)
class Buffer(Engine):
    """Buffers inserts in RAM and flushes them to ``database.table``."""

    family: ClassVar[str] = "Buffer"
    database: str
    table: str
    num_layers: int = 16
    min_time: int = 10
    max_time: int = 100
    min_rows: int = 10_000
    max_rows: int = 1_000_000
    min_bytes: int = 10_000_000
    max_bytes: int = 100_000_000

    def __post_init__(self) -> None:
        for what in ("database", "table"):
            value = getattr(self, what)
            if not isinstance(value, str) or not value:
                raise SchemaError(f"Buffer: {what} must be a non-empty str, got {value!r}")
        for what in _BUFFER_NUMBERS:
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SchemaError(f"Buffer: {what} must be an int >= 0, got {value!r}")
        if self.num_layers < 1:
            raise SchemaError("Buffer: num_layers must be at least 1")

    def args_sql(self, quote: Quote = quote_identifier) -> list[str]:
        return [quote_string(self.database), quote_string(self.table)] + [
            str(getattr(self, what)) for what in _BUFFER_NUMBERS
        ]


_BUFFER_NUMBERS = (
    "num_layers", "min_time", "max_time", "min_rows", "max_rows", "min_bytes", "max_bytes",
)


@dataclass(frozen=True)
class RawEngine(Engine):
    """An engine this module has no descriptor for, kept as SQL (``Kafka(...)``, ...)."""

    sql: str = ""

    def __post_init__(self) -> None:
        if not self.sql.strip():
            raise SchemaError("RawEngine needs the engine SQL, e.g. RawEngine('Kafka(...)')")

    @property
    def name(self) -> str:
        match = _NAME_RE.match(self.sql.strip())
        return match.group(1) if match else self.sql.strip()

    @property
    def family(self) -> str:  # type: ignore[override]
        return engine_family(self.name)

    @property
    def replicated(self) -> bool:  # type: ignore[override]
        return self.name.startswith("Replicated")

    @property
    def is_merge_tree(self) -> bool:  # type: ignore[override]
        return self.family.endswith("MergeTree")

    def engine_sql(self, quote: Quote = quote_identifier) -> str:
        return self.sql.strip()


#: engine name (as ClickHouse spells it) -> descriptor class
_ALL: tuple[type[Engine], ...] = (
    MergeTree,
    ReplacingMergeTree,
    SummingMergeTree,
    AggregatingMergeTree,
    CollapsingMergeTree,
    VersionedCollapsingMergeTree,
    *_REPLICATED_OF.values(),
    Distributed,
    Memory,
    Log,
    TinyLog,
    StripeLog,
    Null,
    Buffer,
)
ENGINES: dict[str, type[Engine]] = {
    ("Replicated" if cls.replicated else "") + cls.family: cls for cls in _ALL
}

def unreplicated(engine: Engine) -> Engine:
    """The plain member of a Replicated* engine's family, with its other arguments (a
    scratch copy that needs no ZooKeeper path); other engines come back as they are."""
    if not engine.replicated:
        return engine
    cls = ENGINES.get(engine.family)
    if cls is None or not dataclasses.is_dataclass(engine):
        raise SchemaError(f"Cannot read the engine {engine.engine_sql()!r} without its "
                          "replication: write this migration's operations by hand")
    values = {f.name: getattr(engine, f.name) for f in dataclasses.fields(engine)
              if f.init and f.name not in ("zoo_path", "replica")}
    return cls(**values)


_FAMILY_PREFIXES = ("Replicated", "Shared")
_ENGINE_PREFIX = re.compile(r"^ENGINE\s*=\s*", re.IGNORECASE)
_NAME_RE = re.compile(r"`?([A-Za-z_][A-Za-z0-9_]*)`?")
#: where a table's ``engine_full`` stops being the engine and starts being table clauses
_CLAUSE_RE = re.compile(
    r"\s+(?:PARTITION\s+BY|ORDER\s+BY|PRIMARY\s+KEY|SAMPLE\s+BY|TTL|SETTINGS|COMMENT)\b",
    re.IGNORECASE,
)


def engine_family(name: str) -> str:
    """``"ReplicatedReplacingMergeTree"`` / ``"SharedMergeTree"`` -> the family name."""
    for prefix in _FAMILY_PREFIXES:
        if name.startswith(prefix) and name[len(prefix):].endswith("MergeTree"):
            return name[len(prefix):]
    return name


def split_args(text: str) -> list[str]:
    """Split an argument list at top-level commas (quotes and brackets respected)."""
    args: list[str] = []
    start = 0
    scan = Scan(text)
    for i, ch, depth in scan:
        if ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    if scan.open_quote or scan.depth:
        raise SchemaError(f"Unbalanced quotes or brackets in engine arguments {text!r}")
    last = text[start:].strip()
    if last or args:
        args.append(last)
    return args


def _unquote(arg: str) -> str:
    """An engine argument as a plain value: a string literal or identifier unquoted."""
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'`\"":
        quote = arg[0]
        # backslash escapes and doubled quotes, both of which ClickHouse writes
        return re.sub(r"\\(.)|" + re.escape(quote * 2), lambda m: m.group(1) or quote, arg[1:-1])
    return arg


def _split_engine(text: str) -> tuple[str, list[str] | None, str]:
    """``"Name(args) ORDER BY ..."`` -> (name, args or None, the engine part)."""
    text = text.strip()
    text = _ENGINE_PREFIX.sub("", text, count=1)
    match = _NAME_RE.match(text)
    if not match:
        raise SchemaError(f"Cannot read a ClickHouse engine from {text!r}")
    name = match.group(1)
    rest = text[match.end():].lstrip()
    if not rest.startswith("("):
        tail = _CLAUSE_RE.split(" " + rest, maxsplit=1)
        if tail[0].strip():
            raise SchemaError(f"Cannot read a ClickHouse engine from {text!r}")
        return name, None, name
    # the closing bracket of the engine's arguments
    i = next((j for j, ch, depth in Scan(rest) if ch == ")" and depth == 0), -1)
    depth = 1 if i < 0 else 0
    if depth:
        raise SchemaError(f"Unbalanced brackets in the engine {text!r}")
    after = rest[i + 1:]
    if after.strip() and not _CLAUSE_RE.match(" " + after.lstrip()):
        raise SchemaError(f"Unexpected text after the engine in {text!r}: {after.strip()!r}")
    return name, split_args(rest[1:i]), name + rest[: i + 1]


def _build(name: str, args: list[str], sql: str) -> Engine:
    cls = ENGINES.get(name)
    if cls is None:
        return RawEngine(sql)
    values = list(args)
    kwargs: dict[str, Any] = {}
    if cls.replicated:
        if len(values) >= 2 and values[0][:1] == "'" and values[1][:1] == "'":
            kwargs.update(zoo_path=_unquote(values[0]), replica=_unquote(values[1]))
            values = values[2:]
        else:
            kwargs.update(zoo_path=None, replica=None)
    family = cls.family
    try:
        if family == "SummingMergeTree" and values:
            if len(values) != 1:
                return RawEngine(sql)
            inner = values[0]
            if inner.startswith("(") and inner.endswith(")"):
                cols = tuple(_unquote(c) for c in split_args(inner[1:-1]))
            else:
                cols = (_unquote(inner),)
            return cls(columns=cols, **kwargs)  # type: ignore[call-arg]
        if cls is Buffer:
            numbers = [int(v) for v in values[2:9]]
            return Buffer(_unquote(values[0]), _unquote(values[1]), *numbers)
        if cls is Distributed:
            cluster, database, table = (_unquote(v) for v in values[:3])
            key = values[3] if len(values) > 3 else None
            policy = _unquote(values[4]) if len(values) > 4 else None
            return Distributed(cluster, database, table, sharding_key=key, policy_name=policy)
        return cls(*(_unquote(v) for v in values), **kwargs)
    except (TypeError, ValueError, IndexError, SchemaError):
        # legacy syntax (MergeTree(date, (key), 8192)) or arguments we do not model
        return RawEngine(sql)


@overload
def parse_engine(value: Engine | type[Engine] | str) -> Engine: ...


@overload
def parse_engine(value: None) -> None: ...


def parse_engine(value: Engine | type[Engine] | str | None) -> Engine | None:
    """``Meta.engine`` (object, class or SQL text) -> an engine descriptor (None stays None).

    Text may be ``"MergeTree()"``, ``"ReplacingMergeTree(updated_at)"``, ``"Memory"``,
    ``"ENGINE = Log"`` or a whole ``system.tables.engine_full`` value (the table clauses
    after the engine are ignored). Engines without a descriptor, and legacy argument
    forms, come back as :class:`RawEngine` with the text kept verbatim.
    """
    if value is None or isinstance(value, Engine):
        return value
    if isinstance(value, type) and issubclass(value, Engine):
        try:
            return value()
        except TypeError as exc:
            raise SchemaError(
                f"Meta.engine = {value.__name__} needs arguments: write "
                f"{value.__name__}(...) ({exc})"
            ) from None
    if isinstance(value, str):
        name, args, sql = _split_engine(value)
        return _build(name, args or [], sql)
    raise SchemaError(
        f"Meta.engine must be an engine (MergeTree(), ReplacingMergeTree(version='v')), an "
        f"engine class or SQL text like 'MergeTree()'; got {type(value).__name__} {value!r}"
    )
