"""Names of the derived columns the relational model adds to a table's engine columns.

A parent learns ``#child(fk)``, how many children each of its rows has for one foreign key;
a child learns ``@fk``, the cluster of the parent it points at (see
:mod:`dbsynth.model.relational`). They are modelled like any column but never written: these
helpers are the one place that knows how their names look.
"""

from __future__ import annotations

from dbsynth.schema.model import ForeignKey

COUNT_PREFIX = "#"
CLUSTER_PREFIX = "@"


def count_column(child: str, fk: ForeignKey) -> str:
    """The parent's derived column: children per parent row in ``child`` through ``fk``."""
    return f"{COUNT_PREFIX}{child}({','.join(fk.columns)})"


def cluster_column(fk: ForeignKey) -> str:
    """The child's derived column: the cluster of the parent row ``fk`` points at."""
    return f"{CLUSTER_PREFIX}{','.join(fk.columns)}"


def is_count_column(name: str) -> bool:
    return name.startswith(COUNT_PREFIX)


def is_cluster_column(name: str) -> bool:
    return name.startswith(CLUSTER_PREFIX)


def is_derived_column(name: str) -> bool:
    """A child count or a parent cluster: modelled, never written to the target."""
    return is_count_column(name) or is_cluster_column(name)
