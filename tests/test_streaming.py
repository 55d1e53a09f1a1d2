"""Big leaf tables are generated in chunks while they are written (never whole in memory).

The threshold is lowered so the demo's lab results (21,5k rows) stream in chunks of 2,000;
the result must be indistinguishable in integrity from a whole-table run: every row written,
keys unique and consecutive, every child with its parent, children per parent as in the source.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pandas as pd
import pytest
from conftest import ZOO_TABLES, run_sql

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.model.stream import TableStream
from dbsynth.schema.graph import build_plan


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("demo")) / "hospital.duckdb"
    build_demo_source(path)
    return f"duckdb:///{path}"


def test_a_big_leaf_table_streams_in_chunks(demo: str, db_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pipeline, "STREAM_ROWS", 2000)
    target = db_factory.new(name="streamed")
    result = pipeline.synth(demo, target, seed=2)
    assert "lab_results" not in result.synthetic_frames  # streamed: not kept in memory
    assert "patients" in result.synthetic_frames  # a parent is kept: its children need it
    assert result.integrity.ok
    rows, distinct, low, high = run_sql(
        target, "SELECT count(*), count(DISTINCT lab_result_id), min(lab_result_id), "
                "max(lab_result_id) FROM lab_results")[0]
    assert rows == distinct == result.rows["lab_results"] > 10 * 2000
    assert (low, high) == (1, rows)  # integer keys continue across chunks
    orphans = run_sql(target, "SELECT count(*) FROM lab_results l LEFT JOIN patients p "
                              "ON l.patient_id = p.patient_id WHERE p.patient_id IS NULL")[0][0]
    assert orphans == 0
    real = run_sql(demo, "SELECT avg(n), max(n) FROM (SELECT count(*) AS n FROM lab_results GROUP BY patient_id) t")[0]
    fake = run_sql(target, "SELECT avg(n), max(n) FROM (SELECT count(*) AS n FROM lab_results GROUP BY patient_id) t")[0]
    assert abs(float(fake[0]) - float(real[0])) / float(real[0]) < 0.1


def test_same_seed_same_rows_when_streamed(demo: str, duckdb_path_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pipeline, "STREAM_ROWS", 5000)
    urls = [f"duckdb:///{duckdb_path_factory(f'same{i}')}" for i in range(2)]
    for url in urls:
        pipeline.synth(demo, url, seed=4)
    first, second = (run_sql(url, "SELECT * FROM lab_results ORDER BY lab_result_id") for url in urls)
    assert first == second and len(first) > 5000


SECONDARY_KEY_DDL = """
CREATE TABLE team (team_id INTEGER PRIMARY KEY, size INTEGER);
CREATE TABLE project (project_id INTEGER PRIMARY KEY, budget INTEGER);
CREATE TABLE task (
    project_id INTEGER NOT NULL REFERENCES project (project_id),
    step       INTEGER NOT NULL,
    team_id    INTEGER NOT NULL REFERENCES team (team_id),
    hours      INTEGER,
    PRIMARY KEY (project_id, step));
INSERT INTO team SELECT i, i % 7 FROM range(1, 51) t(i);
INSERT INTO project SELECT i, i % 13 FROM range(1, 1001) t(i);
INSERT INTO task SELECT p, s, 1 + (p * 7 + s * 3) % 50, (p + s) % 40
FROM range(1, 1001) a(p), range(1, 9) b(s);
"""


def test_keys_unique_across_chunks_when_not_cut_by_parent(duckdb_path_factory, db_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """task's key (project_id, step) follows a secondary link (team has more tasks per row,
    so it is the primary parent): chunks are cut by team, and only the keys of earlier
    chunks, remembered as hashes, keep the key unique."""
    path = duckdb_path_factory("projects")
    run_sql(f"duckdb:///{path}", SECONDARY_KEY_DDL)
    monkeypatch.setattr(pipeline, "STREAM_ROWS", 1000)
    target = db_factory.new(name="tasks")
    result = pipeline.synth(f"duckdb:///{path}", target, seed=5)
    assert "task" not in result.synthetic_frames and result.integrity.ok
    rows, distinct = run_sql(target, "SELECT count(*), count(DISTINCT (project_id, step)) FROM task")[0]
    assert rows == distinct > 7000


def test_tables_made_as_they_are_written_match_a_whole_run(zoo_url: str, db_factory,
                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The CLI's path (each table made when the writer asks, cut to its keys once loaded,
    cut cycle keys drawn at the end) writes the very rows the in-memory path writes. Pieces
    of 7 rows make parents in pieces and stream every leaf, cycles and self references too."""
    monkeypatch.setattr(pipeline, "STREAM_ROWS", 7)
    kept, streamed = db_factory.new(name="kept"), db_factory.new(name="streamed")
    whole = pipeline.synth(zoo_url, kept, seed=3, keep_frames=True)
    made = pipeline.synth(zoo_url, streamed, seed=3, keep_frames=False)
    assert whole.integrity.ok and made.integrity.ok, made.integrity.violations
    assert made.rows == whole.rows and sum(made.rows.values()) > 50
    for table in ZOO_TABLES:
        query = f'SELECT * FROM "{table}" ORDER BY 1, 2'
        assert run_sql(streamed, query) == run_sql(kept, query), table
    heads = run_sql(streamed, "SELECT count(head_person_id) FROM department")[0][0]
    assert heads > 0  # the cut cycle key was filled in


def test_a_table_handed_over_is_let_go(demo: str) -> None:
    """Once the consumer moves on, the generator holds no reference to the rows it handed
    over (only to a copy of the columns later tables read)."""
    trained = pipeline.train(demo)
    plan = build_plan(trained.model.schema)
    synthesis = trained.model.generate(plan, seed=1)  # alive (with its state) throughout
    handed: dict[str, weakref.ref] = {}  # type: ignore[type-arg]
    widths: dict[str, int] = {}
    for name, frame in synthesis:
        assert isinstance(frame, pd.DataFrame)
        gc.collect()
        assert all(ref() is None for ref in handed.values()), [n for n, r in handed.items() if r() is not None]
        handed[name], widths[name] = weakref.ref(frame), frame.shape[1]
        del frame
    assert len(handed) == 3 and widths["patients"] > 3


ONE_TO_ONE_DDL = """
CREATE TABLE dept (dept_id INTEGER PRIMARY KEY, floor INTEGER);
CREATE TABLE person (person_id INTEGER PRIMARY KEY, age INTEGER);
CREATE TABLE emp (
    emp_id    INTEGER PRIMARY KEY,
    dept_id   INTEGER NOT NULL REFERENCES dept (dept_id),
    person_id INTEGER NOT NULL UNIQUE REFERENCES person (person_id),
    grade     INTEGER);
CREATE TABLE task (task_id INTEGER PRIMARY KEY, emp_id INTEGER NOT NULL REFERENCES emp (emp_id));
INSERT INTO dept SELECT i, i % 9 FROM range(1, 201) t(i);
INSERT INTO person SELECT i, 20 + i % 45 FROM range(1, 3001) t(i);
INSERT INTO emp SELECT i, 1 + i % 200, i, i % 6 FROM range(1, 3001) t(i);
INSERT INTO task SELECT i, 1 + i % 3000 FROM range(1, 6001) t(i);
"""


def test_one_to_one_parents_are_not_taken_twice_across_pieces(duckdb_path_factory, db_factory,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    """emp is referenced (by task), so it is made in pieces when big; each emp takes its
    own person (UNIQUE FK). Pieces must not draw a person an earlier piece took, or the
    colliding rows are dropped (with their tasks)."""
    path = duckdb_path_factory("one_to_one")
    run_sql(f"duckdb:///{path}", ONE_TO_ONE_DDL)
    whole = pipeline.synth(f"duckdb:///{path}", db_factory.new(name="whole"), seed=6)
    monkeypatch.setattr(pipeline, "STREAM_ROWS", 300)
    target = db_factory.new(name="pieces")
    pieces = pipeline.synth(f"duckdb:///{path}", target, seed=6, keep_frames=False)
    assert pieces.integrity.ok
    assert pieces.rows["emp"] == whole.rows["emp"] == 3000
    rows, distinct = run_sql(target, "SELECT count(*), count(DISTINCT person_id) FROM emp")[0]
    assert rows == distinct == 3000


def test_prefetched_chunks_keep_their_order_errors_and_stop_with_the_consumer() -> None:
    """The writer generates the next chunk in a thread while it loads this one: the chunks
    come in the same order, an error in generation is raised to the writer, and a writer
    that stops early stops the thread (it does not generate the rest)."""
    import threading

    from dbsynth.model.stream import prefetched

    made: list[int] = []

    def chunks(n: int, fail_at: int | None = None):  # type: ignore[no-untyped-def]
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"broken chunk {i}")
            made.append(i)
            yield pd.DataFrame({"i": [i]})

    assert [int(c["i"][0]) for c in prefetched(chunks(20))] == list(range(20))
    with pytest.raises(ValueError, match="broken chunk 3"):
        list(prefetched(chunks(10, fail_at=3)))
    made.clear()
    for chunk in prefetched(chunks(1000), depth=1):
        if int(chunk["i"][0]) == 2:
            break
    assert len(made) <= 5  # the one written, the one waiting, the one being made
    assert not any(t.name == "dbsynth-generate" for t in threading.enumerate())


def test_a_streamed_load_reports_the_rows_loaded_not_those_generated_ahead() -> None:
    """The background thread makes a chunk or two ahead of the load: the progress of a
    streamed table says how many rows are in the target, not how many were generated."""
    import time

    from dbsynth.model.stream import TableStream
    from dbsynth.schema.model import Column, SqlType, Table
    from dbsynth.writer.load import _load
    from dbsynth.writer.plan import Operation

    table = Table("t", (Column("i", SqlType("integer")),))

    class Session:
        loaded = 0

        def load(self, _table: Table, frame: pd.DataFrame) -> None:
            time.sleep(0.02)  # a slow target: the generator runs ahead
            self.loaded += len(frame)

    session = Session()
    reported: list[tuple[int, int]] = []

    def progress(event: str, _name: str, rows: int) -> None:
        if event == "load":
            reported.append((rows, session.loaded))

    stream = TableStream("t", 100, lambda: (pd.DataFrame({"i": range(k, k + 10)})
                                            for k in range(0, 100, 10)))
    assert _load(session, table, Operation("load", "t"), stream, progress) == 100  # type: ignore[arg-type]
    assert session.loaded == 100
    assert all(said == done for said, done in reported), reported


def test_a_big_parent_streams_and_keeps_only_what_children_read(demo: str) -> None:
    """Table by table, a parent bigger than a chunk comes in chunks too; its rows and its
    children's are those of a whole-table run with the seed, and no chunk's columns stay
    alive once the consumer moves on (what children read is kept as copies)."""
    model = pipeline.train(demo).model
    plan = build_plan(model.schema)
    whole = model.sample_all_at_once(plan, seed=4, stream_rows=300)  # made in the same pieces
    alive: list[weakref.ref] = []  # type: ignore[type-arg]
    streamed: list[str] = []
    for name, data in model.sample_table_by_table(plan, seed=4, stream_rows=300):
        if isinstance(data, TableStream):
            streamed.append(name)
            chunks = []
            for chunk in data:  # the generator holds the last chunk handed over, no other
                gc.collect()
                assert all(ref() is None for ref in alive), name
                chunks.append(chunk.copy())
                # the chunk's column arrays (pandas blocks): a kept view would hold them
                alive.extend(weakref.ref(block.values) for block in chunk._mgr.blocks)
                del chunk
            frame = pd.concat(chunks, ignore_index=True)
        else:
            frame = data.reset_index(drop=True)
        expected = whole[name]
        expected = (pd.concat(list(expected), ignore_index=True) if isinstance(expected, TableStream)
                    else expected.reset_index(drop=True))
        pd.testing.assert_frame_equal(frame, expected)
        del data
        gc.collect()
        assert all(ref() is None for ref in alive), name
    assert "patients" in streamed and "lab_results" in streamed
