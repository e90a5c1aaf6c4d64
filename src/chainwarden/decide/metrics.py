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


def _transitive(eg: EnrichedGraph, own: dict[PackageId, float]) -> dict[PackageId, float]:
    """Each package's own risk plus the own risk of every package it pulls in, each counted once, for the
    packages where that is above zero.

    About linear in the graph (bench/bench_scan.py --growth prints the growth): the packages with
    risk are bits of a Python int; the strongly connected parts of the graph (npm graphs have cycles) are
    found once (Tarjan, iteratively), and each part's bits are its own and its children's, ORed in C (one
    OR per edge, of an int with a bit per package with risk); a
    part's points are counted by a popcount per binary digit of the own risks (in cents, so sums are exact). The
    earlier form kept every package's whole set of descendants: 6.7 million set entries at 5,000 packages."""
    number: dict[PackageId, int] = {}
    for p in [d.package for d in eg.graph.dependencies] + [q for e in eg.graph.edges for q in (e.parent, e.child)]:
        number.setdefault(p, len(number))
    packages = list(number)
    children: list[list[int]] = [[] for _ in packages]
    for e in eg.graph.edges:
        children[number[e.parent]].append(number[e.child])
    cents = {number[p]: round(v * 100) for p, v in own.items() if p in number and round(v * 100)}
    if not cents:
        return {}
    bit = {i: 1 << k for k, i in enumerate(sorted(cents))}
    # A part's points are the sum of its bits' cents: by the binary digits of the cents, a popcount per digit
    # (about 15 of them, however many distinct values there are).
    weights: list[tuple[int, int]] = []
    for digit in range(max(cents.values()).bit_length()):
        m = 0
        for i, c in cents.items():
            if c >> digit & 1:
                m |= bit[i]
        if m:
            weights.append((1 << digit, m))

    out: dict[PackageId, float] = {}
    mask: list[int] = [0] * len(packages)  # per part (indexed by its root), kept while a parent may still read it
    points = [0] * len(packages)  # per part: the cents of its bits
    part = [-1] * len(packages)
    low = [0] * len(packages)
    order = [-1] * len(packages)
    stack: list[int] = []
    on_stack = [False] * len(packages)
    counter = 0
    for start in range(len(packages)):
        if order[start] >= 0:
            continue
        work = [(start, 0)]
        while work:
            v, at = work[-1]
            if at == 0:
                order[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            if at < len(children[v]):
                work[-1] = (v, at + 1)
                w = children[v][at]
                if order[w] < 0:
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], order[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] != order[v]:
                continue
            members = []
            while True:  # v is the root of a part: every node above it on the stack is in it
                w = stack.pop()
                on_stack[w] = False
                part[w] = v
                members.append(w)
                if w == v:
                    break
            bits = 0
            last = -1  # the last child part ORed in: when the part's bits are just that part's, so is its total
            for w in members:
                bits |= bit.get(w, 0)
                for c in children[w]:
                    if part[c] != v:
                        last = part[c]
                        bits |= mask[last]  # a finished part (Tarjan ends parts children first)
            mask[v] = bits
            if bits:
                if last >= 0 and bits == mask[last]:
                    total = points[last]
                else:
                    total = sum(c * (bits & m).bit_count() for c, m in weights)
                points[v] = total
                for w in members:
                    out[packages[w]] = round(total / 100, 2)
    return out


def _along(chain: tuple[PackageId, ...], own: dict[PackageId, float], along: dict[PackageId, float],
           known: dict[PackageId, tuple[PackageId, ...]]) -> float:
    """The own risk summed along `chain` from its start, as `sum` would, in time linear in the graph: a known
    path is its parent's path plus itself (dependency_paths builds them so), so each sum is the parent's plus one."""
    if known.get(chain[-1]) is not chain:
        return sum(own.get(q, 0.0) for q in chain)
    start = len(chain)
    while start > 0 and chain[start - 1] not in along:
        start -= 1
    total = along[chain[start - 1]] if start else 0.0
    for i in range(start, len(chain)):
        total += own.get(chain[i], 0.0)
        along[chain[i]] = total  # every start of a known path is the known path of its last package
    return total


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
        transitive = _transitive(eg, own)
        root = eg.graph.project.root
        for dep in eg.graph.dependencies:
            p = dep.package
            total = transitive.get(p, 0.0)
            if total > 0:
                risks.append(PackageRisk(p, root, own.get(p, 0.0), total, tuple(contributions.get(p, ()))))
        known_paths = dependency_paths(eg.graph)
        along: dict[PackageId, float] = {}  # the points along a known path, summed in its order
        for p in own:
            chain = known_paths.get(p, (p,))
            paths.append(RiskPath(root, chain, round(_along(chain, own, along, known_paths), 2), p in known_paths))

    risks.sort(key=lambda r: (-r.transitive, -r.own, r.project, r.package))
    paths.sort(key=lambda r: (-r.points, len(r.packages), r.project, r.packages))
    return Metrics(
        as_of=now, packages=packages, direct=direct, dated=dated, dated_direct=dated_direct,
        stale_18mo=s18, stale_24mo=s24, stale_18mo_direct=s18d, stale_24mo_direct=s24d,
        no_release_1y=quiet1y, single_maintainer=single, maintainers_known=known,
        project_risk=round(project_risk, 2), risks=tuple(risks), top_paths=tuple(paths[:TOP_PATHS]),
    )
