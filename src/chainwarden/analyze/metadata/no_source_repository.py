"""`no-source-repository`: the index names no source repository for the package.

Without a repository there is nothing to compare a release against: no tags,
no commits, no issue tracker where a hijack would be noticed. On its own this is
informational (docs/decisions/0020-weak-signals-combine.md); it counts as evidence
in `typosquat`.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import installed, unchecked, where
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Finding,
    Severity,
    Skip,
)

INFO = AnalyzerInfo(
    id="no-source-repository",
    title="No source repository",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.INFO,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry"}),
    summary="The package's metadata names no source repository to check releases against.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    unknown: list[str] = []
    for dep, facts in installed(eg):
        if not facts.metadata_known:
            unknown.append(dep.package.name)
            continue
        if facts.repository_url:
            continue
        yield Finding(
            rule=INFO.id,
            severity=INFO.severity,
            confidence=INFO.confidence,
            package=dep.package,
            message=f"{dep.package.name} names no source repository: its releases cannot be compared with a public history",
            location=where(dep),
            fix="prefer a package whose releases match a public repository; review this one's files before each update",
        )
    if unknown:
        yield unchecked(INFO.id, eg, unknown, "the index sends no project metadata (PEP 503/691 pages only)")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
