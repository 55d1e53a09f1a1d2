"""Model files: gzip-compressed JSON, never pickle, so loading one cannot run code.

A model file holds the schema it was trained on, the dbsynth version, and per table the
engine's learnt *distributions* — decision-tree splits with per-leaf quantiles (leaves of at
least 20 rows on tables of 400 rows or more) or copula quantiles and correlations — plus
column summaries, key styles and link clusters. It holds no rows. Category frequency tables
do contain the categories' values (e.g. country names, genre names; also the frequent strings
of each JSON path and array), so treat a model file
like aggregate statistics of the source, not like public data.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import math
import typing
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from dbsynth.errors import ModelError, SchemaError
from dbsynth.model import checked, structured
from dbsynth.model.columns import ColumnSummary
from dbsynth.model.keys import KeySpec
from dbsynth.model.relational import Link, RelationalModel, TableModel
from dbsynth.model.table import ENGINES, CartEngine, ColumnSpec, CopulaEngine
from dbsynth.model.text_patterns import DATE_FORMATS, check_grammar
from dbsynth.model.tree import FlatTree
from dbsynth.schema.model import Schema
from dbsynth.schema.naming import PII_KINDS, PLACE_KINDS
from dbsynth.schema.serialize import schema_from_dict

FORMAT = "dbsynth-model"
FORMAT_VERSION = 4  # 4: child counts are classes of the counts seen (code ≠ count)


#: A model file may unpack to at most this many bytes unless the caller allows more
#: (``max_size``; the CLI's ``--max-model-size``): a small gzip can hide gigabytes.
DEFAULT_MAX_MODEL_SIZE = 2 * 1024**3
_CHUNK = 1 << 20
_GZIP = 16 + zlib.MAX_WBITS  # zlib reads the gzip wrapper itself
_KINDS = ("numeric", "datetime", "date", "time", "categorical", "text", "code", "pii", "uuid",
          "structured", "unsupported")
_KEY_STYLES = ("int", "pattern", "uuid", "temporal", "lookup", "sample")


def save_model(model: RelationalModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model_to_bytes(model))


def model_to_bytes(model: RelationalModel) -> bytes:
    """The model file's content (also how a model travels to scale-out workers: no pickle)."""
    from dbsynth import __version__

    payload = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "dbsynth_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "schema": model.schema.to_dict(),
        "links": [asdict(link) for link in model.links],
        "tables": {name: _table_to_dict(t) for name, t in model.tables.items()},
    }
    data = json.dumps(payload, default=_encode, separators=(",", ":")).encode()
    return gzip.compress(data, mtime=0)


def size_text(size: int) -> str:
    """``2 GB``, ``512 MB``, ``300 bytes``: how sizes appear in messages (powers of 1024)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} bytes"


def _too_big(label: str, what: str, max_size: int) -> ModelError:
    return ModelError(f"{label} {what} more than the model size limit of {size_text(max_size)} "
                      f"(raise it with --max-model-size)")


def load_model(path: Path, max_size: int = DEFAULT_MAX_MODEL_SIZE) -> RelationalModel:
    """Read and validate a model file; anything malformed is a :class:`ModelError`.

    The file is decompressed as a stream and stops as soon as it passes ``max_size`` bytes
    unpacked, so a gzip bomb costs at most ``max_size`` of memory and the time to reach it."""
    if max_size < 1:
        raise ModelError(f"--max-model-size must be positive, got {max_size}")
    if not path.is_file():
        raise ModelError(f"model file not found: {path}" if not path.exists()
                         else f"not a model file: {path} is a directory or device")
    if path.stat().st_size > max_size:
        raise _too_big(str(path), "is", max_size)
    try:
        with path.open("rb") as f:
            raw = _unpack(iter(lambda: f.read(_CHUNK), b""), str(path), max_size)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror or type(exc).__name__}") from None
    return _from_json(raw, str(path))


def model_from_bytes(content: bytes, label: str = "model",
                     max_size: int = DEFAULT_MAX_MODEL_SIZE) -> RelationalModel:
    """Validate and rebuild a model from a model file's content; ``label`` names it in errors."""
    if len(content) > max_size:
        raise _too_big(label, "is", max_size)
    chunks = (content[i:i + _CHUNK] for i in range(0, len(content), _CHUNK))
    return _from_json(_unpack(chunks, label, max_size), label)


def _unpack(chunks: Iterator[bytes], label: str, max_size: int) -> bytes:
    """The gzip stream (one or more members) unpacked, refused once it passes ``max_size``."""
    out = bytearray()
    inflater: Any = None
    try:
        for data in chunks:
            while data:
                if inflater is None:
                    inflater = zlib.decompressobj(_GZIP)
                out += inflater.decompress(data, max_size - len(out) + 1)
                if len(out) > max_size:
                    raise _too_big(label, "unpacks to", max_size)
                data = inflater.unconsumed_tail
                if inflater.eof:  # end of one gzip member; another may follow
                    data, inflater = inflater.unused_data + data, None
    except zlib.error:
        raise ModelError(f"{label} is not a dbsynth model file or is damaged (not gzip data)") from None
    if inflater is not None or not out:
        raise ModelError(f"{label} is not a dbsynth model file or is damaged (truncated)")
    return bytes(out)


def _from_json(raw: bytes, label: str) -> RelationalModel:
    try:
        payload = json.loads(raw, object_hook=_decode)
    except RecursionError:
        raise ModelError(f"{label} is nested more than {checked.MAX_DEPTH} levels deep") from None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
        raise ModelError(f"{label} is not a dbsynth model file or is damaged "
                         f"({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{label} is not a dbsynth model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{label} has model format {str(payload.get('format_version'))[:20]}; "
                         f"this dbsynth reads format {FORMAT_VERSION}")
    try:
        checked.check_depth(payload)
        for part, kind in (("schema", dict), ("links", list), ("tables", dict)):
            if not isinstance(payload.get(part), kind):
                raise ModelError(f"'{part}' is missing or not {'an object' if kind is dict else 'a list'}")
        schema = schema_from_dict(payload["schema"])
        check_schema(schema)
        links = [checked.build(Link, d, f"links[{i}]") for i, d in enumerate(payload["links"])]
        tables = {str(name): _table_from_dict(str(name), t)
                  for name, t in payload["tables"].items()}
        missing = set(schema.table_names) - set(tables)
        if missing:
            raise ModelError(f"lacks tables {sorted(missing)}")
        _check_model(schema, tables, links)
    except (SchemaError, ModelError) as exc:
        raise ModelError(f"{label} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise ModelError(f"{label} is damaged: {type(exc).__name__}: {str(exc)[:200]}") from None
    return RelationalModel(schema, tables, links)


def _table_to_dict(t: TableModel) -> dict[str, Any]:
    return {
        "row_count": t.row_count,
        "columns": {n: _summary_dict(c) for n, c in t.columns.items()},
        "keys": {n: _key_dict(k) for n, k in t.keys.items()},
        "modelled": t.modelled,
        "engine": t.engine.to_dict(),
        "primary": asdict(t.primary) if t.primary else None,
        "orphan_rows": t.orphan_rows,
        "inequalities": [asdict(rule) for rule in t.inequalities],
        "copies": {n: asdict(c) for n, c in t.copies.items()},
        "copied": t.copied,
        "copied_hidden": t.copied_hidden,
        # only where found: files of tables without line numbers stay as they were
        **({"ordinals": {n: asdict(o) for n, o in t.ordinals.items()}} if t.ordinals else {}),
    }


_TABLE_FIELDS = ("row_count", "columns", "keys", "modelled", "engine", "primary", "orphan_rows",
                 "inequalities", "copies", "copied", "copied_hidden", "ordinals")


def _summary_dict(summary: ColumnSummary) -> dict[str, Any]:
    """A column summary as stored; ``offset`` only where it is used (integers beyond a
    float's exact range), so the files of every other model stay as they were."""
    data = asdict(summary)
    if data["offset"] is None:
        data.pop("offset")
    if not data["infinite"]:
        data.pop("infinite")
    return data


def _key_dict(key: KeySpec) -> dict[str, Any]:
    """A key spec as stored; ``step`` and ``codes`` only where they are used (temporal and
    lookup keys), so the files of every other model stay as they were."""
    data = asdict(key)
    if not data["step"]:
        data.pop("step")
    if data["codes"] is None:  # (lookup keys only)
        data.pop("codes")
    return data


def _table_from_dict(name: str, d: Any) -> TableModel:
    """A table's model, every part type-checked (see :mod:`dbsynth.model.checked`)."""
    at = f"tables.{name}"
    if not isinstance(d, dict):
        raise ModelError(f"{at}: expected an object")
    unknown = sorted(set(d) - set(_TABLE_FIELDS))
    if unknown:
        raise ModelError(f"{at}: unknown field {unknown[0]!r}")
    hints = typing.get_type_hints(TableModel)

    def part(field: str, required: bool = True) -> Any:
        if field not in d:
            if required:
                raise ModelError(f"{at}: missing field {field!r}")
            return None
        return checked._value(hints[field], d[field], f"{at}.{field}")

    engine = d.get("engine")
    if not isinstance(engine, dict) or engine.get("name") not in ENGINES:
        raise ModelError(f"{at}.engine: unknown engine "
                         f"{str(engine.get('name'))[:40] if isinstance(engine, dict) else engine!r}")
    engine_data = {k: v for k, v in engine.items() if k != "name"}
    return TableModel(
        name=name, row_count=part("row_count"), columns=part("columns"), keys=part("keys"),
        modelled=part("modelled"),
        engine=checked.build(ENGINES[engine["name"]], engine_data, f"{at}.engine"),
        primary=part("primary"), orphan_rows=part("orphan_rows"),
        inequalities=part("inequalities"), copies=part("copies"),
        copied=part("copied", required=False), copied_hidden=part("copied_hidden", required=False),
        ordinals=part("ordinals", required=False) or {},
    )


def check_schema(schema: Schema) -> None:
    """Every key names columns and tables the schema has (a model's DDL is built from it)."""
    names = set(schema.table_names)
    if len(names) != len(schema.tables):
        raise ModelError("schema: a table name appears twice")
    for table in schema.tables:
        at = f"schema.tables.{table.name}"
        checked.in_range(table.row_count, 0, checked.MAX_ROWS, f"{at}.row_count")
        columns = set(table.column_names)
        if len(columns) != len(table.columns):
            raise ModelError(f"{at}: a column name appears twice")
        keys = [table.primary_key.columns] if table.primary_key else []
        keys += [u.columns for u in table.uniques] + [fk.columns for fk in table.foreign_keys]
        for key in keys:
            if not key or not set(key) <= columns:
                raise ModelError(f"{at}: a key names columns the table lacks: {list(key)[:5]}")
        for fk in table.foreign_keys:
            if fk.ref_table not in names:
                raise ModelError(f"{at}: a foreign key references unknown table {fk.ref_table!r}")
            parent = set(schema.table(fk.ref_table).column_names)
            if len(fk.ref_columns) != len(fk.columns) or not set(fk.ref_columns) <= parent:
                raise ModelError(f"{at}: foreign key {fk.label(table.name)} does not match "
                                 f"columns of {fk.ref_table}")


def _check_model(schema: Schema, tables: dict[str, TableModel], links: list[Link]) -> None:
    """Ranges and cross references that generation relies on (see module docstring)."""
    for i, link in enumerate(links):
        _check_link(link, schema, f"links[{i}]")
    for name, tm in tables.items():
        at = f"tables.{name}"
        if name not in schema.table_names:
            raise ModelError(f"{at}: no such table in the model's schema")
        table = schema.table(name)
        checked.in_range(tm.row_count, 0, checked.MAX_ROWS, f"{at}.row_count")
        checked.in_range(tm.orphan_rows, 0, tm.row_count, f"{at}.orphan_rows")
        for column, summary in tm.columns.items():
            _check_summary(summary, f"{at}.columns.{column}")
        for column, key in tm.keys.items():
            kat = f"{at}.keys.{column}"
            if column not in table.column_names:
                raise ModelError(f"{kat}: {name} has no such column")
            checked.one_of(key.style, _KEY_STYLES, f"{kat}.style")
            checked.in_range(key.start, -checked.MAX_INT // 2, checked.MAX_INT // 2, f"{kat}.start")
            checked.in_range(key.width, 0, 64, f"{kat}.width")
            checked.in_range(key.step, 0, 10**18, f"{kat}.step")
        unknown = [m for m in tm.modelled if m not in tm.columns]
        if unknown:
            raise ModelError(f"table {name} models unknown columns {unknown[:5]}")
        for column, ordinal in tm.ordinals.items():
            oat = f"{at}.ordinals.{column}"
            if column != ordinal.column or not {column, *ordinal.parent_columns} <= set(table.column_names):
                raise ModelError(f"{oat}: {name} has no such columns")
            if not ordinal.parent_columns or not table.column(column).type.is_integer:
                raise ModelError(f"{oat}: a line number is an integer column numbering a parent's rows")
            if ordinal.start not in (0, 1):
                raise ModelError(f"{oat}.start: {ordinal.start!r} is not 0 or 1")
        context = 0
        if tm.primary is not None:
            _check_link(tm.primary, schema, f"{at}.primary")
            if tm.primary.parent not in tables:
                raise ModelError(f"{at}.primary: unknown parent {tm.primary.parent!r}")
            context = len(tables[tm.primary.parent].modelled)
        _check_engine(tm.engine, len(tm.modelled), context, f"{at}.engine")
        parent_modelled = tables[tm.primary.parent].modelled if tm.primary else []
        for k, rule in enumerate(tm.inequalities):
            rat = f"{at}.inequalities[{k}]"
            for side, on_parent in ((rule.lower, rule.lower_parent), (rule.upper, rule.upper_parent)):
                if side not in (parent_modelled if on_parent else tm.modelled):
                    raise ModelError(f"{rat}: unknown column {side!r}")
            if not rule.gaps:
                raise ModelError(f"{rat}.gaps: empty")
        for column, copy in tm.copies.items():
            if copy.parent not in tables or len(copy.fk_columns) != len(copy.ref_columns):
                raise ModelError(f"{at}.copies.{column}: does not match a parent table")
        for rows in (tm.copied, tm.copied_hidden):
            lengths = {len(v) for v in (rows or {}).values()}
            if len(lengths) > 1:
                raise ModelError(f"{at}.copied: columns of different lengths")
            if lengths and max(lengths) > checked.MAX_ROWS:
                raise ModelError(f"{at}.copied: too many rows")


def _check_link(link: Link, schema: Schema, at: str) -> None:
    for table in (link.child, link.parent):
        if table not in schema.table_names:
            raise ModelError(f"{at}: unknown table {table!r}")
    if not link.columns or len(link.columns) != len(link.ref_columns):
        raise ModelError(f"{at}: columns and referenced columns must be as many")
    checked.in_range(link.null_share, 0.0, 1.0, f"{at}.null_share")
    width = len(link.center)
    checked.length(link.spread, width, f"{at}.spread")
    for i, centroid in enumerate(link.centroids):
        checked.length(centroid, width, f"{at}.centroids[{i}]")


def _check_summary(s: ColumnSummary, at: str) -> None:
    checked.one_of(s.kind, _KINDS, f"{at}.kind")
    checked.in_range(s.null_share, 0.0, 1.0, f"{at}.null_share")
    checked.weights(s.weights, f"{at}.weights")
    if s.kind == "structured":
        if s.structured is None:
            raise ModelError(f"{at}.structured: missing")
        structured.check(s.structured, f"{at}.structured")
    if s.kind == "categorical" and s.categories:
        checked.length(s.weights, len(s.categories), f"{at}.weights")
        if sum(s.weights) <= 0:
            raise ModelError(f"{at}.weights: all zero")
    if s.pii is not None:  # FakeValues draws these kinds only (else a KeyError mid-load)
        checked.one_of(s.pii, ("text", *PII_KINDS, *PLACE_KINDS), f"{at}.pii")
    if s.kind == "code" and s.code is None:
        raise ModelError(f"{at}.code: missing")
    for name, high in (("lengths", 2**31 - 1), ("words", 10**6)):  # what each drawn value holds
        for i, v in enumerate(getattr(s, name)):
            checked.in_range(v, 0, high, f"{at}.{name}[{i}]")
    if s.code is not None:
        problem = check_grammar(s.code)
        if problem:
            raise ModelError(f"{at}.code: {problem}")
    if s.text_format is not None:
        checked.one_of(s.text_format, DATE_FORMATS, f"{at}.text_format")
    if s.infinite:  # shares of -Infinity and +Infinity (decode reads them beside the quantiles)
        checked.length(s.infinite, 2, f"{at}.infinite")
        checked.shares(s.infinite, f"{at}.infinite")
        if sum(s.infinite) > 1 or not s.quantiles:
            raise ModelError(f"{at}.infinite: shares above 1 or no quantiles")
    if s.grid is not None and (s.grid.step is not None and not (0 < s.grid.step < math.inf)
                               or not 0 <= s.grid.decimals <= 15):
        raise ModelError(f"{at}.grid: step or decimals out of range")
    if s.grid is not None and s.grid.values and not (  # snapping searches them in order
            all(math.isfinite(v) for v in s.grid.values)
            and all(a < b for a, b in zip(s.grid.values, s.grid.values[1:]))):
        raise ModelError(f"{at}.grid.values: not finite and ascending")
    for field, low, high in (("scale", -1000, 1000), ("max_length", 0, 2**31 - 1),
                             ("step", 1, checked.MAX_INT)):
        value = getattr(s, field)
        if value is not None:
            checked.in_range(value, low, high, f"{at}.{field}")


def _check_engine(engine: CartEngine | CopulaEngine, n_columns: int, context: int, at: str) -> None:
    checked.length(engine.columns, n_columns, f"{at}.columns")
    for i, spec in enumerate(engine.columns):
        checked.in_range(spec.n_classes, 0, 10**7, f"{at}.columns[{i}].n_classes")
    if isinstance(engine, CopulaEngine):
        width = engine.n_context + n_columns
        if engine.n_context != context:
            raise ModelError(f"{at}.n_context: {engine.n_context}, expected {context}")
        for field in ("quantiles", "frequencies", "null_share", "correlation"):
            checked.length(getattr(engine, field), width, f"{at}.{field}")
        checked.shares(engine.null_share, f"{at}.null_share")
        for i, row in enumerate(engine.correlation):
            checked.length(row, width, f"{at}.correlation[{i}]")
            if not all(math.isfinite(v) for v in row):
                raise ModelError(f"{at}.correlation[{i}]: not finite")
        for i, spec in enumerate(engine.columns):
            j = engine.n_context + i
            if spec.categorical:
                checked.weights(engine.frequencies[j], f"{at}.frequencies[{j}]")
                if not engine.frequencies[j]:
                    raise ModelError(f"{at}.frequencies[{j}]: empty")
            elif not engine.quantiles[j]:
                raise ModelError(f"{at}.quantiles[{j}]: empty")
        return
    if engine.trees:
        checked.length(engine.trees, n_columns, f"{at}.trees")
    if engine.determines:
        checked.length(engine.determines, n_columns, f"{at}.determines")
    for j, tree in enumerate(engine.trees):
        _check_tree(tree, engine.columns[j], context + j, f"{at}.trees[{j}]")
        for k, rule in enumerate(engine.determines[j] if engine.determines else []):
            rat = f"{at}.determines[{j}][{k}]"
            checked.in_range(rule.column, 0, j - 1, f"{rat}.column")
            checked.length(rule.codes, engine.columns[j].n_classes, f"{rat}.codes")


def _check_tree(tree: FlatTree, spec: ColumnSpec, width: int, at: str) -> None:
    """Node arrays agree, children come after their node (so walking a tree ends), features
    exist, and each leaf has a distribution."""
    nodes = len(tree.left)
    if nodes < 1:
        raise ModelError(f"{at}: no nodes")
    for field in ("right", "feature", "threshold", "nan_left"):
        checked.length(getattr(tree, field), nodes, f"{at}.{field}")
    leaves = len(tree.null_share)
    if leaves < 1:
        raise ModelError(f"{at}.null_share: no leaves")
    for node in range(nodes):
        left, right = tree.left[node], tree.right[node]
        if (left == -1) != (right == -1):
            raise ModelError(f"{at}: node {node} has one child")
        if left != -1:
            if not (node < left < nodes and node < right < nodes):
                raise ModelError(f"{at}: node {node} has children out of order")
            checked.in_range(tree.feature[node], 0, width - 1, f"{at}.feature[{node}]")
    for key, row in tree.leaf_of_node.items():
        if not key.isdigit() or not int(key) < nodes:
            raise ModelError(f"{at}.leaf_of_node: unknown node {key[:20]!r}")
        checked.in_range(row, 0, leaves - 1, f"{at}.leaf_of_node.{key}")
    checked.shares(tree.null_share, f"{at}.null_share")
    if tree.categorical != spec.categorical:
        raise ModelError(f"{at}.categorical: does not match the column")
    table = tree.frequencies if tree.categorical else tree.quantiles
    checked.length(table, leaves, f"{at}.{'frequencies' if tree.categorical else 'quantiles'}")
    if tree.categorical:  # a class frequency per class, a fixed number of quantiles
        for i, row in enumerate(tree.frequencies):
            checked.length(row, spec.n_classes, f"{at}.frequencies[{i}]")
    elif len(lengths := {len(row) for row in table}) > 1 or 0 in lengths:
        raise ModelError(f"{at}.quantiles: leaf quantiles of different or no length")
    for i, row in enumerate(tree.frequencies):
        checked.weights(row, f"{at}.frequencies[{i}]")


def _encode(value: Any) -> Any:
    """Tag the values JSON lacks; decoded by :func:`_decode` into plain data only."""
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, tuple, set)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a model file")


_DECODERS = {
    "$decimal": decimal.Decimal, "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat, "$time": dt.time.fromisoformat,
    "$timedelta": lambda s: dt.timedelta(seconds=float(s)),
    "$bytes": lambda s: base64.b64decode(s),
}


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        (tag, value), = obj.items()
        if tag in _DECODERS:
            return _DECODERS[tag](value)
    return obj
