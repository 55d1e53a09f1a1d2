"""Vet inferred keys before they join the schema.

Inference must never turn a database that synthesizes with its declared keys into one that
fails. So an inferred key that scored high enough is still *dropped* (ranked just under the
threshold, with the reason in its evidence under ``dropped``) when it

- contradicts a declared key: a primary key where another is declared, a foreign key on
  columns a declared foreign key already sets;
- refers to what is not a key: a table outside the schema, columns that are neither the
  parent's primary key (declared, or inferred and kept) nor UNIQUE (declared, or an alternate
  key the data says is unique), or its own columns;
- conflicts with another inferred foreign key on some of the same child columns (the one
  with the better score, then coverage, is kept);
- closes a cycle the load plan cannot break (:func:`dbsynth.schema.graph.build_plan`).

``dbsynth inspect`` prints each dropped key with its reason; ``--json`` has it in the key's
evidence. The checks read no data: they judge the keys against the schema.
"""

from __future__ import annotations

from dataclasses import replace

from dbsynth.errors import SchemaError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.infer import Inference, InferredKey, with_inferred_keys
from dbsynth.schema.infer.alternate import ALTERNATE
from dbsynth.schema.model import Schema

#: the evidence entry that says why a key was dropped
DROPPED = "dropped"


def vet_inference(schema: Schema, inference: Inference) -> Inference:
    """``inference`` with every accepted key that would break ``schema`` (the declared one)
    ranked down under the threshold, saying why. Keys it leaves alone are unchanged."""
    keys = list(inference.keys)
    reasons: dict[int, str] = {}

    def live(kind: str) -> list[int]:
        return [i for i, k in enumerate(keys)
                if k.kind == kind and k.score >= inference.threshold and i not in reasons]

    for i in live("primary"):
        declared = schema.table(keys[i].table).primary_key
        if declared is not None and declared.columns != keys[i].columns:
            reasons[i] = f"contradicts the declared primary key ({', '.join(declared.columns)})"
    _vet_cycles(schema, inference, keys, live("primary"), [], reasons)
    primary = {t.name: t.primary_key.columns for t in schema.tables if t.primary_key}
    for i in live("primary"):
        primary.setdefault(keys[i].table, keys[i].columns)
    for i in live("foreign"):
        why = _contradiction(schema, keys[i], primary)
        if why:
            reasons[i] = why
    _vet_conflicts(keys, live("foreign"), reasons)
    _vet_cycles(schema, inference, keys, live("primary"), live("foreign") + live("unique"), reasons)
    for i, why in reasons.items():
        key = keys[i]
        keys[i] = replace(key, score=min(key.score, inference.threshold - 1e-3),
                          evidence=key.evidence | {DROPPED: why, "score_before": round(key.score, 3)})
    return replace(inference, keys=keys)


def dropped_reason(key: InferredKey) -> str | None:
    """Why the vetting dropped ``key``, or None."""
    why = key.evidence.get(DROPPED)
    return str(why) if why is not None else None


def _contradiction(schema: Schema, key: InferredKey,
                   primary: dict[str, tuple[str, ...]]) -> str | None:
    """Why an inferred foreign key contradicts the declared keys or refers to no key."""
    table = schema.table(key.table)
    ref_columns = tuple(key.ref_columns or ())
    for fk in table.foreign_keys:
        if set(fk.columns) & set(key.columns):
            return f"contradicts the declared foreign key {fk.label(table.name)}"
    if key.ref_table not in schema.table_names:
        return f"refers to {key.ref_table}, which is not in the schema"
    if key.ref_table == key.table and set(ref_columns) == set(key.columns):
        return "refers to its own columns"
    parent = schema.table(str(key.ref_table))
    keysets = {frozenset(u.columns) for u in parent.key_uniques}
    if key.evidence.get(ALTERNATE):  # the data says it is unique: declared so with the key
        keysets.add(frozenset(ref_columns))
    if parent.name in primary:
        keysets.add(frozenset(primary[parent.name]))
    if len(ref_columns) != len(key.columns) or frozenset(ref_columns) not in keysets:
        return (f"refers to {parent.name}({', '.join(ref_columns)}), which is neither its "
                "primary key nor UNIQUE")
    return None


def _vet_conflicts(keys: list[InferredKey], candidates: list[int], reasons: dict[int, str]) -> None:
    """Two inferred foreign keys setting the same child column: the better one stays."""
    ranked = sorted(candidates, key=lambda i: (-keys[i].score,
                                               -float(keys[i].evidence.get("coverage", 0.0)),
                                               keys[i].label()))
    kept: list[InferredKey] = []
    for i in ranked:
        key = keys[i]
        rival = next((k for k in kept if k.table == key.table and set(k.columns) & set(key.columns)),
                     None)
        if rival is not None:
            reasons[i] = f"conflicts with {rival.label()} (scored {rival.score:.2f}, kept)"
        else:
            kept.append(key)


def _vet_cycles(schema: Schema, inference: Inference, keys: list[InferredKey],
                primary: list[int], foreign: list[int], reasons: dict[int, str]) -> None:
    """Drop the keys that make the load plan fail, best-scoring keys first; nothing when the
    declared keys alone already fail (inference is not what breaks it then)."""
    def plan_fails(chosen: list[int]) -> str | None:
        subset = replace(inference, keys=[keys[i] for i in chosen])
        try:
            build_plan(with_inferred_keys(schema, subset))
        except SchemaError as exc:
            return exc.message
        return None

    if plan_fails([]) is not None or plan_fails(primary + foreign) is None:
        return
    kept: list[int] = []
    by_score = (sorted(primary, key=lambda i: -keys[i].score)
                + sorted(foreign, key=lambda i: -keys[i].score))
    for i in by_score:
        failure = plan_fails(kept + [i])
        if failure is None:
            kept.append(i)
        else:
            reasons[i] = f"would make the load plan fail: {failure}"
