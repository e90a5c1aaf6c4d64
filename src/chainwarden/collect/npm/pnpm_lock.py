"""`pnpm-lock.yaml`, lockfileVersion 5.x, 6.0 and 9.0.

The direct packages are what the importers declare: ``importers`` (``.`` is the
root, other keys are workspace folders) or, in single-project locks of v5/v6,
the top-level ``dependencies``/``devDependencies``/``optionalDependencies``
(v5 keeps the ranges in ``specifiers``). Every importer but ``.`` is a workspace
member (`members`). Local folders follow docs/decisions/0023: a ``link:`` or
``file:`` (``resolution.type: directory``) folder inside the scanned folders is the
project's own code (its name goes to `own_names`, its folder to `members`); one
outside is a PATH dependency. A
local package is named by its ``name`` field or the name it is depended on by,
never by its key (``file:../x``).

``packages`` is keyed ``/name/1.0.0`` (v5), ``/name@1.0.0`` (v6) or
``name@1.0.0`` (v9), with peer suffixes (``_react@18.2.0``, ``(react@18.2.0)``)
stripped from the version; an entry's own ``name``/``version`` fields win over
its key. In v9 the dependency maps live in ``snapshots``; before, in the
package entries. Edges come from those maps. ``dev``/``optional`` flags (v5/v6)
give the scope; without them the scope is carried down the edges from the
importers. ``resolution.integrity`` is the hash, ``resolution.tarball`` the
source URL (git and directory resolutions are VCS and PATH).

pnpm 11 and later may write two YAML documents: an "env" document (pnpm's own
version and config dependencies) before the project's. Every document is read;
packages only the env document names are tools pnpm installs for itself and
are reported as dev dependencies in group ``pnpm-env``, never as direct ones.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from chainwarden.collect._locate import compose_yaml, compose_yaml_documents, yaml_key_lines
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.collect.npm._common import (
    add_root,
    integrity_hashes,
    merge_duplicates,
    redact,
    reject_yaml_aliases,
    resolved_kind,
    settle,
    split_descriptor,
    stronger,
    url_kind,
    yaml_plain,
)
from chainwarden.collect.workspace import literal
from chainwarden.model import (
    Dependency,
    Ecosystem,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
    excerpt,
    normalize_name,
)

_IMPORTER_SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.RUNTIME),
    ("optionalDependencies", Scope.OPTIONAL),
    ("devDependencies", Scope.DEV),
    ("configDependencies", Scope.DEV),  # env document: installed for pnpm itself
    ("packageManagerDependencies", Scope.DEV),
)
_SEMVER_PREFIX = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_DOC_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def matches(filename: str) -> bool:
    return filename == "pnpm-lock.yaml"


@dataclass
class _Doc:
    path: Path
    ctx: CollectContext
    result: CollectResult
    lines: dict[tuple[str, ...], int]
    major: int
    env: bool = False  # the env document of a two-document lockfile
    ids: dict[str, PackageId] = field(default_factory=dict)  # package key -> id

    def loc(self, line: int | None) -> SourceLocation:
        return self.ctx.location(self.path, line)

    def skip(self, keypath: tuple[str, ...], reason: str) -> None:
        self.result.skips.append(Skip(what=str(self.loc(self.lines.get(keypath))), reason=reason, stage="collect"))


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.NPM, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    nodes = _documents(path, text, ctx)
    for node in nodes:
        reject_yaml_aliases(node, ctx.location(path, None), "pnpm-lock.yaml")
    documents = [(node, yaml_plain(node)) for node in nodes]
    if len(documents) > 1:
        documents = [(node, data) for node, data in documents if data is not None]  # empty documents
    for index, (node, data) in enumerate(documents):
        if not isinstance(data, dict):
            line = node.start_mark.line + 1 if node is not None else 1
            raise CollectError(ctx.location(path, line), "expected a mapping with lockfileVersion in pnpm-lock.yaml")
        # Every document but the last is an env document (pnpm's own tools).
        doc = _Doc(path, ctx, result, yaml_key_lines(node), _major(data), env=index < len(documents) - 1)
        _read(doc, data)
    result.dependencies = merge_duplicates(result.dependencies)  # a package both documents name
    result.edges = list(dict.fromkeys(result.edges))
    result.own_names = list(dict.fromkeys(result.own_names))
    return result


def _documents(path: Path, text: str, ctx: CollectContext) -> list[yaml.Node | None]:
    """One node per YAML document: compose_yaml for the usual single document, compose_all for pnpm 11+'s two."""
    if not _DOC_SEPARATOR.search(text):
        return [compose_yaml(path, text, ctx, "pnpm-lock.yaml")]
    return compose_yaml_documents(path, text, ctx, "pnpm-lock.yaml")


def _major(data: dict[str, Any]) -> int:
    """The lockfile's major version; guessed from the package keys when the field is missing."""
    m = re.match(r"\s*'?(\d{1,9})", str(data.get("lockfileVersion") or ""))
    if m:
        return int(m.group(1))
    if "snapshots" in data:
        return 9
    packages = data.get("packages")
    first = next(iter(packages), "") if isinstance(packages, dict) else ""
    return 6 if re.match(r"^/(@[^/]+/)?[^/@]+@", first) else 5


def _mapping(doc: _Doc, value: Any, keypath: tuple[str, ...], what: str, of: str | None = None) -> dict[str, Any]:
    """`value` when it is a mapping (or {} for none); anything else is a Skip naming `what` (`of` the entry named)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.skip(keypath, f"expected a mapping for {what}{'' if of is None else ' of ' + excerpt(of)}, got {_yaml_type(value)}")
        return {}
    return value


def _yaml_type(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else "a string"


def _resolve(space: dict[str, Any], name: str, ref: str) -> str | None:
    """The key a ``name: ref`` reference points at, in any of the three key styles."""
    for candidate in (ref, f"{name}@{ref}", f"/{name}@{ref}", f"/{name}/{ref}", f"/{ref}"):
        if candidate in space:
            return candidate
    return None


def _strip_peers(key: str) -> str:
    """``name@1.0.0(react@18.2.0)`` -> ``name@1.0.0`` (the v9 packages key of a snapshot)."""
    return key.split("(", 1)[0]


def _read(doc: _Doc, data: dict[str, Any]) -> None:
    packages = _mapping(doc, data.get("packages"), ("packages",), "packages")
    snapshots = _mapping(doc, data.get("snapshots"), ("snapshots",), "snapshots") if doc.major >= 9 else {}
    # The graph's nodes: snapshots in v9 (one per peer variant), package entries before.
    use_snapshots = doc.major >= 9 and bool(snapshots)
    graph = snapshots if use_snapshots else packages

    # Package records, keyed by their packages key.
    deps: list[Dependency] = []
    flagged: dict[PackageId, Scope] = {}
    referred = _local_names(data, graph, packages)
    for key, entry in packages.items():
        keypath = ("packages", key)
        if not isinstance(entry, dict):
            doc.skip(keypath, f"expected a mapping for package {excerpt(key)}, got {_yaml_type(entry)}")
            continue
        dep = _package(doc, key, entry, referred.get(key))
        if dep is None:
            continue
        doc.ids[key] = dep.package
        deps.append(dep)
        stated = _flag_scope(entry)
        if stated is not None:
            flagged[dep.package] = stronger(stated, flagged[dep.package]) if dep.package in flagged else stated
    if use_snapshots:
        for key in snapshots:
            if _strip_peers(key) not in packages:
                doc.skip(("snapshots", key), f"expected a packages entry for snapshot {excerpt(key)}")

    def package_of(node_key: str) -> PackageId | None:
        return doc.ids.get(node_key) or doc.ids.get(_strip_peers(node_key))

    # Direct packages, from the importers.
    roots: dict[PackageId, tuple[Scope, str | None]] = {}
    importers = data.get("importers")
    bodies: list[tuple[str, Any, tuple[str, ...]]]
    if isinstance(importers, dict):
        bodies = [(imp, body, ("importers", imp)) for imp, body in importers.items()]
    else:
        if importers is not None:
            doc.skip(("importers",), f"expected a mapping for importers, got {_yaml_type(importers)}")
        bodies = [(".", data, ())]
    aliases: dict[PackageId, set[str]] = {}
    for folder, body, ipath in bodies:
        if folder != "." and not doc.env:
            doc.result.members.append(literal(folder))  # a workspace package: its package.json joins this project
        if not isinstance(body, dict):
            doc.skip(ipath, f"expected a mapping for importer {excerpt(folder)}, got {_yaml_type(body)}")
            continue
        specifiers = body.get("specifiers")
        if not isinstance(specifiers, dict):
            specifiers = {}
        for section, scope in _IMPORTER_SECTIONS:
            table = _mapping(doc, body.get(section), (*ipath, section), f"{section} of importer", folder)
            for name, value in table.items():
                where = (*ipath, section, name)
                if isinstance(value, dict):
                    spec, ref = value.get("specifier"), value.get("version")
                else:
                    spec, ref = specifiers.get(name), value
                if not isinstance(ref, str) or not ref:
                    doc.skip(where, f"expected a version for {excerpt(name)} in {section}, got {_yaml_type(ref) if ref != '' else 'none'}")
                    continue
                if ref.startswith("link:"):
                    if doc.ctx.own_folder(doc.path.parent / folder, ref):  # the project's own folder
                        doc.result.own_names.append(normalize_name(Ecosystem.NPM, name))
                        doc.result.members.append(literal(posixpath.normpath(posixpath.join(folder, ref[5:]))))
                    else:  # a folder outside the project: a local dependency, not checked
                        doc.result.dependencies.append(Dependency(
                            package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, name)),
                            sources=(doc.loc(doc.lines.get(where)),), direct=True, scope=scope,
                            specifier=spec if isinstance(spec, str) else None, source_kind=SourceKind.PATH,
                            source_url=redact(ref), locked=True))
                    continue
                target = _resolve(graph, name, ref) or _resolve(packages, name, ref)
                package = package_of(target) if target is not None else None
                if package is None:
                    if target is None:
                        doc.skip(where, f"expected a packages entry for {excerpt(f'{name}@{ref}')}")
                    continue
                add_root(roots, package, scope, spec if isinstance(spec, str) else None)
                if package.name != name:
                    aliases.setdefault(package, set()).add(name)

    # Edges, from the snapshots (v9) or the package entries.
    edges: list[tuple[PackageId, PackageId, bool]] = []
    for key, entry in graph.items():
        parent = package_of(key)
        if not isinstance(entry, dict) or parent is None:
            continue  # a bad entry is reported above and has no edges to give
        base = ("snapshots" if use_snapshots else "packages", key)
        for section, optional in (("dependencies", False), ("optionalDependencies", True)):
            table = _mapping(doc, entry.get(section), (*base, section), section, key)
            for name, ref in table.items():
                if not isinstance(ref, str) or ref.startswith("link:"):
                    continue
                target = _resolve(graph, name, ref) or _resolve(packages, name, ref)
                if target is None:
                    if not optional:
                        doc.skip((*base, section, name), f"expected a packages entry for {excerpt(f'{name}@{ref}')}, a dependency of {excerpt(key)}; edge left out")
                    continue
                child = package_of(target)
                if child is not None:
                    edges.append((parent, child, optional))
                    if child.name != name:
                        aliases.setdefault(child, set()).add(name)

    deps = [replace(d, groups=tuple(sorted(f"alias:{a}" for a in aliases[d.package]))) if d.package in aliases else d for d in deps]
    if doc.env:
        # pnpm's own tools: installed for pnpm, not declared by the project.
        roots, flagged = {}, {}
        deps = [replace(d, scope=Scope.DEV, groups=("pnpm-env",)) for d in deps]
    settled, settled_edges = settle(deps, roots, edges, flagged)
    doc.result.dependencies.extend(settled)
    doc.result.edges.extend(settled_edges)


def _flag_scope(entry: dict[str, Any]) -> Scope | None:
    """The scope v5/v6 entries state with ``dev``/``optional``; None when they do not (v9)."""
    dev, optional = entry.get("dev"), entry.get("optional")
    if dev == "true":
        return Scope.DEV
    if optional == "true":
        return Scope.OPTIONAL
    if dev == "false":
        return Scope.RUNTIME
    return None


def _name_version(key: str, major: int) -> tuple[str | None, str | None]:
    """Name and version from a packages key, in the style of the lockfile's version."""
    k = key.removeprefix("/")
    k = _strip_peers(k)
    split = split_descriptor(k)
    if major < 6 or split is None:
        parts = k.split("/")
        if len(parts) < 2:
            return (split[0], split[1]) if split else (None, None)
        version = parts[-1]
        name = "/".join(parts[-3:-1]) if len(parts) >= 3 and parts[-3].startswith("@") else parts[-2]
        return name, version
    return split


_LOCAL = ("file:", "link:")


def _local_names(data: dict[str, Any], graph: dict[str, Any], packages: dict[str, Any]) -> dict[str, str]:
    """The name each local (``file:``) package is depended on by, by its packages key: the entry's own
    ``name`` field may be missing, and its key (``file:../x``) holds no name."""
    out: dict[str, str] = {}
    importers = data.get("importers")
    tables: list[Any] = [data]
    if isinstance(importers, dict):
        tables += list(importers.values())
    tables += list(graph.values())
    for table in tables:
        if not isinstance(table, dict):
            continue
        for section in ("dependencies", "optionalDependencies", "devDependencies"):
            refs = table.get(section)
            if not isinstance(refs, dict):
                continue
            for name, value in refs.items():
                ref = value.get("version") if isinstance(value, dict) else value
                if isinstance(ref, str) and ref.startswith("file:"):
                    target = _resolve(graph, name, ref) or _resolve(packages, name, ref)
                    if target is not None:
                        out.setdefault(_strip_peers(target), name)
    return out


def _package(doc: _Doc, key: str, entry: dict[str, Any], referred: str | None = None) -> Dependency | None:
    """One packages entry. A local package's name is its ``name`` field, else the name it is depended on by
    (`referred`), never its key (``file:../x``)."""
    keypath = ("packages", key)
    key_name, key_version = _name_version(key, doc.major)
    if key.removeprefix("/").startswith(_LOCAL):
        key_name, key_version = referred, key.removeprefix("/")
    elif key_version is not None and key_version.startswith(_LOCAL) and referred:
        key_name = key_name or referred
    name_field, version_field = entry.get("name"), entry.get("version")
    if name_field is not None and not isinstance(name_field, str):
        doc.skip((*keypath, "name"), f"expected a name string for {excerpt(key)}, got {_yaml_type(name_field)}")
        return None
    if version_field is not None and not isinstance(version_field, str):
        doc.skip((*keypath, "version"), f"expected a version string for {excerpt(key)}, got {_yaml_type(version_field)}")
        return None
    name = name_field or key_name
    if not name:
        doc.skip(keypath, f"expected a package key like name@1.0.0, got {excerpt(key)}")
        return None

    kind: SourceKind = SourceKind.REGISTRY
    url: str | None = None
    hashes: tuple[str, ...] = ()
    own = False
    resolution = entry.get("resolution")
    if isinstance(resolution, dict):
        integrity = resolution.get("integrity")
        if isinstance(integrity, str):
            hashes = integrity_hashes(integrity)
        tarball, rtype = resolution.get("tarball"), resolution.get("type")
        if rtype == "git" and isinstance(resolution.get("repo"), str):
            commit = resolution.get("commit")
            kind, url = SourceKind.VCS, redact(resolution["repo"] + (f"#{commit}" if isinstance(commit, str) else ""))
        elif rtype == "directory":
            directory = resolution.get("directory")
            kind, url = SourceKind.PATH, directory if isinstance(directory, str) else None
            if url is not None and doc.ctx.own_folder(doc.path.parent, url):
                own = True  # a folder of the project that pnpm installs as a package: its dependencies are locked here
        elif isinstance(tarball, str):
            kind, url = resolved_kind(tarball), redact(tarball)
    elif resolution is not None:
        doc.skip((*keypath, "resolution"), f"expected a mapping for resolution of {excerpt(key)}, got {_yaml_type(resolution)}")

    version: str | None = version_field.strip() if version_field else None
    if version is None and key_version:
        semver = _SEMVER_PREFIX.match(key_version)
        if semver:
            version = semver.group(0)
        elif kind is SourceKind.REGISTRY:
            ref_kind = url_kind(key_version)
            if ref_kind is not None:
                kind, url = ref_kind, url or redact(key_version)
    if version is None and kind is SourceKind.REGISTRY:
        doc.skip(keypath, f"expected a version for {excerpt(key)}, got none")
        return None
    if own and not doc.env:
        doc.result.own_names.append(normalize_name(Ecosystem.NPM, name))
        doc.result.members.append(literal(url or ""))

    return Dependency(
        package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, name), version or None),
        sources=(doc.loc(doc.lines.get(keypath)),),
        direct=False,
        source_kind=kind,
        source_url=url,
        hashes=hashes,
        locked=True,
    )


COLLECTOR = Collector(format="pnpm-lock", ecosystem=Ecosystem.NPM, is_lockfile=True, matches=matches, collect=collect)
