"""Model files: gzip-compressed JSON, never pickle, so loading one cannot run code.

A model file holds the schema it was trained on, the dbsynth version, and per table the
engine's learnt *distributions* — decision-tree splits with per-leaf quantiles (leaves of at
least 20 rows on tables of 400 rows or more) or copula quantiles and correlations — plus
column summaries, key styles and link clusters. It holds no rows. Category frequency tables
do contain the categories' values (e.g. country names, genre names), so treat a model file
like aggregate statistics of the source, not like public data.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import gzip
import json
import uuid
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from dbsynth.errors import ModelError, SchemaError
from dbsynth.model.columns import ColumnSummary
from dbsynth.model.keys import KeySpec
from dbsynth.model.relational import Inequality, Link, ParentCopy, RelationalModel, TableModel
from dbsynth.model.table import engine_from_dict
from dbsynth.schema.serialize import schema_from_dict

FORMAT = "dbsynth-model"
FORMAT_VERSION = 3


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


def load_model(path: Path) -> RelationalModel:
    """Read and validate a model file; anything malformed is a :class:`ModelError`."""
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    return model_from_bytes(path.read_bytes(), str(path))


def model_from_bytes(content: bytes, label: str = "model") -> RelationalModel:
    """Validate and rebuild a model from a model file's content; ``label`` names it in errors."""
    try:
        payload = json.loads(gzip.decompress(content), object_hook=_decode)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{label} is not a dbsynth model file or is damaged "
                         f"({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{label} is not a dbsynth model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{label} has model format {payload.get('format_version')}; "
                         f"this dbsynth reads format {FORMAT_VERSION}")
    try:
        schema = schema_from_dict(payload["schema"])
        links = [_link(d) for d in payload["links"]]
        tables = {name: _table_from_dict(name, t) for name, t in payload["tables"].items()}
        missing = set(schema.table_names) - set(tables)
        if missing:
            raise ModelError(f"{label} lacks tables {sorted(missing)}")
    except (SchemaError, ModelError) as exc:
        raise ModelError(f"{label} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelError(f"{label} is damaged: {type(exc).__name__}: {exc}") from None
    return RelationalModel(schema, tables, links)


def _link(d: dict[str, Any]) -> Link:
    d = dict(d)
    d["columns"], d["ref_columns"] = tuple(d["columns"]), tuple(d["ref_columns"])
    return Link(**d)


def _table_to_dict(t: TableModel) -> dict[str, Any]:
    return {
        "row_count": t.row_count,
        "columns": {n: asdict(c) for n, c in t.columns.items()},
        "keys": {n: asdict(k) for n, k in t.keys.items()},
        "modelled": t.modelled,
        "engine": t.engine.to_dict(),
        "primary": asdict(t.primary) if t.primary else None,
        "orphan_rows": t.orphan_rows,
        "inequalities": [asdict(rule) for rule in t.inequalities],
        "copies": {n: asdict(c) for n, c in t.copies.items()},
        "copied": t.copied,
        "copied_hidden": t.copied_hidden,
    }


def _table_from_dict(name: str, d: dict[str, Any]) -> TableModel:
    columns = {n: ColumnSummary(**c) for n, c in d["columns"].items()}
    modelled = [str(m) for m in d["modelled"]]
    unknown = [m for m in modelled if m not in columns]
    if unknown:
        raise ModelError(f"table {name} models unknown columns {unknown}")
    return TableModel(
        name=name, row_count=int(d["row_count"]), columns=columns,
        keys={n: KeySpec(**k) for n, k in d["keys"].items()}, modelled=modelled,
        engine=engine_from_dict(d["engine"]),
        primary=_link(d["primary"]) if d["primary"] else None,
        orphan_rows=int(d["orphan_rows"]),
        inequalities=[Inequality(**rule) for rule in d["inequalities"]],
        copies={str(n): ParentCopy(tuple(c["fk_columns"]), str(c["parent"]),
                                   tuple(c["ref_columns"]), str(c["column"]))
                for n, c in d["copies"].items()},
        copied=d.get("copied"),
        copied_hidden=d.get("copied_hidden"),
    )


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
