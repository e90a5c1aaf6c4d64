"""The transitive risk of decide.metrics: each package's own risk plus that of every package it pulls in,
each counted once, whatever the shape of the graph (cycles, diamonds, edges through packages the graph
does not list); worked out in time linear in the graph (bench/bench_scan.py prints the growth)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from chainwarden.decide.metrics import compute, points
from chainwarden.model import (
    Confidence,
    Dependency,
    DependencyGraph,
    Ecosystem,
    Edge,
    EnrichedGraph,
    Finding,
    PackageId,
    Project,
    Severity,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _pkg(i: int) -> PackageId:
    return PackageId(Ecosystem.NPM, f"p{i}", "1.0.0")


def _graph(n: int, edges: list[tuple[int, int]], direct: set[int]) -> EnrichedGraph:
    deps = tuple(Dependency(_pkg(i), (), i in direct) for i in range(n))
    g = DependencyGraph(Project(".", Ecosystem.NPM, (), ()), deps, tuple(Edge(_pkg(a), _pkg(b)) for a, b in edges))
    return EnrichedGraph(g, {})


def _reference(eg: EnrichedGraph, findings: list[Finding]) -> dict[PackageId, float]:
    """The definition, as plainly as it can be written: walk everything below each package."""
    own: dict[PackageId, float] = {}
    for f in findings:
        own[f.package] = own.get(f.package, 0.0) + points(f)
    own = {p: round(v, 2) for p, v in own.items()}
    children: dict[PackageId, set[PackageId]] = {}
    for e in eg.graph.edges:
        children.setdefault(e.parent, set()).add(e.child)
    out = {}
    for d in eg.graph.dependencies:
        seen: set[PackageId] = set()
        stack = list(children.get(d.package, ()))
        while stack:
            q = stack.pop()
            if q not in seen:
                seen.add(q)
                stack.extend(children.get(q, ()))
        total = round(own.get(d.package, 0.0) + sum(own.get(q, 0.0) for q in seen if q != d.package), 2)
        if total > 0:
            out[d.package] = total
    return out


SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]


@pytest.mark.parametrize("seed", range(40))
def test_transitive_risk_is_the_sum_over_everything_below_counted_once(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    outside = n + rng.randint(0, 3)  # edges may pass through packages the graph does not list
    edges = [(rng.randrange(outside), rng.randrange(outside)) for _ in range(rng.randint(0, 3 * n))]
    edges = [(a, b) for a, b in edges if a < n or rng.random() < 0.5]
    eg = _graph(n, edges, {i for i in range(n) if rng.random() < 0.2} or {0})
    findings = [Finding("rule", rng.choice(SEVERITIES), rng.choice(list(Confidence)), _pkg(rng.randrange(n)), "m")
                for _ in range(rng.randint(0, 2 * n))]
    metrics = compute([eg], findings, NOW)
    assert {r.package: r.transitive for r in metrics.risks} == _reference(eg, findings)
    own = {r.package: r.own for r in metrics.risks}
    for path in metrics.top_paths:  # the points along a path: a plain sum, in the path's order
        assert path.points == round(sum(own.get(q, 0.0) for q in path.packages), 2)


def test_a_cycle_counts_each_member_once_and_gives_every_member_the_same_total() -> None:
    eg = _graph(4, [(0, 1), (1, 2), (2, 1), (2, 3)], {0})
    findings = [Finding("r", Severity.HIGH, Confidence.HIGH, _pkg(i), "m") for i in (1, 2, 3)]
    risks = {r.package.name: r.transitive for r in compute([eg], findings, NOW).risks}
    assert risks == {"p0": 45.0, "p1": 45.0, "p2": 45.0, "p3": 15.0}
