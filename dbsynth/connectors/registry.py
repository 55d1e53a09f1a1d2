"""Pick a connector from a database URL's scheme; unknown schemes get a "did you mean" hint."""

from __future__ import annotations

import importlib
from typing import Literal

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dbsynth.connectors.base import Connector
from dbsynth.dialects import SCHEMES, dialect_for_scheme, duckdb, postgres, sqlite
from dbsynth.errors import UsageError

POSTGRES_SCHEMES = postgres.DIALECT.schemes
DUCKDB_SCHEMES = duckdb.DIALECT.schemes
SQLITE_SCHEMES = sqlite.DIALECT.schemes
KNOWN_SCHEMES = tuple(SCHEMES)

#: dialect name -> (module, class) of its connector, imported when first used
CONNECTORS: dict[str, tuple[str, str]] = {
    "postgres": ("dbsynth.connectors.postgres", "PostgresConnector"),
    "duckdb": ("dbsynth.connectors.duckdb", "DuckDBConnector"),
    "sqlite": ("dbsynth.connectors.sqlite", "SQLiteConnector"),
}

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
            f"not a database URL: {mask_url(url)!r} (expected postgresql://user@host/db, "
            "duckdb:///path/file.duckdb or sqlite:///path/file.db)"
        ) from None
    dialect_for_scheme(parsed.drivername)  # unknown schemes: "did you mean"
    return parsed


def dialect_of(url: str) -> str:
    """``postgres``, ``duckdb`` or ``sqlite`` for any accepted spelling of the URL scheme."""
    return dialect_for_scheme(parse_url(url).drivername).name


def connect(url: str, schema: str | None = None, role: Role = "source") -> Connector:
    """Open a connector. Sources must exist; a target file is created if missing."""
    parsed = parse_url(url)
    dialect = dialect_for_scheme(parsed.drivername)
    module, name = CONNECTORS[dialect.name]
    factory = getattr(importlib.import_module(module), name)
    return factory(parsed, schema=schema or dialect.default_schema, role=role)  # type: ignore[no-any-return]
