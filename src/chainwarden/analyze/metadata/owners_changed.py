"""`owners-changed`: the people who can publish a package are not the ones chainwarden saw before.

Account takeover shows up as a new owner (often with the old ones removed), or on
npm as a release published by someone who published none of the earlier ones.
chainwarden records each package's owner set in its store on every scan; a change
is reported for `window` after it was first seen.
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
from chainwarden.analyze.metadata._common import (
    day,
    installed,
    installs,
    new_publisher,
    owners_changed,
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
    id="owners-changed",
    title="Owners or publisher changed",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry", "state"}),
    summary="The accounts that can publish the package changed since an earlier scan, or (npm) the version that "
    "installs was published by a newcomer.",
    options=(Option("window", OptionKind.DURATION, "90d", "keep reporting a change for this long after it was first seen"),),
)

_FIX = ("check the package's changelog and repository for an announced hand-over before updating; until then keep "
        "the lockfile on the last version published by the previous owners")


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    window = ctx.duration(INFO, "window")
    unknown: list[str] = []
    for dep, facts in installed(eg):
        if not facts.maintainer_source:
            unknown.append(dep.package.name)
        if owners_changed(facts, ctx.now, window):
            before = set(facts.owners_before or ())
            now_set = set(facts.owners)
            added, removed = sorted(now_set - before), sorted(before - now_set)
            replaced = bool(removed) and not (before & now_set)
            parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
            yield Finding(
                rule=INFO.id,
                severity=Severity.HIGH if replaced else INFO.severity,
                confidence=INFO.confidence,
                package=dep.package,
                message=f"the owners of {dep.package.name} changed ({'; '.join(parts)}), first seen {day(facts.owners_changed_at)}"
                + (": none of the earlier owners is left" if replaced else ""),
                location=where(dep),
                evidence=(
                    Evidence("owners before", ", ".join(sorted(before))),
                    Evidence("owners now", ", ".join(sorted(now_set))),
                    Evidence("change first seen", day(facts.owners_changed_at)),
                ),
                fix=_FIX,
            )
        version = installs(dep, facts)
        if new_publisher(facts):
            yield Finding(
                rule=INFO.id,
                severity=INFO.severity,
                confidence=INFO.confidence,
                package=dep.package,
                message=f"{dep.package.name} {version} was published by {facts.publisher}, who published none of the "
                f"{len(facts.earlier_publishers)} earlier publisher(s)' versions ({', '.join(facts.earlier_publishers)})",
                location=where(dep),
                evidence=(Evidence("publisher", facts.publisher or ""), Evidence("earlier publishers", ", ".join(facts.earlier_publishers))),
                fix=_FIX,
            )
        elif facts.version_maintainers and facts.previous_version_maintainers and (
            set(facts.version_maintainers) - set(facts.previous_version_maintainers)
        ):
            added = sorted(set(facts.version_maintainers) - set(facts.previous_version_maintainers))
            yield Finding(
                rule=INFO.id,
                severity=Severity.LOW,
                confidence=INFO.confidence,
                package=dep.package,
                message=f"{dep.package.name} {version} lists maintainers the release before it did not: {', '.join(added)}",
                location=where(dep),
                evidence=(
                    Evidence("maintainers of this version", ", ".join(facts.version_maintainers)),
                    Evidence("maintainers of the release before", ", ".join(facts.previous_version_maintainers)),
                ),
                fix=_FIX,
            )
    if unknown:
        yield unchecked(INFO.id, eg, unknown, "the index does not say who maintains these packages")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
