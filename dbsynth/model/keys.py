"""Keys by construction: unique primary/unique keys, and foreign keys drawn from parents.

Foreign keys only ever take values of *generated* parent rows, so orphans cannot happen;
each parent's chance of being picked follows the source's child-count distribution.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dbsynth.model.columns import random_uuids
from dbsynth.model.encoding import nanoseconds_to_micros, to_nanoseconds
from dbsynth.model.key_hashes import (
    KeyHashes, KeyRule, combine_hashes, duplicated_keys, key_hashes, key_texts, value_hashes,
)
from dbsynth.model.partition import Partition
from dbsynth.model.pii import person_name_kind
from dbsynth.schema.model import Column, Schema, Table, UniqueConstraint

_PATTERN = re.compile(r"^(?P<prefix>\D*?)(?P<digits>\d+)$")


@dataclass
class KeySpec:
    """How a single-column key is regenerated: ``int`` from ``start``, ``pattern``, ``uuid``,
    ``temporal``, or ``lookup`` (a lookup list's codes, kept; see :func:`fit_key`)."""

    style: str  # int | pattern | uuid | temporal | lookup | sample
    start: int = 1  # temporal: the earliest value, in steps since 1970
    prefix: str = "K"
    width: int = 6
    step: int = 0  # temporal: nanoseconds between keys (a day for a calendar)
    codes: list[str] | None = None  # lookup: the source's codes, in the source's order


#: a table referenced by others with fewer rows is a lookup list (a status, a currency): the
#: application reads its text codes ('open', 'EUR'), so they are kept (see links too)
LOOKUP_MAX_ROWS = 30
#: the longest code kept: longer texts are data, not codes
LOOKUP_MAX_CODE_LENGTH = 32


def fit_key(column: Column, source: pd.Series, lookup: bool = False) -> KeySpec:
    """Learn the key's style (not its values): integer start, string pattern, or UUID.
    The text keys of a ``lookup`` list (see :func:`is_lookup_list`) that are short codes
    without digits are kept as they are: made up ('K000001'), an application's ``WHERE
    status = 'open'`` would find nothing."""
    t = column.type
    present = source.dropna()
    if lookup and t.is_string and not _names_people(column.name) and _are_codes(present):
        return KeySpec("lookup", codes=[str(v) for v in present])
    if t.is_integer or (t.is_numeric and t.scale in (0, None) and _all_integral(present)):
        return KeySpec("int", start=int(pd.to_numeric(present).min()) if len(present) else 1)
    if t.name == "uuid":
        return KeySpec("uuid")
    if t.name in TEMPORAL_KEY_TYPES:
        return _temporal_key(t.name, present)
    if t.is_string:
        matches = present.astype(str).str.extract(_PATTERN)
        if len(present) and matches["digits"].notna().mean() > 0.8:
            return KeySpec("pattern", prefix=str(matches["prefix"].mode().iloc[0]),
                           width=int(matches["digits"].str.len().median()))
        return KeySpec("pattern")
    return KeySpec("sample")


#: types whose keys are a run of points in time (a calendar's days): drawn from the
#: source, a few hundred dates repeat long before they are all made, and the rows are lost
TEMPORAL_KEY_TYPES = frozenset({"date", "timestamp", "timestamptz"})


def _temporal_key(type_name: str, present: pd.Series) -> KeySpec:
    """From the earliest value on, at the source's usual distance between keys (at least a
    day for dates, a second otherwise), so any number of keys stays unique."""
    nanos = to_nanoseconds(present, utc=type_name == "timestamptz")
    micros = np.unique(nanoseconds_to_micros(nanos[~np.isnan(nanos)]))  # int64 ns end in 2262
    unit = DAY_NS if type_name == "date" else SECOND_NS
    gaps = np.diff(micros) * 1000.0
    step = int(max(unit, round(float(np.median(gaps)) / unit) * unit)) if len(gaps) else unit
    start = int(micros[0] // (step // 1000)) if len(micros) else 0
    return KeySpec("temporal", start=start, step=step)


DAY_NS = 86_400 * 10**9
SECOND_NS = 10**9


def _temporal_values(spec: KeySpec, column: Column, numbers: np.ndarray) -> pd.Series:
    """Key numbers as the column's dates or timestamps (timestamptz in UTC)."""
    micros = (spec.start + numbers) * (spec.step // 1000)  # years 1–9999 (int64 ns end in 2262)
    if column.type.name == "date":
        return pd.Series(micros.astype("datetime64[us]").astype("datetime64[D]").astype(object),
                         dtype=object)
    stamps = pd.Series(pd.to_datetime(micros, unit="us", utc=column.type.name == "timestamptz"))
    return stamps.astype(object)


def key_values(spec: KeySpec, column: Column, n: int, rng: np.random.Generator,
               offset: int = 0, total: int | None = None,
               partition: Partition = Partition()) -> pd.Series | None:
    """``n`` distinct key values in the learnt style (None: caller samples and dedupes):
    the rows ``offset`` … ``offset + n`` of a table of ``total`` rows (a streamed chunk),
    numbered with the partition's stride so other partitions' keys never collide."""
    total = offset + n if total is None else total
    numbers = np.arange(offset, offset + n, dtype="int64") * partition.count + partition.index
    if spec.style == "int":
        return pd.Series(spec.start + numbers)
    if spec.style == "uuid":
        return random_uuids(n, rng)
    if spec.style == "temporal" and spec.step > 0:
        return _temporal_values(spec, column, numbers)
    if spec.style == "lookup" and spec.codes:
        return _lookup_values(spec, column, numbers, total * partition.count)
    if spec.style == "pattern":
        return pd.Series(_pattern_values(spec, column, numbers, total * partition.count), dtype=object)
    return None


def _pattern_values(spec: KeySpec, column: Column, numbers: np.ndarray, largest: int) -> list[str]:
    """Key numbers as ``prefix`` + zero-padded digits (base 36 where the column is too short)."""
    width = max(spec.width, len(str(largest)))
    limit = column.type.length
    if limit and len(f"{spec.prefix}{largest:0{width}d}") > limit:
        return [_base36(i + 1).rjust(min(limit, 8), "0")[-limit:] for i in numbers]
    return [f"{spec.prefix}{i + 1:0{width}d}" for i in numbers]


def is_lookup_list(schema: Schema, table: Table, rows: int) -> bool:
    """A small table other tables reference: a list of codes more than a table of entities.
    Never one of people or their accounts (``users``, ``customers``; or referenced as an
    ``author``), however small: its keys are who they are, not codes."""
    references = [fk for other in schema.tables if other.name != table.name
                  for fk in other.foreign_keys if fk.ref_table == table.name]
    return (rows < LOOKUP_MAX_ROWS and bool(references) and not _names_people(table.name)
            and not any(_names_people(c) for fk in references for c in fk.columns))


#: the last word of a table's or column's name that says its rows are people or their
#: accounts (English and German, singular and plural): their keys are never kept as codes
_PEOPLE_WORDS = re.compile(
    r"(users?|customers?|clients?|members?|employees?|persons?|people|authors?|accounts?"
    r"|patients?|students?|contacts?|owners?|staff|logins?|handles?|nick(name)?s?|usernames?"
    r"|players?|artists?|teachers?|drivers?|guests?|buyers?|sellers?|subscribers?"
    r"|kunden?|mitarbeiter(in(nen)?)?|benutzer|nutzer|mitglied(er)?|personen|spieler|autor(en)?"
    r"|lehrer|fahrer|gaste?|gäste?)")


def _names_people(name: str) -> bool:
    """Whether the name's last word (snake_case or camelCase) says it holds people."""
    words = re.findall(r"[A-Z]?[a-z\u00e0-\u00ff]+|[A-Z]+(?![a-z])", name)
    return bool(words) and bool(_PEOPLE_WORDS.fullmatch(words[-1].lower()))


#: a code: words of letters, joined by one space or by - _ . / & + (``open``, ``EUR``,
#: ``on_hold``, ``de-AT``, ``Classic Cars``, ``R&B/Soul``); no digit, ``@`` or comma, which
#: usernames, emails, 'Last, First' names, phone numbers and plates have
_CODE = re.compile(r"[^\W\d_]+(?:(?: ?[-_./&+] ?| )[^\W\d_]+)*")
#: a list is of people's names when this share of its values has a known first name as
#: one of its words ('Gunda Zänker', 'Prof. Dietrich Gutknecht', 'Stefano Kruschwitz-Gude')
NAMED_SHARE = 0.3
#: Faker's locales whose first names are looked for
_NAME_LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pl_PL", "sv_SE",
                 "tr_TR")


def _are_codes(present: pd.Series) -> bool:
    """Distinct short codes (see :data:`_CODE`), not people's names: no code is numbered,
    so the numbered codes of a scaled-up list ('K000004') never meet one."""
    texts = present.astype(str).str.rstrip(" ")  # PostgreSQL pads char(n) codes
    if not (len(texts) and texts.is_unique and (texts.str.len() <= LOOKUP_MAX_CODE_LENGTH).all()
            and texts.map(lambda v: _CODE.fullmatch(v) is not None).all()):
        return False
    names = _first_names()
    named = texts.map(lambda v: any(w in names for w in re.findall(r"[^\W\d_]+", v.lower())))
    return bool(named.mean() < NAMED_SHARE) and person_name_kind(texts) is None


@cache
def _first_names() -> frozenset[str]:
    import importlib

    names: set[str] = set()
    for locale in _NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(str(n).lower() for n in provider.first_names)
    return frozenset(names)


def _lookup_values(spec: KeySpec, column: Column, numbers: np.ndarray, largest: int) -> pd.Series:
    """The source's codes by key number (numbers ascend); numbers beyond them (a scaled-up
    lookup) are numbered codes ('K000004'), which a kept code never is (see :func:`_are_codes`)."""
    codes = spec.codes or []
    kept = [codes[i] for i in numbers[numbers < len(codes)]]
    extra = _pattern_values(KeySpec("pattern"), column, numbers[numbers >= len(codes)], largest)
    return pd.Series(kept + extra, dtype=object)


def _all_integral(values: pd.Series) -> bool:
    nums = pd.to_numeric(values.map(float), errors="coerce")
    return bool(len(nums)) and bool((nums == np.floor(nums)).all())


def _base36(i: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        i, r = divmod(i, 36)
        out = digits[r] + out
        if i == 0:
            return out


def make_strings_unique(values: pd.Series, max_length: int | None,
                        partition: Partition = Partition(), fold: bool = False) -> pd.Series:
    """Number repeated strings (``anna2@x.org``, ``Rock2``), trimming to fit the length;
    ``fold``: 'Anna' repeats 'anna' (the key is a ``lower(…)`` index).

    In a partition, a value it does not own (see :meth:`Partition.owns`) is numbered on until
    it gets one it owns, so no two partitions ever make the same value."""
    seen: set[str] = set()
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        text = str(value)
        candidate = text
        for number in range(MAX_NUMBERING):
            candidate = _numbered(text, number, max_length)
            compared = candidate.lower() if fold else candidate  # owned as compared, too:
            if compared not in seen and (partition.whole or partition.owns([compared])[0]):
                break  # (never 'Ann4' in one partition and 'ann4' in another)
        seen.add(compared)  # after MAX_NUMBERING tries: left to dedupe_rows to redraw
        out.append(candidate)
    return pd.Series(out, dtype=object, index=values.index)


#: numbers tried to make a repeated (or unowned) string unique before giving up on it
MAX_NUMBERING = 10_000


def _numbered(text: str, number: int, max_length: int | None) -> str:
    """``text`` itself for number 0, else with ``number + 1`` before any ``@domain``."""
    if number == 0:
        return text
    suffix = str(number + 1)
    local, at, domain = text.partition("@")
    room = max(0, max_length - len(suffix) - len(at + domain)) if max_length else None
    return f"{local[:room]}{suffix}{at}{domain}"


def dedupe_rows(frame: pd.DataFrame, table: Table,
                redraw: Callable[[pd.Index, tuple[str, ...]], pd.DataFrame],
                tries: int = 20, seen: dict[tuple[str, ...], KeyHashes] | None = None,
                owner: Partition = Partition(),
                claimed: frozenset[tuple[str, ...]] = frozenset(),
                partners: Callable[[tuple[str, ...]], pd.DataFrame | None] | None = None
                ) -> pd.DataFrame:
    """Make every key set of the table unique: redraw duplicate rows, then give what is left
    new numbers in a plain integer part of the key (a step or line number), then drop the
    rest (a key with no such part whose values ran out).

    In a partition, a key set in ``claimed`` (one no partition-disjoint column makes unique
    across partitions) must also be owned by the partition (:meth:`Partition.owns`): a key
    it does not own is redrawn like a duplicate.

    ``seen`` (for a table written in chunks) holds hashes of the keys of earlier chunks: a row
    repeating one of those is a duplicate too, and this chunk's keys are added to it.

    Rows are compared by 64-bit key hashes, computed once; a retry rehashes and checks only
    the redrawn rows (against the rows kept so far and ``seen``), so it costs the duplicates,
    not the whole chunk.

    ``partners(key)``: for a junction key, all values its reference to one other parent
    can take; duplicates the redraws leave get, per row, one its other columns do not have
    yet (a playlist asked for almost every track finds the few random redraws missed)."""
    for key in table.unique_column_sets():
        cols = list(key)
        rule = KeyRule.of(table, key)  # lower(email): 'Ann' repeats 'ann'; at::date: a day
        fold = rule.fold
        earlier = None if seen is None else seen.setdefault(key, KeyHashes())
        hashes, complete = rule.hashes(frame)
        claim = not owner.whole and key in claimed
        dup = duplicated_keys(hashes, complete, earlier)
        if claim:
            dup |= complete & ~_owned(frame, cols, owner, fold)
        kept = KeyHashes()  # keys of this chunk's rows that are not duplicates
        kept.add(hashes[complete & ~dup])
        for _ in range(tries):
            if not dup.any():
                break
            fresh = redraw(frame.index[dup], key)
            for col in fresh.columns:
                frame.loc[dup, col] = fresh[col].to_numpy()
            rows = np.flatnonzero(dup)
            hashes[rows], complete[rows] = rule.hashes(frame.iloc[rows])
            again = duplicated_keys(hashes[rows], complete[rows], earlier, kept)
            if claim:
                again |= complete[rows] & ~_owned(frame.iloc[rows], cols, owner, fold)
            kept.add(hashes[rows][complete[rows] & ~again])
            dup[rows] = again
        if dup.any() and not claim and partners is not None and not rule.reads:
            candidates = partners(key)
            if candidates is not None:
                dup = _give_unused_partners(frame, dup, cols, candidates, hashes, earlier, kept,
                                            fold)
        if dup.any() and not claim:  # redraws ran out of values: number them past the largest
            dup = _renumber(frame, dup, rule, table, hashes, complete, earlier, kept)
        frame = frame[~dup]
        if earlier is not None:
            earlier.add(hashes[complete & ~dup])
    for unique in table.flagged_uniques():
        frame = _unflag_repeats(frame, unique, seen, owner, claimed)
    return frame.reset_index(drop=True)


def _unflag_repeats(frame: pd.DataFrame, unique: UniqueConstraint,
                    seen: dict[tuple[str, ...], KeyHashes] | None, owner: Partition,
                    claimed: frozenset[tuple[str, ...]]) -> pd.DataFrame:
    """A partial unique index over the rows a flag marks (``UNIQUE (user_id) WHERE
    is_default``): of the marked rows repeating a key (in this chunk or an earlier one, or
    in a partition a key it does not own), all but the first are unmarked, in place; the
    other rows, and the row count, stay as drawn."""
    flag, cols = str(unique.only_when), list(unique.columns)
    if flag not in frame.columns or not len(frame):
        return frame
    marked = frame[flag].map(lambda v: v is not None and v == v and bool(v)).to_numpy(dtype=bool)
    rows = np.flatnonzero(marked)
    if not len(rows):
        return frame
    earlier = None if seen is None else seen.setdefault(unique.columns, KeyHashes())
    rule = KeyRule(unique.columns, unique.folded, unique.null_equal, unique.reads)
    hashes, complete = rule.hashes(frame.iloc[rows])
    dup = duplicated_keys(hashes, complete, earlier)
    if not owner.whole and unique.columns in claimed:
        dup |= complete & ~_owned(frame.iloc[rows], cols, owner, unique.folded)
    if dup.any():
        off = False if frame[flag].dtype == object or pd.api.types.is_bool_dtype(frame[flag]) else 0
        frame = frame.copy()
        frame.iloc[rows[dup], frame.columns.get_loc(flag)] = off
    if earlier is not None:
        earlier.add(hashes[complete & ~dup])
    return frame


#: at most this many values already in a column are tried to make a duplicate key unique
MAX_REUSED_VALUES = 256


def _renumber(frame: pd.DataFrame, dup: np.ndarray, rule: KeyRule, table: Table,
              hashes: np.ndarray, complete: np.ndarray, earlier: KeyHashes | None,
              kept: KeyHashes) -> np.ndarray:
    """Duplicates left after the redraws get other values in the key's first integer column
    that no foreign key sets (``step`` in ``(project_id, step)``): first a value the column
    already holds (the smallest that makes the key unique: a free step, or one of the codes
    of a column that references a table no rule recognised, so nothing is invented), then
    fresh values counting up from the largest; returns the rows still duplicated."""
    references = {c for fk in table.foreign_keys for c in fk.columns}
    free = [c for c in rule.columns if c not in references and table.column(c).type.is_integer
            and table.column(c).generated is None]
    if not free:
        return dup
    col = free[0]
    dup = dup.copy()
    present = pd.to_numeric(frame[col], errors="coerce")
    held = np.sort(present.dropna().unique())
    whole = pd.api.types.is_integer_dtype(frame[col].dtype)
    for value in held if len(held) <= MAX_REUSED_VALUES else ():
        if not dup.any():
            return dup
        dup = _retry(frame, dup, rule, col, np.full(int(dup.sum()), int(value) if whole else value),
                     hashes, complete, earlier, kept)
    if not dup.any():
        return dup
    start = int(present.max()) + 1 if present.notna().any() else 1
    return _retry(frame, dup, rule, col, np.arange(start, start + int(dup.sum())),
                  hashes, complete, earlier, kept)


def _retry(frame: pd.DataFrame, dup: np.ndarray, rule: KeyRule, col: str, values: np.ndarray,
           hashes: np.ndarray, complete: np.ndarray, earlier: KeyHashes | None,
           kept: KeyHashes) -> np.ndarray:
    """``values`` in ``col`` of the duplicated rows; those now unique are kept, the rows
    still duplicated returned. A row still duplicated keeps its previous value."""
    rows = np.flatnonzero(dup)
    before = frame[col].iloc[rows].to_numpy(copy=True)
    frame.loc[dup, col] = values
    hashes[rows], complete[rows] = rule.hashes(frame.iloc[rows])
    again = duplicated_keys(hashes[rows], complete[rows], earlier, kept)
    kept.add(hashes[rows][complete[rows] & ~again])
    if again.any():
        frame.iloc[rows[again], frame.columns.get_loc(col)] = before[again]
        hashes[rows[again]], complete[rows[again]] = rule.hashes(frame.iloc[rows[again]])
    dup = dup.copy()
    dup[rows] = again
    return dup


def _give_unused_partners(frame: pd.DataFrame, dup: np.ndarray, cols: list[str],
                          candidates: pd.DataFrame, hashes: np.ndarray,
                          earlier: KeyHashes | None, kept: KeyHashes, fold: bool = False
                          ) -> np.ndarray:
    """Each duplicated row gets, in the ``candidates`` columns, a value that with its other
    key columns makes a key not yet held (in this chunk or an earlier one), picked at
    random among those free; returns the rows still duplicated (their partners ran out).
    Per group of rows sharing the other columns, a random sample of the candidates is
    tried first and all of them only when that is not enough, so the cost follows the
    duplicates, not the groups times the candidates. The candidates' value hashes are
    computed once and the rows written once at the end: a group costs numpy work only,
    not pandas frames (thousands of saturated groups took seconds per chunk)."""
    vary = list(candidates.columns)
    fixed = [c for c in cols if c not in vary]
    rows = np.flatnonzero(dup)
    if not len(rows) or not len(candidates):
        return dup
    rng = np.random.default_rng([len(rows), len(candidates)])
    groups = (key_hashes(frame.iloc[rows], fixed, fold)[0] if fixed
              else np.zeros(len(rows), dtype=np.uint64))
    candidate_hashes = {c: value_hashes(candidates[c].reset_index(drop=True), fold) for c in vary}
    fixed_hashes = {c: value_hashes(frame[c].iloc[rows], fold) for c in fixed}
    order = np.argsort(groups, kind="stable")  # members of a group in row order, as a mask gives
    starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
    by_group = dict(zip(groups[order][starts], np.split(order, starts[1:])))
    dup = dup.copy()
    given_rows: list[np.ndarray] = []
    given_candidates: list[np.ndarray] = []
    for group in pd.unique(groups):
        at = by_group[group]  # positions in ``rows`` of the group's members
        members = rows[at]
        sample = min(len(candidates), 8 * len(members) + 64)
        for size in dict.fromkeys((sample, len(candidates))):
            picked = rng.permutation(len(candidates))[:size]
            parts = [candidate_hashes[c][picked] if c in candidate_hashes
                     else np.full(size, fixed_hashes[c][at[0]], dtype=np.uint64) for c in cols]
            found = parts[0] if len(parts) == 1 else combine_hashes(parts)
            free = ~duplicated_keys(found, np.ones(len(found), dtype=bool), earlier, kept)
            if free.sum() >= len(members) or size == len(candidates):
                break
        given = min(len(members), int(free.sum()))
        chosen = np.flatnonzero(free)[:given]
        given_rows.append(members[:given])
        given_candidates.append(picked[chosen])
        hashes[members[:given]] = found[chosen]
        kept.add(found[chosen])
        dup[members[:given]] = False
    if given_rows:
        targets, sources = np.concatenate(given_rows), np.concatenate(given_candidates)
        for col in vary:
            frame.iloc[targets, frame.columns.get_loc(col)] = candidates[col].to_numpy()[sources]
    return dup


def _owned(frame: pd.DataFrame, cols: list[str], owner: Partition, fold: bool = False
           ) -> np.ndarray:
    """Whether each row's key is the partition's to make (the key as text, parts joined;
    ``fold``: case-folded, so 'Ann' and 'ann' are one partition's)."""
    texts = (pd.concat([key_texts(frame[c]) for c in cols], axis=1).agg("\x1f".join, axis=1)
             if len(cols) > 1 else key_texts(frame[cols[0]]))
    return owner.owns((texts.str.lower() if fold else texts).tolist())


def column_is_key(table: Table, column: Column) -> bool:
    return any(key == (column.name,) for key in table.unique_column_sets())


def align_reference_values(schema: Schema, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Child key values written like their parent's key, so that ``1`` finds ``'1'``.

    For references whose columns hold another type than their key (see
    :mod:`dbsynth.schema.harmonise`): text keys are compared as their text, integer keys as
    integers (a value that is not one becomes NULL: it matches no parent either way).
    Frames are copied where they change, never written in place.
    """
    out = dict(frames)
    for _ in range(len(schema.tables)):  # until a chain of references is aligned end to end
        before = {name: id(frame) for name, frame in out.items()}
        _align_once(schema, out)
        if before == {name: id(frame) for name, frame in out.items()}:
            break
    return out


def _align_once(schema: Schema, out: dict[str, pd.DataFrame]) -> None:
    for table in schema.tables:
        if table.name not in out:
            continue
        for fk in table.foreign_keys:
            parent = out.get(fk.ref_table)
            if parent is None:
                continue
            for column, ref in zip(fk.columns, fk.ref_columns):
                child_values = out[table.name].get(column)
                if child_values is None or ref not in parent:
                    continue
                aligned = _like(child_values, parent[ref])
                if aligned is not child_values:
                    out[table.name] = out[table.name].assign(**{column: aligned})


def _like(values: pd.Series, key: pd.Series) -> pd.Series:
    """``values`` in the representation of ``key`` (the same series when they already agree)."""
    if values.dtype == key.dtype or len(values) == 0:
        return values
    key_sample = key.dropna()
    if pd.api.types.is_integer_dtype(key.dtype) or (
            len(key_sample) and key_sample.map(lambda v: isinstance(v, (int, np.integer))).all()):
        numbers = pd.to_numeric(values, errors="coerce")
        whole = numbers.notna() & (numbers % 1 == 0)
        return numbers.where(whole).astype("Int64")
    if pd.api.types.is_string_dtype(key.dtype) or pd.api.types.is_object_dtype(key.dtype):
        if len(key_sample) and not key_sample.map(lambda v: isinstance(v, str)).all():
            return values
        return values.map(_as_key_text, na_action="ignore").astype(object)
    return values


def _as_key_text(value: object) -> str:
    """``1`` and ``1.0`` as ``'1'`` (how an integer is written in a text key), else ``str``."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def align_count_keys(counts: dict[tuple[object, ...], int], parent: pd.DataFrame,
                     ref_columns: tuple[str, ...]) -> dict[tuple[object, ...], int]:
    """Children per parent counted in the source, keyed like the parent's key values."""
    if not counts or any(c not in parent for c in ref_columns):
        return counts
    keys = pd.DataFrame(list(counts), columns=list(ref_columns))
    aligned = keys.assign(**{c: _like(keys[c], parent[c]) for c in ref_columns})
    out: dict[tuple[object, ...], int] = {}
    for key, count in zip(aligned.astype(object).itertuples(index=False), counts.values()):
        if not any(pd.isna(v) for v in key):
            out[tuple(key)] = out.get(tuple(key), 0) + count
    return out
