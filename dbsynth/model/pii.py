"""Personal and free-text columns: recognise them by name and data, replace them with Faker.

Values of these columns are never copied from the source. Recognition is by column name
(``email``, ``first_name``, ``phone``, ``city``…), which is how people name such columns,
and by data for people's names (values starting with known first names); prose and codes
are told apart by :mod:`dbsynth.model.text_patterns`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dbsynth.schema.naming import is_place_name, pii_kind, place_kind  # noqa: F401 - re-exported

if TYPE_CHECKING:  # Faker is imported where values are drawn: a run without PII needs none
    from faker import Faker

POOL_SIZE = 5000
#: personal kinds whose values are codes (digits in a format): drawn from the source's
#: code grammar when it has one, so ``5551234567`` does not come back as ``(555) 123-4567``
CODE_LIKE_KINDS = frozenset({"phone", "postal_code", "ssn"})
#: a column is of person names when this share of its values starts with a known first name
PERSON_NAME_SHARE = 0.5


def is_varied(texts: pd.Series) -> bool:
    """Mostly distinct (more than half the values): not a category."""
    return len(texts) >= 5 and texts.nunique() / len(texts) > 0.5


def person_name_kind(texts: pd.Series) -> str | None:
    """``full_name`` or ``first_name`` when the values start with first names Faker knows
    (``Ron Baxter``): a column of people's names whatever it is called."""
    sample = texts.head(2000)
    first = sample.str.split().str[0].fillna("").str.lower()
    if first.isin(_first_names()).mean() < PERSON_NAME_SHARE:
        return None
    return "full_name" if (sample.str.split().str.len() >= 2).mean() >= 0.5 else "first_name"


_FIRST_NAMES: set[str] = set()


def _first_names() -> set[str]:
    if not _FIRST_NAMES:
        from faker.providers.person.en_US import Provider

        _FIRST_NAMES.update(name.lower() for name in Provider.first_names)
    return _FIRST_NAMES


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
            from faker import Faker  # lazy: see TYPE_CHECKING above

            self._faker = Faker(self.locale)
            self._faker.seed_instance(self.seed)
        return self._faker

    def draw(self, kind: str, n: int, lengths: np.ndarray | None = None,
             words: np.ndarray | None = None) -> list[str]:
        """``n`` values of ``kind``. Faker costs ~50 µs a value, so beyond ``POOL_SIZE`` values
        are drawn from a pool of that many (unique columns are numbered by the caller)."""
        if kind == "text":
            return self._text(n, lengths, words)
        if n > POOL_SIZE:
            pool = self._make(kind, POOL_SIZE)
            return np.asarray(pool, dtype=object)[self.rng.integers(0, POOL_SIZE, size=n)].tolist()
        return self._make(kind, n)

    def _make(self, kind: str, n: int) -> list[str]:
        f = self.faker
        makers = {
            "email": f.email, "phone": f.phone_number, "first_name": f.first_name,
            "last_name": f.last_name, "full_name": f.name, "street_address": f.street_address,
            "postal_code": f.postcode, "company": f.company, "ssn": f.ssn,
            "username": f.user_name, "city": f.city, "state": f.state, "country": f.country,
        }
        return [makers[kind]() for _ in range(n)]

    def _text(self, n: int, lengths: np.ndarray | None, words: np.ndarray | None = None) -> list[str]:
        """Free text: lorem words, as many per row as ``words`` says (the source's word
        counts), else roughly the source's length; words are never cut in the middle (a
        first word longer than the length is). Joined by Arrow, not row by row in Python."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if n == 0:
            return []
        vocabulary = _lorem_words(self.locale)
        lengths = (np.full(n, 20) if lengths is None else np.asarray(lengths)).astype(int)
        if words is None:
            words_per_row = np.maximum(1, lengths // 6 + 1)
        else:
            words_per_row = np.maximum(1, np.rint(np.asarray(words))).astype(int)
        picks = self.rng.integers(0, len(vocabulary), size=int(words_per_row.sum()))
        too_long = np.zeros(n, dtype=bool)
        if words is None:  # keep the words that fit in the row's length
            words_per_row, picks, too_long = _words_that_fit(
                picks, words_per_row, lengths, _word_lengths(self.locale))
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(words_per_row, out=offsets[1:])
        rows = pa.ListArray.from_arrays(pa.array(offsets), pa.array(vocabulary).take(pa.array(picks)))
        out = pc.utf8_capitalize(pc.binary_join(rows, " ")).to_numpy(zero_copy_only=False).tolist()
        for i in np.flatnonzero(too_long).tolist():  # a first word longer than the length
            out[i] = out[i][: max(1, int(lengths[i]))]
        return out


def _words_that_fit(picks: np.ndarray, words_per_row: np.ndarray, lengths: np.ndarray,
                    word_lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of each row's picked words, the most whose joined text (one space between) is at
    most the row's length, at least one; and which rows' first word alone is too long."""
    starts = np.r_[0, np.cumsum(words_per_row)[:-1]]
    row = np.repeat(np.arange(len(words_per_row)), words_per_row)
    position = np.arange(len(picks)) - starts[row]
    chars = np.cumsum(word_lengths[picks])
    before_row = chars[starts] - word_lengths[picks][starts]
    joined = chars - before_row[row] + position  # the text's length up to this word
    fits = np.add.reduceat((joined <= lengths[row]).astype(np.int64), starts)
    kept = np.maximum(fits, 1)
    return kept, picks[position < kept[row]], fits == 0


_LOREM: dict[str, np.ndarray] = {}


def _lorem_words(locale: str) -> np.ndarray:
    if locale not in _LOREM:
        from faker import Faker  # lazy: see TYPE_CHECKING above

        _LOREM[locale] = np.array(Faker(locale).get_words_list())
    return _LOREM[locale]


def _word_lengths(locale: str) -> np.ndarray:
    return np.array([len(word) for word in _lorem_words(locale).tolist()], dtype=np.int64)
