"""`not-on-index`: a dependency the index does not know, or a pinned version it does not have.

A name the index does not know can be registered there by anyone; the next
install without the private index (a new developer, a CI job with another
configuration) takes theirs. This is how dependency confusion starts.

Two unknown names cannot be claimed by just anyone, and are low: an npm name
under a scope that another package of the graph has on the index (a scope has
one owner: the platform binaries a package lists as optional dependencies, which
an index may not serve), and a name one of the scanned projects publishes itself
(a workspace member or a path source: the project's installer takes it from the
tree; one that ignores that source would ask the index).
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import where
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="not-on-index",
    title="Not on the index",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry"}),
    summary="The index does not know the name (anyone can claim it) or the pinned version.",
)


def _scope(name: str) -> str:
    """An npm name's scope (``@github``), or "" for an unscoped name."""
    return name.split("/", 1)[0] if name.startswith("@") and "/" in name else ""


def _claimed_scopes(eg: EnrichedGraph) -> dict[str, str]:
    """npm scopes that have a package on the index in this graph: scope -> one such package."""
    out: dict[str, str] = {}
    if eg.graph.project.ecosystem is Ecosystem.NPM:
        for dep in eg.graph.dependencies:
            facts = eg.facts.get(dep.package)
            if _scope(dep.package.name) and facts is not None and facts.exists:
                out.setdefault(_scope(dep.package.name), dep.package.name)
    return out


def _unknown(name: str, index_url: str, claimed: dict[str, str], own: frozenset[str]) -> tuple[Severity, str]:
    """The severity and message of a name the index does not know."""
    scope = _scope(name)
    if scope in claimed:
        return Severity.LOW, (f"{name} is not on the index {index_url}, but its scope {scope} is ({claimed[scope]}): "
                              f"only the scope's owner can publish under it; an install that needs it fails or takes "
                              "it from somewhere else")
    if name in own:
        return Severity.LOW, (f"{name} is not on the index {index_url}; it is one of the scanned projects, which the "
                              "project's installer takes from the tree (a workspace member or a path source), but an "
                              "installer that ignores that source would ask the index, where anyone can register the name")
    return INFO.severity, (f"{name} is not on the index {index_url}: anyone can register the name there, and an "
                           "install that asks this index takes whatever they publish")


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    claimed = _claimed_scopes(eg)
    own = ctx.own_names.get(eg.graph.project.ecosystem, frozenset())
    for dep in eg.graph.dependencies:
        facts = eg.facts.get(dep.package)
        if facts is None or dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        name = dep.package.name
        if not facts.exists:
            severity, message = _unknown(name, facts.index_url, claimed, own)
            yield Finding(
                rule=INFO.id, severity=severity, confidence=INFO.confidence, package=dep.package,
                message=message,
                location=where(dep), evidence=(Evidence("index", facts.index_url),),
                fix=f"if {name} is internal, install it only from your private index and claim the name on the public one "
                "(or use a scoped name); if it is a typo, fix the name",
            )
        elif dep.package.version and facts.version_exists is False:
            yield Finding(
                rule=INFO.id, severity=Severity.MEDIUM, confidence=INFO.confidence, package=dep.package,
                message=f"{name} {dep.package.version} is pinned but the index {facts.index_url} does not have that version "
                f"(latest: {facts.latest_version or 'none'}): it was removed, or it comes from somewhere else",
                location=where(dep), evidence=(Evidence("index versions", ", ".join(facts.versions[-5:]) or "none"),),
                fix="find out where this version came from; re-lock against the index you install from",
            )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
