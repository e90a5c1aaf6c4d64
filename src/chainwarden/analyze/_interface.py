"""The contract of an analyzer: a permanent id, a metadata record, one pure `analyze()`.

An analyzer reads an `EnrichedGraph` and an `AnalysisContext` (the clock and
its options from the policy) and yields `Finding`s (and `Skip`s for what it
could not judge). It does no I/O: no network, no disk, no printing. Its id is
the SARIF rule id, the docs page name (`docs/rules/<id>.md`) and the key users
write in ignores, so it never changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Finding,
    Severity,
    Skip,
)


class Reflex(StrEnum):
    """The stage of the REFLEX programme an analyzer serves."""

    RECONNAISSANCE = "reconnaissance"
    EVALUATION = "evaluation"
    FORTIFY = "fortify"
    LIMIT = "limit"
    EXPOSE = "expose"
    EXERCISE = "exercise"


class OptionKind(StrEnum):
    DURATION = "duration"  # "2y", "18mo", "6w", "30d" or a number of days
    COUNT = "count"  # a non-negative integer


OptionValue = timedelta | int


@dataclass(frozen=True)
class Option:
    """A threshold an analyzer reads, set in the policy as ``[rules.<id>] <name> = value``."""

    name: str
    kind: OptionKind
    default: str | int  # as a user would write it
    help: str

    def parse(self, value: object) -> OptionValue:
        """The typed value, or ValueError with what was expected."""
        if self.kind is OptionKind.DURATION:
            return parse_duration(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"expected a whole number >= 0, got {value!r}")
        return value


_DURATION = re.compile(r"^\s*(\d+)\s*(y|years?|mo|months?|w|weeks?|d|days?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"y": 365.25, "mo": 30.4375, "w": 7.0, "d": 1.0}  # calendar averages: "18mo" is 548 days


def parse_duration(value: object) -> timedelta:
    """``"2y"`` (730.5 days), ``"18mo"`` (547.9 days), ``"6w"``, ``"30d"``, or an integer number of days."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return timedelta(days=value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            unit = m.group(2).lower()
            key = "mo" if unit.startswith("mo") else unit[0]
            return timedelta(days=int(m.group(1)) * _UNIT_DAYS[key])
    raise ValueError(f"expected a duration such as \"2y\", \"18mo\", \"6w\", \"30d\" or a number of days, got {value!r}")


@dataclass(frozen=True)
class AnalyzerInfo:
    id: str
    title: str
    reflex: Reflex
    ecosystems: frozenset[Ecosystem]
    severity: Severity  # the usual severity; an analyzer may raise or lower it per finding and says why
    confidence: Confidence
    needs: frozenset[str]  # enriched data it reads: "graph", "registry", "dns", "state"
    summary: str
    options: tuple[Option, ...] = ()
    default_action: str | None = None  # "ignore": off unless the policy sets an action (e.g. hashes-missing)

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)


@dataclass(frozen=True)
class AnalysisContext:
    """What every analyzer may read besides the graph: the clock and the policy's options.

    `now` is the moment "how old is it" questions are asked at (``--as-of``);
    `options` holds values the policy set, parsed, by rule id then option name;
    `own_names` the package names the scanned projects publish themselves (their manifests' and
    workspace members' names, by ecosystem; `run_analyzers` fills it from the `Project.own_names` of every
    graph of the run).
    """

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    options: Mapping[str, Mapping[str, OptionValue]] = field(default_factory=dict)
    own_names: Mapping[Ecosystem, frozenset[str]] = field(default_factory=dict)

    def value(self, info: AnalyzerInfo, name: str) -> OptionValue:
        given = self.options.get(info.id, {}).get(name)
        return given if given is not None else info.option(name).parse(info.option(name).default)

    def duration(self, info: AnalyzerInfo, name: str) -> timedelta:
        v = self.value(info, name)
        assert isinstance(v, timedelta), (info.id, name)
        return v

    def count(self, info: AnalyzerInfo, name: str) -> int:
        v = self.value(info, name)
        assert isinstance(v, int), (info.id, name)
        return v


@dataclass(frozen=True)
class Analyzer:
    info: AnalyzerInfo
    analyze: Callable[[EnrichedGraph, AnalysisContext], Iterable[Finding | Skip]]
