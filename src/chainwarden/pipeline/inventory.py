"""The inventory behind `chainwarden sbom`: collect, and ask the index only for what the files do not say.

An SBOM lists what the manifests and lockfiles say: names, versions, PURLs, hashes, edges. The one thing
they often lack is the licence (npm's package-lock v2+ records it; Python lockfiles never do), so the
index is asked about the packages whose licence the files do not give, and about nothing else: no DNS,
no popular-name list, no analyzers. When the lockfiles give every licence no request is made;
`lookup=False` (``sbom --no-index``) makes none at all. A lookup that fails leaves the licence unknown
and is listed as a Skip; the SBOM is still written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from chainwarden import __version__
from chainwarden.collect import CollectContext, collect_environment, collect_paths
from chainwarden.decide import Policy, find_policy, load_policy
from chainwarden.enrich import DnsOptions, EnrichOptions, enrich
from chainwarden.model import (
    DependencyGraph,
    EnrichedGraph,
    PackageId,
    PolicySummary,
    RegistryFacts,
    ScanResult,
    SourceKind,
    Verdict,
)
from chainwarden.pipeline import source_options


@dataclass
class InventoryRequest:
    paths: list[Path]
    environment: Path | None = None
    options: EnrichOptions = field(default_factory=EnrichOptions)
    config: Path | None = None
    lookup: bool = True  # ask the index for what the files do not say (licences)
    display_base: Path = field(default_factory=Path.cwd)


def _needs_lookup(graph: DependencyGraph) -> DependencyGraph | None:
    """The part of a graph the index has to be asked about: registry packages without a licence."""
    wanted = tuple(d for d in graph.dependencies if d.source_kind is SourceKind.REGISTRY and not d.license)
    if not wanted:
        return None
    keep = {d.package for d in wanted}
    edges = tuple(e for e in graph.edges if e.parent in keep and e.child in keep)
    return replace(graph, dependencies=wanted, edges=edges)


def inventory(request: InventoryRequest, progress: Callable[[int, int], None] | None = None) -> ScanResult:
    """Every package of every project, with the facts needed for an SBOM. Raises what `scan` raises
    (`PolicyError`, `EnrichError`) when the run cannot start."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    policy_path = request.config or (find_policy(request.paths[0]) if request.paths else None)
    policy = load_policy(policy_path) if policy_path else Policy()
    ctx = CollectContext(display_base=request.display_base)
    graphs, skips = collect_paths(request.paths, ctx) if request.paths else ([], [])
    if request.environment is not None:
        env_graphs, env_skips = collect_environment(request.environment, ctx)
        graphs += env_graphs
        skips += env_skips

    facts: list[dict[PackageId, RegistryFacts]] = [{} for _ in graphs]
    indexes: dict[str, str] = {}
    partial: list[tuple[int, DependencyGraph]] = []
    for i, g in enumerate(graphs if request.lookup else []):
        part = _needs_lookup(g)
        if part is not None:
            partial.append((i, part))
    if partial:
        options = request.options
        if options.snapshot is None and policy.registry_snapshot is not None and not (options.index_url or options.npm_registry):
            options = replace(options, snapshot=policy.registry_snapshot)
        # [sources] matters: a private package's licence must not be read from a public namesake's page
        options = replace(options, dns=DnsOptions(enabled=False, server=None), match_names=False, now=started,
                          sources=source_options(options.sources, policy))
        outcome = enrich([g for _, g in partial], options, progress)
        # DNS, advisories and owner history are no SBOM's business: their notes would only say "not done"
        skips += [s for s in outcome.skips if s.what not in ("dns", "advisories", "owners")]
        indexes = outcome.indexes
        for (i, _), eg in zip(partial, outcome.graphs):
            facts[i] = dict(eg.facts)
    enriched = tuple(EnrichedGraph(g, facts[i]) for i, g in enumerate(graphs))
    return ScanResult(
        graphs=enriched,
        findings=(),
        skips=tuple(skips),
        verdict=Verdict(passed=True),
        policy=PolicySummary(policy.source, policy.fail_on),
        indexes=indexes,
        ignored=0,
        started=started,
        duration=time.perf_counter() - t0,
        tool_version=__version__,
    )
