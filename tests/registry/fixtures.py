"""pytest fixtures for the test registry.  Loaded with ``pytest_plugins = ["tests.registry.fixtures"]``.

- ``registry_root``: the committed snapshot, tests/registry/data (session).
- ``registry``: a running RegistryServer on that snapshot (session).  Do not set hooks on it.
- ``registry_hooks``: the same server for a test that sets hooks (fail, delay, hide,
  html_only) or reads ``requests``; it is reset before and after the test.
- ``private_registry``: a second server, on tests/registry/data-private: a company's private
  index for the dependency-confusion fixtures (session).
- ``tmp_registry``: a running server of its own over an empty ``tmp_path`` snapshot, for
  tests that write or change fixtures (``builder.pypi_project(tmp_registry.root, ...)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .server import RegistryServer

DATA = Path(__file__).resolve().parent / "data"
PRIVATE_DATA = Path(__file__).resolve().parent / "data-private"


@pytest.fixture(scope="session")
def registry_root() -> Path:
    return DATA


@pytest.fixture(scope="session")
def registry(registry_root: Path) -> Iterator[RegistryServer]:
    with RegistryServer(registry_root) as server:
        yield server


@pytest.fixture(scope="session")
def private_registry() -> Iterator[RegistryServer]:
    with RegistryServer(PRIVATE_DATA) as server:
        yield server


@pytest.fixture
def registry_hooks(registry: RegistryServer) -> Iterator[RegistryServer]:
    registry.reset()
    try:
        yield registry
    finally:
        registry.reset()


@pytest.fixture
def tmp_registry(tmp_path: Path) -> Iterator[RegistryServer]:
    root = tmp_path / "registry"
    (root / "pypi").mkdir(parents=True)
    (root / "npm").mkdir()
    with RegistryServer(root) as server:
        yield server
