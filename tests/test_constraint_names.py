"""Constraint names and foreign key actions survive a copy: PostgreSQL → PostgreSQL and
SQLite → SQLite keep the source's PK/UNIQUE/CHECK/FK names and ON DELETE / ON UPDATE, read
back from the target's own catalog; DuckDB, which cannot declare CASCADE or SET NULL, gets
the foreign key without them and a note says so; model files from before keep loading."""

from __future__ import annotations

import sqlite3

import pytest

from contract.conftest import Backend
from dbsynth import pipeline
from dbsynth.errors import SchemaError
from dbsynth.pipeline import KeyOptions
from dbsynth.schema.serialize import schema_from_dict

NO_INFER = KeyOptions(infer=False)

DDL = """
CREATE TABLE author (id integer CONSTRAINT author_pk PRIMARY KEY,
                     email varchar(40) NOT NULL CONSTRAINT author_email_uq UNIQUE,
                     age integer NOT NULL CONSTRAINT age_adult CHECK (age >= 18));
CREATE TABLE book (id integer CONSTRAINT book_pk PRIMARY KEY,
                   author_id integer NOT NULL,
                   editor_id integer,
                   CONSTRAINT book_author_fk FOREIGN KEY (author_id) REFERENCES author (id)
                       ON DELETE CASCADE ON UPDATE RESTRICT,
                   CONSTRAINT book_editor_fk FOREIGN KEY (editor_id) REFERENCES author (id)
                       ON DELETE SET NULL);
"""
ROWS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
INSERT INTO author SELECT i, 'a' || i || '@x.org', 18 + i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 90)
INSERT INTO book SELECT i, 1 + i % 30, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 7 END FROM n;
"""
NAMES = {"author_pk", "author_email_uq", "age_adult", "book_pk", "book_author_fk",
         "book_editor_fk"}
#: (constraint, on delete, on update)
ACTIONS = {("book_author_fk", "CASCADE", "RESTRICT"), ("book_editor_fk", "SET NULL", "NO ACTION")}
PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@pytest.mark.postgres
def test_postgres_copy_keeps_names_and_actions(request, tmp_path) -> None:
    pg = Backend("postgres", request, tmp_path)
    source, target = pg.source(DDL, ROWS), pg.target()
    assert pipeline.synth(source, target, seed=1, keys=NO_INFER).integrity.ok
    rows = pg.sql(target, "SELECT conname, contype, confdeltype, confupdtype FROM pg_constraint "
                          "WHERE connamespace = 'public'::regnamespace")
    assert {r[0] for r in rows} == NAMES
    assert {(r[0], PG_ACTIONS[r[2]], PG_ACTIONS[r[3]]) for r in rows if r[1] == "f"} == ACTIONS
    # and the action works on the copy: deleting an author deletes its books
    author = pg.sql(target, "SELECT author_id FROM book LIMIT 1")[0][0]
    pg.sql(target, f"UPDATE book SET editor_id = NULL WHERE editor_id = {author}")
    pg.sql(target, f"DELETE FROM author WHERE id = {author}")
    assert pg.sql(target, f"SELECT count(*) FROM book WHERE author_id = {author}")[0][0] == 0


def test_sqlite_copy_keeps_names_and_actions(request, tmp_path) -> None:
    lite = Backend("sqlite", request, tmp_path)
    source, target = lite.source(DDL, ROWS), lite.target()
    assert pipeline.synth(source, target, seed=1, keys=NO_INFER).integrity.ok
    con = sqlite3.connect(target.removeprefix("sqlite:///"))
    try:
        created = " ".join(sql for (sql,) in con.execute("SELECT sql FROM sqlite_master "
                                                          "WHERE type = 'table'"))
        actions = {(r[3], r[6], r[5]) for r in con.execute("PRAGMA foreign_key_list(book)")}
    finally:
        con.close()
    for name in NAMES:
        assert f'CONSTRAINT "{name}"' in created, name
    assert actions == {("author_id", "CASCADE", "RESTRICT"), ("editor_id", "SET NULL", "NO ACTION")}
    # read back through dbsynth's own introspection too: names and actions in the schema
    schema = pipeline.inspect(target, keys=NO_INFER).schema
    book, author = schema.table("book"), schema.table("author")
    assert {(fk.name, fk.on_delete, fk.on_update) for fk in book.foreign_keys} == ACTIONS
    assert author.primary_key is not None and author.primary_key.name == "author_pk"
    assert [u.name for u in author.uniques] == ["author_email_uq"]
    assert [c.name for c in author.checks] == ["age_adult"]


def test_duckdb_target_declares_the_key_without_the_action_and_says_so(request, tmp_path) -> None:
    lite, duck = Backend("sqlite", request, tmp_path), Backend("duckdb", request, tmp_path)
    source, target = lite.source(DDL, ROWS), duck.target()
    result = pipeline.synth(source, target, seed=1, keys=NO_INFER)
    assert result.integrity.ok
    assert any("declared without ON DELETE CASCADE" in n and "book(author_id)" in n
               for n in result.notes)
    fks = duck.sql(target, "SELECT constraint_column_names FROM duckdb_constraints() "
                           "WHERE constraint_type = 'FOREIGN KEY' AND table_name = 'book'")
    assert sorted(tuple(r[0]) for r in fks) == [("author_id",), ("editor_id",)]


def test_model_files_without_actions_load_and_bad_actions_are_refused() -> None:
    data = {"dialect": "postgres", "name": "public", "tables": [
        {"name": "p", "columns": [{"name": "id", "type": {"name": "integer"}, "nullable": False}],
         "primary_key": {"columns": ["id"]}},
        {"name": "c", "columns": [{"name": "p_id", "type": {"name": "integer"}, "nullable": True}],
         "foreign_keys": [{"columns": ["p_id"], "ref_table": "p", "ref_columns": ["id"]}]}]}
    fk = schema_from_dict(data).table("c").foreign_keys[0]
    assert (fk.on_delete, fk.on_update) == ("NO ACTION", "NO ACTION")
    data["tables"][1]["foreign_keys"][0]["on_delete"] = "CASCADE; DROP TABLE p"
    with pytest.raises(SchemaError, match="unknown foreign key action"):
        schema_from_dict(data)
    data["tables"][1]["foreign_keys"][0]["on_delete"] = "SET NULL"
    assert schema_from_dict(data).table("c").foreign_keys[0].on_delete == "SET NULL"


def test_refresh_finds_a_lost_action_as_drift(request, tmp_path) -> None:
    """A copy whose key lost its ON DELETE (as copies written before actions were kept)
    drifted: the refresh says which key and action, and stops unless told to recreate."""
    lite = Backend("sqlite", request, tmp_path)
    source, target = lite.source(DDL, ROWS), lite.target()
    plain = DDL.replace("ON DELETE CASCADE ON UPDATE RESTRICT", "")
    lite.sql(target, plain)  # the same tables, the author key without its actions
    plan = pipeline.refresh(source, target, dry_run=True, keys=NO_INFER).plan
    details = [c.detail for c in plan.drift.changes]
    assert details == ["foreign key (author_id) -> author(id): ON DELETE NO ACTION -> CASCADE",
                       "foreign key (author_id) -> author(id): ON UPDATE NO ACTION -> RESTRICT"]
    assert plan.refused is not None
    done = pipeline.refresh(source, target, seed=2, keys=NO_INFER, on_drift="recreate")
    assert done.applied and done.synth is not None and done.synth.integrity.ok
    assert not pipeline.refresh(source, target, dry_run=True, keys=NO_INFER).plan.drift.changes
