"""Prove, by SQL in the target, that every key and NOT NULL of the schema holds, and that
every table has about the rows asked for (an empty or badly sized table is never silent).

Checks are driven by the *schema* (what the source declares, plus inferred keys later), not
by what the target happened to declare: a foreign key DuckDB could not declare (a cycle) is
still checked. The SQL templates live in ``sql/checks/``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dbsynth.connectors.base import Connector, own_rows, quote_ident, read_sql
from dbsynth.schema.model import Schema



@dataclass(frozen=True)
class Violation:
    table: str
    kind: str  # orphans | duplicates | not_null | size
    detail: str  # the FK, key or column concerned
    count: int


@dataclass
class TableIntegrity:
    table: str
    rows: int
    orphans: int = 0
    duplicates: int = 0
    null_violations: int = 0
    expected: int | None = None  # rows asked for (scale × source), when the check knows it


@dataclass
class IntegrityReport:
    tables: list[TableIntegrity] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "tables": [asdict(t) for t in self.tables],
                "violations": [asdict(v) for v in self.violations]}


#: NOT NULL columns counted per query of the integrity check (engines bound result columns).
NULL_COUNTS_PER_QUERY = 500

#: A table may differ from the rows asked for by this share (and by one row, for rounding).
SIZE_TOLERANCE = 0.10


def size_is_off(rows: int, expected: int) -> bool:
    """More than 10% (and more than one row) away from what was asked; empty when rows were."""
    if expected > 0 and rows == 0:
        return True
    return abs(rows - expected) > max(1.0, SIZE_TOLERANCE * expected)


def check_integrity(target: Connector, schema: Schema, expected: dict[str, int] | None = None,
                    relations: dict[str, str] | None = None) -> IntegrityReport:
    """Count orphans per FK, duplicate PK/UNIQUE values and NOT NULL violations per table;
    with ``expected`` (rows asked for per table), a table far from its size is one too, in
    one process and in partitions alike. ``relations`` reads some tables
    through a derived table instead (the report's casts of a copy another tool wrote)."""
    report = IntegrityReport()
    relations = relations or {}

    def rel(table: str, alias: str = "") -> str:
        if table in relations:
            return relations[table] + (f" AS {alias}" if alias else "")
        return own_rows(target, schema, table)  # (not a child's rows: PostgreSQL's ONLY)

    def count(template: str, **parts: str) -> int:
        return int(target.query(read_sql("checks", template).format(**parts))[0][0])

    for table in schema.tables:
        name = rel(table.name, "t")
        must_have = {c.name for c in table.columns if not c.nullable}
        must_have |= set(table.primary_key.columns if table.primary_key else ())
        not_null = sorted(must_have)
        # one scan for the rows and the NOT NULL columns (a query per column cost a scan
        # each), in batches: engines bound a query's result columns (SQLite 2000, PG 1664)
        counts: list[Any] = []
        for start in range(0, max(1, len(not_null)), NULL_COUNTS_PER_QUERY):
            batch = not_null[start:start + NULL_COUNTS_PER_QUERY]
            row = target.query(read_sql("checks", "table_counts").format(
                table=name, null_counts="".join(f", count(*) - count({quote_ident(c)})" for c in batch)))[0]
            counts = [row[0], *counts[1:], *row[1:]]
        entry = TableIntegrity(table.name, int(counts[0]))
        if expected is not None and table.name in expected:
            entry.expected = expected[table.name]
            if size_is_off(entry.rows, entry.expected):
                report.violations.append(Violation(
                    table.name, "size", f"{table.name}: {entry.rows} rows, {entry.expected} asked",
                    abs(entry.rows - entry.expected)))
        for fk in table.foreign_keys:
            if fk.ref_table not in schema.table_names:
                continue
            n = count("orphans", child=rel(table.name), parent=rel(fk.ref_table),
                      child_not_null=" AND ".join(f"c.{quote_ident(c)} IS NOT NULL" for c in fk.columns),
                      join=" AND ".join(f"p.{quote_ident(r)} = c.{quote_ident(c)}"
                                        for c, r in zip(fk.columns, fk.ref_columns)))
            entry.orphans += n
            if n:
                report.violations.append(Violation(table.name, "orphans", fk.label(table.name), n))
        for key in table.unique_column_sets():
            cols = ", ".join(quote_ident(c) for c in key)
            n = count("duplicates", table=name, columns=cols,
                      not_null=" AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in key))
            entry.duplicates += n
            if n:
                report.violations.append(Violation(table.name, "duplicates", f"({cols})", n))
        for column, nulls in zip(not_null, counts[1:]):
            n = int(nulls)
            entry.null_violations += n
            if n:
                report.violations.append(Violation(table.name, "not_null", column, n))
        report.tables.append(entry)
    return report
