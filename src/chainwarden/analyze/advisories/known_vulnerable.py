"""`known-vulnerable`: a package at the version that installs is affected by a published vulnerability.

OSV records (not malware reports) matched exactly as the OSV schema says (enrich.osv); records
that are aliases of each other are one finding. The severity is the CVSS base severity the record
gives (v3.x first, then v4, then v2), else the database's own rating, else medium; the fix names
the lowest fixed version above the one installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.advisories._common import (
    affected,
    confidence,
    evidence,
    ids,
    version_text,
    where,
)
from chainwarden.model import (
    Advisory,
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
)

INFO = AnalyzerInfo(
    id="known-vulnerable",
    title="Known vulnerable version",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "advisories"}),
    summary="The version that installs is affected by a published vulnerability (OSV), with its CVSS severity and the fixed versions.",
)


def fix_for(name: str, advisory: Advisory) -> str:
    if advisory.fixed:
        also = f" (also fixed in {', '.join(advisory.fixed[1:4])})" if len(advisory.fixed) > 1 else ""
        return f"upgrade {name} to {advisory.fixed[0]} or later{also}"
    if advisory.last_affected:
        return (f"no fixed version is published; {advisory.last_affected[-1]} is the last affected one, so a later release "
                "is presumed safe: check the advisory, then upgrade past it")
    return f"no fixed version is published: follow the advisory's workaround, or replace {name}"


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    for dep, advisory in affected(eg):
        if advisory.malicious:
            continue  # known-malicious reports it
        name = dep.package.name
        severity = advisory.severity or INFO.severity
        rated = Evidence("severity", f"{severity.value}: {advisory.severity_source}" if advisory.severity
                         else f"medium assumed: {advisory.severity_source}")
        summary = f": {advisory.summary}" if advisory.summary else ""
        fixed = f"; fixed in {advisory.fixed[0]}" if advisory.fixed else "; no fix published"
        yield Finding(
            rule=INFO.id, severity=severity, confidence=confidence(dep), package=dep.package,
            message=f"{name} {version_text(dep, advisory)} is affected by {ids(advisory)}{summary}{fixed}",
            location=where(dep), evidence=(*evidence(advisory)[:1], rated, *evidence(advisory)[1:]),
            fix=fix_for(name, advisory),
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
