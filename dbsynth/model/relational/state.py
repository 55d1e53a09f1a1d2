"""What one generation run keeps while it makes the tables in load order.

Later tables read the tables made before them (children are generated for their parents'
rows and point at their keys), and the links keep what their picks used up, also across the
chunks of a streamed table. All of it lives in one :class:`GenerationState` per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dbsynth.model.columns import ColumnSummary
from dbsynth.model.relational.conditions import Condition
from dbsynth.model.partition import Partition

#: a foreign key of a table: (table, its columns)
LinkKey = tuple[str, tuple[str, ...]]


@dataclass
class MadeTable:
    """A generated table, as later steps read it."""

    #: its columns; once handed over, cut down to what later tables read
    rows: pd.DataFrame
    #: its derived columns (child counts, parent clusters), row for row
    derived: pd.DataFrame
    #: its engine columns, the context its children are generated in; None once no child needs it
    encoded: np.ndarray | None


@dataclass
class ParentClusters:
    """A parent table's generated rows grouped by their cluster for one link, so a cluster's
    members are found by binary search instead of a scan."""

    order: np.ndarray  # parent rows sorted by cluster (ascending row within a cluster)
    labels: np.ndarray  # the cluster of each row of ``order``, in that order


@dataclass
class GenerationState:
    """The tables made so far and what their links used up, for one run."""

    #: tables generated alike by every partition (see RelationalModel.shared_tables)
    shared: frozenset[str] = frozenset()
    #: the partition being generated (Partition(): not partitioned)
    partition: Partition = field(default_factory=Partition)
    #: per table, its column summaries (a child count's classes: code -> count)
    summaries: dict[str, dict[str, ColumnSummary]] = field(default_factory=dict)
    #: per table, the condition its rows are drawn to satisfy (``--where``)
    where: dict[str, Condition] = field(default_factory=dict)
    made: dict[str, MadeTable] = field(default_factory=dict)
    #: per (parent table, FK columns): its rows grouped by cluster
    clusters: dict[LinkKey, ParentClusters] = field(default_factory=dict)
    #: per (child table, FK columns): the child slots each parent row has left (its generated
    #: count, used up by picks, also across the chunks of a streamed table)
    slots: dict[LinkKey, np.ndarray] = field(default_factory=dict)
    #: per table with cut foreign keys: its row key and the cut keys, drawn at the end
    cut_frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, table: str) -> pd.DataFrame:
        return self.made[table].rows

    def derived(self, table: str) -> pd.DataFrame:
        return self.made[table].derived

    def encoded(self, table: str) -> np.ndarray:
        encoded = self.made[table].encoded
        if encoded is None:
            raise KeyError(f"{table}: its encoded rows were let go (no child reads them)")
        return encoded

    def forget_tables(self) -> None:
        """Let go of every table made and every link's state; the cut keys stay."""
        self.made.clear()
        self.clusters.clear()
        self.slots.clear()
