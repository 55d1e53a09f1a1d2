"""A folder's ``dbsynth.yaml``, as dbsynth writes it beside the files and reads it back.

The metadata format (:mod:`dbsynth.schema.metadata`) gives the keys and each column's type
(CSV keeps no types: a file is read with those it was written with); a ``constraints``
section keeps what that format has no field for, so that a folder written by dbsynth is
read back with the schema it was written from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import yaml

from dbsynth.errors import MetadataError
from dbsynth.schema.model import CheckConstraint, Schema, UniqueConstraint

log = logging.getLogger(__name__)

#: the file a folder's keys are described in (written by dbsynth, read back as declared keys)
METADATA_FILE = "dbsynth.yaml"
#: its section for what the metadata format has no field for and the files cannot say: NOT
#: NULL columns, unique keys (a foreign key may reference one) and CHECKs, per table. A
#: ``--metadata`` file ignores it; the folder read back as a source declares them again.
CONSTRAINTS = "constraints"


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def written_types(path: Path) -> dict[str, dict[str, str]]:
    """Table -> column -> type, as a folder's ``dbsynth.yaml`` records them (DuckDB's names:
    dbsynth writes a folder through DuckDB). CSV cannot carry bytes, JSON, lists, UUIDs,
    intervals or decimals' scale, and text of digits would be sniffed back as numbers: a
    CSV file is read with the types it was written with."""
    if not path.is_file():
        return {}
    try:
        tables = (yaml.safe_load(path.read_text()) or {}).get("tables") or {}
        return {str(t): {str(c): str(v["type"]) for c, v in (entry.get("columns") or {}).items()
                         if isinstance(v, dict) and v.get("type")}
                for t, entry in tables.items() if isinstance(entry, dict)}
    except (yaml.YAMLError, AttributeError, TypeError, OSError):
        return {}  # an unreadable file says why when its keys are applied


#: what a DuckDB type name is made of (a recorded type is put into SQL: nothing else passes)
_TYPE_TEXT = re.compile(r'[A-Za-z0-9_ ,()\[\]"]+')


def usable_types(reader: duckdb.DuckDBPyConnection, scan: str,
                  types: dict[str, str]) -> dict[str, str]:
    """The recorded types of the file's columns that DuckDB knows (a hand-written entry, or
    one for a column the file no longer has, is left to the sniffer)."""
    if not types:
        return {}
    try:
        header = {row[0] for row in reader.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
    except duckdb.Error:
        return {}  # the read that follows says why
    usable: dict[str, str] = {}
    for column, sql_type in types.items():
        if column not in header or not _TYPE_TEXT.fullmatch(sql_type):
            continue
        try:
            reader.execute(f"SELECT CAST(NULL AS {sql_type})")
        except duckdb.Error:
            continue
        usable[column] = sql_type
    return usable


def with_folder_keys(schema: Schema, path: Path) -> Schema:
    """The keys a folder's ``dbsynth.yaml`` describes, applied as the folder's own."""
    if not path.is_file():
        return schema
    from dbsynth.schema.metadata import apply_metadata, load_metadata

    metadata = load_metadata(path)
    schema = _with_constraints(schema, path)
    known = set(schema.table_names)
    metadata.tables = {n: t for n, t in metadata.tables.items() if n in known}
    for name, table in metadata.tables.items():  # a parent whose file is gone: no key to it
        gone = [fk for fk in table.foreign_keys or [] if fk.ref_table not in known]
        for fk in gone:
            log.warning("%s: %s (%s) references %s, which has no file in %s; ignored", path,
                        name, ", ".join(fk.columns), fk.ref_table, path.parent)
        if gone:
            table.foreign_keys = [fk for fk in table.foreign_keys or [] if fk not in gone]
    try:
        return apply_metadata(schema, metadata, where=str(path))
    except MetadataError as exc:
        raise MetadataError(f"{exc.message} (the folder's own {METADATA_FILE}; "
                            f"fix or remove it)") from None


def _constraints_of(schema: Schema) -> dict[str, dict[str, Any]]:
    """Table -> its NOT NULL columns, unique keys and CHECKs (DuckDB's SQL: the stage's)."""
    out: dict[str, dict[str, Any]] = {}
    for table in schema.tables:
        entry: dict[str, Any] = {}
        not_null = [c.name for c in table.columns if not c.nullable]
        if not_null:
            entry["not_null"] = not_null
        if table.key_uniques:  # (a source's expression or partial unique index: no key)
            entry["unique"] = [list(u.columns) for u in table.key_uniques]
        if table.checks:
            entry["checks"] = [c.expression for c in table.checks]
        if entry:
            out[table.name] = entry
    return out


def _with_constraints(schema: Schema, path: Path) -> Schema:
    """The schema with the NOT NULL columns, unique keys and CHECKs the folder's
    ``dbsynth.yaml`` records; an entry naming a table or column the files no longer have
    is left out (a hand-edited folder: the keys there say why, if it matters)."""
    try:
        recorded = (yaml.safe_load(path.read_text()) or {}).get(CONSTRAINTS) or {}
    except (yaml.YAMLError, AttributeError, OSError):
        return schema  # load_metadata says what is wrong with the file
    if not isinstance(recorded, dict):
        return schema
    tables = []
    for table in schema.tables:
        entry = recorded.get(table.name)
        if not isinstance(entry, dict):
            tables.append(table)
            continue
        names = set(table.column_names)
        not_null = {c for c in _names(entry.get("not_null")) if c in names}
        columns = tuple(replace(c, nullable=False) if c.name in not_null else c
                        for c in table.columns)
        uniques = tuple(UniqueConstraint(tuple(_names(u))) for u in _listed(entry.get("unique"))
                        if _names(u) and set(_names(u)) <= names)
        checks = tuple(CheckConstraint(e, dialect="duckdb") for e in _names(entry.get("checks")))
        tables.append(replace(table, columns=columns, uniques=table.uniques + uniques,
                              checks=table.checks + checks))
    return replace(schema, tables=tuple(tables))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(value: Any) -> list[str]:
    """A list of texts as recorded; anything else (a hand edit) as none."""
    return [v for v in _listed(value) if isinstance(v, str)]


def folder_metadata_text(schema: Schema, existing: Path) -> str:
    """``dbsynth.yaml`` for the written tables of ``schema`` (keys, types, constraints),
    merged into the folder's file ``existing`` so that other tables' entries stay."""
    from dbsynth.schema.metadata import metadata_from_schema, to_yaml

    text = to_yaml(metadata_from_schema(schema), schema)
    merged = yaml.safe_load(text)
    merged[CONSTRAINTS] = _constraints_of(schema)
    if existing.is_file():
        try:
            old = yaml.safe_load(existing.read_text()) or {}
            written = set(schema.table_names)  # theirs replaced whole, even by nothing
            for section in ("tables", CONSTRAINTS):
                kept = {t: e for t, e in (old.get(section) or {}).items() if t not in written}
                merged[section] = {**kept, **merged[section]}
        except (yaml.YAMLError, AttributeError, TypeError):
            pass  # an unreadable old file is replaced by ours
    if not merged[CONSTRAINTS]:
        del merged[CONSTRAINTS]
    return text.split("version:", 1)[0] + yaml.safe_dump(
        merged, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
