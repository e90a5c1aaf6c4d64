"""What the two advisory analyzers share: which packages install, and how an advisory is shown. Pure."""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.model import (
    Advisory,
    Confidence,
    Dependency,
    EnrichedGraph,
    Evidence,
    SourceKind,
    SourceLocation,
)


def affected(eg: EnrichedGraph) -> Iterator[tuple[Dependency, Advisory]]:
    """Each registry dependency that installs in this environment, with each advisory that affects it.

    The registry facts are not needed: a malicious release the index has since removed is
    still in the lockfile, and still installs from a mirror or a cache."""
    for dep in eg.graph.dependencies:
        if dep.source_kind is not SourceKind.REGISTRY or dep.marker_applies is False:
            continue
        for advisory in eg.advisories.get(dep.package, ()):
            yield dep, advisory


def where(dep: Dependency) -> SourceLocation | None:
    return dep.sources[0] if dep.sources else None


def confidence(dep: Dependency) -> Confidence:
    """High for a pinned version; medium when the index's latest stands in for an unpinned one."""
    return Confidence.HIGH if dep.package.version else Confidence.MEDIUM


def version_text(dep: Dependency, advisory: Advisory) -> str:
    if dep.package.version:
        return dep.package.version
    if advisory.version:
        return f"{advisory.version} (the index's latest, which the unpinned {dep.specifier or 'dependency'} installs today)"
    return "(every version)"


def ids(advisory: Advisory) -> str:
    return advisory.id + (f" ({', '.join(advisory.aliases)})" if advisory.aliases else "")


def evidence(advisory: Advisory) -> tuple[Evidence, ...]:
    out = [Evidence("advisory", ids(advisory))]
    if advisory.summary:
        out.append(Evidence("summary", advisory.summary))
    if advisory.ranges:
        out.append(Evidence("affected", "; ".join(advisory.ranges)))
    if advisory.published:
        out.append(Evidence("published", advisory.published.strftime("%Y-%m-%d")))
    if advisory.source:
        out.append(Evidence("advisory data", advisory.source))
    out += [Evidence("reference", url) for url in advisory.references[:2]]
    return tuple(out)
