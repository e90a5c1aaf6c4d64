"""What the npm collectors share: spec and URL classification, integrity strings,
the sibling ``package.json`` a lockfile is read with, scope propagation along
edges, duplicate merging, and a YAML reader that keeps every scalar as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    CollectResult,
    read_text,
)
from chainwarden.model import (
    Dependency,
    Edge,
    PackageId,
    Scope,
    SourceKind,
    SourceLocation,
)

# The manifest sections in the order npm weighs them, with the scope each gives.
SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.RUNTIME),
    ("optionalDependencies", Scope.OPTIONAL),
    ("peerDependencies", Scope.PEER),
    ("devDependencies", Scope.DEV),
)


_EXACT = re.compile(r"=?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)")
_VCS_PREFIXES = ("git+", "git://", "github:", "gitlab:", "bitbucket:", "gist:")
_PATH_PREFIXES = ("file:", "link:", "portal:", "exec:")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:(?!\d+/)")  # git@host:user/repo.git
_SHORTHAND = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+(?:#.*)?$")  # user/repo[#ref]
_SCOPE_ORDER = (Scope.RUNTIME, Scope.PEER, Scope.OPTIONAL, Scope.DEV)  # strongest first, as graph.py


def json_type(value: Any) -> str:
    """How a JSON value's type reads in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def exact_version(spec: str) -> str | None:
    """The version of an exact spec (``1.2.3``, ``=1.2.3``, ``v1.2.3``), else None (a range or tag)."""
    m = _EXACT.fullmatch(spec.strip())
    return m.group(1) if m else None


def split_descriptor(descriptor: str) -> tuple[str, str] | None:
    """``name@range`` (``@scope/name@range``) -> (name, range); None without a range."""
    at = descriptor.find("@", 1)
    if at <= 0:
        return None
    return descriptor[:at], descriptor[at + 1 :]


@dataclass(frozen=True, slots=True)
class Spec:
    """A dependency spec as npm reads it: which package, from where, and what range."""

    name: str  # the real package name (the target of an npm: alias)
    kind: SourceKind
    range: str | None = None  # the registry range, for REGISTRY specs
    url: str | None = None  # the reference, for URL / VCS / PATH specs
    alias: str | None = None  # the name the project uses, for npm: aliases
    workspace: bool = False


def parse_spec(name: str, spec: str) -> Spec:
    """Classify a declared spec the way npm-package-arg does (without touching the network)."""
    s = spec.strip()
    low = s.lower()
    if low.startswith("workspace:"):
        return Spec(name, SourceKind.PATH, url=s, workspace=True)
    if low.startswith("npm:"):
        target = s[4:]
        split = split_descriptor(target)
        real, rng = split if split else (target, "*")
        return Spec(real.strip() or name, SourceKind.REGISTRY, range=rng or "*", alias=name if real.strip() != name else None)
    kind = url_kind(s)
    if kind is not None:
        return Spec(name, kind, url=s)
    if _SHORTHAND.match(s):
        return Spec(name, SourceKind.VCS, url=s)
    return Spec(name, SourceKind.REGISTRY, range=s or "*")


def url_kind(ref: str) -> SourceKind | None:
    """The kind of a reference that is a URL, git remote or path; None for a registry range or tag."""
    low = ref.lower()
    if low.startswith(_VCS_PREFIXES) or _SCP_LIKE.match(ref):
        return SourceKind.VCS
    if low.startswith(_PATH_PREFIXES) or ref.startswith(("./", "../", "/", "~/")) or ref in (".", ".."):
        return SourceKind.PATH
    if low.startswith(("http://", "https://")):
        path = _url_path(ref)
        return SourceKind.VCS if path.endswith(".git") else SourceKind.URL
    return None


def resolved_kind(url: str) -> SourceKind:
    """The kind of a lockfile's ``resolved``/``tarball`` URL: registry tarballs have ``/-/`` in their path."""
    kind = url_kind(url)
    if kind is SourceKind.URL and "/-/" in _url_path(url):
        return SourceKind.REGISTRY
    if kind is None:
        return SourceKind.URL if "://" in url else SourceKind.REGISTRY
    return kind


def _url_path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def redact(url: str) -> str:
    """The URL without credentials (``https://user:token@host`` -> ``https://***@host``); ``git@`` stays."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    if userinfo == "git":
        return url
    return parts._replace(netloc=f"***@{host}").geturl()


def integrity_hashes(value: str) -> tuple[str, ...]:
    """An SRI integrity string (``sha512-... sha1-...``) as one hash per algorithm."""
    return tuple(t for t in value.split() if re.fullmatch(r"[a-z0-9]+-[A-Za-z0-9+/=_-]+", t))


@dataclass(frozen=True, slots=True)
class Declared:
    """One ``name: spec`` of a manifest section."""

    name: str
    spec: str
    scope: Scope


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str | None
    declared: tuple[Declared, ...]
    resolutions: tuple[tuple[str, str], ...] = ()  # yarn's ``resolutions``: (pattern, range) as written

    def by_name(self) -> dict[str, tuple[Scope, str]]:
        """Each declared name with its strongest scope and that section's spec."""
        out: dict[str, tuple[Scope, str]] = {}
        for d in self.declared:
            if d.name not in out or stronger(d.scope, out[d.name][0]) is d.scope:
                out[d.name] = (d.scope, d.spec)
        return out


def read_sibling_manifest(lockfile: Path, ctx: CollectContext, result: CollectResult) -> Manifest | None:
    """The ``package.json`` beside a lockfile, if it can be read (its own collector reports it otherwise)."""
    path = lockfile.with_name("package.json")
    if not path.is_file():
        return None
    try:
        data = json.loads(read_text(path, ctx))
    except (CollectError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    result.files.append(ctx.display(path))
    declared: list[Declared] = []
    for section, scope in SECTIONS:
        table = data.get(section)
        if isinstance(table, dict):
            declared.extend(Declared(k, v, scope) for k, v in table.items() if isinstance(v, str))
    name = data.get("name")
    resolutions = data.get("resolutions")
    pinned = tuple((k, v) for k, v in resolutions.items() if isinstance(v, str)) if isinstance(resolutions, dict) else ()
    return Manifest(name if isinstance(name, str) and name.strip() else None, tuple(declared), pinned)


@dataclass(frozen=True, slots=True)
class Resolution:
    """One entry of yarn's ``resolutions``: `name` (under `parent`, for `range` when given) resolves to `to`."""

    parent: str | None
    name: str
    range: str | None
    to: str

    def applies(self, name: str, rng: str, parent: str | None) -> bool:
        if name != self.name or (self.parent is not None and self.parent != parent):
            return False
        return self.range is None or rng in (self.range, f"npm:{self.range}")


def resolutions(manifest: Manifest | None) -> list[Resolution]:
    """yarn's ``resolutions`` (``name``, ``name@range``, ``parent/name``, ``**/name``, scoped names too)."""
    out: list[Resolution] = []
    for pattern, to in manifest.resolutions if manifest else ():
        parts = pattern.split("/")
        cut = 2 if len(parts) >= 2 and parts[-2].startswith("@") else 1
        last, rest = "/".join(parts[-cut:]), parts[:-cut]
        split = split_descriptor(last)
        name, rng = split if split else (last, None)
        parent: str | None = None
        if rest:  # the package just above (yarn's a/b/name chains: b)
            above = "/".join(rest[-2:]) if len(rest) >= 2 and rest[-2].startswith("@") else rest[-1]
            above_split = split_descriptor(above)
            parent = above_split[0] if above_split else above
            if parent.strip("*") == "":
                parent = None
        out.append(Resolution(parent, name, rng, to))
    return out


def stronger(a: Scope, b: Scope) -> Scope:
    return a if _SCOPE_ORDER.index(a) <= _SCOPE_ORDER.index(b) else b


def weaker(a: Scope, b: Scope) -> Scope:
    return a if _SCOPE_ORDER.index(a) >= _SCOPE_ORDER.index(b) else b


K = TypeVar("K", bound=Hashable)


def propagate_scopes(roots: Mapping[K, Scope], edges: Iterable[tuple[K, K, bool]]) -> dict[K, Scope]:
    """Each node's scope from the direct ones: the strongest over all paths of the weakest step on the path.

    `edges` are (parent, child, optional); an optional edge makes the rest of its path at most OPTIONAL.
    """
    children: dict[K, list[tuple[K, bool]]] = {}
    for parent, child, optional in edges:
        children.setdefault(parent, []).append((child, optional))
    best: dict[K, Scope] = dict(roots)
    work = list(roots)
    while work:
        parent = work.pop()
        for child, optional in children.get(parent, ()):
            scope = weaker(best[parent], Scope.OPTIONAL) if optional else best[parent]
            if child not in best or (scope is not best[child] and stronger(scope, best[child]) is scope):
                best[child] = scope
                work.append(child)
    return best


def merge_duplicates(deps: Iterable[Dependency]) -> list[Dependency]:
    """One record per package version: a lockfile installs some versions at several paths.
    All records of a version are gathered, then merged once (linear in the number of records)."""
    groups: dict[tuple[str, str | None, str | None], list[Dependency]] = {}
    for dep in deps:
        key = (dep.package.name, dep.package.version, dep.source_url if dep.package.version is None else None)
        groups.setdefault(key, []).append(dep)
    out: list[Dependency] = []
    for records in groups.values():
        first = records[0]
        if len(records) == 1:
            out.append(first)
            continue
        scope = first.scope
        for r in records[1:]:
            scope = stronger(scope, r.scope)
        out.append(replace(
            first,
            sources=tuple(dict.fromkeys(s for r in records for s in r.sources)),
            direct=any(r.direct for r in records),
            scope=scope,
            specifier=next((r.specifier for r in records if r.specifier), None),
            groups=tuple(sorted({g for r in records for g in r.groups})),
            source_url=next((r.source_url for r in records if r.source_url), None),
            hashes=tuple(dict.fromkeys(h for r in records for h in r.hashes)),
        ))
    return out


def settle(
    deps: Iterable[Dependency],
    roots: Mapping[PackageId, tuple[Scope, str | None]],
    edges: Iterable[tuple[PackageId, PackageId, bool]],
    flagged: Mapping[PackageId, Scope] | None = None,
) -> tuple[list[Dependency], list[Edge]]:
    """Merge a lockfile's records and give them direct, specifier and scope.

    `roots` are the direct packages with their declared scope and range; the scope of
    every other package is carried down `edges` (parent, child, optional) from them,
    unless the lockfile itself states it (`flagged`). Packages no root reaches keep
    the scope they were recorded with.
    """
    edges = list(edges)
    merged = merge_duplicates(deps)
    scopes = propagate_scopes({p: s for p, (s, _) in roots.items()}, edges) if roots else {}
    out: list[Dependency] = []
    for dep in merged:
        root = roots.get(dep.package)
        stated = flagged.get(dep.package) if flagged else None
        out.append(
            replace(
                dep,
                direct=dep.direct or root is not None,
                scope=stated or scopes.get(dep.package, dep.scope),
                specifier=root[1] if root and root[1] else dep.specifier,
            )
        )
    return out, list(dict.fromkeys(Edge(p, c) for p, c, _ in edges))


def add_root(
    roots: dict[PackageId, tuple[Scope, str | None]], package: PackageId, scope: Scope, spec: str | None
) -> None:
    """Record a direct package; declared in several sections, the strongest scope wins."""
    old = roots.get(package)
    if old is None or (scope is not old[0] and stronger(scope, old[0]) is scope):
        roots[package] = (scope, spec or (old[1] if old else None))


_YAML_NULL = "tag:yaml.org,2002:null"


def reject_yaml_aliases(node: yaml.Node | None, where: SourceLocation, what: str) -> None:
    """Refuse YAML that reuses a node through an alias: no lockfile tool writes one, and walking
    every path of a recursive or exponentially aliased tree (as `yaml_key_lines` does) never ends."""
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            line = n.start_mark.line + 1
            raise CollectError(replace(where, line=line), f"expected {what} without YAML aliases (*anchor references)")
        seen.add(id(n))
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.extend((k, v))


def yaml_plain(node: yaml.Node | None) -> Any:
    """A composed YAML tree as dicts, lists and strings: every scalar kept as its text.

    Lockfile YAML is written by JavaScript tools; PyYAML's 1.1 resolution would turn a
    package named ``no`` into ``False`` and a version ``1.10`` into ``1.1``. Only ``null``
    stays None. Duplicate keys keep their first value, as `yaml_key_lines` does.
    """
    memo: dict[int, Any] = {}

    def conv(n: yaml.Node) -> Any:
        if id(n) in memo:
            return memo[id(n)]
        if isinstance(n, yaml.ScalarNode):
            return None if n.tag == _YAML_NULL else str(n.value)
        if isinstance(n, yaml.SequenceNode):
            seq: list[Any] = []
            memo[id(n)] = seq
            seq.extend(conv(item) for item in n.value)
            return seq
        if isinstance(n, yaml.MappingNode):
            mapping: dict[str, Any] = {}
            memo[id(n)] = mapping
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    mapping.setdefault(str(k.value), conv(v))
            return mapping
        return None

    return conv(node) if node is not None else None
