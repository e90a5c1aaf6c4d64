"""analyze: independent, pure analyzers. Registration is one line in `ANALYZERS`."""

from __future__ import annotations

from chainwarden.analyze._interface import Analyzer, AnalyzerInfo, Reflex
from chainwarden.analyze.metadata import unpinned
from chainwarden.model import EnrichedGraph, Finding, Skip

__all__ = ["ANALYZERS", "Analyzer", "AnalyzerInfo", "Reflex", "by_id", "run_analyzers"]

ANALYZERS: tuple[Analyzer, ...] = (
    unpinned.ANALYZER,
)


def by_id(rule: str) -> Analyzer | None:
    return next((a for a in ANALYZERS if a.info.id == rule), None)


def run_analyzers(graphs: list[EnrichedGraph]) -> tuple[list[Finding], list[Skip]]:
    """Run every analyzer over every graph that is in its ecosystems."""
    findings: list[Finding] = []
    skips: list[Skip] = []
    for g in graphs:
        for analyzer in ANALYZERS:
            if g.graph.project.ecosystem not in analyzer.info.ecosystems:
                continue
            for item in analyzer.analyze(g):
                if isinstance(item, Finding):
                    findings.append(item)
                else:
                    skips.append(item)
    return findings, skips
