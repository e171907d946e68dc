"""Settings read from the environment (prefix ``ZONGZHI_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; build one per process with ``Settings()`` — nothing reads it at import."""

    model_config = SettingsConfigDict(env_prefix="ZONGZHI_", env_file=".env", extra="ignore")

    # Unset: the embedded private PostGIS cluster under ``home`` is used.
    database_url: str | None = None
    home: Path = Field(default=Path(".zongzhi"), description="Embedded cluster + caches live here")
    embedded_port: int = 54329
    pool_size: int = 5
    pool_max_overflow: int = 5
    statement_timeout_ms: int = 30_000

    language: Literal["zh", "en"] = "zh"
    # Offline by default: no basemap means no external request at all. ``tianditu`` needs
    # ``tianditu_key``; ``amap`` tiles are GCJ-02, so the map then shifts every overlay to match;
    # ``local`` serves an XYZ folder (``basemap_dir``) from the app; ``url`` uses ``basemap_url``.
    basemap: Literal["none", "tianditu", "amap", "local", "url"] = "none"
    tianditu_key: str | None = None
    basemap_url: str | None = None
    basemap_attribution: str = ""
    secret_key: str = "change-me-in-production"
    cache_max_age_s: int = 3600
    # A local XYZ tile folder laid out {z}/{x}/{y}.{png|jpg|webp}, served at /basemap/.
    basemap_dir: Path | None = None
    # Heat and vector tiles kept in memory per process (LRU, counted in tiles).
    tile_cache_items: int = 4096

    def resolved_home(self) -> Path:
        """The absolute home directory of the embedded cluster."""
        return self.home.expanduser().resolve()
