"""The contract of an analyzer: a permanent id, a metadata record, one pure `analyze()`.

An analyzer reads an `EnrichedGraph` and yields `Finding`s (and `Skip`s for what
it could not judge). It does no I/O: no network, no disk, no printing. Its id
is the SARIF rule id, the docs page name (`docs/rules/<id>.md`) and the key users
write in ignores, so it never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from chainwarden.model import Confidence, Ecosystem, EnrichedGraph, Finding, Severity, Skip


class Reflex(StrEnum):
    """The stage of the REFLEX programme an analyzer serves."""

    RECONNAISSANCE = "reconnaissance"
    EVALUATION = "evaluation"
    FORTIFY = "fortify"
    LIMIT = "limit"
    EXPOSE = "expose"
    EXERCISE = "exercise"


@dataclass(frozen=True)
class AnalyzerInfo:
    id: str
    title: str
    reflex: Reflex
    ecosystems: frozenset[Ecosystem]
    severity: Severity
    confidence: Confidence
    needs: frozenset[str]  # enriched data it reads: "graph", "registry", ...
    summary: str


@dataclass(frozen=True)
class Analyzer:
    info: AnalyzerInfo
    analyze: Callable[[EnrichedGraph], Iterable[Finding | Skip]]
