"""JSON, arrays, intervals and binary strings are modelled, never written NULL or copied,
on every engine that has them and across engines; a type dbsynth does not model is NULL
(nullable) or neutral generated values (NOT NULL), and named in the run's notes either way.

The source (schema/structured_<engine>.sql) has the same table on every engine with the
types that engine has; the checks go by the neutral type of each source column, so an
engine without arrays or intervals simply has no such column (``arrays`` capability)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import dbsynth
from contract.conftest import SCHEMA_DIR, Backend, make_backend
from dbsynth.connectors.registry import connect
from dbsynth import pipeline
from dbsynth.model.store import save_model
from dbsynth.pipeline import KeyOptions
from dbsynth.schema.model import Table

NO_INFER = KeyOptions(infer=False)


def structured_source(backend: Backend) -> str:
    return backend.source((SCHEMA_DIR / f"structured_{backend.ddl_name}.sql").read_text(), rows=None)


def read(url: str) -> tuple[Table, pd.DataFrame]:
    connector = connect(url)
    try:
        table = connector.introspect().table("doc")
        return table, connector.read_table(table)
    finally:
        connector.close()


def present(values: pd.Series) -> list[Any]:
    return [v for v in values if not _null(v)]


def _null(value: Any) -> bool:
    if isinstance(value, (list, tuple, dict, bytes, np.ndarray)):
        return False
    return value is None or bool(pd.isna(value))


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def as_list(value: Any) -> list[Any]:
    value = as_json(value)
    return value.tolist() if isinstance(value, np.ndarray) else list(value)


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "null")


def seconds(value: Any) -> float:
    if isinstance(value, pd.DateOffset):
        kw = value.kwds
        return (30 * kw.get("months", 0) + kw.get("days", 0)) * 86400.0 + kw.get("hours", 0) * 3600.0 \
            + kw.get("minutes", 0) * 60.0 + kw.get("seconds", 0) + kw.get("microseconds", 0) / 1e6 \
            + kw.get("nanoseconds", 0) / 1e9
    return pd.Timedelta(value).total_seconds()


def assert_modelled(source_url: str, target_url: str, notes: list[str]) -> None:
    """Per source column, by its type: what the target must hold."""
    table, real = read(source_url)
    _, synthetic = read(target_url)
    assert len(synthetic) == len(real) == 40
    seen = set()
    for column in table.columns:
        name, kind = column.name, column.type.name
        src, out = present(real[name]), present(synthetic[name])
        if len(src) == len(real) and kind != "unknown":
            assert len(out) == len(synthetic), f"{name}: NULLs where the source has none"
        if kind == "json":
            seen.add(kind)
            src_docs, out_docs = [as_json(v) for v in src], [as_json(v) for v in out]
            assert out_docs, f"{name}: written NULL"
            _assert_same_shape(name, src_docs, out_docs)
        elif kind == "array":
            seen.add(kind)
            lengths = [len(as_list(v)) for v in src]
            assert out, f"{name}: written NULL"
            for value in out:
                items = as_list(value)
                assert min(lengths) <= len(items) <= max(lengths), f"{name}: length {len(items)}"
                assert all(isinstance(i, (str, int, np.integer)) for i in items)
        elif kind == "bytes":
            seen.add(kind)
            lengths = [len(bytes(v)) for v in src]
            assert out and all(min(lengths) <= len(bytes(v)) <= max(lengths) for v in out)
            assert not {bytes(v) for v in out} & {bytes(v) for v in src}, f"{name}: source values copied"
        elif kind == "interval":
            seen.add(kind)
            low, high = min(map(seconds, src)), max(map(seconds, src))
            assert out and all(low - 1e-6 <= seconds(v) <= high + 1e-6 for v in out)
            assert len({seconds(v) for v in out}) > 5  # a distribution, not a constant
        elif kind == "unknown":
            seen.add(kind)
            if column.nullable:
                assert not out, f"{name}: a type dbsynth does not model is written NULL"
            else:
                assert len(out) == len(synthetic), f"{name}: NOT NULL column has NULLs"
                assert not {str(v) for v in out} & {str(v) for v in src}, f"{name}: copied"
            assert any(f"doc.{name} " in note for note in notes), f"{name}: not in the notes"
        elif name in ("odd", "odd_null"):  # SQLite: declared without a type, typed by its values
            seen.add("unknown")
            assert len(out) >= len(src) / 2, f"{name}: written NULL"  # (its NULLs are drawn)
    assert {"json", "bytes", "unknown"} <= seen


def _assert_same_shape(name: str, src_docs: list[Any], out_docs: list[Any]) -> None:
    """Top-level keys and the types of their values as in the source; nested too."""
    if not all(isinstance(d, dict) for d in src_docs):
        return
    assert all(isinstance(d, dict) for d in out_docs), f"{name}: not objects"
    keys = {k for d in src_docs for k in d}
    always = {k for k in keys if all(k in d for d in src_docs)}
    for doc in out_docs:
        assert always <= set(doc) <= keys, f"{name}: keys {sorted(doc)}"
        for key, value in doc.items():
            types = {json_type(d[key]) for d in src_docs if key in d}
            assert json_type(value) in types, f"{name}.{key}: {value!r}"
    if "email" in always:  # personal values are faked, never the source's
        emails = {d["email"] for d in out_docs}
        assert all("@" in e for e in emails) and not emails & {d["email"] for d in src_docs}
    if "qty" in always:
        qty = [d["qty"] for d in out_docs]
        assert all(isinstance(q, int) and 0 <= q <= 6 for q in qty) and len(set(qty)) > 2
    if "meta" in always:
        for doc in out_docs:
            assert set(doc["meta"]) == {"color", "since"}
            assert doc["meta"]["color"] in ("red", "green", "blue")
            assert re.fullmatch(r"2020-\d\d-\d\d", doc["meta"]["since"])
    if "dims" in always:
        assert all(len(d["dims"]) == 2 for d in out_docs)


def test_structured_values_modelled(backend: Backend) -> None:
    source, target = structured_source(backend), backend.target()
    result = dbsynth.synth(source, target, seed=3, keys=NO_INFER)
    assert result.integrity.ok
    assert_modelled(source, target, result.notes)
    _, real = read(source)
    if backend.caps.arrays:
        assert "tags" in real.columns and "scores" in real.columns


PAIRS = [pytest.param("postgres", "duckdb", marks=pytest.mark.postgres),
         pytest.param("postgres", "sqlite", marks=pytest.mark.postgres),
         pytest.param("duckdb", "postgres", marks=pytest.mark.postgres),
         pytest.param("sqlite", "postgres", marks=pytest.mark.postgres), ("duckdb", "sqlite")]


@pytest.mark.parametrize(("source_kind", "target_kind"), PAIRS)
def test_structured_values_across_engines(source_kind: str, target_kind: str, request,
                                          tmp_path) -> None:
    """PostgreSQL jsonb → DuckDB JSON / SQLite text, lists → arrays or JSON text, and back."""
    source = structured_source(make_backend(source_kind, request, tmp_path))
    target = make_backend(target_kind, request, tmp_path).target()
    result = dbsynth.synth(source, target, seed=4, keys=NO_INFER)
    assert result.integrity.ok
    assert_modelled(source, target, result.notes)


def test_model_file_keeps_structured_summaries(backend: Backend, tmp_path) -> None:
    """Train once, generate many: the model file (JSON, no rows) holds the structured
    summaries, is read back checked, and generates the same shapes."""
    source = structured_source(backend)
    path = tmp_path / "doc.dbsynth"
    save_model(pipeline.train(source, keys=NO_INFER).model, path)
    target = backend.target("from_model")
    result = pipeline.generate(pipeline.load(path), target, seed=1)
    assert result.integrity.ok
    assert_modelled(source, target, result.notes)
