"""`new-package`: a package whose first release is very recent, or that has very few releases.

Most malicious packages are days old when they are caught. A young package
has no track record, no users who would have noticed a problem, and often no
one but its author behind it.

A first release younger than `younger-than` is medium. A package with fewer than
`min-releases` releases is low while it is younger than `track-record` (a year):
it has not yet shown that anyone maintains it. Older than that, a single release
is a small finished package, and the finding is informational
(docs/decisions/0020-weak-signals-combine.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Option,
    OptionKind,
    Reflex,
)
from chainwarden.analyze.metadata._common import age, day, installed, unchecked, where
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
    id="new-package",
    title="New package",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry"}),
    summary="The first release is younger than the threshold, or the package has fewer releases than the minimum.",
    options=(
        Option("younger-than", OptionKind.DURATION, "30d", "a first release younger than this"),
        Option("min-releases", OptionKind.COUNT, 2, "fewer releases than this (0 turns the check off)"),
        Option("track-record", OptionKind.DURATION, "1y",
               "few releases are low while the first release is younger than this, informational after"),
    ),
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    young, minimum = ctx.duration(INFO, "younger-than"), ctx.count(INFO, "min-releases")
    record = ctx.duration(INFO, "track-record")
    undated: list[str] = []
    for dep, facts in installed(eg):
        name = dep.package.name
        if facts.first_release is None:
            undated.append(name)
        evidence = (Evidence("first release", day(facts.first_release)), Evidence("releases", str(facts.release_count)))
        if facts.first_release is not None and ctx.now - facts.first_release < young:
            yield Finding(
                rule=INFO.id, severity=INFO.severity, confidence=INFO.confidence, package=dep.package,
                message=f"{name} first appeared on the index {age(ctx.now - facts.first_release)} ago "
                f"({day(facts.first_release)}), with {facts.release_count} release(s): it has no track record",
                location=where(dep), evidence=evidence,
                fix=f"check who publishes {name} and why before depending on it; wait until it has a history, "
                "or vendor a reviewed copy",
            )
        elif facts.release_count < minimum:
            settled = facts.first_release is not None and ctx.now - facts.first_release >= record
            yield Finding(
                rule=INFO.id, severity=Severity.INFO if settled else Severity.LOW, confidence=INFO.confidence,
                package=dep.package,
                message=f"{name} has only {facts.release_count} release(s) (first {day(facts.first_release)})"
                + (f", and none in the {age(ctx.now - facts.first_release)} since" if settled and facts.first_release else ""),
                location=where(dep), evidence=evidence,
                fix=f"check who publishes {name} and whether a better-established package does the same",
            )
    if undated:
        yield unchecked(INFO.id, eg, undated, "the index sent no release dates, so the age of these packages is unknown")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
