"""collect: find manifests and lockfiles under the paths given and turn them into graphs.

`COLLECTORS` is the explicit list of input formats, one line each. Discovery
walks each directory (skipping vendored and virtual-environment folders),
groups the files it recognises by directory and ecosystem into projects, and
asks `graph.build_graph` to merge each project's inputs.

The paths given are the scanned roots (`CollectContext.roots`): nothing outside
them is read, whatever an input names or a link points at. One file can never
stop the run: what a collector cannot read is a `Skip`, and `_run` turns any
other exception a collector raises into a Skip for that file too (a bug in
chainwarden's reader, reported without quoting the input).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from chainwarden._files import scan_roots
from chainwarden.collect import workspace
from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
)
from chainwarden.collect.npm import package_json, package_lock, pnpm_lock, pnpm_workspace, yarn_lock
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
from chainwarden.model import Dependency, DependencyGraph, Ecosystem, Project, Skip, excerpt

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
    pnpm_workspace.COLLECTOR,
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
    """Run one collector; a file it cannot read becomes a Skip, never a traceback, never the end of the run."""
    try:
        result = collector.collect(file, ctx)
    except CollectError as exc:
        return CollectResult(ecosystem=collector.ecosystem, skips=[exc.to_skip()], files=[ctx.display(file)])
    except RecursionError:
        return _failed(file, collector, ctx, "input nested too deeply to read")
    except Exception as exc:  # the last line of defence: a reader bug must not end the run (the input is not quoted)
        return _failed(file, collector, ctx, f"chainwarden's {collector.format} reader failed on this file "
                       f"({type(exc).__name__}); nothing in it was checked. This is a bug in chainwarden: please report it")
    if collector.is_lockfile:
        result.is_lockfile = True
    return _bounded(result)


# No real package name or version comes near these; longer ones are refused here, once, so that no later
# stage (version comparison, PURLs, reports) is handed one (a version of 5,000 digits is not a number
# Python converts).
MAX_NAME_CHARS = 256
MAX_VERSION_CHARS = 256


def _bounded(result: CollectResult) -> CollectResult:
    """`result` without the records whose name is empty or whose name or version is longer than any real one
    (a Skip each): no later stage (PURLs, version comparison, reports) is handed one."""
    kept: list[Dependency] = []
    for dep in result.dependencies:
        p = dep.package
        why = ""
        if not p.name.strip():
            why = "expected a package name, got an empty one: not read"
        elif len(p.name) > MAX_NAME_CHARS:
            why = f"expected a package name of at most {MAX_NAME_CHARS} characters, got {excerpt(p.name)}: not read"
        elif p.version is not None and (len(p.version) > MAX_VERSION_CHARS or not p.version.strip()):
            why = (f"expected a package version of at most {MAX_VERSION_CHARS} characters, got {excerpt(p.version)}: "
                   "not read")
        if why:
            result.skips.append(Skip(what=str(dep.sources[0]) if dep.sources else "?", reason=why, stage="collect"))
            continue
        kept.append(dep)
    if len(kept) != len(result.dependencies):
        result.dependencies = kept
    return result


def _failed(file: Path, collector: Collector, ctx: CollectContext, reason: str) -> CollectResult:
    return CollectResult(ecosystem=collector.ecosystem, skips=[Skip(what=ctx.display(file), reason=reason, stage="collect")])


def collect_paths(paths: Iterable[Path], ctx: CollectContext) -> tuple[list[DependencyGraph], list[Skip]]:
    """Discover and collect every project under `paths` (the scanned roots, unless `ctx` names its own).

    Each folder's inputs of one ecosystem are one project; a workspace member (a folder its root's
    inputs name, without a lockfile of its own) joins its root's project (`workspace.fold`)."""
    paths = list(paths)
    if not ctx.roots:
        ctx = replace(ctx, roots=scan_roots(paths))
    disc = discover(paths, ctx)
    skips = list(disc.skips)
    keys = sorted(disc.files, key=lambda k: (str(k[0]), k[1]))
    results: dict[tuple[Path, Ecosystem], list[CollectResult]] = {}
    for key in keys:
        results[key] = [_run(file, collector, ctx) for file, collector in disc.files[key]]
        for res in results[key]:
            skips.extend(res.skips)
    owner = workspace.fold(
        {k: k[0] for k in keys},
        {k: workspace.patterns_of(m for r in results[k] for m in r.members) for k in keys},
        {k: any(r.is_lockfile for r in results[k]) for k in keys},
        {k: k[1] for k in keys},
    )
    members: dict[tuple[Path, Ecosystem], list[tuple[Path, Ecosystem]]] = {}
    for member, root in owner.items():
        members.setdefault(root, []).append(member)
    graphs: list[DependencyGraph] = []
    for key in keys:
        if key in owner:
            continue
        directory, ecosystem = key
        parts = [key, *sorted(members.get(key, []), key=lambda k: str(k[0]))]
        entries = [e for k in parts for e in disc.files[k]]
        got = [r for k in parts for r in results[k]]
        if not any(r.dependencies for r in got) and all(r.skips for r in got):
            # Nothing could be read: the Skips say why; an empty project would read as clean.
            continue
        own = list(dict.fromkeys(n for r in got for n in r.own_names))
        project = Project(
            root=ctx.display(directory) or ".",
            ecosystem=ecosystem,
            files=tuple(dict.fromkeys(f for r in got for f in r.files)) or tuple(ctx.display(f) for f, _ in entries),
            lockfiles=tuple(ctx.display(f) for (f, _), r in zip(entries, got) if r.is_lockfile),
            directory=str(directory.resolve()),
            members=tuple(ctx.display(k[0]) for k in parts[1:]),
            own_names=tuple(own),
        )
        graphs.append(build_graph(project, got, own))
    return graphs, skips


def collect_environment(path: Path, ctx: CollectContext) -> tuple[list[DependencyGraph], list[Skip]]:
    """Collect an installed environment (a venv or a site-packages folder): nothing outside it is read."""
    ctx = replace(ctx, roots=scan_roots([path]))
    result = _run(path, environment.COLLECTOR, ctx)
    if not result.dependencies and result.skips:
        return [], list(result.skips)
    project = Project(root=ctx.display(path), ecosystem=Ecosystem.PYPI, files=tuple(result.files), lockfiles=tuple(result.files),
                      directory=str(path.resolve()))
    return [build_graph(project, [result])], list(result.skips)
