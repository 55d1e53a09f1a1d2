"""Model files: gzip-compressed JSON, never pickle, so loading one cannot run code.

A model file holds the schema it was trained on, the dbsynth version, and per-column
*summaries* (quantiles, category frequencies, key styles, child-count quantiles) — no rows.
Category frequency tables do contain the categories' values (e.g. country names), so treat
a model file like aggregate statistics of the source, not like public data.
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
from dbsynth.model.marginal import ForeignKeySummary, MarginalModel, TableSummary
from dbsynth.schema.serialize import schema_from_dict

FORMAT = "dbsynth-model"
FORMAT_VERSION = 1


def save_model(model: MarginalModel, path: Path) -> None:
    from dbsynth import __version__

    payload = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "dbsynth_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "engine": "marginal", "schema": model.schema.to_dict(),
        "tables": {name: _table_to_dict(t) for name, t in model.tables.items()},
    }
    data = json.dumps(payload, default=_encode, separators=(",", ":")).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0))


def load_model(path: Path) -> MarginalModel:
    """Read and validate a model file; anything malformed is a :class:`ModelError`."""
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        payload = json.loads(gzip.decompress(path.read_bytes()), object_hook=_decode)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a dbsynth model file or is damaged "
                         f"({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path} is not a dbsynth model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path} has model format {payload.get('format_version')}; "
                         f"this dbsynth reads format {FORMAT_VERSION}")
    try:
        schema = schema_from_dict(payload["schema"])
        tables = {name: _table_from_dict(name, t) for name, t in payload["tables"].items()}
        missing = set(schema.table_names) - set(tables)
        if missing:
            raise ModelError(f"{path} lacks tables {sorted(missing)}")
    except SchemaError as exc:
        raise ModelError(f"{path} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path} is damaged: {type(exc).__name__}: {exc}") from None
    return MarginalModel(schema, tables)


def _table_to_dict(t: TableSummary) -> dict[str, Any]:
    return {
        "row_count": t.row_count,
        "columns": {n: asdict(c) for n, c in t.columns.items()},
        "keys": {n: asdict(k) for n, k in t.keys.items()},
        "foreign_keys": [{"columns": list(cols), **asdict(f)} for cols, f in t.foreign_keys.items()],
    }


def _table_from_dict(name: str, d: dict[str, Any]) -> TableSummary:
    summary = TableSummary(name=name, row_count=int(d["row_count"]))
    summary.columns = {n: ColumnSummary(**c) for n, c in d["columns"].items()}
    summary.keys = {n: KeySpec(**k) for n, k in d["keys"].items()}
    summary.foreign_keys = {
        tuple(f["columns"]): ForeignKeySummary(float(f["null_share"]), [float(x) for x in f["degrees"]])
        for f in d["foreign_keys"]}
    return summary


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
