"""Partitions: independent slices of one synthetic database, for generation on many workers.

Partition ``index`` of ``count`` takes its share of every root table's rows and generates their
descendants, so all of its foreign keys point inside it and no partition waits for another.
Generated keys are numbered with a stride: the partition's i-th row gets number
``i * count + index``. Keys made by different partitions can therefore never collide, without
knowing in advance how many rows any partition will make. Unique values that are drawn, not
numbered (a UNIQUE e-mail, a composite key of a code and a date), are *owned*: a value belongs
to the partition its stable hash points at, and only its owner may make it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Partition:
    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"partition {self.index} of {self.count} does not exist")

    @property
    def whole(self) -> bool:
        """The only partition: the whole database, numbered 0, 1, 2 … as without partitions."""
        return self.count == 1

    def share(self, rows: int) -> int:
        """This partition's part of ``rows`` root rows (the parts add up to ``rows``)."""
        return rows // self.count + (1 if self.index < rows % self.count else 0)

    def owns(self, keys: Iterable[str]) -> np.ndarray:
        """Whether each key (as text) is this partition's to make. The hash (CRC-32) is the
        same in every process, unlike Python's own ``hash`` of a string."""
        owned = [zlib.crc32(key.encode("utf-8", "surrogatepass")) % self.count == self.index
                 for key in keys]
        return np.array(owned, dtype=bool)

    def number(self, local: int) -> int:
        """The key number of the partition's ``local``-th row (0-based)."""
        return local * self.count + self.index
