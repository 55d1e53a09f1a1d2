"""The vetting of inferred keys as pure data: what it drops, why, and what it leaves alone."""

from __future__ import annotations

from dbsynth.schema.infer import Inference, InferredKey, with_inferred_keys
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, Schema, SqlType, Table, UniqueConstraint
from dbsynth.schema.vet import dropped_reason, vet_inference

INT = SqlType("integer")


def fk(table: str, cols: tuple[str, ...], ref: str, refs: tuple[str, ...], score: float = 0.9,
       coverage: float = 0.5) -> InferredKey:
    return InferredKey("foreign", table, cols, score, {"coverage": coverage}, ref, refs)


def schema() -> Schema:
    country = Table("country", (Column("code", INT, False), Column("name", INT, False),
                                Column("capital_id", INT, False), Column("region_id", INT, True)),
                    PrimaryKey(("code",)), (), (UniqueConstraint(("name",)),))
    city = Table("city", (Column("id", INT, False), Column("country_name", INT, False),
                          Column("mayor_id", INT, True)),
                 PrimaryKey(("id",)), (ForeignKey(("country_name",), "country", ("name",)),))
    region = Table("region", (Column("region_id", INT, False), Column("label", INT, True)))
    return Schema("duckdb", "main", (country, city, region))


def by_label(inference: Inference) -> dict[str, str | None]:
    return {k.label(): dropped_reason(k) for k in inference.keys}


def test_sound_keys_stay_and_a_not_null_cycle_is_fine() -> None:
    """country.capital_id -> city closes a cycle of NOT NULL keys: it loads (held), so kept."""
    found = Inference([fk("country", ("capital_id",), "city", ("id",)),
                       InferredKey("primary", "region", ("region_id",), 0.9, {})])
    vetted = vet_inference(schema(), found)
    assert vetted.keys == found.keys
    assert build_plan(with_inferred_keys(schema(), vetted)).held


def test_contradicting_and_keyless_references_are_dropped() -> None:
    found = Inference([
        fk("city", ("country_name",), "region", ("region_id",)),  # a declared FK sets it
        fk("city", ("mayor_id",), "region", ("label",)),  # not a key of region
        fk("country", ("region_id",), "region", ("region_id",)),  # region has no key (yet)
        InferredKey("primary", "city", ("country_name",), 0.95, {}),  # city declares one
    ])
    reasons = by_label(vet_inference(schema(), found))
    assert "declared foreign key city(country_name) -> country(name)" in reasons[
        "city(country_name) -> region(region_id)"]
    assert "neither its primary key nor UNIQUE" in reasons["city(mayor_id) -> region(label)"]
    assert "neither its primary key nor UNIQUE" in reasons["country(region_id) -> region(region_id)"]
    assert "declared primary key (id)" in reasons["city(country_name)"]


def test_an_inferred_primary_key_makes_its_references_keys() -> None:
    found = Inference([InferredKey("primary", "region", ("region_id",), 0.9, {}),
                       fk("country", ("region_id",), "region", ("region_id",))])
    assert all(r is None for r in by_label(vet_inference(schema(), found)).values())


def test_two_candidates_for_one_column_keep_the_better() -> None:
    found = Inference([fk("country", ("capital_id",), "city", ("id",), 0.7),
                       fk("country", ("capital_id",), "country", ("code",), 0.9)])
    vetted = vet_inference(schema(), found)
    reasons = by_label(vetted)
    assert reasons["country(capital_id) -> country(code)"] is None
    assert "conflicts with country(capital_id) -> country(code)" in str(
        reasons["country(capital_id) -> city(id)"])
    dropped = next(k for k in vetted.keys if k.ref_table == "city")
    assert dropped.score < vetted.threshold and dropped.evidence["score_before"] == 0.7
    assert len(vetted.accepted()) == 1


def test_a_key_that_makes_the_plan_fail_is_dropped_the_others_kept() -> None:
    """Two tables keyed by the same column, each inferred to reference the other through its
    key: nothing of that cycle can wait; the weaker key goes, the stronger stays."""
    a = Table("a", (Column("k", INT, False),), PrimaryKey(("k",)))
    b = Table("b", (Column("k", INT, False),), PrimaryKey(("k",)))
    found = Inference([fk("a", ("k",), "b", ("k",), 0.8), fk("b", ("k",), "a", ("k",), 0.9)])
    reasons = by_label(vet_inference(Schema("duckdb", "main", (a, b)), found))
    assert reasons["b(k) -> a(k)"] is None
    assert "load plan fail" in str(reasons["a(k) -> b(k)"])


def test_below_threshold_keys_are_not_judged() -> None:
    found = Inference([fk("city", ("mayor_id",), "region", ("label",), 0.3)])
    assert vet_inference(schema(), found).keys == found.keys
