"""`not-on-index`: a dependency the index does not know, or a pinned version it does not have.

A name the index does not know can be registered there by anyone; the next
install without the private index (a new developer, a CI job with another
configuration) takes theirs. This is how dependency confusion starts.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import where
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
    id="not-on-index",
    title="Not on the index",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry"}),
    summary="The index does not know the name (anyone can claim it) or the pinned version.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    for dep in eg.graph.dependencies:
        facts = eg.facts.get(dep.package)
        if facts is None or dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        name = dep.package.name
        if not facts.exists:
            yield Finding(
                rule=INFO.id, severity=INFO.severity, confidence=INFO.confidence, package=dep.package,
                message=f"{name} is not on the index {facts.index_url}: anyone can register the name there, and an "
                "install that asks this index takes whatever they publish",
                location=where(dep), evidence=(Evidence("index", facts.index_url),),
                fix=f"if {name} is internal, install it only from your private index and claim the name on the public one "
                "(or use a scoped name); if it is a typo, fix the name",
            )
        elif dep.package.version and facts.version_exists is False:
            yield Finding(
                rule=INFO.id, severity=Severity.MEDIUM, confidence=INFO.confidence, package=dep.package,
                message=f"{name} {dep.package.version} is pinned but the index {facts.index_url} does not have that version "
                f"(latest: {facts.latest_version or 'none'}): it was removed, or it comes from somewhere else",
                location=where(dep), evidence=(Evidence("index versions", ", ".join(facts.versions[-5:]) or "none"),),
                fix="find out where this version came from; re-lock against the index you install from",
            )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
