"""CHECK constraints on generated rows, evaluated by an in-memory DuckDB over the frame.

The expression is the source's own CHECK text, translated to DuckDB by sqlglot, so what we
test is what the target will enforce. Rows that fail are redrawn, and dropped if they keep
failing, before any child table draws keys from them.
"""

from __future__ import annotations

import decimal
import functools
import logging
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from dbsynth.connectors.duckdb import scratch_connection
from dbsynth.dialects import translate_expression
from dbsynth.schema.model import CheckConstraint, Table
from dbsynth.writer.ddl import check_problem, enum_free_check

log = logging.getLogger(__name__)


def failing_rows(frame: pd.DataFrame, table: Table) -> np.ndarray:
    """Boolean mask of rows violating any CHECK (NULL results pass, as in SQL)."""
    mask = np.zeros(len(frame), dtype=bool)
    if frame.empty or not table.checks:
        return mask
    view = frame.copy()
    for col in view.columns:
        if view[col].dtype == object:
            view[col] = view[col].map(_plain)
    con = _scratch()
    con.register("rows", view)
    try:
        for check in table.checks:
            expr = enum_free_check(check, table, "duckdb", _enums(table))
            if expr is None or evaluation_problem(check, table) is not None:
                continue  # the pipeline's note says it is not enforced
            try:
                result = con.execute(
                    f"SELECT COALESCE(({expr}), TRUE) FROM rows").fetchnumpy()
            except duckdb.Error as exc:
                log.warning("cannot evaluate CHECK %s on %s: %s", check.expression, table.name,
                            str(exc).splitlines()[0])
                continue
            values = next(iter(result.values()))
            mask |= ~np.asarray(values, dtype=bool)
    finally:
        con.unregister("rows")
    return mask


@functools.lru_cache(maxsize=256)
def evaluation_problem(check: CheckConstraint, table: Table) -> str | None:
    """Why generated rows cannot be tested against this CHECK (a subquery, a function the
    in-memory DuckDB lacks), or None."""
    return check_problem(check, table, "duckdb", _probe, _enums(table))


def _enums(table: Table) -> frozenset[str]:
    """The table's enum types: generated values are their labels, as text."""
    types = [c.type.element if c.type.name == "array" else c.type for c in table.columns]
    return frozenset(t.enum for t in types if t is not None and t.enum)


def _probe(sql: str) -> str | None:
    try:
        _scratch().execute(sql)
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for evaluating CHECKs: this thread's cursor (the writer's
    prefetch thread generates too) on the one the target's probes use, opened once."""
    return scratch_connection()


def enforce_checks(frame: pd.DataFrame, table: Table,
                   redraw: Callable[[pd.Index], pd.DataFrame], tries: int = 20) -> pd.DataFrame:
    """Redraw rows violating a CHECK; drop the few that never pass."""
    if not table.checks:
        return frame
    for _ in range(tries):
        bad = failing_rows(frame, table)
        if not bad.any():
            return frame
        fresh = redraw(frame.index[bad])
        for col in fresh.columns:
            frame.loc[bad, col] = fresh[col].to_numpy()
    bad = failing_rows(frame, table)
    if bad.any():
        log.warning("%s: dropped %d generated rows that kept violating CHECK constraints",
                    table.name, int(bad.sum()))
    return frame[~bad].reset_index(drop=True)


def _plain(value: object) -> object:
    """Values DuckDB can scan from an object column: decimals as floats, containers as text."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, dict, tuple, np.ndarray)):
        return str(value)
    return value
