"""How generated tables are handed to a writer without holding the database in memory.

A :class:`TableStream` is one big table in chunks, generated while it is written. A
:class:`Synthesis` is the whole database, table by table in load order: a table is generated
when the consumer asks for it, and once the consumer asks for the next one, the generator
keeps of it only what later tables read (keys, the columns children copy, the encoded rows
children are conditioned on). So a writer that loads each table as it comes holds one table
at a time, plus the keys of its parents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class TableStream:
    """Chunks of one table, made on demand (iterate once). ``expected_rows`` is known before
    generation, ``rows`` counts what the chunks held; ``next_keys`` bounds the integer keys
    (a target creating sequences before the load needs it)."""

    name: str
    expected_rows: int
    make_chunks: Callable[[], Iterator[pd.DataFrame]]
    next_keys: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for chunk in self.make_chunks():
            self.rows += len(chunk)
            yield chunk

    def __len__(self) -> int:
        return self.rows or self.expected_rows


TableData = pd.DataFrame | TableStream


@dataclass
class Synthesis:
    """A synthetic database handed over table by table, parents first (iterate once).

    ``cut_columns`` is only complete after the iteration: foreign keys cut to break a cycle
    are drawn once every table exists. It gives, per table with such keys, the table's row
    key and the cut columns, row for row as the table was handed over."""

    tables: Iterator[tuple[str, TableData]]
    cut_columns: Callable[[], dict[str, pd.DataFrame]]

    def __iter__(self) -> Iterator[tuple[str, TableData]]:
        return self.tables

    @classmethod
    def of(cls, frames: Mapping[str, TableData], order: tuple[str, ...]) -> Synthesis:
        """Tables already made (cut keys filled in): handed over as they are."""
        whole = {n: f for n, f in frames.items() if isinstance(f, pd.DataFrame)}
        return cls(((name, frames[name]) for name in order), lambda: whole)
