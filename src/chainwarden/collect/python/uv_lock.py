"""`uv.lock`: every package uv locked, with sources, hashes, edges and the root's direct dependencies.

Reads ``[[package]]`` tables: ``name``, ``version``, ``source`` (``registry``,
``git``, ``url``, ``path``, ``directory``, ``editable``, ``virtual``),
``dependencies`` (``{ name, version?, source?, marker?, extra? }``),
``[package.optional-dependencies]``, ``[package.dev-dependencies]`` (or, when
absent, ``[package.metadata.requires-dev]``), and ``sdist``/``wheels`` hashes.

The project itself (``source = { editable = "." }`` or ``{ virtual = "." }``),
workspace members (``[manifest] members``) and any other folder inside the
scanned folders (an ``editable``/``directory`` path source; docs/decisions/0023)
are not dependencies: their names go to ``own_names``, their folders to
``members`` (their pyproject.toml joins this project), and what they depend on is
marked direct, with the scope of the table it is listed in. A folder or archive
outside is a PATH dependency. Packages reached only through optional or
dev dependencies of the project get that scope too. When the lock holds
several versions of one name (a fork), a dependency entry's ``version`` (and
``source``) picks the one it means. Registry URLs become ``lock-index`` hints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from chainwarden.collect._locate import load_toml, located_tables
from chainwarden.collect.interface import (
    CollectContext,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.collect.workspace import literal
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

_SCOPE_ORDER = (Scope.RUNTIME, Scope.OPTIONAL, Scope.DEV)


def matches(filename: str) -> bool:
    return filename == "uv.lock"


@dataclass
class _Ref:
    """One dependency entry: the name it asks for, and how it narrows a fork."""

    name: str
    version: str | None
    source: dict[str, Any] | None
    marker: str | None
    extras: tuple[str, ...]
    group: str | None = None


@dataclass
class _Pkg:
    index: int
    name: str
    version: str | None
    source: dict[str, Any]
    loc: SourceLocation
    is_root: bool
    kind: SourceKind
    url: str | None
    registry: str | None
    editable: bool
    hashes: tuple[str, ...]
    refs: dict[Scope, list[_Ref]] = field(default_factory=dict)

    @property
    def package(self) -> PackageId:
        return PackageId(Ecosystem.PYPI, self.name, self.version)



def _git_url(value: str) -> str:
    """uv writes ``https://host/repo?rev=main#<commit>``; report it as pip does: ``git+https://host/repo@<commit>``."""
    parts = urlsplit(value)
    base = parts._replace(query="", fragment="").geturl()
    commit = parts.fragment
    subdir = ""
    for item in parts.query.split("&"):
        key, _, val = item.partition("=")
        if key == "subdirectory" and val:
            subdir = f"#subdirectory={val}"
        elif not commit and key in ("rev", "tag", "branch") and val:
            commit = val
    url = base if base.startswith("git+") else f"git+{base}"
    return f"{url}@{commit}{subdir}" if commit else f"{url}{subdir}"


def _source(value: Any) -> tuple[SourceKind, str | None, str | None, bool, bool] | None:
    """(kind, url, registry url, editable, is the project root) for a ``source`` table; None if unreadable."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("registry"), str):
        return SourceKind.REGISTRY, value["registry"], value["registry"], False, False
    if isinstance(value.get("git"), str):
        return SourceKind.VCS, _git_url(value["git"]), None, False, False
    if isinstance(value.get("url"), str):
        return SourceKind.URL, value["url"], None, False, False
    for key in ("editable", "virtual", "directory", "path"):
        if isinstance(value.get(key), str):
            target = value[key]
            is_root = key in ("editable", "virtual") and target in (".", "./", "")
            return SourceKind.PATH, target, None, key == "editable", is_root
    return None


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    files: list[Any] = []
    if isinstance(entry.get("sdist"), dict):
        files.append(entry["sdist"])
    if isinstance(entry.get("wheels"), list):
        files.extend(entry["wheels"])
    out = [f["hash"] for f in files if isinstance(f, dict) and isinstance(f.get("hash"), str) and ":" in f["hash"]]
    return tuple(dict.fromkeys(out))


def _refs(value: Any, what: str, pkg: _Pkg, result: CollectResult, group: str | None = None) -> list[_Ref]:
    """Read a list of dependency entries; a malformed entry is a Skip, the rest are kept."""
    if value is None:
        return []
    if not isinstance(value, list):
        result.skip(pkg.loc, f"expected a list of {{ name = ... }} tables for {what} of {excerpt(pkg.name)}, got {type(value).__name__}")
        return []
    out: list[_Ref] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            result.skip(pkg.loc, f"expected a {{ name = ... }} table in {what} of {excerpt(pkg.name)}, got {excerpt(item)}")
            continue
        version = item.get("version")
        source = item.get("source")
        marker = item.get("marker")
        extras = item.get("extra", item.get("extras"))
        out.append(
            _Ref(
                name=canonicalize_name(item["name"]),
                version=version if isinstance(version, str) else None,
                source=source if isinstance(source, dict) else None,
                marker=marker if isinstance(marker, str) and marker else None,
                extras=tuple(sorted(e for e in extras if isinstance(e, str))) if isinstance(extras, list) else (),
                group=group,
            )
        )
    return out


def _groups(value: Any, what: str, pkg: _Pkg, result: CollectResult) -> list[_Ref]:
    """A table of named lists (extras or dependency groups) -> entries tagged with their group."""
    if value is None:
        return []
    if not isinstance(value, dict):
        result.skip(pkg.loc, f"expected a table for {what} of {excerpt(pkg.name)}, got {type(value).__name__}")
        return []
    return [ref for group, entries in value.items() for ref in _refs(entries, f"{what}.{excerpt(group)}", pkg, result, str(group))]


def _read_package(i: int, entry: Any, loc: SourceLocation, result: CollectResult) -> _Pkg | None:
    if not isinstance(entry, dict):
        result.skip(loc, f"expected a [[package]] table, got {type(entry).__name__}")
        return None
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name.strip():
        result.skip(loc, "expected a package name (name = \"...\") in [[package]]")
        return None
    source = _source(entry.get("source"))
    if source is None:
        result.skip(loc, f"expected a source table (source = {{ registry = ... }}, {{ git = ... }}, ...) for package {excerpt(name)}")
        return None
    kind, url, registry, editable, is_root = source
    if version is not None and not isinstance(version, str):
        result.skip(loc, f"expected a version string for package {excerpt(name)}, got {type(version).__name__}")
        return None
    if not version and kind is SourceKind.REGISTRY:
        result.skip(loc, f"expected a version (version = \"...\") for registry package {excerpt(name)}")
        return None
    pkg = _Pkg(
        index=i,
        name=canonicalize_name(name),
        version=version or None,
        source=entry["source"],
        loc=loc,
        is_root=is_root,
        kind=kind,
        url=url,
        registry=registry,
        editable=editable,
        hashes=_hashes(entry),
    )
    pkg.refs[Scope.RUNTIME] = _refs(entry.get("dependencies"), "dependencies", pkg, result)
    pkg.refs[Scope.OPTIONAL] = _groups(entry.get("optional-dependencies"), "optional-dependencies", pkg, result)
    dev = entry.get("dev-dependencies")
    if dev is None:
        metadata = entry.get("metadata")
        dev = metadata.get("requires-dev") if isinstance(metadata, dict) else None
    pkg.refs[Scope.DEV] = _groups(dev, "dev-dependencies", pkg, result)
    return pkg


def _resolve(ref: _Ref, by_name: dict[str, list[_Pkg]]) -> list[_Pkg]:
    """The locked package(s) a dependency entry means; in a fork its version and source pick one."""
    candidates = by_name.get(ref.name, [])
    if len(candidates) > 1 and ref.version is not None:
        candidates = [c for c in candidates if c.version == ref.version] or candidates
    if len(candidates) > 1 and ref.source is not None:
        candidates = [c for c in candidates if c.source == ref.source] or candidates
    return candidates


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "uv.lock")
    packages = located_tables(data, "package", path, text, ctx, result)
    manifest = data.get("manifest")
    members_value = manifest.get("members") if isinstance(manifest, dict) else None
    members = {canonicalize_name(m) for m in members_value if isinstance(m, str)} if isinstance(members_value, list) else set()

    pkgs: list[_Pkg] = []
    for i, (entry, loc) in enumerate(packages):
        pkg = _read_package(i, entry, loc, result)
        if pkg is not None:
            # Workspace members, and any other folder of the project (docs/decisions/0023), are the project's own.
            pkg.is_root = pkg.is_root or pkg.name in members or (
                pkg.kind is SourceKind.PATH and pkg.url is not None and ctx.own_folder(path.parent, pkg.url))
            pkgs.append(pkg)

    by_name: dict[str, list[_Pkg]] = {}
    for pkg in pkgs:
        by_name.setdefault(pkg.name, []).append(pkg)
    roots = [p for p in pkgs if p.is_root]
    result.own_names.extend(dict.fromkeys(p.name for p in roots))
    # The members' folders (their own pyproject.toml joins this project).
    result.members.extend(literal(p.url) for p in roots if p.kind is SourceKind.PATH and p.url and p.url.strip("./"))

    # What the project asks for directly: scope, markers and extras per locked package.
    direct: dict[int, tuple[Scope, list[str | None], set[str], set[str]]] = {}
    for root in roots:
        for scope in _SCOPE_ORDER:
            for ref in root.refs.get(scope, []):
                for target in _resolve(ref, by_name):
                    if target.is_root:
                        continue
                    best, wanted_markers, wanted_extras, wanted_groups = direct.get(target.index, (scope, [], set(), set()))
                    wanted_markers.append(ref.marker)
                    wanted_extras.update(ref.extras)
                    if scope is not Scope.RUNTIME and ref.group:
                        wanted_groups.add(ref.group)
                    direct[target.index] = (min(best, scope, key=_SCOPE_ORDER.index), wanted_markers, wanted_extras, wanted_groups)

    # Edges, and the scope each package is reached in (runtime first, then optional, then dev).
    children: dict[int, list[_Pkg]] = {}
    edges: dict[Edge, None] = {}
    for pkg in pkgs:
        if pkg.is_root:
            continue
        kids: list[_Pkg] = []
        for scope in (Scope.RUNTIME, Scope.OPTIONAL):
            for ref in pkg.refs.get(scope, []):
                for target in _resolve(ref, by_name):
                    if target is not pkg and not target.is_root:
                        kids.append(target)
                        edges[Edge(pkg.package, target.package)] = None
        children[pkg.index] = kids
    reached: dict[int, Scope] = {}
    for scope in _SCOPE_ORDER:
        stack = [i for i, info in direct.items() if info[0] is scope]
        while stack:
            i = stack.pop()
            if i in reached:
                continue
            reached[i] = scope
            stack.extend(k.index for k in children.get(i, []) if k.index not in reached)

    seen_registries: set[str] = set()
    for pkg in pkgs:
        if pkg.registry and pkg.registry not in seen_registries:
            seen_registries.add(pkg.registry)
            result.index_hints.append(IndexHint(option="lock-index", value=pkg.registry, location=pkg.loc))
        if pkg.is_root:
            continue
        scope = reached.get(pkg.index, Scope.RUNTIME)
        marker: str | None = None
        extras: tuple[str, ...] = ()
        groups: tuple[str, ...] = ()
        if pkg.index in direct:
            _, markers, extra_set, group_set = direct[pkg.index]
            # The package carries a marker only when every direct request of it has the same one.
            if None not in markers and len(set(markers)) == 1:
                marker = markers[0]
            extras, groups = tuple(sorted(extra_set)), tuple(sorted(group_set))
        result.dependencies.append(
            Dependency(
                package=pkg.package,
                sources=(pkg.loc,),
                direct=pkg.index in direct,
                scope=scope,
                extras=extras,
                groups=groups,
                marker=marker,
                marker_applies=ctx.evaluate_marker(marker, pkg.loc, result.skips),
                source_kind=pkg.kind,
                source_url=pkg.url,
                hashes=pkg.hashes,
                editable=pkg.editable,
                locked=True,
            )
        )
    result.edges.extend(edges)
    return result


COLLECTOR = Collector(format="uv.lock", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=matches, collect=collect)
