"""Names that differ only by an ending or by being part of a compound word.

A reference often names its table with another inflection (``enzym_id`` → ``enzyme``,
``projekt`` → ``projekte``, ``transaktions_id`` → ``transaktionen``: plural and joining
endings in German; ``-s``/``-es`` in English), or as part of a compound word, as German,
Dutch and Scandinavian names are written (``siegerflugzeug`` → ``flugzeug``, ``schüler_id`` →
``oberschüler``, ``beschleuniger_id`` → ``web_client_beschleuniger``). These are weaker than
exact names: key inference gives them a lower score and requires the data to agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar

Item = TypeVar("Item")

#: Inflection and joining endings (German -en/-n/-e/-s, English -s/-es).
_ENDINGS = ("en", "es", "n", "e", "s")
#: Roots shorter than this say too little to be matched inside a compound.
MIN_COMPOUND_ROOT = 4
#: The rest of a compound (``ober`` in ``oberschüler``) must be a word part, not a letter.
MIN_COMPOUND_REST = 3

SAME_ROOT = "same root"
COMPOUND = "compound"


def variants(name: str) -> set[str]:
    """The name without word joints (``vorwahl_staat`` → ``vorwahlstaat``, so that it ends
    with ``staat``), and without one inflection ending: ``vereins`` and ``verein`` share
    ``verein``, ``adressen`` and ``adresse`` share ``adresse``. Never below four letters."""
    word = re.sub(r"[_\s\-]+", "", name.lower())
    return {word} | {word[: -len(e)] for e in _ENDINGS
                     if word.endswith(e) and len(word) - len(e) >= MIN_COMPOUND_ROOT}


class RootIndex(Generic[Item]):
    """Items (tables) by the variants of their names, and by every long-enough ending of them."""

    def __init__(self, named: Iterable[tuple[str, Item]]) -> None:
        self._roots: dict[str, list[Item]] = {}
        self._endings: dict[str, list[Item]] = {}
        for name, item in named:
            for v in variants(name):
                self._roots.setdefault(v, []).append(item)
                for start in range(MIN_COMPOUND_REST, len(v) - MIN_COMPOUND_ROOT + 1):
                    self._endings.setdefault(v[start:], []).append(item)

    def lookup(self, name: str) -> list[tuple[Item, str]]:
        """Items sharing a variant with the name, else those a variant of the name ends with
        or that end with one (compounds), each once with how it matched."""
        found: dict[int, tuple[Item, str]] = {}
        forms = variants(name)
        for v in forms:
            for item in self._roots.get(v, []):
                found.setdefault(id(item), (item, SAME_ROOT))
        if found:
            return list(found.values())
        for v in forms:
            if len(v) < MIN_COMPOUND_ROOT:
                continue
            for start in range(MIN_COMPOUND_REST, len(v) - MIN_COMPOUND_ROOT + 1):
                for item in self._roots.get(v[start:], []):
                    found.setdefault(id(item), (item, COMPOUND))
            for item in self._endings.get(v, []):
                found.setdefault(id(item), (item, COMPOUND))
        return list(found.values())
