"""Per-table engines: learn the joint shape of a table's encoded columns given a context.

Both engines see a float matrix of the table's own columns (``data``) and a matrix of the
parent row's columns (``context``, empty for root tables); neither sees keys or raw SQL.

- ``cart`` (default): sequential decision trees, as synthpop's CART method: column j is drawn
  from a tree fitted on the context and columns < j; leaves hold distributions, not rows.
- ``copula``: a Gaussian copula — per-column quantiles plus one correlation matrix; cheap,
  conditional on the context through the Gaussian conditional.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from dbsynth.errors import ModelError
from dbsynth.model.cart import Splitter
from dbsynth.model.derived import is_derived_column
from dbsynth.model.tree import FlatTree, fit_tree


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    categorical: bool
    n_classes: int = 0


class TableEngine(Protocol):
    name: str

    def fit(self, context: np.ndarray, data: np.ndarray, seed: int,
            splitter: Splitter = "sklearn") -> None: ...

    def sample(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


def min_leaf_size(n_rows: int) -> int:
    """Leaves of at least 20 rows (fewer only for tiny tables), so leaves are never records."""
    return 20 if n_rows >= 400 else max(3, n_rows // 20)


@dataclass
class Determinant:
    """Column ``column`` (drawn earlier) is a function of this one in the source: ``codes[c]``
    is its code wherever this column has code ``c`` (-1: NULL) — a city fixes its country."""

    column: int
    codes: list[int]
    null_with: list[int] = field(default_factory=list)  # its codes seen where this is NULL


@dataclass
class CartEngine:
    columns: list[ColumnSpec]
    trees: list[FlatTree] = field(default_factory=list)
    determines: list[list[Determinant]] = field(default_factory=list)  # per column
    name: str = "cart"

    def fit(self, context: np.ndarray, data: np.ndarray, seed: int,
            splitter: Splitter = "sklearn") -> None:
        leaf = min_leaf_size(len(data))
        self.trees = []
        for j, spec in enumerate(self.columns):
            x = np.hstack([context, data[:, :j]])
            self.trees.append(fit_tree(x, data[:, j], spec.categorical, spec.n_classes, leaf, seed,
                                       splitter))
        self.determines = [_determinants(self.columns, data, j) for j in range(len(self.columns))]

    def sample(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        width = context.shape[1]
        # one column-major matrix, context then the drawn columns: column j's tree reads
        # the first width + j columns as a view, and a tree's split reads one column
        # (each column is written before any later tree reads it: no need to fill it first)
        drawn = np.empty((len(context), width + len(self.columns)), order="F")
        drawn[:, :width] = context
        out = drawn[:, width:]
        for j, tree in enumerate(self.trees):
            rules = self.determines[j] if self.determines else []
            allowed = _consistent_classes(rules, out) if rules else None
            out[:, j] = tree.sample(drawn[:, :width + j], rng, allowed)
        return np.ascontiguousarray(out)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "columns": [asdict(c) for c in self.columns],
                "trees": [asdict(t) for t in self.trees],
                "determines": [[asdict(d) for d in ds] for ds in self.determines]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CartEngine:
        return cls([ColumnSpec(**c) for c in data["columns"]],
                   [FlatTree(**t) for t in data["trees"]],
                   [[Determinant(int(d["column"]), [int(v) for v in d["codes"]],
                                 [int(v) for v in d["null_with"]]) for d in ds]
                    for ds in data["determines"]])


def _codes(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), -1, values).astype(np.int64)


def _determinants(columns: list[ColumnSpec], data: np.ndarray, j: int) -> list[Determinant]:
    """Earlier categorical columns that column ``j`` (categorical) determines on every row.

    Columns are ordered coarse to fine, so a fine value (city) is drawn after the coarse ones
    it implies (state, country); sampling then keeps only the fine values consistent with
    the coarse values already drawn, and no synthetic city lands in the wrong country."""
    spec = columns[j]
    if not spec.categorical or is_derived_column(spec.name) or not len(data):
        return []
    known = ~np.isnan(data[:, j])
    fine = data[known, j].astype(np.int64)
    out = []
    for k in range(j):
        other = columns[k]
        if not other.categorical or is_derived_column(other.name):
            continue
        coarse = _codes(data[known, k])
        if len(np.unique(coarse)) < 2:
            continue
        first = np.full(spec.n_classes, -2, dtype=np.int64)  # -2: class never seen
        first[fine[::-1]] = coarse[::-1]  # any one coarse value per fine class
        if (first[fine] == coarse).all():
            null_with = np.unique(_codes(data[~known, k])).tolist()
            out.append(Determinant(k, first.tolist(), null_with))
    return out


def _consistent_classes(rules: list[Determinant], drawn: np.ndarray):  # type: ignore[no-untyped-def]
    """For ``FlatTree.sample``: split rows by their already drawn coarse values and allow
    each group only the classes that imply exactly those values, and NULL only where the
    source had NULL beside those values."""
    maps = np.array([r.codes for r in rules], dtype=np.int64)  # (rules, classes)
    seen = (maps != -2).all(axis=0)

    def groups(rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None, bool]]:
        keys = np.column_stack([_codes(drawn[rows, r.column]) for r in rules])
        combos, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        return [(rows[inverse == i], seen & (maps == combo[:, None]).all(axis=0),
                 all(int(c) in r.null_with for c, r in zip(combo, rules)))
                for i, combo in enumerate(combos)]

    return groups


@dataclass
class CopulaEngine:
    """Gaussian copula over context + own columns; own columns drawn given the context."""

    columns: list[ColumnSpec]
    n_context: int = 0
    quantiles: list[list[float]] = field(default_factory=list)  # per column (context first)
    frequencies: list[list[float]] = field(default_factory=list)
    null_share: list[float] = field(default_factory=list)
    correlation: list[list[float]] = field(default_factory=list)
    name: str = "copula"

    def fit(self, context: np.ndarray, data: np.ndarray, seed: int,
            splitter: Splitter = "sklearn") -> None:
        """``splitter`` is the CART engine's (trees); a copula has none to search."""
        full = np.hstack([context, data])
        self.n_context = context.shape[1]
        cats = [False] * self.n_context + [c.categorical for c in self.columns]
        classes = [0] * self.n_context + [c.n_classes for c in self.columns]
        grid = np.linspace(0, 1, 101)
        z = np.zeros_like(full)
        self.quantiles, self.frequencies, self.null_share = [], [], []
        for j in range(full.shape[1]):
            col = full[:, j]
            known = ~np.isnan(col)
            self.null_share.append(float(1 - known.mean()) if len(col) else 0.0)
            if cats[j]:
                counts = np.bincount(col[known].astype(int), minlength=classes[j])[: classes[j]]
                freq = counts / max(1, counts.sum())
                self.frequencies.append(freq.tolist())
                self.quantiles.append([])
            else:
                self.quantiles.append(np.quantile(col[known], grid).tolist() if known.any() else [0.0] * 101)
                self.frequencies.append([])
            z[:, j] = self._to_normal(j, col, cats[j])
        corr = np.corrcoef(z, rowvar=False) if len(z) > 2 else np.eye(full.shape[1])
        corr = np.nan_to_num(np.atleast_2d(corr))
        np.fill_diagonal(corr, 1.0)
        self.correlation = corr.tolist()

    def _to_normal(self, j: int, col: np.ndarray, categorical: bool) -> np.ndarray:
        from scipy.special import ndtri  # lazy: scipy.special costs ~0.2 s to import, CART needs none

        out = np.zeros(len(col))
        known = ~np.isnan(col)
        if categorical:
            freq = np.asarray(self.frequencies[j])
            upper = np.cumsum(freq)
            mid = upper - freq / 2
            codes = np.clip(col[known].astype(int), 0, len(freq) - 1) if len(freq) else col[known]
            out[known] = ndtri(np.clip(mid[codes.astype(int)], 1e-6, 1 - 1e-6)) if len(freq) else 0
        else:
            q = np.asarray(self.quantiles[j])
            u = np.interp(col[known], q, np.linspace(0, 1, len(q))) if len(q) else 0.5
            out[known] = ndtri(np.clip(u, 1e-6, 1 - 1e-6))
        return out

    def sample(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, c = len(context), self.n_context
        corr = np.asarray(self.correlation)
        own = corr[c:, c:]
        if c:
            zc = np.column_stack([self._to_normal(j, context[:, j], False) for j in range(c)])
            cc = corr[:c, :c] + 1e-6 * np.eye(c)
            gain = corr[c:, :c] @ np.linalg.pinv(cc)
            mean = zc @ gain.T
            cov = own - gain @ corr[:c, c:]
        else:
            mean, cov = np.zeros((n, own.shape[0])), own
        cov = (cov + cov.T) / 2 + 1e-6 * np.eye(len(cov))
        z = mean + rng.multivariate_normal(np.zeros(len(cov)), cov, size=n, method="eigh")
        from scipy.special import ndtr  # lazy: see _to_normal

        u = ndtr(z)
        out = np.full((n, len(self.columns)), np.nan)
        for k, spec in enumerate(self.columns):
            j = c + k
            if spec.categorical:
                upper = np.cumsum(self.frequencies[j])
                out[:, k] = np.minimum(np.searchsorted(upper, u[:, k] * upper[-1] if len(upper) else 0),
                                       max(0, len(upper) - 1))
            else:
                q = np.asarray(self.quantiles[j])
                out[:, k] = np.interp(u[:, k], np.linspace(0, 1, len(q)), q)
            out[rng.random(n) < self.null_share[j], k] = np.nan
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = [asdict(c) for c in self.columns]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CopulaEngine:
        fields = {k: v for k, v in data.items() if k != "columns"}
        return cls([ColumnSpec(**c) for c in data["columns"]], **fields)


ENGINES = {"cart": CartEngine, "copula": CopulaEngine}


def make_engine(name: str, columns: list[ColumnSpec]) -> CartEngine | CopulaEngine:
    if name not in ENGINES:
        raise ModelError(f"unknown engine {name!r} (available: {', '.join(ENGINES)})")
    return ENGINES[name](columns)


def engine_from_dict(data: dict[str, Any]) -> CartEngine | CopulaEngine:
    name = data.get("name")
    if name not in ENGINES:
        raise ModelError(f"unknown engine {name!r} in model file")
    return ENGINES[name].from_dict(data)
