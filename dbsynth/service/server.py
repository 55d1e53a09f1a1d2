"""What ``dbsynth serve`` and ``dbsynth db upgrade`` do: read the config, check the catalog, run uvicorn."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from dbsynth.service.catalog import Catalog
from dbsynth.service.config import load_config, require_token


def upgrade_catalog(config_path: Path | None) -> tuple[str, str]:
    """Upgrade the configured catalog to head; returns (masked catalog URL, revision)."""
    config = load_config(config_path)
    catalog = Catalog(config.catalog_url)
    try:
        return catalog.display_url, catalog.upgrade()
    finally:
        catalog.close()


def serve(config_path: Path | None, host: str, port: int, upgrade: bool = False) -> None:
    """Serve until interrupted. A new catalog is created; one behind needs ``upgrade``."""
    import uvicorn

    from dbsynth.service.app import create_app

    config = load_config(config_path)
    require_token(config)
    catalog = Catalog(config.catalog_url)
    try:
        catalog.open_for_service(upgrade)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        uvicorn.run(create_app(config, catalog), host=host, port=port, log_level="info",
                    log_config=log_config())
    finally:
        catalog.close()


class DropQueryString(logging.Filter):
    """uvicorn's access log writes the request line; its query string may carry a secret
    (``?token=…``): log the path only, and mask anything else secret-looking."""

    def filter(self, record: logging.LogRecord) -> bool:
        from dbsynth.connectors.registry import mask_secrets

        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_secrets(args[2].split("?", 1)[0]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with query strings dropped from the access log and every record
    of every handler masked (:func:`~dbsynth.connectors.registry.mask_secrets`)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"no_query": {"()": "dbsynth.service.server.DropQueryString"},
                         "masked": {"()": "dbsynth.connectors.registry.MaskingFilter"}}
    config["handlers"]["access"]["filters"] = ["no_query", "masked"]
    config["handlers"]["default"]["filters"] = ["masked"]
    config["loggers"]["dbsynth"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
