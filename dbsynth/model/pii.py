"""Personal and free-text columns: recognise them by name and data, replace them with Faker.

Values of these columns are never copied from the source. Recognition is by column name
(``email``, ``first_name``, ``phone``…), which is how people name such columns; free text is
recognised from the data (long strings, mostly distinct).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from dbsynth.schema.naming import is_place_name, pii_kind  # noqa: F401 - pii_kind re-exported

POOL_SIZE = 5000


def is_free_text(column_name: str, values: pd.Series) -> bool:
    """Long, mostly distinct strings: descriptions, titles, notes (never place names)."""
    if is_place_name(column_name):
        return False
    text = values.dropna().astype(str)
    if len(text) < 5:
        return False
    distinct_share = text.nunique() / len(text)
    return distinct_share > 0.5 and text.str.len().mean() >= 6


class FakeValues:
    """Draws fake values of one kind; seeded from the caller's Generator for reproducibility.

    Faker itself is built on first use (it costs milliseconds, and most tables need none)."""

    def __init__(self, rng: np.random.Generator, locale: str = "en_US") -> None:
        self.seed = int(rng.integers(0, 2**31 - 1))
        self.locale = locale
        self.rng = rng
        self._faker: Faker | None = None

    @property
    def faker(self) -> Faker:
        if self._faker is None:
            self._faker = Faker(self.locale)
            self._faker.seed_instance(self.seed)
        return self._faker

    def draw(self, kind: str, n: int, lengths: np.ndarray | None = None) -> list[str]:
        """``n`` values of ``kind``. Faker costs ~50 µs a value, so beyond ``POOL_SIZE`` values
        are drawn from a pool of that many (unique columns are numbered by the caller)."""
        if kind == "text":
            return self._text(n, lengths)
        if n > POOL_SIZE:
            pool = self._make(kind, POOL_SIZE)
            return [pool[i] for i in self.rng.integers(0, POOL_SIZE, size=n)]
        return self._make(kind, n)

    def _make(self, kind: str, n: int) -> list[str]:
        f = self.faker
        makers = {
            "email": f.email, "phone": f.phone_number, "first_name": f.first_name,
            "last_name": f.last_name, "full_name": f.name, "street_address": f.street_address,
            "postal_code": f.postcode, "company": f.company, "ssn": f.ssn,
            "username": f.user_name,
        }
        return [makers[kind]() for _ in range(n)]

    def _text(self, n: int, lengths: np.ndarray | None) -> list[str]:
        """Free text: lorem words up to roughly the source's length for each row."""
        vocabulary = _lorem_words(self.locale)
        lengths = (np.full(n, 20) if lengths is None else np.asarray(lengths)).astype(int)
        words_per_row = np.maximum(1, lengths // 6 + 1)
        picks = vocabulary[self.rng.integers(0, len(vocabulary), size=int(words_per_row.sum()))]
        out, start = [], 0
        for count, length in zip(words_per_row, lengths):
            text = " ".join(picks[start:start + count]).capitalize()
            out.append(text[: max(1, length)].strip() or "x")
            start += count
        return out


_LOREM: dict[str, np.ndarray] = {}


def _lorem_words(locale: str) -> np.ndarray:
    if locale not in _LOREM:
        _LOREM[locale] = np.array(Faker(locale).get_words_list())
    return _LOREM[locale]
