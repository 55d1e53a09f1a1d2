"""Pick a connector from a database URL's scheme; unknown schemes get a "did you mean" hint."""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import unquote

from dbsynth.connectors.base import Connector
from dbsynth.connectors.urls import DatabaseUrl, parse_file_url, parse_server_url
from dbsynth.dialects import SCHEMES, dialect_for_scheme, duckdb, postgres, sqlite
from dbsynth.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

POSTGRES_SCHEMES = postgres.DIALECT.schemes
DUCKDB_SCHEMES = duckdb.DIALECT.schemes
SQLITE_SCHEMES = sqlite.DIALECT.schemes
KNOWN_SCHEMES = tuple(SCHEMES)
FILE_SCHEMES = frozenset(s for s, d in SCHEMES.items() if d.file_database)
#: server URLs read without SQLAlchemy in their plain form (see connectors/urls.py)
PLAIN_SERVER_SCHEMES = frozenset(POSTGRES_SCHEMES)

#: dialect name -> (module, class) of its connector, imported when first used
CONNECTORS: dict[str, tuple[str, str]] = {
    "postgres": ("dbsynth.connectors.postgres", "PostgresConnector"),
    "duckdb": ("dbsynth.connectors.duckdb", "DuckDBConnector"),
    "sqlite": ("dbsynth.connectors.sqlite", "SQLiteConnector"),
    "mysql": ("dbsynth.connectors.mysql", "MySQLConnector"),
    "csv": ("dbsynth.connectors.files", "FolderConnector"),
    "parquet": ("dbsynth.connectors.files", "FolderConnector"),
}

Role = Literal["source", "target"]


#: keys whose value is a secret: libpq's ``password=``/``sslpassword=`` (keyword strings and
#: URL query parameters) and the usual spellings of other tools
SECRET_PARAMETERS = ("password", "sslpassword", "passfile_password", "passwd", "pwd", "secret",
                     "token", "access_token", "api_key", "apikey")
_KEYWORDS = "|".join(sorted(SECRET_PARAMETERS, key=len, reverse=True))
#: ``password=value``, ``password = 'quoted \' value'``, ``?password=value&``
_SECRET_KEYWORD = re.compile(
    rf"(?i)(?<![A-Za-z0-9_])({_KEYWORDS})(\s*=\s*)(\*\*\*(?=[\s:&;,)]|$)|'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s&]*)")
#: ``scheme:`` or ``scheme://`` before the credentials of a URL-like word
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:/*")
_MASK = "***"


def mask_secrets(text: str) -> str:
    """``text`` with every password-like part replaced by ``***``, whatever its shape: URLs
    (well-formed or not: ``postgresql:/u:pw@h``, ``u:pw@h/db``), libpq keyword strings
    (``password=pw``, ``password='a b'``) and query parameters (``?password=pw``). The one
    masking function: every URL, DSN, config value or message that may quote one goes
    through it before it is shown, logged or stored."""
    text = _SECRET_KEYWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK}", text)
    return _USERINFO.sub(lambda m: f"{m.group('user')}:{_MASK}@", text)


#: ``user:password@`` up to the *last* ``@`` of the line, whatever the password holds
#: (brackets, commas, spaces, an unencoded ``@``): masking too much is safe, too little is
#: not. A ``:`` followed by ``//`` (a scheme) or by a space (prose: ``error: …``) starts none.
_USERINFO = re.compile(r"(?P<user>[A-Za-z0-9._~%!$&*+;=\-]*):(?!//)(?=\S)[^\n]*@(?=[^@\n]*$)")


def _split_scheme(credentials: str) -> tuple[str, str]:
    """``postgresql://u:pw`` → (``postgresql://``, ``u:pw``); ``u:pw`` (no scheme) stays whole."""
    scheme = _SCHEME.match(credentials)
    if scheme is None:
        return "", credentials
    prefix = scheme.group(0)
    userinfo = credentials[len(prefix):]
    if ":" not in userinfo and not prefix.endswith("/"):
        return "", credentials  # ``user:pw`` read as a scheme ``user:`` would leave pw shown
    return prefix, userinfo


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (also one given as a query parameter),
    for URLs we cannot parse too."""
    plain = parse_server_url(url, PLAIN_SERVER_SCHEMES)  # every trained model names its source
    if plain is not None:
        hidden = {k: _MASK for k in plain.query if k.lower() in SECRET_PARAMETERS}
        shown = replace(plain, query={**plain.query, **hidden}).render_as_string(hide_password=True)
        return mask_secrets(shown)
    # imported here: SQLAlchemy costs ~0.2 s to import, and a synth between files never
    # masks a URL (see connectors/urls.py)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        hidden = {k: _MASK for k in parsed.query if k.lower() in SECRET_PARAMETERS}
        shown = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        shown = url
    return mask_secrets(unquote_mask(shown))


def unquote_mask(text: str) -> str:
    """SQLAlchemy renders a ``***`` query value as ``%2A%2A%2A``; show it as ``***``."""
    return text.replace("%2A%2A%2A", _MASK)


def url_secrets(url: str) -> list[str]:
    """The secrets written in a URL or DSN (password, secret query parameters or keywords),
    as written and decoded, to scrub from text that quotes them without their URL."""
    from sqlalchemy.engine import make_url  # lazy: see mask_url
    from sqlalchemy.exc import ArgumentError

    found: list[str] = []
    try:
        parsed = make_url(url)
        if parsed.password:
            found.append(str(parsed.password))
        for key, value in parsed.query.items():
            if key.lower() in SECRET_PARAMETERS:
                found += [value] if isinstance(value, str) else list(value)
    except (ArgumentError, ValueError, TypeError):
        pass
    for match in _SECRET_KEYWORD.finditer(url):
        value = match.group(3)
        found += [value, value.strip("'\"")]
    for word in re.findall(r"[^\s'\"<>()\[\]{},]+", url):
        if "@" in word:
            userinfo = _split_scheme(word.rsplit("@", 1)[0])[1]
            if ":" in userinfo:
                found.append(userinfo.split(":", 1)[1])
    found += [unquote(s) for s in found]
    return sorted({s for s in found if len(s) >= 3 and s != _MASK}, key=len, reverse=True)


def parse_url(url: str) -> DatabaseUrl:
    """The parsed URL: a plain file or PostgreSQL URL without SQLAlchemy
    (:mod:`dbsynth.connectors.urls`), any other by SQLAlchemy (imported only then: it is slow
    to import)."""
    plain = parse_file_url(url, FILE_SCHEMES) or parse_server_url(url, PLAIN_SERVER_SCHEMES)
    if plain is not None:
        return plain
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UsageError(
            f"not a database URL: {mask_url(url)!r} (expected postgresql://user@host/db, "
            "duckdb:///path/file.duckdb, sqlite:///path/file.db, csv:///path/folder or "
            "parquet:///path/folder)"
        ) from None
    dialect_for_scheme(parsed.drivername)  # unknown schemes: "did you mean"
    return parsed


def dialect_of(url: str) -> str:
    """``postgres``, ``duckdb`` or ``sqlite`` for any accepted spelling of the URL scheme."""
    return dialect_for_scheme(parse_url(url).drivername).name


def location_of(url: str) -> str:
    """Which database a URL points at, as the pipeline compares a target with its source:
    a database file (DuckDB, SQLite) by its resolved path, a PostgreSQL database by the
    identity its server reports (so ``localhost`` and ``127.0.0.1`` are one server) and its
    name. Connects to a PostgreSQL server; raises :class:`DbsynthError` when it cannot."""
    parsed = parse_url(url)
    dialect = dialect_for_scheme(parsed.drivername)
    if dialect.file_database:
        from dbsynth.dialects.files import FOLDER_LOCATION, FORMATS

        where = Path(parsed.database or '').expanduser().resolve()
        return f"{FOLDER_LOCATION}{where}" if dialect.name in FORMATS else f"{dialect.name}://{where}"
    if dialect.name != "postgres":  # MySQL: the connector says (server identity, database)
        other = connect(url, role="target")
        try:
            return other.location.rsplit("#", 1)[0]
        finally:
            other.close()
    from dbsynth.connectors.postgres import PostgresConnector

    # role "target" only skips the schema check; nothing but the identity queries runs
    connector = PostgresConnector(cast("URL", parsed), role="target")
    try:
        return connector.location.rsplit("#", 1)[0]
    finally:
        connector.close()


def connect(url: str, schema: str | None = None, role: Role = "source") -> Connector:
    """Open a connector. Sources must exist; a target file is created if missing."""
    parsed = parse_url(url)
    dialect = dialect_for_scheme(parsed.drivername)
    module, name = CONNECTORS[dialect.name]
    factory = getattr(importlib.import_module(module), name)
    return factory(parsed, schema=schema or dialect.default_schema, role=role)  # type: ignore[no-any-return]


class MaskingFilter(logging.Filter):
    """A logging filter that renders each record and masks any secret in it
    (:func:`mask_secrets`), for every handler that writes dbsynth's or uvicorn's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
