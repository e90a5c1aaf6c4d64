"""`dormant-then-released`: a release after a long silence — the shape of an abandoned-package hijack.

The attacker takes over a dormant package and ships a small patch release that
CI picks up on its next update. The rule looks at the version that installs
(and at a newer one the next update would take) and measures the gap since the
release before it. The danger is a fresh release nobody has looked at yet: an
old revival is informational (high with a sign of takeover: months of use have
looked at it; docs/decisions/0020-weak-signals-combine.md); a recent one is medium,
high for a patch or minor bump by a single maintainer, and critical with a
sign of takeover (an unregistered e-mail domain, changed owners, a new
publisher). A newer release the next update would take is reported one step
lower, and a newer major version without a sign of takeover is informational
(an update within the declared range does not take it; a person who upgrades
reads its changelog); pre-releases and yanked releases are not reported, as
updates do not take them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from packaging.version import InvalidVersion, Version

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Option,
    OptionKind,
    Reflex,
)
from chainwarden.analyze.metadata import owners_changed
from chainwarden.analyze.metadata._common import (
    age,
    bump,
    day,
    installed,
    installs,
    single_maintainer,
    takeover_signals,
    unchecked,
    where,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    RegistryFacts,
    Severity,
    Skip,
)

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


def _gap(facts: RegistryFacts, version: str, position: dict[str, int] | None = None) -> tuple[str, datetime, datetime] | None:
    """(previous version, its time, this version's time) for `version`, by release time. `position` (version ->
    its index in release_times) makes it one lookup: an index may list 100,000 versions, each a candidate."""
    times = facts.release_times
    i = (position if position is not None else {v: n for n, (v, _) in enumerate(times)}).get(version)
    return (times[i - 1][0], times[i - 1][1], times[i][1]) if i else None


def _pre(version: str) -> bool:
    """A pre-release: an update does not take it unless asked to."""
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return "-" in version


def _updates(facts: RegistryFacts, pinned: str) -> list[str]:
    """Versions an update from `pinned` could take: higher, not pre-releases, not yanked; lowest first."""
    try:
        base = Version(pinned)
    except InvalidVersion:
        return []
    out: list[tuple[Version, str]] = []
    for v in facts.versions:
        if v in facts.yanked_versions or _pre(v):
            continue
        try:
            pv = Version(v)
        except InvalidVersion:
            continue
        if pv > base:
            out.append((pv, v))
    return [v for _, v in sorted(out)]


def _severity(recent: bool, takeover: bool, lone_small_bump: bool) -> Severity:
    """The danger is a fresh release nobody has looked at yet, and more so from a doubtful account.

    old revival: informational (high with a takeover sign); recent: medium, high for a patch or minor
    bump by a single maintainer, critical with a takeover sign (unregistered e-mail domain, changed
    owners, new publisher).
    """
    if not recent:
        return Severity.HIGH if takeover else Severity.INFO
    if takeover:
        return Severity.CRITICAL
    return Severity.HIGH if lone_small_bump else Severity.MEDIUM


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
        candidates += _updates(facts, pinned) if pinned else []
        position = {v: n for n, (v, _) in enumerate(facts.release_times)}
        for version in candidates:
            if version is None:
                continue
            gap = _gap(facts, version, position)
            if gap is None or gap[2] - gap[1] < min_gap:
                continue
            previous, prev_time, this_time = gap
            is_recent = ctx.now - this_time <= recent
            kind = bump(previous, version)
            takeover = takeover_signals(eg, facts, ctx.now, owners_window)
            weak = (["one maintainer"] if single_maintainer(facts) else []) + takeover
            severity = _severity(is_recent, bool(takeover), single_maintainer(facts) and kind in ("patch", "minor"))
            installed_now = version == pinned
            if not installed_now and kind == "major" and not takeover:
                severity = Severity.INFO  # a new major version: an update within the declared range does not take it
            elif not installed_now and severity is not Severity.INFO:  # not installed yet: one step lower, never critical
                severity = list(Severity)[max(min(severity.rank - 1, Severity.HIGH.rank), Severity.LOW.rank)]
            why = [f"{age(this_time - prev_time)} after {previous} ({day(prev_time)})"]
            if kind:
                why.append(f"a {kind} bump")
            if is_recent:
                why.append(f"released {age(ctx.now - this_time)} ago")
            subject = f"{dep.package.name} {version}" if installed_now else (
                f"{dep.package.name} {version}, which the next update would take (installed: {pinned}),")
            message = (
                f"{subject} was published on {day(this_time)}, " + ", ".join(why)
                + (f"; weak links: {'; '.join(weak)}" if weak else "")
            )
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
