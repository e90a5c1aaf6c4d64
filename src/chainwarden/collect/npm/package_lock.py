"""`package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1, 2 and 3.

Versions 2 and 3 are read from ``packages``, keyed by install path
(``node_modules/a/node_modules/b``). Entry ``""`` is the project itself: its
dependency lists, and those of the workspace folders (keys outside
``node_modules``), name the direct packages. ``dev``/``optional``/``devOptional``/
``peer`` flags give the scope. ``link: true`` entries point at folders: links
inside the scanned folders are the project's own packages (their names go to
`own_names`, their folders to `members`), links outside are local PATH packages,
versioned by their folder's entry, whose dependencies give their edges
(docs/decisions/0023).

Version 1 is read from the nested ``dependencies`` tree with its ``requires``
maps; which top-level packages are direct comes from the ``package.json``
beside the lockfile when there is one, else nothing is marked direct.

Edges follow Node's module lookup: from an entry's folder, its own
``node_modules``, then each ancestor's, up to the top level. ``resolved`` is the
source URL (its registry becomes a ``lock-registry`` `IndexHint`), ``integrity``
the hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainwarden.collect._locate import json_key_lines, load_json
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.collect.npm._common import (
    SECTIONS,
    integrity_hashes,
    json_type,
    merge_duplicates,
    read_sibling_manifest,
    redact,
    resolved_kind,
    split_descriptor,
    url_kind,
)
from chainwarden.collect.workspace import literal
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
    excerpt,
    normalize_name,
    npm_registry_base,
)

_NM = "node_modules/"


def matches(filename: str) -> bool:
    return filename in ("package-lock.json", "npm-shrinkwrap.json")


@dataclass
class _Doc:
    path: Path
    ctx: CollectContext
    result: CollectResult
    lines: dict[tuple[str, ...], int]
    registries: dict[str, SourceLocation] = field(default_factory=dict)

    def loc(self, line: int | None) -> SourceLocation:
        return self.ctx.location(self.path, line)

    def skip(self, line: int | None, reason: str) -> None:
        self.result.skips.append(Skip(what=str(self.loc(line)), reason=reason, stage="collect"))

    def text_field(self, entry: dict[str, Any], key: str, keypath: tuple[str, ...], what: str) -> str | None:
        """A string field of an entry; a wrong type is a Skip and reads as absent."""
        value = entry.get(key)
        if value is None or isinstance(value, str):
            return value or None
        self.skip(self.lines.get((*keypath, key)), f"expected a string for {key} of {what}, got {json_type(value)}")
        return None

    def source(self, resolved: str | None, keypath: tuple[str, ...]) -> tuple[SourceKind, str | None]:
        if not resolved:
            return SourceKind.REGISTRY, None
        kind = resolved_kind(resolved)
        if kind is SourceKind.REGISTRY:
            base = npm_registry_base(resolved)
            if base and base not in self.registries:
                self.registries[base] = self.loc(self.lines.get((*keypath, "resolved")))
        return kind, redact(resolved)


def _flag_scope(entry: dict[str, Any]) -> Scope:
    if entry.get("dev") is True:
        return Scope.DEV
    if entry.get("optional") is True or entry.get("devOptional") is True:
        return Scope.OPTIONAL  # devOptional: optional for a production dependency, so installed in production
    if entry.get("peer") is True:
        return Scope.PEER
    return Scope.RUNTIME


def _dep_map(doc: _Doc, entry: dict[str, Any], key: str, keypath: tuple[str, ...]) -> dict[str, str]:
    table = entry.get(key)
    if table is None:
        return {}
    if not isinstance(table, dict):
        doc.skip(doc.lines.get((*keypath, key)), f"expected an object of name: range for {key}, got {json_type(table)}")
        return {}
    return {k: v for k, v in table.items() if isinstance(v, str)}


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.NPM, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_json(path, text, ctx, path.name)
    if not isinstance(data, dict):
        raise CollectError(ctx.location(path, 1), f"expected a JSON object for {path.name}, got {json_type(data)}")
    doc = _Doc(path, ctx, result, json_key_lines(text))
    name = data.get("name")
    if isinstance(name, str) and name.strip():
        result.own_names.append(normalize_name(Ecosystem.NPM, name))
    version = data.get("lockfileVersion")
    packages = data.get("packages")
    if packages is not None and not (isinstance(version, int) and version < 2):
        if not isinstance(packages, dict):
            raise CollectError(doc.loc(doc.lines.get(("packages",))), f"expected an object for packages, got {json_type(packages)}")
        _packages(doc, packages)
    else:
        deps = data.get("dependencies")
        if deps is not None and not isinstance(deps, dict):
            raise CollectError(doc.loc(doc.lines.get(("dependencies",))), f"expected an object for dependencies, got {json_type(deps)}")
        _v1(doc, deps or {})
    result.dependencies = merge_duplicates(result.dependencies)
    result.edges = list(dict.fromkeys(result.edges))
    result.own_names = list(dict.fromkeys(result.own_names))
    result.index_hints.extend(IndexHint(option="lock-registry", value=base, location=loc) for base, loc in doc.registries.items())
    return result


# -- lockfileVersion 2 and 3 ---------------------------------------------------------


def _name_of(key: str, entry: dict[str, Any]) -> str:
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    return key.rpartition(_NM)[2] if _NM in key or key.startswith(_NM) else key.rpartition("/")[2]


def _is_installed(key: str) -> bool:
    return key.startswith(_NM) or f"/{_NM}" in key


def _resolve(keys: dict[str, Any], from_key: str, dep: str) -> str | None:
    """Node's lookup: ``<from>/node_modules/<dep>``, then each ancestor folder's, up to the top."""
    base = from_key
    while True:
        candidate = f"{base}/{_NM}{dep}" if base else f"{_NM}{dep}"
        if candidate in keys:
            return candidate
        if not base:
            return None
        base = base.rpartition("/")[0]
        while base == "node_modules" or base.endswith("/node_modules"):
            base = base.rpartition("/")[0]


def _packages(doc: _Doc, packages: dict[str, Any]) -> None:
    entries: dict[str, dict[str, Any]] = {}
    for key, entry in packages.items():
        if isinstance(entry, dict):
            entries[key] = entry
        else:
            doc.skip(doc.lines.get(("packages", key)), f"expected an object for package entry {excerpt(key)}, got {json_type(entry)}")

    root = entries.get("", {})
    root_name = root.get("name")
    if isinstance(root_name, str) and root_name.strip():
        doc.result.own_names.append(normalize_name(Ecosystem.NPM, root_name))

    # Links: inside the project they are our own workspace packages; outside, local PATH packages.
    own_links: set[str] = set()
    for key, entry in entries.items():
        if entry.get("link") is True and _is_installed(key):
            target = entry.get("resolved")
            target_entry = entries.get(target, {}) if isinstance(target, str) else {}
            if isinstance(target, str) and doc.ctx.own_folder(doc.path.parent, target):
                own_links.add(key)
                doc.result.own_names.append(normalize_name(Ecosystem.NPM, _name_of(key, target_entry)))

    # Direct packages: what the root and the workspace folders declare, resolved from where they sit.
    direct: dict[str, str | None] = {}
    declarers = [k for k in entries if k == "" or (not _is_installed(k) and doc.ctx.own_folder(doc.path.parent, k))]
    doc.result.members.extend(literal(k) for k in declarers if k)  # workspace folders: their package.json joins this project
    for folder in declarers:
        keypath = ("packages", folder)
        for section, _scope in SECTIONS:
            for dep, spec in _dep_map(doc, entries[folder], section, keypath).items():
                target = _resolve(entries, folder, dep)
                if target is not None and target not in own_links:
                    if folder == "" or target not in direct:
                        direct[target] = spec
    if "" not in entries:
        manifest = read_sibling_manifest(doc.path, doc.ctx, doc.result)
        for dep, (_scope, spec) in (manifest.by_name() if manifest else {}).items():
            target = _resolve(entries, "", dep)
            if target is not None and target not in own_links:
                direct.setdefault(target, spec)

    ids: dict[str, PackageId] = {}
    for key, entry in entries.items():
        if key == "" or key in own_links or not _is_installed(key):
            continue
        keypath = ("packages", key)
        line = doc.lines.get(keypath)
        record = _package_entry(doc, key, entry, entries, keypath, line, key in direct, direct.get(key))
        if record is not None:
            ids[key] = record.package
            doc.result.dependencies.append(record)

    for key, parent in ids.items():
        entry = entries[key]
        keypath = ("packages", key)
        if entry.get("link") is True and isinstance(entry.get("resolved"), str) and entry["resolved"] in entries:
            key = entry["resolved"]  # a local package outside the project: its folder's entry lists what it needs
            entry = entries[key]
        for section, required in (("dependencies", True), ("optionalDependencies", False), ("peerDependencies", False)):
            for dep in _dep_map(doc, entry, section, keypath):
                target = _resolve(entries, key, dep)
                if target is None:
                    if required:
                        doc.skip(doc.lines.get(keypath), f"expected an entry for {excerpt(dep)}, a dependency of {excerpt(key)}; edge left out")
                    continue
                if target in ids:
                    doc.result.edges.append(Edge(parent, ids[target]))


def _package_entry(
    doc: _Doc,
    key: str,
    entry: dict[str, Any],
    entries: dict[str, dict[str, Any]],
    keypath: tuple[str, ...],
    line: int | None,
    is_direct: bool,
    specifier: str | None,
) -> Dependency | None:
    installed_as = key.rpartition(_NM)[2]
    name = _name_of(key, entry)
    groups = (f"alias:{installed_as}",) if name != installed_as else ()
    resolved = doc.text_field(entry, "resolved", keypath, key)
    if entry.get("link") is True:
        # A link to a folder outside the project: a local package, versioned by the folder's entry.
        target = entries.get(resolved or "", {})
        version = target.get("version")
        return Dependency(
            package=PackageId(
                Ecosystem.NPM,
                normalize_name(Ecosystem.NPM, _name_of(key, target)),
                version.strip() if isinstance(version, str) and version.strip() else None,
            ),
            sources=(doc.loc(line),),
            direct=is_direct,
            scope=_flag_scope(entry),
            specifier=specifier,
            source_kind=SourceKind.PATH,
            source_url=resolved,
            locked=True,
        )
    version = entry.get("version")
    kind, url = doc.source(resolved, keypath)
    if not isinstance(version, str) or not version.strip():
        if version is not None or kind is SourceKind.REGISTRY:
            got = "no version" if version is None else json_type(version)
            doc.skip(line, f"expected a version string for {excerpt(key)}, got {got}")
            return None
        version = ""  # a git, URL or local package without a version: listed, unversioned (decision 0023)
    integrity = doc.text_field(entry, "integrity", keypath, key)
    return Dependency(
        package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, name), version.strip() or None),
        sources=(doc.loc(line),),
        direct=is_direct,
        scope=_flag_scope(entry),
        specifier=specifier,
        groups=groups,
        source_kind=kind,
        source_url=url,
        hashes=integrity_hashes(integrity) if integrity else (),
        locked=True,
        license=_license(entry.get("license")),
    )


def _license(value: Any) -> str | None:
    """The ``license`` npm copies from the package's manifest: an SPDX expression, or the legacy ``{"type": ...}``."""
    if isinstance(value, dict):
        value = value.get("type")
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- lockfileVersion 1 ---------------------------------------------------------------


@dataclass
class _Node:
    entry: dict[str, Any]
    keypath: tuple[str, ...]
    dep: Dependency | None = None


def _v1(doc: _Doc, top: dict[str, Any]) -> None:
    nodes: dict[tuple[str, ...], _Node] = {}
    stack: list[tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]] = [(top, (), ("dependencies",))]
    while stack:
        table, path, keypath = stack.pop()
        for name, entry in table.items():
            kp = (*keypath, name)
            if not isinstance(entry, dict):
                doc.skip(doc.lines.get(kp), f"expected an object for package entry {excerpt(name)}, got {json_type(entry)}")
                continue
            nodes[(*path, name)] = _Node(entry, kp)
            nested = entry.get("dependencies")
            if isinstance(nested, dict):
                stack.append((nested, (*path, name), (*kp, "dependencies")))
            elif nested is not None:
                doc.skip(doc.lines.get((*kp, "dependencies")), f"expected an object for dependencies of {excerpt(name)}, got {json_type(nested)}")

    manifest = read_sibling_manifest(doc.path, doc.ctx, doc.result)
    declared = manifest.by_name() if manifest else {}

    for path in sorted(nodes, key=lambda p: doc.lines.get(nodes[p].keypath, 0)):
        node = nodes[path]
        top_level = declared.get(path[0]) if len(path) == 1 else None
        node.dep = _v1_entry(doc, path, node, top_level is not None, top_level[1] if top_level else None)
        if node.dep is not None:
            doc.result.dependencies.append(node.dep)

    for path, node in nodes.items():
        if node.dep is None:
            continue
        requires = _dep_map(doc, node.entry, "requires", node.keypath)
        for dep in requires:
            target = next((t for i in range(len(path), -1, -1) if (t := (*path[:i], dep)) in nodes), None)
            if target is None:
                doc.skip(doc.lines.get(node.keypath), f"expected an entry for {excerpt(dep)}, required by {excerpt('/'.join(path))}; edge left out")
                continue
            child = nodes[target].dep
            if child is not None:
                doc.result.edges.append(Edge(node.dep.package, child.package))


def _v1_entry(doc: _Doc, path: tuple[str, ...], node: _Node, is_direct: bool, specifier: str | None) -> Dependency | None:
    entry, keypath = node.entry, node.keypath
    key = path[-1]
    line = doc.lines.get(keypath)
    version = entry.get("version")
    if not isinstance(version, str) or not version.strip():
        got = "no version" if version is None else json_type(version)
        doc.skip(line, f"expected a version string for {excerpt(key)}, got {got}")
        return None
    version = version.strip()
    name = key
    groups: tuple[str, ...] = ()
    resolved = doc.text_field(entry, "resolved", keypath, key)
    kind: SourceKind
    url: str | None
    if version.startswith("npm:") and (split := split_descriptor(version[4:])):
        name, version = split
        groups = (f"alias:{key}",)
        kind, url = doc.source(resolved, keypath)
    elif (ref_kind := url_kind(version)) is not None:
        # git, file: and tarball dependencies record the reference where a version would be.
        kind, url, version = ref_kind, redact(resolved or version), None
    else:
        kind, url = doc.source(resolved, keypath)
    integrity = doc.text_field(entry, "integrity", keypath, key)
    scope = _flag_scope(entry)
    return Dependency(
        package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, name), version),
        sources=(doc.loc(line),),
        direct=is_direct,
        scope=scope,
        specifier=specifier,
        groups=groups,
        source_kind=kind,
        source_url=url,
        hashes=integrity_hashes(integrity) if integrity else (),
        locked=True,
    )


COLLECTOR = Collector(format="package-lock", ecosystem=Ecosystem.NPM, is_lockfile=True, matches=matches, collect=collect)
