"""A table handed over in chunks: generated while it is written, never whole in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
