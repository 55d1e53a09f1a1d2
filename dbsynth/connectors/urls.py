"""Database URLs of file engines (``duckdb:///path``, ``sqlite:///path``) and plain PostgreSQL
URLs (``postgresql://user@host:port/db``) without SQLAlchemy.

Why this exists: importing SQLAlchemy costs about 0.2 s, a tenth of the end-to-end budget
of a small ``dbsynth synth`` (issue 16), and a file URL is a scheme, a path and a query.
Only the plain form is read here — ``scheme:///path[?key=value&…]`` with no credentials,
host or repeated key; anything else is parsed by SQLAlchemy as before (see
``registry.parse_url``), so both give the same ``drivername``, ``database`` and ``query``.
A PostgreSQL URL costs the same import otherwise (0.3-0.4 s of the ~1.6 s dbsynth takes to
train on and generate Chinook, issue 19): its plain form — unreserved characters only, no
percent escapes, one host — is read here, anything else by SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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


#: ``scheme://[user[:password]@]host[:port]/database[?query]``, unreserved characters only
_WORD = r"[A-Za-z0-9._~-]+"
_PLAIN_SERVER_URL = re.compile(
    rf"(?P<scheme>[\w+]+)://(?:(?P<username>{_WORD})(?::(?P<password>{_WORD}))?@)?"
    rf"(?P<host>{_WORD})(?::(?P<port>[0-9]{{1,5}}))?/(?P<database>{_WORD})"
    rf"(?:\?(?P<query>{_WORD}={_WORD}(?:&{_WORD}={_WORD})*))?")


@dataclass(frozen=True)
class ServerUrl:
    """A parsed plain server URL, with the part of SQLAlchemy's ``URL`` interface the
    PostgreSQL connector uses (``set``, ``translate_connect_args``, ``render_as_string``)."""

    drivername: str
    username: str | None
    password: str | None
    host: str
    port: int | None
    database: str
    query: Mapping[str, str] = field(default_factory=dict)

    def set(self, drivername: str) -> ServerUrl:
        return replace(self, drivername=drivername)

    def translate_connect_args(self, username: str, database: str) -> dict[str, str | int]:
        """The connection keywords (SQLAlchemy's renaming of ``username`` and ``database``);
        as SQLAlchemy, an empty one is left out (port 0: libpq's default port, not 0)."""
        named = {"host": self.host, database: self.database, username: self.username,
                 "password": self.password, "port": self.port}
        return {k: v for k, v in named.items() if v}

    def render_as_string(self, hide_password: bool = True) -> str:
        """The URL as SQLAlchemy writes it: query keys sorted, the password as ``***`` if hidden."""
        user = ""
        if self.username is not None:
            secret = "" if self.password is None else ":" + ("***" if hide_password else self.password)
            user = f"{self.username}{secret}@"
        port = "" if self.port is None else f":{self.port}"
        query = "&".join(f"{k}={self.query[k]}" for k in sorted(self.query))
        return f"{self.drivername}://{user}{self.host}{port}/{self.database}" + (f"?{query}" if query else "")

    def __repr__(self) -> str:
        """Masked, as SQLAlchemy's URL: a URL printed anywhere (a log, an error) shows no password."""
        return self.render_as_string(hide_password=True)

    __str__ = __repr__


def parse_server_url(url: str, schemes: frozenset[str]) -> ServerUrl | None:
    """The parsed URL when ``url`` is a plain server URL of one of ``schemes``; None when it
    is anything else (escapes, IPv6, several hosts, a repeated query key, another scheme)."""
    match = _PLAIN_SERVER_URL.fullmatch(url)
    if match is None or match["scheme"].lower() not in schemes:
        return None
    pairs = parse_qsl(match["query"] or "")
    query = dict(pairs)
    if len(query) != len(pairs):
        return None
    port = int(match["port"]) if match["port"] else None
    return ServerUrl(match["scheme"], match["username"], match["password"], match["host"], port,
                     match["database"], query)
