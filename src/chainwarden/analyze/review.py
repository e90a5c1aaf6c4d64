"""What a change to the lockfiles does (`chainwarden review BASE HEAD`): the dependencies added, removed,
upgraded and downgraded between two enriched graphs, and the findings only a comparison can give.

Pure: it reads the two commits' enriched graphs (collected and looked up by the pipeline) and the
policy's approvals; it does no I/O. Rules (each has docs/rules/<id>.md):

- ``new-maintainer``: the new version was published by, or lists as maintainer, an account that the
  old version did not (npm records both per version: ``_npmUser`` and ``maintainers``) - the seed's
  "maintainer change alert";
- ``repository-changed``: the new version's repository URL differs from the old one's;
- ``unapproved-dependency``: with ``[approvals] required = true``, a dependency the change adds that
  the approvals list does not name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chainwarden.model import (
    Confidence,
    Dependency,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    PackageId,
    RegistryFacts,
    ScanResult,
    Severity,
    Skip,
    Verdict,
    version_order,
)

REVIEW_RULES: tuple[tuple[str, str, str], ...] = (
    ("new-maintainer", "high", "An update brings a publisher or maintainer the previous version did not have"),
    ("repository-changed", "high", "An update points at a different source repository"),
    ("unapproved-dependency", "medium", "A change adds a dependency the approvals list does not name"),
)


@dataclass(frozen=True)
class Change:
    ecosystem: Ecosystem
    name: str
    kind: str  # "added", "removed", "upgraded", "downgraded", "changed" (same order, other spelling or source)
    old: str | None
    new: str | None
    dependency: Dependency | None  # in HEAD (None when removed)


@dataclass
class Review:
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def touched(self) -> set[tuple[Ecosystem, str]]:
        return {(c.ecosystem, c.name) for c in self.changes if c.kind != "removed"}


def _versions(graphs: Iterable[EnrichedGraph]) -> dict[tuple[Ecosystem, str], tuple[str | None, Dependency, EnrichedGraph]]:
    out: dict[tuple[Ecosystem, str], tuple[str | None, Dependency, EnrichedGraph]] = {}
    for eg in graphs:
        for d in eg.graph.dependencies:
            out.setdefault((d.package.ecosystem, d.package.name), (d.package.version, d, eg))
    return out


def changes(base: Iterable[EnrichedGraph], head: Iterable[EnrichedGraph]) -> list[Change]:
    """Dependencies added, removed, upgraded or downgraded between BASE and HEAD, by ecosystem and name."""
    old, new = _versions(base), _versions(head)
    out: list[Change] = []
    for key in sorted(set(old) | set(new), key=lambda k: (k[0].value, k[1])):
        eco, name = key
        if key not in old:
            out.append(Change(eco, name, "added", None, new[key][0], new[key][1]))
        elif key not in new:
            out.append(Change(eco, name, "removed", old[key][0], None, None))
        elif old[key][0] != new[key][0]:
            a, b = old[key][0], new[key][0]
            if a is None or b is None:
                kind = "changed"
            else:
                kind = ("upgraded" if version_order(b) > version_order(a)
                        else "downgraded" if version_order(b) < version_order(a) else "changed")
            out.append(Change(eco, name, kind, a, b, new[key][1]))
    return out


def review(base: list[EnrichedGraph], head: list[EnrichedGraph],
           approves: Callable[[str, str | None, Ecosystem], bool] | None = None) -> Review:
    """The changes and the review findings (module docstring). `approves` is the policy's approvals
    check when approvals are required, else None."""
    result = Review(changes(base, head))
    old, new = _versions(base), _versions(head)
    for c in result.changes:
        if c.kind == "removed" or c.dependency is None:
            continue
        dep = c.dependency
        where = dep.sources[0] if dep.sources else None
        pkg = dep.package
        if c.kind == "added" and approves is not None and not approves(c.name, c.new, c.ecosystem):
            result.findings.append(Finding(
                rule="unapproved-dependency", severity=Severity.MEDIUM, confidence=Confidence.HIGH, package=pkg,
                message=f"{pkg} is a new dependency and [approvals] does not list it", location=where,
                evidence=(Evidence("added", str(pkg), where),),
                fix=f"review {c.name}, then add it to [approvals] packages (\"{c.name}\" or \"{c.name}@{c.new}\")"))
        if c.kind not in ("upgraded", "downgraded", "changed"):
            continue
        before = old[(c.ecosystem, c.name)]
        facts_old = before[2].facts.get(before[1].package)
        facts_new = new[(c.ecosystem, c.name)][2].facts.get(pkg)
        if facts_old is None or facts_new is None:
            continue
        result.findings += _owner_change(c, pkg, facts_old, facts_new, where)
        result.findings += _repository_change(c, pkg, facts_old, facts_new, where)
    return result


def _owner_change(c: Change, pkg: PackageId, a: RegistryFacts, b: RegistryFacts, where: Any) -> list[Finding]:
    known = set(a.version_maintainers) | ({a.publisher} if a.publisher else set())
    if not known:
        return []  # the index does not say who published the old version (PyPI): owners-changed covers the project
    new_people = sorted(set(b.version_maintainers) - known)
    new_publisher = b.publisher if b.publisher and b.publisher not in known and b.publisher not in b.earlier_publishers else None
    if not new_people and not new_publisher:
        return []
    evidence = [Evidence(f"{c.old} maintainers", ", ".join(sorted(a.version_maintainers)) or "(none listed)"),
                Evidence(f"{c.new} maintainers", ", ".join(sorted(b.version_maintainers)) or "(none listed)")]
    if a.publisher or b.publisher:
        evidence.append(Evidence("published by", f"{c.old}: {a.publisher or '?'}; {c.new}: {b.publisher or '?'}"))
    who = ", ".join(dict.fromkeys(([new_publisher] if new_publisher else []) + new_people))
    return [Finding(
        rule="new-maintainer", severity=Severity.HIGH, confidence=Confidence.MEDIUM, package=pkg,
        message=f"{c.name} {c.old} → {c.new}: {who} {'publishes' if new_publisher else 'maintains'} the new version and "
                f"had no part in {c.old}",
        location=where, evidence=tuple(evidence),
        fix=f"keep {c.name} at {c.old} until the new maintainer is confirmed (changelog, the project's announcements), "
            f"and compare the releases: chainwarden diff {c.name} {c.old} {c.new}")]


def _repository_change(c: Change, pkg: PackageId, a: RegistryFacts, b: RegistryFacts, where: Any) -> list[Finding]:
    def norm(url: str | None) -> str | None:
        if not url:
            return None
        u = re.sub(r"^(git\+)?(https?|git|ssh)://(git@)?", "", url.strip().lower())
        return re.sub(r"(\.git)?/*$", "", u.replace("github.com:", "github.com/"))

    old_repo, new_repo = a.version_repository, b.version_repository
    if not old_repo or not new_repo or norm(old_repo) == norm(new_repo):
        return []
    return [Finding(
        rule="repository-changed", severity=Severity.HIGH, confidence=Confidence.MEDIUM, package=pkg,
        message=f"{c.name} {c.old} → {c.new}: the repository changed from {old_repo} to {new_repo}",
        location=where, evidence=(Evidence(f"{c.old} repository", old_repo), Evidence(f"{c.new} repository", new_repo)),
        fix=f"confirm the move with the project before taking {c.new}; until then keep {c.old}")]


@dataclass
class ReviewResult:
    """What `chainwarden review` found: the changes, the findings on them, and the policy's verdict."""

    base: str
    head: str
    path: str
    changes: list[Change]
    findings: list[Finding]
    skips: list[Skip]
    verdict: Verdict
    head_scan: ScanResult
    ignored: int = 0
    policy_source: str | None = None
