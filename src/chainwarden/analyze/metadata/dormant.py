"""`dormant`: no release for longer than a threshold while the project still depends on it.

A dormant package is the first thing an attacker looks for: nobody watches it,
and its next release will be trusted by every lockfile update. On its own it is
exposure, not evidence, and most healthy projects depend on finished packages
that need no release: the finding is informational (kept in the JSON report and
the metrics, never failing a run; docs/decisions/0020-weak-signals-combine.md).
What an attacker does with a dormant package shows up elsewhere:
`dormant-then-released`, `owners-changed`, `maintainer-domain-unresolvable`.
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
    id="dormant",
    title="No release for a long time",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry"}),
    summary="The package has had no release for longer than the threshold and is still depended on.",
    options=(Option("after", OptionKind.DURATION, "2y", "no release for longer than this"),),
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    after = ctx.duration(INFO, "after")
    undated: list[str] = []
    for dep, facts in installed(eg):
        if facts.last_release is None:
            undated.append(dep.package.name)
            continue
        quiet = ctx.now - facts.last_release
        if quiet <= after:
            continue
        yield Finding(
            rule=INFO.id,
            severity=INFO.severity,
            confidence=INFO.confidence,
            package=dep.package,
            message=f"{dep.package.name} has had no release since {day(facts.last_release)} ({age(quiet)}; threshold {age(after)})",
            location=where(dep),
            evidence=(
                Evidence("last release", f"{facts.latest_version or '?'} on {day(facts.last_release)}"),
                Evidence("releases", str(facts.release_count)),
            ),
            fix="look for a maintained alternative or fork; until then pin it with hashes so that a new release "
            "(possibly from a taken-over account) cannot slip in, and review any update by hand",
        )
    if undated:
        yield unchecked(INFO.id, eg, undated, "the index sent no release dates")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
