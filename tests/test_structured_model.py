"""The structured summaries without a database: JSON paths (nesting, mixed types, caps),
arrays, bytes, intervals, and a damaged summary refused as a model file must be."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from dbsynth.errors import ModelError
from dbsynth.model import structured
from dbsynth.model.columns import fit_column, sample_column
from dbsynth.model.pii import FakeValues
from dbsynth.schema.model import Column, SqlType


def draw(column: Column, values: list, n: int = 300, seed: int = 0) -> list:
    summary = fit_column(column, pd.Series(values, dtype=object))
    rng = np.random.default_rng(seed)
    return sample_column(summary, n, rng, FakeValues(rng), column.nullable).tolist()


def depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def test_json_paths_keep_presence_types_and_nesting() -> None:
    docs = [{"id": i, "tag": ["x", "y", None][i % 3], "opt": i} if i % 4 else {"id": i, "tag": "x"}
            for i in range(200)]
    docs = [{**d, "at": f"2021-03-{1 + i % 28:02d}T10:00:00Z", "deep": {"a": {"b": [i % 2, 1.5]}}}
            for i, d in enumerate(docs)]
    out = [json.loads(v) for v in draw(Column("doc", SqlType("json"), nullable=False), docs)]
    assert all(set(d) <= {"id", "tag", "opt", "at", "deep"} and {"id", "tag", "at", "deep"} <= set(d)
               for d in out)
    share = sum("opt" in d for d in out) / len(out)
    assert 0.6 < share < 0.9  # 3 in 4 source documents have it
    assert {type(d["tag"]) for d in out} == {str, type(None)}
    assert all(isinstance(d["id"], int) and 0 <= d["id"] <= 199 for d in out)
    assert all(re.fullmatch(r"2021-03-\d\dT\d\d:00:00Z", d["at"]) for d in out)  # on the hour
    assert all(isinstance(d["deep"]["a"]["b"], list) for d in out)


def test_json_caps_keys_and_depth() -> None:
    wide = [{str(k): k for k in range(i, i + 100)} for i in range(50)]  # keyed by ids
    out = [json.loads(v) for v in draw(Column("w", SqlType("json")), wide, n=20)]
    assert all(len(d) <= structured.MAX_KEYS for d in out)
    nested: dict = {"v": 1}
    for _ in range(20):
        nested = {"n": nested}
    out = [json.loads(v) for v in draw(Column("d", SqlType("json")), [nested] * 5, n=5)]
    assert all(depth(d) <= structured.MAX_DEPTH + 1 for d in out)


def test_scalar_json_and_text_that_is_not_json() -> None:
    out = draw(Column("j", SqlType("json"), nullable=False), ['"a"', "3", "not json", "true"] * 10)
    assert all(json.loads(v) is not None or v == "null" for v in out)  # always valid JSON text


def test_arrays_bytes_intervals() -> None:
    arrays = [[i, i + 1][: 1 + i % 2] for i in range(50)]
    out = draw(Column("a", SqlType("array", element=SqlType("integer")), nullable=False), arrays)
    assert all(1 <= len(a) <= 2 and all(isinstance(x, int) for x in a) for a in out)
    blobs = [bytes([i]) * (3 + i % 5) for i in range(50)]
    out = draw(Column("b", SqlType("bytes"), nullable=False), blobs)
    assert all(3 <= len(b) <= 7 for b in out) and not set(out) & set(blobs)
    lags = [dt.timedelta(days=1 + i % 10) for i in range(50)]
    out = draw(Column("l", SqlType("interval"), nullable=False), lags)
    assert all(dt.timedelta(days=1) <= v <= dt.timedelta(days=10) and v.seconds == 0 for v in out)


def test_not_modelled_types_never_copy() -> None:
    dates = [[dt.date(2020, 1, 1 + i % 9)] for i in range(20)]
    assert draw(Column("d", SqlType("array", element=SqlType("date")), nullable=False), dates,
                n=10) == [[]] * 10
    assert draw(Column("d", SqlType("array", element=SqlType("date"))), dates, n=10) == [None] * 10
    odd = [f"'w{i}':1" for i in range(20)]
    out = draw(Column("t", SqlType("unknown", native="tsvector"), nullable=False), odd)
    assert all(isinstance(v, str) and v for v in out) and not set(out) & set(odd)


def test_damaged_summary_is_refused() -> None:
    summary = structured.fit(Column("j", SqlType("json")), pd.Series([{"a": 1}, {"a": "x"}]))
    assert summary is not None and summary.node is not None
    structured.check(summary, "s")
    summary.node.children["a"].weights = [1.0]  # two types, one weight
    with pytest.raises(ModelError, match="s.node.children.a.weights"):
        structured.check(summary, "s")
