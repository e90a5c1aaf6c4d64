"""Helpers shared by the metadata analyzers: which packages install, at which
version, how old things are, and the weak-link signals several analyzers combine.
Pure functions over the enriched graph; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from packaging.version import InvalidVersion, Version

from chainwarden.model import (
    Dependency,
    DomainCheck,
    DomainStatus,
    Ecosystem,
    EnrichedGraph,
    RegistryFacts,
    Skip,
    SourceKind,
    SourceLocation,
    email_host,
)


def installed(eg: EnrichedGraph) -> Iterator[tuple[Dependency, RegistryFacts]]:
    """Registry dependencies that install in this environment and that the index knows."""
    for dep in eg.graph.dependencies:
        if dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        facts = eg.facts.get(dep.package)
        if facts is not None and facts.exists:
            yield dep, facts


def installs(dep: Dependency, facts: RegistryFacts) -> str | None:
    """The version that installs: the pinned one, or the index's latest when unpinned."""
    return dep.package.version or facts.latest_version


def released(facts: RegistryFacts, version: str | None) -> datetime | None:
    return dict(facts.release_times).get(version) if version else None


def where(dep: Dependency) -> SourceLocation | None:
    return dep.sources[0] if dep.sources else None


def age(delta: timedelta) -> str:
    """A duration as a person says it: "4 years 1 month", "7 months", "12 days"."""
    days = max(delta.days, 0)
    years = int(days // 365.25)
    months = round((days - years * 365.25) / 30.44)
    if months == 12:
        years, months = years + 1, 0
    if years:
        return f"{years} year{'s' * (years != 1)}" + (f" {months} month{'s' * (months != 1)}" if months else "")
    if days >= 30:
        months = max(months, 1)
        return f"{months} month{'s' * (months != 1)}"
    return f"{days} day{'s' * (days != 1)}"


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "unknown"


def lockfile_fix(ecosystem: Ecosystem) -> str:
    """What to commit so that every install takes the same versions (unpinned-dependency, lockfile-missing)."""
    if ecosystem is Ecosystem.PYPI:
        return "commit a lockfile: uv lock, poetry lock, pdm lock, or pip-compile --generate-hashes to a requirements file"
    return "commit package-lock.json (npm install --package-lock-only), yarn.lock or pnpm-lock.yaml"


def bump(previous: str, new: str) -> str | None:
    """"major", "minor" or "patch" from `previous` to `new` (PEP 440 / semver release parts); None if unclear."""
    try:
        a, b = Version(previous).release, Version(new).release
    except InvalidVersion:
        return None
    a, b = (a + (0, 0, 0))[:3], (b + (0, 0, 0))[:3]
    if b <= a:
        return None
    if a[0] != b[0]:
        return "major"
    return "minor" if a[1] != b[1] else "patch"


def single_maintainer(facts: RegistryFacts) -> bool:
    """One account can publish, and no organization stands behind it."""
    return bool(facts.maintainer_source) and len(facts.maintainers) == 1 and not facts.organization


def unresolvable(eg: EnrichedGraph, facts: RegistryFacts) -> list[tuple[str, DomainCheck]]:
    """(e-mail, check) for each published address whose registrable domain does not exist."""
    out: list[tuple[str, DomainCheck]] = []
    for email in facts.emails:
        check = eg.domains.get(email_host(email))
        if check is not None and check.status is DomainStatus.NXDOMAIN:
            out.append((email, check))
    return out


def new_publisher(facts: RegistryFacts) -> bool:
    """npm: the version that installs was published by someone who published none of the earlier ones."""
    return bool(facts.publisher and facts.earlier_publishers and facts.publisher not in facts.earlier_publishers)


def owners_changed(facts: RegistryFacts, now: datetime, window: timedelta) -> bool:
    """chainwarden saw a different owner set before the current one, and the change is recent."""
    return (
        facts.owners_before is not None
        and facts.owners_changed_at is not None
        and now - facts.owners_changed_at <= window
        and set(facts.owners_before) != set(facts.owners)
    )


def takeover_signals(eg: EnrichedGraph, facts: RegistryFacts, now: datetime, owners_window: timedelta) -> list[str]:
    """Signs that the account behind a package may not be its usual owner."""
    signals = [f"the domain of {email} is not registered" for email, _ in unresolvable(eg, facts)]
    if owners_changed(facts, now, owners_window):
        signals.append("its owners changed since an earlier scan")
    if new_publisher(facts):
        signals.append(f"published by {facts.publisher}, who published no earlier version")
    return signals


def unchecked(rule: str, eg: EnrichedGraph, names: list[str], why: str) -> Skip:
    """One Skip for the packages of a project a rule could not judge."""
    shown = ", ".join(sorted(names)[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return Skip(what=f"{rule}:{eg.graph.project.root}", reason=f"{why}: {len(names)} package(s) not checked ({shown})", stage="analyze")
