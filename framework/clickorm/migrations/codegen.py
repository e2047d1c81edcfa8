"""Model classes as Python source, from introspected tables (``clickorm inspect``).

The platform says how each column is annotated (:meth:`BasePlatform.annotation_for`),
which indexes are field flags and how the others are written in ``Meta.indexes``, and
which table options a model carries in ``Meta.options``; this module assembles the
module: imports, enum classes, one ``Model`` subclass per table. Whatever a model cannot
express (foreign keys, triggers, column options no field takes ...) is written as a
comment where it belongs and returned in :attr:`ModelsSource.warnings`, never dropped.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clickorm.migrations.snapshot import render_value
from clickorm.model.meta import known_keys
from clickorm.model.model import Model
from clickorm.schema.annotations import class_name
from clickorm.schema.table import NO_DEFAULT, Column, Table

if TYPE_CHECKING:
    from clickorm.schema.platform import BasePlatform

__all__ = ["ModelsSource", "models_source"]

#: column options a field takes as ``Column(...)`` keywords
_FIELD_OPTIONS = ("materialized", "alias", "codec", "ttl")
#: names the annotations use, which a field of that name would shadow in the class body
_RESERVED = frozenset({
    "datetime", "decimal", "enum", "ipaddress", "uuid", "types", "Annotated", "Any",
    "Column", "Model", "Index", "int", "str", "float", "bool", "bytes", "list", "dict",
    "tuple",
})
_COLUMN = "from clickorm import Column"
_MODEL = "from clickorm import Model"


@dataclass
class ModelsSource:
    """A generated module and what it could not express (one line per thing)."""

    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Module:
    imports: set[str] = field(default_factory=set)
    declarations: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: module-level names taken: the imported ones, then classes as they are made
    class_names: set[str] = field(default_factory=lambda: {
        "Model", "Column", "Index", "Any", "Annotated"})

    def unique_class(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self.class_names:
            name, n = f"{wanted}{n}", n + 1
        self.class_names.add(name)
        return name

    def fits(self, declarations: Iterable[str]) -> bool:
        """True when none of ``declarations`` reuses a name for something else."""
        return all(
            source in self.declarations or _declared_name(source) not in self.names()
            for source in declarations)

    def names(self) -> set[str]:
        return self.class_names | {_declared_name(d) for d in self.declarations}

    def declare(self, source: str) -> None:
        if source not in self.declarations:
            self.declarations.append(source)


def _declared_name(source: str) -> str:
    """``class Status(enum.Enum): ...`` -> ``Status``."""
    return source.split(None, 2)[1].split("(")[0].rstrip(":")


def _field_name(column: str, taken: set[str]) -> str:
    """A Python field name for ``column`` (``Column(name=...)`` keeps the real one)."""
    name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in column).lstrip("_")
    if not name or name[0].isdigit():
        name = f"f_{name}"
    while (keyword.iskeyword(name) or hasattr(Model, name) or name in taken
           or name in _RESERVED):
        name += "_"
    taken.add(name)
    return name


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines() or [""]]


def _note(module: _Module, table: str, what: str) -> str:
    module.warnings.append(f"{table}: {what}")
    return f"not expressible in a model: {what}"


def _column_lines(
    platform: BasePlatform, module: _Module, table: Table, column: Column, *,
    field_name: str, primary: bool, flag: str | None,
) -> list[str]:
    notes: list[str] = []
    annotation = platform.annotation_for(column)
    if not module.fits(annotation.declarations):
        # another table's column declared a different class of that name
        annotation = platform.annotation_for(column, f"{table.name}_{column.name}")
        if not module.fits(annotation.declarations):
            annotation = platform.annotation_for(column, f"{table.name}_{column.name}_type")
    module.imports.update(annotation.imports)
    for declaration in annotation.declarations:
        module.declare(declaration)
    kwargs: list[str] = []
    if field_name != column.name:
        kwargs.append(f"name={column.name!r}")
    if primary:
        kwargs.append("primary_key=True")
        if column.autoincrement:
            kwargs.append("autoincrement=True")
    if flag:
        kwargs.append(f"{flag}=True")
    if annotation.column_type is not None:
        module.imports.add("from clickorm import types")
        kwargs.append(f"type=types.RawType({annotation.column_type!r})")
    if column.default_raw is not None:
        kwargs.append(f"server_default={str(column.default_raw)!r}")
    elif column.default is not NO_DEFAULT:
        kwargs.append(f"default={render_value(column.default)}")
    for key in _FIELD_OPTIONS:
        if column.options.get(key) is not None:
            kwargs.append(f"{key}={render_value(column.options[key])}")
    if column.comment:
        kwargs.append(f"comment={column.comment!r}")
    for key, value in column.options.items():
        if key not in _FIELD_OPTIONS and value not in (None, False, "", [], {}):
            notes.append(_note(module, table.name,
                               f"column {column.name!r} option {key} = {value!r}"))
    if annotation.note:
        notes.append(_note(module, table.name, f"column {column.name!r}: {annotation.note}"))
    optional_default = column.nullable and column.default is NO_DEFAULT and (
        column.default_raw is None and not primary)
    if kwargs:
        module.imports.add(_COLUMN)
        first = "None, " if optional_default else ""
        value = f" = Column({first}{', '.join(kwargs)})"
    else:
        value = " = None" if optional_default else ""
    lines = [line for n in notes for line in _comment(n, "    ")]
    return [*lines, f"    {field_name}: {annotation.text}{value}"]


def _meta_lines(
    platform: BasePlatform, module: _Module, table: Table, meta_primary: tuple[str, ...],
    indexes: Sequence[str],
) -> list[str]:
    keys = set(known_keys())
    lines = ["", "    class Meta:", f"        table_name = {table.name!r}"]
    if meta_primary:
        lines.append(f"        primary_key = {render_value(meta_primary)}")
    extra: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in table.options.items():
        if value is None or (isinstance(value, Iterable | Mapping) and not value):
            continue
        if key == "primary_key":
            if not meta_primary:
                lines.append(f"        primary_key = {render_value(value)}")
        elif key in platform.model_option_keys:
            extra[key] = value
        elif key in keys and key not in ("options", "indexes", "table_name"):
            lines.append(f"        {key} = {render_value(value)}")
        else:
            notes.append(_note(module, table.name, f"table option {key} = {value!r}"))
    if extra:
        lines.append(f"        options = {render_value(extra)}")
    if indexes:
        lines.append("        indexes = [")
        lines += [f"            {source}," for source in indexes]
        lines.append("        ]")
    if table.comment:
        lines.append(f"        comment = {table.comment!r}")
    comments = [line for n in notes for line in _comment(n, "        ")]
    return [*lines[:2], *comments, *lines[2:]]


def _class_source(platform: BasePlatform, module: _Module, table: Table, name: str) -> str:
    primary = tuple(table.primary_key)
    on_field = primary if len(primary) == 1 else ()
    flags: dict[str, str] = {}
    indexes: list[str] = []
    for index in table.indexes:
        if platform.index_on_field(table, index) and index.columns[0] not in flags:
            flags[index.columns[0]] = "unique" if index.unique else "index"
            continue
        source, imports = platform.index_source(index)
        module.imports.update(imports)
        indexes.append(source)
    head: list[str] = []
    for fk in table.foreign_keys:
        actions = "".join(
            f" ON {word} {action}" for word, action in (("DELETE", fk.on_delete),
                                                        ("UPDATE", fk.on_update)) if action)
        text = (f"foreign key ({', '.join(fk.columns)}) REFERENCES {fk.references_table}"
                f"({', '.join(fk.references_columns)}){actions}")
        head += _comment(_note(module, table.name, text))
    taken: set[str] = set()
    body: list[str] = []
    for column in table.columns.values():
        body += _column_lines(
            platform, module, table, column, field_name=_field_name(column.name, taken),
            primary=column.name in on_field, flag=flags.get(column.name))
    body += _meta_lines(platform, module, table, primary if not on_field else (), indexes)
    module.imports.add(_MODEL)
    return "\n".join([*head, f"class {name}(Model):", *body])


def _import_block(imports: set[str]) -> str:
    plain = sorted(i for i in imports if i.startswith("import "))
    std_from = sorted(i for i in imports if i.startswith("from ") and not i.startswith(
        "from clickorm"))
    ours = sorted(i for i in imports if i.startswith("from clickorm"))
    merged: dict[str, set[str]] = {}
    for line in std_from + ours:
        module, _, names = line[len("from "):].partition(" import ")
        merged.setdefault(module, set()).update(n.strip() for n in names.split(","))
    groups = [plain + [f"from {m} import {', '.join(sorted(merged[m]))}"
                       for m in sorted(merged) if not m.startswith("clickorm")],
              [f"from {m} import {', '.join(sorted(merged[m]))}"
               for m in sorted(merged) if m.startswith("clickorm")]]
    return "\n\n".join("\n".join(g) for g in groups if g)


def models_source(
    tables: Iterable[Table], platform: BasePlatform, *, origin: str = "a live database"
) -> ModelsSource:
    """One module of Model classes for ``tables`` (in the order given)."""
    module = _Module()
    ordered = list(tables)
    names = [module.unique_class(class_name(t.name.rpartition(".")[2])) for t in ordered]
    for table, name in zip(ordered, names, strict=True):
        module.classes.append(_class_source(platform, module, table, name))
    doc = f'"""Models of {origin}, written by `clickorm inspect`."""'
    body = "\n\n\n".join([*module.declarations, *module.classes])
    return ModelsSource(f"{doc}\n\n{_import_block(module.imports)}\n\n\n{body}\n",
                        module.warnings)
