"""tidyfmt reads its own settings from ~/.config/tidyfmt/config.toml."""

import os
import tomllib
from pathlib import Path

DEFAULTS = {"line_length": 88, "indent": 4}


def config_path():
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tidyfmt" / "config.toml"


def load_config():
    path = config_path()
    settings = dict(DEFAULTS)
    if path.is_file():
        with path.open("rb") as fh:
            settings.update(tomllib.load(fh).get("tidyfmt", {}))
    return settings
