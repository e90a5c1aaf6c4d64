"""The one function that wires the stages: collect -> enrich -> analyze -> decide.

The CLI (and later the server) call `scan()`; it prints nothing. Errors that
make a run impossible (a broken policy, no index) are raised as
`ChainwardenError`s with `diagnostics()`; everything else becomes a Skip.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from chainwarden import __version__
from chainwarden.analyze import AnalysisContext, run_analyzers
from chainwarden.analyze.names import typosquat
from chainwarden.collect import CollectContext, collect_environment, collect_paths
from chainwarden.decide import (
    Action,
    Policy,
    PolicyError,
    decide,
    find_policy,
    load_policy,
)
from chainwarden.decide.metrics import compute as compute_metrics
from chainwarden.enrich import EnrichError, EnrichOptions, enrich
from chainwarden.enrich.names import index_for
from chainwarden.model import (
    Confidence,
    DependencyGraph,
    Ecosystem,
    EnrichedGraph,
    Finding,
    NameMatch,
    PolicySummary,
    ScanResult,
    Severity,
    SourceKind,
)

if TYPE_CHECKING:
    from chainwarden.enrich import DnsOptions, SourceOptions

ChainwardenError = (PolicyError, EnrichError)


@dataclass
class ScanRequest:
    paths: list[Path]
    environment: Path | None = None
    options: EnrichOptions = field(default_factory=EnrichOptions)
    config: Path | None = None
    strict: bool = False
    display_base: Path = field(default_factory=Path.cwd)
    now: datetime | None = None  # --as-of: the moment age questions are asked at (default: now)
    dns_server: str | None = None  # --dns-server (else CHAINWARDEN_DNS_SERVER, else the policy's [dns] server)
    dns_canary: str | None = None  # --dns-canary (else the policy's, else the default)
    no_dns: bool = False
    deep: bool = False  # --deep: read every pinned dependency's files and compare with the release before (pipeline.deep)


def dns_options(request: ScanRequest, policy: Policy) -> DnsOptions:
    """Flag, then environment, then policy, then the built-in defaults."""
    from chainwarden.enrich.dns import DnsOptions

    base = DnsOptions()
    return DnsOptions(
        enabled=policy.dns.enabled and not request.no_dns,
        server=request.dns_server or base.server or policy.dns.server,  # base.server: CHAINWARDEN_DNS_SERVER
        canary=request.dns_canary or policy.dns.canary or base.canary,
        timeout=policy.dns.timeout or base.timeout,
        ttl=policy.dns.cache_ttl or base.ttl,
    )


def source_options(flags: SourceOptions, policy: Policy) -> SourceOptions:
    """Flags, then environment (read in enrich.index_config), then the policy's [sources]; lists add up."""
    from chainwarden.enrich.sources import SourceOptions

    p = policy.sources
    return SourceOptions(
        private_indexes=tuple(dict.fromkeys(flags.private_indexes + p.private_indexes)),
        private_npm_registries=tuple(dict.fromkeys(flags.private_npm_registries + p.private_npm_registries)),
        public_index=flags.public_index or (None if os.environ.get("CHAINWARDEN_PUBLIC_INDEX") else p.public_index),
        public_npm_registry=flags.public_npm_registry
        or (None if os.environ.get("CHAINWARDEN_PUBLIC_NPM_REGISTRY") else p.public_npm_registry),
        internal_packages=tuple(dict.fromkeys(flags.internal_packages + p.internal_packages)),
    )


def policy_for(request: ScanRequest) -> Policy:
    """The policy a scan of `request` runs under: --config, else the one found from the first PATH upwards."""
    policy_path = request.config or (find_policy(request.paths[0]) if request.paths else None)
    return load_policy(policy_path) if policy_path else Policy()


def scan(request: ScanRequest, progress: Callable[[int, int], None] | None = None) -> ScanResult:
    started = datetime.now(UTC)
    now = request.now or started
    t0 = time.perf_counter()
    policy = policy_for(request)
    options = request.options
    if options.snapshot is None and policy.registry_snapshot is not None and not (options.index_url or options.npm_registry):
        options = replace(options, snapshot=policy.registry_snapshot)
    # The popular-name index costs 0.25 s to build: only when the typosquat rule's findings are wanted.
    options = replace(options, dns=dns_options(request, policy), now=now,
                      match_names=policy.rules.get("typosquat") is not Action.IGNORE,
                      sources=source_options(options.sources, policy),
                      osv_url=options.osv_url or policy.advisories.osv_url)

    ctx = CollectContext(display_base=request.display_base)
    graphs, skips = collect_paths(request.paths, ctx) if request.paths else ([], [])
    if request.environment is not None:
        env_graphs, env_skips = collect_environment(request.environment, ctx)
        graphs += env_graphs
        skips += env_skips
    unread = len(skips)

    outcome = enrich(graphs, options, progress)
    skips += outcome.skips
    findings, analyze_skips = run_analyzers(outcome.graphs, AnalysisContext(now=now, options=policy.options))
    skips += analyze_skips
    if request.deep:
        import asyncio

        from chainwarden.pipeline.deep import deep_scan

        code_findings, code_skips = asyncio.run(deep_scan(outcome.graphs, options))
        findings += code_findings
        said = set(skips)  # the deep pass opens the cache again: what enrich said about it is said once
        skips += [s for s in code_skips if s not in said]
    today = now.date()
    kept: list[Finding] = []
    ignored: list[Finding] = []
    for f in findings:
        (ignored if policy.action_for(f, today) is Action.IGNORE else kept).append(f)
    kept.sort(key=lambda f: (-f.severity.rank, f.rule, f.package.name, f.package.version or ""))
    gaps = coverage_gaps(request, graphs, unread, outcome.graphs, outcome.indexes)
    verdict = decide(kept, skips, policy, strict=request.strict, today=today, gaps=gaps)
    metrics = compute_metrics(outcome.graphs, kept, now)
    result = ScanResult(
        graphs=tuple(outcome.graphs),
        findings=tuple(kept),
        skips=tuple(skips),
        verdict=verdict,
        policy=PolicySummary(policy.source, policy.fail_on),
        indexes=outcome.indexes,
        ignored=len(ignored),
        started=started,
        duration=time.perf_counter() - t0,
        tool_version=__version__,
        metrics=metrics,
        advisory_data=outcome.advisory_data,
        ignored_findings=tuple(ignored),
    )
    return result


def coverage_gaps(request: ScanRequest, graphs: list[DependencyGraph], unread: int, enriched: list[EnrichedGraph],
                  indexes: dict[str, str]) -> tuple[str, ...]:
    """What kept the run from checking anything, each in a sentence (docs/decisions/0024-a-verdict-that-never-misleads.md):
    no package at all, because nothing was found or nothing could be read (`unread`: what collect could not read);
    or an ecosystem none of whose registry packages could be looked up (an index that is down, misspelt or
    unreachable, --offline with an empty cache), so that none of the registry checks ran. A run with either is
    "not checked" (exit 3), never a pass. A project whose files read fine and declare no dependency is not a gap."""
    if not any(g.dependencies for g in graphs):
        where = ", ".join(str(p) for p in [*request.paths, *([request.environment] if request.environment else [])])
        if unread:
            return (f"nothing was checked: no input in {where} could be read ({unread} listed under \"Could not check\")",)
        if not graphs:
            return (f"nothing was checked: no manifest, lockfile or installed environment found in {where}",)
        return ()
    gaps: list[str] = []
    for eco in sorted({eg.graph.project.ecosystem for eg in enriched}):
        ours = [eg for eg in enriched if eg.graph.project.ecosystem is eco]
        wanted = {d.package for eg in ours for d in eg.graph.dependencies if d.source_kind is SourceKind.REGISTRY}
        if wanted and not any(p in eg.facts for eg in ours for p in wanted):
            names = len({p.name for p in wanted})
            where = f" from {indexes[eco.value]}" if eco.value in indexes else ""
            gaps.append(f"nothing was looked up: every {eco.value} lookup{where} failed ({names} package(s)), so no "
                        "registry check ran on them")
    return tuple(gaps)


@dataclass(frozen=True)
class NameVerdict:
    """What `chainwarden check-name` says about one name."""

    name: str
    matches: tuple[tuple[NameMatch, Severity, Confidence], ...]  # the matches judged to be squats, best first
    popular: bool  # the name itself is on the popular list


def check_names(names: Iterable[str], ecosystem: Ecosystem, *, popular_dir: Path | None = None,
                now: datetime | None = None) -> Iterator[NameVerdict]:
    """Judge names without a project or an index: the popular-name list and the typosquat rule only
    (so the owner and maturity exemptions of a scan, which need registry facts, do not apply). One verdict per
    name, in order, each as soon as its name is read: `names` may be a stream of any length."""
    index = index_for(ecosystem, popular_dir)
    ctx = AnalysisContext(now=now or datetime.now(UTC))
    for raw in names:
        name = raw.strip()
        judged = tuple((m, j[0], j[1]) for m in index.matches(name)
                       for j in [typosquat.judge(name, ecosystem, m, None, None, ctx)] if j)
        yield NameVerdict(name, judged, index.is_popular(name))
