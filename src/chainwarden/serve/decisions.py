"""What the index does with each upstream release: serve it, hold it, or block it. Pure: no I/O.

`signals()` turns what is known about a project (upstream's files and facts, the owner and repository
URL changes the store saw, advisories, the static analysis of its files, the popular-name index) into
`Signal`s, each one check's word on one release; `judge()` combines them with the overrides people
gave (approvals, waivers, blocks, the emergency bypass) into one `VersionDecision` per release.

Checks (their ids are what ``chainwarden index waive --check`` names):

| check | kind | when |
|---|---|---|
| ``cooldown`` | hold | released less than ``cooldown`` ago (per-project overrides); until it is that old |
| ``no-upload-time`` | hold | upstream gives no upload time: the age is unknown (fail closed) |
| ``dormant-then-released`` | hold | the release came after a long silence (the analyzer's rule), for ``dormant-hold`` after it |
| ``owners-changed`` | hold | the owners changed since the index saw them, for releases after the change, ``owner-hold`` long |
| ``repository-changed`` | hold | the repository URL changed, the same way, ``repository-hold`` long |
| ``analysis-pending`` | hold | a new release (younger than ``analyse-within``) whose files were not analysed yet |
| ``static-analysis`` | block / hold | the code analysis says malicious (block), suspicious or not checked (hold, by policy) |
| ``known-malicious`` | block | an OSV malware report names this version |
| ``typosquat`` | block | the name imitates a popular one and the project itself is new |
| ``manual-block`` | block | a person blocked it |

Approvals release holds (not blocks, and not ``analysis-pending``: nothing is served unread); a waiver
switches one check off for a project or a release until it expires; the bypass overrides everything
and is audited as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from packaging.utils import canonicalize_name

from chainwarden.analyze._interface import AnalysisContext
from chainwarden.analyze.metadata import dormant_then_released
from chainwarden.analyze.metadata._common import age, day
from chainwarden.analyze.names import typosquat
from chainwarden.decide.serve_policy import ServePolicy
from chainwarden.enrich.documents import ProjectRecord
from chainwarden.model import (
    Advisory,
    Confidence,
    Dependency,
    DependencyGraph,
    Ecosystem,
    EnrichedGraph,
    NameMatch,
    PackageId,
    Project,
)

SERVED, HELD, BLOCKED = "served", "held", "blocked"
CHECKS = ("cooldown", "no-upload-time", "dormant-then-released", "owners-changed", "repository-changed",
          "analysis-pending", "static-analysis", "known-malicious", "typosquat", "manual-block")
UNAPPROVABLE = frozenset({"analysis-pending"})


@dataclass(frozen=True)
class Signal:
    check: str
    kind: str  # "hold" or "block"
    reason: str
    until: datetime | None = None  # when the check lets go by itself (None: not by itself)


@dataclass(frozen=True)
class Release:
    """One upstream version as the decision sees it."""

    version: str
    released: datetime | None  # the earliest upload time of its files (PEP 700), None when upstream gives none
    verdict: str | None = None  # the static analysis of its files, worst first; None when none was analysed
    verdict_summary: str = ""
    analysed: bool = False  # every file that must be analysed before the release is listed was


@dataclass(frozen=True)
class Changes:
    """What the store saw change in a project (owners: enrich.cache.Store.record_owners; repository: serve.store)."""

    owners_before: tuple[str, ...] | None = None
    owners_now: tuple[str, ...] = ()
    owners_changed_at: datetime | None = None
    repository_before: str | None = None
    repository_now: str | None = None
    repository_changed_at: datetime | None = None


@dataclass(frozen=True)
class OverrideView:
    """An override as the decision needs it (serve.store.Override, without the storage details)."""

    id: int
    kind: str  # "approve", "waive", "block", "bypass"
    version: str  # "" for every version
    check: str
    author: str
    reason: str
    expires: datetime | None


@dataclass(frozen=True)
class VersionDecision:
    version: str
    state: str  # SERVED, HELD, BLOCKED
    reasons: tuple[str, ...]  # why it is held or blocked, or what let it through
    checks: tuple[str, ...]  # the checks that hold or block it
    until: datetime | None  # the earliest moment this decision may change by itself (a hold ending, an override expiring)

    @property
    def served(self) -> bool:
        return self.state == SERVED


def _within(moment: datetime | None, now: datetime, span: timedelta) -> bool:
    return moment is not None and now - moment < span


def _graph(name: str, version: str) -> tuple[Dependency, DependencyGraph]:
    dep = Dependency(PackageId(Ecosystem.PYPI, name, version), sources=(), direct=True)
    return dep, DependencyGraph(Project(root="(index)", ecosystem=Ecosystem.PYPI, files=(), lockfiles=()), (dep,))


def signals(name: str, releases: Sequence[Release], record: ProjectRecord | None, changes: Changes,
            advisories: Mapping[str, Sequence[Advisory]], matches: Sequence[NameMatch], policy: ServePolicy,
            now: datetime, options: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, list[Signal]]:
    """Every check's word on every release (module docstring)."""
    out: dict[str, list[Signal]] = {r.version: [] for r in releases}
    ctx = AnalysisContext(now=now, options=options or {})  # type: ignore[arg-type]
    cooldown = policy.cooldown_for(name)
    horizon = max(cooldown, policy.dormant_hold, policy.owner_hold, policy.repository_hold, policy.analyse_within)
    first = min((r.released for r in releases if r.released is not None), default=None)
    squat = _typosquat(name, record, matches, first, policy, ctx)
    for r in releases:
        found = out[r.version]
        if squat is not None:
            found.append(squat)
        for a in advisories.get(r.version, ()):
            if a.malicious:
                found.append(Signal("known-malicious", "block", f"known-malicious: {a.id}"
                                    + (f" ({a.summary})" if a.summary else "") + " reports this version as malware"))
        if r.verdict == "malicious":
            found.append(Signal("static-analysis", "block", f"static analysis: malicious ({r.verdict_summary})"))
        elif r.verdict in ("suspicious", "not-checked") and (policy.suspicious if r.verdict == "suspicious"
                                                             else policy.not_checked) == "hold":
            what = "suspicious" if r.verdict == "suspicious" else "not checked: its files could not be read completely"
            found.append(Signal("static-analysis", "hold", f"static analysis: {what} ({r.verdict_summary}); "
                                "a person must approve it"))
        if r.released is None:
            found.append(Signal("no-upload-time", "hold", "upstream gives no upload time for this release: its age is "
                                "unknown, so the cooldown cannot be judged (approve it to serve it)"))
            continue
        if now - r.released < cooldown:
            until = r.released + cooldown
            found.append(Signal("cooldown", "hold", f"cooldown: released {r.released:%Y-%m-%d %H:%M} UTC, "
                                f"{age(now - r.released)} ago; held until {until:%Y-%m-%d %H:%M} UTC "
                                f"({age(cooldown)} cooldown)", until))
        if not r.analysed and _within(r.released, now, policy.analyse_within):
            found.append(Signal("analysis-pending", "hold", "a new release: held until its files are analysed"))
        if now - r.released >= horizon:
            continue  # every longer hold has ended for a release this old
        if record is not None:
            found += _dormant(name, r, record, policy, ctx)
        if changes.owners_changed_at is not None and changes.owners_before is not None \
                and r.released >= changes.owners_changed_at - cooldown:
            until = max(changes.owners_changed_at, r.released) + policy.owner_hold
            if now < until:
                added = sorted(set(changes.owners_now) - set(changes.owners_before))
                removed = sorted(set(changes.owners_before) - set(changes.owners_now))
                found.append(Signal("owners-changed", "hold", "owners-changed: the accounts that can publish changed "
                                    f"(first seen {day(changes.owners_changed_at)}"
                                    + (f"; added {', '.join(added)}" if added else "")
                                    + (f"; removed {', '.join(removed)}" if removed else "")
                                    + f"); held until {until:%Y-%m-%d}", until))
        if changes.repository_changed_at is not None and changes.repository_before is not None \
                and r.released >= changes.repository_changed_at - cooldown:
            until = max(changes.repository_changed_at, r.released) + policy.repository_hold
            if now < until:
                found.append(Signal("repository-changed", "hold", "repository-changed: the project's repository URL "
                                    f"changed from {changes.repository_before} to {changes.repository_now} "
                                    f"(first seen {day(changes.repository_changed_at)}); held until {until:%Y-%m-%d}", until))
    return out


def _dormant(name: str, r: Release, record: ProjectRecord, policy: ServePolicy, ctx: AnalysisContext) -> list[Signal]:
    """The dormant-then-released rule on this release (its own analyzer, on a one-package graph)."""
    assert r.released is not None
    until = r.released + policy.dormant_hold
    if ctx.now >= until:
        return []
    dep, graph = _graph(name, r.version)
    eg = EnrichedGraph(graph, {dep.package: record.facts_for(r.version)})
    for f in dormant_then_released.analyze(eg, ctx):
        if getattr(f, "rule", None) != dormant_then_released.INFO.id:
            continue
        evidence = getattr(f, "evidence", ())
        if evidence and str(evidence[0].value).startswith(f"{r.version} on "):
            return [Signal("dormant-then-released", "hold", f"dormant-then-released: {f.message}; "  # type: ignore[union-attr]
                           f"held until {until:%Y-%m-%d}", until)]
    return []


def _typosquat(name: str, record: ProjectRecord | None, matches: Sequence[NameMatch], first: datetime | None,
               policy: ServePolicy, ctx: AnalysisContext) -> Signal | None:
    """A name imitating a popular one, of a project that is itself new (its first release younger than typosquat-new)."""
    if not policy.block_typosquats or not matches or first is None or ctx.now - first >= policy.typosquat_new:
        return None
    facts = record.facts_for(None) if record is not None else None
    for m in matches:
        judged = typosquat.judge(name, Ecosystem.PYPI, m, facts, None, ctx)  # None: exempt, or the name alone
        # the project's newness is checked above from its own upload times, so the rule's severity (which weighs
        # the same evidence, and only MEDIUM without a JSON API) is not asked for; its confidence in the match is
        if judged is not None and judged.confidence.rank >= Confidence.MEDIUM.rank:
            return Signal("typosquat", "block", f"typosquat: {name} looks like {m.target} ({m.transformation}"
                          + (f", {m.detail}" if m.detail else "") + f"), a popular package, and {name} is new "
                          f"(first release {day(first)})")
    return None


def overrides_for(version: str, overrides: Iterable[OverrideView], now: datetime) -> list[OverrideView]:
    return [o for o in overrides if o.version in ("", version) and (o.expires is None or now <= o.expires)]


def judge(version: str, found: Sequence[Signal], overrides: Iterable[OverrideView], now: datetime) -> VersionDecision:
    """One release's decision: its signals, with the overrides people gave (module docstring)."""
    mine = overrides_for(version, overrides, now)
    expiring = [o.expires for o in mine if o.expires is not None]
    signals_ = list(found) + [Signal("manual-block", "block", f"blocked by {o.author}: {o.reason}")
                              for o in mine if o.kind == "block"]
    bypass = next((o for o in mine if o.kind == "bypass"), None)
    approved = next((o for o in mine if o.kind == "approve"), None)
    waived = {o.check: o for o in mine if o.kind == "waive"}
    standing: list[Signal] = []
    let_through: list[str] = []
    for s in signals_:
        w = waived.get(s.check) or waived.get("*")
        if w is not None and s.check not in UNAPPROVABLE:
            let_through.append(f"{s.check} waived by {w.author} ({w.reason})"
                               + (f" until {w.expires:%Y-%m-%d}" if w.expires else ""))
            continue
        if s.kind == "hold" and approved is not None and s.check not in UNAPPROVABLE:
            let_through.append(f"{s.check} released by {approved.author}'s approval ({approved.reason})")
            continue
        standing.append(s)
    if bypass is not None and standing and not any(s.check in UNAPPROVABLE for s in standing):
        reasons = tuple(f"EMERGENCY BYPASS by {bypass.author} ({bypass.reason}) over: {s.reason}" for s in standing)
        return VersionDecision(version, SERVED, reasons, (), min(expiring, default=None))
    ends = [s.until for s in standing if s.until is not None]
    blocks = [s for s in standing if s.kind == "block"]
    until = min([*ends, *expiring], default=None)
    if blocks:
        return VersionDecision(version, BLOCKED, tuple(s.reason for s in standing), tuple(s.check for s in standing), until)
    if standing:
        return VersionDecision(version, HELD, tuple(s.reason for s in standing), tuple(s.check for s in standing), until)
    return VersionDecision(version, SERVED, tuple(let_through), (), until)


def normalise(name: str) -> str:
    return canonicalize_name(name)


def with_release_times(releases: Sequence[Release], times: Mapping[str, datetime]) -> list[Release]:
    """Releases with the JSON API's release times where the simple page gave none."""
    return [r if r.released is not None or r.version not in times else replace(r, released=times[r.version])
            for r in releases]
