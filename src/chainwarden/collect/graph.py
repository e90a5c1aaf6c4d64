"""Fold the results of one project's input files into one `DependencyGraph`.

Lockfiles (and fully pinned requirements files) are the truth about what gets
installed: their packages are the graph's nodes and their edges its edges.
Manifests add what they alone know: which packages are direct, in what scope,
and on which line they were declared. A manifest entry that no lockfile pins
stays in the graph as an unpinned dependency (version None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from chainwarden.collect.interface import CollectResult
from chainwarden.model import (
    Dependency,
    DependencyGraph,
    Edge,
    PackageId,
    Project,
    Scope,
)

_SCOPE_ORDER = [Scope.RUNTIME, Scope.PEER, Scope.OPTIONAL, Scope.DEV]


def _merge_two(a: Dependency, b: Dependency) -> Dependency:
    """One package seen twice: keep every source, the strongest scope, and whatever either knows."""
    sources = tuple(sorted(set(a.sources) | set(b.sources), key=lambda s: (s.file, s.line or 0)))
    scope = min(a.scope, b.scope, key=_SCOPE_ORDER.index)
    return replace(
        a,
        sources=sources,
        direct=a.direct or b.direct,
        scope=scope,
        specifier=a.specifier or b.specifier,
        extras=tuple(sorted(set(a.extras) | set(b.extras))),
        groups=tuple(sorted(set(a.groups) | set(b.groups))),
        marker=a.marker or b.marker,
        marker_applies=a.marker_applies if a.marker_applies is not None else b.marker_applies,
        source_url=a.source_url or b.source_url,
        hashes=tuple(dict.fromkeys((*a.hashes, *b.hashes))),
        editable=a.editable or b.editable,
        locked=a.locked or b.locked,
        license=a.license or b.license,
    )


def _key(dep: Dependency) -> tuple[str, str | None]:
    return (dep.package.name, dep.package.version)


def build_graph(project: Project, results: Iterable[CollectResult], own_names: Iterable[str] = ()) -> DependencyGraph:
    results = list(results)
    own = set(own_names)
    locks = [r for r in results if r.is_lockfile]
    manifests = [r for r in results if not r.is_lockfile]

    nodes: dict[tuple[str, str | None], Dependency] = {}
    edges: set[Edge] = set()
    for res in locks:
        for dep in res.dependencies:
            if dep.package.name in own:
                continue
            k = _key(dep)
            nodes[k] = _merge_two(nodes[k], dep) if k in nodes else dep
        edges.update(e for e in res.edges if e.parent.name not in own and e.child.name not in own)

    by_name: dict[str, list[tuple[str, str | None]]] = {}
    for k in nodes:
        by_name.setdefault(k[0], []).append(k)

    locked_names = set(by_name)
    has_direct_info = any(d.direct for d in nodes.values())
    for res in manifests:
        for dep in res.dependencies:
            if dep.package.name in own:
                continue
            candidates = by_name.get(dep.package.name, [])
            if dep.package.version is not None:
                candidates = [k for k in candidates if k[1] == dep.package.version]
            if candidates:
                # Prefer the locked node the lockfile itself calls direct.
                preferred = [k for k in candidates if nodes[k].direct] or candidates
                for k in preferred:
                    nodes[k] = _merge_two(nodes[k], replace(dep, package=nodes[k].package, locked=True))
            else:
                k = _key(dep)
                nodes[k] = _merge_two(nodes[k], dep) if k in nodes else dep
        edges.update(res.edges)

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
