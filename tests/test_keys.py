"""Keys the database never declared: inference, the metadata file, SDV metadata.

The key-less databases are real copies of Chinook and of the demo with every primary and
foreign key dropped, written on PostgreSQL and DuckDB; the declared keys of the originals are
the truth inference is scored against.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import run_sql

import dbsynth
from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.errors import MetadataError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.metadata import load_metadata, metadata_from_schema, to_yaml
from dbsynth.schema.model import Schema
from databases import read_frames, write_frames


def _keyless_copy(source_url: str, target_url: str) -> Schema:
    """Copy every row into ``target_url`` without any key; return the original schema."""
    schema, frames = read_frames(source_url)
    write_frames(target_url, schema, frames, with_keys=False)
    return schema


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("demo")) / "hospital.duckdb"
    build_demo_source(path)
    return f"duckdb:///{path}"


def _source(dataset: str, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("chinook_duckdb_url" if dataset == "chinook" else "demo_url")


def _fks(schema: Schema) -> set[tuple[object, ...]]:
    return {(t.name, fk.columns, fk.ref_table, fk.ref_columns) for t in schema.tables
            for fk in t.foreign_keys}


def _pks(schema: Schema) -> set[tuple[object, ...]]:
    return {(t.name, t.primary_key.columns) for t in schema.tables if t.primary_key}


@pytest.mark.parametrize("dataset", ["chinook", "demo"])
def test_inference_recovers_dropped_keys(dataset: str, db_factory, request) -> None:  # type: ignore[no-untyped-def]
    target = db_factory.new(name=f"{dataset}_keyless")
    truth = _keyless_copy(_source(dataset, request), target)
    found = pipeline.inspect(target)
    assert not any(fk.source == "declared" for t in found.schema.tables for fk in t.foreign_keys)
    got_fks, true_fks = _fks(found.schema), _fks(truth)
    recall = len(got_fks & true_fks) / len(true_fks)
    precision = len(got_fks & true_fks) / max(1, len(got_fks))
    assert recall >= 0.95 and precision >= 0.95, (true_fks - got_fks, got_fks - true_fks)
    assert _pks(found.schema) == _pks(truth)  # 100% for primary keys
    assert found.inference is not None and found.inference.queries > 0
    # every used key says why: name evidence and inclusion measured in SQL
    for key in found.inference.accepted():
        if key.kind == "foreign":
            assert key.evidence["inclusion"] == 1.0 and key.evidence["name"]


@pytest.mark.parametrize("dataset", ["chinook", "demo"])
def test_synth_on_keyless_copy_has_no_orphans_against_true_keys(dataset: str, db_factory, request,
                                                                duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    keyless = db_factory.new(name=f"{dataset}_bare")
    truth = _keyless_copy(_source(dataset, request), keyless)
    out = f"duckdb:///{duckdb_path_factory(f'{dataset}_out')}"
    result = pipeline.synth(keyless, out, seed=1)
    assert result.integrity.ok
    frames = result.synthetic_frames
    for table in truth.tables:
        for fk in table.foreign_keys:
            child = frames[table.name][list(fk.columns)].dropna().astype(str)
            parent = frames[fk.ref_table][list(fk.ref_columns)].astype(str)
            keys = set(map(tuple, parent.to_numpy()))
            orphans = sum(tuple(row) not in keys for row in child.to_numpy())
            assert orphans == 0, fk.label(table.name)
        if table.primary_key:
            assert not frames[table.name].duplicated(list(table.primary_key.columns)).any()


def test_metadata_file_round_trips_and_is_applied(chinook_duckdb_url: str, tmp_path: Path) -> None:
    found = pipeline.inspect(chinook_duckdb_url)
    text = to_yaml(metadata_from_schema(found.schema, found.inference), found.schema)
    path = tmp_path / "dbsynth.yaml"
    path.write_text(text)
    assert load_metadata(path) == metadata_from_schema(found.schema, found.inference)
    # edit: drop a key, copy a reference table, skip a table, choose column kinds
    data = yaml.safe_load(text)
    data["tables"]["genre"]["mode"] = "copy"
    data["tables"]["playlist_track"]["mode"] = "skip"
    data["tables"]["playlist"]["mode"] = "skip"
    data["tables"]["customer"]["foreign_keys"] = []
    data["tables"]["customer"]["columns"]["company"] = {"kind": "pii:email"}
    data["tables"]["invoice"]["columns"]["billing_country"] = {"kind": "skip"}
    path.write_text(yaml.safe_dump(data))
    keys = pipeline.KeyOptions(metadata=load_metadata(path))
    trained = pipeline.train(chinook_duckdb_url, keys=keys)
    schema = trained.model.schema
    assert "playlist" not in schema.table_names and "playlist_track" not in schema.table_names
    assert schema.table("customer").foreign_keys == ()
    fake = trained.model.sample(build_plan(schema), scale=2.0, seed=3)
    real_genres = trained.frames["genre"].sort_values("genre_id").reset_index(drop=True)
    fake_genres = fake["genre"].sort_values("genre_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(real_genres.astype(str), fake_genres.astype(str))
    assert set(fake["track"]["genre_id"].dropna()) <= set(real_genres["genre_id"])
    assert fake["customer"]["company"].dropna().str.contains("@").all()
    assert fake["invoice"]["billing_country"].isna().all()


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["tables"].update(nosuch={}), "tables.nosuch: no such table"),
    (lambda d: d["tables"]["album"]["columns"].update(nosuch={"kind": "auto"}),
     "tables.album.columns.nosuch: no such column"),
    (lambda d: d["tables"]["album"]["columns"]["title"].update(kind="emial"),
     "tables.album.columns.title.kind: 'emial' is not a kind"),
    (lambda d: d["tables"]["album"].update(mode="clone"), "tables.album.mode: 'clone' is not a mode"),
    (lambda d: d["tables"]["artist"].update(mode="skip"), "tables.artist is skipped but album"),
    (lambda d: d["tables"]["album"]["foreign_keys"].append(
        {"columns": ["title"], "references": "artist(nosuch)"}), "artist has no column 'nosuch'"),
])
def test_bad_metadata_is_one_precise_line(chinook_duckdb_url: str, tmp_path: Path, edit, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dbsynth.yaml"
    done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "inspect", chinook_duckdb_url,
                           "-o", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data))
    done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "train", chinook_duckdb_url,
                           "--metadata", str(path), "-o", str(tmp_path / "m.dbsynth")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_sdv_metadata_export_and_import(chinook_duckdb_url: str, tmp_path: Path) -> None:
    path = tmp_path / "metadata.json"
    done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "inspect", chinook_duckdb_url,
                           "-o", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sdv = json.loads(path.read_text())
    assert sdv["METADATA_SPEC_VERSION"] == "V1"
    assert {"parent_table_name": "customer", "parent_primary_key": "customer_id",
            "child_table_name": "invoice", "child_foreign_key": "customer_id"} in sdv["relationships"]
    assert sdv["tables"]["customer"]["columns"]["email"]["sdtype"] == "email"
    # an SDV user's file, keys only in the metadata: applied to a key-less reading
    keys = pipeline.KeyOptions(infer=False, metadata=load_metadata(path))
    found = pipeline.inspect(chinook_duckdb_url, keys=keys)
    assert _fks(found.schema) == _fks(pipeline.inspect(chinook_duckdb_url).schema)
    assert found.schema.table("customer").column("email").kind == "pii:email"
    sdv["relationships"].append({"parent_table_name": "nosuch", "parent_primary_key": "id",
                                 "child_table_name": "album", "child_foreign_key": "artist_id"})
    path.write_text(json.dumps(sdv))
    with pytest.raises(MetadataError, match="relationships"):
        load_metadata(path)


ROLE_WORDS_DDL = """
CREATE TABLE users (id INTEGER, name VARCHAR(20));
CREATE TABLE orders (id INTEGER, user_id INTEGER, author_rating INTEGER, lead_time INTEGER,
                     valid_to DATE, note VARCHAR(10));
INSERT INTO users SELECT i, 'u' || i FROM generate_series(1, 300) AS t(i);
INSERT INTO orders SELECT i, 1 + i % 300, 1 + i % 5, 1 + i % 30, DATE '9999-12-31', NULL
FROM generate_series(1, 900) AS t(i);
"""


def test_role_words_alone_name_no_key_and_odd_values_do_not_break_the_report(db_factory, duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    source = db_factory.new(ROLE_WORDS_DDL, name="roles")
    found = pipeline.inspect(source)
    assert _fks(found.schema) == {("orders", ("user_id",), "users", ("id",))}  # not author_rating, lead_time
    target = f"duckdb:///{duckdb_path_factory('roles_copy')}"
    pipeline.synth(source, target, seed=1)
    report = pipeline.report(source, target)  # all-NULL column, 9999-12-31 dates
    assert report["summary"]["integrity_ok"]
    assert report["tables"]["orders"]["not_scored"]["note"] == "no values"


def test_a_skipped_table_stays_skipped_when_the_file_is_written_again(chinook_duckdb_url: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    cli = [sys.executable, "-m", "dbsynth.cli", "inspect", chinook_duckdb_url]
    assert subprocess.run(cli + ["-o", str(first)], capture_output=True).returncode == 0
    data = yaml.safe_load(first.read_text())
    data["tables"]["playlist_track"]["mode"] = "skip"
    first.write_text(yaml.safe_dump(data))
    done = subprocess.run(cli + ["--metadata", str(first), "-o", str(second)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert load_metadata(second).tables["playlist_track"].mode == "skip"


# Real-world naming the name-only rules missed (seen on the spider_de corpus and classicmodels).
NAMING_STYLES_SQL = """
-- camelCase keys, the FK named by a role prefix: salesRepEmployeeNumber -> employees
CREATE TABLE employees (employeeNumber INTEGER, lastName VARCHAR);
CREATE TABLE customers (customerNumber INTEGER, customerName VARCHAR, salesRepEmployeeNumber INTEGER);
-- a key named in another language than its table: partei_id in party
CREATE TABLE party (partei_id INTEGER, name VARCHAR);
CREATE TABLE member (member_id INTEGER, partei_id INTEGER);
-- a natural text key as the first column, referenced by its name
CREATE TABLE genre (genre_name VARCHAR, rating VARCHAR);
CREATE TABLE song (song_id INTEGER, genre_name VARCHAR);
-- one-to-one on a shared key: the parent holds every key of the child and more
CREATE TABLE konten (kunden_id INTEGER, name VARCHAR);
CREATE TABLE ersparnisse (kunden_id INTEGER, saldo DOUBLE);
-- a junction table whose first column is unique in the data is still a pair
CREATE TABLE zug (zug_id INTEGER, name VARCHAR);
CREATE TABLE station (station_id INTEGER, name VARCHAR);
CREATE TABLE bahnhof (zug_id INTEGER, station_id INTEGER);
INSERT INTO employees SELECT 1000 + i, 'e' || i FROM range(10) t(i);
INSERT INTO customers SELECT 100 + i, 'c' || i, 1000 + i % 7 FROM range(40) t(i);
INSERT INTO party SELECT i, 'p' || i FROM range(5) t(i);
INSERT INTO member SELECT i, i % 4 FROM range(30) t(i);
INSERT INTO genre VALUES ('rock', 'a'), ('jazz', 'b'), ('pop', 'c');
INSERT INTO song SELECT i, (['rock', 'jazz', 'pop'])[1 + i % 3] FROM range(20) t(i);
INSERT INTO konten SELECT i, 'k' || i FROM range(20) t(i);
INSERT INTO ersparnisse SELECT i * 2, i FROM range(8) t(i);
INSERT INTO zug SELECT i, 'z' || i FROM range(6) t(i);
INSERT INTO station SELECT i, 's' || i FROM range(9) t(i);
INSERT INTO bahnhof SELECT i, (i * 5) % 9 FROM range(6) t(i);
"""


def test_inference_reads_real_world_naming_styles(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "styles.duckdb"
    con = duckdb.connect(str(path))
    con.execute(NAMING_STYLES_SQL)
    con.close()
    found = pipeline.inspect(f"duckdb:///{path}")
    pks = _pks(found.schema)
    assert {("employees", ("employeeNumber",)), ("customers", ("customerNumber",)),
            ("party", ("partei_id",)), ("genre", ("genre_name",)), ("konten", ("kunden_id",)),
            ("bahnhof", ("zug_id", "station_id"))} <= pks
    fks = {(t, c, r) for t, c, r, _ in _fks(found.schema)}
    assert fks == {("customers", ("salesRepEmployeeNumber",), "employees"),
                   ("member", ("partei_id",), "party"), ("song", ("genre_name",), "genre"),
                   ("ersparnisse", ("kunden_id",), "konten"),
                   ("bahnhof", ("zug_id",), "zug"), ("bahnhof", ("station_id",), "station")}


def test_an_empty_table_keeps_the_keys_its_names_give(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE author (author_id INTEGER, name VARCHAR);"
                "CREATE TABLE book (book_id INTEGER, author_id INTEGER, title VARCHAR)")
    con.close()
    found = pipeline.inspect(f"duckdb:///{path}")
    assert _pks(found.schema) == {("author", ("author_id",)), ("book", ("book_id",))}
    assert {(t, c, r) for t, c, r, _ in _fks(found.schema)} == {("book", ("author_id",), "author")}


def test_a_reference_typed_unlike_its_key_is_retyped_and_joined(tmp_path: Path, db_factory) -> None:  # type: ignore[no-untyped-def]
    """An INT column referencing a TEXT key of digits (seen in real SQLite files): inferred,
    retyped like its key in the copy (PostgreSQL refuses the FOREIGN KEY otherwise), and the
    children keep their parents."""
    import duckdb

    path = tmp_path / "mixed.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE architekt (id VARCHAR, name VARCHAR);"
                "CREATE TABLE bruecke (id INTEGER, architekt_id INTEGER, laenge DOUBLE);"
                "INSERT INTO architekt SELECT CAST(i AS VARCHAR), 'a' || i FROM range(1, 11) t(i);"
                "INSERT INTO bruecke SELECT i, 1 + i % 3, i * 1.5 FROM range(60) t(i)")
    con.close()
    source = f"duckdb:///{path}"
    found = pipeline.inspect(source)
    assert ("bruecke", ("architekt_id",), "architekt", ("id",)) in _fks(found.schema)
    target = db_factory.new(name="mixed_copy")
    result = pipeline.synth(source, target, seed=3)
    assert result.integrity.ok
    assert result.rows == {"architekt": 10, "bruecke": 60}
    copied = pipeline.inspect(target, keys=pipeline.KeyOptions(infer=False)).schema
    assert copied.table("bruecke").column("architekt_id").type.is_string
    used = result.synthetic_frames["bruecke"]["architekt_id"].nunique()
    assert used <= 4  # children stay on the few parents they had (3 in the source), not spread


def test_ordinary_columns_are_not_taken_for_keys(tmp_path: Path) -> None:
    """Unique by chance is not a key: an amount first in its table, a log message, words
    ending in "id" (paid, valid) — and no reference follows from such a column's name."""
    import duckdb

    path = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE payment (amount INTEGER, customer_id INTEGER, note VARCHAR);"
                "CREATE TABLE refund (refund_id INTEGER, amount INTEGER);"
                "CREATE TABLE audit_log (message VARCHAR, level INTEGER);"
                "CREATE TABLE flags (paid INTEGER, valid INTEGER);"
                "INSERT INTO payment SELECT i, i % 5, 'n' FROM range(30) t(i);"
                "INSERT INTO refund SELECT i, i FROM range(10) t(i);"
                "INSERT INTO audit_log SELECT 'm' || i, i % 3 FROM range(10) t(i);"
                "INSERT INTO flags SELECT i, 100 - i FROM range(10) t(i)")
    con.close()
    found = pipeline.inspect(f"duckdb:///{path}")
    assert _pks(found.schema) == {("refund", ("refund_id",))}
    assert _fks(found.schema) == set()


LOOKUP_SQL = """
CREATE TABLE status (code VARCHAR(12) PRIMARY KEY, label TEXT NOT NULL);
INSERT INTO status VALUES ('new', 'New'), ('open', 'Open'), ('closed', 'Closed');
CREATE TABLE member (email VARCHAR(80) PRIMARY KEY, plan TEXT);
INSERT INTO member SELECT 'user' || i || '@example.org', CASE WHEN i % 2 = 0 THEN 'free' ELSE 'pro' END
FROM range(1, 21) t(i);
CREATE TABLE sku (code VARCHAR(12) PRIMARY KEY, price DOUBLE);
INSERT INTO sku SELECT chr((65 + i % 26)::INTEGER) || chr((65 + i // 26)::INTEGER), i * 1.5
FROM range(0, 200) t(i);
CREATE TABLE person (name VARCHAR(20) PRIMARY KEY);
INSERT INTO person VALUES ('Alice'), ('Bob'), ('Zach'), ('Dan');
CREATE TABLE orders (id INTEGER PRIMARY KEY, owner VARCHAR(20) REFERENCES person (name),
                     status_code VARCHAR(12) NOT NULL REFERENCES status (code),
                     member_email VARCHAR(80) REFERENCES member (email),
                     sku_code VARCHAR(12) NOT NULL REFERENCES sku (code));
INSERT INTO orders SELECT i, CASE i % 4 WHEN 0 THEN 'Alice' WHEN 1 THEN 'Bob' WHEN 2 THEN 'Zach' ELSE 'Dan' END,
       CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'open' ELSE 'closed' END,
       'user' || (1 + i % 20) || '@example.org',
       chr((65 + i % 200 % 26)::INTEGER) || chr((65 + i % 200 // 26)::INTEGER)
FROM range(0, 600) t(i);
"""


@pytest.mark.parametrize("scale", [1.0, 2.0, 0.3])
def test_a_lookup_lists_text_codes_are_kept(scale: float, duckdb_path_factory, caplog) -> None:  # type: ignore[no-untyped-def]
    """A small table others reference, keyed by text codes ('open'): the application reads
    them (``WHERE status_code = 'open'``), and made-up keys ('K000001') matched nothing. The
    codes are kept with a warning, and so are the list's rows at any scale (at 2 it had
    made-up codes beside the real ones, at 0.3 one code of three); the report and a
    refresh's plan expect them so. A small table keyed by personal data (emails, people's
    first names) and a big one (200 SKUs) still get made-up keys."""
    import duckdb

    path = duckdb_path_factory("lookup_src")
    con = duckdb.connect(str(path))
    con.execute(LOOKUP_SQL)
    con.close()
    target = f"duckdb:///{duckdb_path_factory('lookup_out')}"
    with caplog.at_level("WARNING"):
        result = dbsynth.synth(f"duckdb:///{path}", target, scale=scale)
    assert result.integrity.ok
    codes = [r[0] for r in run_sql(target, "SELECT code FROM status")]
    assert sorted(codes) == ["closed", "new", "open"]
    used = {r[0] for r in run_sql(target, "SELECT DISTINCT status_code FROM orders")}
    assert used == {"new", "open", "closed"}
    assert run_sql(target, "SELECT count(*) FROM orders")[0][0] == round(600 * scale)
    judged = pipeline.report(f"duckdb:///{path}", target, scale=scale)["integrity"]["row_counts"]
    assert judged["status"]["expected"] == 3 and not judged["status"]["off"]
    plan = pipeline.refresh(f"duckdb:///{path}", target, scale=scale, dry_run=True).plan
    assert {t["name"]: t["rows"] for t in plan.tables}["status"] == 3
    assert any("status.code: the 3 codes of this lookup list are kept" in r.getMessage()
               for r in caplog.records)
    real_emails = {f"user{i}@example.org" for i in range(1, 21)}
    assert not {r[0] for r in run_sql(target, "SELECT email FROM member")} & real_emails
    assert not {r[0] for r in run_sql(target, "SELECT name FROM person")} & {"Alice", "Bob", "Zach", "Dan"}
    real_skus = {r[0] for r in run_sql(f"duckdb:///{path}", "SELECT code FROM sku")}
    assert not {r[0] for r in run_sql(target, "SELECT code FROM sku")} & real_skus


PEOPLE_SQL = """
CREATE TABLE state (code VARCHAR(12) PRIMARY KEY, label TEXT);
INSERT INTO state VALUES ('on_hold', 'On hold'), ('open', 'Open'), ('de-AT', 'Austria');
CREATE TABLE users (handle VARCHAR(30) PRIMARY KEY, joined DATE);
INSERT INTO users SELECT h, DATE '2020-01-01' + i FROM (VALUES
  (1, 'egarrett'), (2, 'stouttaylor'), (3, 'vhiggins'), (4, 'jonescarol'), (5, 'kwalsh'),
  (6, 'mreyes'), (7, 'tbrooks'), (8, 'lpatel'), (9, 'dnguyen'), (10, 'sokafor')) t(i, h);
CREATE TABLE client (name VARCHAR(60) PRIMARY KEY, since DATE);
INSERT INTO client SELECT n, DATE '2019-01-01' + 3 * i FROM (VALUES
  (1, 'Adams Group'), (2, 'Jackson LLC'), (3, 'Morris and Sons'), (4, 'Lopez-Hale'),
  (5, 'Kim Holdings'), (6, 'Blue Fir Ltd'), (7, 'Ortega & Ruiz'), (8, 'Nakamura AG')) t(i, n);
CREATE TABLE box (ref VARCHAR(40) PRIMARY KEY, size INTEGER);
INSERT INTO box SELECT r, i FROM (VALUES (1, 'ann.lee@example.org'), (2, '+1-774-907-7672'),
  (3, '157-63-4659'), (4, 'Long, Michael'), (5, 'Gunda Zänker'), (6, 'william04')) t(i, r);
CREATE TABLE crew (name VARCHAR(40) PRIMARY KEY, rank TEXT);
INSERT INTO crew VALUES ('Gunda Zänker', 'a'), ('Prof. Dietrich Gutknecht', 'b'),
  ('Stefano Kruschwitz-Gude', 'a'), ('André Texier', 'b'), ('Hans-Otto Bloch', 'a');
CREATE TABLE line (name VARCHAR(40) PRIMARY KEY, note TEXT);
INSERT INTO line VALUES ('Classic Cars', 'x'), ('Trucks and Buses', 'y'), ('R&B/Soul', 'z');
CREATE TABLE ticket (id INTEGER PRIMARY KEY, state_code VARCHAR(12) REFERENCES state (code),
                     crew_name VARCHAR(40) REFERENCES crew (name),
                     line_name VARCHAR(40) REFERENCES line (name),
                     opened_by VARCHAR(30) REFERENCES users (handle),
                     client_name VARCHAR(60) REFERENCES client (name),
                     box_ref VARCHAR(40) REFERENCES box (ref));
INSERT INTO ticket SELECT i, CASE i % 3 WHEN 0 THEN 'on_hold' WHEN 1 THEN 'open' ELSE 'de-AT' END,
  w.name, l.name, u.handle, c.name, b.ref
FROM range(0, 300) t(i)
JOIN (SELECT name, row_number() OVER (ORDER BY name) - 1 AS k FROM crew) w ON w.k = i % 5
JOIN (SELECT name, row_number() OVER (ORDER BY name) - 1 AS k FROM line) l ON l.k = i % 3
JOIN (SELECT handle, row_number() OVER (ORDER BY handle) - 1 AS k FROM users) u ON u.k = i % 10
JOIN (SELECT name, row_number() OVER (ORDER BY name) - 1 AS k FROM client) c ON c.k = i % 8
JOIN (SELECT ref, row_number() OVER (ORDER BY ref) - 1 AS k FROM box) b ON b.k = i % 6;
"""


def test_small_tables_of_people_or_personal_values_keep_no_source_keys(duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A lookup list's codes are kept, but the rule took any short distinct texts of a small
    referenced table for codes: a users table's handles, a client list keyed by company
    name, emails, phone numbers, SSNs, 'Last, First' names under a neutral column name were
    all written as in the source (a privacy leak). Codes are single words of letters now,
    never of a table or column that names people; codes such as on_hold, de-AT are kept."""
    import duckdb

    path = duckdb_path_factory("people_src")
    con = duckdb.connect(str(path))
    con.execute(PEOPLE_SQL)
    con.close()
    source = f"duckdb:///{path}"
    target = f"duckdb:///{duckdb_path_factory('people_out')}"
    assert dbsynth.synth(source, target).integrity.ok
    assert {r[0] for r in run_sql(target, "SELECT code FROM state")} == {"on_hold", "open", "de-AT"}
    assert {r[0] for r in run_sql(target, "SELECT name FROM line")} == {
        "Classic Cars", "Trucks and Buses", "R&B/Soul"}
    for table, key in (("users", "handle"), ("client", "name"), ("box", "ref"), ("crew", "name")):
        real = {r[0] for r in run_sql(source, f"SELECT {key} FROM {table}")}
        made = {r[0] for r in run_sql(target, f"SELECT {key} FROM {table}")}
        assert made and not made & real, (table, made & real)


@pytest.mark.postgres
def test_a_lookup_lists_padded_char_codes_are_kept(pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL pads char(n) codes ('open    '): still codes, kept as the source has them."""
    source = pg_database_factory("padded_src")
    run_sql(source, "CREATE TABLE state (code char(8) PRIMARY KEY, label text);"
                    "INSERT INTO state VALUES ('open', 'Open'), ('closed', 'Closed');"
                    "CREATE TABLE task (id int PRIMARY KEY, state_code char(8) REFERENCES state (code));"
                    "INSERT INTO task SELECT g, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'closed' END "
                    "FROM generate_series(1, 200) g")
    target = pg_database_factory("padded_out")
    assert dbsynth.synth(source, target).integrity.ok
    assert {r[0] for r in run_sql(target, "SELECT rtrim(code) FROM state")} == {"open", "closed"}
