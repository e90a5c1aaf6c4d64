"""analyze: independent, pure analyzers. Registration is one line in `ANALYZERS`."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Option,
    OptionKind,
    OptionValue,
    Reflex,
)
from chainwarden.analyze.advisories import known_malicious, known_vulnerable
from chainwarden.analyze.metadata import (
    dormant,
    dormant_then_released,
    hashes_missing,
    lockfile_missing,
    maintainer_domain,
    new_package,
    no_source_repository,
    not_on_index,
    owners_changed,
    repository_mismatch,
    single_maintainer,
    unpinned,
    yanked_or_deprecated,
)
from chainwarden.analyze.names import dependency_confusion, index_config_unsafe, typosquat
from chainwarden.model import DependencyGraph, Ecosystem, EnrichedGraph, Finding, PackageId, Skip

__all__ = [
    "ANALYZERS",
    "AnalysisContext",
    "Analyzer",
    "AnalyzerInfo",
    "Option",
    "OptionKind",
    "OptionValue",
    "Reflex",
    "by_id",
    "dependency_paths",
    "run_analyzers",
]

ANALYZERS: tuple[Analyzer, ...] = (
    known_malicious.ANALYZER,
    known_vulnerable.ANALYZER,
    lockfile_missing.ANALYZER,
    hashes_missing.ANALYZER,
    dependency_confusion.ANALYZER,
    index_config_unsafe.ANALYZER,
    typosquat.ANALYZER,
    not_on_index.ANALYZER,
    dormant_then_released.ANALYZER,
    maintainer_domain.ANALYZER,
    owners_changed.ANALYZER,
    yanked_or_deprecated.ANALYZER,
    new_package.ANALYZER,
    dormant.ANALYZER,
    single_maintainer.ANALYZER,
    no_source_repository.ANALYZER,
    repository_mismatch.ANALYZER,
    unpinned.ANALYZER,
)


def by_id(rule: str) -> Analyzer | None:
    return next((a for a in ANALYZERS if a.info.id == rule), None)


def dependency_paths(graph: DependencyGraph) -> dict[PackageId, tuple[PackageId, ...]]:
    """The shortest path from a direct dependency to each package the lockfile edges reach.

    A direct dependency's path is itself; a package no edge reaches from a direct
    dependency is absent (its path is unknown, e.g. a requirements file without `# via`).
    """
    children: dict[PackageId, list[PackageId]] = {}
    for e in graph.edges:
        children.setdefault(e.parent, []).append(e.child)
    paths: dict[PackageId, tuple[PackageId, ...]] = {}
    queue: deque[PackageId] = deque()
    for d in sorted(graph.direct(), key=lambda d: d.package):
        if d.package not in paths:
            paths[d.package] = (d.package,)
            queue.append(d.package)
    while queue:
        here = queue.popleft()
        for child in sorted(children.get(here, ())):
            if child not in paths:
                paths[child] = (*paths[here], child)
                queue.append(child)
    return paths


def run_analyzers(graphs: list[EnrichedGraph], ctx: AnalysisContext | None = None) -> tuple[list[Finding], list[Skip]]:
    """Run every analyzer over every graph that is in its ecosystems; each finding gets its dependency path."""
    ctx = ctx or AnalysisContext()
    if not ctx.own_names:
        own: dict[Ecosystem, set[str]] = {}
        for g in graphs:
            own.setdefault(g.graph.project.ecosystem, set()).update(g.graph.project.own_names)
        ctx = replace(ctx, own_names={eco: frozenset(names) for eco, names in own.items()})
    findings: list[Finding] = []
    skips: list[Skip] = []
    for g in graphs:
        paths = dependency_paths(g.graph)
        for analyzer in ANALYZERS:
            if g.graph.project.ecosystem not in analyzer.info.ecosystems:
                continue
            for item in analyzer.analyze(g, ctx):
                if isinstance(item, Finding):
                    findings.append(replace(item, path=paths.get(item.package, ())) if not item.path else item)
                else:
                    skips.append(item)
    return findings, skips
