"""Built-in demo source database for ``dbsynth demo``.

The ``dbsynth demo`` command needs a realistic source database to profile and
synthesize from without asking the user for one.  This module builds that
database: a small, deterministic, fully offline DuckDB file with a hospital
schema (patients, lab results, treatments) whose columns carry real statistical
dependencies (age -> diagnosis -> length of stay, lab values, treatment costs)
and declared keys (primary keys, foreign keys, NOT NULL, UNIQUE, one CHECK).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

__all__ = ["DEMO_DESCRIPTION", "build_demo_source"]

DEMO_DESCRIPTION: str = (
    "A hospital database with 5,000 patients (demographics, diagnosis, admission "
    "and discharge dates), their lab results (glucose, blood pressure, hemoglobin, "
    "CRP, HbA1c) and treatments with costs, linked by foreign keys to patients."
)

N_PATIENTS = 5_000

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Maria", "Emma", "Olivia", "Sophia", "Isabella", "Mia", "Charlotte",
    "Amelia", "Harper", "Evelyn", "Abigail", "Emily", "Elizabeth", "Sofia",
    "Avery", "Ella", "Scarlett", "Grace", "Chloe", "Victoria", "Lily", "Hannah",
    "Zoe", "Nora", "Laura", "Clara", "Julia", "Lea", "Sara", "Ines", "Alice",
    "Eva", "Ruth", "Helen", "Irene", "Martha", "Paula", "Rosa", "Vera",
)
MALE_FIRST_NAMES: tuple[str, ...] = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph",
    "Thomas", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Paul", "Steven",
    "Andrew", "Joshua", "Kevin", "Brian", "George", "Edward", "Peter", "Samuel",
    "Lucas", "Noah", "Liam", "Ethan", "Oliver", "Henry", "Jack", "Leo", "Max",
    "Felix", "Hugo", "Oscar", "Victor", "Martin", "Simon", "Adam",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson",
    "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
    "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores",
)

DIAGNOSES: tuple[str, ...] = (
    "diabetes", "hypertension", "asthma", "pneumonia", "fracture", "healthy-checkup",
)
# Diagnosis probabilities per age band (<18, 18-44, 45-64, 65+); rows sum to 1.
_DIAG_PROBS_BY_AGE_BAND = np.array(
    [
        [0.02, 0.00, 0.35, 0.20, 0.25, 0.18],
        [0.10, 0.12, 0.15, 0.13, 0.20, 0.30],
        [0.25, 0.30, 0.08, 0.12, 0.10, 0.15],
        [0.25, 0.35, 0.05, 0.20, 0.10, 0.05],
    ]
)
# Mean length of stay in days per diagnosis (before the age effect).
_MEAN_STAY = np.array([3.0, 2.0, 2.0, 6.0, 4.0, 0.3])

LAB_TESTS: tuple[str, ...] = ("glucose", "systolic_bp", "hemoglobin", "crp", "hba1c")
# Expected number of lab results per diagnosis (before the age effect).
_MEAN_LABS = np.array([5.0, 4.0, 3.0, 6.0, 3.0, 1.5])
# Probability of each lab test per diagnosis; rows sum to 1.
_LAB_TEST_PROBS = np.array(
    [
        [0.40, 0.15, 0.10, 0.05, 0.30],
        [0.15, 0.55, 0.15, 0.05, 0.10],
        [0.20, 0.20, 0.25, 0.30, 0.05],
        [0.15, 0.15, 0.25, 0.40, 0.05],
        [0.20, 0.20, 0.35, 0.20, 0.05],
        [0.30, 0.30, 0.25, 0.10, 0.05],
    ]
)

# Probability of 0, 1, 2 or 3 treatments per diagnosis; rows sum to 1.
_TREATMENT_COUNT_PROBS = np.array(
    [
        [0.05, 0.35, 0.40, 0.20],
        [0.05, 0.45, 0.35, 0.15],
        [0.10, 0.45, 0.35, 0.10],
        [0.02, 0.23, 0.45, 0.30],
        [0.03, 0.37, 0.40, 0.20],
        [0.70, 0.25, 0.05, 0.00],
    ]
)
TREATMENTS: dict[str, tuple[str, ...]] = {
    "diabetes": ("metformin", "insulin therapy", "dietary counselling", "glucose monitoring"),
    "hypertension": ("ace inhibitor", "beta blocker", "diuretic", "lifestyle counselling"),
    "asthma": ("inhaled corticosteroid", "bronchodilator", "nebulizer therapy"),
    "pneumonia": ("oral antibiotics", "iv antibiotics", "oxygen therapy", "chest physiotherapy"),
    "fracture": ("cast immobilization", "surgical fixation", "physiotherapy", "pain management"),
    "healthy-checkup": ("vaccination", "health counselling"),
}
# Mean treatment cost (currency units) per diagnosis, lognormal with this mean.
_MEAN_COST = np.array([900.0, 600.0, 400.0, 2500.0, 4000.0, 150.0])
_COST_SIGMA = 0.6

_START = np.datetime64("2022-01-01", "D")
_END = np.datetime64("2024-12-31", "D")

_DDL = """
CREATE TABLE main.patients (
    patient_id     INTEGER PRIMARY KEY,
    first_name     VARCHAR NOT NULL,
    last_name      VARCHAR NOT NULL,
    email          VARCHAR NOT NULL UNIQUE,
    sex            VARCHAR NOT NULL,
    age            INTEGER NOT NULL CHECK (age BETWEEN 0 AND 110),
    diagnosis      VARCHAR NOT NULL,
    admission_date DATE NOT NULL,
    discharge_date DATE,
    weight_kg      DECIMAL(5,1)
);
CREATE TABLE main.lab_results (
    lab_result_id INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES main.patients (patient_id),
    test_name     VARCHAR NOT NULL,
    value         DOUBLE NOT NULL,
    taken_at      TIMESTAMP NOT NULL
);
CREATE TABLE main.treatments (
    treatment_id INTEGER PRIMARY KEY,
    patient_id   INTEGER NOT NULL REFERENCES main.patients (patient_id),
    treatment    VARCHAR NOT NULL,
    cost         DECIMAL(10,2) NOT NULL,
    started_on   DATE NOT NULL
);
"""


def _categorical_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a (rows, k) probability matrix."""
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None] * cumulative[:, -1:]
    return (u >= cumulative).sum(axis=1).clip(0, probs.shape[1] - 1)


def _make_patients(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Build the patients frame; also return diagnosis codes and stay lengths (days)."""
    n = N_PATIENTS
    patient_id = np.arange(1, n + 1, dtype=np.int64)
    is_female = rng.random(n) < 0.52
    sex = np.where(is_female, "F", "M")

    # Mostly adults with a bulge in middle/old age, ~12% children.
    child = rng.random(n) < 0.12
    adult_age = np.clip(np.rint(rng.normal(54.0, 18.0, n)), 18, 100)
    child_age = rng.integers(0, 18, n)
    age = np.where(child, child_age, adult_age).astype(np.int64)

    band = np.digitize(age, [18, 45, 65])
    diag = _categorical_rows(rng, _DIAG_PROBS_BY_AGE_BAND[band])

    first = np.where(
        is_female,
        np.asarray(FEMALE_FIRST_NAMES)[rng.integers(0, len(FEMALE_FIRST_NAMES), n)],
        np.asarray(MALE_FIRST_NAMES)[rng.integers(0, len(MALE_FIRST_NAMES), n)],
    )
    last = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    email = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower() + "." + pd.Series(
        patient_id.astype(str)
    ) + "@example.org"

    n_days = int((_END - _START).astype(int)) + 1
    admission = _START + rng.integers(0, n_days, n).astype("timedelta64[D]")

    # Length of stay: gamma around a diagnosis mean, longer for the elderly.
    mean_stay = _MEAN_STAY[diag] * (1.0 + np.clip(age - 40, 0, None) / 60.0)
    stay = np.rint(rng.gamma(2.0, mean_stay / 2.0)).astype(np.int64)
    still_admitted = rng.random(n) < 0.05
    discharge = admission + stay.astype("timedelta64[D]")

    # Weight: growth curve for children, sex-dependent for adults, diabetes heavier.
    child_weight = 3.5 + 3.1 * age + rng.normal(0.0, 1.5 + 0.4 * age, n)
    adult_weight = np.where(is_female, 68.0, 82.0) + rng.normal(0.0, 13.0, n)
    weight = np.where(age < 18, child_weight, adult_weight) + np.where(diag == 0, 9.0, 0.0)
    weight = np.round(np.clip(weight, 2.5, 250.0), 1)
    weight_missing = rng.random(n) < 0.03

    frame = pd.DataFrame(
        {
            "patient_id": patient_id,
            "first_name": first,
            "last_name": last,
            "email": email.to_numpy(),
            "sex": sex,
            "age": age,
            "diagnosis": np.asarray(DIAGNOSES)[diag],
            "admission_date": admission.astype("datetime64[s]"),
            "discharge_date": pd.Series(discharge.astype("datetime64[s]")).mask(still_admitted),
            "weight_kg": pd.array(np.where(weight_missing, np.nan, weight), dtype="Float64"),
        }
    )
    return frame, diag, stay


def _make_lab_results(
    rng: np.random.Generator, patients: pd.DataFrame, diag: np.ndarray, stay: np.ndarray
) -> pd.DataFrame:
    """Build lab results whose count and values depend on age, sex and diagnosis."""
    age_all = patients["age"].to_numpy()
    counts = rng.poisson(_MEAN_LABS[diag] * (0.8 + age_all / 150.0))
    idx = np.repeat(np.arange(len(patients)), counts)
    m = idx.size

    d = diag[idx]
    age = age_all[idx].astype(float)
    female = patients["sex"].to_numpy()[idx] == "F"
    test = _categorical_rows(rng, _LAB_TEST_PROBS[d])
    z = rng.standard_normal(m)

    glucose = np.where(d == 0, 165.0 + 40.0 * z, 88.0 + 0.15 * age + 10.0 * z)
    systolic = 102.0 + 0.45 * age + np.where(d == 1, 25.0, 0.0) + 12.0 * z
    hemoglobin = (
        np.where(age < 18, 12.5, np.where(female, 13.5, 15.0))
        - 0.02 * np.clip(age - 60, 0, None)
        - np.where(d == 3, 0.6, 0.0)
        + 1.1 * z
    )
    crp_log_mean = np.select([d == 3, d == 4, d == 2], [np.log(80.0), np.log(12.0), np.log(5.0)],
                             np.log(2.0)) + 0.005 * age
    crp = np.exp(crp_log_mean + np.where(d == 3, 0.6, 0.8) * z)
    hba1c = np.where(d == 0, 7.8 + 1.3 * z, 5.2 + 0.006 * age + 0.35 * z)
    value = np.choose(test, [glucose, systolic, hemoglobin, crp, hba1c])
    floors = np.array([40.0, 70.0, 5.0, 0.1, 4.0])
    value = np.round(np.maximum(value, floors[test]), 1)

    admission = patients["admission_date"].to_numpy().astype("datetime64[s]")[idx]
    window_s = (stay[idx] + 1) * 86_400
    offset_min = (rng.random(m) * window_s // 60).astype(np.int64)
    taken_at = admission + (offset_min * 60).astype("timedelta64[s]")

    frame = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[idx],
            "test_name": np.asarray(LAB_TESTS)[test],
            "value": value,
            "taken_at": taken_at,
        }
    )
    frame = frame.sort_values(["patient_id", "taken_at"], kind="stable", ignore_index=True)
    frame.insert(0, "lab_result_id", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def _make_treatments(
    rng: np.random.Generator, patients: pd.DataFrame, diag: np.ndarray, stay: np.ndarray
) -> pd.DataFrame:
    """Build treatments whose kind and cost depend on the diagnosis."""
    counts = _categorical_rows(rng, _TREATMENT_COUNT_PROBS[diag])
    idx = np.repeat(np.arange(len(patients)), counts)
    m = idx.size
    d = diag[idx]

    treatment = np.empty(m, dtype=object)
    for code, name in enumerate(DIAGNOSES):
        rows = np.flatnonzero(d == code)
        options = np.asarray(TREATMENTS[name], dtype=object)
        treatment[rows] = options[rng.integers(0, len(options), rows.size)]

    mu = np.log(_MEAN_COST[d]) - _COST_SIGMA**2 / 2.0
    cost = np.round(np.clip(rng.lognormal(mu, _COST_SIGMA), 1.0, 9_999_999.0), 2)

    admission = patients["admission_date"].to_numpy().astype("datetime64[D]")[idx]
    started_on = admission + rng.integers(0, stay[idx] + 1).astype("timedelta64[D]")

    frame = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[idx],
            "treatment": treatment.astype(str),
            "cost": cost,
            "started_on": started_on.astype("datetime64[s]"),
        }
    )
    frame = frame.sort_values(["patient_id", "started_on"], kind="stable", ignore_index=True)
    frame.insert(0, "treatment_id", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def build_demo_source(path: Path, seed: int = 7) -> dict[str, int]:
    """Create (overwriting) the demo hospital DuckDB file at ``path``.

    Returns the number of rows per table.  Deterministic for a given ``seed``.
    """
    path = Path(path)
    wal = Path(f"{path}.wal")
    for stale in (path, wal):
        if stale.exists():
            stale.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(seed)
    patients, diag, stay = _make_patients(rng)
    labs = _make_lab_results(rng, patients, diag, stay)
    treatments = _make_treatments(rng, patients, diag, stay)

    con = duckdb.connect(str(path))
    try:
        con.execute(_DDL)
        con.register("df", patients)
        con.execute(
            """
            INSERT INTO main.patients
            SELECT CAST(patient_id AS INTEGER), CAST(first_name AS VARCHAR),
                   CAST(last_name AS VARCHAR), CAST(email AS VARCHAR),
                   CAST(sex AS VARCHAR), CAST(age AS INTEGER), CAST(diagnosis AS VARCHAR),
                   CAST(admission_date AS DATE), CAST(discharge_date AS DATE),
                   CAST(weight_kg AS DECIMAL(5,1))
            FROM df ORDER BY patient_id
            """
        )
        con.unregister("df")
        con.register("df", labs)
        con.execute(
            """
            INSERT INTO main.lab_results
            SELECT CAST(lab_result_id AS INTEGER), CAST(patient_id AS INTEGER),
                   CAST(test_name AS VARCHAR), CAST(value AS DOUBLE),
                   CAST(taken_at AS TIMESTAMP)
            FROM df ORDER BY lab_result_id
            """
        )
        con.unregister("df")
        con.register("df", treatments)
        con.execute(
            """
            INSERT INTO main.treatments
            SELECT CAST(treatment_id AS INTEGER), CAST(patient_id AS INTEGER),
                   CAST(treatment AS VARCHAR), CAST(cost AS DECIMAL(10,2)),
                   CAST(started_on AS DATE)
            FROM df ORDER BY treatment_id
            """
        )
        con.unregister("df")
        counts: dict[str, int] = {}
        for table in ("patients", "lab_results", "treatments"):
            row = con.execute(f"SELECT count(*) FROM main.{table}").fetchone()
            counts[table] = int(row[0]) if row is not None else 0
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts
