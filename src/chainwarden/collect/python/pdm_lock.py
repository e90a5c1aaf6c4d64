"""`pdm.lock`: every package PDM locked, with groups, markers, hashes, sources and edges.

Reads ``[[package]]`` tables: ``name``, ``version``, ``groups``, ``marker``,
``dependencies`` (PEP 508 strings, parsed with `packaging`), ``files`` hashes
(or the old ``[metadata.files]`` table keyed ``"name version"``), and the
git (``git``/``ref``/``revision``), ``url`` and ``path``/``editable``
references. PDM writes a second entry for a package locked with extras
(``extras = [...]``, depending on the package itself); it is folded into the
plain entry. Edges come from the dependency strings, resolved to the version
locked for that name.

A package whose groups are all other than ``default`` is a dev dependency. The
lock does not say which packages are direct: every package is reported with
``direct=False`` and the pipeline learns the direct ones from ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from chainwarden.collect._locate import load_toml, located_tables
from chainwarden.collect.interface import (
    CollectContext,
    CollectResult,
    Collector,
    first_line,
    parse_requirement,
    read_text,
)
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    PackageId,
    Scope,
    SourceKind,
    SourceLocation,
    excerpt,
)


def matches(filename: str) -> bool:
    return filename == "pdm.lock"


@dataclass
class _Entry:
    """One locked (name, version), gathered from its plain entry and any extras entries."""

    package: PackageId
    sources: list[SourceLocation]
    kind: SourceKind
    url: str | None
    editable: bool
    marker: str | None
    groups: list[str] = field(default_factory=list)
    extras: set[str] = field(default_factory=set)
    hashes: list[str] = field(default_factory=list)
    requires: list[Requirement] = field(default_factory=list)



def _file_hashes(files: Any) -> list[str]:
    out: list[str] = []
    if isinstance(files, list):
        for f in files:
            h = f.get("hash") if isinstance(f, dict) else None
            if isinstance(h, str) and ":" in h:
                out.append(h)
    return out


def _old_metadata_files(data: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """PDM before lock_version 4 keeps hashes in ``[metadata.files]`` keyed ``"name version"``."""
    meta = data.get("metadata")
    files = meta.get("files") if isinstance(meta, dict) else None
    out: dict[tuple[str, str], list[str]] = {}
    if isinstance(files, dict):
        for key, value in files.items():
            name, _, version = str(key).partition(" ")
            out[(canonicalize_name(name.split("[")[0]), version.strip())] = _file_hashes(value)
    return out


def _source(entry: dict[str, Any]) -> tuple[SourceKind, str | None, bool]:
    for vcs in ("git", "hg", "svn", "bzr"):
        if isinstance(entry.get(vcs), str):
            url = entry[vcs] if entry[vcs].startswith(f"{vcs}+") else f"{vcs}+{entry[vcs]}"
            ref = entry.get("revision") or entry.get("ref")
            if isinstance(ref, str) and ref:
                url = f"{url}@{ref}"
            sub = entry.get("subdirectory")
            if isinstance(sub, str) and sub:
                url = f"{url}#subdirectory={sub}"
            return SourceKind.VCS, url, False
    if isinstance(entry.get("url"), str):
        return SourceKind.URL, entry["url"], False
    if isinstance(entry.get("path"), str):
        return SourceKind.PATH, entry["path"], entry.get("editable") is True
    return SourceKind.REGISTRY, None, False


def _pick(candidates: list[PackageId], req: Requirement) -> list[PackageId]:
    """The locked versions a requirement can mean (more than one only when the lock holds several)."""
    if len(candidates) <= 1 or not req.specifier:
        return candidates
    chosen: list[PackageId] = []
    for c in candidates:
        try:
            if req.specifier.contains(c.version or "", prereleases=True):
                chosen.append(c)
        except ValueError:  # InvalidVersion, or a number past Python's digit limit
            return candidates
    return chosen or candidates


def _read_package(
    entry: Any, loc: SourceLocation, entries: dict[tuple[str, str], _Entry], old_files: dict[tuple[str, str], list[str]], result: CollectResult,
    own: Callable[[str], bool],
) -> None:
    if not isinstance(entry, dict):
        result.skip(loc, f"expected a [[package]] table, got {type(entry).__name__}")
        return
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name.strip():
        result.skip(loc, "expected a package name (name = \"...\") in [[package]]")
        return
    if not isinstance(version, str) or not version.strip():
        result.skip(loc, f"expected a version (version = \"...\") for package {excerpt(name)}")
        return
    key = (canonicalize_name(name), version.strip())
    kind, url, editable = _source(entry)
    if kind is SourceKind.PATH and url and own(url):
        result.own_names.append(key[0])  # a folder of the project itself: not a dependency (0023)
    marker_value = entry.get("marker")
    item = entries.get(key)
    if item is None:
        item = entries[key] = _Entry(
            package=PackageId(Ecosystem.PYPI, *key),
            sources=[],
            kind=kind,
            url=url,
            editable=editable,
            marker=marker_value if isinstance(marker_value, str) and marker_value else None,
        )
    item.sources.append(loc)
    groups = entry.get("groups")
    if isinstance(groups, list):
        item.groups.extend(g for g in groups if isinstance(g, str) and g not in item.groups)
    extras = entry.get("extras")
    if isinstance(extras, list):
        item.extras.update(e for e in extras if isinstance(e, str))
    item.hashes.extend(_file_hashes(entry.get("files")) or old_files.get(key, []))
    deps = entry.get("dependencies")
    if deps is None:
        return
    if not isinstance(deps, list):
        result.skip(loc, f"expected a list of requirement strings for dependencies of {excerpt(name)}, got {type(deps).__name__}")
        return
    for text in deps:
        if not isinstance(text, str):
            result.skip(loc, f"expected a requirement string in dependencies of {excerpt(name)}, got {excerpt(text)}")
            continue
        try:
            item.requires.append(parse_requirement(text))
        except InvalidRequirement as exc:
            result.skip(loc, f"expected a requirement (PEP 508) in dependencies of {excerpt(name)}, got {excerpt(text)}: {first_line(exc)}")


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "pdm.lock")
    packages = located_tables(data, "package", path, text, ctx, result)
    old_files = _old_metadata_files(data)
    entries: dict[tuple[str, str], _Entry] = {}
    for entry, loc in packages:
        _read_package(entry, loc, entries, old_files, result, lambda ref: ctx.own_folder(path.parent, ref))

    by_name: dict[str, list[PackageId]] = {}
    for item in entries.values():
        by_name.setdefault(item.package.name, []).append(item.package)
    edges: dict[Edge, None] = {}
    for item in entries.values():
        loc = item.sources[0]
        dev = bool(item.groups) and all(g != "default" for g in item.groups)
        result.dependencies.append(
            Dependency(
                package=item.package,
                sources=tuple(item.sources),
                direct=False,
                scope=Scope.DEV if dev else Scope.RUNTIME,
                extras=tuple(sorted(item.extras)),
                groups=tuple(item.groups),
                marker=item.marker,
                marker_applies=ctx.evaluate_marker(item.marker, loc, result.skips),
                source_kind=item.kind,
                source_url=item.url,
                hashes=tuple(dict.fromkeys(item.hashes)),
                editable=item.editable,
                locked=True,
            )
        )
        for req in item.requires:
            for child in _pick(by_name.get(canonicalize_name(req.name), []), req):
                if child != item.package:  # an extras entry depends on its own package
                    edges[Edge(item.package, child)] = None
    result.edges.extend(edges)
    return result


COLLECTOR = Collector(format="pdm.lock", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=matches, collect=collect)
