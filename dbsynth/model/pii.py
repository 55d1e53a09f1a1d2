"""Personal and free-text columns: recognise them by name and data, replace them with Faker.

Values of these columns are never copied from the source. Recognition is by column name
(``email``, ``first_name``, ``phone``…), which is how people name such columns; free text is
recognised from the data (long strings, mostly distinct).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from faker import Faker

# (kind, pattern over the lower-cased column name). Order matters: first match wins.
_NAME_RULES: tuple[tuple[str, str], ...] = (
    ("email", r"e_?mail"),
    ("phone", r"phone|mobile|\bfax\b|^fax$|_fax$|telephone"),
    ("first_name", r"first_?name|given_?name|forename"),
    ("last_name", r"last_?name|surname|family_?name"),
    ("full_name", r"^(full_?name|customer_?name|person_?name|contact_?name|patient_?name)$"),
    ("street_address", r"(^|_)(street|address|address_?line_?\d?|street_address|addr)$"),
    ("postal_code", r"postal_?code|zip_?code|^zip$|postcode"),
    ("company", r"^company(_name)?$"),
    ("ssn", r"^ssn$|social_security"),
    ("username", r"^user_?name$|^login$"),
)

POOL_SIZE = 5000


def pii_kind(column_name: str) -> str | None:
    name = column_name.lower()
    for kind, pattern in _NAME_RULES:
        if re.search(pattern, name):
            return kind
    return None


def is_free_text(values: pd.Series) -> bool:
    """Long, mostly distinct strings: descriptions, titles, notes."""
    text = values.dropna().astype(str)
    if len(text) < 5:
        return False
    distinct_share = text.nunique() / len(text)
    return distinct_share > 0.5 and text.str.len().mean() >= 6


class FakeValues:
    """Draws fake values of one kind; seeded from the caller's Generator for reproducibility."""

    def __init__(self, rng: np.random.Generator, locale: str = "en_US") -> None:
        self.faker = Faker(locale)
        self.faker.seed_instance(int(rng.integers(0, 2**31 - 1)))
        self.rng = rng

    def draw(self, kind: str, n: int, lengths: np.ndarray | None = None) -> list[str]:
        """``n`` values of ``kind``. Faker costs ~50 µs a value, so beyond ``POOL_SIZE`` values
        are drawn from a pool of that many (unique columns are numbered by the caller)."""
        if kind != "text" and n > POOL_SIZE:
            pool = self._make(kind, POOL_SIZE, None)
            return [pool[i] for i in self.rng.integers(0, POOL_SIZE, size=n)]
        return self._make(kind, n, lengths)

    def _make(self, kind: str, n: int, lengths: np.ndarray | None) -> list[str]:
        f = self.faker
        makers = {
            "email": f.email, "phone": f.phone_number, "first_name": f.first_name,
            "last_name": f.last_name, "full_name": f.name, "street_address": f.street_address,
            "postal_code": f.postcode, "company": f.company, "ssn": f.ssn,
            "username": f.user_name,
        }
        if kind in makers:
            return [makers[kind]() for _ in range(n)]
        # free text: words up to roughly the source's length for each row
        lengths = lengths if lengths is not None else np.full(n, 20)
        out = []
        for length in lengths:
            words = f.words(nb=max(1, int(length) // 6 + 1))
            out.append(" ".join(words).capitalize()[: max(1, int(length))].strip() or "x")
        return out
