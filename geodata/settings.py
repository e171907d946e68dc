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
    # The owner role's URL, for migrations and loads (``geodata/db/roles.py``); unset: the
    # embedded cluster's owner, or ``database_url`` when that is set.
    owner_database_url: str | None = None
    home: Path = Field(default=Path(".zongzhi"), description="Embedded cluster + caches live here")
    embedded_port: int = 54329
    # A streaming read replica (``zongzhi db replica start`` makes one of the embedded cluster on
    # ``replica_port``). Read-only pages and tiles read from ``replica_database_url`` (the app
    # role on the replica) when set, else from the embedded replica when ``read_from_replica``;
    # writes always go to the primary. Unset and false: everything reads the primary.
    replica_port: int = 54330
    replica_database_url: str | None = None
    read_from_replica: bool = False
    pool_size: int = 5
    pool_max_overflow: int = 5
    # A statement over this is cancelled (the page says so; gunicorn's worker timeout is longer);
    # waiting for a lock ends sooner, and a transaction left idle is closed by the server.
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 5_000
    idle_in_transaction_timeout_ms: int = 60_000

    language: Literal["zh", "en"] = "zh"
    # Offline by default: no basemap means no external request at all. ``tianditu`` needs
    # ``tianditu_key``; ``amap`` tiles are GCJ-02, so the map then shifts every overlay to match;
    # ``local`` serves an XYZ folder (``basemap_dir``) from the app; ``url`` uses ``basemap_url``.
    basemap: Literal["none", "tianditu", "amap", "local", "url"] = "none"
    tianditu_key: str | None = None
    basemap_url: str | None = None
    basemap_attribution: str = ""
    # Signs session cookies. Unset with the embedded cluster: generated into ``home`` (0600);
    # unset or a placeholder with ``database_url``: ``serve`` refuses to start (app/web/secret.py).
    secret_key: str | None = None
    # Sign-in attempts per client address (Flask-Limiter syntax); Secure cookies behind HTTPS.
    login_rate_limit: str = "10 per minute"
    # The public guide (/guide), per client address: page views, lookups, and the lockout once
    # an address has missed this often (only failed lookups count); every lookup answers no
    # sooner than the floor, found or not.
    guide_rate_limit: str = "60 per minute"
    guide_lookup_rate_limit: str = "10 per minute"
    guide_lockout: str = "5 per 15 minutes;20 per day"
    guide_lookup_floor_ms: int = 250
    # The Open311 intake API (/open311/): requests per API key (per address without one), and
    # the largest request body accepted (a case is a few KB; more is refused with 413).
    open311_rate_limit: str = "600 per minute"
    open311_max_body_bytes: int = 64 * 1024
    # A session ends after this long without a request, and at the latest this long after sign-in.
    session_idle_s: int = 2 * 3600
    session_absolute_s: int = 12 * 3600
    # The wall display account (role display): signed in for a week.
    display_session_s: int = 7 * 24 * 3600
    secure_cookies: bool = False
    cache_max_age_s: int = 3600
    # A local XYZ tile folder laid out {z}/{x}/{y}.{png|jpg|webp}, served at /basemap/.
    basemap_dir: Path | None = None
    # The shared cache (tiles, per-grid figures): Redis at this URL, so every worker and machine
    # agrees; unset, an in-process cache of at most ``tile_cache_items`` values per worker.
    redis_url: str | None = None
    tile_cache_items: int = 4096
    # Display reads (heat and vector tiles, the wall) take up a newer data version at most this
    # often per worker, so a stream of writes costs one rebuild per window, not one per request;
    # they show data at most this many seconds old (0: every write shows on the next request).
    display_settle_s: float = 10.0
    # Automatic 督办 (domain.sla): how often the app looks for cases to escalate (0: never; then
    # run ``zongzhi escalate`` from cron), 提醒 this long before a due time, 挂牌督办 once a clock
    # is this many working days overdue, and the return call's (回访) limit in working days.
    escalation_interval_s: int = 300
    # The wall display (大屏): refresh every this many seconds (kept longer than the slowest
    # refresh; refreshes never overlap), a full page reload every this many hours as a safety
    # net, and, when above 0, a tour through the districts, this many seconds each.
    wall_refresh_s: int = 30
    wall_reload_hours: float = 6.0
    wall_rotation_s: int = 0
    remind_before_hours: float = 24.0
    list_after_working_days: int = 5
    evaluate_working_days: int = 3

    def sla_thresholds(self):  # noqa: ANN201 — domain.sla.Thresholds
        """The 督办 thresholds these settings name."""
        from datetime import timedelta

        from domain.sla import Thresholds

        return Thresholds(
            remind_before=timedelta(hours=self.remind_before_hours),
            list_after_working_days=self.list_after_working_days,
            evaluate_working_days=self.evaluate_working_days,
        )

    def resolved_home(self) -> Path:
        """The absolute home directory of the embedded cluster."""
        return self.home.expanduser().resolve()
