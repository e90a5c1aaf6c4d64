"""`lockfile-missing`: a project whose dependencies no lockfile pins (lockfile enforcement).

Without a lockfile every install resolves again: the transitive dependencies float, so a hijacked
patch release deep in the tree lands in the next build unreviewed. A requirements file that pins
every entry with ``==`` (pip-compile's output) counts as the lock.
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
    PackageId,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="lockfile-missing",
    title="No lockfile pins the project's dependencies",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph"}),
    summary="The project has no lockfile and some dependencies are not pinned: each install resolves the whole tree again.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    project = eg.graph.project
    if project.lockfiles:
        return
    registry = [d for d in eg.graph.dependencies if d.source_kind is SourceKind.REGISTRY and d.marker_applies is not False]
    floating = [d for d in registry if d.package.version is None]
    if not floating:
        return
    first = floating[0]
    yield Finding(
        rule=INFO.id, severity=INFO.severity, confidence=INFO.confidence,
        package=PackageId(project.ecosystem, project.root or "."),
        message=f"{project.root or '.'} has no lockfile: {len(floating)} of {len(registry)} declared dependencies are ranges, "
                "and every transitive dependency is resolved again at each install",
        location=first.sources[0] if first.sources else None,
        evidence=(Evidence("manifests", ", ".join(project.files)),
                  Evidence("unpinned", ", ".join(f"{d.package.name} {d.specifier or '(any)'}" for d in floating[:8])
                           + (f" and {len(floating) - 8} more" if len(floating) > 8 else ""))),
        fix=lockfile_fix(project.ecosystem),
    )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
