"""SDMetrics' multi-table QualityReport on two databases, for cross-checking dbsynth's numbers.

Run (needs ``sdmetrics``, see README.md in this folder):
    python benchmarks/sdmetrics_crosscheck.py REAL_URL SYNTHETIC_URL [--label NAME] [--out FILE]

Reads both databases with dbsynth's connectors, declares to SDMetrics exactly the columns
dbsynth's report scores (same kinds; keys as ``id``; single-column, non-self foreign keys as
relationships) and prints SDMetrics' overall score and four properties beside dbsynth's own
(``dbsynth.report.fidelity``). ``--out`` merges the SDMetrics figures under ``--label`` into a
JSON file: ``tests/data/sdmetrics_crosscheck.json`` holds the figures the test suite checks
dbsynth against (``--demo`` builds the demo pairs that file was made from).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from dbsynth.report.fidelity import fidelity, scored_columns
from dbsynth.schema.model import Schema

PROPERTIES = {"column_shapes": "Column Shapes", "column_pair_trends": "Column Pair Trends",
              "cardinality": "Cardinality", "intertable_trends": "Intertable Trends"}


def sdmetrics_scores(schema: Schema, real: dict[str, pd.DataFrame],
                     synthetic: dict[str, pd.DataFrame]) -> dict[str, float]:
    from sdmetrics.reports.multi_table import QualityReport

    scored = scored_columns(schema, real)
    metadata: dict[str, Any] = {"METADATA_SPEC_VERSION": "V1", "tables": {}, "relationships": []}
    frames: tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]] = ({}, {})
    for table in schema.tables:
        keys = set(table.primary_key.columns if table.primary_key else ())
        keys |= {c for fk in table.foreign_keys for c in fk.columns}
        columns = {c: {"sdtype": "id"} for c in table.column_names if c in keys}
        columns |= {c: {"sdtype": k} for c, k in scored.kinds[table.name].items()}
        entry: dict[str, Any] = {"columns": columns}
        if table.primary_key and len(table.primary_key.columns) == 1:
            entry["primary_key"] = table.primary_key.columns[0]
        metadata["tables"][table.name] = entry
        for out, source in zip(frames, (real, synthetic)):
            out[table.name] = pd.DataFrame({c: _normal(source[table.name][c], m["sdtype"])
                                            for c, m in columns.items()})
        for fk in table.foreign_keys:
            if fk.ref_table != table.name and len(fk.columns) == 1:
                metadata["relationships"].append({
                    "parent_table_name": fk.ref_table, "parent_primary_key": fk.ref_columns[0],
                    "child_table_name": table.name, "child_foreign_key": fk.columns[0]})
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(frames[0], frames[1], metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return {"overall": float(report.get_score())} | {k: float(props[v]) for k, v in PROPERTIES.items()}


def _normal(values: pd.Series, sdtype: str) -> pd.Series:
    if sdtype == "numerical":
        return pd.to_numeric(values, errors="coerce").astype(float)
    if sdtype == "datetime":
        return pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)
    return values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v))


def compare(real_url: str, synthetic_url: str) -> dict[str, dict[str, float]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from databases import read_frames  # the test suite reads databases the same way

    schema, real = read_frames(real_url)
    _, synthetic = read_frames(synthetic_url)
    ours = fidelity(schema, real, synthetic)
    return {"sdmetrics": sdmetrics_scores(schema, real, synthetic),
            "dbsynth": {k: float(ours[k]) for k in ["overall", *PROPERTIES]}}


def demo_pairs(folder: Path) -> dict[str, tuple[str, str]]:
    """The pairs the stored figures come from: the demo (seed 7) against an independent draw
    of the same hospital (seed 8) and against a copy with shuffled columns."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from databases import build_demo_pairs  # the test suite builds the same files

    return build_demo_pairs(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real", nargs="?")
    parser.add_argument("synthetic", nargs="?")
    parser.add_argument("--label", default="pair")
    parser.add_argument("--demo", action="store_true", help="cross-check the stored demo pairs")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    pairs = (demo_pairs(Path(tempfile.mkdtemp(prefix="dbsynth-xcheck-"))) if args.demo
             else {args.label: (args.real, args.synthetic)})
    stored = json.loads(args.out.read_text()) if args.out and args.out.exists() else {}
    for label, (real_url, synthetic_url) in pairs.items():
        result = compare(real_url, synthetic_url)
        print(label, json.dumps(result, indent=2))
        stored[label] = result["sdmetrics"]
    if args.out:
        args.out.write_text(json.dumps(stored, indent=2) + "\n")


if __name__ == "__main__":
    main()
