"""Children per parent: how counts are modelled as classes, drawn and fitted to a row total.

A parent's model learns, for each of its child tables, a derived count column (see
:mod:`dbsynth.model.derived`); generation draws a count per parent row, keeps the few heavy
parents the source had, rescales the counts to the rows asked for and, in a partitioned run,
deals each shared parent's children out to the partitions.
"""

from __future__ import annotations

import numpy as np

from dbsynth.model.columns import ColumnSummary
from dbsynth.model.partition import Partition

MAX_COUNT_CLASSES = 2000  # child counts up to this are modelled as exact frequencies
HEAVY_MASS = 0.5  # the largest counts that hold this share of all children are "heavy"
HEAVY_PARENTS = 0.05  # … and are kept to their number when under this share of the parents


def count_summary(name: str, counts: np.ndarray) -> ColumnSummary:
    """Child counts are skewed and discrete: one category per count value seen (code ``i``
    stands for ``categories[i]``), so tree leaves hold exact count frequencies and the two
    parents of 500 that own 8,000 children each stay a class of their own — a numeric model
    smeared them between leaf quantiles (11 per leaf: 2 in 20 rows fall between the last
    two). Past MAX_COUNT_CLASSES distinct counts, the classes are the counts at that many
    quantiles, the largest always among them."""
    counts = np.rint(np.nan_to_num(np.asarray(counts, dtype=float)))
    values = np.unique(counts)
    if len(values) > MAX_COUNT_CLASSES:
        values = np.unique(np.rint(np.quantile(values, np.linspace(0, 1, MAX_COUNT_CLASSES))))
    if len(values) == 0:
        return ColumnSummary(name, "categorical", categories=[0], weights=[1.0])
    summary = ColumnSummary(name, "categorical", categories=[int(v) for v in values])
    shares = np.bincount(count_codes(summary, counts).astype(int), minlength=len(values)) / len(counts)
    summary.weights = shares.tolist()  # each class's share of the parents (see keep_heavy)
    return summary


def count_codes(summary: ColumnSummary, counts: np.ndarray) -> np.ndarray:
    """Counts as the codes of :func:`count_summary`'s classes (the nearest class)."""
    values = np.asarray(summary.categories, dtype=float)
    right = np.clip(np.searchsorted(values, counts), 0, len(values) - 1)
    left = np.clip(right - 1, 0, len(values) - 1)
    nearer_left = np.abs(counts - values[left]) < np.abs(values[right] - counts)
    return np.where(nearer_left, left, right).astype(float)


def count_values(summary: ColumnSummary, codes: np.ndarray) -> np.ndarray:
    """Children per parent from the drawn codes (NaN: none). A numeric summary (model files
    of earlier versions) holds counts directly."""
    codes = np.nan_to_num(np.asarray(codes, dtype=float))
    if summary.kind != "categorical" or not summary.categories:
        return np.clip(codes, 0, None)
    values = np.asarray(summary.categories, dtype=float)
    return np.clip(values[np.clip(np.rint(codes).astype(int), 0, len(values) - 1)], 0, None)


def calibrated_counts(counts: np.ndarray, total: int, rng: np.random.Generator,
                      cap: int | None = None) -> np.ndarray:
    """Children per parent, rescaled to add up to ``total`` (the rows asked for).

    The count model draws each parent's children from its attributes; their sum drifts
    (+48%, −20% seen on real tables) and can even be 0 when the few parents owning almost
    every child are not drawn. Rescaling in proportion keeps the shape (concentration on
    few parents, most with none); remainders go to parents drawn by their fractional part.
    With no counts at all, children spread evenly. ``cap`` bounds a parent (1: one-to-one).
    """
    n = len(counts)
    if n == 0 or (int(counts.sum()) == total and (cap is None or int(counts.max()) <= cap)):
        return counts
    limit = n * cap if cap is not None else None
    total = min(total, limit) if limit is not None else total
    weights = counts.astype(float) if counts.sum() > 0 else np.ones(n)
    ideal = weights * (total / weights.sum())
    out = np.floor(ideal).astype(int)
    if cap is not None:
        out = np.minimum(out, cap)
    short = total - int(out.sum())
    if short > 0:
        room = (ideal - out) if cap is None else np.where(out < cap, ideal - out + 1e-9, 0.0)
        if room.sum() <= 0:
            room = np.ones(n) if cap is None else (out < cap).astype(float)
        extra = rng.choice(n, size=short, replace=False, p=room / room.sum()) if short <= n else \
            rng.choice(n, size=short, replace=True, p=room / room.sum())
        np.add.at(out, extra, 1)
        if cap is not None:
            out = np.minimum(out, cap)
    return out


def split_counts(counts: np.ndarray, partition: Partition, whole_parents: bool = False) -> np.ndarray:
    """One partition's share of each shared parent's children. Parent row r's ``c`` children
    go ``c // n`` to every partition and the remaining ``c % n`` to partitions r, r+1, …
    (mod n): the shares add up to ``c`` exactly, and a parent with one child (a one-to-one
    key) gets it in exactly one partition, the same whichever partition asks. With
    ``whole_parents``, all ``c`` go to partition r mod n."""
    if whole_parents:
        return np.where(np.arange(len(counts)) % partition.count == partition.index, counts, 0)
    whole, rest = np.divmod(counts, partition.count)
    turn = (partition.index - np.arange(len(counts))) % partition.count
    return whole + (turn < rest)


def keep_heavy(drawn: np.ndarray, summary: ColumnSummary, rng: np.random.Generator) -> np.ndarray:
    """Keep the number of heavy parents when they are few: the source's 2 of 500 parents
    owning 99% of the children are a lottery for a model drawing parents one by one (0 of
    150 made, or 3 of 500, are as likely as the right number), and calibration cannot undo
    a lost or an extra heavy parent. The heavy classes are the largest counts holding half
    of the children; when they are under 5% of the parents, exactly round(n × their share)
    parents (at least one) get a heavy count: the drawn ones first, any missing ones
    promoted, any extra ones given a count of the other classes. Other shapes are left as
    drawn (their parents keep the counts their attributes gave them)."""
    values = np.asarray(summary.categories, dtype=float)
    shares = np.asarray(summary.weights, dtype=float)
    n = len(drawn)
    mass = values * shares
    if n == 0 or len(shares) != len(values) or mass.sum() <= 0:
        return drawn
    from_top = np.cumsum(mass[::-1]) / mass.sum()
    heavy = len(values) - 1 - int(np.searchsorted(from_top, HEAVY_MASS))  # first heavy class
    heavy_share = float(shares[heavy:].sum())
    if heavy_share >= HEAVY_PARENTS or heavy == 0:
        return drawn
    wanted = max(1, int(round(n * heavy_share)))
    out = drawn.copy()
    is_heavy = out >= values[heavy]
    have = int(is_heavy.sum())
    light_p = shares[:heavy] / shares[:heavy].sum()
    if have > wanted:
        extra = rng.choice(np.flatnonzero(is_heavy), size=have - wanted, replace=False)
        out[extra] = rng.choice(values[:heavy], size=len(extra), p=light_p)
    elif have < wanted:
        room = np.flatnonzero(~is_heavy)
        promoted = rng.choice(room, size=min(len(room), wanted - have), replace=False)
        out[promoted] = rng.choice(values[heavy:], size=len(promoted),
                                   p=shares[heavy:] / shares[heavy:].sum())
    return out

