"""`pylock.toml` and `pylock.<name>.toml`: the PEP 751 lock file format.

Reads ``lock-version`` (1.x), and each ``[[packages]]`` table: ``name``,
``version`` (optional for source trees), ``marker``, ``index``, and where the
package comes from: ``vcs`` (``type``, ``url``/``path``, ``commit-id``),
``directory`` (``path``, ``editable``), ``archive`` (``url``/``path``,
``hashes``), or ``sdist``/``wheels`` (each with ``hashes``). ``dependencies``
(tables naming other entries, key by key) give edges where a tool wrote them.

A ``directory`` entry at ``"."`` is the project itself, and one elsewhere inside
the scanned folders is the project's own code (docs/decisions/0023): its name
goes to ``own_names`` and what it lists under ``dependencies`` is marked direct. Other
entries are ``direct=False`` (the manifest beside the lock says which are
direct). Markers are evaluated in PEP 751's lock-file context: an entry that
only an extra or a non-default dependency group selects is optional or dev.
Each distinct ``index`` URL becomes a ``lock-index`` hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainwarden.collect._locate import line_of, load_toml, located_tables
from chainwarden.collect.interface import (
    CollectContext,
    CollectResult,
    Collector,
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
    Skip,
    SourceLocation,
    excerpt,
)

_NAME = re.compile(r"^pylock\.([^.]+)\.toml$")


def matches(filename: str) -> bool:
    return filename == "pylock.toml" or _NAME.match(filename) is not None


@dataclass
class _Pkg:
    index: int
    entry: dict[str, Any]
    name: str
    version: str | None
    loc: SourceLocation
    kind: SourceKind
    url: str | None
    editable: bool
    is_root: bool

    @property
    def package(self) -> PackageId:
        return PackageId(Ecosystem.PYPI, self.name, self.version)



def _table_hashes(value: Any) -> list[str]:
    """PEP 751 ``hashes = { sha256 = "..." }`` -> ``["sha256:..."]``."""
    if not isinstance(value, dict):
        return []
    return [f"{algo}:{digest}" for algo, digest in value.items() if isinstance(digest, str) and digest]


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    files: list[Any] = [entry.get("archive"), entry.get("sdist")]
    wheels = entry.get("wheels")
    if isinstance(wheels, list):
        files.extend(wheels)
    out = [h for f in files if isinstance(f, dict) for h in _table_hashes(f.get("hashes"))]
    return tuple(dict.fromkeys(out))


def _source(entry: dict[str, Any]) -> tuple[SourceKind, str | None, bool, bool, str | None]:
    """(kind, url, editable, is the project itself, error) for one ``[[packages]]`` entry."""
    vcs = entry.get("vcs")
    if vcs is not None:
        if not isinstance(vcs, dict):
            return SourceKind.VCS, None, False, False, f"expected a [packages.vcs] table, got {type(vcs).__name__}"
        kind = vcs.get("type") if isinstance(vcs.get("type"), str) else "git"
        where = vcs.get("url") if isinstance(vcs.get("url"), str) else vcs.get("path")
        if not isinstance(where, str):
            return SourceKind.VCS, None, False, False, "expected a 'url' or 'path' in [packages.vcs]"
        url = where if where.startswith(f"{kind}+") else f"{kind}+{where}"
        commit = vcs.get("commit-id") or vcs.get("requested-revision")
        if isinstance(commit, str) and commit:
            url = f"{url}@{commit}"
        sub = vcs.get("subdirectory")
        if isinstance(sub, str) and sub:
            url = f"{url}#subdirectory={sub}"
        return SourceKind.VCS, url, False, False, None
    directory = entry.get("directory")
    if directory is not None:
        if not isinstance(directory, dict) or not isinstance(directory.get("path"), str):
            return SourceKind.PATH, None, False, False, "expected a [packages.directory] table with a 'path'"
        target = directory["path"]
        return SourceKind.PATH, target, directory.get("editable") is True, target in (".", "./", ""), None
    archive = entry.get("archive")
    if archive is not None:
        if not isinstance(archive, dict):
            return SourceKind.URL, None, False, False, f"expected a [packages.archive] table, got {type(archive).__name__}"
        if isinstance(archive.get("url"), str):
            return SourceKind.URL, archive["url"], False, False, None
        if isinstance(archive.get("path"), str):
            return SourceKind.PATH, archive["path"], False, False, None
        return SourceKind.URL, None, False, False, "expected a 'url' or 'path' in [packages.archive]"
    index = entry.get("index")
    return SourceKind.REGISTRY, index if isinstance(index, str) else None, False, False, None


def _read_package(i: int, entry: Any, loc: SourceLocation, result: CollectResult) -> _Pkg | None:
    if not isinstance(entry, dict):
        result.skip(loc, f"expected a [[packages]] table, got {type(entry).__name__}")
        return None
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name.strip():
        result.skip(loc, "expected a package name (name = \"...\") in [[packages]]")
        return None
    if version is not None and (not isinstance(version, str) or not version.strip()):
        result.skip(loc, f"expected a version string for package {excerpt(name)}, got {excerpt(version)}")
        return None
    kind, url, editable, is_root, error = _source(entry)
    if error:
        result.skip(loc, f"{error} for package {excerpt(name)}")
        return None
    if version is None and kind in (SourceKind.REGISTRY, SourceKind.URL) and not is_root:
        result.skip(loc, f"expected a version (version = \"...\") for package {excerpt(name)}")
        return None
    return _Pkg(i, entry, canonicalize_name(name), version.strip() if version else None, loc, kind, url, editable, is_root)


def _names(data: dict[str, Any], key: str) -> frozenset[str]:
    value = data.get(key)
    return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()


def _marker(
    marker: str | None, data: dict[str, Any], loc: SourceLocation, ctx: CollectContext, result: CollectResult
) -> tuple[Scope, bool | None]:
    """Scope and whether the marker applies.

    PEP 751 markers may test ``extras`` and ``dependency_groups`` (sets, evaluated in the
    lock-file context): a package only an extra or a non-default group selects is optional
    or dev, and applies (is checked, as every format's dev dependencies are) when that
    extra or group selects it in this environment; it does not apply when nothing does.
    """
    if not marker or ("dependency_groups" not in marker and "extras" not in marker):
        return Scope.RUNTIME, ctx.evaluate_marker(marker, loc, result.skips)
    default = _names(data, "default-groups")
    skips: list[Skip] = []

    def check(extras: frozenset[str], groups: frozenset[str]) -> bool | None:
        return ctx.evaluate_marker(marker, loc, skips, extras=extras, groups=groups)

    applies = check(frozenset(), default)
    if applies is None:
        result.skips.extend(skips)
        return Scope.RUNTIME, None
    if applies:
        return Scope.RUNTIME, True
    if check(_names(data, "extras"), default):
        return Scope.OPTIONAL, True
    if check(_names(data, "extras"), _names(data, "dependency-groups") | default):
        return Scope.DEV, True
    return Scope.RUNTIME, False


def _resolve(ref: dict[str, Any], by_name: dict[str, list[_Pkg]]) -> list[_Pkg]:
    """The entries a ``dependencies`` table means: every key it gives must match (PEP 751)."""
    candidates = by_name.get(canonicalize_name(str(ref.get("name", ""))), [])
    if len(candidates) <= 1:
        return candidates
    keys = [k for k in ref if k != "name"]
    return [c for c in candidates if all(c.entry.get(k) == ref[k] for k in keys)] or candidates


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "pylock.toml")
    lock_version = data.get("lock-version")
    if not isinstance(lock_version, str) or not lock_version.startswith("1."):
        result.skip(
            ctx.location(path, line_of(text, "lock-version")),
            f"expected lock-version = \"1.x\" (PEP 751), got {excerpt(lock_version)}; read as version 1 anyway",
        )
    packages = located_tables(data, "packages", path, text, ctx, result)
    pkgs: list[_Pkg] = []
    for i, (entry, loc) in enumerate(packages):
        pkg = _read_package(i, entry, loc, result)
        if pkg is not None:
            # A source tree inside the project is the project's own, as "." is (docs/decisions/0023).
            if pkg.kind is SourceKind.PATH and isinstance(pkg.entry.get("directory"), dict) and pkg.url:
                pkg.is_root = pkg.is_root or ctx.own_folder(path.parent, pkg.url)
            pkgs.append(pkg)

    by_name: dict[str, list[_Pkg]] = {}
    for pkg in pkgs:
        by_name.setdefault(pkg.name, []).append(pkg)
    result.own_names.extend(dict.fromkeys(p.name for p in pkgs if p.is_root))

    direct: set[int] = set()
    edges: dict[Edge, None] = {}
    for pkg in pkgs:
        deps = pkg.entry.get("dependencies")
        if deps is None:
            continue
        if not isinstance(deps, list):
            result.skip(pkg.loc, f"expected a list of tables for dependencies of {excerpt(pkg.name)}, got {type(deps).__name__}")
            continue
        for ref in deps:
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                result.skip(pkg.loc, f"expected a {{ name = ... }} table in dependencies of {excerpt(pkg.name)}, got {excerpt(ref)}")
                continue
            for target in _resolve(ref, by_name):
                if target is pkg or target.is_root:
                    continue
                if pkg.is_root:
                    direct.add(target.index)
                else:
                    edges[Edge(pkg.package, target.package)] = None

    seen_indexes: set[str] = set()
    for pkg in pkgs:
        index = pkg.entry.get("index")
        if isinstance(index, str) and index not in seen_indexes:
            seen_indexes.add(index)
            result.index_hints.append(IndexHint(option="lock-index", value=index, location=pkg.loc))
        if pkg.is_root:
            continue
        marker_value = pkg.entry.get("marker")
        marker = marker_value if isinstance(marker_value, str) and marker_value else None
        scope, applies = _marker(marker, data, pkg.loc, ctx, result)
        result.dependencies.append(
            Dependency(
                package=pkg.package,
                sources=(pkg.loc,),
                direct=pkg.index in direct,
                scope=scope,
                marker=marker,
                marker_applies=applies,
                source_kind=pkg.kind,
                source_url=pkg.url,
                hashes=_hashes(pkg.entry),
                editable=pkg.editable,
                locked=True,
            )
        )
    result.edges.extend(edges)
    return result


COLLECTOR = Collector(format="pylock", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=matches, collect=collect)
