"""What a string column's values look like: prose, codes, letter case, and drawing to match.

A classifier tells synthetic text from real text at a glance by its *format*: ``AB-0042``
coming back as ``Meeting``, ``706213`` as ``Politi``, ``SMITH`` as ``Smith``. So a string
column's format is learnt separately from its meaning:

- **prose** (several words per value: descriptions, notes) is the only text drawn as lorem;
- **codes** (identifiers, postcodes, phone numbers, coded dates) are learnt as a small grammar:
  the value's *shape* (one character class per position: ``A`` upper, ``a`` lower, ``9``
  digit, anything else itself), the most frequent shapes with their shares, and per shape
  and position the characters seen there with their shares. Drawing picks a shape and each
  character from its position's distribution, so ``AB-0042`` gives ``AB-`` plus four digits
  and a constant prefix stays constant; the values themselves are not kept;
- **letter case** (ALL CAPS, lower, Title) is learnt for every text column and applied to
  whatever is drawn (Faker names, lorem words).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: a column is a code when this many shapes cover at least CODE_COVERAGE of its values
MAX_SHAPES = 12
#: ... or, run by run, this many: more run shapes are noise (``a9a9a``, ``9a9a``), where
#: letters and digits mix freely and the next, looser grammar keeps the lengths
MAX_RUN_SHAPES = 3
CODE_COVERAGE = 0.9
#: values longer than this are not codes (a code grammar per position would be large)
MAX_CODE_LENGTH = 40
#: values a grammar is learnt from (a random sample of bigger columns)
MAX_GRAMMAR_ROWS = 20_000
#: characters kept per position (the rest of the position's class fills in)
MAX_POSITION_CHARS = 40
#: prose: values of at least this many words on average, mostly letters
PROSE_MIN_WORDS = 2.5
#: case styles hold when this share of the values with letters follows them
CASE_SHARE = 0.95

_CLASS_CHARS = {"A": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "a": "abcdefghijklmnopqrstuvwxyz",
                "9": "0123456789"}


#: :func:`shape_of` of ASCII text in one ``str.translate`` (it runs once per value)
_ASCII_SHAPES = str.maketrans({**{c: "A" for c in _CLASS_CHARS["A"]}, **{c: "a" for c in _CLASS_CHARS["a"]},
                               **{c: "9" for c in _CLASS_CHARS["9"]}})


def shape_of(text: str) -> str:
    """One class character per position: ``AB-0042`` → ``AA-9999`` (non-ASCII letters too)."""
    if text.isascii():
        return text.translate(_ASCII_SHAPES)
    out = []
    for ch in text:
        if ch.isdigit() and ch.isascii():
            out.append("9")
        elif ch.isalpha():
            out.append("A" if ch.isupper() else "a" if ch.islower() else ch)
        else:
            out.append(ch)
    return "".join(out)


def case_style(texts: pd.Series) -> str | None:
    """``upper``, ``lower`` or ``title`` when (nearly) every value with letters is so."""
    lettered = texts[texts.str.contains(r"[^\W\d_]", regex=True)]
    if not len(lettered):
        return None
    for style, test in (("upper", lettered == lettered.str.upper()),
                        ("lower", lettered == lettered.str.lower()),
                        ("title", lettered == lettered.str.title())):
        if test.mean() >= CASE_SHARE:
            return style
    return None


def apply_case(values: list[str], style: str | None) -> list[str]:
    """The drawn values in the source's letter case (unchanged when it had no one style)."""
    if style == "upper":
        return [v.upper() for v in values]
    if style == "lower":
        return [v.lower() for v in values]
    if style == "title":
        return [v.title() for v in values]
    return values


def word_counts(texts: pd.Series) -> np.ndarray:
    return texts.str.split().str.len().fillna(0).to_numpy(float)


def is_prose(texts: pd.Series) -> bool:
    """Several words per value, mostly letters and spaces: descriptions, titles, notes."""
    if not len(texts):
        return False
    sample = texts.head(2000)
    joined = "".join(sample)
    letters = sum(ch.isalpha() or ch.isspace() for ch in joined) / max(1, len(joined))
    return float(word_counts(sample).mean()) >= PROSE_MIN_WORDS and letters >= 0.8


@dataclass
class CodeGrammar:
    """Shapes of a code column with their shares; per shape and position, the characters
    seen there (a string) and their shares."""

    shapes: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    chars: list[list[str]] = field(default_factory=list)
    char_weights: list[list[list[float]]] = field(default_factory=list)
    #: collapsed grammars: a shape has one class per *run* (``a9`` for ``jsmith42``), and
    #: per run the lengths seen (quantiles); exact grammars leave this empty
    run_lengths: list[list[list[float]]] = field(default_factory=list)


def loose_shape_of(text: str) -> str:
    """Letters and digits alike as ``X``: ``x7f3k9`` → ``XXXXXX`` (mixed identifiers)."""
    return "".join("X" if ch.isalnum() else ch for ch in text)


def runs_of(text: str, shape: str) -> list[str]:
    """``jsmith42`` → ``['jsmith', '42']``: maximal runs of one character class of ``shape``."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if i and shape[i] == shape[i - 1] and shape[i] in "Aa9X":
            out.append(out.pop() + ch)
        else:
            out.append(ch)
    return out


def fit_code(texts: pd.Series) -> CodeGrammar | None:
    """The grammar of ``texts`` if a few shapes cover nearly all of them, exactly (position by
    position) or else collapsed (run by run); None: not a code (prose, or too varied)."""
    if len(texts) > MAX_GRAMMAR_ROWS:  # shapes are Python per value: a sample tells them
        texts = texts.sample(MAX_GRAMMAR_ROWS, random_state=0)
    if not len(texts) or texts.str.len().max() > MAX_CODE_LENGTH or texts.str.contains(r"\s\s").any():
        return None
    words = texts.str.fullmatch(r"[^\W\d_]+")
    if words.mean() >= 0.8 and texts[words].str.len().nunique() > 2:
        return None  # words of varied lengths (KING, Conrad): names of things, not codes
    exact = _grammar([list(v) for v in texts], texts.map(shape_of), collapsed=False)
    if exact is not None:
        return exact
    if texts.str.contains(r"\s").any():
        return None  # run by run, words with spaces would become letter soup
    for shape_fn in (shape_of, loose_shape_of):  # run by run, then letters and digits alike
        runs = [runs_of(v, shape_fn(v)) for v in texts]
        shapes = pd.Series(["".join(shape_fn(r)[0] for r in rs) for rs in runs], index=texts.index)
        grammar = _grammar(runs, shapes, collapsed=True, max_shapes=MAX_RUN_SHAPES)
        if grammar is not None:
            return grammar
    return None


def _grammar(parts: list[list[str]], shapes: pd.Series, collapsed: bool,
             max_shapes: int = MAX_SHAPES) -> CodeGrammar | None:
    counts = shapes.value_counts()
    top = counts.iloc[:max_shapes]
    if top.sum() < CODE_COVERAGE * len(shapes):
        return None
    grammar = CodeGrammar()
    positions = shapes.to_numpy()
    for shape, count in top.items():
        members = [parts[i] for i in np.flatnonzero(positions == shape)]
        grammar.shapes.append(str(shape))
        grammar.weights.append(float(count) / float(top.sum()))
        per_position: list[str] = []
        per_weights: list[list[float]] = []
        per_lengths: list[list[float]] = []
        for i in range(len(str(shape))):
            seen = Counter(ch for m in members for ch in m[i]).most_common(MAX_POSITION_CHARS)
            per_position.append("".join(ch for ch, _ in seen))
            total = sum(c for _, c in seen)
            per_weights.append([c / total for _, c in seen])
            if collapsed:
                lengths = np.array([len(m[i]) for m in members], dtype=float)
                per_lengths.append(np.quantile(lengths, np.linspace(0, 1, 11)).tolist())
        grammar.chars.append(per_position)
        grammar.char_weights.append(per_weights)
        if collapsed:
            grammar.run_lengths.append(per_lengths)
    return grammar


def check_grammar(grammar: CodeGrammar) -> str | None:
    """What is inconsistent in a grammar read from a model file (None: nothing)."""
    n = len(grammar.shapes)
    if not n or len(grammar.weights) != n or len(grammar.chars) != n or len(grammar.char_weights) != n:
        return "shapes, weights and characters differ in number"
    if grammar.run_lengths and len(grammar.run_lengths) != n:
        return "run lengths differ in number from shapes"
    for s, shape in enumerate(grammar.shapes):
        if len(shape) > MAX_CODE_LENGTH or len(grammar.chars[s]) != len(shape) \
                or len(grammar.char_weights[s]) != len(shape):
            return f"shape {s} does not match its characters"
        if any(len(c) != len(w) for c, w in zip(grammar.chars[s], grammar.char_weights[s])):
            return f"shape {s}: characters and their weights differ in number"
        if grammar.run_lengths and (len(grammar.run_lengths[s]) != len(shape) or any(
                not all(0 <= v <= MAX_CODE_LENGTH for v in q) for q in grammar.run_lengths[s])):
            return f"shape {s}: run lengths out of range"
    if not all(v >= 0 for v in grammar.weights) or sum(grammar.weights) <= 0:
        return "weights are not positive"
    return None


def draw_codes(grammar: CodeGrammar, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` values in the grammar: a shape by its share, each character by its position's
    shares, except that a position seen with many characters draws any of its class (a
    digit of a running number is any digit, not only the ones the sample happened to have)."""
    if not grammar.shapes or n == 0:
        return [""] * n
    weights = np.asarray(grammar.weights, dtype=float)
    picks = rng.choice(len(grammar.shapes), size=n, p=weights / weights.sum())
    out: list[str] = [""] * n
    for s, shape in enumerate(grammar.shapes):
        rows = np.flatnonzero(picks == s)
        if not len(rows):
            continue
        columns = []
        for i, cls in enumerate(shape):
            seen, w = grammar.chars[s][i], np.asarray(grammar.char_weights[s][i], dtype=float)
            alphabet = _CLASS_CHARS.get(cls)
            if alphabet and len(seen) >= len(alphabet) // 2:  # varied: the whole class
                chars, p = np.array(list(alphabet)), None
            else:
                chars = np.array(list(seen)) if seen else np.array([cls])
                p = w / w.sum() if len(w) == len(chars) and w.sum() > 0 else None
            if grammar.run_lengths:  # a run: a length, then that many characters
                q = grammar.run_lengths[s][i]
                lengths = np.maximum(1, np.rint(np.interp(rng.random(len(rows)),
                                                          np.linspace(0, 1, len(q)), q))).astype(int)
                flat = chars[rng.choice(len(chars), size=int(lengths.sum()), p=p)]
                ends = np.cumsum(lengths)
                columns.append(np.array(["".join(flat[e - k:e]) for e, k in zip(ends, lengths)],
                                        dtype=object))
            else:
                columns.append(chars[rng.choice(len(chars), size=len(rows), p=p)])
        joined = ["".join(parts) for parts in zip(*columns)] if columns else [""] * len(rows)
        for row, value in zip(rows, joined):
            out[row] = value
    return out


#: how dates are commonly written as text (``1987-06-17``, ``23-OCT-10``, ``17.06.1987``)
#: (day-first ``17/06/1987`` after month-first: a column where every day is ≤ 12 stays US)
#: (ISO timestamps as SQLite and applications store them: ``T``, fractions, a ``Z``)
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d-%b-%y", "%d-%b-%Y", "%m/%d/%Y", "%d/%m/%Y",
                "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ",
                "%Y-%m-%d %H:%M")


def date_format(texts: pd.Series) -> str | None:
    """The format nearly every value is a date in (a date stored as text), or None."""
    sample = texts.head(2000)
    if not len(sample) or not sample.str.contains(r"\d", regex=True).all():
        return None
    # a format failing on more first values than CASE_SHARE allows (one more for rounding)
    # fails on the whole sample: tried on those first, most formats cost a fraction
    head = sample.head(int((1 - CASE_SHARE) * len(sample)) + 2)
    for fmt in DATE_FORMATS:
        if pd.to_datetime(head, format=fmt, errors="coerce").isna().all():
            continue
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().mean() >= CASE_SHARE:
            return fmt
    return None
