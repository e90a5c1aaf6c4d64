"""enrich: every outside fact about the packages in the graphs.

`enrich()` looks each distinct (ecosystem, name) up once, concurrently, in the
backend chosen for its ecosystem (a snapshot directory, or the index the
user's installer is configured with), and returns the graphs with their
`RegistryFacts`. A name that could not be looked up is a `Skip`, never a clean
result; a name the index does not know is a fact (``exists = False``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chainwarden.enrich.cache import DEFAULT_TTL_SECONDS, CacheError, Store, default_cache_dir
from chainwarden.enrich.documents import ProjectRecord
from chainwarden.enrich.http import Fetcher
from chainwarden.enrich.index_config import IndexConfigError, IndexSettings, resolve_settings
from chainwarden.enrich.registry import Backend, LookupFailed, NpmRegistry, PyPIIndex, Snapshot
from chainwarden.model import DependencyGraph, Ecosystem, EnrichedGraph, PackageId, RegistryFacts, Skip, SourceKind

__all__ = ["EnrichError", "EnrichOptions", "EnrichOutcome", "enrich"]

Progress = Callable[[int, int], None]


class EnrichError(Exception):
    """The enrich stage cannot start (no index could be chosen, the cache cannot be opened)."""

    def diagnostics(self) -> str:
        return str(self)


@dataclass
class EnrichOptions:
    index_url: str | None = None
    npm_registry: str | None = None
    snapshot: Path | None = None
    cache_dir: Path | None = None
    offline: bool = False
    ttl: float = DEFAULT_TTL_SECONDS
    concurrency: int = 16
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 0.5
    use_cache: bool = True


@dataclass
class EnrichOutcome:
    graphs: list[EnrichedGraph]
    skips: list[Skip]
    indexes: dict[str, str] = field(default_factory=dict)  # ecosystem -> "url (origin)"
    requests_made: int = 0


def _backends(
    options: EnrichOptions, project_dirs: list[Path], need: set[Ecosystem], fetcher: Fetcher | None
) -> tuple[dict[Ecosystem, Backend], dict[str, str]]:
    backends: dict[Ecosystem, Backend] = {}
    described: dict[str, str] = {}
    if options.snapshot is not None:
        for eco in need:
            backends[eco] = Snapshot(options.snapshot, eco.value)
            described[eco.value] = f"{options.snapshot} (registry snapshot)"
        return backends, described
    assert fetcher is not None
    try:
        settings: IndexSettings = resolve_settings(
            project_dirs,
            index_url=options.index_url,
            npm_registry=options.npm_registry,
            need_pypi=Ecosystem.PYPI in need,
            need_npm=Ecosystem.NPM in need,
        )
    except IndexConfigError as exc:
        raise EnrichError(str(exc)) from exc
    if settings.pypi is not None:
        backends[Ecosystem.PYPI] = PyPIIndex(fetcher, settings.pypi.url)
        described["pypi"] = f"{settings.pypi.url} (from {settings.pypi.origin})"
    if settings.npm is not None:
        scopes = {k: v.url for k, v in settings.npm_scopes.items()}
        backends[Ecosystem.NPM] = NpmRegistry(fetcher, settings.npm.url, scopes)
        described["npm"] = f"{settings.npm.url} (from {settings.npm.origin})"
    return backends, described


async def _lookup_all(
    names: list[tuple[Ecosystem, str]], backends: dict[Ecosystem, Backend], progress: Progress | None
) -> tuple[dict[tuple[Ecosystem, str], ProjectRecord], dict[tuple[Ecosystem, str], LookupFailed]]:
    records: dict[tuple[Ecosystem, str], ProjectRecord] = {}
    failures: dict[tuple[Ecosystem, str], LookupFailed] = {}
    done = 0
    total = len(names)

    async def one(key: tuple[Ecosystem, str]) -> None:
        nonlocal done
        try:
            records[key] = await backends[key[0]].lookup(key[1])
        except LookupFailed as exc:
            failures[key] = exc
        done += 1
        if progress:
            progress(done, total)

    await asyncio.gather(*(one(k) for k in names))
    return records, failures


def enrich(
    graphs: list[DependencyGraph], options: EnrichOptions, progress: Progress | None = None
) -> EnrichOutcome:
    need = {g.project.ecosystem for g in graphs if g.dependencies}
    names = sorted(
        {
            (d.package.ecosystem, d.package.name)
            for g in graphs
            for d in g.dependencies
            if d.source_kind is SourceKind.REGISTRY
        }
    )
    skips: list[Skip] = []
    for g in graphs:
        for d in g.dependencies:
            if d.source_kind is not SourceKind.REGISTRY:
                skips.append(
                    Skip(
                        what=d.package.purl,
                        reason=f"not installed from an index ({d.source_kind.value}: {d.source_url or '?'}); registry checks do not apply",
                        stage="enrich",
                    )
                )
    if not names:
        return EnrichOutcome([EnrichedGraph(g, {}) for g in graphs], skips)

    store: Store | None = None
    if options.use_cache and options.snapshot is None:
        try:
            store = Store(options.cache_dir or default_cache_dir())
        except CacheError as exc:
            if options.offline:
                raise EnrichError(f"{exc}; --offline needs the cache") from exc
            skips.append(Skip(what="cache", reason=f"{exc}; running without a cache", stage="enrich"))

    async def run() -> tuple[dict[tuple[Ecosystem, str], ProjectRecord], dict[tuple[Ecosystem, str], LookupFailed], dict[str, str], int]:
        fetcher = None
        if options.snapshot is None:
            fetcher = Fetcher(
                store,
                ttl=options.ttl,
                offline=options.offline,
                concurrency=options.concurrency,
                timeout=options.timeout,
                retries=options.retries,
                backoff=options.backoff,
            )
        try:
            project_dirs = [Path(g.project.root) for g in graphs]
            backends, described = _backends(options, project_dirs, need, fetcher)
            records, failures = await _lookup_all(names, backends, progress)
            return records, failures, described, fetcher.requests_made if fetcher else 0
        finally:
            if fetcher is not None:
                await fetcher.aclose()

    try:
        records, failures, described, requests_made = asyncio.run(run())
    finally:
        if store is not None:
            store.close()

    for (eco, name), failure in sorted(failures.items(), key=lambda kv: kv[0]):
        skips.append(Skip(what=f"{eco.value}:{name}", reason=failure.reason, stage="enrich"))

    enriched: list[EnrichedGraph] = []
    for g in graphs:
        facts: dict[PackageId, RegistryFacts] = {}
        for d in g.dependencies:
            rec = records.get((d.package.ecosystem, d.package.name))
            if rec is not None:
                facts[d.package] = rec.facts_for(d.package.version)
        enriched.append(EnrichedGraph(g, facts))
    return EnrichOutcome(enriched, skips, described, requests_made)
