"""The generator's pieces, each on its own, without a database (seconds for the file).

Parent picking keeps each parent's degree (and the drawn cluster when it can); a one-to-one
key never reuses a parent, also across chunks; clusters find well-separated groups and
assign generated rows to them alike; inequalities are found and repaired; child counts add
up to the rows asked for and split over partitions without loss; keys stay unique across the
chunks of a streamed table; link roles and derived columns keep their stored names.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest

from dbsynth.errors import ModelError
from dbsynth.model import checked
from dbsynth.model.columns import ColumnSummary
from dbsynth.model.derived import (cluster_column, count_column, is_cluster_column,
                                   is_count_column, is_derived_column)
from dbsynth.model.partition import Partition
from dbsynth.model.relational import Link, LinkRole, RelationalModel
from dbsynth.model.relational.clusters import assign_clusters, fit_clusters, kmeans
from dbsynth.model.relational.counts import (calibrated_counts, count_codes, count_summary,
                                             count_values, split_counts)
from dbsynth.model.relational.inequalities import apply_inequalities, find_inequalities
from dbsynth.model.relational.picking import counts_of, pick_parents
from dbsynth.model.relational.state import GenerationState, MadeTable
from dbsynth.model.stream import TableStream
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import (Column, ForeignKey, PrimaryKey, Schema, SqlType, Table,
                                  UniqueConstraint)

INT, TEXT, REAL = SqlType("integer"), SqlType("text"), SqlType("double")
FK = ForeignKey(("parent_id",), "parent", ("id",))


def child_table(unique_fk: bool = False) -> Table:
    return Table("child", (Column("id", INT, nullable=False), Column("parent_id", INT, nullable=False)),
                 PrimaryKey(("id",)), (FK,),
                 (UniqueConstraint(("parent_id",)),) if unique_fk else ())


def state_with_parents(counts: np.ndarray, clusters: np.ndarray, link: Link) -> GenerationState:
    """A run in which ``parent`` was made: ids 100…, the given child counts (as count codes)
    and, as its only encoded column, its cluster (centroids at 0, 1, 2 … on that column)."""
    name = count_column(link.child, link.fk)
    summary = count_summary(name, counts)
    rows = pd.DataFrame({"id": np.arange(100, 100 + len(counts))})
    derived = pd.DataFrame({name: count_codes(summary, counts.astype(float))})
    k = int(clusters.max()) + 1
    link.centroids, link.center, link.spread = [[float(c)] for c in range(k)], [0.0], [1.0]
    return GenerationState(summaries={"parent": {name: summary}},
                           made={"parent": MadeTable(rows, derived, clusters.astype(float)[:, None])})


def degrees(picks: pd.DataFrame, parents: int) -> np.ndarray:
    return np.bincount(picks["parent_id"].to_numpy(dtype=int) - 100, minlength=parents)


def test_picking_gives_every_parent_its_count() -> None:
    rng = np.random.default_rng(1)
    link = Link("child", ("parent_id",), "parent", ("id",), LinkRole.SECONDARY)
    counts = rng.choice([0, 1, 2, 3, 8, 40], size=200, p=[0.3, 0.3, 0.2, 0.1, 0.07, 0.03])
    clusters = rng.integers(0, 4, size=200)
    state = state_with_parents(counts, clusters, link)
    expected = np.floor(counts_of(link, state) + 1e-3).astype(int)
    wanted = pd.Series(clusters[np.repeat(np.arange(200), expected)].astype(float))
    picks = pick_parents(link, wanted.sample(frac=1, random_state=2).reset_index(drop=True),
                         state, np.random.default_rng(3), child_table())
    assert picks["parent_id"].notna().all()
    assert (degrees(picks, 200) == expected).all()  # the degree distribution, parent by parent


def test_picking_stays_inside_the_drawn_cluster() -> None:
    link = Link("child", ("parent_id",), "parent", ("id",), LinkRole.SECONDARY)
    counts = np.full(90, 5)
    clusters = np.arange(90) % 3
    state = state_with_parents(counts, clusters, link)
    wanted = pd.Series(np.repeat([0.0, 1.0, 2.0], 100))  # 100 of each cluster's 150 slots
    picks = pick_parents(link, wanted, state, np.random.default_rng(0), child_table())
    got = clusters[picks["parent_id"].to_numpy(dtype=int) - 100]
    assert (got == wanted.to_numpy()).all()
    assert degrees(picks, 90).max() <= 5


def test_one_to_one_parents_are_never_reused_across_chunks() -> None:
    link = Link("child", ("parent_id",), "parent", ("id",), LinkRole.SECONDARY)
    state = state_with_parents(np.ones(50, dtype=int), np.zeros(50, dtype=int), link)
    table = child_table(unique_fk=True)
    first = pick_parents(link, pd.Series(np.zeros(30)), state, np.random.default_rng(0), table)
    second = pick_parents(link, pd.Series(np.zeros(30)), state, np.random.default_rng(1), table)
    both = pd.concat([first, second])["parent_id"]
    assert both.notna().sum() == 50  # every parent once; the 10 rows beyond stay NULL
    assert both.dropna().is_unique


def test_clusters_find_separated_groups_and_assign_alike() -> None:
    rng = np.random.default_rng(4)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    truth = np.repeat(np.arange(3), 30)
    x = centres[truth] + rng.normal(0, 0.5, size=(90, 2))
    link = Link("child", ("parent_id",), "parent", ("id",), LinkRole.SECONDARY)
    labels = fit_clusters(link, pd.DataFrame(x, columns=["a", "b"]), seed=0)
    assert len(link.centroids) == 3  # at most one per 30 rows, and no more than the data has
    # one label per true group, three distinct ones
    assert len({int(labels[truth == g][0]) for g in range(3)}) == 3
    for g in range(3):
        assert (labels[truth == g] == labels[truth == g][0]).all()
    assert (assign_clusters(link, x) == labels).all()  # generated rows meet the same centroids
    a, _ = kmeans(x, 3, seed=5)
    b, _ = kmeans(x, 3, seed=5)
    assert np.array_equal(a, b)


def test_inequalities_are_found_and_repaired() -> None:
    rng = np.random.default_rng(0)
    start = rng.normal(100, 10, 200)
    frame = pd.DataFrame({"start": start, "stop": start + rng.uniform(1, 5, 200),
                          "other": rng.normal(100, 10, 200)})
    summaries = {c: ColumnSummary(c, "numeric") for c in frame.columns}
    rules = find_inequalities(frame, summaries)
    assert [(r.lower, r.upper) for r in rules] == [("start", "stop")]
    broken = frame.to_numpy().copy()
    broken[:50, 1] = broken[:50, 0] - 3  # stop before start
    fixed = apply_inequalities(broken, list(frame.columns), np.zeros((200, 0)), [], rules,
                               np.random.default_rng(1))
    gap = fixed[:, 1] - fixed[:, 0]
    assert (gap >= 0).all() and gap[:50].min() >= rules[0].gaps[0] - 1e-9


def test_counts_add_up_and_split_without_loss() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(3, 500)
    for total in (0, 700, 1500, 4000):
        out = calibrated_counts(counts, total, np.random.default_rng(1))
        assert out.sum() == total and (out >= 0).all()
    capped = calibrated_counts(counts, 450, np.random.default_rng(1), cap=1)
    assert capped.sum() == 450 and capped.max() == 1
    for whole in (False, True):
        parts = [split_counts(counts, Partition(i, 3), whole) for i in range(3)]
        assert (sum(parts) == counts).all()
    summary = count_summary("#c(x)", counts.astype(float))
    assert (count_values(summary, count_codes(summary, counts.astype(float))) == counts).all()


def test_keys_stay_unique_across_chunks() -> None:
    parent = Table("parent", (Column("id", INT, nullable=False), Column("size", REAL)),
                   PrimaryKey(("id",)), row_count=60)
    child = Table("child", (Column("id", INT, nullable=False), Column("parent_id", INT, nullable=False),
                            Column("line", INT, nullable=False), Column("code", TEXT, nullable=False),
                            Column("shelf", INT, nullable=False), Column("slot", INT, nullable=False),
                            Column("amount", REAL)),
                  PrimaryKey(("id",)), (FK,),
                  (UniqueConstraint(("parent_id", "line")), UniqueConstraint(("code",)),
                   UniqueConstraint(("shelf", "slot"))), row_count=900)
    schema = Schema("postgres", "public", (parent, child))
    rng = np.random.default_rng(0)
    per_parent = rng.integers(5, 26, 60)
    owner = np.repeat(np.arange(60), per_parent)[:900]
    line = np.concatenate([np.arange(n) for n in per_parent])[:900]
    frames = {
        "parent": pd.DataFrame({"id": np.arange(1, 61), "size": rng.normal(10, 2, 60)}),
        "child": pd.DataFrame({"id": np.arange(1, 901), "parent_id": owner + 1, "line": line,
                               "code": [f"C-{i:05d}" for i in rng.permutation(900)],
                               "shelf": np.arange(900) // 30, "slot": rng.permutation(900) % 30,
                               "amount": rng.gamma(2, 10, 900)}),
    }
    model = RelationalModel.fit(schema, frames, seed=1)
    tables: dict[str, list[pd.DataFrame]] = {}
    for name, data in model.sample_table_by_table(build_plan(schema), seed=2, stream_rows=100):
        assert isinstance(data, TableStream) == (name == "child")  # the leaf streams
        tables[name] = list(data) if isinstance(data, TableStream) else [data]
    assert len(tables["child"]) > 3
    rows = pd.concat(tables["child"], ignore_index=True)
    assert len(rows) > 800  # a drawn key that keeps colliding may cost a few rows
    assert rows["id"].is_unique and rows["code"].is_unique
    assert not rows.duplicated(["parent_id", "line"]).any()
    assert not rows.duplicated(["shelf", "slot"]).any()  # drawn values: deduped across chunks
    assert rows["parent_id"].isin(tables["parent"][0]["id"]).all()


def test_link_roles_and_derived_names_are_stored_as_before() -> None:
    link = Link("child", ("parent_id",), "parent", ("id",), LinkRole.CUT)
    stored = json.loads(json.dumps(asdict(link)))
    assert stored["role"] == "cut"
    assert checked.build(Link, stored, "links[0]").role is LinkRole.CUT
    with pytest.raises(ModelError, match=r"links\[0\]\.role: 'parent' is not one of primary, "
                                         r"secondary, cut, self"):
        checked.build(Link, {**stored, "role": "parent"}, "links[0]")
    assert (count_column("child", FK), cluster_column(FK)) == ("#child(parent_id)", "@parent_id")
    assert is_count_column("#child(parent_id)") and is_cluster_column("@parent_id")
    assert is_derived_column("@parent_id") and not is_derived_column("parent_id")


def test_unused_partners_for_thousands_of_saturated_groups() -> None:
    """Duplicates of a junction key in thousands of groups (users taking nearly every role)
    each get a partner their group lacks: no duplicate, no row lost, every partner one of
    the candidates; and in numpy time, not pandas frames per group (8,000 groups took 8 s)."""
    import time

    from dbsynth.model.key_hashes import KeyHashes, duplicated_keys
    from dbsynth.model.keys import _give_unused_partners
    from dbsynth.model.key_hashes import key_hashes as _key_hashes

    groups, roles = 8000, 6
    frame = pd.DataFrame({"user_id": np.repeat(np.arange(groups), 3),
                          "role_id": np.zeros(3 * groups, dtype=np.int64)})
    cols = ["user_id", "role_id"]
    hashes, complete = _key_hashes(frame, cols)
    dup = duplicated_keys(hashes, complete)
    kept = KeyHashes()
    kept.add(hashes[complete & ~dup])
    started = time.perf_counter()
    left = _give_unused_partners(frame, dup, cols, pd.DataFrame({"role_id": np.arange(roles)}),
                                 hashes, None, kept)
    took = time.perf_counter() - started
    assert not left.any() and len(frame) == 3 * groups
    assert not frame.duplicated(cols).any()
    assert frame["role_id"].between(0, roles - 1).all()
    assert (frame.groupby("user_id").size() == 3).all()
    assert (hashes == _key_hashes(frame, cols)[0]).all()  # the hashes follow the new values
    assert took < 4.0, f"{took:.1f} s"


@pytest.mark.parametrize("parent_dtype", ["int64", "Int64", "int32"])
@pytest.mark.parametrize("child_dtype", ["int64", "Int64", "int16"])
def test_integer_keys_find_the_same_parent_rows_as_object_keys(parent_dtype: str,
                                                               child_dtype: str) -> None:
    """The int64 lookup of one integer key (issue 19's speed-up) against the object one:
    duplicated, NULL and missing parent keys, NULL and orphan child keys."""
    from dbsynth.model.relational.links import row_positions

    rng = np.random.default_rng(7)
    parent = pd.DataFrame({"id": pd.Series(rng.integers(-3, 30, 40), dtype=parent_dtype)})
    child = pd.DataFrame({"fk": pd.Series(rng.integers(-3, 35, 90), dtype=child_dtype)})
    if parent_dtype == "Int64":
        parent.loc[::7, "id"] = pd.NA
    if child_dtype == "Int64":
        child.loc[::5, "fk"] = pd.NA
    fast = row_positions(parent, ["id"], child, ["fk"])
    slow = row_positions(parent.astype(object), ["id"], child.astype(object), ["fk"])
    assert fast.tolist() == slow.tolist()
    assert (fast >= 0).any() and (fast == -1).any()
