"""Shared test helpers: named fixture files, loaded through one function."""

from __future__ import annotations

import shutil
import tarfile
import tomllib
from pathlib import Path
from typing import Any

from chainwarden.collect.interface import CollectContext, CollectResult
from chainwarden.model import Dependency

TESTS = Path(__file__).resolve().parent
COLLECT_FIXTURES = TESTS / "collect" / "fixtures"
WORKSPACE_FIXTURES = TESTS / "collect" / "workspaces"  # folders of files (tests.helpers.install_tree)


def fixture(name: str) -> Path:
    """A collect conformance fixture by its name, e.g. ``uv.lock.basic``."""
    path = COLLECT_FIXTURES / name
    assert path.exists(), f"missing fixture {name}"
    return path


def install_fixture(name: str, directory: Path) -> Path:
    """Copy fixture ``<real-name>.<variant>`` into `directory` under its real file name."""
    real = real_name(name)
    target = directory / real
    shutil.copyfile(fixture(name), target)
    return target


def install_tree(name: str, directory: Path) -> Path:
    """Copy the fixture folder `name` (a project of several folders: every file stored as ``<real name>.fixture``,
    so that nothing scanning this repository reads them) into `directory`, under the real file names."""
    source = WORKSPACE_FIXTURES / name
    assert source.is_dir(), f"missing fixture folder {name}"
    for path in sorted(source.rglob("*.fixture")):
        target = directory / path.relative_to(source).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return directory


def real_name(name: str) -> str:
    """``package-lock.json.v3`` -> ``package-lock.json``; ``requirements.txt.hashes`` -> ``requirements.txt``."""
    for real in (
        "package-lock.json", "npm-shrinkwrap.json", "package.json", "yarn.lock", "pnpm-lock.yaml",
        "uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "Pipfile", "pylock.toml", "pyproject.toml",
        "requirements.txt", "requirements.in",
    ):
        if name == real or name.startswith(real + "."):
            return real
    raise ValueError(f"fixture {name!r} does not start with a known file name")


def provenance(name: str) -> Any:
    """The expectations a fixture's author recorded in PROVENANCE.toml (package_count, edges, direct)."""
    return tomllib.loads(fixture("PROVENANCE.toml").read_text(encoding="utf-8"))[name]


# Markers are evaluated for one fixed environment, whatever machine runs the tests.
FIXED_ENV: dict[str, str] = CollectContext().environment | {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "python_version": "3.11",
    "python_full_version": "3.11.7",
}


def by_name(result: CollectResult) -> dict[str, Dependency]:
    return {d.package.name: d for d in result.dependencies}


def tar_info(name: str, data: bytes = b"", **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    """A tar member header for `data` (fixed mtime), with any TarInfo field overridden: (info, data)."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data
