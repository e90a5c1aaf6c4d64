"""The figures every report carries (docs/metrics.md): staleness, maintainer
activity, and the transitive risk score with the riskiest dependency paths.

Risk points are a plain sum, so every number can be traced to findings:

- a finding is worth ``SEVERITY_POINTS[severity] * CONFIDENCE_FACTOR[confidence]``;
- a package's **own** risk is the sum over its findings;
- its **transitive** risk is its own plus the own risk of every package it pulls
  in (each counted once), following the lockfile's edges;
- the **project** risk is the sum of own risk over all its packages;
- a **path** is the shortest chain from a direct dependency down to a package
  with findings; its points are the sum of own risk along it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chainwarden.analyze import dependency_paths
from chainwarden.analyze.metadata._common import installed, single_maintainer
from chainwarden.model import (
    Confidence,
    EnrichedGraph,
    Finding,
    Metrics,
    PackageId,
    PackageRisk,
    RiskContribution,
    RiskPath,
    Severity,
)

SEVERITY_POINTS = {Severity.CRITICAL: 40.0, Severity.HIGH: 15.0, Severity.MEDIUM: 5.0, Severity.LOW: 1.0, Severity.INFO: 0.0}
CONFIDENCE_FACTOR = {Confidence.HIGH: 1.0, Confidence.MEDIUM: 0.7, Confidence.LOW: 0.4}
TOP_PATHS = 5

_18MO, _24MO, _1Y = timedelta(days=548), timedelta(days=730), timedelta(days=365)


def points(f: Finding) -> float:
    return round(SEVERITY_POINTS[f.severity] * CONFIDENCE_FACTOR[f.confidence], 2)


def _descendants(eg: EnrichedGraph) -> dict[PackageId, set[PackageId]]:
    children: dict[PackageId, set[PackageId]] = {}
    for e in eg.graph.edges:
        children.setdefault(e.parent, set()).add(e.child)
    memo: dict[PackageId, set[PackageId]] = {}

    def walk(p: PackageId) -> set[PackageId]:
        if p in memo:
            return memo[p]
        seen: set[PackageId] = set()
        stack = list(children.get(p, ()))
        while stack:
            q = stack.pop()
            if q not in seen:
                seen.add(q)
                stack.extend(children.get(q, ()))
        memo[p] = seen
        return seen

    return {d.package: walk(d.package) for d in eg.graph.dependencies}


def compute(graphs: list[EnrichedGraph], findings: list[Finding], now: datetime) -> Metrics:
    packages = direct = dated = dated_direct = 0
    s18 = s24 = s18d = s24d = quiet1y = single = known = 0
    risks: list[PackageRisk] = []
    paths: list[RiskPath] = []
    project_risk = 0.0
    for eg in graphs:
        packages += len(eg.graph.dependencies)
        direct += len(eg.graph.direct())
        for dep, facts in installed(eg):
            if facts.maintainer_source:
                known += 1
                single += single_maintainer(facts)
            if facts.last_release is None:
                continue
            quiet = now - facts.last_release
            dated += 1
            dated_direct += dep.direct
            s18 += quiet > _18MO
            s24 += quiet > _24MO
            s18d += dep.direct and quiet > _18MO
            s24d += dep.direct and quiet > _24MO
            quiet1y += quiet > _1Y

        in_graph = {d.package for d in eg.graph.dependencies}
        contributions: dict[PackageId, list[RiskContribution]] = {}
        for f in findings:
            if f.package in in_graph:
                contributions.setdefault(f.package, []).append(RiskContribution(f.rule, f.severity, f.confidence, points(f)))
        own = {p: round(sum(c.points for c in cs), 2) for p, cs in contributions.items()}
        project_risk += sum(own.values())
        below = _descendants(eg)
        root = eg.graph.project.root
        for dep in eg.graph.dependencies:
            p = dep.package
            total = round(own.get(p, 0.0) + sum(own.get(q, 0.0) for q in below.get(p, ()) if q != p), 2)
            if total > 0:
                risks.append(PackageRisk(p, root, own.get(p, 0.0), total, tuple(contributions.get(p, ()))))
        known_paths = dependency_paths(eg.graph)
        for p in own:
            chain = known_paths.get(p, (p,))
            paths.append(RiskPath(root, chain, round(sum(own.get(q, 0.0) for q in chain), 2), p in known_paths))

    risks.sort(key=lambda r: (-r.transitive, -r.own, r.project, r.package))
    paths.sort(key=lambda r: (-r.points, len(r.packages), r.project, r.packages))
    return Metrics(
        as_of=now, packages=packages, direct=direct, dated=dated, dated_direct=dated_direct,
        stale_18mo=s18, stale_24mo=s24, stale_18mo_direct=s18d, stale_24mo_direct=s24d,
        no_release_1y=quiet1y, single_maintainer=single, maintainers_known=known,
        project_risk=round(project_risk, 2), risks=tuple(risks), top_paths=tuple(paths[:TOP_PATHS]),
    )
