"""The control set's keys, without a database (well under a second).

Keys must compare across reads and frames: a nullable integer FK (pandas ``Int64`` with
NULLs, as :func:`dbsynth.model.keys.align_reference_values` writes it), text keys that look
like numbers in one subset only, integers beyond float precision. A child of a held-out
entity that is not held out is a held-out person leaking into training.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from dbsynth.model.holdout import key_texts, split
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, Schema, SqlType, Table

INT, TEXT = SqlType("integer"), SqlType("text")


def _schema(key_type: SqlType) -> Schema:
    people = Table("people", (Column("id", key_type, nullable=False), Column("email", TEXT)),
                   PrimaryKey(("id",)), row_count=200)
    visits = Table("visits", (Column("vid", INT, nullable=False), Column("person_id", key_type),
                              Column("note", TEXT)),
                   PrimaryKey(("vid",)), (ForeignKey(("person_id",), "people", ("id",)),), row_count=600)
    return Schema("postgres", "public", (people, visits))


def _assert_children_follow(training: dict[str, pd.DataFrame], held: dict[str, pd.DataFrame]) -> None:
    """Every visit of a held-out person is held out, and no other visit is."""
    out = set(key_texts(held["people"], ("id",)))
    kept = set(key_texts(training["people"], ("id",)))
    assert out and kept and not out & kept
    assert set(key_texts(held["visits"], ("person_id",))) <= out
    assert not set(key_texts(training["visits"], ("person_id",))) & out


def test_nullable_integer_fk_with_nulls_splits() -> None:
    """Before: key_texts called float(pd.NA) on the Int64 FK and the split raised TypeError."""
    people = pd.DataFrame({"id": range(200), "email": [f"p{i}@x.org" for i in range(200)]})
    person = pd.array([i % 200 if i % 7 else None for i in range(600)], dtype="Int64")
    visits = pd.DataFrame({"vid": range(600), "person_id": person, "note": "n"})
    training, control = split(_schema(INT), {"people": people, "visits": visits}, 0.3, seed=1)
    _assert_children_follow(training, control.frames)
    assert len(training["visits"]) + len(control.frames["visits"]) == 600
    assert visits["person_id"].isna().sum() == training["visits"]["person_id"].isna().sum()


def test_text_keys_that_look_numeric_in_a_subset() -> None:
    """Before: the held-out people were all digit ids ('12' read as 12.0) while the visits'
    column as a whole was text ('12'): their visits stayed in training."""
    ids = [str(i) if i else "k0" for i in range(200)]  # one id not a number
    people = pd.DataFrame({"id": ids, "email": "e"})
    visits = pd.DataFrame({"vid": range(600), "person_id": [ids[i % 200] for i in range(600)], "note": "n"})
    frames = {"people": people, "visits": visits}
    for seed in range(5):
        training, control = split(_schema(TEXT), frames, 0.3, seed=seed)
        _assert_children_follow(training, control.frames)
    # and the recorded keys find the rows again in a whole read of the table
    recorded = set(control.keys(_schema(TEXT))["tables"]["people"]["keys"])
    assert sum(k in recorded for k in key_texts(people, ("id",))) == len(control.frames["people"])


def test_key_texts_compare_values_not_their_spelling() -> None:
    """1, 1.0 and '1' alike; '007' and '7' apart; integers beyond 2**53 apart; NULL no key."""
    big = 2**53
    assert key_texts(pd.DataFrame({"a": [1, 2]}), ["a"]) == key_texts(pd.DataFrame({"a": [1.0, 2.0]}), ["a"])
    assert key_texts(pd.DataFrame({"a": ["1"]}), ["a"]) == key_texts(pd.DataFrame({"a": [1]}), ["a"])
    assert len(set(key_texts(pd.DataFrame({"a": ["007", "7"]}), ["a"]))) == 2
    assert len(set(key_texts(pd.DataFrame({"a": [big, big + 1]}), ["a"]))) == 2
    assert key_texts(pd.DataFrame({"a": [1, None], "b": ["x", "y"]}), ["a", "b"])[1] is None


def test_held_out_children_are_not_counted_for_other_parents(tmp_path: Path) -> None:
    """Visits hang below people (the entity) and clinics. The clinics' children per parent
    the model learns must count training visits only. Before: holding out made every table
    look sampled, so the counts came from SQL over the whole source, held-out visits too."""
    from dbsynth import pipeline
    from dbsynth.model.derived import count_column

    path = _clinic_source(tmp_path / "src.duckdb")
    trained = pipeline.train(f"duckdb:///{path}", holdout=0.3, seed=3, keys=pipeline.KeyOptions(infer=False))
    assert trained.control is not None and trained.control["entity"] == "people"
    visits = trained.frames["visits"]
    assert 0 < len(visits) < 900
    fk = next(f for f in trained.model.schema.table("visits").foreign_keys if f.ref_table == "clinics")
    learned = trained.model.tables["clinics"].columns[count_column("visits", fk)].categories
    assert sorted(learned) == sorted(set(visits.groupby("clinic_id").size().tolist()))


def _clinic_source(path: Path) -> Path:
    """A small DuckDB file: 3 clinics, 300 people, 900 visits (each below one of each)."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE clinics (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, age INTEGER)")
    con.execute("CREATE TABLE visits (vid INTEGER PRIMARY KEY, person_id INTEGER REFERENCES people(id),"
                " clinic_id INTEGER REFERENCES clinics(id), cost DOUBLE)")
    con.execute("INSERT INTO clinics SELECT i, 'c' || i FROM range(3) t(i)")
    con.execute("INSERT INTO people SELECT i, 'p' || i || '@x.org', 20 + i % 50 FROM range(300) t(i)")
    con.execute("INSERT INTO visits SELECT i, i % 300, i % 3, i * 1.5 FROM range(900) t(i)")
    con.close()
    return path


def test_report_control_file_of_wrong_shape_is_one_line_up_front(tmp_path: Path) -> None:
    """A control file whose keys are not lists of column names, or name columns the table
    lacks. Before: the whole report was built, then TypeError/KeyError as an internal error
    (exit 70)."""
    import shutil

    source = _clinic_source(tmp_path / "src.duckdb")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(source, copy)
    bad = {"number": {"entity": "people", "tables": {"people": {"columns": 5, "keys": ["1"]}}},
           "missing": {"entity": "people", "tables": {"people": {"columns": ["nope"], "keys": ["1"]}}},
           "ints": {"entity": "people", "tables": {"people": {"columns": ["id"], "keys": [1, 2]}}}}
    for name, control in bad.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(control))
        done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "report", f"duckdb:///{source}",
                               f"duckdb:///{copy}", "--control", str(tmp_path / f"{name}.json")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (name, done.stderr)
        last = done.stderr.strip().splitlines()[-1]
        assert "control" in last and "internal error" not in last, (name, last)


def test_audit_of_a_sampled_table_counts_only_rows_read_for_training(tmp_path: Path) -> None:
    """Training read 200 of the 300 people; the audit's trained-on side must be those rows,
    not every real row outside the control set. Before: the 100 people never read counted as
    trained on, which dilutes every attack (a memorising model looks a third safer)."""
    import duckdb

    from dbsynth import pipeline
    from dbsynth.report.audit import split_by_control

    path = _clinic_source(tmp_path / "src.duckdb")
    trained = pipeline.train(f"duckdb:///{path}", holdout=0.3, seed=3, sample_rows=200,
                             keys=pipeline.KeyOptions(infer=False))
    assert trained.control is not None
    people = duckdb.connect(str(path), read_only=True).execute("SELECT * FROM people").df()
    held = trained.control["tables"]["people"]
    seen = (set(held["trained"]),) if "trained" in held else ()
    inside, unseen = split_by_control(people, ("id",), set(held["keys"]), *seen)
    assert sorted(inside["id"]) == sorted(trained.frames["people"]["id"])
    assert len(inside) + len(unseen) < len(people)
    assert not set(inside["id"]) & set(unseen["id"])


def test_copied_tables_are_never_held_out() -> None:
    """A table in mode copy is written verbatim from the rows read: holding rows of it out
    would only make the copy short (its size check expects the source's rows) and attack
    rows that are public by choice. Before: its rows below held-out people were held out."""
    from dataclasses import replace

    schema = _schema(INT)
    schema = replace(schema, tables=(schema.table("people"), replace(schema.table("visits"), mode="copy")))
    people = pd.DataFrame({"id": range(200), "email": "e"})
    visits = pd.DataFrame({"vid": range(600), "person_id": [i % 200 for i in range(600)], "note": "n"})
    training, control = split(schema, {"people": people, "visits": visits}, 0.3, seed=1)
    assert len(training["visits"]) == 600 and "visits" not in control.frames
    assert 0 < len(control.frames["people"]) < 200


def test_descendants_through_self_references_and_cycles_are_held_out() -> None:
    """Before: one pass in load order skipped self references and cut (cyclic) keys, so a
    sub-task of a held-out person's task, and a note pointing at a held-out task through a
    key the cycle cut, stayed in training — part of a held-out entity trained on."""
    people = Table("people", (Column("id", INT, nullable=False), Column("email", TEXT)),
                   PrimaryKey(("id",)), row_count=100)
    tasks = Table("tasks", (Column("tid", INT, nullable=False), Column("person_id", INT),
                            Column("parent_tid", INT), Column("pinned_note", INT, nullable=False)),
                  PrimaryKey(("tid",)),
                  (ForeignKey(("person_id",), "people", ("id",)), ForeignKey(("parent_tid",), "tasks", ("tid",)),
                   ForeignKey(("pinned_note",), "notes", ("nid",))), row_count=400)
    notes = Table("notes", (Column("nid", INT, nullable=False), Column("task_id", INT)),
                  PrimaryKey(("nid",)), (ForeignKey(("task_id",), "tasks", ("tid",)),), row_count=400)
    schema = Schema("postgres", "public", (people, tasks, notes))
    # 100 top tasks (one per person), then chains of sub-tasks with no person of their own
    tid = list(range(400))
    person = [i if i < 100 else None for i in tid]
    parent = [None if i < 100 else i - 100 for i in tid]
    frames = {"people": pd.DataFrame({"id": range(100), "email": "e"}),
              "tasks": pd.DataFrame({"tid": tid, "person_id": pd.array(person, dtype="Int64"),
                                     "parent_tid": pd.array(parent, dtype="Int64"),
                                     "pinned_note": tid}),  # notes load first: notes.task_id is cut
              "notes": pd.DataFrame({"nid": range(400), "task_id": tid})}
    assert build_plan(schema).order.index("notes") < build_plan(schema).order.index("tasks")
    training, control = split(schema, frames, 0.3, seed=3)
    out_people = set(control.frames["people"]["id"])
    owner = {t: t % 100 for t in tid}  # every task chain belongs to one person
    held_tasks = set(control.frames["tasks"]["tid"])
    assert out_people and held_tasks == {t for t in tid if owner[t] in out_people}
    assert not {t for t in training["tasks"]["tid"] if owner[t] in out_people}
    assert set(control.frames["notes"]["task_id"]) == held_tasks
    assert len(training["tasks"]) + len(held_tasks) == 400


def test_per_parent_keys_match_across_a_frame_and_sql_rows() -> None:
    """Before: the report indexed per-parent SQL figures by ``str(value)`` — ``Decimal('1')``
    from a PostgreSQL ``numeric`` key gave ``1`` — and looked them up by the frame's
    ``str`` — ``1.0`` for an integer column with NULLs read as floats: no parent matched."""
    from decimal import Decimal

    from dbsynth.report.detection import joined_key, parent_key_texts

    frame = pd.DataFrame({"a": [1.0, 2.0, float("nan")], "b": ["x", "007", "z"]})
    sql_rows = [(Decimal("1"), "x"), (2, "007")]
    assert list(parent_key_texts(frame, ("a", "b")))[:2] == [joined_key(r) for r in sql_rows]
