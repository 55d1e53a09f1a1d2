"""Every engine dbsynth knows, by name and URL scheme; unknown ones get a "did you mean"."""

from __future__ import annotations

import difflib

from dbsynth.dialects import duckdb, files, mysql, postgres, sqlite
from dbsynth.dialects.base import Dialect, qualified, quote_ident, translate_expression
from dbsynth.errors import UsageError

DIALECTS: dict[str, Dialect] = {d.name: d for d in
                                (postgres.DIALECT, duckdb.DIALECT, sqlite.DIALECT, mysql.DIALECT,
                                 files.CSV_DIALECT, files.PARQUET_DIALECT)}
_ALIASES = {"postgresql": "postgres", "sqlite3": "sqlite", "mariadb": "mysql"}
SCHEMES: dict[str, Dialect] = {s: d for d in DIALECTS.values() for s in d.schemes}

__all__ = ["DIALECTS", "SCHEMES", "Dialect", "dialect_for_scheme", "dialect_for_url",
           "find_dialect", "get_dialect", "qualified", "quote_ident", "translate_expression"]


def find_dialect(name: str | Dialect) -> Dialect | None:
    if isinstance(name, Dialect):
        return name
    return DIALECTS.get(_ALIASES.get(name, name))


def get_dialect(name: str | Dialect) -> Dialect:
    """The dialect called ``name`` (``postgresql`` is ``postgres``)."""
    found = find_dialect(name)
    if found is None:
        hint = difflib.get_close_matches(str(name), list(DIALECTS) + list(_ALIASES), n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise UsageError(f"unknown dialect {name!r}{suggestion} (known: {', '.join(DIALECTS)})")
    return found


def dialect_for_scheme(scheme: str) -> Dialect:
    found = SCHEMES.get(scheme.lower())
    if found is None:
        hint = difflib.get_close_matches(scheme, list(SCHEMES), n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise UsageError(f"unknown database URL scheme {scheme!r}{suggestion} "
                         f"(supported: {', '.join(SCHEMES)})")
    return found


def dialect_for_url(url: str) -> Dialect:
    """The dialect of a database URL, from its scheme (``sqlite:///x.db`` -> sqlite)."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        scheme = url.partition(":")[0]
    return dialect_for_scheme(scheme)
