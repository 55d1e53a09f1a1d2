"""Database URLs of file engines (``duckdb:///path``, ``sqlite:///path``) without SQLAlchemy.

Why this exists: importing SQLAlchemy costs about 0.2 s, a tenth of the end-to-end budget
of a small ``dbsynth synth`` (issue 16), and a file URL is a scheme, a path and a query.
Only the plain form is read here — ``scheme:///path[?key=value&…]`` with no credentials,
host or repeated key; anything else is parsed by SQLAlchemy as before (see
``registry.parse_url``), so both give the same ``drivername``, ``database`` and ``query``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, unquote

#: ``scheme:///path?query`` — no ``@`` anywhere (no user or password), no host, no port
_PLAIN_FILE_URL = re.compile(r"(?P<scheme>[\w+]+):///(?P<database>[^?@]*)(?:\?(?P<query>[^@]*))?")


class DatabaseUrl(Protocol):
    """What the file connectors read of a parsed URL (SQLAlchemy's ``URL`` has it too)."""

    @property
    def drivername(self) -> str: ...

    @property
    def database(self) -> str | None: ...

    @property
    def query(self) -> Mapping[str, str | tuple[str, ...]]: ...


@dataclass(frozen=True)
class FileUrl:
    """A parsed plain file URL: the scheme as written, the decoded path, the query."""

    drivername: str
    database: str
    query: Mapping[str, str] = field(default_factory=dict)


def parse_file_url(url: str, file_schemes: frozenset[str]) -> FileUrl | None:
    """The parsed URL when ``url`` is a plain file URL of one of ``file_schemes``; None when
    it is anything else (another engine, credentials, a host, a repeated query key)."""
    match = _PLAIN_FILE_URL.fullmatch(url)
    if match is None or match["scheme"].lower() not in file_schemes:
        return None
    pairs = parse_qsl(match["query"] or "")
    query = dict(pairs)
    if len(query) != len(pairs):  # SQLAlchemy makes a tuple of a repeated key: leave it to it
        return None
    return FileUrl(match["scheme"], unquote(match["database"]), query)
