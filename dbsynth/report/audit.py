"""Privacy audit: one risk figure, 0 = no measurable risk, 1 = everything disclosed.

Always: per table, the share of synthetic rows reproducing a real row beyond the natural
rate (the same share measured between two random halves of the real data: rows that repeat
by nature, such as a two-column lookup, are not a leak), ``(share - natural) / (1 - natural)``
clipped at 0 (:class:`dbsynth.report.copies.CopyRate`). So a verbatim copy scores 1 and a
copy with a tenth of its rows copied about 0.1. Tables with too few rows to measure a natural
rate are not judged.

With a control set (real entities held out of training: ``synth --audit``, ``train
--holdout``), also the attacks of :mod:`dbsynth.report.attacks` per table and per entity (the
entity table's rows with their children flattened, :mod:`dbsynth.report.entities`). The
audit's risk is the highest measured: reproduction of the worst table, and each attack's
risk where it is not noise — its interval excludes 0 and its p-value is below 5% divided by
the number of attacks run over all tables and the entity (Bonferroni), so that running more
attacks does not raise the headline by chance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dbsynth.model.holdout import among, key_texts
from dbsynth.report.attacks import attack_results, attacks, measurable
from dbsynth.report.entities import entity_frame
from dbsynth.report.fidelity import Kind, prepared
from dbsynth.schema.model import Schema


def audit(privacy_tables: dict[str, dict[str, Any]],
          attacked: dict[str, Any] | None = None) -> dict[str, Any]:
    """The audit block of ``privacy``, from its per-table exact copies and natural rates,
    and the attack results when there was a control set."""
    tables = {t: {"reproduced_share": p["exact_copy_share"], "natural_share": p["natural_copy_share"],
                  "risk": p["copies_beyond_natural"]}
              for t, p in privacy_tables.items() if p.get("copies_beyond_natural") is not None}
    risk = max((r["risk"] for r in tables.values()), default=0.0)
    out: dict[str, Any] = {"risk": risk, "method": "reproduction beyond natural rate (no control set)",
                           "tables": tables}
    if attacked is not None:
        attack_risk = attacked["risk"]
        out |= {"risk": max(risk, attack_risk), "reproduction_risk": risk, "attack_risk": attack_risk,
                "method": "reproduction beyond natural rate; attacks against a control set (Giomi et al. 2022)",
                "attacks": attacked}
    return out


def control_masks(frame: pd.DataFrame, key: tuple[str, ...], held: set[str],
                  trained: set[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """Which rows the model trained on and which it never saw, by the control set's keys
    (``trained``: the training keys of a table training sampled; rows in neither are left out)."""
    texts = key_texts(frame, key)
    out = among(texts, held)
    return (among(texts, trained) if trained is not None else ~out), out


def split_by_control(frame: pd.DataFrame, key: tuple[str, ...], held: set[str],
                     trained: set[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows the model trained on and rows it never saw (see :func:`control_masks`)."""
    inside, out = control_masks(frame, key, held, trained)
    return frame[inside], frame[out]


def attack_audit(schema: Schema, real: dict[str, pd.DataFrame], synthetic: dict[str, pd.DataFrame],
                 kinds: dict[str, dict[str, Kind]], control: dict[str, Any],
                 per_parent: dict[tuple[str, tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]],
                 seed: int = 0) -> dict[str, Any]:
    """Attacks per table held out by key, and on the entity frame (``control``: the keys
    recorded by :meth:`dbsynth.model.holdout.Control.keys`; ``per_parent``: the report's
    per-parent child figures, real and synthetic, by child table and FK columns)."""
    held = {t: (tuple(c["columns"]), set(c["keys"]), set(c["trained"]) if "trained" in c else None)
            for t, c in control.get("tables", {}).items() if t in schema.table_names}
    tables: dict[str, Any] = {}
    for name, (key, keys, seen) in held.items():
        trained, unseen = split_by_control(real[name], key, keys, seen)
        tables[name] = attacks(prepared(trained, kinds[name]), prepared(unseen, kinds[name]),
                               prepared(synthetic[name], kinds[name]), kinds[name], seed)
    entity = control.get("entity")
    entity_result = None
    if entity in held:
        links = [(t.name, fk) for t in schema.tables for fk in t.foreign_keys
                 if fk.ref_table == entity and t.name != entity and (t.name, fk.columns) in per_parent]
        frame, entity_kinds = entity_frame(schema, entity, real[entity], kinds[entity],
                                           {(c, fk): per_parent[(c, fk.columns)][0] for c, fk in links})
        fake, _ = entity_frame(schema, entity, synthetic[entity], kinds[entity],
                               {(c, fk): per_parent[(c, fk.columns)][1] for c, fk in links})
        inside, out = control_masks(real[entity], *held[entity])
        entity_result = attacks(frame[inside], frame[out], fake, entity_kinds, seed)
    found = {"entity_table": entity, "control_share": control.get("share"), "tables": tables,
             "entity": entity_result}
    every = attack_results(found)  # one family: the headline is the highest of all of them
    return found | {"risk": measurable(every), "attacks_judged": len(every)}
