"""The project's test registry: a real HTTP server on 127.0.0.1 serving fixture data
in PyPI (JSON API, PEP 503/691 simple) and npm formats.  See README.md.

Names are imported on first use so that ``python -m tests.registry.server`` does not
import the module twice.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builder import npm_package, pypi_project
    from .layout import normalise
    from .server import RegistryServer, Request

__all__ = ["RegistryServer", "Request", "normalise", "npm_package", "pypi_project"]

_HOMES = {"RegistryServer": "server", "Request": "server", "normalise": "layout",
          "npm_package": "builder", "pypi_project": "builder"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
