"""Access to the per-app engine and settings from inside a request or callback."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine

from geodata.settings import Settings


def engine() -> Engine:
    """The app's pooled engine."""
    return current_app.extensions["zongzhi"]["engine"]


def settings() -> Settings:
    """The app's settings."""
    return current_app.extensions["zongzhi"]["settings"]
