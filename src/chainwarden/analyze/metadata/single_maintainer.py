"""`single-maintainer`: one account can publish the package (a bus factor of one).

If that one account is taken over (a reused password, a lapsed e-mail domain),
nobody else with rights on the package can notice and react. Most packages have
one maintainer, so on its own this is informational (docs/decisions/0020-weak-signals-combine.md);
it raises `dormant-then-released` when the release after a gap comes from a lone maintainer.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import (
    installed,
    single_maintainer,
    unchecked,
    where,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
)

INFO = AnalyzerInfo(
    id="single-maintainer",
    title="A single maintainer account",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry"}),
    summary="Only one account can publish the package: if it is taken over, nobody else can react.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    unknown: list[str] = []
    for dep, facts in installed(eg):
        if not facts.maintainer_source:
            unknown.append(dep.package.name)
            continue
        if not single_maintainer(facts):
            continue
        yield Finding(
            rule=INFO.id,
            severity=INFO.severity,
            confidence=INFO.confidence,
            package=dep.package,
            message=f"{dep.package.name} has one maintainer account ({facts.maintainers[0]}): if it is taken over, "
            "no one else can publish a fix or yank the release",
            location=where(dep),
            evidence=(Evidence("maintainers", facts.maintainers[0]), Evidence("from", facts.maintainer_source)),
            fix="prefer packages with several maintainers or an organization for critical paths; pin with hashes and "
            "review its updates",
        )
    if unknown:
        yield unchecked(INFO.id, eg, unknown, "the index does not say who maintains these packages")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
