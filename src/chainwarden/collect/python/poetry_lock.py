"""`poetry.lock`: every package Poetry locked, with hashes, sources, scopes and edges.

Reads Poetry 1.x and 2.x locks: ``[[package]]`` tables with ``name``,
``version``, ``optional``, ``category`` (Poetry < 1.5) or ``groups`` (2.x),
``markers`` (2.x; a string or one per group), ``files`` hashes (lock-version
2.x) or the old ``[metadata.files]`` table, and ``[package.source]`` for git,
url, file, directory and legacy-index sources. Edges come from each package's
``[package.dependencies]`` (a constraint string, a table, or a list of tables
with markers), resolved to the version locked for that name.

The lock does not say which packages are direct: every package is reported with
``direct=False`` and the pipeline learns the direct ones from ``pyproject.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainwarden.collect._locate import load_toml, located_tables
from chainwarden.collect.interface import (
    CollectContext,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    PackageId,
    Scope,
    SourceKind,
    SourceLocation,
    excerpt,
)

_VCS_TYPES = {"git", "hg", "svn", "bzr"}


def matches(filename: str) -> bool:
    return filename == "poetry.lock"


@dataclass
class _Locked:
    package: PackageId
    requires: Any  # the raw [package.dependencies] value
    loc: SourceLocation



def _hashes(files: Any, version: str | None = None) -> tuple[str, ...]:
    """``[{file = ..., hash = "sha256:..."}]`` -> hash strings; anything else is ignored.

    With `version`, only files whose name carries that version count: the old
    ``[metadata.files]`` table lists the files of every locked version of a name together.
    """
    out: list[str] = []
    if isinstance(files, list):
        for f in files:
            h = f.get("hash") if isinstance(f, dict) else None
            if not isinstance(h, str) or ":" not in h:
                continue
            file = f.get("file")
            if version is not None and isinstance(file, str) and not re.search(rf"-{re.escape(version)}(?:-|\.tar|\.zip|\.whl)", file):
                continue
            out.append(h)
    return tuple(dict.fromkeys(out))


def _old_metadata_files(data: dict[str, Any]) -> dict[str, Any]:
    """Poetry < 1.5 (lock-version 1.x) keeps file hashes in ``[metadata.files]`` keyed by name."""
    meta = data.get("metadata")
    files = meta.get("files") if isinstance(meta, dict) else None
    if not isinstance(files, dict):
        return {}
    return {canonicalize_name(str(name)): value for name, value in files.items()}


def _marker(value: Any) -> str | None:
    """Poetry 2 writes ``markers`` as a string, or as a table of one marker per group."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        parts = list(dict.fromkeys(v for v in value.values() if isinstance(v, str) and v))
        if len(parts) == 1:
            return parts[0]
        if parts:
            return " or ".join(f"({p})" for p in parts)
    return None


def _source(value: Any, name: str) -> tuple[SourceKind, str | None, str | None, str | None]:
    """(kind, url, registry url, error) for a ``[package.source]`` table."""
    if value is None:
        return SourceKind.REGISTRY, None, None, None
    if not isinstance(value, dict):
        return SourceKind.REGISTRY, None, None, f"expected a [package.source] table for {excerpt(name)}, got {type(value).__name__}"
    kind = value.get("type")
    url = value.get("url")
    if not isinstance(kind, str) or not isinstance(url, str):
        return SourceKind.REGISTRY, None, None, f"expected [package.source] of {excerpt(name)} to have string 'type' and 'url'"
    if kind in ("legacy", "pypi"):
        return SourceKind.REGISTRY, url, url, None
    if kind in _VCS_TYPES:
        ref = value.get("resolved_reference") or value.get("reference")
        full = url if url.startswith(f"{kind}+") else f"{kind}+{url}"
        if isinstance(ref, str) and ref:
            full = f"{full}@{ref}"
        subdir = value.get("subdirectory")
        if isinstance(subdir, str) and subdir:
            full = f"{full}#subdirectory={subdir}"
        return SourceKind.VCS, full, None, None
    if kind == "url":
        return SourceKind.URL, url, None, None
    if kind in ("directory", "file"):
        return SourceKind.PATH, url, None, None
    return SourceKind.REGISTRY, None, None, f"expected a known [package.source] type for {excerpt(name)}, got {excerpt(kind)}"


def _scope(entry: dict[str, Any]) -> tuple[Scope, tuple[str, ...]]:
    groups_value = entry.get("groups")
    groups = tuple(g for g in groups_value if isinstance(g, str)) if isinstance(groups_value, list) else ()
    category = entry.get("category")
    if not groups and isinstance(category, str):
        groups = (category,)
    if groups and "main" not in groups:
        return Scope.DEV, groups
    if entry.get("optional") is True:
        return Scope.OPTIONAL, groups
    return Scope.RUNTIME, groups


def _constraints(value: Any) -> list[str] | None:
    """The version constraints of one dependency entry; None when it is not a readable entry."""
    entries = value if isinstance(value, list) else [value]
    out: list[str] = []
    for e in entries:
        if isinstance(e, str):
            out.append(e)
        elif isinstance(e, dict):
            v = e.get("version")
            out.append(v if isinstance(v, str) else "*")
        else:
            return None
    return out


def _satisfies(version: str, constraint: str) -> bool | None:
    """Whether `version` meets a Poetry constraint; None when either cannot be read as PEP 440."""
    try:
        v = Version(version)
    except ValueError:  # InvalidVersion, or a number past Python's digit limit
        return None
    for part in constraint.split("||"):
        part = part.strip()
        if part in ("", "*"):
            return True
        try:
            if SpecifierSet(_pep440(part)).contains(v, prereleases=True):
                return True
        except ValueError:  # InvalidSpecifier, or a number past Python's digit limit
            return None
    return False


def _pep440(constraint: str) -> str:
    """A Poetry constraint (``>=1.0 <2.0``, ``>=1.0,<2.0``) as a PEP 440 specifier set, in one pass."""
    clauses: list[str] = []
    pending = ""
    for token in constraint.replace(",", " ").split():
        if token.strip("<>=!~") == "":
            pending += token  # an operator written apart from its version: ">= 1.0"
            continue
        if pending or token[0] in "<>=!~" or not clauses:
            clauses.append(pending + token)
        else:
            clauses[-1] += token
        pending = ""
    if pending:
        clauses.append(pending)
    return ",".join(clauses)


def _pick(candidates: list[PackageId], constraints: list[str]) -> list[PackageId]:
    """The locked versions a dependency entry can mean (more than one only when the lock forks)."""
    if len(candidates) <= 1:
        return candidates
    chosen: list[PackageId] = []
    for c in candidates:
        results = [_satisfies(c.version or "", spec) for spec in constraints]
        if any(r is None for r in results):
            return candidates  # a constraint we cannot read: keep every candidate
        if any(results):
            chosen.append(c)
    return chosen or candidates


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "poetry.lock")
    packages = located_tables(data, "package", path, text, ctx, result)
    old_files = _old_metadata_files(data)
    locked: list[_Locked] = []
    seen_urls: set[str] = set()

    for entry, loc in packages:
        if not isinstance(entry, dict):
            result.skip(loc, f"expected a [[package]] table, got {type(entry).__name__}")
            continue
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not name.strip():
            result.skip(loc, "expected a package name (name = \"...\") in [[package]]")
            continue
        if not isinstance(version, str) or not version.strip():
            result.skip(loc, f"expected a version (version = \"...\") for package {excerpt(name)}")
            continue
        kind, url, index, error = _source(entry.get("source"), name)
        if error:
            result.skip(loc, error)
            continue
        if index and index not in seen_urls:
            seen_urls.add(index)
            result.index_hints.append(IndexHint(option="lock-index", value=index, location=loc))
        scope, groups = _scope(entry)
        marker = _marker(entry.get("markers"))
        hashes = _hashes(entry.get("files")) or _hashes(old_files.get(canonicalize_name(name)), version.strip())
        editable = entry.get("develop") is True
        pkg = PackageId(Ecosystem.PYPI, canonicalize_name(name), version.strip())
        if kind is SourceKind.PATH and url and ctx.own_folder(path.parent, url):
            result.own_names.append(pkg.name)  # a folder of the project itself: not a dependency (0023)
        result.dependencies.append(
            Dependency(
                package=pkg,
                sources=(loc,),
                direct=False,
                scope=scope,
                groups=groups,
                marker=marker,
                marker_applies=ctx.evaluate_marker(marker, loc, result.skips),
                source_kind=kind,
                source_url=url,
                hashes=hashes,
                editable=editable,
                locked=True,
            )
        )
        locked.append(_Locked(pkg, entry.get("dependencies"), loc))

    by_name: dict[str, list[PackageId]] = {}
    for item in locked:
        by_name.setdefault(item.package.name, []).append(item.package)
    edges: dict[Edge, None] = {}
    for item in locked:
        if item.requires is None:
            continue
        if not isinstance(item.requires, dict):
            result.skip(item.loc, f"expected a [package.dependencies] table for {excerpt(item.package.name)}, got {type(item.requires).__name__}")
            continue
        for child_name, value in item.requires.items():
            constraints = _constraints(value)
            if constraints is None:
                result.skip(item.loc, f"expected a constraint string or table for dependency {excerpt(child_name)} of {excerpt(item.package.name)}")
                continue
            # Names not locked are extras nobody asked for, or excluded by markers.
            for child in _pick(by_name.get(canonicalize_name(str(child_name)), []), constraints):
                if child != item.package:
                    edges[Edge(item.package, child)] = None
    result.edges.extend(edges)
    return result


COLLECTOR = Collector(format="poetry.lock", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=matches, collect=collect)
