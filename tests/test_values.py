"""Scalar values that look like the source's: constants, grids, letter case, codes, places.

One small table holds each trap seen on real databases (Sakila, spider_de): a constant
timestamp with microseconds, prices on a .99 grid, a column on steps of 0.5, whole numbers
stored as decimals, surnames in capitals, a char(6) of digits, codes ``AB-0042``, one place
name per row, unique single-token identifiers, prose. It is synthesised into a DuckDB target
and the assertions are on the rows there.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.model import grids, text_patterns

N = 300
STAMP = dt.datetime(2006, 2, 15, 4, 57, 20, 123456)
SURNAMES = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS",
            "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON"]
CITIES = ["Springfield", "Riverside", "Fairview", "Madison", "Georgetown", "Arlington", "Salem",
          "Ashland", "Burlington", "Manchester", "Clinton", "Greenville", "Franklin", "Oxford"]
WORDS = "the quick brown fox jumps over a lazy dog while rain falls on quiet hills".split()


def _source(path: Path) -> None:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(N):
        birth = f"{rng.integers(40, 99):02d}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
        city = f"{CITIES[i % len(CITIES)]} {['Falls', 'Heights', 'Park', 'Springs'][i % 4]} {i}"
        ident = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz0123456789"), 10))
        prose = " ".join(rng.choice(WORDS, int(rng.integers(4, 12))))
        rows.append((i + 1, STAMP, "fixed", [0.99, 2.99, 4.99][i % 3], 9.99 + (i % 21),
                     1.0 + 0.5 * (i % 39), float(100 * rng.integers(1, 500)),
                     SURNAMES[i % len(SURNAMES)] + ("" if i < len(SURNAMES) else f"-{SURNAMES[(i * 7) % 15]}"),
                     birth, f"AB-{rng.integers(0, 10000):04d}", city, ident, prose))
    frame = pd.DataFrame(rows, columns=["film_id", "last_update", "label", "rental_rate",
                                        "replacement_cost", "half", "whole", "surname", "birth",
                                        "sku", "hometown", "ident", "notes"])
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE film (film_id INTEGER PRIMARY KEY, last_update TIMESTAMP NOT NULL,
        label VARCHAR NOT NULL, rental_rate DECIMAL(4,2) NOT NULL,
        replacement_cost DECIMAL(5,2) NOT NULL, half DOUBLE, whole DECIMAL(10,2),
        surname VARCHAR(45), birth CHAR(6), sku VARCHAR(10), hometown VARCHAR(60),
        ident VARCHAR(20), notes VARCHAR(200))""")
    con.register("frame", frame)
    con.execute("INSERT INTO film SELECT * FROM frame")
    con.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = Path(tmp_path_factory.mktemp("values"))
    _source(folder / "source.duckdb")
    result = pipeline.synth(f"duckdb:///{folder / 'source.duckdb'}",
                            f"duckdb:///{folder / 'target.duckdb'}", seed=3)
    assert result.integrity.ok
    con = duckdb.connect(str(folder / "target.duckdb"), read_only=True)
    try:
        frame = con.execute("SELECT * FROM film").df()
    finally:
        con.close()
    assert len(frame) == N
    return frame


def _text(values: pd.Series) -> pd.Series:
    return values.dropna().astype(str)


def test_constant_columns_are_reproduced_exactly(synthetic: pd.DataFrame) -> None:
    stamps = pd.to_datetime(synthetic["last_update"])
    assert (stamps == pd.Timestamp(STAMP)).all()  # to the microsecond
    assert (synthetic["label"] == "fixed").all()


def test_prices_stay_on_their_grid(synthetic: pd.DataFrame) -> None:
    rates = synthetic["rental_rate"].map(lambda v: decimal.Decimal(f"{float(v):.2f}"))
    assert set(rates) <= {decimal.Decimal("0.99"), decimal.Decimal("2.99"), decimal.Decimal("4.99")}
    assert len(set(rates)) == 3
    costs = synthetic["replacement_cost"].map(lambda v: f"{float(v):.2f}")
    assert costs.str.endswith(".99").all()
    assert costs.nunique() > 10  # drawn over the range, not one value


def test_steps_and_whole_numbers_stay_on_steps(synthetic: pd.DataFrame) -> None:
    half = synthetic["half"].dropna().astype(float)
    assert np.allclose(half * 2, np.rint(half * 2)) and half.nunique() > 10
    whole = synthetic["whole"].dropna().astype(float)
    assert np.allclose(whole / 100, np.rint(whole / 100))  # the source's step of 100
    assert whole.nunique() > 50


def test_capitals_stay_capitals(synthetic: pd.DataFrame) -> None:
    surnames = _text(synthetic["surname"])
    assert len(surnames) and (surnames == surnames.str.upper()).all()


def test_digit_codes_come_back_as_digits(synthetic: pd.DataFrame) -> None:
    birth = _text(synthetic["birth"])
    assert birth.str.fullmatch(r"\d{6}").all() and birth.nunique() > 100


def test_code_patterns_keep_their_shape(synthetic: pd.DataFrame) -> None:
    sku = _text(synthetic["sku"])
    assert sku.str.fullmatch(r"AB-\d{4}").all() and sku.nunique() > 100


def test_places_and_identifiers_are_not_lorem(synthetic: pd.DataFrame) -> None:
    lorem = set(_lorem_vocabulary())
    places = _text(synthetic["hometown"])
    all_lorem = places.str.lower().str.split().map(lambda words: set(words) <= lorem)
    assert all_lorem.mean() < 0.05  # fake city names ('Lake Jamesport'), not 'Price Meeting'
    ident = _text(synthetic["ident"])
    assert ident.str.fullmatch(r"[a-z0-9]{10}").all()  # the identifiers' alphabet and length
    assert ident.nunique() > 0.9 * len(ident)


def test_prose_keeps_its_word_counts_and_case(synthetic: pd.DataFrame) -> None:
    notes = _text(synthetic["notes"])
    words = notes.str.split().str.len()
    assert 5 <= words.mean() <= 10  # the source: 4 to 11 words, 7.5 on average
    assert (notes == notes.str.lower()).all()  # the source is all lower case


def _lorem_vocabulary() -> list[str]:
    from faker import Faker

    return [w.lower() for w in Faker("en_US").get_words_list()]


# ------------------------------------------------------------------- the parts, alone

def test_grid_detection() -> None:
    prices = np.array([0.99 + k for k in (0, 1, 2, 3, 5, 8, 13, 21, 34)])  # a step of 1.00
    grid = grids.fit_grid(prices, 2)
    assert grid is not None and grid.step == 1.0
    snapped = grids.snap(grid, np.array([1.23, 4.4, 11.0]))
    assert [f"{v:.2f}" for v in snapped] == ["0.99", "3.99", "10.99"]
    assert grids.fit_grid(np.random.default_rng(0).random(100), None) is None  # continuous
    whole = grids.fit_grid(np.array([3.0, 7.0, 12.0, 15.0, 21.0, 40.0, 41.0, 57.0, 90.0]), 2)
    assert whole is not None and (whole.step, whole.offset) == (1.0, 0.0)  # integers as numeric
    rates = grids.fit_grid(np.array([0.99, 2.99, 4.99] * 10), 2)  # a price list
    assert rates is not None and rates.values == [0.99, 2.99, 4.99]
    assert list(grids.snap(rates, np.array([1.5, 2.0, 4.2]))) == [0.99, 2.99, 4.99]


def test_code_grammar() -> None:
    codes = pd.Series([f"AB-{i:04d}" for i in range(0, 5000, 37)])
    grammar = text_patterns.fit_code(codes)
    assert grammar is not None and grammar.shapes == ["AA-9999"]
    drawn = text_patterns.draw_codes(grammar, 50, np.random.default_rng(0))
    assert all(re.fullmatch(r"AB-\d{4}", v) for v in drawn)
    words = pd.Series(["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna"])
    assert text_patterns.fit_code(words) is None  # names of things are not codes
    assert text_patterns.case_style(pd.Series(["SMITH", "O'BRIEN", "DE LA CRUZ"])) == "upper"


def test_dates_stored_as_text_come_back_as_dates_in_their_format() -> None:
    from dbsynth.model.columns import fit_column, sample_column
    from dbsynth.model.pii import FakeValues
    from dbsynth.schema.model import Column, SqlType

    days = pd.date_range("2010-01-01", periods=400, freq="D")
    texts = pd.Series(days.strftime("%d-%b-%y").str.upper())  # 23-OCT-10, as Oracle writes
    summary = fit_column(Column("check_in", SqlType("varchar", length=9)), texts)
    assert (summary.kind, summary.text_format) == ("datetime", "%d-%b-%y")
    rng = np.random.default_rng(0)
    drawn = sample_column(summary, 200, rng, FakeValues(rng), nullable=False)
    parsed = pd.to_datetime(drawn, format="%d-%b-%y", errors="coerce")
    assert parsed.notna().all() and (drawn == drawn.str.upper()).all()
    assert parsed.min() >= days.min() and parsed.max() <= days.max()


def test_a_constant_month_interval_is_modelled_and_the_model_file_saves(tmp_path: Path) -> None:
    """DuckDB reads ``INTERVAL 1 MONTH`` as a pandas DateOffset, which a model file cannot
    hold: a constant interval column is a duration like any other, not a category."""
    db = tmp_path / "src.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("CREATE TABLE plan (id INTEGER PRIMARY KEY, period INTERVAL NOT NULL)")
        conn.execute("INSERT INTO plan SELECT i, INTERVAL 1 MONTH FROM range(50) r(i)")
    trained = pipeline.train(f"duckdb:///{db}")
    assert trained.model.tables["plan"].columns["period"].kind == "structured"
    pipeline.save(trained, tmp_path / "m.dbsynth")  # raised TypeError: cannot store DateOffset
    model = pipeline.load(tmp_path / "m.dbsynth")
    pipeline.generate(model, f"duckdb:///{tmp_path / 'out.duckdb'}")
    with duckdb.connect(str(tmp_path / "out.duckdb")) as conn:
        assert conn.execute("SELECT DISTINCT period FROM plan").fetchall() == [(dt.timedelta(days=30),)]


def test_day_first_dates_stored_as_text_are_dates() -> None:
    """17/06/1987 (day first, as most of Europe writes it) was a code grammar: drawn per
    position it gave impossible dates such as 38/07/2021."""
    from dbsynth.model.columns import fit_column, sample_column
    from dbsynth.model.pii import FakeValues
    from dbsynth.schema.model import Column, SqlType

    days = pd.date_range("2019-01-01", periods=400, freq="D")
    texts = pd.Series(days.strftime("%d/%m/%Y"))
    summary = fit_column(Column("made_on", SqlType("varchar", length=10)), texts)
    assert (summary.kind, summary.text_format) == ("datetime", "%d/%m/%Y")
    rng = np.random.default_rng(0)
    drawn = sample_column(summary, 200, rng, FakeValues(rng), nullable=False)
    assert pd.to_datetime(drawn, format="%d/%m/%Y", errors="coerce").notna().all()
    us = pd.Series(days[:12].strftime("%m/%d/%Y").tolist() * 5)  # every day ≤ 12: month first
    assert fit_column(Column("d", SqlType("varchar")), us).text_format == "%m/%d/%Y"


def test_a_model_file_text_format_must_be_a_known_date_format() -> None:
    from dbsynth.errors import ModelError
    from dbsynth.model.columns import ColumnSummary
    from dbsynth.model.store import _check_summary

    good = ColumnSummary("d", "datetime", quantiles=[0.0, 1.0], text_format="%d/%m/%Y")
    _check_summary(good, "c")
    with pytest.raises(ModelError, match="c.text_format"):
        _check_summary(ColumnSummary("d", "datetime", quantiles=[0.0, 1.0],
                                     text_format="%s" * 10_000), "c")


def test_a_model_file_code_and_word_counts_are_checked() -> None:
    from dbsynth.errors import ModelError
    from dbsynth.model.columns import ColumnSummary
    from dbsynth.model.store import _check_summary

    with pytest.raises(ModelError, match="c.code: missing"):  # else NULL in a NOT NULL column
        _check_summary(ColumnSummary("x", "code"), "c")
    with pytest.raises(ModelError, match=r"c.words\[1\]"):  # 10**12 lorem words a value
        _check_summary(ColumnSummary("x", "text", lengths=[3.0, 9.0], words=[1.0, 1e12]), "c")
    with pytest.raises(ModelError, match=r"c.lengths\[0\]"):
        _check_summary(ColumnSummary("x", "text", lengths=[float("nan")]), "c")
    with pytest.raises(ModelError, match="c.pii"):  # FakeValues has no such kind: KeyError
        _check_summary(ColumnSummary("x", "pii", pii="bogus"), "c")
    _check_summary(ColumnSummary("x", "pii", pii="city"), "c")


def test_padded_char_codes_stay_codes() -> None:
    """PostgreSQL gives char(n) values padded ('AB-0042   '): the padding's runs of spaces
    made the column no code, and it came back as lorem words."""
    from dbsynth.model.columns import fit_column, sample_column
    from dbsynth.model.pii import FakeValues
    from dbsynth.schema.model import Column, SqlType

    rng = np.random.default_rng(0)
    texts = pd.Series([f"AB-{i:04d}".ljust(10) for i in rng.integers(0, 9999, 300)])
    summary = fit_column(Column("ref", SqlType("char", length=10)), texts)
    assert summary.kind == "code"
    drawn = sample_column(summary, 50, rng, FakeValues(rng), nullable=False)
    assert all(re.fullmatch(r"AB-\d{4}", v) for v in drawn)


@pytest.mark.parametrize("fmt", ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%SZ"])
def test_iso_timestamps_stored_as_text_are_dates(fmt: str) -> None:
    """ISO timestamps as text (SQLite, applications) were a code grammar: drawn per position
    they gave 2021-05-39T17:40:43 and 04:62:80."""
    from dbsynth.model.columns import fit_column, sample_column
    from dbsynth.model.pii import FakeValues
    from dbsynth.schema.model import Column, SqlType

    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 10**14, 300), unit="us")
    summary = fit_column(Column("created_at", SqlType("text")), pd.Series(stamps.strftime(fmt)))
    assert (summary.kind, summary.text_format) == ("datetime", fmt)
    drawn = sample_column(summary, 200, rng, FakeValues(rng), nullable=False)
    assert pd.to_datetime(drawn, format=fmt, errors="coerce").notna().all()


def test_a_constant_column_of_a_type_not_modelled_is_not_copied() -> None:
    from dbsynth.model.columns import fit_column
    from dbsynth.schema.model import Column, SqlType

    values = pd.Series(["'secret':1 'word':2"] * 20)  # a tsvector, the same on every row
    kept = fit_column(Column("doc", SqlType("unknown", native="tsvector"), nullable=False), values)
    assert kept.kind == "structured" and kept.structured is not None
    assert kept.structured.kind == "neutral" and not kept.categories
    nulls = fit_column(Column("doc", SqlType("unknown", native="tsvector")), values)
    assert nulls.kind == "unsupported" and not nulls.categories


def test_a_model_file_grid_must_be_finite_and_ascending() -> None:
    from dbsynth.errors import ModelError
    from dbsynth.model.columns import ColumnSummary
    from dbsynth.model.store import _check_summary

    _check_summary(ColumnSummary("p", "numeric", grid=grids.NumberGrid(values=[0.99, 2.99])), "c")
    for values in ([2.99, 0.99], [0.99, float("nan")]):  # snapped to the wrong points
        with pytest.raises(ModelError, match="c.grid.values"):
            _check_summary(ColumnSummary("p", "numeric", grid=grids.NumberGrid(values=values)), "c")
