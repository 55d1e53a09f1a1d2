"""The service's configuration: a YAML file plus environment variables that override or add.

```yaml
connections:
  prod: {url: postgresql://app:secret@db/app}
  staging: {url: duckdb:///staging.duckdb}
token: change-me
catalog_url: sqlite:///data/catalog.db   # default: sqlite:///<data_dir>/catalog.db
data_dir: data                           # models and reports; relative to this file
concurrency: 2
```

Environment: ``DBSYNTH_CONFIG`` (the file, when ``--config`` is not given), ``DBSYNTH_TOKEN``,
``DBSYNTH_CATALOG_URL``, ``DBSYNTH_DATA_DIR``, ``DBSYNTH_CONNECTION_<NAME>=url`` (name
lowercased). API calls name connections; their URLs stay here and are only ever shown masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dbsynth.connectors.registry import dialect_of, mask_url, url_secrets
from dbsynth.errors import DbsynthError, UsageError

CONFIG_ENV = "DBSYNTH_CONFIG"
CONNECTION_ENV_PREFIX = "DBSYNTH_CONNECTION_"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_CONCURRENCY = 2
KNOWN_KEYS = {"connections", "token", "catalog_url", "data_dir", "concurrency"}


@dataclass(frozen=True)
class Connection:
    name: str
    url: str = field(repr=False)  # may hold a password: never printed, never returned
    dialect: str

    @property
    def display_url(self) -> str:
        return mask_url(self.url)


@dataclass(frozen=True)
class ServiceConfig:
    connections: dict[str, Connection]
    token: str | None = field(repr=False)
    catalog_url: str = field(repr=False)
    data_dir: Path
    concurrency: int
    path: Path | None  # the file it was read from, handed to worker processes

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def scrub(self, text: str) -> str:
        """``text`` with every configured URL masked and every password replaced by ``***``:
        error messages from drivers may quote what they were given."""
        for url in [c.url for c in self.connections.values()] + [self.catalog_url]:
            text = text.replace(url, mask_url(url))
            for secret in url_secrets(url):
                text = text.replace(secret, "***")
        return text


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """Read the config file (``path``, else ``$DBSYNTH_CONFIG``, else none) and apply the
    environment on top. Every mistake is one line naming the key."""
    env = os.environ if environ is None else environ
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    raw: dict[str, Any] = _read_file(path) if path is not None else {}
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
    base = path.resolve().parent if path is not None else Path.cwd()

    urls: dict[str, str] = {}
    connections = raw.get("connections") or {}
    if not isinstance(connections, dict):
        raise UsageError(f"{path}: connections must be a mapping of name: {{url: ...}}")
    for name, entry in connections.items():
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url:
            raise UsageError(f"{path}: connections.{name}.url must be a database URL")
        urls[str(name).lower()] = url
    for key, value in env.items():
        if key.startswith(CONNECTION_ENV_PREFIX) and value:
            urls[key[len(CONNECTION_ENV_PREFIX):].lower()] = value

    data_dir = Path(env.get("DBSYNTH_DATA_DIR") or raw.get("data_dir") or "dbsynth-data")
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    catalog_url = env.get("DBSYNTH_CATALOG_URL") or raw.get("catalog_url") or f"sqlite:///{data_dir / 'catalog.db'}"
    token = env.get("DBSYNTH_TOKEN") or raw.get("token")
    concurrency = raw.get("concurrency", DEFAULT_CONCURRENCY)
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise UsageError(f"concurrency must be a positive integer, got {concurrency!r}")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise UsageError("token must be a non-empty string")
    return ServiceConfig({name: _connection(name, url) for name, url in sorted(urls.items())},
                         token, str(catalog_url), data_dir, concurrency, path)


def require_token(config: ServiceConfig) -> str:
    """The service never runs open: a bearer token must be configured."""
    if not config.token:
        raise UsageError("the service needs a token: set `token:` in the config file or DBSYNTH_TOKEN")
    return config.token


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise UsageError(f"config file {path} is not valid YAML{line}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"config file {path} must be a mapping")
    return data


def _connection(name: str, url: str) -> Connection:
    if not NAME_PATTERN.match(name):
        raise UsageError(f"connection name {name!r} must be lowercase letters, digits, '_' or '-'")
    try:
        dialect = dialect_of(url)
    except DbsynthError as exc:
        raise UsageError(f"connection {name!r}: {exc.message}") from None
    return Connection(name, url, dialect)


