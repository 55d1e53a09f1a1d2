"""The load plan: in which order tables are generated and loaded, and which FKs wait.

Parents come before children. A cycle between tables is broken by *cutting* one FK in it,
loaded in one of two ways:

- *filled*: a nullable FK of a table with a row key is written NULL and filled in by UPDATE
  once every table is loaded (preferred: nothing waits);
- *held*: otherwise (every FK of the cycle NOT NULL, as store.manager_staff_id ->
  staff and staff.store_id -> store), the FK's values are drawn as soon as its parent table
  is made, and the rows of its table are handed to the writer only then, with them: the
  writer loads them as they are and the FK is enforced after the load (added after it,
  checked at COMMIT, or, where the engine cannot declare it, checked by SQL).

Self references never block the order; they are kept apart because their values may only
point at rows of the same table that already exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbsynth.errors import SchemaError
from dbsynth.schema.model import ForeignKey, Schema


@dataclass(frozen=True)
class FkEdge:
    """A foreign key together with the table that owns it (the child)."""

    table: str
    fk: ForeignKey

    @property
    def label(self) -> str:
        return self.fk.label(self.table)

    def same(self, table: str, fk: ForeignKey) -> bool:
        """The same reference, whatever the constraint's name or where it came from (the
        model's links rebuild foreign keys without either)."""
        return (self.table, self.fk.columns, self.fk.ref_table, self.fk.ref_columns) == (
            table, fk.columns, fk.ref_table, fk.ref_columns)


@dataclass(frozen=True)
class LoadPlan:
    order: tuple[str, ...]
    cut: tuple[FkEdge, ...]
    self_references: tuple[FkEdge, ...]
    #: the cut FKs loaded with their values (rows held until drawn), a subset of ``cut``;
    #: the others are loaded NULL and filled by UPDATE
    held: tuple[FkEdge, ...] = ()
    #: self references whose columns are all NOT NULL: every row references one, so some
    #: rows reference each other in a loop (a root that is its own parent) that no order of
    #: inserts breaks, a subset of ``self_references``
    looped: tuple[FkEdge, ...] = ()

    def is_cut(self, table: str, fk: ForeignKey) -> bool:
        return any(e.same(table, fk) for e in self.cut)

    def is_held(self, table: str, fk: ForeignKey) -> bool:
        return any(e.same(table, fk) for e in self.held)

    @property
    def filled(self) -> tuple[FkEdge, ...]:
        """The cut FKs loaded NULL and filled by UPDATE after the load."""
        return tuple(e for e in self.cut if e not in self.held)

    def describe_cut(self, edge: FkEdge) -> str:
        """How a cut FK is loaded, in words (inspect prints it)."""
        if edge in self.held:
            return (f"its values are drawn once {edge.fk.ref_table} is made and the rows of "
                    f"{edge.table} are loaded with them; the key is enforced after the load")
        return "loaded NULL, filled by UPDATE after the load"

    def to_dict(self) -> dict[str, object]:
        return {
            "order": list(self.order),
            "cut": [e.label for e in self.cut],
            "cut_loading": {e.label: "held" if e in self.held else "filled" for e in self.cut},
            "self_references": [e.label for e in self.self_references],
        }


def build_plan(schema: Schema) -> LoadPlan:
    """Topological order over FK edges, cutting one FK per cycle until no cycle is left."""
    names = set(schema.table_names)
    edges: list[FkEdge] = []
    self_refs: list[FkEdge] = []
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.ref_table not in names:
                continue
            edge = FkEdge(table.name, fk)
            (self_refs if fk.ref_table == table.name else edges).append(edge)

    cut: list[FkEdge] = []
    held: list[FkEdge] = []
    while True:
        cycle = _find_cycle(sorted(names), [e for e in edges if e not in cut])
        if not cycle:
            break
        edge, hold = _choose_cut(schema, cycle)
        cut.append(edge)
        if hold:
            held.append(edge)

    typed = {(table.name, ref) for table in schema.tables for column in table.columns
             if (ref := schema.row_type_of(column)) not in (None, table.name)}
    order = _topological_order(sorted(names), [e for e in edges if e not in cut], typed)
    looped = tuple(e for e in self_refs
                   if not any(schema.table(e.table).column(c).nullable for c in e.fk.columns))
    return LoadPlan(tuple(order), tuple(cut), tuple(self_refs), tuple(held), looped)


def _topological_order(names: list[str], edges: list[FkEdge],
                       typed: set[tuple[str, str]] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Kahn's algorithm; ties broken by name so the order is deterministic. ``typed``
    (table, table whose row type a column of it has) orders them too where it can (the
    type must exist when the table is created); foreign keys come first."""
    parents: dict[str, set[str]] = {n: set() for n in names}
    for e in edges:
        parents[e.table].add(e.fk.ref_table)
    types: dict[str, set[str]] = {n: set() for n in names}
    for table, ref in typed:
        types[table].add(ref)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(names):
        ready = ([n for n in names if n not in placed and parents[n] | types[n] <= placed]
                 or [n for n in names if n not in placed and parents[n] <= placed])
        if not ready:  # pragma: no cover - cycles are cut before we get here
            raise SchemaError("internal error: foreign keys still form a cycle after cutting")
        order.append(ready[0])
        placed.add(ready[0])
    return order


def _find_cycle(names: list[str], edges: list[FkEdge]) -> list[FkEdge]:
    """Return the edges of one cycle (child -> parent direction), or [] if there is none."""
    out: dict[str, list[FkEdge]] = {n: [] for n in names}
    for e in sorted(edges, key=lambda e: (e.table, e.fk.ref_table, e.fk.columns)):
        out[e.table].append(e)
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    stack: list[FkEdge] = []

    def visit(node: str) -> list[FkEdge]:
        state[node] = 1
        for edge in out[node]:
            nxt = edge.fk.ref_table
            if state.get(nxt) == 1:
                start = next(i for i, e in enumerate(stack) if e.table == nxt) if stack else 0
                return stack[start:] + [edge] if any(e.table == nxt for e in stack) else [edge]
            if nxt not in state:
                stack.append(edge)
                found = visit(nxt)
                if found:
                    return found
                stack.pop()
        state[node] = 2
        return []

    for name in names:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return []


def _choose_cut(schema: Schema, cycle: list[FkEdge]) -> tuple[FkEdge, bool]:
    """The FK that breaks ``cycle``, and whether it is held (see the module docstring).

    First choice, as always: the first nullable FK (by table and columns) whose table has a
    row key to fill it by. Else the holdable FK with the fewest children per parent (a
    store's manager rather than a staff member's store, so the many rows stay children of
    the few). Deterministic."""
    ranked = sorted(cycle, key=lambda e: (e.table, e.fk.columns))
    for edge in ranked:
        if _fillable(schema, edge):
            return edge, False
    holdable = [e for e in ranked if _holdable(schema, e)]
    if holdable:
        return min(holdable, key=lambda e: _fan_out(schema, e)), True
    labels = "; ".join(e.label for e in cycle)
    raise SchemaError(
        "foreign keys form a cycle that cannot be broken: each of its keys is NOT NULL or "
        "its table has no row key, and is part of its table's primary key, of a wider "
        f"UNIQUE key or of another foreign key: {labels}")


def _fillable(schema: Schema, edge: FkEdge) -> bool:
    """Loadable NULL, and its rows can be found again for the UPDATE."""
    table = schema.table(edge.table)
    key = table.row_key()
    return (all(table.column(c).nullable for c in edge.fk.columns)
            and key is not None and not set(key) & set(edge.fk.columns))


def _holdable(schema: Schema, edge: FkEdge) -> bool:
    """Its values may be drawn after the rest of the row: no key of the table, nor another
    foreign key, depends on them (a UNIQUE key of exactly these columns is fine: one-to-one
    picks are distinct by construction)."""
    table = schema.table(edge.table)
    cols = set(edge.fk.columns)
    if table.primary_key is not None and cols & set(table.primary_key.columns):
        return False
    if any(cols & set(u.columns) and set(u.columns) != cols for u in table.uniques):
        return False
    return not any(fk != edge.fk and cols & set(fk.columns) for fk in table.foreign_keys)


def _fan_out(schema: Schema, edge: FkEdge) -> tuple[float, str, tuple[str, ...]]:
    children = schema.table(edge.table).row_count
    parents = schema.table(edge.fk.ref_table).row_count
    return (children / max(parents, 1), edge.table, edge.fk.columns)
