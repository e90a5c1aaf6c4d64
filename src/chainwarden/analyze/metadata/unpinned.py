"""`unpinned-dependency`: a dependency no lockfile pins to one version.

An unpinned dependency installs whatever the index serves at install time, so
a hijacked patch release (1.2.1 -> 1.2.2) lands in the next build unreviewed.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import lockfile_fix
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="unpinned-dependency",
    title="Dependency not pinned by a lockfile",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph"}),
    summary="A declared range that no lockfile pins: the next install takes whatever the index serves.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    project = eg.graph.project
    for dep in eg.graph.dependencies:
        if dep.package.version is not None or dep.source_kind is not SourceKind.REGISTRY:
            continue
        if dep.marker_applies is False:
            continue  # not installed in this environment
        declared = dep.specifier or "any version"
        latest = eg.facts.get(dep.package)
        evidence = [Evidence("declared", declared, dep.sources[0] if dep.sources else None)]
        if latest is not None and latest.latest_version:
            evidence.append(Evidence("index latest", latest.latest_version))
        yield Finding(
            rule=INFO.id,
            severity=INFO.severity,
            confidence=INFO.confidence,
            package=dep.package,
            message=f"{dep.package.name} is declared as {declared!r} and no lockfile pins it"
            + (f" in {', '.join(project.lockfiles)}" if project.lockfiles else ""),
            location=dep.sources[0] if dep.sources else None,
            evidence=tuple(evidence),
            fix=lockfile_fix(project.ecosystem),
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
