"""Key inference on small key-less schemas, one naming or data pattern each.

Each schema is a DuckDB file without any constraint (as tables loaded from CSV or Parquet);
the test asserts the keys inference uses, and the ones it must not use.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dbsynth import pipeline
from dbsynth.schema.infer.roots import COMPOUND, SAME_ROOT, RootIndex


def _inspect(tmp_path: Path, sql: str) -> tuple[set[tuple[str, tuple[str, ...]]], set[tuple[str, str, str]]]:
    """(primary keys, foreign keys as (table, column, parent)) inference uses."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "keyless.duckdb"
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    found = pipeline.inspect(f"duckdb:///{path}")
    pks = {(t.name, tuple(t.primary_key.columns)) for t in found.schema.tables if t.primary_key}
    fks = {(t.name, ",".join(fk.columns), fk.ref_table) for t in found.schema.tables for fk in t.foreign_keys}
    return pks, fks


MOVIES = """
CREATE TABLE movies (movie_id INTEGER, title VARCHAR);
CREATE TABLE users (user_id INTEGER, name VARCHAR);
CREATE TABLE ratings (user_id INTEGER, movie_id INTEGER, rating INTEGER, ts TIMESTAMP);
INSERT INTO movies SELECT i, 'm' || i FROM range(1, 21) t(i);
INSERT INTO users SELECT i, 'u' || i FROM range(1, 11) t(i);
INSERT INTO ratings SELECT u, m, (u * m) % 5 + 1, TIMESTAMP '2024-01-01' + INTERVAL (u * m) HOUR
  FROM range(1, 11) a(u), range(1, 21) b(m) WHERE (u + m) % 3 = 0;
"""


def test_plural_tables_singular_keys_and_a_junction_with_payload(tmp_path: Path) -> None:
    pks, fks = _inspect(tmp_path, MOVIES)
    assert {("movies", ("movie_id",)), ("users", ("user_id",)), ("ratings", ("user_id", "movie_id"))} == pks
    assert {("ratings", "movie_id", "movies"), ("ratings", "user_id", "users")} == fks


def test_empty_tables_keyed_by_names_and_types(tmp_path: Path) -> None:
    """No rows to test: a junction's pair of references, keys abbreviated from the table's
    initials (``did`` in ``domain``), and a label named like a table is not a reference."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE author (aid INTEGER, name VARCHAR);
        CREATE TABLE domain (did INTEGER, name VARCHAR);
        CREATE TABLE domain_author (aid INTEGER, did INTEGER);
        CREATE TABLE country (country_id INTEGER, name VARCHAR);
        CREATE TABLE city (city_id INTEGER, country VARCHAR, name VARCHAR);
    """)
    assert ("domain", ("did",)) in pks and ("author", ("aid",)) in pks
    assert ("domain_author", ("aid", "did")) in pks
    assert {("domain_author", "aid", "author"), ("domain_author", "did", "domain")} <= fks
    assert not any(table == "city" and column == "country" for table, column, _ in fks)


def test_one_to_one_shared_key_parent_holds_more(tmp_path: Path) -> None:
    _, fks = _inspect(tmp_path, """
        CREATE TABLE person (person_id INTEGER, name VARCHAR);
        CREATE TABLE person_detail (person_id INTEGER, bio VARCHAR);
        INSERT INTO person SELECT i, 'p' || i FROM range(1, 11) t(i);
        INSERT INTO person_detail SELECT i, 'b' || i FROM range(1, 7) t(i);
    """)
    assert ("person_detail", "person_id", "person") in fks
    assert ("person", "person_id", "person_detail") not in fks


def test_references_named_after_the_table_without_key_word(tmp_path: Path) -> None:
    """``subcountry.country`` → ``country.code2``, ``city.countrycode`` → ``country.code``,
    ``appointment.patient`` → ``patient.patient_id``; text natural keys such as ``'2A'``."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE country (code2 VARCHAR, name VARCHAR);
        CREATE TABLE subcountry (code VARCHAR, country VARCHAR, name VARCHAR);
        CREATE TABLE nation (code VARCHAR, name VARCHAR);
        CREATE TABLE city (id INTEGER, nationcode VARCHAR, name VARCHAR);
        CREATE TABLE patient (patient_id INTEGER, name VARCHAR);
        CREATE TABLE appointment (appointment_id INTEGER, patient INTEGER, room VARCHAR);
        INSERT INTO country VALUES ('AB', 'Abland'), ('2A', 'Twoa'), ('CD', 'Cede'), ('EF', 'Effe');
        INSERT INTO subcountry VALUES ('AB-1', 'AB', 'x'), ('AB-2', 'AB', 'y'), ('2A-1', '2A', 'z');
        INSERT INTO nation VALUES ('N1', 'one'), ('N2', 'two'), ('N3', 'three');
        INSERT INTO city VALUES (1, 'N1', 'a'), (2, 'N1', 'b'), (3, 'N2', 'c');
        INSERT INTO patient SELECT i, 'p' || i FROM range(1, 9) t(i);
        INSERT INTO appointment SELECT i, i % 5 + 1, 'r' || (i % 3) FROM range(1, 31) t(i);
    """)
    assert ("country", ("code2",)) in pks
    assert {("subcountry", "country", "country"), ("city", "nationcode", "nation"),
            ("appointment", "patient", "patient")} <= fks
    assert not any(column in ("name", "room") for _, column, _ in fks)


def test_prefixed_table_and_compound_and_inflected_names(tmp_path: Path) -> None:
    """``us_states.state_id``; German inflection (``enzym_id`` → ``enzyme``) and compounds
    (``siegerflugzeug_id`` → ``flugzeug``, ``schueler_id`` → ``oberschueler``)."""
    _, fks = _inspect(tmp_path, """
        CREATE TABLE us_states (state_id INTEGER, name VARCHAR);
        CREATE TABLE cities (city_id INTEGER, state_id INTEGER);
        CREATE TABLE enzyme (id INTEGER, name VARCHAR);
        CREATE TABLE flugzeug (flugzeug_id INTEGER, modell VARCHAR);
        CREATE TABLE oberschueler (id INTEGER, name VARCHAR);
        CREATE TABLE befund (befund_id INTEGER, enzym_id INTEGER, siegerflugzeug_id INTEGER,
                             schueler_id INTEGER);
        INSERT INTO us_states SELECT i, 's' || i FROM range(1, 51) t(i);
        INSERT INTO cities SELECT i, i % 50 + 1 FROM range(1, 201) t(i);
        INSERT INTO enzyme SELECT i, 'e' || i FROM range(1, 41) t(i);
        INSERT INTO flugzeug SELECT i, 'f' || i FROM range(1, 41) t(i);
        INSERT INTO oberschueler SELECT i, 'o' || i FROM range(1, 41) t(i);
        INSERT INTO befund SELECT i, i % 40 + 1, (i * 7) % 40 + 1, (i * 3) % 40 + 1 FROM range(1, 101) t(i);
    """)
    assert {("cities", "state_id", "us_states"), ("befund", "enzym_id", "enzyme"),
            ("befund", "siegerflugzeug_id", "flugzeug"), ("befund", "schueler_id", "oberschueler")} <= fks


def test_an_integer_count_named_inside_a_compound_is_no_reference(tmp_path: Path) -> None:
    """``heimspiele`` (home games) holds small integers any ``spiel`` key holds too."""
    _, fks = _inspect(tmp_path, """
        CREATE TABLE spiel (spiel_id INTEGER, datum DATE);
        CREATE TABLE stadion (stadion_id INTEGER, heimspiele INTEGER);
        INSERT INTO spiel SELECT i, DATE '2024-01-01' + CAST(i AS INTEGER) FROM range(1, 51) t(i);
        INSERT INTO stadion SELECT i, i % 9 + 1 FROM range(1, 11) t(i);
    """)
    assert not any(column == "heimspiele" for _, column, _ in fks)


def test_empty_child_with_two_alike_parents_gets_no_guess(tmp_path: Path) -> None:
    """Two empty tables keyed by ``song_id``, neither named ``song``: no rows say which one a
    third table references, so none is used (a wrong key breaks the model; a missing one
    is only a weaker model). Named ``song``, the table owning the name is the parent."""
    tables = """
        CREATE TABLE {name} (song_id INTEGER, title VARCHAR);
        CREATE TABLE vocals (song_id INTEGER, kind VARCHAR);
        CREATE TABLE track (album_id INTEGER, position INTEGER, song_id INTEGER);
    """
    _, fks = _inspect(tmp_path, tables.format(name="lieder"))
    assert not any(table == "track" and column == "song_id" for table, column, _ in fks)
    _, fks = _inspect(tmp_path / "named", tables.format(name="song"))
    assert ("track", "song_id", "song") in fks


@pytest.mark.parametrize(("name", "table", "how"), [
    ("enzym", "enzyme", SAME_ROOT), ("vereins", "verein", SAME_ROOT), ("projekt", "projekte", SAME_ROOT),
    ("siegerflugzeug", "flugzeug", COMPOUND), ("schüler", "oberschüler", COMPOUND),
    ("staat", "vorwahl_staat", COMPOUND), ("absenderadresse", "adressen", COMPOUND),
])
def test_word_roots_match_endings_and_compounds(name: str, table: str, how: str) -> None:
    index = RootIndex([(table, table), ("land", "land")])
    assert index.lookup(name) == [(table, how)]


def test_word_roots_ignore_short_words() -> None:
    assert RootIndex([("tag", "tag")]).lookup("montag") == []


def test_key_named_after_its_table_with_another_ending(tmp_path: Path) -> None:
    """``abteilungsid`` is ``abteilung``'s key (a joining ``s`` and a run-together ``id``),
    referenced by a column named after the table (``zugehoerigkeit.abteilung``)."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE abteilung (name VARCHAR, abteilungsid INTEGER);
        CREATE TABLE zugehoerigkeit (zugehoerigkeit_id INTEGER, abteilung INTEGER);
        INSERT INTO abteilung SELECT 'a' || i, i FROM range(1, 9) t(i);
        INSERT INTO zugehoerigkeit SELECT i, i % 8 + 1 FROM range(1, 41) t(i);
    """)
    assert ("abteilung", ("abteilungsid",)) in pks
    assert ("zugehoerigkeit", "abteilung", "abteilung") in fks


def test_integer_keys_stored_as_floats(tmp_path: Path) -> None:
    """A key copied as ``DOUBLE`` (1.0, 2.0) is an integer key; a float with fractions is not."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE company (company_id DOUBLE, name VARCHAR);
        CREATE TABLE employment (company_id BIGINT, person_id BIGINT, since INTEGER);
        CREATE TABLE reading (reading_id DOUBLE, place VARCHAR, value DOUBLE);
        INSERT INTO company SELECT i, 'c' || i FROM range(1, 9) t(i);
        INSERT INTO employment SELECT 1 + i % 8, i, 2000 + i FROM range(1, 31) t(i);
        INSERT INTO reading SELECT i + 0.5, 'p', i FROM range(1, 9) t(i);
    """)
    assert ("company", ("company_id",)) in pks
    assert ("employment", "company_id", "company") in fks
    assert not any(table == "reading" for table, _ in pks)


def test_references_no_name_reveals_found_by_their_values(tmp_path: Path) -> None:
    """A translated or role name (``kanal``, ``vote_president``) whose values all lie in one
    distinctive key (text, or ids from 1001; a natural key named as a name), a vote with two
    values beside those, and a junction's second side (``liked_id`` next to
    ``highschooler_id``); a small count (``rank`` 1..5) fits a ``1..n`` key and is not a reference."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE channel (id VARCHAR, title VARCHAR);
        CREATE TABLE programme (programme_id INTEGER, kanal VARCHAR, rank INTEGER);
        CREATE TABLE student (student_id INTEGER, name VARCHAR);
        CREATE TABLE ballot (student_id INTEGER, vote_president INTEGER, vote_treasurer INTEGER,
                             vote_secretary INTEGER);
        CREATE TABLE genre (genre_name VARCHAR, rating INTEGER, popular_in VARCHAR);
        CREATE TABLE song (song_id INTEGER, genre_is VARCHAR);
        INSERT INTO genre VALUES ('pop', 7, 'uk'), ('rock', 8, 'us'), ('folk', 6, 'ie'), ('jazz', 9, 'us');
        INSERT INTO song SELECT i, ['pop', 'rock', 'folk'][1 + i % 3] FROM range(1, 11) t(i);
        CREATE TABLE highschooler (id INTEGER, name VARCHAR);
        CREATE TABLE likes (highschooler_id INTEGER, liked_id INTEGER);
        INSERT INTO channel SELECT (700 + i)::VARCHAR, 'c' || i FROM range(0, 12) t(i);
        INSERT INTO programme SELECT 100 + i, (700 + i % 9)::VARCHAR, 1 + i % 5 FROM range(1, 21) t(i);
        INSERT INTO student SELECT 1000 + i, 's' || i FROM range(1, 31) t(i);
        INSERT INTO ballot SELECT 1000 + i, 1001 + i % 4, 1010 + i % 3, 1020 + i % 2 FROM range(1, 11) t(i);
        INSERT INTO highschooler SELECT i, 'h' || i FROM range(1, 17) t(i);
        INSERT INTO likes SELECT i, 1 + (i * 7) % 16 FROM range(1, 13) t(i);
    """)
    assert {("programme", "kanal", "channel"), ("ballot", "vote_president", "student"),
            ("ballot", "vote_treasurer", "student"), ("likes", "liked_id", "highschooler"),
            ("ballot", "vote_secretary", "student"), ("song", "genre_is", "genre")} <= fks
    assert ("genre", ("genre_name",)) in pks
    assert not any(column == "rank" for _, column, _ in fks)


def test_fact_tables_keyed_by_their_references_and_a_date(tmp_path: Path) -> None:
    """A table with no key column of its own: its references and a date (a weekly reading per
    station), a table of two columns by both (and referenced by both), a calendar by its date."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE station (station_id INTEGER, name VARCHAR);
        CREATE TABLE weekly_weather (station_id INTEGER, weekday VARCHAR, high INTEGER, low INTEGER);
        CREATE TABLE block (block_floor INTEGER, block_code INTEGER);
        CREATE TABLE room (room_number INTEGER, block_floor INTEGER, block_code INTEGER);
        CREATE TABLE ref_calendar (calendar_date VARCHAR, day_number INTEGER, weekday VARCHAR);
        CREATE TABLE document (document_id INTEGER, stored_on VARCHAR);
        INSERT INTO station SELECT i, 's' || i FROM range(1, 6) t(i);
        INSERT INTO weekly_weather SELECT s, d, s * length(d), s + 2 FROM range(1, 6) a(s),
          (VALUES ('mon'), ('tue'), ('wed')) b(d);
        INSERT INTO block SELECT f, c FROM range(1, 4) a(f), range(1, 4) b(c);
        INSERT INTO room SELECT 100 + i, 1 + i % 3, 1 + (i // 3) % 3 FROM range(0, 9) t(i);
        INSERT INTO ref_calendar SELECT '2024-01-' || lpad(i::VARCHAR, 2, '0'), i % 7, 'd' || i % 7
          FROM range(1, 21) t(i);
        INSERT INTO document SELECT i, '2024-01-' || lpad((1 + i % 9)::VARCHAR, 2, '0') FROM range(1, 31) t(i);
    """)
    assert ("weekly_weather", ("station_id", "weekday")) in pks
    assert ("block", ("block_floor", "block_code")) in pks
    assert ("ref_calendar", ("calendar_date",)) in pks
    assert ("weekly_weather", "station_id", "station") in fks
    assert ("room", "block_floor,block_code", "block") in fks
    assert ("document", "stored_on", "ref_calendar") in fks
    assert ("weekly_weather", "weekday", "ref_calendar") not in fks


def test_empty_tables_abbreviated_keys_and_the_plain_owner_of_a_shared_name(tmp_path: Path) -> None:
    """No rows: ``cid`` (a letter and ``id``) keys ``conference`` and is referenced by that
    name; ``song_id`` is the key of the table holding nothing else of integers, and a
    reference in the tables holding it beside another integer (``performer``)."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE konferenz (cid INTEGER, homepage VARCHAR, name VARCHAR);
        CREATE TABLE publication (pub_key INTEGER, cid INTEGER, title VARCHAR);
        CREATE TABLE songs (song_id INTEGER, title VARCHAR);
        CREATE TABLE vocals (song_id INTEGER, performer INTEGER, kind VARCHAR);
        CREATE TABLE performance (song_id INTEGER, performer INTEGER, stage VARCHAR);
    """)
    assert ("konferenz", ("cid",)) in pks and ("songs", ("song_id",)) in pks
    assert not {("vocals", ("song_id",)), ("performance", ("song_id",))} & pks
    assert {("publication", "cid", "konferenz"), ("vocals", "song_id", "songs"),
            ("performance", "song_id", "songs")} <= fks


def test_a_subtype_with_the_same_keys_names_its_parent(tmp_path: Path) -> None:
    """Purchases keyed by ``purchase_transaction_id`` hold every key of ``transactions``:
    equal key sets cannot say which table is the parent, the child's name naming the other
    table does; two tables keyed alike with no such name stay undecided."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE transactions (transaction_id INTEGER, amount DOUBLE);
        CREATE TABLE purchases (purchase_transaction_id INTEGER, details VARCHAR);
        CREATE TABLE savings (customer_id INTEGER, balance DOUBLE);
        CREATE TABLE checking (customer_id INTEGER, balance DOUBLE);
        INSERT INTO transactions SELECT i, i * 1.5 FROM range(1, 16) t(i);
        INSERT INTO purchases SELECT i, 'p' || i FROM range(1, 16) t(i);
        INSERT INTO savings SELECT i, i FROM range(1, 8) t(i);
        INSERT INTO checking SELECT i, i FROM range(1, 8) t(i);
    """)
    assert ("purchases", "purchase_transaction_id", "transactions") in fks
    assert ("transactions", "transaction_id", "purchases") not in fks
    assert not {f for f in fks if f[0] in ("savings", "checking")}


def test_empty_tables_natural_key_first_only_in_its_table(tmp_path: Path) -> None:
    """No rows: ``city_name`` is first in ``geographic`` only and appears in two other tables:
    the natural key of ``geographic``, referenced by the others by its name."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE geographic (city_name VARCHAR, county VARCHAR, region VARCHAR);
        CREATE TABLE restaurant (id INTEGER, name VARCHAR, city_name VARCHAR);
        CREATE TABLE location (restaurant_id INTEGER, street VARCHAR, city_name VARCHAR);
    """)
    assert ("geographic", ("city_name",)) in pks
    assert {("restaurant", "city_name", "geographic"), ("location", "city_name", "geographic")} <= fks


def test_references_written_as_phrases(tmp_path: Path) -> None:
    """``adresse_der_mitarbeiter`` (the staff's address) names ``adressen`` by its head noun,
    ``dem_personal_zugewiesene_id`` (assigned to the staff) ``personal`` after its article;
    the data must agree (``betrag_der_buchung``, an amount, references nothing)."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE adressen (adress_id INTEGER, stadt VARCHAR);
        CREATE TABLE personal (personal_id INTEGER, adresse_der_mitarbeiter INTEGER, name VARCHAR);
        CREATE TABLE buchung (buchung_id INTEGER, betrag_der_buchung DOUBLE);
        CREATE TABLE protokoll (protokoll_id INTEGER, dem_personal_zugewiesene_id INTEGER);
        INSERT INTO adressen SELECT i, 's' || i FROM range(1, 11) t(i);
        INSERT INTO personal SELECT i, 1 + i % 10, 'p' || i FROM range(1, 21) t(i);
        INSERT INTO buchung SELECT i, i * 3.5 FROM range(1, 11) t(i);
        INSERT INTO protokoll SELECT i, 1 + i % 20 FROM range(1, 31) t(i);
    """)
    assert {("personal", "adresse_der_mitarbeiter", "adressen"),
            ("protokoll", "dem_personal_zugewiesene_id", "personal")} <= fks
    assert not any(table == "buchung" for table, _, _ in fks)


def test_a_junction_unique_on_its_first_reference_is_keyed_by_both(tmp_path: Path) -> None:
    """``beschaeftigung(firma_id, personen_id)``: a few rows are unique on ``firma_id``, a
    key name of another table: the key is the pair of references. A subtype whose key is
    named inside its table's name (``dokument_id`` in ``offene_dokumente``) keeps it."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE unternehmen (firma_id INTEGER, name VARCHAR);
        CREATE TABLE leute (personen_id INTEGER, name VARCHAR);
        CREATE TABLE beschaeftigung (firma_id INTEGER, personen_id INTEGER, jahre INTEGER);
        CREATE TABLE dokumente (dokument_id INTEGER, titel VARCHAR);
        CREATE TABLE offene_dokumente (dokument_id INTEGER, personen_id INTEGER);
        INSERT INTO unternehmen SELECT i, 'u' || i FROM range(1, 9) t(i);
        INSERT INTO leute SELECT i, 'l' || i FROM range(1, 13) t(i);
        INSERT INTO beschaeftigung SELECT i, 2 * i, i % 3 FROM range(1, 6) t(i);
        INSERT INTO dokumente SELECT i, 'd' || i FROM range(1, 16) t(i);
        INSERT INTO offene_dokumente SELECT i, 1 + i % 4 FROM range(1, 9) t(i);
    """)
    assert ("beschaeftigung", ("firma_id", "personen_id")) in pks
    assert ("offene_dokumente", ("dokument_id",)) in pks
    assert {("beschaeftigung", "firma_id", "unternehmen"), ("beschaeftigung", "personen_id", "leute"),
            ("offene_dokumente", "dokument_id", "dokumente")} <= fks


def test_values_that_do_not_compare_are_no_reference(tmp_path) -> None:
    """SQLite keeps each value's own type: a column with text in one row and integers in
    others has a range that does not compare with an integer key's. Inference must judge
    it (no reference), not crash on the comparison."""
    import sqlite3

    from dbsynth import pipeline

    path = tmp_path / "mixed.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE station (id INTEGER, name TEXT);"
        "INSERT INTO station VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');"
        "CREATE TABLE trip (id INTEGER, stop_code INTEGER, duration INTEGER);"
        "INSERT INTO trip VALUES (1, 2, 10), (2, 'x3', 11), (3, 4, 12), (4, 'zz', 13), (5, 3, 9);")
    con.commit()
    con.close()
    found = pipeline.inspect(f"sqlite:///{path}")
    refs = {(t.name, fk.columns) for t in found.schema.tables for fk in t.foreign_keys}
    assert ("trip", ("stop_code",)) not in refs


def test_value_references_query_only_where_a_fit_could_be_taken(tmp_path: Path) -> None:
    """A wide schema of ``1..n`` keys and small counts (benchmarks/infer_keys.py): every
    count's values lie in every key, but no such fit is taken (the keys are not distinctive,
    the counts are not named like keys), so they are not measured: data queries grow with
    the tables, not with tables × keys."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "infer_keys", Path(__file__).parents[1] / "benchmarks" / "infer_keys.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "wide.duckdb"
    true_pks, true_fks = bench.build(path, 40, 60, 0)
    found = pipeline.inspect(f"duckdb:///{path}")
    assert found.inference is not None
    got = {(t.name, ",".join(fk.columns), fk.ref_table) for t in found.schema.tables
           for fk in t.foreign_keys}
    assert got == true_fks
    assert found.inference.queries <= 6 * 40, found.inference.queries


def test_empty_tables_of_two_alike_columns_are_links(tmp_path: Path) -> None:
    """No rows: a table of two integers (``cite``) or two texts (``border``) is a link keyed
    by both, also where its first column is a key-like name; a key beside a name
    (``genre``), a description (``tag``) or a key named after the table is an entity."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE paper (paper_id INTEGER, title VARCHAR);
        CREATE TABLE cite (citing_paper_id INTEGER, cited INTEGER);
        CREATE TABLE state (state_name VARCHAR, population INTEGER);
        CREATE TABLE border (state_name VARCHAR, neighbour VARCHAR);
        CREATE TABLE genre (genre_id INTEGER, name VARCHAR);
        CREATE TABLE tag (tag_id INTEGER, description VARCHAR);
        CREATE TABLE stage (stage_id INTEGER, level INTEGER);
    """)
    assert {("cite", ("citing_paper_id", "cited")), ("border", ("state_name", "neighbour"))} <= pks
    assert {("genre", ("genre_id",)), ("tag", ("tag_id",)), ("stage", ("stage_id",))} <= pks


def test_events_keyed_by_their_leading_references_and_the_date_after_them(tmp_path: Path) -> None:
    """``job_history(employee_id, start_date, …, job_id)``: an employee recurs over time, and
    the pair of references a small sample holds unique is no key; the references leading a
    table and the date right after them are. Where the leading references are unique
    (``coaching``), the date says since when: the key is the pair."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE employees (employee_id INTEGER, name VARCHAR);
        CREATE TABLE jobs (job_id INTEGER, title VARCHAR);
        CREATE TABLE job_history (employee_id INTEGER, start_date VARCHAR, end_date VARCHAR,
                                  job_id INTEGER);
        CREATE TABLE trainers (trainer_id INTEGER, name VARCHAR);
        CREATE TABLE coaching (employee_id INTEGER, trainer_id INTEGER, since_year INTEGER, fee INTEGER);
        INSERT INTO employees SELECT i, 'e' || i FROM range(1, 11) t(i);
        INSERT INTO jobs SELECT i, 'j' || i FROM range(1, 11) t(i);
        INSERT INTO job_history SELECT 1 + i // 2, '2020-0' || (1 + i % 9), '2021-0' || (1 + i % 9),
          1 + i FROM range(0, 8) t(i);
        INSERT INTO trainers SELECT i, 't' || i FROM range(1, 6) t(i);
        INSERT INTO coaching SELECT 1 + i // 2, 1 + i % 5, 2000 + i % 2, i FROM range(0, 8) t(i);
    """)
    assert ("job_history", ("employee_id", "start_date")) in pks
    assert ("coaching", ("employee_id", "trainer_id")) in pks


def test_tables_of_keys_only_and_links_of_three_are_keyed_by_them_all(tmp_path: Path) -> None:
    """A table whose every column is named as a key (a document's circulation: document,
    draft, copy, employee) is a link of them all, though a few rows hold its first column or
    a pair unique; so is a table with three references and a payload (an authorship)."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE circulation (document_id INTEGER, draft_number INTEGER, copy_number INTEGER,
                                  employee_id INTEGER);
        CREATE TABLE copies (document_id INTEGER, draft_number INTEGER, copy_number INTEGER);
        CREATE TABLE authors (author_id INTEGER, name VARCHAR);
        CREATE TABLE institutions (institution_id INTEGER, name VARCHAR);
        CREATE TABLE papers (paper_id INTEGER, title VARCHAR);
        CREATE TABLE authorship (author_id INTEGER, institution_id INTEGER, paper_id INTEGER,
                                 author_count INTEGER);
        INSERT INTO circulation VALUES (1, 1, 1, 7), (2, 1, 2, 8), (3, 2, 1, 7), (4, 2, 2, 9);
        INSERT INTO copies VALUES (1, 1, 1), (1, 2, 1), (2, 1, 3), (3, 3, 3), (4, 1, 1);
        INSERT INTO authors SELECT i, 'a' || i FROM range(1, 11) t(i);
        INSERT INTO institutions SELECT i, 'i' || i FROM range(1, 6) t(i);
        INSERT INTO papers SELECT i, 'p' || i FROM range(1, 9) t(i);
        INSERT INTO authorship SELECT 1 + i, 1 + i % 5, 1 + i // 2, 1 + i % 3 FROM range(0, 9) t(i);
    """)
    assert ("circulation", ("document_id", "draft_number", "copy_number", "employee_id")) in pks
    assert ("copies", ("document_id", "draft_number", "copy_number")) in pks
    assert ("authorship", ("author_id", "institution_id", "paper_id")) in pks


def test_an_abbreviation_run_together_with_id_keys_its_table(tmp_path: Path) -> None:
    """``stuid`` first in ``schueler``, an integer and unique: the table's key, though the
    abbreviation names the table in another language; a word that merely ends in "id"
    (``paid``, text) is not."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE schueler (stuid INTEGER, nachname VARCHAR, alter_jahre INTEGER);
        CREATE TABLE hat_allergie (stuid INTEGER, allergie VARCHAR);
        CREATE TABLE invoice_flags (paid VARCHAR, note VARCHAR);
        INSERT INTO schueler SELECT 1000 + i, 'n' || i, 18 + i % 5 FROM range(1, 21) t(i);
        INSERT INTO hat_allergie SELECT 1000 + 1 + i % 12, 'a' || i % 4 FROM range(0, 30) t(i);
        INSERT INTO invoice_flags VALUES ('yes', 'a'), ('no', 'b');
    """)
    assert ("schueler", ("stuid",)) in pks
    assert ("hat_allergie", "stuid", "schueler") in fks
    assert not any(table == "invoice_flags" for table, _ in pks)


def test_details_of_one_parent_row_each_are_keyed_by_the_reference(tmp_path: Path) -> None:
    """``school_details(school_id, nickname, colours)``: the only reference, first and unique,
    keys a table of details. Beside other integers (``debate_people``: the debaters, no name
    says so) a unique first reference keys nothing alone."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE school (school_id INTEGER, name VARCHAR, city VARCHAR);
        CREATE TABLE school_details (school_id INTEGER, nickname VARCHAR, colours VARCHAR);
        CREATE TABLE debate (debate_id INTEGER, venue VARCHAR);
        CREATE TABLE debate_people (debate_id INTEGER, affirmative INTEGER, negative INTEGER,
                                    affirmative_won VARCHAR);
        INSERT INTO school SELECT i, 's' || i, 'c' || i % 3 FROM range(1, 11) t(i);
        INSERT INTO school_details SELECT i, 'n' || i, 'col' || i FROM range(1, 7) t(i);
        INSERT INTO debate SELECT i, 'v' || i FROM range(1, 9) t(i);
        INSERT INTO debate_people SELECT i, 1 + i % 4, 5 + i % 3, 'yes' FROM range(1, 6) t(i);
    """)
    assert ("school_details", ("school_id",)) in pks
    assert ("school_details", "school_id", "school") in fks
    assert ("debate_people", ("debate_id",)) not in pks


def test_references_by_code_or_name_classify_rows_keyed_by_their_first_reference(tmp_path: Path) -> None:
    """``expense_documents(document_id, budget_type_code, details)``: a unique first reference
    beside a reference by code (a type) or by name (an artist) keys the table: those classify
    its rows, they are no side of a link (``employment`` in the junction test is)."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE documents (document_id INTEGER, title VARCHAR);
        CREATE TABLE budget_types (budget_type_code VARCHAR, description VARCHAR);
        CREATE TABLE expense_documents (document_id INTEGER, budget_type_code VARCHAR, details VARCHAR);
        CREATE TABLE songs (song_id INTEGER, title VARCHAR);
        CREATE TABLE artists (artist_name VARCHAR, country VARCHAR);
        CREATE TABLE files (song_id INTEGER, artist_name VARCHAR, file_size VARCHAR);
        INSERT INTO documents SELECT i, 'd' || i FROM range(1, 21) t(i);
        INSERT INTO budget_types VALUES ('GV', 'government'), ('SF', 'self'), ('ORG', 'org');
        INSERT INTO expense_documents SELECT 2 * i, ['GV', 'SF', 'ORG'][1 + i % 3], 'x' || i % 2
          FROM range(1, 11) t(i);
        INSERT INTO songs SELECT i, 't' || i FROM range(1, 11) t(i);
        INSERT INTO artists SELECT 'artist ' || i, 'c' || i % 2 FROM range(1, 7) t(i);
        INSERT INTO files SELECT i, 'artist ' || i, i || ' MB' FROM range(1, 7) t(i);
    """)
    assert {("expense_documents", ("document_id",)), ("files", ("song_id",))} <= pks
    assert {("expense_documents", "budget_type_code", "budget_types"),
            ("files", "artist_name", "artists"), ("files", "song_id", "songs")} <= fks


def test_a_name_first_keys_its_table_over_a_pair_holding_a_unique_reference(tmp_path: Path) -> None:
    """``culture_company(company_name, kind, book_club_id, movie_id)``: the pair of
    references is unique only because ``movie_id`` is; the name first in the table keys it."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE book_club (book_club_id INTEGER, title VARCHAR);
        CREATE TABLE movie (movie_id INTEGER, title VARCHAR);
        CREATE TABLE culture_company (company_name VARCHAR, kind VARCHAR, book_club_id INTEGER,
                                      movie_id INTEGER);
        INSERT INTO book_club SELECT i, 'b' || i FROM range(1, 13) t(i);
        INSERT INTO movie SELECT i, 'm' || i FROM range(1, 11) t(i);
        INSERT INTO culture_company SELECT 'company ' || i, 'k' || i % 3, 1 + i % 4, i FROM range(1, 7) t(i);
    """)
    assert ("culture_company", ("company_name",)) in pks
    assert {("culture_company", "book_club_id", "book_club"), ("culture_company", "movie_id", "movie")} <= fks


def test_a_position_after_references_is_a_position_within_them(tmp_path: Path) -> None:
    """``tracklist(album_id, position, song_id)``: a position within the album, empty or not;
    the pair of references a few rows hold unique is no key."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE albums (aid INTEGER, title VARCHAR);
        CREATE TABLE songs (song_id INTEGER, title VARCHAR);
        CREATE TABLE tracklist (album_id INTEGER, position INTEGER, song_id INTEGER);
        CREATE TABLE playlists (playlist_id INTEGER, name VARCHAR);
        CREATE TABLE playlist_entries (playlist_id INTEGER, position INTEGER, song_id INTEGER);
        INSERT INTO songs SELECT i, 't' || i FROM range(1, 21) t(i);
        INSERT INTO playlists SELECT i, 'p' || i FROM range(1, 4) t(i);
        INSERT INTO playlist_entries SELECT 1 + i // 4, 1 + i % 4, 1 + i FROM range(0, 12) t(i);
    """)
    assert ("tracklist", ("album_id", "position")) in pks
    assert ("playlist_entries", ("playlist_id", "position")) in pks


def test_empty_link_a_reference_then_an_integer_no_name_calls_a_key(tmp_path: Path) -> None:
    """No rows: ``vocals(song_id, bandmate, type)`` links a song and a band member the name
    does not reveal: keyed by both. A reference followed by text (``song_notes``) is not."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE songs (song_id INTEGER, title VARCHAR);
        CREATE TABLE vocals (song_id INTEGER, bandmate INTEGER, type VARCHAR);
        CREATE TABLE song_notes (song_id INTEGER, note VARCHAR, written DATE);
    """)
    assert ("vocals", ("song_id", "bandmate")) in pks
    assert not any(table == "song_notes" and len(cols) == 2 for table, cols in pks)


def test_three_references_and_a_date_and_a_reference_with_an_unnamed_integer(tmp_path: Path) -> None:
    """``examination(patient_id, procedure_id, stay_id, exam_date, …)``: three references a
    few rows hold unique (one of them alone) recur over time: the date belongs to the key.
    ``trained_in(physician_id, treatment, certified, expires)``: the only reference and the
    integer after it (a treatment no name reveals) key the table."""
    pks, _ = _inspect(tmp_path, """
        CREATE TABLE patients (patient_id INTEGER, name VARCHAR);
        CREATE TABLE procedures (procedure_id INTEGER, name VARCHAR);
        CREATE TABLE stays (stay_id INTEGER, room INTEGER);
        CREATE TABLE physicians (physician_id INTEGER, name VARCHAR);
        CREATE TABLE examination (patient_id INTEGER, procedure_id INTEGER, stay_id INTEGER,
                                  exam_date VARCHAR, nurse INTEGER);
        CREATE TABLE trained_in (physician_id INTEGER, treatment INTEGER, certified VARCHAR,
                                 expires VARCHAR);
        INSERT INTO patients SELECT i, 'p' || i FROM range(1, 6) t(i);
        INSERT INTO procedures SELECT i, 'x' || i FROM range(1, 11) t(i);
        INSERT INTO stays SELECT i, 100 + i FROM range(1, 6) t(i);
        INSERT INTO physicians SELECT i, 'd' || i FROM range(1, 6) t(i);
        INSERT INTO examination SELECT 1 + i % 2, 1 + i, 1 + i % 2, '2024-05-0' || (1 + i), 7
          FROM range(0, 6) t(i);
        INSERT INTO trained_in SELECT 1 + i // 5, 1 + i % 5, '2020-01-01', '2030-01-01'
          FROM range(0, 15) t(i);
    """)
    assert ("examination", ("patient_id", "procedure_id", "stay_id", "exam_date")) in pks
    assert ("trained_in", ("physician_id", "treatment")) in pks


def test_a_reference_unique_by_chance_does_not_make_a_table_of_details(tmp_path: Path) -> None:
    """30 logins of 1,000 users hold each user once about two times in three by chance alone:
    that is no sign of one row per user, so the log is not keyed by its reference (the copy
    would refuse a second login of a user). A profile per user, as many as the users, is."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE users (user_id INTEGER, name VARCHAR);
        CREATE TABLE logins (user_id INTEGER, logged_at TIMESTAMP, ip VARCHAR);
        CREATE TABLE notes (user_id INTEGER, body VARCHAR);
        CREATE TABLE members (member_id INTEGER, name VARCHAR);
        CREATE TABLE profiles (member_id INTEGER, bio VARCHAR);
        INSERT INTO users SELECT i, 'u' || i FROM range(1, 1001) t(i);
        INSERT INTO logins SELECT (i * 37) % 1000 + 1, TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR,
          '10.0.0.' || i FROM range(1, 31) t(i);
        INSERT INTO notes SELECT (i * 37) % 1000 + 1, 'b' || i FROM range(1, 31) t(i);
        INSERT INTO members SELECT i, 'm' || i FROM range(1, 41) t(i);
        INSERT INTO profiles SELECT i, 'bio ' || i FROM range(1, 41) t(i);
    """)
    assert ("logins", "user_id", "users") in fks and ("notes", "user_id", "users") in fks
    assert ("logins", ("user_id",)) not in pks and ("notes", ("user_id",)) not in pks
    assert ("profiles", ("member_id",)) in pks


def test_a_copy_of_the_parents_unique_column_beside_its_reference_is_no_second_reference(
        tmp_path: Path) -> None:
    """``orders.email`` repeats the email of the user ``orders.user_id`` points at: a
    denormalised copy, not a reference of its own to ``users.email`` (the copy would draw
    each order's email from another user: 2% of orders kept their user's email)."""
    sql = """
        CREATE TABLE users (id INTEGER, email VARCHAR, name VARCHAR);
        CREATE TABLE orders (id INTEGER, user_id INTEGER, email VARCHAR, total INTEGER);
        INSERT INTO users SELECT i, 'u' || i || '@x', 'n' || i FROM range(1, 101) t(i);
        INSERT INTO orders SELECT i, (i * 7) % 100 + 1, 'u' || ((i * 7) % 100 + 1) || '@x', i
          FROM range(1, 501) t(i);
    """
    pks, fks = _inspect(tmp_path, sql)
    assert ("orders", "user_id", "users") in fks
    assert ("orders", "email", "users") not in fks
    target = tmp_path / "copy.duckdb"
    assert pipeline.synth(f"duckdb:///{tmp_path / 'keyless.duckdb'}", f"duckdb:///{target}",
                          seed=0).integrity.ok
    con = duckdb.connect(str(target))
    kept = con.execute("SELECT avg(CASE WHEN o.email = u.email THEN 1.0 ELSE 0 END) FROM orders o "
                       "JOIN users u ON u.id = o.user_id").fetchone()[0]
    con.close()
    assert kept > 0.9


def test_key_glued_to_a_word_is_a_key_name_but_not_in_short_words() -> None:
    """``custkey``, ``partkey`` (TPC-H) end in a key word; ``turkey``, ``monkey``, ``hockey`` do
    not name keys."""
    from dbsynth.schema.infer.names import key_suffix

    assert all(key_suffix(name) for name in ("custkey", "partkey", "suppkey", "orderkey", "nationkey"))
    assert not any(key_suffix(name) for name in ("turkey", "monkey", "hockey", "donkey", "jockey"))


def test_a_child_naming_the_parent_key_with_its_prefix_finds_it(tmp_path: Path) -> None:
    """Both tables prefix their columns, and the child writes the parent's whole column name
    after its own prefix (``pst_usr_id`` -> ``users.usr_id``): the parent key keeps its
    prefix, so the names still meet."""
    pks, fks = _inspect(tmp_path, """
        CREATE TABLE users (usr_id INTEGER, usr_name VARCHAR);
        CREATE TABLE posts (pst_id INTEGER, pst_usr_id INTEGER, pst_title VARCHAR);
        INSERT INTO users SELECT i, 'u' || i FROM range(1, 41) t(i);
        INSERT INTO posts SELECT i, 1 + i % 40, 't' || i FROM range(1, 301) t(i);
    """)
    assert {("users", ("usr_id",)), ("posts", ("pst_id",))} <= pks
    assert ("posts", "pst_usr_id", "users") in fks


def test_a_composite_reference_takes_the_column_of_the_same_name_over_one_of_another_style(
        tmp_path: Path) -> None:
    """``customerId`` and ``customer_id`` in one table read alike in any case style; the
    reference to ``(customer_id, region_id)`` is the column written exactly so."""
    _, fks = _inspect(tmp_path, """
        CREATE TABLE accounts (customer_id INTEGER, region_id INTEGER, balance DOUBLE,
          PRIMARY KEY (customer_id, region_id));
        CREATE TABLE orders (order_id INTEGER, customerId INTEGER, customer_id INTEGER, region_id INTEGER);
        INSERT INTO accounts SELECT c, r, c * r FROM range(1, 21) a(c), range(1, 4) b(r);
        INSERT INTO orders SELECT i, 1000 + i, 1 + i % 20, 1 + i % 3 FROM range(1, 301) t(i);
    """)
    assert ("orders", "customer_id,region_id", "accounts") in fks
