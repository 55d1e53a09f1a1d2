"""Pick a connector from a database URL's scheme; unknown schemes get a "did you mean" hint."""

from __future__ import annotations

import difflib
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dbsynth.connectors.base import Connector
from dbsynth.errors import UsageError

POSTGRES_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")
DUCKDB_SCHEMES = ("duckdb",)
KNOWN_SCHEMES = POSTGRES_SCHEMES + DUCKDB_SCHEMES

Role = Literal["source", "target"]


#: query parameters of a URL that carry a secret (libpq's ``?password=``, ``?sslpassword=``)
SECRET_PARAMETERS = ("password", "sslpassword", "passfile_password")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (also one given as a query parameter,
    and for URLs we cannot parse)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            creds, host = rest.rsplit("@", 1)
            user = creds.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}"
        return url
    hidden = {k: "***" for k in parsed.query if k.lower() in SECRET_PARAMETERS}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


def url_secrets(url: str) -> list[str]:
    """The secrets written in a URL (password, secret query parameters), to scrub from text."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return []
    found = [str(parsed.password)] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in SECRET_PARAMETERS:
            found += [value] if isinstance(value, str) else list(value)
    return [s for s in found if s]


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UsageError(
            f"not a database URL: {mask_url(url)!r} (expected postgresql://user@host/db "
            "or duckdb:///path/file.duckdb)"
        ) from None
    scheme = parsed.drivername
    if scheme not in KNOWN_SCHEMES:
        hint = difflib.get_close_matches(scheme, KNOWN_SCHEMES, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise UsageError(
            f"unknown database URL scheme {scheme!r}{suggestion} "
            f"(supported: {', '.join(KNOWN_SCHEMES)})"
        )
    return parsed


def dialect_of(url: str) -> str:
    """``postgres`` or ``duckdb`` for any accepted spelling of the URL scheme."""
    return "duckdb" if parse_url(url).drivername in DUCKDB_SCHEMES else "postgres"


def connect(url: str, schema: str | None = None, role: Role = "source") -> Connector:
    """Open a connector. Sources must exist; a DuckDB target file is created if missing."""
    parsed = parse_url(url)
    if parsed.drivername in DUCKDB_SCHEMES:
        from dbsynth.connectors.duckdb import DuckDBConnector

        return DuckDBConnector(parsed, schema=schema or "main", role=role)
    from dbsynth.connectors.postgres import PostgresConnector

    return PostgresConnector(parsed, schema=schema or "public", role=role)
