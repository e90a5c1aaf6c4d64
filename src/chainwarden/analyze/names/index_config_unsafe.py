"""`index-config-unsafe`: an index configuration that lets the public index win for a private dependency.

The installers' rules are in `_exposure`; this rule reports each statement that exposes
a dependency `enrich.sources` found to be private, where the statement is and what to
change. It says nothing when no dependency is private: an extra index that only mirrors
public packages has nothing to lose.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.names._exposure import exposures
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
    id="index-config-unsafe",
    title="Index configuration lets the public index win for a private package",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry", "index-config"}),
    summary="pip --extra-index-url, uv unsafe index strategies, Poetry supplemental or merged primary sources, "
    "Pipenv install_search_all_sources, or an npm scope with no registry mapping, for a private dependency.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    del ctx
    setup = eg.indexes
    if setup is None or not setup.private:
        return
    for dep in eg.graph.dependencies:
        private = setup.private.get(dep.package.name)
        if private is None or dep.source_kind is not SourceKind.REGISTRY:
            continue
        for e in exposures(setup, dep):
            yield Finding(
                rule=INFO.id,
                severity=e.severity,
                confidence=INFO.confidence,
                package=dep.package,
                message=f"{e.why}; {dep.package.name} is private ({private.why})",
                location=e.location or (dep.sources[0] if dep.sources else None),
                evidence=(
                    Evidence("statement", e.statement, e.location),
                    Evidence("installer", e.installer),
                    Evidence("public index", f"{setup.public_url} (from {setup.public_origin})"),
                ),
                fix=e.fix,
            )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
