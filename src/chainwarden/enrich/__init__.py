"""enrich: every outside fact about the packages in the graphs.

`enrich()` looks each distinct (ecosystem, name) up once, concurrently, in the
backend chosen for its ecosystem (a snapshot directory, or the index the
user's installer is configured with), and returns the graphs with their
`RegistryFacts`. A name that could not be looked up is a `Skip`, never a clean
result; a name the index does not know is a fact (``exists = False``).

It also asks DNS about the maintainers' e-mail domains (`enrich.dns`),
records each package's owner set in the store, so that a later scan sees a
change (`owners_before`, `owners_changed_at`), and works out where each
project's packages come from and which are private (`enrich.sources`): a
private dependency's facts come from its private index. Last, it matches each
package at the version that installs against the advisory store and, when one
is given, an OSV querybatch service (`enrich.advisories`).

Nothing an index or the cache does stops it (docs/decisions/0017-bounded-index-answers.md):
an answer that is too large, too slow, badly encoded, a redirect loop or a malformed
document is a Skip naming the URL; an answer that came from another host through a
redirect is used and listed once as a Skip; a cache that cannot be opened is a Skip
("cache unavailable", the run goes on without it; only ``--offline`` needs it and stops
with exit 2), and a cache that cannot be written is read, with one Skip saying so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainwarden._errors import describe
from chainwarden.enrich.cache import (
    DEFAULT_TTL_SECONDS,
    LOCK_TIMEOUT,
    CacheError,
    Store,
    default_cache_dir,
)
from chainwarden.enrich.index_config import (
    IndexConfigError,
    IndexSettings,
    installer_statements,
    public_index,
    resolve_settings,
)
from chainwarden.enrich.names import PopularDataError, index_for
from chainwarden.model import (
    AdvisorySource,
    DependencyGraph,
    DomainCheck,
    Ecosystem,
    EnrichedGraph,
    IndexSetup,
    NameMatch,
    PackageId,
    RegistryFacts,
    Skip,
    SourceKind,
    email_host,
)

if TYPE_CHECKING:
    from chainwarden.enrich.dns import DnsOptions
    from chainwarden.enrich.documents import ProjectRecord
    from chainwarden.enrich.http import Fetcher
    from chainwarden.enrich.registry import Backend, LookupFailed
    from chainwarden.enrich.sources import SourceOptions

__all__ = ["DnsOptions", "EnrichError", "EnrichOptions", "EnrichOutcome", "SourceOptions", "enrich"]

# The HTTP client, the DNS resolver and the advisory store are imported when a run needs them, not with this
# package: `chainwarden.enrich.names` (check-name) and `chainwarden.enrich.artifacts` (inspect FILE) start
# without them (tests/cli/test_startup.py).
_LAZY = {"DnsOptions": "chainwarden.enrich.dns", "SourceOptions": "chainwarden.enrich.sources"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default_dns() -> DnsOptions:
    from chainwarden.enrich.dns import DnsOptions

    return DnsOptions()


def _default_sources() -> SourceOptions:
    from chainwarden.enrich.sources import SourceOptions

    return SourceOptions()


def _default_max_response_bytes() -> int:
    from chainwarden.enrich.http import DEFAULT_MAX_RESPONSE_BYTES

    return DEFAULT_MAX_RESPONSE_BYTES

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
    dns: DnsOptions = field(default_factory=_default_dns)
    match_names: bool = False  # compare names with the popular-name list (the typosquat rule's data)
    popular_dir: Path | None = None  # refreshed popular-name lists (`chainwarden data update`); default: the user data dir
    now: datetime | None = None  # when owner sets are recorded as seen (default: the wall clock)
    sources: SourceOptions = field(default_factory=_default_sources)  # private / public indexes, internal-packages
    osv_url: str | None = None  # an OSV-compatible querybatch service asked besides the advisory store (--osv-url)
    max_response_bytes: int = field(default_factory=_default_max_response_bytes)  # one index answer, after decompression (enrich.http)
    deadline: float | None = None  # whole-request deadline for an index answer (None: 3 x timeout)
    download_deadline: float | None = None  # the same for an artifact download (None: 15 x timeout)
    cache_lock_timeout: float = LOCK_TIMEOUT  # how long to wait for another process's lock on the cache

    def fetcher(self, store: Store | None) -> Fetcher:
        """The HTTP client these options describe (enrich.http), in front of `store`."""
        from chainwarden.enrich.http import Fetcher

        return Fetcher(store, ttl=self.ttl, offline=self.offline, concurrency=self.concurrency, timeout=self.timeout,
                       retries=self.retries, backoff=self.backoff, max_bytes=self.max_response_bytes,
                       deadline=self.deadline, download_deadline=self.download_deadline)

    def open_store(self, skips: list[Skip]) -> Store | None:
        """The cache, or None with a Skip saying why it is unavailable (the same words wherever it is opened, so
        that a scan says it once). Raises `EnrichError` when --offline has no cache to answer from."""
        if not self.use_cache:
            return None
        try:
            return Store(self.cache_dir or default_cache_dir(), lock_timeout=self.cache_lock_timeout)
        except CacheError as exc:
            if self.offline:
                raise EnrichError(f"{exc}; --offline answers from the cache only, so there is nothing to answer from") from exc
            skips.append(Skip(what="cache", stage="enrich", reason=(
                f"cache unavailable: {exc}; running without it (nothing from earlier scans is reused or kept for later "
                "ones: owner changes are not tracked, archives are read again)")))
            return None


@dataclass
class EnrichOutcome:
    graphs: list[EnrichedGraph]
    skips: list[Skip]
    indexes: dict[str, str] = field(default_factory=dict)  # ecosystem -> "url (origin)"
    requests_made: int = 0
    advisory_data: tuple[AdvisorySource, ...] = ()  # the advisory data matched against; (): none loaded


def backends_for(
    options: EnrichOptions, project_dirs: list[Path], need: set[Ecosystem], fetcher: Fetcher | None
) -> tuple[dict[Ecosystem, Backend], dict[str, str]]:
    from chainwarden.enrich.registry import NpmRegistry, PyPIIndex, Snapshot

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
    names: list[tuple[Ecosystem, str]], backends: dict[Ecosystem, Backend], progress: Progress | None,
    versions: dict[tuple[Ecosystem, str], set[str | None]],
) -> tuple[dict[tuple[Ecosystem, str], ProjectRecord], dict[tuple[Ecosystem, str], LookupFailed]]:
    """Each name's record, holding the files of the `versions` the graphs read (None: the latest) and of the
    release before each: a document lists every file of every release, and a real lock's 300 names list a
    quarter of a million files that no check reads (docs/decisions/0025-parsed-records-beside-documents.md)."""
    from chainwarden.enrich.registry import LookupFailed

    records: dict[tuple[Ecosystem, str], ProjectRecord] = {}
    failures: dict[tuple[Ecosystem, str], LookupFailed] = {}
    done = 0
    total = len(names)

    async def one(key: tuple[Ecosystem, str]) -> None:
        nonlocal done
        try:
            record = records[key] = await backends[key[0]].lookup(key[1])
            record.keep_files(versions.get(key, {None}))
        except LookupFailed as exc:
            # a fresh one: the caught one's traceback holds the frames that read the answer (its body, its parse)
            failures[key] = LookupFailed(exc.reason, offline=exc.offline)
        done += 1
        if progress:
            progress(done, total)

    await asyncio.gather(*(one(k) for k in names))
    return records, failures


def enrich(
    graphs: list[DependencyGraph], options: EnrichOptions, progress: Progress | None = None
) -> EnrichOutcome:
    need = {g.project.ecosystem for g in graphs if g.dependencies}
    skips: list[Skip] = []
    matches, popular_label = _name_matches(graphs, options, skips)
    names = sorted(
        {
            (d.package.ecosystem, d.package.name)
            for g in graphs
            for d in g.dependencies
            if d.source_kind is SourceKind.REGISTRY
        }
        # the popular names a dependency may imitate: their owners tell a squat from a sibling package
        | {(eco, m.target) for (eco, _), ms in matches.items() for m in ms if m.candidate_downloads is None}
    )
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
        return EnrichOutcome([EnrichedGraph(g, {}, {}, _names_of(g, matches), popular_label.get(g.project.ecosystem, ""))
                              for g in graphs], skips)

    from chainwarden.enrich.advisories import find_advisories
    from chainwarden.enrich.dns import DnsError, check_hosts

    store = options.open_store(skips)
    try:
        options.dns.address()
    except DnsError as exc:
        raise EnrichError(exc.diagnostics()) from exc

    async def run() -> tuple[
        dict[tuple[Ecosystem, str], ProjectRecord], dict[tuple[Ecosystem, str], LookupFailed], dict[str, str], int,
        dict[str, DomainCheck], list[Skip], dict[int, IndexSetup], dict[tuple[Ecosystem, str], ProjectRecord],
    ]:
        fetcher = options.fetcher(store) if options.snapshot is None else None
        try:
            project_dirs = [Path(g.project.directory or g.project.root) for g in graphs]
            backends, described = backends_for(options, project_dirs, need, fetcher)
            records, failures = await _lookup_all(names, backends, progress, _versions_read(graphs))
            setups, private_records, source_skips = await _sources(graphs, project_dirs, backends, records, options, fetcher)
            if fetcher is not None:
                source_skips += fetcher.notes()
        finally:
            if fetcher is not None:
                await fetcher.aclose()
        hosts = {email_host(e) for r in records.values() for e in r.emails if "@" in e}
        hosts |= {email_host(e) for r in private_records.values() for e in r.emails if "@" in e}
        domains, dns_skips = await check_hosts(hosts, options.dns, store, offline=options.offline, snapshot=options.snapshot)
        return (records, failures, described, fetcher.requests_made if fetcher else 0, domains, source_skips + dns_skips,
                setups, private_records)

    try:
        records, failures, described, requests_made, domains, dns_skips, setups, private_records = asyncio.run(run())
        owners = _record_owners(records, store, options.now)
        advisories = find_advisories(_advisory_checks(graphs, records), options.cache_dir or default_cache_dir(),
                                     osv_url=options.osv_url, store=store, offline=options.offline,
                                     timeout=options.timeout, retries=options.retries, make_fetcher=options.fetcher,
                                     lock_timeout=options.cache_lock_timeout)
    finally:
        if store is not None:
            store.close()
    if store is not None:
        skips += [Skip(what="cache", reason=note, stage="enrich") for note in store.notes]

    for (eco, name), failure in sorted(failures.items(), key=lambda kv: kv[0]):
        skips.append(Skip(what=f"{eco.value}:{name}", reason=failure.reason, stage="enrich"))
    skips += dns_skips
    skips += advisories.skips
    if not options.use_cache and any(r.maintainer_source for r in records.values()):
        skips.append(Skip(what="owners", reason="--no-cache: owner changes since earlier scans are not tracked (owners-changed)", stage="enrich"))

    enriched: list[EnrichedGraph] = []
    for i, g in enumerate(graphs):
        facts: dict[PackageId, RegistryFacts] = {}
        setup = setups.get(i)
        for d in g.dependencies:
            key = (d.package.ecosystem, d.package.name)
            rec = records.get(key)
            if setup is not None and d.package.name in setup.private:
                if key in private_records:
                    rec = private_records[key]  # a private package's facts are its private index's
                elif setup.private[d.package.name].private is None and rec is not None and rec.exists:
                    rec = None  # the public index's package of that name is someone else's: its facts are not ours
                    skips.append(Skip(what=d.package.purl, stage="enrich", reason=(
                        f"a private package ({setup.private[d.package.name].why}) whose private index was not asked: "
                        "the registry checks did not run on it (dependency-confusion compares it with the public index)")))
            if rec is not None:
                f = rec.facts_for(d.package.version)
                before, changed_at = owners.get(key, (None, None))
                facts[d.package] = replace(f, owners_before=before, owners_changed_at=changed_at) if before is not None else f
        hosts = {email_host(e) for f in facts.values() for e in f.emails if "@" in e}
        own_names = _names_of(g, matches)
        for ms in own_names.values():
            for m in ms:
                rec = records.get((g.project.ecosystem, m.target))
                if rec is not None:
                    facts.setdefault(PackageId(g.project.ecosystem, m.target), rec.facts_for(None))
        enriched.append(EnrichedGraph(g, facts, {h: domains[h] for h in sorted(hosts) if h in domains}, own_names,
                                      popular_label.get(g.project.ecosystem, ""), setup,
                                      {d.package: advisories.by_package[d.package] for d in g.dependencies
                                       if d.package in advisories.by_package}))
    return EnrichOutcome(enriched, skips, described, requests_made, tuple(advisories.sources))


def _versions_read(graphs: list[DependencyGraph]) -> dict[tuple[Ecosystem, str], set[str | None]]:
    """The versions whose facts are read, by name: each pinned one, and the latest (None) of every name."""
    out: dict[tuple[Ecosystem, str], set[str | None]] = {}
    for g in graphs:
        for d in g.dependencies:
            out.setdefault((d.package.ecosystem, d.package.name), {None}).add(d.package.version)
    return out


def _advisory_checks(
    graphs: list[DependencyGraph], records: dict[tuple[Ecosystem, str], ProjectRecord]
) -> dict[PackageId, str | None]:
    """Each registry package and the version that installs: the pinned one, else the index's latest (None: unknown)."""
    out: dict[PackageId, str | None] = {}
    for g in graphs:
        for d in g.dependencies:
            if d.source_kind is not SourceKind.REGISTRY or d.package in out:
                continue
            rec = records.get((d.package.ecosystem, d.package.name))
            out[d.package] = d.package.version or (rec.latest_version if rec is not None and rec.exists else None)
    return out


async def _sources(
    graphs: list[DependencyGraph], project_dirs: list[Path], backends: dict[Ecosystem, Backend],
    records: dict[tuple[Ecosystem, str], ProjectRecord], options: EnrichOptions, fetcher: Fetcher | None,
) -> tuple[dict[int, IndexSetup], dict[tuple[Ecosystem, str], ProjectRecord], list[Skip]]:
    """Where each graph's packages come from (enrich.sources)."""
    from chainwarden.enrich.sources import resolve_sources

    display = {}
    for g, d in zip(graphs, project_dirs):
        for name in ("uv.toml", "pyproject.toml", ".npmrc"):
            display[(d / name).resolve()] = str(Path(g.project.root) / name) if g.project.root != "." else name
    need = {g.project.ecosystem for g in graphs if g.dependencies}
    statements = installer_statements(project_dirs, display, pypi=Ecosystem.PYPI in need, npm=Ecosystem.NPM in need,
                                      machine=options.snapshot is None)
    primary = {eco: b.label for eco, b in backends.items()}

    def public_of(eco: Ecosystem) -> tuple[str, str] | None:
        if options.snapshot is not None:
            return primary[eco], "the registry snapshot"
        chosen = options.sources.public_index if eco is Ecosystem.PYPI else options.sources.public_npm_registry
        return public_index(eco, chosen)

    return await resolve_sources(graphs, primary, records, statements, options.sources, public_of, fetcher,
                                 options.snapshot is not None)


def _name_matches(
    graphs: list[DependencyGraph], options: EnrichOptions, skips: list[Skip]
) -> tuple[dict[tuple[Ecosystem, str], tuple[NameMatch, ...]], dict[Ecosystem, str]]:
    """For each dependency name, the popular names it may imitate (enrich.names)."""
    out: dict[tuple[Ecosystem, str], tuple[NameMatch, ...]] = {}
    labels: dict[Ecosystem, str] = {}
    if not options.match_names:
        return out, labels
    for eco in sorted({g.project.ecosystem for g in graphs if g.dependencies}):
        try:
            index = index_for(eco, options.popular_dir, options.cache_dir, keep=options.use_cache)
        except (PopularDataError, OSError, ValueError) as exc:
            why = exc.diagnostics() if isinstance(exc, PopularDataError) else describe(exc)
            skips.append(Skip(what=f"popular-names:{eco.value}", reason=f"could not load the popular-name list: {why}", stage="enrich"))
            continue
        labels[eco] = index.popular.label
        for g in graphs:
            if g.project.ecosystem is not eco:
                continue
            for d in g.dependencies:
                key = (eco, d.package.name)
                if key not in out:
                    out[key] = tuple(index.matches(d.package.name))
    return {k: v for k, v in out.items() if v}, labels


def _names_of(g: DependencyGraph, matches: dict[tuple[Ecosystem, str], tuple[NameMatch, ...]]) -> dict[str, tuple[NameMatch, ...]]:
    eco = g.project.ecosystem
    return {d.package.name: matches[(eco, d.package.name)] for d in g.dependencies if (eco, d.package.name) in matches}


def _record_owners(
    records: dict[tuple[Ecosystem, str], ProjectRecord], store: Store | None, now: datetime | None
) -> dict[tuple[Ecosystem, str], tuple[tuple[str, ...] | None, datetime | None]]:
    """Record each package's owner set as seen now; return, for those whose set changed, the set before and when."""
    out: dict[tuple[Ecosystem, str], tuple[tuple[str, ...] | None, datetime | None]] = {}
    if store is None:
        return out
    moment = now.timestamp() if now is not None else time.time()
    for (eco, name), rec in sorted(records.items(), key=lambda kv: kv[0]):
        owners = rec.facts_for(None).owners if rec.exists and rec.maintainer_source else ()
        if not owners:
            continue
        before, since = store.record_owners(rec.index_url, eco.value, name, owners, moment)
        if before is not None and since is not None:
            out[(eco, name)] = (before, datetime.fromtimestamp(since, UTC))
    return out
