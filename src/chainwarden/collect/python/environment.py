"""An installed environment: a virtualenv or a site-packages folder (``--environment PATH``).

Read with `importlib.metadata` on that path only: the metadata files of each
distribution are parsed as text; no installed package is ever imported. Every
metadata file is read with the safe reader (`chainwarden._files`), confined to
the environment's folder: a ``METADATA`` that is a FIFO, a link out of the
environment or a link to ``/dev/zero`` is a Skip, never read.
Edges come from each distribution's ``Requires-Dist`` (markers evaluated for
this environment); packages no other installed package requires are direct.
A distribution installed from a folder, an archive URL or a VCS (PEP 610
``direct_url.json``: the project itself after ``pip install .``) did not come
from an index, so the registry rules do not judge it as if it had.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
from dataclasses import replace
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from chainwarden._files import FileRefused
from chainwarden._files import read_text as read_safely
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    CollectResult,
    Collector,
    parse_requirement,
)
from chainwarden.model import Dependency, Ecosystem, Edge, PackageId, Skip, SourceKind, excerpt


def site_packages(path: Path) -> list[Path]:
    """The site-packages folders of a venv, or `path` itself when it is one."""
    if not path.is_dir():
        return []
    if any(path.glob("*.dist-info")) or path.name in ("site-packages", "dist-packages"):
        return [path]
    found = sorted(path.glob("lib/python*/site-packages")) + sorted(path.glob("lib64/python*/site-packages"))
    found += [p for p in (path / "Lib" / "site-packages",) if p.is_dir()]
    return found


class _Distribution(md.PathDistribution):
    """A distribution whose metadata files are read with the safe reader; what it refuses is noted in `refused`."""

    def __init__(self, path: Path, roots: tuple[Path, ...]) -> None:
        super().__init__(path)
        self.folder = path
        self.roots = roots
        self.refused: list[str] = []

    def read_text(self, filename: str | os.PathLike[str]) -> str | None:
        target = self.folder / filename
        if not os.path.lexists(target) or (not os.fspath(filename) and target.is_dir()):
            return None  # absent, or the folder itself (asked for single-file egg-info): as importlib.metadata
        try:
            return read_safely(target, roots=self.roots or None)
        except FileRefused as exc:
            self.refused.append(f"{os.fspath(filename) or target.name}: {exc.reason}")
        except UnicodeDecodeError:
            self.refused.append(f"{os.fspath(filename) or target.name}: expected UTF-8 text, found undecodable bytes")
        return None


def _origin(dist: _Distribution) -> tuple[SourceKind, str | None, bool] | str:
    """Where an installed distribution came from, by PEP 610 ``direct_url.json`` (absent: an index): the source
    kind, its URL and whether it is editable; or what was wrong with the file."""
    text = dist.read_text("direct_url.json")
    if text is None:
        return SourceKind.REGISTRY, None, False
    try:
        data = json.loads(text)
    except ValueError:
        return "direct_url.json: expected a PEP 610 JSON object, got unparseable data"
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str):
        return "direct_url.json: expected a PEP 610 JSON object with a url"
    if "vcs_info" in data:
        return SourceKind.VCS, url, False
    if "dir_info" in data:
        info = data["dir_info"]
        return SourceKind.PATH, url, isinstance(info, dict) and info.get("editable") is True
    return SourceKind.URL, url, False


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    where = ctx.location(path, None)
    roots = site_packages(path)
    if not roots:
        raise CollectError(where, "expected a virtual environment or a site-packages folder with *.dist-info metadata")
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    installed: dict[str, PackageId] = {}
    requires: dict[PackageId, list[tuple[str, str | None]]] = {}
    for found in md.distributions(path=[str(r) for r in roots]):
        dist = _Distribution(Path(str(getattr(found, "_path", roots[0]))), ctx.roots)
        meta_path = dist.folder / "METADATA"
        loc = ctx.location(meta_path, 1)
        metadata = dist.metadata
        name = metadata["Name"] if metadata else None
        version = metadata["Version"] if metadata else None
        for refused in dist.refused:
            result.skips.append(Skip(what=str(ctx.location(dist.folder, None)), reason=refused, stage="collect"))
        if dist.refused and (not name or not version):
            continue
        if not name or not version:
            result.skips.append(Skip(what=str(loc), reason="expected Name and Version in the distribution metadata", stage="collect"))
            continue
        pid = PackageId(Ecosystem.PYPI, canonicalize_name(name), version)
        if pid.name in installed:
            continue  # shadowed by an earlier path entry, as Python would do
        installed[pid.name] = pid
        result.files.append(ctx.display(meta_path))
        reqs: list[tuple[str, str | None]] = []
        for raw in dist.requires or []:
            try:
                req = parse_requirement(raw)
            except InvalidRequirement:
                result.skips.append(Skip(what=str(loc), reason=f"expected a PEP 508 Requires-Dist, got {excerpt(raw)}", stage="collect"))
                continue
            marker = str(req.marker) if req.marker else None
            if marker and "extra" in marker:
                continue  # an extra's requirement applies only when the extra was requested
            if marker and ctx.evaluate_marker(marker, loc, result.skips) is False:
                continue
            reqs.append((canonicalize_name(req.name), marker))
        requires[pid] = reqs
        origin = _origin(dist)
        if isinstance(origin, str):
            result.skips.append(Skip(what=str(ctx.location(dist.folder, None)), reason=origin, stage="collect"))
            origin = (SourceKind.REGISTRY, None, False)
        kind, url, editable = origin
        result.dependencies.append(Dependency(package=pid, sources=(loc,), direct=False, locked=True, source_kind=kind,
                                              source_url=url, editable=editable))
    required: set[str] = set()
    for parent, reqs in requires.items():
        for child_name, _ in reqs:
            child = installed.get(child_name)
            if child is not None:
                result.edges.append(Edge(parent, child))
                required.add(child_name)
    result.dependencies = [replace(d, direct=d.package.name not in required) for d in result.dependencies]
    return result


COLLECTOR = Collector(format="environment", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=lambda _n: False, collect=collect)
