"""`dormant-then-released`: a release after a long silence — the shape of an abandoned-package hijack.

The attacker takes over a dormant package and ships a small patch release that
CI picks up on its next update. The rule looks at the version that installs
(and at a newer one the next update would take) and measures the gap since the
release before it. Severity starts low and rises with what makes the hijack
likely: a recent release, a patch or minor bump, a single maintainer, and any
sign of takeover (an unregistered e-mail domain, changed owners, a new
publisher), which makes a recent release critical.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from chainwarden.analyze._interface import AnalysisContext, Analyzer, AnalyzerInfo, Option, OptionKind, Reflex
from chainwarden.analyze.metadata import owners_changed
from chainwarden.analyze.metadata._common import (
    age,
    bump,
    day,
    installed,
    installs,
    raise_severity,
    single_maintainer,
    takeover_signals,
    unchecked,
    where,
)
from chainwarden.model import Confidence, Ecosystem, EnrichedGraph, Evidence, Finding, RegistryFacts, Severity, Skip

INFO = AnalyzerInfo(
    id="dormant-then-released",
    title="Release after a long dormancy",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry", "dns", "state"}),
    summary="A version published after a long gap since the release before it: how hijacked abandoned packages look.",
    options=(
        Option("gap", OptionKind.DURATION, "18mo", "a release at least this long after the one before it"),
        Option("recent", OptionKind.DURATION, "90d", "a release younger than this raises the severity"),
    ),
)


def _gap(facts: RegistryFacts, version: str) -> tuple[str, datetime, datetime] | None:
    """(previous version, its time, this version's time) for `version`, by release time."""
    times = facts.release_times
    for i, (v, t) in enumerate(times):
        if v == version:
            return (times[i - 1][0], times[i - 1][1], t) if i > 0 else None
    return None


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    min_gap, recent = ctx.duration(INFO, "gap"), ctx.duration(INFO, "recent")
    owners_window = ctx.duration(owners_changed.INFO, "window")
    undated: list[str] = []
    for dep, facts in installed(eg):
        if not facts.release_times:
            undated.append(dep.package.name)
            continue
        pinned = installs(dep, facts)
        candidates = [pinned] if pinned else []
        newer = [v for v, t in facts.release_times if pinned and t > dict(facts.release_times).get(pinned, t)]
        candidates += newer
        for version in candidates:
            if version is None:
                continue
            gap = _gap(facts, version)
            if gap is None or gap[2] - gap[1] < min_gap:
                continue
            previous, prev_time, this_time = gap
            is_recent = ctx.now - this_time <= recent
            kind = bump(previous, version)
            takeover = takeover_signals(eg, facts, ctx.now, owners_window)
            weak = (["one maintainer"] if single_maintainer(facts) else []) + takeover
            steps = int(is_recent) + int(kind in ("patch", "minor")) + int(single_maintainer(facts))
            severity = raise_severity(INFO.severity, steps, cap=Severity.HIGH)
            if takeover:
                severity = Severity.CRITICAL if is_recent else raise_severity(severity, 1)
            installed_now = version == pinned
            if not installed_now:
                # not installed yet: one step lower, and never critical
                severity = list(Severity)[max(min(severity.rank - 1, Severity.HIGH.rank), Severity.LOW.rank)]
            why = [f"{age(this_time - prev_time)} after {previous} ({day(prev_time)})"]
            if kind:
                why.append(f"a {kind} bump")
            if is_recent:
                why.append(f"released {age(ctx.now - this_time)} ago")
            message = (
                f"{dep.package.name} {version} was published on {day(this_time)}, " + ", ".join(why)
                + (f"; weak links: {'; '.join(weak)}" if weak else "")
            )
            if not installed_now:
                message = f"the next update would take {message} (installed: {pinned})"
            yield Finding(
                rule=INFO.id,
                severity=severity,
                confidence=Confidence.HIGH if takeover else INFO.confidence,
                package=dep.package,
                message=message,
                location=where(dep),
                evidence=(
                    Evidence("release", f"{version} on {day(this_time)}"),
                    Evidence("release before it", f"{previous} on {day(prev_time)}"),
                    Evidence("gap", age(this_time - prev_time)),
                    *(Evidence("weak link", w) for w in weak),
                ),
                fix=(
                    f"pin {dep.package.name} to {previous} (the last release before the gap) with hashes, and compare "
                    f"{previous}..{version} file by file before trusting it"
                    if installed_now
                    else f"keep {pinned} pinned with hashes; review {version} file by file before upgrading"
                ),
            )
            break  # one finding per package: the installed version, else the first suspicious newer one
    if undated:
        yield unchecked(INFO.id, eg, undated, "the index sent no release dates")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
