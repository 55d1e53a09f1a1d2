"""What ``dbsynth serve`` and ``dbsynth db upgrade`` do: read the config, check the catalog, run uvicorn."""

from __future__ import annotations

from pathlib import Path

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
        uvicorn.run(create_app(config, catalog), host=host, port=port, log_level="info")
    finally:
        catalog.close()
