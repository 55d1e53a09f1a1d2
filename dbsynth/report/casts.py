"""Read a copy whose column types differ from the source's (another tool wrote it, say every
column as text): each such column is cast to the source's type, or compared as text where
its values do not convert, and the report lists what it did. The report then never feeds
SQL or metrics two types that do not compare (``No function matches …``).

The decision is made once per column: the cast is tried by SQL on the whole target column
(an engine that cannot convert a value raises), and on the rows read; a column that loses
values on either is compared as text on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dbsynth.connectors.base import Connector, qualified, quote_ident
from dbsynth.errors import DbsynthError
from dbsynth.schema.model import Schema, SqlType, Table

#: neutral types without a safe spelling in another engine are compared as text
_TEXT_ONLY = frozenset({"enum", "array", "json", "unknown"})
_TRUE = frozenset({"true", "t", "1", "yes", "y"})
_FALSE = frozenset({"false", "f", "0", "no", "n"})


@dataclass(frozen=True)
class Cast:
    """One target column read as the source's type (``how`` "cast") or as text ("text")."""

    table: str
    column: str
    written: str  # the target's type, as its catalog spells it
    source: str  # the source's type
    how: str  # "cast" | "text"

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "column": self.column, "written": self.written,
                "source": self.source, "how": self.how}


def family(t: SqlType) -> str:
    """What compares with what: numbers with numbers, strings with strings, else the type."""
    if t.is_numeric:
        return "number"
    if t.is_string or t.name in _TEXT_ONLY:
        return "string"
    return "timestamp" if t.name in ("timestamp", "timestamptz") else t.name


def find_casts(schema: Schema, target: Connector) -> list[Cast]:
    """The columns whose type in the target is of another family than the source's; each
    cast tried by SQL on the whole column (a failure: compare as text)."""
    written = {t.name: t for t in target.introspect().tables}
    out: list[Cast] = []
    for table in schema.tables:
        found = written.get(table.name)
        if found is None:
            continue
        for column in table.columns:
            theirs = next((c for c in found.columns if c.name == column.name), None)
            if theirs is None or family(theirs.type) == family(column.type):
                continue
            how = "cast" if _cast_works(target, table, column.name, column.type) else "text"
            out.append(Cast(table.name, column.name, theirs.type.native or theirs.type.name,
                            column.type.native or column.type.name, how))
    return out


def _type_in(target: Connector, t: SqlType) -> str:
    dialect = target.capabilities
    return dialect.text_word if family(t) == "string" or t.name in _TEXT_ONLY else dialect.render_type(t)


def _cast_works(target: Connector, table: Table, column: str, t: SqlType) -> bool:
    if family(t) == "string":
        return True
    sql = (f"SELECT count(CAST({quote_ident(column)} AS {_type_in(target, t)})) "
           f"FROM {qualified(target.schema_name, table.name)}")
    try:
        target.query(sql)
    except DbsynthError:
        return False
    return True


def cast_frames(schema: Schema, casts: list[Cast], real: dict[str, pd.DataFrame],
                synthetic: dict[str, pd.DataFrame]) -> list[Cast]:
    """Convert the target's rows read to the source's types in place; a column that loses
    values converting becomes text on both sides. Returns the casts as finally made."""
    final = []
    for cast in casts:
        frame = synthetic[cast.table]
        how = cast.how
        if how == "cast":
            converted = _convert(frame[cast.column], schema.table(cast.table).column(cast.column).type)
            if int(converted.isna().sum()) > int(frame[cast.column].isna().sum()):
                how = "text"
            else:
                frame[cast.column] = converted
        if how == "text":
            for side in (real[cast.table], frame):
                values = side[cast.column].astype(object)
                side[cast.column] = values.where(values.isna(), values.astype(str))
        final.append(Cast(cast.table, cast.column, cast.written, cast.source, how))
    return _keys_alike(schema, final, real, synthetic)


def _keys_alike(schema: Schema, casts: list[Cast], real: dict[str, pd.DataFrame],
                synthetic: dict[str, pd.DataFrame]) -> list[Cast]:
    """A foreign key and the key it references are compared alike: one side as text makes
    the other text too (a join of text with a number does not bind)."""
    by_column = {(c.table, c.column): c for c in casts}
    changed = True
    while changed:
        changed = False
        for table in schema.tables:
            for fk in table.foreign_keys:
                if fk.ref_table not in schema.table_names:
                    continue
                pairs = [((table.name, c), (fk.ref_table, r)) for c, r in zip(fk.columns, fk.ref_columns)]
                for one, other in pairs + [(o, n) for n, o in pairs]:
                    if by_column.get(one, _PLAIN).how != "text" or by_column.get(other, _PLAIN).how == "text":
                        continue
                    t, col = other
                    was = by_column.get(other)
                    source = schema.table(t).column(col).type
                    by_column[other] = Cast(t, col, was.written if was else (source.native or source.name),
                                            source.native or source.name, "text")
                    for side in (real[t], synthetic[t]):
                        values = side[col].astype(object)
                        side[col] = values.where(values.isna(), values.astype(str))
                    changed = True
    return list(by_column.values())


_PLAIN = Cast("", "", "", "", "")


def _convert(values: pd.Series, t: SqlType) -> pd.Series:
    kind = family(t)
    if kind == "number":
        return pd.to_numeric(values, errors="coerce")
    if kind in ("timestamp", "date"):
        stamps = pd.to_datetime(values, errors="coerce", utc=t.name == "timestamptz")
        return stamps.dt.date.where(stamps.notna(), None) if kind == "date" else stamps
    if kind == "boolean":
        text = values.astype(str).str.strip().str.lower()
        out = pd.Series(np.where(text.isin(_TRUE), True, np.where(text.isin(_FALSE), False, None)),
                        index=values.index, dtype=object)
        return out.where(values.notna(), None)
    if kind == "string":
        out = values.astype(object)
        return out.where(out.isna(), out.astype(str))
    return values


def relations(schema: Schema, target: Connector, casts: list[Cast]) -> dict[str, str]:
    """Per table with casts, a derived table that reads the target's columns as the source's
    types (text where compared as text), to put in the report's SQL instead of the table."""
    by_table: dict[str, dict[str, Cast]] = {}
    for cast in casts:
        by_table.setdefault(cast.table, {})[cast.column] = cast
    text = target.capabilities.text_word
    out = {}
    for name, cols in by_table.items():
        table = schema.table(name)
        parts = []
        for column in table.columns:
            ident = quote_ident(column.name)
            cast = cols.get(column.name)
            if cast is None:
                parts.append(ident)
            else:
                to = _type_in(target, column.type) if cast.how == "cast" else text
                parts.append(f"CAST({ident} AS {to}) AS {ident}")
        out[name] = f"(SELECT {', '.join(parts)} FROM {qualified(target.schema_name, name)})"
    return out

