"""collect: find manifests and lockfiles under the paths given and turn them into graphs.

`COLLECTORS` is the explicit list of input formats, one line each. Discovery
walks each directory (skipping vendored and virtual-environment folders),
groups the files it recognises by directory and ecosystem into projects, and
asks `graph.build_graph` to merge each project's inputs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
)
from chainwarden.collect.npm import package_json, package_lock, pnpm_lock, yarn_lock
from chainwarden.collect.python import (
    environment,
    pdm_lock,
    pipfile,
    pipfile_lock,
    poetry_lock,
    pylock,
    pyproject,
    requirements,
    uv_lock,
)
from chainwarden.model import DependencyGraph, Ecosystem, Project, Skip

__all__ = ["COLLECTORS", "CollectContext", "CollectError", "collect_environment", "collect_paths"]

COLLECTORS: tuple[Collector, ...] = (
    requirements.COLLECTOR,
    pyproject.COLLECTOR,
    pipfile.COLLECTOR,
    poetry_lock.COLLECTOR,
    pipfile_lock.COLLECTOR,
    uv_lock.COLLECTOR,
    pdm_lock.COLLECTOR,
    pylock.COLLECTOR,
    package_json.COLLECTOR,
    package_lock.COLLECTOR,
    yarn_lock.COLLECTOR,
    pnpm_lock.COLLECTOR,
)

# Folders that hold installed or vendored code, not a project's own declarations.
_PRUNE = {
    "node_modules",
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".yarn",
    ".pnpm-store",
    "dist",
    "build",
}


def collector_for(filename: str) -> Collector | None:
    for c in COLLECTORS:
        if c.matches(filename):
            return c
    return None


@dataclass
class Discovered:
    files: dict[tuple[Path, Ecosystem], list[tuple[Path, Collector]]]
    skips: list[Skip]


def discover(paths: Iterable[Path], ctx: CollectContext) -> Discovered:
    """Find every input under `paths`, grouped by (directory, ecosystem)."""
    found: dict[tuple[Path, Ecosystem], list[tuple[Path, Collector]]] = {}
    skips: list[Skip] = []

    def add(file: Path) -> bool:
        c = collector_for(file.name)
        if c is None:
            return False
        found.setdefault((file.parent, c.ecosystem), []).append((file, c))
        return True

    for root in paths:
        if root.is_file():
            if not add(root):
                skips.append(Skip(what=ctx.display(root), reason="not a manifest or lockfile chainwarden reads", stage="collect"))
            continue
        for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: skips.append(
            Skip(what=ctx.display(Path(e.filename or root)), reason=f"could not list the folder: {e.strerror}", stage="collect")
        )):
            dirnames[:] = sorted(d for d in dirnames if d not in _PRUNE and not d.startswith(".venv"))
            for name in sorted(filenames):
                add(Path(dirpath) / name)
    return Discovered(found, skips)


def _run(file: Path, collector: Collector, ctx: CollectContext) -> CollectResult:
    """Run one collector; a file it cannot read becomes a Skip, never a traceback."""
    try:
        result = collector.collect(file, ctx)
    except CollectError as exc:
        return CollectResult(ecosystem=collector.ecosystem, skips=[exc.to_skip()], files=[ctx.display(file)])
    except RecursionError:
        return CollectResult(
            ecosystem=collector.ecosystem,
            skips=[Skip(what=ctx.display(file), reason="input nested too deeply to read", stage="collect")],
        )
    if collector.is_lockfile:
        result.is_lockfile = True
    return result


def collect_paths(paths: Iterable[Path], ctx: CollectContext) -> tuple[list[DependencyGraph], list[Skip]]:
    """Discover and collect every project under `paths`."""
    disc = discover(paths, ctx)
    graphs: list[DependencyGraph] = []
    skips = list(disc.skips)
    for (directory, ecosystem), entries in sorted(disc.files.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        results: list[CollectResult] = []
        own: set[str] = set()
        for file, collector in entries:
            res = _run(file, collector, ctx)
            results.append(res)
            skips.extend(res.skips)
            own.update(res.own_names)
        if not any(r.dependencies for r in results) and all(r.skips for r in results):
            # Nothing could be read: the Skips say why; an empty project would read as clean.
            continue
        project = Project(
            root=ctx.display(directory) or ".",
            ecosystem=ecosystem,
            files=tuple(dict.fromkeys(f for r in results for f in r.files)) or tuple(ctx.display(f) for f, _ in entries),
            lockfiles=tuple(ctx.display(f) for (f, _), r in zip(entries, results) if r.is_lockfile),
            directory=str(directory.resolve()),
        )
        graphs.append(build_graph(project, results, own))
    return graphs, skips


def collect_environment(path: Path, ctx: CollectContext) -> tuple[list[DependencyGraph], list[Skip]]:
    """Collect an installed environment (a venv or a site-packages folder)."""
    try:
        result = environment.collect(path, ctx)
    except CollectError as exc:
        return [], [exc.to_skip()]
    project = Project(root=ctx.display(path), ecosystem=Ecosystem.PYPI, files=tuple(result.files), lockfiles=tuple(result.files),
                      directory=str(path.resolve()))
    return [build_graph(project, [result])], list(result.skips)
