"""Fold the results of one project's input files into one `DependencyGraph`.

Lockfiles (and fully pinned requirements files) are the truth about what gets
installed: their packages are the graph's nodes and their edges its edges.
The project's own packages (`own_names`: the root and its workspace members) are
not dependencies: a local record or a manifest entry of such a name is left out,
but a registry package that happens to have the name stays (prettier formats
itself with the published ``prettier@3.9.6``).
Manifests add what they alone know: which packages are direct, in what scope,
and on which line they were declared. A manifest entry that no lockfile pins
stays in the graph as an unpinned dependency (version None).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from chainwarden.collect.interface import CollectResult
from chainwarden.model import (
    Dependency,
    DependencyGraph,
    Edge,
    PackageId,
    Project,
    Scope,
    SourceKind,
    SourceLocation,
)

_SCOPE_ORDER = [Scope.RUNTIME, Scope.PEER, Scope.OPTIONAL, Scope.DEV]


def merge(records: Sequence[Dependency]) -> Dependency:
    """One package seen several times: keep every source, the strongest scope, and whatever any record
    knows (the first record that knows a value wins). One pass over all records: a package repeated on
    thousands of lines costs as much as thousands of packages, not their square."""
    first = records[0]
    if len(records) == 1:
        return first
    sources: dict[SourceLocation, None] = {}
    extras: set[str] = set()
    groups: set[str] = set()
    hashes: dict[str, None] = {}
    for r in records:
        sources.update(dict.fromkeys(r.sources))
        extras.update(r.extras)
        groups.update(r.groups)
        hashes.update(dict.fromkeys(r.hashes))
    applies = [r.marker_applies for r in records if r.marker_applies is not None]
    return replace(
        first,
        sources=tuple(sorted(sources, key=lambda s: (s.file, s.line or 0))),
        direct=any(r.direct for r in records),
        scope=min((r.scope for r in records), key=_SCOPE_ORDER.index),
        specifier=next((r.specifier for r in records if r.specifier), None),
        extras=tuple(sorted(extras)),
        groups=tuple(sorted(groups)),
        marker=next((r.marker for r in records if r.marker), None),
        marker_applies=applies[0] if applies else None,
        source_url=next((r.source_url for r in records if r.source_url), None),
        hashes=tuple(hashes),
        editable=any(r.editable for r in records),
        locked=any(r.locked for r in records),
        license=next((r.license for r in records if r.license), None),
    )


def _key(dep: Dependency) -> tuple[str, str | None]:
    return (dep.package.name, dep.package.version)


def _key_of(package: PackageId) -> tuple[str, str | None]:
    return (package.name, package.version)


def build_graph(project: Project, results: Iterable[CollectResult], own_names: Iterable[str] = ()) -> DependencyGraph:
    results = list(results)
    own = set(own_names)
    locks = [r for r in results if r.is_lockfile]
    manifests = [r for r in results if not r.is_lockfile]

    # Every record of a node is gathered first and merged once at the end (`merge`).
    records: dict[tuple[str, str | None], list[Dependency]] = {}
    edges: set[Edge] = set()
    dropped: set[PackageId] = set()
    for res in locks:
        for dep in res.dependencies:
            if dep.package.name in own and dep.source_kind is SourceKind.PATH:
                dropped.add(dep.package)  # the project's own folder (a workspace member), not a dependency
                continue
            records.setdefault(_key(dep), []).append(dep)
        edges.update(res.edges)  # edges to a node left out are dropped below

    by_name: dict[str, list[tuple[str, str | None]]] = {}
    for k in records:
        by_name.setdefault(k[0], []).append(k)
    direct = {k: any(d.direct for d in recs) for k, recs in records.items()}

    locked_names = set(by_name)
    has_direct_info = any(direct.values())
    for res in manifests:
        for dep in res.dependencies:
            candidates = by_name.get(dep.package.name, [])
            if dep.package.name in own and not candidates:
                continue  # a sibling workspace package; with a locked package of that name, the registry one
            if dep.package.version is not None:
                # The locked version, when the lockfile has it; else the lockfile is the truth (a resolution or
                # override changed it) and the declaration joins the locked package of that name.
                candidates = [k for k in candidates if k[1] == dep.package.version] or [
                    k for k in candidates if records[k][0].locked]
            # A declared local or git package is the locked one of the same kind, never a registry namesake.
            kinds = [k for k in candidates if records[k][0].source_kind is dep.source_kind]
            candidates = kinds if dep.source_kind is not SourceKind.REGISTRY else (kinds or candidates)
            if not candidates and locks and dep.scope is Scope.PEER:
                continue  # a peer dependency the lockfile does not install: the consumer's to provide (optional peers)
            if candidates:
                # Prefer the locked node the lockfile itself calls direct.
                preferred = [k for k in candidates if direct[k]] or candidates
                for k in preferred:
                    records[k].append(replace(dep, package=records[k][0].package, locked=True))
                    direct[k] = direct[k] or dep.direct
            else:
                k = _key(dep)
                records.setdefault(k, []).append(dep)
                direct[k] = direct.get(k, False) or dep.direct
        edges.update(res.edges)
    # What the project's own folders depend on, the project depends on directly.
    for e in edges:
        if e.parent in dropped and e.child not in dropped and _key_of(e.child) in records:
            direct[_key_of(e.child)] = True
    nodes = {k: merge(recs) for k, recs in records.items()}
    nodes = {k: (replace(d, direct=True) if direct.get(k) and not d.direct else d) for k, d in nodes.items()}

    # A lockfile without root information (e.g. yarn.lock) leaves every node non-direct
    # unless a manifest said otherwise; with no manifest at all, treat nodes no edge reaches as direct.
    if locks and not has_direct_info and not any(
        d.direct for k, d in nodes.items() if k[0] in locked_names
    ):
        reached = {e.child for e in edges}
        nodes = {k: (replace(d, direct=True) if d.package not in reached else d) for k, d in nodes.items()}

    # Resolve edge endpoints written without versions (requirements "# via" annotations).
    versions: dict[str, list[PackageId]] = {}
    for d in nodes.values():
        versions.setdefault(d.package.name, []).append(d.package)

    def resolve(p: PackageId) -> list[PackageId]:
        if p.version is not None:
            return [p]
        return versions.get(p.name, [p])

    resolved = {Edge(pa, ch) for e in edges for pa in resolve(e.parent) for ch in resolve(e.child)}
    known = {d.package for d in nodes.values()}
    final_edges = tuple(sorted(e for e in resolved if e.parent in known and e.child in known))

    deps = tuple(sorted(nodes.values(), key=lambda d: (not d.direct, d.package.name, d.package.version or "")))
    hints = tuple(h for r in results for h in r.index_hints)
    return DependencyGraph(project=project, dependencies=deps, edges=final_edges, index_hints=hints)
