"""The load plan: in which order tables are generated and loaded, and which FKs wait.

Parents come before children. A cycle between tables is broken by *cutting* one nullable FK
in it: the rows are written with that FK NULL and the values are filled in by UPDATE once
every table is loaded. Self references never block the order; they are kept apart because
their values may only point at rows of the same table that already exist.
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


@dataclass(frozen=True)
class LoadPlan:
    order: tuple[str, ...]
    cut: tuple[FkEdge, ...]
    self_references: tuple[FkEdge, ...]

    def is_cut(self, table: str, fk: ForeignKey) -> bool:
        return FkEdge(table, fk) in self.cut

    def to_dict(self) -> dict[str, object]:
        return {
            "order": list(self.order),
            "cut": [e.label for e in self.cut],
            "self_references": [e.label for e in self.self_references],
        }


def build_plan(schema: Schema) -> LoadPlan:
    """Topological order over FK edges, cutting nullable FKs until no cycle is left."""
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
    while True:
        cycle = _find_cycle(sorted(names), [e for e in edges if e not in cut])
        if not cycle:
            break
        cut.append(_choose_cut(schema, cycle))

    order = _topological_order(sorted(names), [e for e in edges if e not in cut])
    return LoadPlan(tuple(order), tuple(cut), tuple(self_refs))


def _topological_order(names: list[str], edges: list[FkEdge]) -> list[str]:
    """Kahn's algorithm; ties broken by name so the order is deterministic."""
    parents: dict[str, set[str]] = {n: set() for n in names}
    for e in edges:
        parents[e.table].add(e.fk.ref_table)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(names):
        ready = [n for n in names if n not in placed and parents[n] <= placed]
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


def _choose_cut(schema: Schema, cycle: list[FkEdge]) -> FkEdge:
    """Cut the first FK of the cycle whose columns are all nullable (deterministic)."""
    for edge in sorted(cycle, key=lambda e: (e.table, e.fk.columns)):
        table = schema.table(edge.table)
        if all(table.column(c).nullable for c in edge.fk.columns):
            return edge
    labels = "; ".join(e.label for e in cycle)
    raise SchemaError(f"foreign keys form a cycle with no nullable key to break it: {labels}")
