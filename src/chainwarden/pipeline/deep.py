"""The deep path: fetch a release's files, unpack them safely, read them with the code analyzers,
and compare a release with the one before it. Used by ``chainwarden inspect name==version``,
``chainwarden diff`` and ``chainwarden scan --deep``. Nothing here runs package code.

Each archive is fetched once (content-addressed store, digests checked: enrich.artifacts.fetch)
and read once: its `ArtifactReport` is kept in the SQLite cache by the archive's sha256 and the
analyzers' revision, so a later scan reads only new or changed releases.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Self

from chainwarden import __version__
from chainwarden.analyze import dependency_paths
from chainwarden.analyze.code import add_archive_anomalies, inspect_tree
from chainwarden.analyze.code.inspect import Inspection
from chainwarden.analyze.code.release import (
    ArtifactReport,
    ReleaseDiff,
    archive_kind,
    compare,
    declared_dependencies,
    merge,
    prefixed,
)
from chainwarden.enrich import EnrichOptions, backends_for
from chainwarden.enrich.artifacts import Unpacked, unpack
from chainwarden.enrich.artifacts.workdir import stopping, work_dir
from chainwarden.enrich.cache import Store, default_cache_dir
from chainwarden.model import (
    ArtifactRef,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    PackageId,
    Severity,
    Skip,
    SourceKind,
    SourceLocation,
)

if TYPE_CHECKING:  # the fetching half (Session) imports them when it runs: `inspect FILE` needs no HTTP client
    from chainwarden.enrich.artifacts.fetch import ArtifactStore
    from chainwarden.enrich.http import Fetcher
    from chainwarden.enrich.registry import Backend

CODE_DIR = Path(__file__).resolve().parents[1] / "analyze" / "code"
READERS = (Path(__file__).resolve().parents[1] / "enrich" / "artifacts" / "unpack.py", Path(__file__))  # they decide too


@cache
def analyzer_revision() -> str:
    """chainwarden's version and a digest of the code analyzers' sources (front-ends and rules, subfolders
    included), the unpacker's and this module's: a cached report is reused only when all are the same."""
    h = hashlib.sha256(__version__.encode())
    for path in [*sorted(CODE_DIR.rglob("*.py")), *READERS]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


@dataclass
class Release:
    """One version of a package as its archives show it."""

    package: PackageId
    index: str = ""
    artifacts: list[ArtifactReport] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)  # what could not be fetched or read: never counted as clean
    inspection: Inspection | None = None

    @property
    def result(self) -> Inspection:
        """The release's inspection (empty when nothing could be read: see `skips`)."""
        return self.inspection or Inspection(self.package)

    @property
    def complete(self) -> bool:
        """Every archive fetched and read to the end (a `not_checked` archive is not)."""
        return bool(self.artifacts) and not self.skips and not any(a.inspection.not_checked for a in self.artifacts)

    def gaps(self, what: str) -> list[Skip]:
        """What could not be fetched, and what in the archives could not be read, as Skips about `what`."""
        out = [Skip(what, s.reason, "analyze") for s in self.skips]
        for a in self.artifacts:
            if a.inspection.not_checked:
                n = len(a.inspection.not_checked)
                first = a.inspection.not_checked[0]
                out.append(Skip(what, f"{a.filename}: not read completely, so not checked: {first}"
                                      + (f" (and {n - 1} more)" if n > 1 else ""), "analyze"))
        return out

    @property
    def files(self) -> dict[str, list[str]]:
        """Paths inside each kind of archive (sdist, wheel, tarball)."""
        out: dict[str, list[str]] = {}
        for a in self.artifacts:
            out.setdefault(archive_kind(a.filename), []).extend(a.files)
        return out

    @property
    def dependencies(self) -> list[str]:
        return sorted({d for a in self.artifacts for d in a.dependencies})


def detect_ecosystem(root: Path) -> Ecosystem:
    return Ecosystem.NPM if (root / "package.json").is_file() or (root / "package" / "package.json").is_file() \
        else Ecosystem.PYPI


def inspect_archive(archive: Path, package: PackageId, *, filename: str | None = None, sha256: str = "",
                    verified: str = "", prefix: bool = True) -> ArtifactReport:
    """Unpack one archive into a private work folder (removed afterwards, also on SIGINT/SIGTERM: workdir) and
    read it, nested archives and the copies the unpacker set aside included. With `prefix`, paths in the
    report start with the archive's name."""
    name = filename or archive.name
    with work_dir("inspect") as work:
        unpacked = unpack(archive, work / "tree", nested=True, aside=work / "aside")
        result = inspect_unpacked(unpacked, package)
        deps = declared_dependencies(unpacked.root)
    return ArtifactReport(name, sha256, verified, prefixed(result, name) if prefix else result, list(unpacked.files),
                          deps, len(unpacked.anomalies))


def inspect_unpacked(unpacked: Unpacked, package: PackageId) -> Inspection:
    """Read what `unpack` wrote: the tree, its nested archives and its copies; the anomalies become findings, and
    what the unpacker did not deliver makes the inspection not-checked (never clean)."""
    result = inspect_tree(unpacked.root, package, copies=[(c.path, c.file, c.origin) for c in unpacked.copies],
                          nested=unpacked.nested, should_stop=stopping)
    add_archive_anomalies(result, unpacked.anomalies, unpacked.not_read)
    return result


def inspect_folder(root: Path, package: PackageId) -> ArtifactReport:
    result = inspect_tree(root, package)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return ArtifactReport(root.name, "", "", result, files, declared_dependencies(root))


class Session:
    """An index (or snapshot), the HTTP client, the cache and the artifact store for one command."""

    def __init__(self, options: EnrichOptions, project_dir: Path | None = None) -> None:
        from chainwarden.enrich.artifacts.fetch import ArtifactStore

        self.options = options
        self.project_dir = project_dir or Path.cwd()
        self._notes: list[Skip] = []
        self.store: Store | None = options.open_store(self._notes)
        self.artifacts: ArtifactStore = ArtifactStore((options.cache_dir or default_cache_dir()) / "artifacts" if options.use_cache else None)
        self.fetcher: Fetcher | None = None
        self.backends: dict[Ecosystem, Backend] = {}
        self.described: dict[str, str] = {}

    @property
    def notes(self) -> list[Skip]:
        """What the session could not do as asked so far: the cache, the artifact store, redirected answers."""
        return [*self._notes, *(Skip("cache", n, "enrich") for n in (self.store.notes if self.store else [])),
                *(Skip("artifacts", n, "enrich") for n in self.artifacts.notes),
                *(self.fetcher.notes() if self.fetcher else [])]

    async def __aenter__(self) -> Self:
        if self.options.snapshot is None:
            self.fetcher = self.options.fetcher(self.store)
        self.backends, self.described = backends_for(self.options, [self.project_dir], set(Ecosystem), self.fetcher)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.fetcher is not None:
            await self.fetcher.aclose()
        if self.store is not None:
            self.store.close()
        self.artifacts.close()

    async def release(self, package: PackageId, refs: Sequence[ArtifactRef] | None = None, index: str = "",
                      lock_hashes: Iterable[str] = ()) -> Release:
        """Fetch and read a release: `refs` are its files when the caller has them (a scan), else the index is asked."""
        from chainwarden.enrich.artifacts.fetch import ArtifactError, choose, fetch
        from chainwarden.enrich.registry import LookupFailed

        rel = Release(package, index)
        if refs is None:
            backend = self.backends.get(package.ecosystem)
            if backend is None:
                rel.skips.append(Skip(str(package), f"no {package.ecosystem.value} index is configured", "enrich"))
                return rel
            rel.index = backend.label
            try:
                record = await backend.lookup(package.name)
            except LookupFailed as exc:
                rel.skips.append(Skip(str(package), exc.reason, "enrich"))
                return rel
            if not record.exists:
                rel.skips.append(Skip(str(package), f"{package.name} is not on {backend.label}", "enrich"))
                return rel
            version = record.same_version(package.version or "") if package.version else record.latest_version
            if version is None or version not in record.files:
                rel.skips.append(Skip(str(package), f"{backend.label} lists no files for version {package.version}"
                                      + (f" (it has {', '.join(record.versions[-5:])})" if record.versions else ""), "enrich"))
                return rel
            rel.package = PackageId(package.ecosystem, package.name, version)
            refs = record.files[version]
        chosen = choose(refs)
        if not chosen:
            rel.skips.append(Skip(str(rel.package), "the index lists no sdist, wheel or tarball for this version", "enrich"))
            return rel
        lock = list(lock_hashes)
        for ref in chosen:
            report = self._cached(ref, lock, rel.package)
            if report is None:
                try:
                    got = await fetch(ref, self.artifacts, self.fetcher, lock)
                except ArtifactError as exc:
                    rel.skips.append(Skip(str(rel.package), f"{ref.filename}: {exc.reason}", "enrich"))
                    continue
                report = await asyncio.to_thread(inspect_archive, got.path, rel.package, filename=ref.filename,
                                                 sha256=got.sha256, verified=got.verified)
                if self.store is not None:
                    self.store.put_artifact_report(got.sha256, analyzer_revision(), report.to_dict())
            rel.artifacts.append(report)
        rel.inspection = merge(rel.package, rel.artifacts) if rel.artifacts else None
        return rel

    def _cached(self, ref: ArtifactRef, lock: list[str], package: PackageId) -> ArtifactReport | None:
        from chainwarden.enrich.artifacts.fetch import expected_digests

        if self.store is None:
            return None
        expected = expected_digests(ref, lock)
        sha = next((d for a, d, _ in expected if a == "sha256"), None) or self.artifacts.known_sha256(expected)
        if sha is None or any(a == "sha256" and d != sha for a, d, _ in expected):
            return None  # digests that disagree are fetched and checked, which reports the mismatch
        data = self.store.artifact_report(sha, analyzer_revision())
        if data is None:
            return None
        try:
            return ArtifactReport.from_dict(data, package)
        except (KeyError, TypeError, ValueError):
            return None


def diff_releases(old: Release, new: Release) -> ReleaseDiff | None:
    if old.inspection is None or new.inspection is None:
        return None
    return compare(old.inspection, old.files, old.dependencies, new.inspection, new.files, new.dependencies)


async def deep_scan(graphs: Sequence[EnrichedGraph], options: EnrichOptions) -> tuple[list[Finding], list[Skip]]:
    """`scan --deep`: read every pinned registry dependency's release and compare it with the release before.

    A release judged suspicious or malicious gives its findings of medium severity and above (a capability
    alone is no finding); an archive that could not be read completely gives a Skip (never clean); a release
    that adds the takeover signature over its predecessor gives `changed-behaviour`. Findings are located at the line that brings the package in; the file inside
    the package is in the evidence.
    """
    findings: list[Finding] = []
    skips: list[Skip] = []
    project_dir = Path(graphs[0].graph.project.directory or graphs[0].graph.project.root) if graphs else Path.cwd()
    seen: set[PackageId] = set()
    async with Session(options, project_dir) as session:
        for eg in graphs:
            paths = dependency_paths(eg.graph)
            for dep in eg.graph.dependencies:
                pkg = dep.package
                if pkg in seen or dep.source_kind is not SourceKind.REGISTRY or pkg.version is None:
                    continue
                seen.add(pkg)
                facts = eg.facts.get(pkg)
                if facts is None or not facts.exists:
                    continue  # the registry checks already said why
                if not facts.artifacts:
                    skips.append(Skip(pkg.purl, "the index lists no files for this version: its code was not read", "analyze"))
                    continue
                rel = await session.release(pkg, facts.artifacts, facts.index_url, dep.hashes)
                skips += rel.gaps(pkg.purl)
                where = dep.sources[0] if dep.sources else None
                path = paths.get(pkg, ())
                if rel.inspection is not None and rel.inspection.verdict in ("malicious", "suspicious"):
                    for f in rel.inspection.findings:
                        if f.severity.rank >= Severity.MEDIUM.rank:
                            findings.append(_located(f, pkg, where, rel.inspection.verdict, path))
                if facts.previous_version and facts.previous_artifacts and rel.inspection is not None:
                    before = PackageId(pkg.ecosystem, pkg.name, facts.previous_version)
                    found, why = await changed_behaviour(session, before, facts.previous_artifacts, rel, facts.index_url, where,
                                                         path)
                    findings += found
                    skips += why
        skips += session.notes
    return findings, skips


async def changed_behaviour(session: Session, old: PackageId, old_refs: Sequence[ArtifactRef], new: Release, index: str,
                            where: SourceLocation | None, path: tuple[PackageId, ...] = ()) -> tuple[list[Finding], list[Skip]]:
    """Read the `old` release and compare `new` with it: the `changed-behaviour` finding (located at `where`, the
    line that brings the package in) when the takeover signature is there, and what could not be read."""
    before = await session.release(old, old_refs, index)
    skips = [Skip(s.what, f"the previous release {old.version}: {s.reason}", s.stage) for s in before.gaps(new.package.purl)]
    diff = diff_releases(before, new)
    if diff is None or diff.finding is None:
        return [], skips
    return [_located(diff.finding, new.package, where, None, path)], skips


# What to do about a dependency whose own files do this (a code rule's finding in `scan --deep`). Every one
# starts with not installing the release; some rules say what else to look at. {pkg} is the release.
_REMOVE = "do not install {pkg}: remove it, or pin a release of it you have read, and report it to the index"
_CODE_FIX: dict[str, str] = {
    "dns-exfiltration": _REMOVE + "; where it ran, look in the DNS logs for the names it builds and treat the data it "
                        "encodes in them (environment, credentials) as sent",
    "install-time-code": _REMOVE + "; until then install with scripts off (npm --ignore-scripts, pip --only-binary :all:) "
                         "and treat a machine that installed it as exposed",
    "install-script": _REMOVE + "; until then install with npm --ignore-scripts and treat a machine that installed it "
                      "as exposed",
    "secret-exfiltration": _REMOVE + "; rotate every credential on a machine or CI runner that installed it",
    "webhook-exfiltration": _REMOVE + "; rotate every credential on a machine or CI runner that installed it",
    "credential-file-access": _REMOVE + "; rotate the credentials it reads where it was installed",
    "reverse-shell": _REMOVE + "; treat a machine that installed it as compromised",
    "persistence": _REMOVE + "; look for and remove what it writes (start-up files, .pth files, shell profiles) "
                   "where it was installed",
    "self-publishing": _REMOVE + "; revoke the npm tokens of a machine that installed it and check what was published "
                       "with them",
}


def _located(f: Finding, pkg: PackageId, where: SourceLocation | None, verdict: str | None,
             path: tuple[PackageId, ...] = ()) -> Finding:
    """A finding in a package's files, as a finding about the dependency: located at the line that brings the
    package in, with the path from a direct dependency down to it (the report's "via" line), the file inside
    the package in the evidence, and a fix (the code rules give none of their own)."""
    evidence = list(f.evidence)
    if f.location is not None:
        evidence.insert(0, Evidence("in the package", str(f.location)))
    if verdict:
        evidence.append(Evidence("package verdict", verdict))
    fix = f.fix or _CODE_FIX.get(f.rule, _REMOVE).format(pkg=pkg)
    return Finding(rule=f.rule, severity=f.severity, confidence=f.confidence, package=pkg, message=f.message,
                   location=where, evidence=tuple(evidence), fix=fix, path=path or f.path)
