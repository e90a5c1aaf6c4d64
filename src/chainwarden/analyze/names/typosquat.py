"""`typosquat`: a dependency whose name imitates a popular package's.

The matches come from `enrich.names` (a popular-name list indexed once); this
module judges them. A name on the popular list itself is never a squat of
another popular name; a package that shares an owner with its target is its
sibling, not a squat; a combosquat of an established package (many releases
over years) is a plugin, not a squat. Confidence falls as the candidate is
established, and for short targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    NameMatch,
    PackageId,
    RegistryFacts,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="typosquat",
    title="Name imitates a popular package",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry", "popular-names"}),
    summary="The dependency's name is a typo, look-alike, affix, word-order or combination of a popular package's name.",
)

_CONFIDENCE = {
    "homoglyph": Confidence.HIGH, "separator": Confidence.HIGH, "swap": Confidence.HIGH,
    "keyboard-adjacent": Confidence.HIGH, "repeated-character": Confidence.HIGH,
    "substitution": Confidence.MEDIUM, "insertion": Confidence.MEDIUM, "deletion": Confidence.MEDIUM,
    "affix": Confidence.MEDIUM, "version-digits": Confidence.MEDIUM, "word-order": Confidence.MEDIUM,
    "scope": Confidence.MEDIUM, "combosquat": Confidence.LOW,
}
ESTABLISHED_RELEASES = 10
ESTABLISHED_AGE = timedelta(days=730)


def _lower(c: Confidence) -> Confidence:
    return list(Confidence)[max(c.rank - 1, 0)]


def _established(facts: RegistryFacts | None, ctx: AnalysisContext) -> bool:
    return (facts is not None and facts.exists and facts.release_count >= ESTABLISHED_RELEASES
            and facts.first_release is not None and ctx.now - facts.first_release >= ESTABLISHED_AGE)


def _siblings(facts: RegistryFacts | None, target: RegistryFacts | None) -> bool:
    return bool(facts and target and facts.exists and target.exists and set(facts.owners) & set(target.owners))


def judge(name: str, ecosystem: Ecosystem, match: NameMatch, facts: RegistryFacts | None,
          target: RegistryFacts | None, ctx: AnalysisContext) -> tuple[Severity, Confidence] | None:
    """Severity and confidence of one match, or None when it is not a squat."""
    if match.candidate_downloads is not None:
        return None  # a popular name is never a squat of another popular name
    if _siblings(facts, target):
        return None  # same owners: a sibling package (requests / requests-oauthlib by one team)
    established = _established(facts, ctx)
    if match.transformation == "combosquat" and established:
        return None  # an established package that adds a word is a plugin or extension, not a squat
    confidence = _CONFIDENCE.get(match.transformation, Confidence.LOW)
    if established:
        confidence = _lower(confidence)
    if len(match.target.split("/")[-1]) <= 5:
        confidence = _lower(confidence)
    severity = Severity.MEDIUM if match.transformation == "combosquat" else INFO.severity
    return severity, confidence


def _describe(m: NameMatch) -> str:
    return m.transformation + (f" ({m.detail})" if m.detail else "")


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    eco = eg.graph.project.ecosystem
    for dep in eg.graph.dependencies:
        if dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        facts = eg.facts.get(dep.package)
        judged = [(m, j) for m in eg.names.get(dep.package.name, ())
                  for j in [judge(dep.package.name, eco, m, facts, eg.facts.get(PackageId(eco, m.target)), ctx)] if j]
        if not judged:
            continue
        best, (severity, confidence) = judged[0]
        others = [f"{m.target} ({_describe(m)})" for m, _ in judged[1:4]]
        yield Finding(
            rule=INFO.id,
            severity=severity,
            confidence=confidence,
            package=dep.package,
            message=f"{dep.package.name} looks like {best.target} ({_describe(best)}), a popular package "
            f"with {best.target_downloads:,} downloads in the list's period"
            + ("; not on the index, so anyone can register it" if facts is not None and not facts.exists else ""),
            location=dep.sources[0] if dep.sources else None,
            evidence=(
                Evidence("target", best.target),
                Evidence("transformation", _describe(best)),
                Evidence("popular-name list", eg.popular_names),
                *(Evidence("also like", o) for o in others),
            ),
            fix=f"if you meant {best.target}, fix the name in the file that declares it and check the machines that "
            f"installed {dep.package.name}; if {dep.package.name} is what you meant, ignore this finding for it",
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
