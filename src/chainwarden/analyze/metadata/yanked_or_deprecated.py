"""`yanked-or-deprecated`: the version that installs is yanked, or the package is deprecated,
archived or quarantined by its index.

A yanked version (PEP 592) was withdrawn by its maintainers, often for a
security or packaging fault; a lockfile that pins it still installs it. A
deprecated or archived package gets no fixes; a quarantined one (PEP 792) is
one the index considers unsafe, usually malware.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import installed, installs, where
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
    id="yanked-or-deprecated",
    title="Yanked version or deprecated package",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry"}),
    summary="The pinned version was yanked, or the index marks the package deprecated, archived or quarantined.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    for dep, facts in installed(eg):
        name, version = dep.package.name, installs(dep, facts)
        if facts.project_status == "quarantined":
            yield Finding(
                rule=INFO.id, severity=Severity.CRITICAL, confidence=INFO.confidence, package=dep.package,
                message=f"the index has quarantined {name} (PEP 792: considered unsafe, e.g. malware)"
                + (f": {facts.project_status_reason}" if facts.project_status_reason else ""),
                location=where(dep), evidence=(Evidence("project status", "quarantined"),),
                fix=f"remove {name}, and check every machine that installed it for compromise",
            )
        if dep.package.version and facts.yanked_reason is not None:
            yield Finding(
                rule=INFO.id, severity=INFO.severity, confidence=INFO.confidence, package=dep.package,
                message=f"{name} {version} is yanked"
                + (f": {facts.yanked_reason}" if facts.yanked_reason else " (no reason given)")
                + "; installers skip it unless pinned, as here",
                location=where(dep), evidence=(Evidence("yanked", facts.yanked_reason or "(no reason)"),),
                fix=f"move to {facts.latest_version}" if facts.latest_version and facts.latest_version != version
                else "move to a version that is not yanked",
            )
        if facts.deprecated or facts.project_status in ("deprecated", "archived"):
            what = facts.deprecated or f"project status {facts.project_status}" + (
                f": {facts.project_status_reason}" if facts.project_status_reason else "")
            yield Finding(
                rule=INFO.id, severity=Severity.LOW, confidence=INFO.confidence, package=dep.package,
                message=f"{name} {version or ''} is deprecated or archived by its maintainers: {what}".replace("  ", " "),
                location=where(dep), evidence=(Evidence("deprecated", what),),
                fix="follow the deprecation notice to its replacement; an unmaintained package gets no security fixes",
            )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
