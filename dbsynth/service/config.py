"""The service's configuration: a YAML file plus environment variables that override or add.

```yaml
connections:
  prod: {url: postgresql://app:secret@db/app}          # role: source (the default): only read
  staging: {url: duckdb:///staging.duckdb, role: target, allow_replace: true}
token: change-me
catalog_url: sqlite:///data/catalog.db   # default: sqlite:///<data_dir>/catalog.db
data_dir: data                           # models and reports; relative to this file
concurrency: 2
max_body_bytes: 1048576                  # bigger request bodies get 413
openapi_requires_token: true             # /v1/openapi.json needs the bearer token too
```

Environment: ``DBSYNTH_CONFIG`` (the file, when ``--config`` is not given), ``DBSYNTH_TOKEN``,
``DBSYNTH_CATALOG_URL``, ``DBSYNTH_DATA_DIR``, ``DBSYNTH_CONNECTION_<NAME>=url`` (name
lowercased), ``DBSYNTH_CONNECTION_<NAME>_ROLE=target``, ``DBSYNTH_CONNECTION_<NAME>_ALLOW_REPLACE=true``. API calls name connections; their URLs stay here and are only ever shown masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dbsynth.connectors.registry import dialect_of, mask_secrets, mask_url, url_secrets
from dbsynth.errors import DbsynthError, UsageError

CONFIG_ENV = "DBSYNTH_CONFIG"
CONNECTION_ENV_PREFIX = "DBSYNTH_CONNECTION_"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_CONCURRENCY = 2
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
KNOWN_KEYS = {"connections", "token", "catalog_url", "data_dir", "concurrency", "max_body_bytes",
              "openapi_requires_token"}
CONNECTION_KEYS = {"url", "role", "allow_replace"}
ROLES = ("source", "target")
ROLE_SUFFIX, REPLACE_SUFFIX = "_ROLE", "_ALLOW_REPLACE"
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Connection:
    name: str
    url: str = field(repr=False)  # may hold a password: never printed, never returned
    dialect: str
    #: ``source``: only ever read; ``target``: jobs may write into it
    role: str = "source"
    #: a target whose tables may be replaced (``replace: true``, refresh jobs)
    allow_replace: bool = False

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
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    openapi_requires_token: bool = True

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def scrub(self, text: str) -> str:
        """``text`` with every configured URL's secrets replaced by ``***`` (error messages
        from drivers may quote a password without its URL), then :func:`mask_secrets`."""
        for url in [c.url for c in self.connections.values()] + [self.catalog_url]:
            text = text.replace(url, mask_url(url))
            for secret in url_secrets(url):
                text = text.replace(secret, "***")
        return mask_secrets(text)


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

    entries: dict[str, dict[str, Any]] = {}
    connections = raw.get("connections") or {}
    if not isinstance(connections, dict):
        raise UsageError(f"{path}: connections must be a mapping of name: {{url: ...}}")
    for name, entry in connections.items():
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url:
            raise UsageError(f"{path}: connections.{name}.url must be a database URL")
        unknown_keys = sorted(set(entry) - CONNECTION_KEYS)
        if unknown_keys:
            raise UsageError(f"{path}: connections.{name}: unknown key {str(unknown_keys[0])!r} "
                             f"(known: {', '.join(sorted(CONNECTION_KEYS))})")
        entries[str(name).lower()] = dict(entry)
    for key, value in sorted(env.items()):
        if not key.startswith(CONNECTION_ENV_PREFIX) or not value:
            continue
        name = key[len(CONNECTION_ENV_PREFIX):]
        if name.endswith(ROLE_SUFFIX):
            entries.setdefault(name[:-len(ROLE_SUFFIX)].lower(), {})["role"] = value
        elif name.endswith(REPLACE_SUFFIX):
            entries.setdefault(name[:-len(REPLACE_SUFFIX)].lower(), {})["allow_replace"] = _flag(key, value)
        else:
            entries.setdefault(name.lower(), {})["url"] = value
    data_dir = Path(env.get("DBSYNTH_DATA_DIR") or raw.get("data_dir") or "dbsynth-data")
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    catalog_url = env.get("DBSYNTH_CATALOG_URL") or raw.get("catalog_url") or f"sqlite:///{data_dir / 'catalog.db'}"
    token = env.get("DBSYNTH_TOKEN") or raw.get("token")
    concurrency = raw.get("concurrency", DEFAULT_CONCURRENCY)
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise UsageError(f"concurrency must be a positive integer, got {concurrency!r}")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise UsageError("token must be a non-empty string")
    max_body = raw.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES)
    if not isinstance(max_body, int) or isinstance(max_body, bool) or max_body < 1024:
        raise UsageError(f"max_body_bytes must be an integer of at least 1024, got {max_body!r}")
    openapi_requires_token = raw.get("openapi_requires_token", True)
    if not isinstance(openapi_requires_token, bool):
        raise UsageError(f"openapi_requires_token must be true or false, got {openapi_requires_token!r}")
    return ServiceConfig({name: _connection(name, entry) for name, entry in sorted(entries.items())},
                         token, str(catalog_url), data_dir, concurrency, path, max_body,
                         openapi_requires_token)


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


def _connection(name: str, entry: dict[str, Any]) -> Connection:
    if not NAME_PATTERN.match(name):
        raise UsageError(f"connection name {mask_secrets(name)!r} must be lowercase letters, digits, '_' or '-'")
    url = entry.get("url")
    if not isinstance(url, str) or not url:
        raise UsageError(f"connection {name!r} has a role or allow_replace but no URL "
                         f"(set connections.{name}.url or {CONNECTION_ENV_PREFIX}{name.upper()})")
    try:
        dialect = dialect_of(url)
    except DbsynthError as exc:
        raise UsageError(f"connection {name!r}: {mask_secrets(exc.message)}") from None
    role = entry.get("role", "source")
    if role not in ROLES:
        raise UsageError(f"connection {name!r}: role must be source or target, got {mask_secrets(str(role))!r}")
    allow_replace = entry.get("allow_replace", False)
    if not isinstance(allow_replace, bool):
        raise UsageError(f"connection {name!r}: allow_replace must be true or false")
    if allow_replace and role != "target":
        raise UsageError(f"connection {name!r}: allow_replace needs role: target")
    return Connection(name, url, dialect, role, allow_replace)


def _flag(key: str, value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise UsageError(f"{key} must be true or false")
