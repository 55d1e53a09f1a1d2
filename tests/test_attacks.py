"""The privacy statistics (attacks, exact copies) on frames made to order, without a database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.report.attacks import QUERIES, Rate, singling_out


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({c: rng.normal(size=n) for c in ("a", "b", "c")})


def test_singling_out_judges_against_chance_itself() -> None:
    """A copy of the training rows singles out training rows only. The chance baseline (the
    training rows' share of real rows) is known, not measured: the interval is the attack
    rate's alone. Before: chance got a Wilson interval of its own (as if it were sampled),
    which pulled the risk's lower bound from 0.90 to 0.87 here, and more for a partial leak."""
    rng = np.random.default_rng(0)
    training, control = _frame(rng, 400), _frame(rng, 100)
    kinds = {c: "numerical" for c in training}
    found = singling_out(training, control, training.copy(), kinds, np.random.default_rng(1))
    assert found is not None and found["trials"] == QUERIES
    chance = 400 / 500
    assert found["control_rate"] == chance and found["attack_rate"] == 1.0
    low = Rate(QUERIES, QUERIES).interval()[0]
    assert found["ci"][0] == pytest.approx((low - chance) / (1 - chance))
    assert found["risk"] == 1.0



def test_exact_copies_found_whatever_the_number_dtype() -> None:
    """A copied row is a copy whether its integer column was read as int64 (no NULLs), float64
    (NULLs elsewhere in the column) or Int64. Before: '1' against '1.0', no copy found."""
    from dbsynth.report.copies import found_in

    real = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a", "b", "c", "d"]})
    as_float = pd.DataFrame({"x": [1.0, 2.0, np.nan, 9.0], "y": ["a", "b", "c", "d"]})
    as_nullable = pd.DataFrame({"x": pd.array([1, 2, None, 9], dtype="Int64"), "y": ["a", "b", "c", "d"]})
    with_null = pd.DataFrame({"x": [1.0, np.nan], "y": ["a", "c"]})
    assert found_in(as_float, real, ["x", "y"]) == 2
    assert found_in(as_nullable, real, ["x", "y"]) == 2
    assert found_in(as_nullable, as_float, ["x", "y"]) == 4  # NULL equals NULL here: the same row
    assert found_in(with_null, as_nullable, ["x", "y"]) == 2


def test_entity_and_parent_frames_of_an_empty_table() -> None:
    """A copy made with --rows T=0 has an empty entity table: its frames are empty, not an
    error. Before: ValueError 'Data must be 1-dimensional' (an internal error of the report)."""
    from dbsynth.report.detection import enriched_parents
    from dbsynth.report.entities import entity_frame
    from dbsynth.schema.model import ForeignKey

    fk = ForeignKey(("pid",), "p", ("id",))
    rows = pd.DataFrame({"id": pd.Series([], dtype="int64"), "age": pd.Series([], dtype="float64")})
    figures = pd.DataFrame({"n": [2.0], "mean x": [1.0]}, index=["1"])
    frame, kinds = entity_frame(None, "p", rows, {"age": "numerical"}, {("c", fk): figures})  # type: ignore[arg-type]
    assert frame.shape == (0, 3) and kinds["c(pid) count"] == "numerical"
    parents, _ = enriched_parents(rows, fk, {"age": "numerical"}, figures)
    assert parents.shape == (0, 3)
    full = pd.DataFrame({"id": [1, 2], "age": [30.0, 40.0]})
    frame, _ = entity_frame(None, "p", full, {"age": "numerical"}, {("c", fk): figures})  # type: ignore[arg-type]
    assert frame["c(pid) count"].tolist() == [2.0, 0.0] and frame["c(pid) mean x"].iloc[0] == 1.0


def test_p_values_of_the_excess_over_control_and_of_membership() -> None:
    """One-sided p-values: a two-proportion z test against a control rate, an exact binomial
    one against chance, and the AUC against 0.5 (the rank-sum statistic's spread under no leak)."""
    from scipy.stats import norm

    from dbsynth.report.attacks import Rate, excess

    found = excess(Rate(60, 100), Rate(40, 100))
    assert found["p_value"] == pytest.approx(norm.sf(0.2 / (0.25 * 0.02) ** 0.5))
    assert excess(Rate(40, 100), Rate(60, 100))["p_value"] > 0.99  # worse than control: no leak
    from scipy.stats import binom

    assert excess(Rate(30, 100), 0.2)["p_value"] == pytest.approx(binom.sf(29, 100, 0.2))
    assert excess(Rate(30, 30), 0.8)["p_value"] == pytest.approx(0.8 ** 30)  # all 30 landed
    assert excess(Rate(0, 0), 0.2)["p_value"] == 1.0


def test_a_risk_is_measurable_only_beyond_the_noise_of_as_many_attacks() -> None:
    """The highest of many attacks is often above 0 by chance: a risk whose p-value is 0.01
    counts alone, but not as one of twenty (Bonferroni: 0.05 / 20), nor when its interval
    includes 0."""
    from dbsynth.report.attacks import measurable

    leak = {"risk": 0.3, "ci": [0.05, 0.5], "p_value": 0.01}
    noise = {"risk": 0.02, "ci": [0.0, 0.1], "p_value": 0.4}
    assert measurable([leak]) == 0.3
    assert measurable([leak] + [noise] * 19) == 0.0
    assert measurable([leak, noise], family=20) == 0.0
    assert measurable([{"risk": 0.3, "ci": [0.0, 0.5], "p_value": 0.001}]) == 0.0
    assert measurable([{"risk": 0.6, "ci": [0.4, 0.8], "p_value": 1e-9}] + [noise] * 19) == 0.6
