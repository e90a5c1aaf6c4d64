"""`known-malicious`: a package at the version that installs is reported as malware by the advisory data.

An OSV record with a ``MAL-`` id or alias, or a database's malware marker in `database_specific`
(the malicious-packages origins, CWE-506 Embedded Malicious Code), matched exactly as the OSV
schema says (enrich.osv). Always critical: the code ran, or will run, on every machine that
installs it.
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
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Finding,
    Severity,
    Skip,
)

INFO = AnalyzerInfo(
    id="known-malicious",
    title="Known malicious package",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "advisories"}),
    summary="The advisory data reports the version that installs as malware (an OSV MAL- record or a malware marker).",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    for dep, advisory in affected(eg):
        if not advisory.malicious:
            continue
        name = dep.package.name
        summary = f": {advisory.summary}" if advisory.summary else ""
        yield Finding(
            rule=INFO.id, severity=INFO.severity, confidence=confidence(dep), package=dep.package,
            message=f"{name} {version_text(dep, advisory)} is known malware, reported in {ids(advisory)}{summary}",
            location=where(dep), evidence=evidence(advisory),
            fix=f"remove {name} (and whatever depends on it) now; treat every machine and CI runner that installed it as "
                "compromised: rebuild them and rotate the credentials and tokens they held",
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
