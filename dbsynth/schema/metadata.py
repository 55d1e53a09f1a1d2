"""The metadata file: what dbsynth found, in a form users edit and hand back.

``dbsynth inspect URL -o dbsynth.yaml`` writes every table with its mode, keys (declared or
inferred, with scores) and columns; ``--metadata dbsynth.yaml`` on ``train``/``synth`` applies
the edited file to the schema read from the database. A table entry that lists
``primary_key``/``foreign_keys`` replaces the keys found; columns may be given a kind
(``categorical``, ``text``, ``pii:<kind>``, ``skip``); tables a mode (``synthesize``, ``copy``
verbatim, ``skip``). Everything is validated against the database with errors that name the
exact entry. SDV's metadata JSON (``METADATA_SPEC_VERSION``) is read and written too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dbsynth.errors import MetadataError
from dbsynth.schema.infer import Inference
from dbsynth.schema.naming import pii_kind
from dbsynth.schema.model import (
    COLUMN_KINDS, PII_KINDS, Column, ForeignKey, PrimaryKey, Schema, Table,
)

FORMAT_VERSION = 1
#: A metadata file is a short hand-edited text: more than this is not one.
MAX_METADATA_BYTES = 64 * 1024**2
TABLE_MODES = ("synthesize", "copy", "skip")
AUTO = "auto"


@dataclass
class ForeignKeyMeta:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    source: str = "declared"  # declared | inferred | user
    score: float | None = None


@dataclass
class TableMeta:
    mode: str = "synthesize"
    primary_key: tuple[str, ...] | None = None
    foreign_keys: list[ForeignKeyMeta] | None = None  # None: keep what the database says
    columns: dict[str, str] = field(default_factory=dict)  # column -> kind ("auto" = decide)
    keys_given: bool = False  # whether the file set primary_key (None = no key)
    pk_source: str = "user"


@dataclass
class Metadata:
    tables: dict[str, TableMeta] = field(default_factory=dict)


# ------------------------------------------------------------------------- from schema
def metadata_from_schema(schema: Schema, inference: Inference | None = None) -> Metadata:
    """The metadata of a schema whose keys are resolved (inferred keys carry their scores)."""
    scores = {(k.table, k.columns, k.ref_table): k.score for k in (inference.keys if inference else [])}
    out = Metadata()
    for table in schema.tables:
        fks = [ForeignKeyMeta(fk.columns, fk.ref_table, fk.ref_columns, fk.source,
                              _rounded(scores.get((table.name, fk.columns, fk.ref_table))))
               for fk in table.foreign_keys]
        out.tables[table.name] = TableMeta(
            mode=table.mode, primary_key=table.primary_key.columns if table.primary_key else None,
            foreign_keys=fks, columns={c.name: c.kind or AUTO for c in table.columns},
            keys_given=True,
            pk_source=table.primary_key.source if table.primary_key else "user")
    return out


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 3)


# ------------------------------------------------------------------------------ YAML
def to_yaml(metadata: Metadata, schema: Schema | None = None) -> str:
    """YAML text; with ``schema``, each column's SQL type is written beside it (read-only)."""
    tables: dict[str, Any] = {}
    for name, meta in metadata.tables.items():
        entry: dict[str, Any] = {"mode": meta.mode,
                                 "primary_key": list(meta.primary_key) if meta.primary_key else None,
                                 "primary_key_source": meta.pk_source}
        entry["foreign_keys"] = [_fk_to_dict(fk) for fk in meta.foreign_keys or []]
        columns: dict[str, Any] = {}
        for column, kind in meta.columns.items():
            sql_type = _type_of(schema, name, column)
            columns[column] = {"kind": kind, "type": sql_type} if sql_type else {"kind": kind}
        entry["columns"] = columns
        tables[name] = entry
    header = ("# dbsynth metadata: edit and pass back with --metadata FILE.\n"
              "# mode: synthesize | copy (rows kept verbatim, e.g. reference lists) | skip\n"
              "# column kind: auto | categorical | text | skip | "
              + " | ".join(f"pii:{k}" for k in PII_KINDS[:4]) + " | pii:…\n"
              "# foreign keys: source declared (in the database) | inferred (score 0-1) | user\n")
    body = yaml.safe_dump({"version": FORMAT_VERSION, "tables": tables}, sort_keys=False,
                          allow_unicode=True, width=100, default_flow_style=None)
    return header + body


def _type_of(schema: Schema | None, table: str, column: str) -> str | None:
    if schema is None or table not in schema.table_names:
        return None
    try:
        t = schema.table(table).column(column).type
    except KeyError:
        return None
    return t.native or t.name


def _fk_to_dict(fk: ForeignKeyMeta) -> dict[str, Any]:
    out: dict[str, Any] = {"columns": list(fk.columns),
                           "references": reference_text(fk.ref_table, fk.ref_columns),
                           "source": fk.source}
    if fk.score is not None:
        out["score"] = fk.score
    return out


_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def _name_text(name: str) -> str:
    """A table or column name as written in ``references``: plain, or in double quotes
    (``""`` for a quote inside) when it holds anything but letters, digits and ``_``."""
    return name if _BARE_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def reference_text(table: str, columns: tuple[str, ...]) -> str:
    """``table(column, ...)``, names quoted where needed (read back by :func:`parse_reference`)."""
    return f"{_name_text(table)}({', '.join(_name_text(c) for c in columns)})"


def parse_reference(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``table(column, ...)`` with plain or double-quoted names; None if it is not that."""
    pos = 0

    def name() -> str | None:
        nonlocal pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text) and text[pos] == '"':
            out, pos = [], pos + 1
            while pos < len(text):
                if text[pos] == '"':
                    if text[pos + 1:pos + 2] != '"':
                        pos += 1
                        return "".join(out)
                    pos += 1
                out.append(text[pos])
                pos += 1
            return None  # no closing quote
        start = pos
        while pos < len(text) and text[pos] not in '(),"':
            pos += 1
        return text[start:pos].strip() or None

    def punct(char: str) -> bool:
        nonlocal pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text[pos:pos + 1] == char:
            pos += 1
            return True
        return False

    table = name()
    if table is None or not punct("("):
        return None
    columns = []
    while True:
        column = name()
        if column is None:
            return None
        columns.append(column)
        if punct(")"):
            break
        if not punct(","):
            return None
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return (table, tuple(columns)) if pos == len(text) else None


def load_metadata(path: Path) -> Metadata:
    """Read a dbsynth YAML metadata file or an SDV metadata JSON file (told apart by content)."""
    if not path.is_file():
        raise MetadataError(f"metadata file not found: {path}")
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise MetadataError(f"{path}: more than {MAX_METADATA_BYTES // 1024**2} MB; "
                                "not a metadata file")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{path}: not UTF-8 text (byte {exc.start}); "
                            "is it a metadata file?") from None
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: "
                            f"{exc.strerror or type(exc).__name__}") from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except RecursionError:
        raise MetadataError(f"{path}: nested too deeply to be a metadata file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise MetadataError(f"{path}:{where} is not valid YAML/JSON: "
                            f"{getattr(exc, 'problem', None) or type(exc).__name__}") from None
    if isinstance(data, dict) and "METADATA_SPEC_VERSION" in data:
        return from_sdv(data, str(path))
    return from_dict(data, str(path))


def from_dict(data: Any, where: str = "metadata") -> Metadata:
    """Validate the structure of a parsed metadata file (names are checked by ``apply``)."""
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise MetadataError(f"{where}: expected a mapping with 'tables:'")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise MetadataError(f"{where}: version {data.get('version')!r} is not supported "
                            f"(this dbsynth reads version {FORMAT_VERSION})")
    out = Metadata()
    for name, entry in data["tables"].items():
        at = f"{where}: tables.{name}"
        entry = entry or {}
        if not isinstance(entry, dict):
            raise MetadataError(f"{at}: expected a mapping")
        fields = ("mode", "primary_key", "primary_key_source", "foreign_keys", "columns")
        unknown = set(entry) - set(fields)
        if unknown:
            raise MetadataError(f"{at}: unknown field {sorted(unknown)[0]!r} "
                                f"(fields: {', '.join(fields)})")
        mode = entry.get("mode", "synthesize")
        if mode not in TABLE_MODES:
            raise MetadataError(f"{at}.mode: {mode!r} is not a mode (one of: {', '.join(TABLE_MODES)})")
        meta = TableMeta(mode=mode)
        if "primary_key" in entry:
            meta.keys_given = True
            meta.primary_key = _column_list(entry["primary_key"], f"{at}.primary_key")
            meta.pk_source = str(entry.get("primary_key_source", "user"))
        if "foreign_keys" in entry:
            fks = [] if entry["foreign_keys"] is None else entry["foreign_keys"]
            if not isinstance(fks, list):
                raise MetadataError(f"{at}.foreign_keys: expected a list")
            meta.foreign_keys = [_fk_from_dict(fk, f"{at}.foreign_keys[{i}]") for i, fk in enumerate(fks)]
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            raise MetadataError(f"{at}.columns: expected a mapping of column: {{kind: …}}")
        for column, spec in columns.items():
            if isinstance(spec, dict) and set(spec) - {"kind", "type"}:
                raise MetadataError(f"{at}.columns.{column}: unknown field "
                                    f"{sorted(set(spec) - {'kind', 'type'})[0]!r} (fields: kind, type)")
            kind = spec.get("kind", AUTO) if isinstance(spec, dict) else spec
            if kind != AUTO and kind not in COLUMN_KINDS:
                raise MetadataError(f"{at}.columns.{column}.kind: {kind!r} is not a kind (one of: "
                                    f"auto, categorical, text, skip, pii:<{'|'.join(PII_KINDS)}>)")
            meta.columns[str(column)] = str(kind)
        out.tables[str(name)] = meta
    return out


def _column_list(value: Any, at: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        if len(set(value)) != len(value):
            raise MetadataError(f"{at}: a column appears twice in {value}")
        return tuple(value)
    raise MetadataError(f"{at}: expected a column name or a list of column names")


def _fk_from_dict(data: Any, at: str) -> ForeignKeyMeta:
    if not isinstance(data, dict) or "columns" not in data or "references" not in data:
        raise MetadataError(f"{at}: expected {{columns: [...], references: table(column, ...)}}")
    columns = _column_list(data["columns"], f"{at}.columns")
    ref = data["references"]
    parsed = parse_reference(ref) if isinstance(ref, str) else None
    if isinstance(ref, dict) and isinstance(ref.get("table"), str):
        ref_table, ref_columns = ref["table"], _column_list(ref.get("columns"), f"{at}.references.columns")
    elif parsed is not None:
        ref_table, ref_columns = parsed
    else:
        shown = repr(ref) if len(repr(ref)) <= 80 else repr(ref)[:80] + "…"
        raise MetadataError(f"{at}.references: expected 'table(column, ...)' (names with other "
                            f"characters than letters, digits and _ in double quotes), got {shown}")
    if not ref_table or not columns or not ref_columns or len(columns) != len(ref_columns):
        raise MetadataError(f"{at}: columns and referenced columns must be non-empty and as many")
    score = data.get("score")
    return ForeignKeyMeta(columns, ref_table, ref_columns, str(data.get("source", "user")),
                          float(score) if isinstance(score, (int, float)) else None)


# ------------------------------------------------------------------------------ apply
def apply_metadata(schema: Schema, metadata: Metadata, where: str = "metadata") -> Schema:
    """The schema as the metadata says: keys, column kinds, modes; skipped tables removed."""
    for name in metadata.tables:
        if name not in schema.table_names:
            raise MetadataError(f"{where}: tables.{name}: no such table in the database "
                                f"(tables: {', '.join(schema.table_names)})")
    skipped = {n for n, m in metadata.tables.items() if m.mode == "skip"}
    metadata_keys = {n: m.primary_key for n, m in metadata.tables.items() if m.keys_given and m.primary_key}
    tables = []
    for table in schema.tables:
        meta = metadata.tables.get(table.name)
        if table.name in skipped:
            continue
        tables.append(_apply_table(table, meta, schema, where, metadata_keys) if meta else table)
    modes = {t.name: t.mode for t in tables}
    for table in tables:
        for fk in table.foreign_keys:
            if table.mode == "copy" and modes.get(fk.ref_table) != "copy" and fk.ref_table != table.name:
                raise MetadataError(
                    f"{where}: tables.{table.name} is copied verbatim, so the tables it references "
                    f"must be copied too: set tables.{fk.ref_table}.mode to copy")
            if fk.ref_table in skipped:
                raise MetadataError(
                    f"{where}: tables.{fk.ref_table} is skipped but {fk.label(table.name)} "
                    f"references it; skip {table.name} too, drop that key, or use mode: copy")
    result = replace(schema, tables=tuple(tables))
    _check_keys(result, schema, metadata, where)
    return result


def _type_family(column: Column) -> str:
    """What a key column's values can be compared with in SQL: numbers with numbers, text
    with text; other types only with their own (a uuid is not text to PostgreSQL)."""
    t = column.type
    if t.is_numeric:
        return "number"
    if t.is_string:
        return "text"
    if t.name in ("timestamp", "timestamptz"):
        return "timestamp"
    if t.name == "enum":
        return f"enum {t.enum}"
    return t.native or t.name if t.name == "unknown" else t.name


def _check_keys(result: Schema, original: Schema, metadata: Metadata, where: str) -> None:
    """What the target's DDL would refuse after the file changed keys: a foreign key whose
    parent's key changed away from it, or one between columns of types SQL cannot compare."""
    changed = {n for n, m in metadata.tables.items()
               if m.keys_given and n in result.table_names
               and result.table(n).primary_key != original.table(n).primary_key}
    for table in result.tables:
        for fk in table.foreign_keys:
            parent = result.table(fk.ref_table)
            at = f"{where}: tables.{table.name}: {fk.label(table.name)}"
            if fk.ref_table in changed:
                was = original.table(fk.ref_table).primary_key
                keys = ([set(parent.primary_key.columns)] if parent.primary_key else []) + [
                    set(u.columns) for u in parent.key_uniques]
                if was and set(fk.ref_columns) == set(was.columns) and set(fk.ref_columns) not in keys:
                    raise MetadataError(
                        f"{at} references columns that are no longer a primary or unique key of "
                        f"{fk.ref_table} (its primary_key was changed); change the foreign key too")
            if fk.source != "user":
                continue  # the database holds it, or the data showed it (typed alike in the copy)
            for column, ref in zip(fk.columns, fk.ref_columns):
                mine, theirs = table.column(column), parent.column(ref)
                if _type_family(mine) != _type_family(theirs):
                    raise MetadataError(
                        f"{at}: {table.name}.{column} ({mine.type.native or mine.type.name}) cannot "
                        f"reference {fk.ref_table}.{ref} ({theirs.type.native or theirs.type.name}): "
                        "the types differ")


def _apply_table(table: Table, meta: TableMeta, schema: Schema, where: str,
                 metadata_keys: dict[str, tuple[str, ...]]) -> Table:
    at = f"{where}: tables.{table.name}"
    names = set(table.column_names)

    def check_columns(columns: tuple[str, ...], owner: Table, what: str) -> None:
        for column in columns:
            if column not in owner.column_names:
                raise MetadataError(f"{what}: {owner.name} has no column {column!r} "
                                    f"(columns: {', '.join(owner.column_names)})")

    columns = list(table.columns)
    for column_name, kind in meta.columns.items():
        if column_name not in names:
            raise MetadataError(f"{at}.columns.{column_name}: no such column "
                                f"(columns: {', '.join(table.column_names)})")
        i = table.column_names.index(column_name)
        if kind == "skip" and not columns[i].nullable:
            raise MetadataError(f"{at}.columns.{column_name}: a NOT NULL column cannot be skipped")
        columns[i] = replace(columns[i], kind=None if kind == AUTO else kind)
    changes: dict[str, Any] = {"columns": tuple(columns), "mode": "copy" if meta.mode == "copy" else "synthesize"}
    if meta.keys_given:
        if meta.primary_key:
            check_columns(meta.primary_key, table, f"{at}.primary_key")
        keep = table.primary_key if table.primary_key and table.primary_key.columns == meta.primary_key else None
        changes["primary_key"] = keep or (PrimaryKey(meta.primary_key, None, _user_source(meta.pk_source))
                                          if meta.primary_key else None)
    if meta.foreign_keys is not None:
        fks = []
        for i, fk in enumerate(meta.foreign_keys):
            fk_at = f"{at}.foreign_keys[{i}]"
            check_columns(fk.columns, table, fk_at)
            if fk.ref_table not in schema.table_names:
                raise MetadataError(f"{fk_at}.references: no such table {fk.ref_table!r}")
            parent = schema.table(fk.ref_table)
            check_columns(fk.ref_columns, parent, f"{fk_at}.references")
            parent_keys = ([parent.primary_key.columns] if parent.primary_key else []) + [
                u.columns for u in parent.key_uniques]
            if fk.ref_table in metadata_keys:
                parent_keys.append(metadata_keys[fk.ref_table])
            if tuple(fk.ref_columns) not in parent_keys:
                raise MetadataError(f"{fk_at}.references: {fk.ref_table}({', '.join(fk.ref_columns)}) "
                                    "is not a primary or unique key of that table")
            if fk.ref_table == table.name and tuple(fk.columns) == tuple(fk.ref_columns):
                raise MetadataError(f"{fk_at}: a key cannot reference itself")
            existing = next((d for d in table.foreign_keys if d.columns == fk.columns
                             and d.ref_table == fk.ref_table and d.ref_columns == fk.ref_columns), None)
            fks.append(existing or ForeignKey(fk.columns, fk.ref_table, fk.ref_columns, None,
                                              _user_source(fk.source)))
        changes["foreign_keys"] = tuple(fks)
    return replace(table, **changes)


def _user_source(source: str) -> Any:
    """A key the database lacks stays ``inferred`` if dbsynth found it, else it is ``user``."""
    return "inferred" if source == "inferred" else "user"


# -------------------------------------------------------------------------------- SDV
_SDV_PII = {"email": "pii:email", "phone_number": "pii:phone", "first_name": "pii:first_name",
            "last_name": "pii:last_name", "name": "pii:full_name", "address": "pii:street_address",
            "street_address": "pii:street_address", "postcode": "pii:postal_code",
            "company": "pii:company", "ssn": "pii:ssn", "user_name": "pii:username"}
_TO_SDV_PII = {v: k for k, v in _SDV_PII.items() if k not in ("address",)}


def from_sdv(data: dict[str, Any], where: str = "SDV metadata") -> Metadata:
    """SDV's metadata JSON (multi-table, ``METADATA_SPEC_VERSION`` V1 or MULTI_TABLE_V1)."""
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise MetadataError(f"{where}: SDV metadata without 'tables'")
    out = Metadata()
    for name, entry in tables.items():
        at = f"{where}: tables.{name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("columns", {}), dict):
            raise MetadataError(f"{at}: expected an SDV table with 'columns'")
        meta = TableMeta(foreign_keys=[], keys_given=True)
        meta.primary_key = _column_list(entry.get("primary_key"), f"{at}.primary_key")
        for column, spec in entry.get("columns", {}).items():
            sdtype = spec.get("sdtype") if isinstance(spec, dict) else None
            if sdtype is not None and not isinstance(sdtype, str):
                raise MetadataError(f"{at}.columns.{column}.sdtype: expected a string, got {sdtype!r}")
            if sdtype in ("categorical", "boolean"):
                meta.columns[column] = "categorical"
            elif sdtype in _SDV_PII:
                meta.columns[column] = _SDV_PII[sdtype]
            elif sdtype in ("numerical", "datetime", "id", None):
                meta.columns[column] = AUTO
            else:  # other semantic types (e.g. 'country_code', 'unknown'): fake text
                meta.columns[column] = "text"
        out.tables[str(name)] = meta
    relationships = data.get("relationships") or []
    if not isinstance(relationships, list):
        raise MetadataError(f"{where}: 'relationships' must be a list")
    for i, rel in enumerate(relationships):
        at = f"{where}: relationships[{i}]"
        try:
            child, parent = rel["child_table_name"], rel["parent_table_name"]
            columns = _column_list(rel["child_foreign_key"], f"{at}.child_foreign_key")
            ref_columns = _column_list(rel["parent_primary_key"], f"{at}.parent_primary_key")
        except (KeyError, TypeError):
            raise MetadataError(f"{at}: expected parent_table_name, parent_primary_key, "
                                "child_table_name, child_foreign_key") from None
        if child not in out.tables or parent not in out.tables:
            raise MetadataError(f"{at}: table {child if child not in out.tables else parent!r} "
                                "is not in 'tables'")
        assert columns and ref_columns
        if len(columns) != len(ref_columns):
            raise MetadataError(f"{at}: {len(columns)} child column(s) against {len(ref_columns)} parent column(s)")
        fks = out.tables[child].foreign_keys
        assert fks is not None
        fks.append(ForeignKeyMeta(columns, parent, ref_columns, "user"))
    return out


def to_sdv(schema: Schema) -> dict[str, Any]:
    """SDV metadata (multi-table, V1) for a schema with resolved keys and kinds."""
    tables: dict[str, Any] = {}
    relationships = []
    for table in schema.tables:
        key_columns = set(table.primary_key.columns if table.primary_key else ())
        key_columns |= {c for fk in table.foreign_keys for c in fk.columns}
        columns = {c.name: {"sdtype": _sdtype(c, c.name in key_columns)} for c in table.columns}
        entry: dict[str, Any] = {"columns": columns}
        if table.primary_key:
            pk = table.primary_key.columns
            entry["primary_key"] = pk[0] if len(pk) == 1 else list(pk)
        tables[table.name] = entry
        for fk in table.foreign_keys:
            relationships.append({
                "parent_table_name": fk.ref_table,
                "parent_primary_key": fk.ref_columns[0] if len(fk.ref_columns) == 1 else list(fk.ref_columns),
                "child_table_name": table.name,
                "child_foreign_key": fk.columns[0] if len(fk.columns) == 1 else list(fk.columns)})
    return {"METADATA_SPEC_VERSION": "V1", "tables": tables, "relationships": relationships}


def _sdtype(column: Column, is_key: bool) -> str:
    if is_key:
        return "id"
    if column.kind == "categorical":
        return "categorical"
    kind = column.kind or (f"pii:{pii_kind(column.name)}" if pii_kind(column.name) else None)
    if kind in _TO_SDV_PII:
        return _TO_SDV_PII[kind]
    t = column.type
    if t.is_numeric:
        return "numerical"
    if t.name in ("timestamp", "timestamptz", "date"):
        return "datetime"
    if t.name == "boolean":
        return "boolean"
    return "categorical"


def write_metadata(path: Path, metadata: Metadata, schema: Schema) -> None:
    """YAML, or SDV's JSON when the file name ends in ``.json``."""
    if path.suffix.lower() == ".json":
        text = json.dumps(to_sdv(apply_metadata(schema, metadata)), indent=2)
    else:
        text = to_yaml(metadata, schema)
    path.write_text(text, encoding="utf-8")
