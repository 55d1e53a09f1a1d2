"""The relational model: one table engine per table, tied together along foreign keys.

How the tables are tied (see ../shared/DESIGN.md, "The model"):

- every table has at most one *primary* parent; the parent's model learns a derived column
  (:func:`~dbsynth.model.derived.count_column`) — how many children each parent row has — so
  child counts follow the parent's attributes, and each child row is generated *for* a
  synthetic parent row, conditioned on it (the parent's encoded row is the child engine's
  context);
- every other foreign key (*secondary*, or *cut* to break a cycle) is a latent link: the
  parent's rows are clustered, the child learns the cluster of its parent as a derived column
  (:func:`~dbsynth.model.derived.cluster_column`), and a synthetic parent is then picked
  inside the drawn cluster with weights from its own child count — degrees and cross-parent
  correlations both survive;
- self references point at earlier rows only, so hierarchies have no cycles.

Keys come from :mod:`dbsynth.model.keys`, personal and free text from Faker, CHECKs are
enforced on the generated rows, and inequalities that held on every source row are kept.

The package, one job a file (each can be read, and tested, on its own):

- ``links``: each FK's role (:class:`LinkRole`) and the child columns that copy a parent's;
- ``counts``: children per parent as classes, drawn, calibrated to a total, dealt out;
- ``clusters``: k-means of the parents' rows, and assigning generated parents to them;
- ``picking``: a parent for each child row, inside its drawn cluster, keeping degrees;
- ``inequalities``: ``a <= b`` found in the source, repaired in generated rows;
- ``fit``: :class:`TableModel` and fitting all of the above from the source's frames;
- ``sizing``: :class:`Sizing`, the rows each table gets (``--scale``, ``--rows``, ``--table-scale``);
- ``state``: :class:`GenerationState`, what one run keeps of the tables made so far;
- ``values`` and ``generator``: one table's rows, whole or in chunks;
- ``model``: :class:`RelationalModel`, its ``fit`` and its two ways to sample.
"""

from dbsynth.model.derived import cluster_column, count_column
from dbsynth.model.relational.counts import calibrated_counts, count_codes, count_values
from dbsynth.model.relational.fit import TableModel
from dbsynth.model.relational.inequalities import Inequality
from dbsynth.model.relational.links import Link, LinkRole, ParentCopy
from dbsynth.model.relational.model import DEFAULT_ENGINE, SHARED_ROOT_ROWS, RelationalModel
from dbsynth.model.relational.sizing import Sizing
from dbsynth.model.relational.state import GenerationState

__all__ = [
    "DEFAULT_ENGINE", "SHARED_ROOT_ROWS", "GenerationState", "Inequality", "Link", "LinkRole",
    "ParentCopy", "RelationalModel", "Sizing", "TableModel", "calibrated_counts", "cluster_column",
    "count_codes", "count_column", "count_values",
]
