"""`typosquat`: a dependency whose name imitates a popular package's.

The matches come from `enrich.names` (a popular-name list indexed once); this
module judges them (docs/decisions/0021-resemblance-needs-evidence.md). A name
that resembles a popular one is a question, not an answer: what the index says
about the dependency decides the severity.

- Not a squat at all (no finding): a name on the popular list itself; a package
  that shares an owner with its target, or an npm scope with it (a scope has one
  owner); DefinitelyTyped's ``@types/<x>`` for ``<x>`` and ``<x>`` for
  ``@types/<x>``; a package under one of the scanned project's own scopes; a
  package older than the one it would imitate; an established combosquat (a
  plugin); and a resemblance with no evidence against the package.
- The evidence against it: not on the index (anyone can register the name), a
  first release in the last 90 days (counts twice), two releases or fewer, no
  source repository, code that runs at install (npm install scripts, a PyPI
  release with no wheel). One point is low, two medium, three or more high.
  A combosquat or a popular package republished under a scope is one step lower
  (a lure that needs more than a slip of the finger).
- Without registry facts (``check-name``, or an index that could not be asked)
  the name alone is judged: medium (low for combosquats and scope copies).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import NamedTuple

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    NameMatch,
    PackageId,
    RegistryFacts,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="typosquat",
    title="Name imitates a popular package",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry", "popular-names"}),
    summary="The dependency's name is a typo, look-alike, affix, word-order or combination of a popular package's "
    "name, and what the index says about it (new, few releases, no repository, install-time code) makes it doubtful.",
)

_CONFIDENCE = {
    "homoglyph": Confidence.HIGH, "separator": Confidence.HIGH, "swap": Confidence.HIGH,
    "keyboard-adjacent": Confidence.HIGH, "repeated-character": Confidence.HIGH,
    "substitution": Confidence.MEDIUM, "insertion": Confidence.MEDIUM, "deletion": Confidence.MEDIUM,
    "affix": Confidence.MEDIUM, "version-digits": Confidence.MEDIUM, "word-order": Confidence.MEDIUM,
    "scope": Confidence.MEDIUM, "combosquat": Confidence.LOW,
}
ESTABLISHED_RELEASES = 10
ESTABLISHED_AGE = timedelta(days=730)
NEW = timedelta(days=90)  # a first release younger than this is the typosquat's usual age
FEW_RELEASES = 2  # this many releases or fewer
OLDER_BY = timedelta(days=90)  # first released this much before its target: it cannot be imitating it
_BY_SCORE = {1: Severity.LOW, 2: Severity.MEDIUM}


class Judgement(NamedTuple):
    """How serious one match is, and the evidence behind it."""

    severity: Severity
    confidence: Confidence
    evidence: tuple[str, ...]  # what the index says against the package; () when judged by the name alone


def _lower(c: Confidence) -> Confidence:
    return list(Confidence)[max(c.rank - 1, 0)]


def _established(facts: RegistryFacts | None, ctx: AnalysisContext) -> bool:
    return (facts is not None and facts.exists and facts.release_count >= ESTABLISHED_RELEASES
            and facts.first_release is not None and ctx.now - facts.first_release >= ESTABLISHED_AGE)


def _siblings(facts: RegistryFacts | None, target: RegistryFacts | None) -> bool:
    return bool(facts and target and facts.exists and target.exists and set(facts.owners) & set(target.owners))


def _scope(name: str) -> str:
    """An npm name's scope (``@vue``), or "" for an unscoped name."""
    return name.split("/", 1)[0] if name.startswith("@") and "/" in name else ""


def _types_for(name: str) -> str:
    """The DefinitelyTyped package of an npm name: ``@types/<name>``, ``@types/<scope>__<name>`` for a scoped one."""
    scope = _scope(name)
    return f"@types/{scope[1:]}__{name.split('/', 1)[1]}" if scope else f"@types/{name}"


def own_scopes(names: frozenset[str]) -> frozenset[str]:
    """The npm scopes a project publishes under: its packages' scopes, and ``@<name>`` for an unscoped own name
    (the prettier project's ``@prettier/*``)."""
    return frozenset(_scope(n) or f"@{n}" for n in names)


def exemption(name: str, ecosystem: Ecosystem, match: NameMatch, facts: RegistryFacts | None,
              target: RegistryFacts | None, ctx: AnalysisContext) -> str | None:
    """Why `name` cannot be imitating `match.target`, or None when it may be."""
    if match.candidate_downloads is not None:
        return "a popular name is never a squat of another popular name"
    if _siblings(facts, target):
        return "it shares an owner with its target (a sibling package)"
    if ecosystem is Ecosystem.NPM:
        scope = _scope(name)
        if scope and scope == _scope(match.target):
            return f"it is published under the target's own scope {scope} (an npm scope has one owner)"
        if name == _types_for(match.target):
            return f"it is DefinitelyTyped's type definitions for {match.target}"
        if match.target == _types_for(name):
            return f"{match.target} is DefinitelyTyped's type definitions for it"
        if scope and scope in own_scopes(ctx.own_names.get(ecosystem, frozenset())):
            return f"{scope} is the scanned project's own scope"
    if (facts is not None and target is not None and facts.first_release is not None and target.first_release is not None
            and facts.first_release + OLDER_BY <= target.first_release):
        return f"it was first released before {match.target} ({facts.first_release:%Y-%m-%d})"
    if match.transformation == "combosquat" and _established(facts, ctx):
        return "an established package that adds a word is a plugin or an extension"
    return None


def evidence(facts: RegistryFacts, ctx: AnalysisContext) -> tuple[int, tuple[str, ...]]:
    """Points against a package that exists on the index, and what earned them."""
    points, said = 0, []
    if facts.first_release is not None and ctx.now - facts.first_release < NEW:
        points += 2
        said.append(f"first released {max((ctx.now - facts.first_release).days, 0)} days ago")
    if facts.release_count <= FEW_RELEASES:
        points += 1
        said.append(f"{facts.release_count} release{'s' * (facts.release_count != 1)}")
    if facts.metadata_known and not facts.repository_url:
        points += 1
        said.append("no source repository")
    if facts.install_scripts:
        points += 1
        said.append(f"runs {', '.join(facts.install_scripts)} scripts when installed")
    elif facts.artifacts and all(a.kind == "sdist" for a in facts.artifacts):
        points += 1
        said.append("no wheel: installing it runs its build script")
    return points, tuple(said)


def judge(name: str, ecosystem: Ecosystem, match: NameMatch, facts: RegistryFacts | None,
          target: RegistryFacts | None, ctx: AnalysisContext) -> Judgement | None:
    """Severity, confidence and evidence of one match, or None when it is not a squat."""
    if exemption(name, ecosystem, match, facts, target, ctx) is not None:
        return None
    lure = match.transformation == "combosquat" or (match.transformation == "scope" and _scope(name) != ""
                                                    and _scope(match.target) == "")
    confidence = _CONFIDENCE.get(match.transformation, Confidence.LOW)
    if _established(facts, ctx):
        confidence = _lower(confidence)
    if len(match.target.split("/")[-1]) <= 5:
        confidence = _lower(confidence)
    if facts is None:  # judged by the name alone
        return Judgement(Severity.LOW if lure else Severity.MEDIUM, confidence, ())
    if not facts.exists:
        said: tuple[str, ...] = ("not on the index: anyone can register the name",)
        severity = Severity.HIGH
    else:
        points, said = evidence(facts, ctx)
        if points == 0:
            return None  # the resemblance alone: an ordinary package with a similar name
        severity = _BY_SCORE.get(points, Severity.HIGH)
    if lure:
        severity = list(Severity)[severity.rank - 1]
    return Judgement(severity, confidence, said)


def _describe(m: NameMatch) -> str:
    return m.transformation + (f" ({m.detail})" if m.detail else "")


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    eco = eg.graph.project.ecosystem
    for dep in eg.graph.dependencies:
        if dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        facts = eg.facts.get(dep.package)
        judged = [(m, j) for m in eg.names.get(dep.package.name, ())
                  for j in [judge(dep.package.name, eco, m, facts, eg.facts.get(PackageId(eco, m.target)), ctx)] if j]
        if not judged:
            continue
        best, j = max(judged, key=lambda mj: mj[1].severity.rank)  # the most serious; the best match among equals
        others = [f"{m.target} ({_describe(m)})" for m, _ in judged if m is not best][:3]
        why = "; ".join(j.evidence) if j.evidence else "the index could not be asked, so this is the name alone"
        yield Finding(
            rule=INFO.id,
            severity=j.severity,
            confidence=j.confidence,
            package=dep.package,
            message=f"{dep.package.name} looks like {best.target} ({_describe(best)}), a popular package "
            f"with {best.target_downloads:,} downloads in the list's period; {why}",
            location=dep.sources[0] if dep.sources else None,
            evidence=(
                Evidence("target", best.target),
                Evidence("transformation", _describe(best)),
                *(Evidence("against it", e) for e in j.evidence),
                Evidence("popular-name list", eg.popular_names),
                *(Evidence("also like", o) for o in others),
            ),
            fix=f"if you meant {best.target}, fix the name in the file that declares it and check the machines that "
            f"installed {dep.package.name}; if {dep.package.name} is what you meant, ignore this finding for it",
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
