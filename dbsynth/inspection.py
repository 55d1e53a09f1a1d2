"""Reading a source: connector → schema with its keys settled → load plan (``dbsynth inspect``).

Kept apart from :mod:`dbsynth.pipeline` (which re-exports it) because it needs no pandas,
numpy or model: ``dbsynth inspect`` of a small database starts in a fraction of a second.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbsynth.connectors.base import Connector, own_rows, quote_ident
from dbsynth.connectors.registry import connect
from dbsynth.errors import SchemaError, UsageError
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.harmonise import harmonise_reference_types
from dbsynth.schema.infer import DEFAULT_THRESHOLD, Inference, infer_keys, with_inferred_keys
from dbsynth.schema.model import Schema
from dbsynth.schema.vet import vet_inference

if TYPE_CHECKING:  # metadata files (and yaml) load only when one is given
    from dbsynth.schema.metadata import Metadata

log = logging.getLogger(__name__)

__all__ = ["Inspection", "KeyOptions", "inspect", "resolve_schema"]


@dataclass
class Inspection:
    schema: Schema
    plan: LoadPlan
    url: str
    inference: Inference | None = None
    #: which engine and version the connector talks to, and what it can do that matters
    engine: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "engine": self.engine, "schema": self.schema.to_dict(),
                "plan": self.plan.to_dict(),
                "inferred_keys": self.inference.to_dict() if self.inference else None}


@dataclass(frozen=True)
class KeyOptions:
    """How the keys of the source are settled: inferred where the database declares none
    (``infer``, scores from ``threshold`` up are used), then edited by a metadata file."""

    infer: bool = True
    threshold: float = DEFAULT_THRESHOLD
    metadata: Metadata | None = None


def resolve_schema(source: Connector, keys: KeyOptions,
                   check: Callable[[Schema], None] | None = None) -> tuple[Schema, Inference | None]:
    """The source's schema with its keys settled (see :class:`KeyOptions`); ``check`` sees
    the schema as read, before key inference reads any data (options naming tables)."""
    if not 0.0 <= keys.threshold <= 1.0:
        raise UsageError(f"--key-threshold must be between 0 and 1, got {keys.threshold}")
    schema = source.introspect()
    if not schema.tables:
        raise SchemaError(f"{source.display_url} has no tables in schema {source.schema_name!r}"
                          " (is --schema right?)")
    if check is not None:
        check(schema)
    inference = None
    if keys.infer:
        inference = vet_inference(schema, infer_keys(
            schema, source.query, lambda t: own_rows(source, schema, t), quote_ident,
            keys.threshold))
        schema = with_inferred_keys(schema, inference)
    if keys.metadata is not None:
        from dbsynth.schema.metadata import apply_metadata

        schema = apply_metadata(schema, keys.metadata)
    schema, retyped = harmonise_reference_types(schema)
    for note in retyped:
        log.warning("%s", note)
    unrelated = unrelated_tables_note(schema)
    for note in ([unrelated] if unrelated else []) + polymorphic_reference_notes(schema):
        log.warning("%s", note)
    return schema, inference


def unrelated_tables_note(schema: Schema) -> str | None:
    """A database of several tables where no foreign key is declared or inferred: its copy
    has no relationships at all, which is rarely what its application expects, so it is
    said (keys named in a way inference does not read, ``o_custkey`` → ``c_custkey``, end here)."""
    if len(schema.tables) < 2 or any(t.foreign_keys for t in schema.tables):
        return None
    return (f"no foreign key between the {len(schema.tables)} tables, declared or inferred: "
            "each is generated on its own and no synthetic row refers to another; if they are "
            "related, name the keys in a metadata file (dbsynth inspect SOURCE -o FILE, edit, "
            "then --metadata FILE)")


#: (type column pattern, id column) name pairs of a reference to rows of several tables:
#: Rails' polymorphic ``commentable_type``/``commentable_id``, Django's generic
#: ``content_type_id``/``object_id`` (with or without a ``prefix_``); ``stem`` is shared
POLYMORPHIC_PAIRS = ((re.compile(r"(?P<stem>.+)_type"), "{stem}_id"),
                     (re.compile(r"(?P<stem>(?:.+_)?)content_type_id"), "{stem}object_id"))


def polymorphic_reference_notes(schema: Schema) -> list[str]:
    """A note per pair of columns that names a table and a row of it (see
    :data:`POLYMORPHIC_PAIRS`): no foreign key can say which table, so the id is modelled as
    a number and the copy's ids need not be rows of the tables named; said, never silent."""
    notes = []
    for table in schema.tables:
        names = {c.name.lower(): c.name for c in table.columns}
        keyed = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        # the row's own key beside its kind (account_id, account_type in account): no reference
        keyed |= {c.lower() for key in table.unique_column_sets() if len(key) == 1 for c in key}
        for type_name, id_form in POLYMORPHIC_PAIRS:
            for lower, name in names.items():
                found = type_name.fullmatch(lower)
                id_column = names.get(id_form.format(stem=found["stem"])) if found else None
                if id_column is None or id_column.lower() in keyed:
                    continue
                notes.append(f"{table.name}.({name}, {id_column}) looks like a reference to rows of "
                             f"several tables (polymorphic or generic): no foreign key says which, so "
                             f"{id_column} is made as a number and its values need not be rows of the "
                             "table named; leave the table out or fix its values if the application "
                             "follows them")
    return notes


def inspect(url: str, schema: str | None = None, keys: KeyOptions = KeyOptions()) -> Inspection:
    """Read a database's schema, settle its keys and derive its load plan."""
    connector = connect(url, schema=schema, role="source")
    try:
        read, inference = resolve_schema(connector, keys)
        engine = {"dialect": connector.capabilities.name, "version": connector.engine_version(),
                  "capabilities": connector.capabilities.notable()}
    finally:
        connector.close()
    return Inspection(read, build_plan(read), connector.display_url, inference, engine)
