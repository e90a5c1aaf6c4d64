"""Read the application's own settings from its environment."""

import os
from dataclasses import dataclass


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    debug: bool
    port: int
    log_level: str


def load():
    return Settings(
        debug=_flag("APP_DEBUG"),
        port=int(os.environ.get("APP_PORT", "8000")),
        log_level=os.environ.get("APP_LOG_LEVEL", "INFO"),
    )
