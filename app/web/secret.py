"""The key that signs session cookies: never a default.

* ``ZONGZHI_SECRET_KEY`` set: used when it is long enough and not a known placeholder.
* Not set, with ``ZONGZHI_DATABASE_URL`` (production): refused — every worker and every restart
  must share one key, and only the operator can give it.
* Not set, embedded cluster (demo, development): generated once into ``<home>/secret_key``
  (mode 0600) and reused, so restarts and the workers of one ``serve`` agree.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from geodata.settings import Settings

MIN_LENGTH = 32
FILE_NAME = "secret_key"
# Placeholders seen in this project's history, docs and common templates.
KNOWN_WEAK = frozenset(
    {
        "change-me-in-production",
        "change-me",
        "changeme",
        "secret",
        "secret-key",
        "dev",
        "development",
        "zongzhi",
        "please-change-me",
    }
)
HOW_TO = "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


class SecretKeyError(RuntimeError):
    """No usable key: the message is the one line ``serve`` prints."""


def check(key: str) -> str:
    """``key`` when it is usable, else SecretKeyError."""
    if key.strip().lower() in KNOWN_WEAK:
        raise SecretKeyError(f"ZONGZHI_SECRET_KEY is a known placeholder; {HOW_TO}")
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"ZONGZHI_SECRET_KEY is {len(key)} characters, at least {MIN_LENGTH} needed; {HOW_TO}"
        )
    return key


def resolve(settings: Settings) -> str:
    """The signing key for these settings (see the module docstring)."""
    if settings.secret_key:
        return check(settings.secret_key)
    if settings.database_url:
        raise SecretKeyError(f"ZONGZHI_DATABASE_URL is set but ZONGZHI_SECRET_KEY is not; {HOW_TO}")
    return _generated(settings.resolved_home() / FILE_NAME)


def _generated(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return check(key)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        key = secrets.token_urlsafe(48)
        out.write(key + "\n")
    return key
