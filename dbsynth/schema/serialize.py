"""Schema ⇄ plain JSON data, validated on the way in (model files carry their schema)."""

from __future__ import annotations

from typing import Any, Literal

from dbsynth.errors import SchemaError
from dbsynth.schema.model import (
    FK_ACTIONS, FK_TIMINGS, CheckConstraint, Column, EnumType, FkAction, ForeignKey, PrimaryKey, Schema,
    SqlType, Table, UniqueConstraint,
)
from dbsynth.schema.objects import object_from_dict


def schema_from_dict(data: dict[str, Any]) -> Schema:
    """Rebuild a :class:`Schema`; malformed input raises :class:`SchemaError`, never crashes."""
    try:
        return Schema(
            dialect=str(data["dialect"]), name=str(data["name"]),
            tables=tuple(_table(t) for t in data["tables"]),
            enums=tuple(EnumType(str(e["name"]), tuple(map(str, e["values"])))
                        for e in data.get("enums", ())),
            objects=tuple(object_from_dict(o) for o in data.get("objects", ())),  # older files: none
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SchemaError(f"malformed schema data: {type(exc).__name__}: {exc}") from None


def _type(data: dict[str, Any]) -> SqlType:
    element = data.get("element")
    return SqlType(
        name=data["name"], length=data.get("length"), precision=data.get("precision"),
        scale=data.get("scale"), enum=data.get("enum"),
        element=_type(element) if element else None, native=str(data.get("native", "")),
        composite=bool(data.get("composite", False)),
    )


def _table(data: dict[str, Any]) -> Table:
    pk = data.get("primary_key")
    return Table(
        name=str(data["name"]),
        columns=tuple(Column(str(c["name"]), _type(c["type"]), bool(c["nullable"]),
                             c.get("default"), c.get("identity"), c.get("domain"),
                             c.get("generated"), c.get("kind"))
                      for c in data["columns"]),
        primary_key=PrimaryKey(tuple(pk["columns"]), pk.get("name"),
                               pk.get("source", "declared")) if pk else None,
        foreign_keys=tuple(ForeignKey(tuple(f["columns"]), str(f["ref_table"]),
                                      tuple(f["ref_columns"]), f.get("name"),
                                      f.get("source", "declared"),
                                      _action(f.get("on_delete")), _action(f.get("on_update")),
                                      _timing(f.get("timing")))
                           for f in data.get("foreign_keys", ())),
        uniques=tuple(UniqueConstraint(tuple(u["columns"]), u.get("name"), bool(u.get("index", False)),
                                       _source(u.get("source"), UNIQUE_SOURCES),
                                       bool(u.get("folded", False)),
                                       bool(u.get("null_equal", False)),
                                       None if u.get("only_when") is None else str(u["only_when"]),
                                       tuple(map(str, u.get("reads", ()))))
                      for u in data.get("uniques", ())),
        checks=tuple(CheckConstraint(str(c["expression"]), c.get("name"),
                                     c.get("dialect", "postgres"),
                                     _source(c.get("source"), CHECK_SOURCES))  # type: ignore[arg-type]
                     for c in data.get("checks", ())),
        row_count=int(data.get("row_count", 0)),
        mode=data.get("mode", "synthesize"),
    )



#: where a UNIQUE may come from (a CHECK: the first two, or its column's domain)
UNIQUE_SOURCES = ("declared", "partitions", "indexes")
CHECK_SOURCES = ("declared", "partitions", "domain")


def _source(value: Any, known: tuple[str, ...] = UNIQUE_SOURCES[:2]
            ) -> Literal["declared", "partitions", "indexes", "domain"]:
    """Where a UNIQUE or CHECK is declared (absent in older model files: on the table)."""
    if value is None:
        return "declared"
    if value not in known:
        raise ValueError(f"unknown constraint source {value!r}")
    return value  # type: ignore[no-any-return]


def _timing(value: Any) -> Any:
    """When a foreign key is checked (absent: at each statement); rendered into DDL, so
    only SQL's three spellings are taken."""
    if value is None:
        return "NOT DEFERRABLE"
    if value not in FK_TIMINGS:
        raise ValueError(f"unknown foreign key timing {value!r}")
    return value


def _action(value: Any) -> FkAction:
    """A referential action (absent in model files before they were kept: NO ACTION). It is
    rendered into DDL, so anything but the five SQL spells is refused."""
    if value is None:
        return "NO ACTION"
    if value not in FK_ACTIONS:
        raise ValueError(f"unknown foreign key action {value!r}")
    return value  # type: ignore[no-any-return]
