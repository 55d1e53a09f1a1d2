"""Application databases on MariaDB and SQLite the corpus lacks (MediaWiki, Sakila, SQLite
application files), each shape of which broke a copy: every test asserts on what lands in
the target (rows, keys, values, objects), not on the absence of an exception."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
from conftest import duckdb_url

import dbsynth

WIKI_SQL = """
CREATE TABLE page (page_id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  page_namespace INT NOT NULL, page_title VARBINARY(255) NOT NULL,
  page_touched BINARY(14) NOT NULL, page_sha1 VARBINARY(20) NOT NULL,
  UNIQUE KEY name_title (page_namespace, page_title)) ENGINE=InnoDB DEFAULT CHARSET=binary;
INSERT INTO page (page_namespace, page_title, page_touched, page_sha1)
SELECT seq % 3, CAST(concat('Über_Seite_', seq) AS BINARY),
  CAST(date_format(TIMESTAMP '2023-01-01 00:00:00' + INTERVAL seq HOUR, '%Y%m%d%H%i%s') AS BINARY),
  unhex(sha1(seq)) FROM seq_1_to_150;
CREATE TABLE revision (rev_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rev_page INT UNSIGNED NOT NULL, rev_comment BLOB NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=binary;
INSERT INTO revision (rev_page, rev_comment)
SELECT 1 + seq % 150, CAST(concat('Änderung Nummer ', seq, ' – ',
  ELT(1 + seq % 3, 'typo', 'Inhalt ergänzt', 'revert')) AS BINARY) FROM seq_1_to_300;
"""


@pytest.fixture(scope="module")
def wiki_url(maria_cluster) -> str:  # type: ignore[no-untyped-def]
    url = maria_cluster.create_database("wiki")
    maria_cluster.run(url, WIKI_SQL)
    return url


@pytest.mark.mysql
def test_binary_strings_holding_text_stay_text(wiki_url: str, tmp_path: Path) -> None:
    """MediaWiki keeps its text in binary strings (VARBINARY titles in UNIQUE (namespace,
    title), BLOB comments, BINARY(14) timestamps): a unique key over one failed the run
    (UnicodeDecodeError, exit 70), and every such column was written as random bytes,
    silently. Text in binary strings is modelled as text and written UTF-8 encoded; other
    bytes (a SHA-1) stay bytes of the source's lengths."""
    path = tmp_path / "wiki.duckdb"
    assert dbsynth.synth(wiki_url, duckdb_url(path), seed=1).integrity.ok
    con = duckdb.connect(str(path), read_only=True)
    try:
        pages = con.execute("SELECT page_namespace, page_title, page_touched, page_sha1 "
                            "FROM page").fetchall()
        comments = [r[0] for r in con.execute("SELECT rev_comment FROM revision").fetchall()]
    finally:
        con.close()
    assert len(pages) == 150 and len(comments) == 300
    assert len({(ns, title) for ns, title, _t, _s in pages}) == 150
    titles = [bytes(title).decode("utf-8") for _ns, title, _t, _s in pages]
    assert all(t.startswith("Über_Seite_") for t in titles)
    touched = [bytes(t).decode("utf-8") for _ns, _title, t, _s in pages]
    assert all(len(t) == 14 and t.isdigit() and t.startswith("202") for t in touched)
    assert all(len(bytes(sha)) == 20 for *_rest, sha in pages)
    texts = [bytes(c).decode("utf-8") for c in comments]  # every comment readable as text
    assert sum(" " in t for t in texts) > 250


def _sqlite_app(path: Path) -> str:
    """A notes app: an FTS5 index of note.body (external content) beside its tables."""
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE account (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
        CREATE TABLE note (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL
                           REFERENCES account (id), body TEXT NOT NULL);
        CREATE VIRTUAL TABLE note_fts USING fts5(body, content='note', content_rowid='id');
        CREATE VIRTUAL TABLE scratch USING fts5(line);
    """)
    con.executemany("INSERT INTO account (name) VALUES (?)", [(f"user{i}",) for i in range(40)])
    con.executemany("INSERT INTO note VALUES (?, ?, ?)",
                    [(i, 1 + i % 40, f"meeting notes about topic {i} and more") for i in range(200)])
    con.execute("INSERT INTO note_fts (note_fts) VALUES ('rebuild')")
    con.execute("INSERT INTO scratch VALUES ('kept nowhere')")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def test_an_fts5_index_is_an_object_rebuilt_from_the_synthetic_rows(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """SQLite application files index their text with FTS5: the virtual table and its
    shadow tables (note_fts_data, _idx, _docsize, _config) were copied as plain tables of
    modelled rows, a foreign key note.body → note_fts(body) was inferred and declared, and
    the copy's full-text search was gone (``MATCH``: no such column), silently. A virtual
    table is an object: created after the load and, over another table's text, rebuilt
    from the synthetic rows; one holding its own rows is created empty, said; another
    engine is told it is not portable."""
    source = _sqlite_app(tmp_path / "notes.db")
    schema = dbsynth.inspect(source).schema
    assert set(schema.table_names) == {"account", "note"}
    assert not schema.table("note").foreign_keys[1:]  # only account_id
    copy = tmp_path / "copy.db"
    assert dbsynth.synth(source, f"sqlite:///{copy}", seed=1).integrity.ok
    assert any("scratch" in r.getMessage() and "created empty" in r.getMessage()
               for r in caplog.records)
    con = sqlite3.connect(copy)
    try:
        word = con.execute("SELECT body FROM note LIMIT 1").fetchone()[0].split()[0].strip(".,")
        found = con.execute("SELECT count(*) FROM note_fts WHERE note_fts MATCH ?",
                            [f'"{word}"']).fetchone()[0]
        assert found >= 1
        assert con.execute("SELECT count(*) FROM note").fetchone()[0] == 200
        assert con.execute("SELECT count(*) FROM scratch").fetchone()[0] == 0
        fks = con.execute("PRAGMA foreign_key_list(note)").fetchall()
        assert [(r[2], r[3]) for r in fks] == [("account", "account_id")]
    finally:
        con.close()
    caplog.clear()
    duck = tmp_path / "copy.duckdb"
    assert dbsynth.synth(source, duckdb_url(duck), seed=1).integrity.ok
    assert any("virtual table note_fts is not created" in r.getMessage() for r in caplog.records)


def test_a_strict_table_with_an_any_column_keeps_its_checks_and_values(tmp_path: Path) -> None:
    """A STRICT table with a column declared ANY (ints and texts in one column): sqlglot
    reads ANY as a keyword, so the CREATE TABLE was not parsed and its CHECKs were left out
    of the copy (with a warning); and the texts of the ANY column were read as NULL, a
    third of its values lost. The CHECKs are kept and hold, the column is read as text."""
    path = tmp_path / "strict.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, version ANY, "
                "score REAL NOT NULL CHECK (score >= 0), "
                "qty INTEGER NOT NULL CONSTRAINT qty_small CHECK (qty BETWEEN 0 AND 9)) STRICT")
    con.executemany("INSERT INTO item VALUES (?, ?, ?, ?)",
                    [(i, i if i % 3 else f"v{i}", (i % 10) / 2, i % 10) for i in range(300)])
    con.commit()
    con.close()
    table = dbsynth.inspect(f"sqlite:///{path}").schema.table("item")
    assert len(table.checks) == 2 and table.column("version").type.name == "text"
    copy = tmp_path / "copy.db"
    assert dbsynth.synth(f"sqlite:///{path}", f"sqlite:///{copy}", seed=1).integrity.ok
    con = sqlite3.connect(copy)
    try:
        ddl = con.execute("SELECT sql FROM sqlite_master WHERE name = 'item'").fetchone()[0]
        assert ddl.count("CHECK") == 2
        assert con.execute("SELECT count(*), count(version) FROM item").fetchone() == (300, 300)
        assert con.execute("SELECT count(*) FROM item WHERE score < 0 OR qty NOT BETWEEN 0 AND 9"
                           ).fetchone()[0] == 0
    finally:
        con.close()
