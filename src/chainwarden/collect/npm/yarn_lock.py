"""`yarn.lock`, both yarn classic (v1) and berry (yarn 2+).

Classic lockfiles are yarn's own indented format, not YAML: each entry starts
with a header listing the descriptors it satisfies (``"a@^1.0.0", a@^1.1.0:``)
followed by ``version``, ``resolved``, ``integrity`` and ``dependencies:`` /
``optionalDependencies:`` blocks. A small line parser reads it. The lockfile
does not say which packages the project asked for, so the ``package.json``
beside it is read (when there is one) and its ``name@range`` descriptors mark
the direct entries and their scope; without it nothing is marked direct.

Berry lockfiles are YAML with a ``__metadata`` key; entries are keyed by
descriptors with a protocol (``"chalk@npm:^4.1.0"``) and carry ``version``,
``resolution`` and a ``dependencies`` map. The ``@workspace:`` entries are the
project's own packages: their names go to `own_names` and their dependencies
are the direct ones (scoped by the sibling ``package.json`` when it can be
read). Berry's ``checksum`` hashes yarn's own cache archive, not the registry
tarball, so it is not recorded as a hash.

A dependency ``name: range`` leads to the entry whose header lists
``name@range`` (berry: also ``name@npm:range``, and ``name@range::locator=<the
depending workspace>`` for local packages). When none does, the root
``package.json``'s ``resolutions`` (``name``, ``name@range``, ``parent/name``)
say which range replaced it: berry keeps the original range in the dependent's
entry but writes only the resolution's entry. Each package is located at its
entry's header line.

Local packages follow docs/decisions/0023: a ``file:``/``portal:``/``link:``
folder inside the scanned folders (berry: relative to the workspace its
``::locator=`` names) is the project's own (`own_names`, `members`); one outside
is a PATH dependency. The berry workspaces' folders are `members` too.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from chainwarden.collect._locate import compose_yaml, yaml_key_lines
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    local_folder,
    read_text,
)
from chainwarden.collect.npm._common import (
    Manifest,
    add_root,
    integrity_hashes,
    parse_spec,
    read_sibling_manifest,
    redact,
    reject_yaml_aliases,
    resolutions,
    resolved_kind,
    settle,
    split_descriptor,
    url_kind,
    yaml_plain,
)
from chainwarden.collect.workspace import literal
from chainwarden.model import (
    Dependency,
    Ecosystem,
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

_BERRY = re.compile(r"^__metadata\s*:", re.MULTILINE)
_KEY_VALUE = re.compile(r'("(?:[^"\\]|\\.)*"|[^\s"]+)\s+("(?:[^"\\]|\\.)*"|[^\s"]+)')
_HEADER_PART = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^,"]+)\s*(?:,|$)')
_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


def matches(filename: str) -> bool:
    return filename == "yarn.lock"


@dataclass
class _Doc:
    path: Path
    ctx: CollectContext
    result: CollectResult
    registries: dict[str, SourceLocation] = field(default_factory=dict)

    def loc(self, line: int | None) -> SourceLocation:
        return self.ctx.location(self.path, line)

    def skip(self, line: int | None, reason: str) -> None:
        self.result.skips.append(Skip(what=str(self.loc(line)), reason=reason, stage="collect"))


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.NPM, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    doc = _Doc(path, ctx, result)
    if _BERRY.search(text):
        _berry(doc, text)
    else:
        _classic(doc, text)
    result.own_names = list(dict.fromkeys(result.own_names))
    result.index_hints.extend(IndexHint(option="lock-registry", value=base, location=loc) for base, loc in doc.registries.items())
    return result


def _real_name(name: str, rng: str) -> str:
    """The package an ``alias@npm:real@range`` descriptor installs; `name` otherwise."""
    if rng.startswith("npm:") and (target := split_descriptor(rng[4:])):
        return target[0]
    return name


# -- yarn classic (v1) ----------------------------------------------------------------


@dataclass
class _Entry:
    descriptors: list[str]
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, dict[str, str]] = field(default_factory=dict)


def _unquote(token: str, doc: _Doc, lineno: int) -> str:
    if not token.startswith('"'):
        return token
    try:
        value = json.loads(token)
    except ValueError as exc:
        raise CollectError(doc.loc(lineno), f"expected a quoted string, got {excerpt(token)}") from exc
    if not isinstance(value, str):
        raise CollectError(doc.loc(lineno), f"expected a quoted string, got {excerpt(token)}")
    return value


def _key_value(stripped: str, doc: _Doc, lineno: int) -> tuple[str, str]:
    m = _KEY_VALUE.fullmatch(stripped)
    if m is None:
        raise CollectError(doc.loc(lineno), f"expected `key value` in yarn.lock, got {excerpt(stripped)}")
    return _unquote(m.group(1), doc, lineno), _unquote(m.group(2), doc, lineno)


def _header(stripped: str, doc: _Doc, lineno: int) -> list[str]:
    body = stripped[:-1].strip()
    parts: list[str] = []
    pos = 0
    while pos < len(body):
        m = _HEADER_PART.match(body, pos)
        if m is None or m.end() == pos:
            raise CollectError(doc.loc(lineno), f"expected a list of descriptors like `name@range:`, got {excerpt(stripped)}")
        parts.append(_unquote(m.group(1).strip(), doc, lineno))
        pos = m.end()
    if not parts or not all(parts):
        raise CollectError(doc.loc(lineno), f"expected a list of descriptors like `name@range:`, got {excerpt(stripped)}")
    return parts


def _parse_classic(doc: _Doc, text: str) -> list[_Entry]:
    entries: list[_Entry] = []
    entry: _Entry | None = None
    block: str | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" \t"))
        if indent == 0:
            if not stripped.endswith(":"):
                raise CollectError(doc.loc(lineno), f"expected an entry header like `name@range:`, got {excerpt(stripped)}")
            entry, block = _Entry(_header(stripped, doc, lineno), lineno), None
            entries.append(entry)
        elif entry is None:
            raise CollectError(doc.loc(lineno), "expected an entry header before indented lines")
        elif indent <= 2:
            if stripped.endswith(":"):
                block = _unquote(stripped[:-1].strip(), doc, lineno)
                entry.blocks[block] = {}
                continue
            key, value = _key_value(stripped, doc, lineno)
            entry.fields.setdefault(key, value)
            block = None
        else:
            if block is None:
                raise CollectError(doc.loc(lineno), f"expected a field of the entry at line {entry.line}, got {excerpt(stripped)}")
            key, value = _key_value(stripped, doc, lineno)
            entry.blocks[block].setdefault(key, value)
    return entries


def _sha1_integrity(resolved: str) -> tuple[str, ...]:
    """yarn classic's ``#<sha1 hex>`` fragment as an SRI string, for entries without ``integrity``."""
    fragment = resolved.rpartition("#")[2]
    if not _SHA1_HEX.fullmatch(fragment):
        return ()
    try:
        return ("sha1-" + base64.b64encode(binascii.unhexlify(fragment)).decode("ascii"),)
    except (binascii.Error, ValueError):
        return ()


def _classic(doc: _Doc, text: str) -> None:
    entries = _parse_classic(doc, text)
    by_descriptor: dict[str, int] = {}
    deps: dict[str, Dependency] = {}
    for index, entry in enumerate(entries):
        for descriptor in entry.descriptors:
            by_descriptor.setdefault(descriptor, index)
        dep = _classic_entry(doc, entry)
        if dep is not None:
            deps[str(index)] = dep

    manifest = read_sibling_manifest(doc.path, doc.ctx, doc.result)
    pinned = resolutions(manifest)
    edges: list[tuple[PackageId, PackageId, bool]] = []
    for index, entry in enumerate(entries):
        if str(index) not in deps:
            continue
        for block, optional in (("dependencies", False), ("optionalDependencies", True)):
            for name, rng in entry.blocks.get(block, {}).items():
                target = by_descriptor.get(f"{name}@{rng}")
                if target is None and pinned:  # yarn 1 writes the overridden range into the header; in case it did not
                    parent = deps[str(index)].package.name
                    target = next((t for r in pinned if r.applies(name, rng, parent)
                                   and (t := by_descriptor.get(f"{name}@{r.to}")) is not None), None)
                if target is None:
                    if not optional:
                        doc.skip(entry.line, f"expected an entry for {excerpt(f'{name}@{rng}')}, a dependency of {excerpt(entry.descriptors[0])}; edge left out")
                    continue
                if str(target) in deps:
                    edges.append((deps[str(index)].package, deps[str(target)].package, optional))

    roots: dict[PackageId, tuple[Scope, str | None]] = {}
    if manifest is not None:
        if manifest.name:
            doc.result.own_names.append(normalize_name(Ecosystem.NPM, manifest.name))
        for declared in manifest.declared:
            target = by_descriptor.get(f"{declared.name}@{declared.spec}")
            if target is not None and str(target) in deps:
                add_root(roots, deps[str(target)].package, declared.scope, declared.spec)
    doc.result.dependencies, doc.result.edges = settle(deps.values(), roots, edges)


def _classic_entry(doc: _Doc, entry: _Entry) -> Dependency | None:
    first = entry.descriptors[0]
    split = split_descriptor(first)
    if split is None:
        doc.skip(entry.line, f"expected a descriptor like name@range, got {excerpt(first)}")
        return None
    name, rng = split
    if "version" in entry.blocks:
        doc.skip(entry.line, f"expected a version string for {excerpt(first)}, got a block")
        return None
    version = entry.fields.get("version", "").strip()
    if not version:
        doc.skip(entry.line, f"expected a version for {excerpt(first)}, got none")
        return None
    real = _real_name(name, rng)
    spec_kind = parse_spec(name, rng).kind
    if spec_kind is SourceKind.PATH and doc.ctx.own_folder(doc.path.parent, rng):  # docs/decisions/0023
        doc.result.own_names.append(normalize_name(Ecosystem.NPM, real))
        folder = local_folder(rng)
        if folder is not None:  # its package.json joins this project
            doc.result.members.append(literal(posixpath.normpath(folder)))
    resolved = entry.fields.get("resolved")
    kind = spec_kind
    if resolved and kind is SourceKind.REGISTRY:
        kind = resolved_kind(resolved)
    if resolved and kind is SourceKind.REGISTRY:
        base = npm_registry_base(resolved)
        if base and base not in doc.registries:
            doc.registries[base] = doc.loc(entry.line)
    integrity = entry.fields.get("integrity")
    hashes: tuple[str, ...] = ()
    if integrity:
        hashes = integrity_hashes(integrity)
    elif resolved and kind in (SourceKind.REGISTRY, SourceKind.URL):
        hashes = _sha1_integrity(resolved)  # a git URL's fragment is a commit, not a tarball hash
    return Dependency(
        package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, real), version),
        sources=(doc.loc(entry.line),),
        direct=False,
        groups=(f"alias:{name}",) if real != name else (),
        source_kind=kind,
        source_url=redact(resolved) if resolved else (rng if kind is not SourceKind.REGISTRY else None),
        hashes=hashes,
        locked=True,
    )


# -- yarn berry ----------------------------------------------------------------------


def _berry_kind(reference: str) -> SourceKind:
    """The kind of a berry resolution reference (the part after ``name@``)."""
    if reference.startswith(("npm:", "patch:")):
        return SourceKind.REGISTRY  # patch: wraps a registry package with a local patch
    kind = url_kind(reference)
    return kind if kind is not None else SourceKind.REGISTRY


def _berry(doc: _Doc, text: str) -> None:
    node = compose_yaml(doc.path, text, doc.ctx, "yarn.lock")
    reject_yaml_aliases(node, doc.loc(None), "yarn.lock")
    data = yaml_plain(node)
    if not isinstance(data, dict):
        raise CollectError(doc.loc(1), "expected a mapping of descriptors to entries in yarn.lock")
    lines = yaml_key_lines(node)
    by_descriptor: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    workspaces: dict[str, str] = {}  # entry key -> workspace path ("." for the root)
    deps: dict[str, Dependency] = {}
    for key, entry in data.items():
        if key == "__metadata":
            continue
        line = lines.get((key,))
        if not isinstance(entry, dict):
            doc.skip(line, f"expected a mapping for entry {excerpt(key)}, got {_yaml_type(entry)}")
            continue
        entries[key] = entry
        for descriptor in key.split(","):
            by_descriptor.setdefault(descriptor.strip(), key)
            by_descriptor.setdefault(descriptor.strip().split("::", 1)[0], key)  # without its ::locator=
        first = split_descriptor(key.split(",")[0].strip())
        resolution = entry.get("resolution")
        res = split_descriptor(resolution) if isinstance(resolution, str) else None
        if res is None:
            if resolution is not None:
                doc.skip(line, f"expected a resolution string like name@npm:1.0.0 for {excerpt(key)}, got {_yaml_type(resolution)}")
            res = first
        if res is None:
            doc.skip(line, f"expected a descriptor like name@npm:range, got {excerpt(key)}")
            continue
        name, reference = res
        if reference.startswith("workspace:"):
            workspaces[key] = reference.removeprefix("workspace:")
            doc.result.own_names.append(normalize_name(Ecosystem.NPM, name))
            if workspaces[key] not in (".", ""):
                doc.result.members.append(literal(workspaces[key]))
            continue
        version = entry.get("version")
        if not isinstance(version, str) or not version.strip():
            got = "none" if version is None else _yaml_type(version)
            doc.skip(line, f"expected a version string for {excerpt(key)}, got {got}")
            continue
        installed_as = first[0] if first else name
        kind = _berry_kind(reference)
        if kind is SourceKind.PATH:
            base = doc.path.parent / _locator_folder(reference)
            if doc.ctx.own_folder(base, reference):  # a folder of the project (docs/decisions/0023)
                doc.result.own_names.append(normalize_name(Ecosystem.NPM, name))
                folder = local_folder(reference)
                if folder is not None:  # its package.json joins this project
                    doc.result.members.append(literal(posixpath.normpath(posixpath.join(_locator_folder(reference), folder))))
        deps[key] = Dependency(
            package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, name), version.strip()),
            sources=(doc.loc(line),),
            direct=False,
            groups=(f"alias:{installed_as}",) if installed_as != name else (),
            source_kind=kind,
            source_url=redact(reference.split("::", 1)[0].split("#", 1)[0] if kind is SourceKind.PATH else reference)
            if kind is not SourceKind.REGISTRY else None,
            locked=True,
        )

    manifest = read_sibling_manifest(doc.path, doc.ctx, doc.result)
    pinned = resolutions(manifest)

    def lookup(name: str, rng: str, parent: str) -> str | None:
        entry = entries[parent]
        locator = entry.get("resolution") if isinstance(entry.get("resolution"), str) else parent.split(",")[0]
        return (by_descriptor.get(f"{name}@{rng}::locator={quote(str(locator), safe=_URI_SAFE)}")
                or by_descriptor.get(f"{name}@{rng}") or by_descriptor.get(f"{name}@npm:{rng}"))

    def resolve(name: str, rng: str, parent: str) -> str | None:
        """The entry `name@rng` (depended on by the entry `parent`) means; the root's ``resolutions``
        override a range, and then the lockfile has an entry for the resolution, not for the range."""
        found = lookup(name, rng, parent)
        if found is None and pinned:
            parent_name = deps[parent].package.name if parent in deps else _workspace_name(parent)
            found = next((t for r in pinned if r.applies(name, rng, parent_name) and (t := lookup(name, r.to, parent))), None)
        return found

    edges: list[tuple[PackageId, PackageId, bool]] = []
    roots: dict[PackageId, tuple[Scope, str | None]] = {}
    for key, entry in entries.items():
        if key not in deps and key not in workspaces:
            continue
        table = entry.get("dependencies")
        if table is None:
            continue
        if not isinstance(table, dict):
            doc.skip(lines.get((key, "dependencies")), f"expected a mapping for dependencies of {excerpt(key)}, got {_yaml_type(table)}")
            continue
        meta = entry.get("dependenciesMeta")
        for name, rng in table.items():
            if not isinstance(rng, str):
                doc.skip(lines.get((key, "dependencies", name)), f"expected a range string for {excerpt(name)}, got {_yaml_type(rng)}")
                continue
            optional = _optional(meta, name)
            target = resolve(name, rng, key)
            if target is None or target in workspaces:
                if target is None and not optional:
                    doc.skip(lines.get((key, "dependencies", name)), f"expected an entry for {excerpt(f'{name}@{rng}')}; edge left out")
                continue
            if target not in deps:
                continue
            if key in workspaces:
                # The root's entry merges every manifest section: its package.json says which one.
                is_root = workspaces[key] == "."
                scope = _workspace_scope(manifest if is_root else None, name)
                add_root(roots, deps[target].package, scope, _declared_range(manifest if is_root else None, name, rng))
            else:
                edges.append((deps[key].package, deps[target].package, optional))
    doc.result.dependencies, doc.result.edges = settle(deps.values(), roots, edges)


# encodeURIComponent's unreserved characters: yarn writes ``::locator=`` with it.
_URI_SAFE = "!*'()"


def _workspace_name(key: str) -> str | None:
    split = split_descriptor(key.split(",")[0].strip())
    return split[0] if split else None


def _locator_folder(reference: str) -> str:
    """The workspace folder a berry ``...::locator=<workspace>`` reference is relative to; ``.`` without one."""
    _, sep, params = reference.partition("::")
    if not sep:
        return "."
    for item in params.split("&"):
        key, _, value = item.partition("=")
        if key == "locator":
            split = split_descriptor(unquote(value))
            if split and split[1].startswith("workspace:"):
                return split[1].removeprefix("workspace:") or "."
    return "."


def _optional(meta: Any, name: str) -> bool:
    if not isinstance(meta, dict):
        return False
    item = meta.get(name)
    return isinstance(item, dict) and item.get("optional") == "true"


def _declared_range(manifest: Manifest | None, name: str, rng: str) -> str:
    """The range as package.json writes it: berry adds ``npm:`` to plain ranges in the lockfile."""
    found = manifest.by_name().get(name) if manifest else None
    if found:
        return found[1]
    if rng.startswith("npm:") and split_descriptor(rng[4:]) is None:
        return rng[4:]
    return rng


def _workspace_scope(manifest: Manifest | None, name: str) -> Scope:
    """The section of the root's package.json that declares `name`; runtime when unknown."""
    if manifest is None:
        return Scope.RUNTIME
    found = manifest.by_name().get(name)
    return found[0] if found else Scope.RUNTIME


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string"


COLLECTOR = Collector(format="yarn.lock", ecosystem=Ecosystem.NPM, is_lockfile=True, matches=matches, collect=collect)
