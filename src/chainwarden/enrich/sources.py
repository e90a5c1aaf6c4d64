"""Where each project's packages come from, and which of them are private.

For each project this works out an `IndexSetup`: every statement about indexes (the
project's manifests and lockfiles through their `IndexHint`s, the project's uv settings,
the installers' configuration on this machine, ``--private-index`` and the policy's
``[sources]``), the public index, and, for each dependency that comes or should come
from a private index, what the private and the public index say about its name
(`PrivateName`). The rules ``index-config-unsafe`` and ``dependency-confusion`` judge it.

A dependency is private when

1. its name matches ``internal-packages`` in the policy, or
2. it is pinned to an index that is not the public one (``[tool.uv.sources]``, Poetry
   ``source =``, Pipfile ``index =``), or
3. a lockfile records it from a registry the configuration does not name, at a version the
   configured index does not have (the lockfile's registry served something the configured
   one does not), or
4. an index in play other than the public one (an extra index, a supplemental or explicit
   source, a scope's registry, a ``--private-index``) has the name, and the public index
   does not, or lacks one of its versions (local version labels aside).

So a mirror or a proxy of the public index, which serves only public versions, makes
nothing private, and neither does a lockfile's registry URL on its own: yarn v1 writes its
own alias of the public npm registry into ``resolved``, and a lockfile that mixes it with the
registry's own URL names two spellings of one public registry (docs/decisions/
0021-resemblance-needs-evidence.md). Only the user's configuration puts an index in play;
a lockfile's other registries are asked only about the names rule 3 found. Indexes are only
asked when a second one is in play (or rules 1-3 apply): a project with one index has
nothing to be confused between.

With a registry snapshot the snapshot stands for the public index (and for the registries a
lockfile names: rule 3 does not apply) and the machine's installer configuration is not
read; other indexes cannot be asked, which is a Skip.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from chainwarden.enrich.documents import ProjectRecord
from chainwarden.enrich.http import Fetcher
from chainwarden.enrich.index_config import InstallerStatements
from chainwarden.enrich.registry import (
    Backend,
    LocalIndex,
    LookupFailed,
    NpmRegistry,
    PyPIIndex,
)
from chainwarden.model import (
    DependencyGraph,
    Ecosystem,
    IndexHint,
    IndexSetup,
    IndexUse,
    NamePresence,
    PrivateName,
    Skip,
    SourceKind,
    index_key,
    normalize_name,
    npm_registry_base,
    version_order,
)

__all__ = ["SourceOptions", "resolve_sources"]


@dataclass(frozen=True)
class SourceOptions:
    """What the user says about indexes: ``--private-index``, ``--public-index`` and the policy's ``[sources]``."""

    private_indexes: tuple[str, ...] = ()  # PyPI-style
    private_npm_registries: tuple[str, ...] = ()
    public_index: str | None = None
    public_npm_registry: str | None = None
    internal_packages: tuple[str, ...] = ()


def _public_part(version: str) -> Version | str:
    """A version as the public index would list it: local label dropped, PEP 440 equality (1.0 == 1.0.0)."""
    try:
        return Version(Version(version).public)
    except InvalidVersion:
        return version


# hint option -> (role, installer)
_ROLES = {
    "index-url": ("primary", "pip"),
    "extra-index-url": ("extra", "pip"),
    "uv-index-url": ("primary", "uv"),
    "uv-index:default": ("primary", "uv"),
    "uv-extra-index-url": ("extra", "uv"),
    "uv-index:index": ("extra", "uv"),
    "uv-index:explicit": ("explicit", "uv"),
}
_LOCK_INSTALLER = {"uv.lock": "uv", "poetry.lock": "poetry", "Pipfile.lock": "pipenv", "pdm.lock": "pdm"}
_PINS = {"uv-pin": "uv", "poetry-pin": "poetry", "pipenv-pin": "pipenv"}


@dataclass
class _Plan:
    graph: DependencyGraph
    public: tuple[str, str]
    uses: list[IndexUse] = field(default_factory=list)
    settings: list[tuple[str, str, str]] = field(default_factory=list)
    pins: dict[str, str] = field(default_factory=dict)  # package -> index URL
    lock_index: dict[str, str] = field(default_factory=dict)  # package -> the index its lockfile names
    lock_only: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule 3: package -> (registry, version)
    others: list[str] = field(default_factory=list)  # index keys to ask, besides the public one
    active: bool = False


PUBLIC = ""  # the URL of a use that means "the public index" (Poetry's PyPI source), filled in once known


def _uses_from_hints(hints: list[IndexHint], eco: Ecosystem, plan: _Plan) -> None:
    named: dict[str, str] = {}  # index name -> URL (uv, Poetry, Pipfile)
    pin_hints: list[IndexHint] = []
    search_all = any(h.option == "pipenv-search-all-sources" and h.value == "true" for h in hints)
    seen_pipenv: set[str] = set()
    for h in hints:
        loc = h.location
        origin = str(loc)
        if h.option in _ROLES:
            role, installer = _ROLES[h.option]
            plan.uses.append(IndexUse(eco, h.value, role, installer, origin, loc, h.name))
        elif h.option.startswith("poetry-source:"):
            url = h.value or PUBLIC  # a source with no URL is Poetry's PyPI
            plan.uses.append(IndexUse(eco, url, h.option.split(":", 1)[1], "poetry", origin, loc, h.name))
        elif h.option == "pipenv-source":
            if index_key(h.value) in seen_pipenv:
                continue  # the Pipfile and its lock both name it
            seen_pipenv.add(index_key(h.value))
            first = not plan.uses or all(u.installer != "pipenv" for u in plan.uses)
            role = "primary" if first else ("extra" if search_all else "explicit")
            plan.uses.append(IndexUse(eco, h.value, role, "pipenv", origin, loc, h.name))
        elif h.option == "pipenv-search-all-sources":
            plan.settings.append(("pipenv install_search_all_sources", h.value, origin))
        elif h.option == "uv-index-strategy":
            plan.settings.append(("uv index-strategy", h.value, origin))
        elif h.option in ("lock-index", "lock-registry"):
            installer = "npm" if eco is Ecosystem.NPM else _LOCK_INSTALLER.get(Path(loc.file).name, "pip")
            plan.uses.append(IndexUse(eco, h.value, "lock", installer, origin, loc))
        elif h.option in _PINS:
            pin_hints.append(h)
        elif h.option == "no-index":
            plan.settings.append(("pip --no-index", "true", origin))
        if h.name and h.value and not h.option.endswith("-pin"):
            named.setdefault(h.name.lower(), h.value)
    for h in pin_hints:
        pin_url = named.get(h.value.lower())
        if pin_url is None and h.value.lower() == "pypi":
            pin_url = PUBLIC
        if pin_url is not None:
            plan.pins[h.name] = pin_url


def _lock_index(dep_url: str | None, eco: Ecosystem) -> str | None:
    if not dep_url:
        return None
    if eco is Ecosystem.NPM:
        return npm_registry_base(dep_url)
    return dep_url if dep_url.startswith(("http://", "https://", "file://")) else None


def _served(rec: ProjectRecord | None, version: str) -> bool | None:
    """Whether the configured index's answer has `version` (a removed or unpublished one counts: it was there);
    None: unknown."""
    if rec is None:
        return None
    return rec.exists and (rec.same_version(version) in rec.versions or version in rec.unpublished)


def _plan(graph: DependencyGraph, primary: str | None, statements: InstallerStatements, options: SourceOptions,
          records: dict[tuple[Ecosystem, str], ProjectRecord], snapshot: bool = False) -> _Plan:
    """The statements that apply to `graph`, and whether a second index is in play; `public` is filled in later.
    `records` are the configured (primary) index's answers: what a lockfile's other registries are compared with
    (not with a snapshot, which stands for whatever registry a lockfile names)."""
    eco = graph.project.ecosystem
    plan = _Plan(graph, (PUBLIC, ""))
    _uses_from_hints([*graph.index_hints, *statements.hints] if eco is Ecosystem.PYPI else list(graph.index_hints), eco, plan)
    plan.uses += [u for u in statements.uses if u.ecosystem is eco]
    if eco is Ecosystem.PYPI:
        plan.settings += statements.settings
    named = options.private_indexes if eco is Ecosystem.PYPI else options.private_npm_registries
    origin = "--private-index / [sources] private-indexes" if eco is Ecosystem.PYPI else \
        "--private-npm-registry / [sources] private-npm-registries"
    plan.uses += [IndexUse(eco, url, "private", "chainwarden", origin) for url in named]
    in_play = {index_key(u.url) for u in plan.uses if u.role != "lock"} | ({index_key(primary)} if primary else set())
    for d in graph.dependencies:
        if d.source_kind is SourceKind.REGISTRY and d.locked:
            base = _lock_index(d.source_url, eco)
            if base:
                plan.lock_index[d.package.name] = base
                version = d.package.version
                if not snapshot and index_key(base) not in in_play and version \
                        and _served(records.get((eco, d.package.name)), version) is False:
                    plan.lock_only[d.package.name] = (base, version)
    in_play |= {index_key(base) for base, _ in plan.lock_only.values()}
    if eco is Ecosystem.NPM:
        # npm asks a scope's registry for the scope's names only: it is in play when the project uses the scope
        scopes = {d.package.name.split("/", 1)[0] for d in graph.dependencies if d.package.name.startswith("@")}
        in_play -= {index_key(u.url) for u in plan.uses if u.role == "scope" and u.name not in scopes}
    plan.active = len(in_play) >= 2 or bool(options.internal_packages) or bool(plan.pins) or bool(plan.lock_only) or any(
        u.role == "private" for u in plan.uses)
    plan.others = sorted(in_play) if plan.active else []
    return plan


def _fill_public(plan: _Plan, public: tuple[str, str]) -> None:
    plan.public = public
    plan.uses = [u if u.url != PUBLIC else IndexUse(u.ecosystem, public[0], u.role, u.installer, u.origin, u.location, u.name)
                 for u in plan.uses]
    plan.pins = {n: (public[0] if url == PUBLIC else url) for n, url in plan.pins.items()}
    pub = index_key(public[0])
    plan.others = [k for k in plan.others if k not in (pub, PUBLIC)]


def _presence(rec: ProjectRecord) -> NamePresence:
    if not rec.exists:
        return NamePresence(rec.index_url, False)
    live = [v for v in rec.versions if v not in rec.removed]
    highest = max(live, key=version_order) if live else None
    if rec.source != "npm" and rec.latest_version:
        highest = rec.latest_version if version_order(rec.latest_version) >= version_order(highest or "0") else highest
    first = min(rec.release_times.values()) if rec.release_times else None
    return NamePresence(rec.index_url, True, tuple(live), highest, first)


def _backend_for(url: str, eco: Ecosystem, fetcher: Fetcher | None) -> Backend | None:
    if url.startswith("file://"):
        return LocalIndex(url) if eco is Ecosystem.PYPI else None
    if fetcher is None or not url.startswith(("http://", "https://")):
        return None
    return PyPIIndex(fetcher, url) if eco is Ecosystem.PYPI else NpmRegistry(fetcher, url)


async def resolve_sources(
    graphs: list[DependencyGraph],
    primary: dict[Ecosystem, str],
    records: dict[tuple[Ecosystem, str], ProjectRecord],
    statements: InstallerStatements,
    options: SourceOptions,
    public_of: Callable[[Ecosystem], tuple[str, str] | None],
    fetcher: Fetcher | None,
    snapshot: bool,
) -> tuple[dict[int, IndexSetup], dict[tuple[Ecosystem, str], ProjectRecord], list[Skip]]:
    """The `IndexSetup` of each graph (by position) that has a second index in play, the private records
    to take facts from (by ecosystem and name), and what could not be checked. `public_of` is asked only
    for an ecosystem that needs it (finding npm's default runs npm)."""
    skips: list[Skip] = []
    plans: dict[int, _Plan] = {}
    public: dict[Ecosystem, tuple[str, str] | None] = {}
    for i, g in enumerate(graphs):
        eco = g.project.ecosystem
        if not g.dependencies:
            continue
        plan = _plan(g, primary.get(eco), statements, options, records, snapshot)
        if not plan.active:
            continue
        if eco not in public:
            public[eco] = public_of(eco)
            if public[eco] is None:
                skips.append(Skip(what=f"{eco.value}:public-index", stage="enrich", reason=(
                    "the public index is unknown (pass --public-index URL or set [sources] public-index): "
                    "dependency confusion is not checked")))
        pub = public[eco]
        if pub is None:
            continue
        _fill_public(plan, pub)
        plans[i] = plan
    if not plans:
        return {}, {}, skips

    # Which names to ask each other index for.
    url_of: dict[str, str] = {}
    wanted: dict[tuple[Ecosystem, str], set[str]] = {}
    for plan in plans.values():
        eco = plan.graph.project.ecosystem
        for u in plan.uses:
            url_of.setdefault(index_key(u.url), u.url)
        for url in plan.lock_index.values():
            url_of.setdefault(index_key(url), url)
        if primary.get(eco):
            url_of.setdefault(index_key(primary[eco]), primary[eco])
        explicit = {index_key(u.url) for u in plan.uses if u.role == "explicit"}
        scope_of = {index_key(u.url): u.name for u in plan.uses if u.role == "scope"}
        configured = {index_key(u.url) for u in plan.uses if u.role != "lock"}
        for key in plan.others:
            if primary.get(eco) and key == index_key(primary[eco]):
                continue  # the primary's answers are in `records` already
            names = wanted.setdefault((eco, key), set())
            for d in plan.graph.dependencies:
                if d.source_kind is not SourceKind.REGISTRY:
                    continue
                n = d.package.name
                if key not in configured and index_key(plan.lock_only.get(n, ("", ""))[0]) != key:
                    continue  # a registry only a lockfile names: asked about the names rule 3 found there
                if key in explicit and index_key(plan.pins.get(n, "")) != key:
                    continue  # an explicit index serves only the packages pinned to it
                if key in scope_of and not n.startswith(scope_of[key] + "/"):
                    continue
                if eco is Ecosystem.NPM and key not in scope_of and index_key(plan.lock_index.get(n, "")) != key \
                        and not any(u.role == "private" and index_key(u.url) == key for u in plan.uses):
                    continue  # npm asks one registry per name: this one only serves what the lock took from it
                names.add(n)

    found: dict[tuple[Ecosystem, str, str], ProjectRecord] = {}  # (eco, index key, name)
    failed: set[tuple[Ecosystem, str]] = set()
    jobs: list[tuple[Ecosystem, str, str, Backend]] = []
    for (eco, key), names in sorted(wanted.items()):
        if not names:
            continue
        backend = None if snapshot else _backend_for(url_of[key], eco, fetcher)
        if backend is None:
            why = ("a registry snapshot answers for the public index only" if snapshot
                   else "only http(s) and file:// indexes can be read")
            skips.append(Skip(what=f"{eco.value}-index:{url_of[key]}",
                              reason=f"not asked ({why}): dependency confusion through this index is not checked",
                              stage="enrich"))
            failed.add((eco, key))
            continue
        jobs += [(eco, key, n, backend) for n in sorted(names)]

    async def ask(eco: Ecosystem, key: str, name: str, backend: Backend) -> None:
        try:
            found[(eco, key, name)] = await backend.lookup(name)
        except LookupFailed as exc:
            skips.append(Skip(what=f"{eco.value}:{name}@{url_of[key]}", reason=exc.reason, stage="enrich"))
            failed.add((eco, key))

    await asyncio.gather(*(ask(*j) for j in jobs))

    # The public index's answers: the primary's when it is the public index (or a snapshot stands for it).
    public_records: dict[tuple[Ecosystem, str], ProjectRecord | None] = {}

    async def public_lookup(eco: Ecosystem, name: str) -> None:
        known = public[eco]
        assert known is not None
        pub_url = known[0]
        remapped = eco is Ecosystem.NPM and name.split("/", 1)[0] in mapped_scopes  # the primary asked the scope's registry
        if snapshot or (primary.get(eco) and index_key(primary[eco]) == index_key(pub_url) and not remapped):
            public_records[(eco, name)] = records.get((eco, name))
            return
        backend = _backend_for(pub_url, eco, fetcher)
        if backend is None:
            public_records[(eco, name)] = None
            return
        try:
            public_records[(eco, name)] = await backend.lookup(name)
        except LookupFailed as exc:
            skips.append(Skip(what=f"{eco.value}:{name}@{pub_url}", reason=f"the public index could not be asked: {exc.reason}",
                              stage="enrich"))
            public_records[(eco, name)] = None

    mapped_scopes = {u.name for plan in plans.values() for u in plan.uses if u.role == "scope"}
    candidates: dict[int, dict[str, tuple[str, ProjectRecord | None]]] = {}
    for i, plan in plans.items():
        eco = plan.graph.project.ecosystem
        pub_key = index_key(plan.public[0])
        out: dict[str, tuple[str, ProjectRecord | None]] = {}
        for d in plan.graph.dependencies:
            if d.source_kind is not SourceKind.REGISTRY:
                continue
            n = d.package.name
            pattern = next((pat for pat in options.internal_packages if fnmatch.fnmatchcase(n, normalize_name(eco, pat))
                            or fnmatch.fnmatchcase(n, pat)), None)
            on_other = [(k, found[(eco, k, n)]) for k in plan.others if (eco, k, n) in found and found[(eco, k, n)].exists]
            if primary.get(eco) and index_key(primary[eco]) in plan.others and records.get((eco, n)) is not None \
                    and records[(eco, n)].exists:
                on_other.append((index_key(primary[eco]), records[(eco, n)]))
            pinned = plan.pins.get(n)
            locked = plan.lock_index.get(n)
            private_rec = next((r for k, r in on_other if pinned and k == index_key(pinned)), None) or \
                next((r for k, r in on_other if locked and k == index_key(locked)), None) or \
                (on_other[0][1] if on_other else None)
            if pattern is not None:
                out[n] = (f"matches internal-packages '{pattern}'", private_rec)
            elif pinned and index_key(pinned) != pub_key:
                out[n] = (f"pinned to {pinned}", private_rec)
            elif n in plan.lock_only and index_key(plan.lock_only[n][0]) != pub_key:
                base, taken = plan.lock_only[n]
                out[n] = (f"the lockfile takes {taken} from {base}, which {primary.get(eco) or 'the configured index'} "
                          "does not have", private_rec)
            elif on_other:
                out[n] = ("", private_rec)  # rule 4: decided once the public index has answered
        candidates[i] = out
    names_needed = sorted({(plans[i].graph.project.ecosystem, n) for i, c in candidates.items() for n in c})
    await asyncio.gather(*(public_lookup(eco, n) for eco, n in names_needed))

    setups: dict[int, IndexSetup] = {}
    private_records: dict[tuple[Ecosystem, str], ProjectRecord] = {}
    for i, plan in plans.items():
        eco = plan.graph.project.ecosystem
        private: dict[str, PrivateName] = {}
        for n, (why, prec) in sorted(candidates[i].items()):
            pubrec = public_records.get((eco, n))
            public_presence = _presence(pubrec) if pubrec is not None else None
            if not why:
                if prec is None or pubrec is None:
                    continue
                if not pubrec.exists:
                    why = f"only on {prec.index_url}"
                else:
                    public_versions = {_public_part(v) for v in pubrec.versions if v not in pubrec.removed}
                    own = [v for v in prec.versions if v not in prec.removed and _public_part(v) not in public_versions]
                    if not own:
                        continue  # a mirror or proxy of the public index
                    why = f"{prec.index_url} has {', '.join(sorted(own, key=version_order)[-3:])}, which the public index does not"
            private[n] = PrivateName(n, why, _presence(prec) if prec is not None else None, public_presence)
            dep = next(d for d in plan.graph.dependencies if d.package.name == n)
            version = dep.package.version
            if prec is not None and (pubrec is None or not pubrec.exists
                                     or (version is not None and prec.same_version(version) in prec.versions)):
                private_records[(eco, n)] = prec  # the index whose version installs
        setups[i] = IndexSetup(
            public_url=plan.public[0], public_origin=plan.public[1], primary_url=primary.get(eco, ""), uses=tuple(plan.uses),
            settings=tuple(plan.settings), pins=dict(plan.pins), private=private,
            internal_patterns=options.internal_packages,
        )
    return setups, private_records, skips
