"""The guarded index: what a project page lists, whether a file may be sent, and the analysis behind it.

`GuardedIndex` joins the parts: the store (serve.store), upstream (serve.upstream), the policy
(decide.serve_policy) and the decisions (serve.decisions). It is what the HTTP app calls; it
never prints and never exits.

- An **internal** name (``[serve] internal``, ``internal-prefixes``, ``[sources] internal-packages``)
  is answered from the uploads alone: upstream is never asked for it, before or after its first
  upload, and its files are never mixed with upstream's.
- Any other name is upstream's, filtered: each release is judged (serve.decisions) and only served
  releases are listed; a held or blocked one is left out of the page (resolvers pick the newest
  allowed version) and its files answer 403 with the reason. Every change of a decision is audited.
- A new release is analysed (pipeline.deep.inspect_archive: the safe unpacker and the code analyzers)
  before it is listed, in the background, one archive at a time; a file is analysed before it is
  first sent, whatever its age. Until then it is held; an archive that could not be read is "not checked".
- A project's view is kept in memory until upstream's answer expires, a decision would change by
  itself (a cooldown ending), or the store's generation moves (an approval, an analysis, an upload
  in any worker process).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainwarden.decide.serve_policy import ServePolicy
from chainwarden.enrich.artifacts.fetch import MAX_ARTIFACT_BYTES, ArtifactError, ArtifactStore, fetch
from chainwarden.enrich.documents import ProjectRecord, version_of_file
from chainwarden.enrich.http import FetchError
from chainwarden.model import Advisory, ArtifactRef, Ecosystem, PackageId, shown
from chainwarden.serve import decisions as dec
from chainwarden.serve.audit import AuditEvent
from chainwarden.serve.store import Analysis, Decision, FileRow, InternalFile, ServeStore
from chainwarden.serve.upstream import MAX_METADATA_BYTES, Upstream, UpstreamFile, UpstreamProject, UpstreamUnknown

ANALYSIS_TIMEOUT = 300.0  # seconds a file request waits for its analysis before it is refused (held)


@dataclass(frozen=True)
class ServedFile:
    filename: str
    version: str
    sha256: str
    size: int | None
    upload_time: str | None
    requires_python: str | None
    yanked: bool | str
    metadata_sha256: str | None

    @property
    def path(self) -> str:
        """The file's URL on this index, relative to the root: content-addressed, so it never changes."""
        return f"/files/{self.sha256}/{self.filename}"


@dataclass
class ProjectView:
    """What the index says about one project now."""

    name: str
    internal: bool
    files: tuple[ServedFile, ...]
    versions: tuple[str, ...]  # served versions, PEP 440 order
    withheld: dict[str, dec.VersionDecision]  # held and blocked versions
    status: str | None = None
    status_reason: str | None = None
    stale: str = ""
    notes: tuple[str, ...] = ()  # checks that could not run (no JSON API, no advisory data, ...)
    json_document: dict[str, Any] | None = None  # upstream's JSON API document
    expires: float = 0.0  # wall clock: recompute after this
    generation: int = 0
    rendered: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # format -> (body, etag)


class NotFound(Exception):
    """Upstream says there is no such project (or, for an internal name, nothing was uploaded)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Denied(Exception):
    """A file the policy does not let out (403): `reason` says why."""

    def __init__(self, reason: str, state: str = dec.HELD) -> None:
        super().__init__(reason)
        self.reason = reason
        self.state = state


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _kind(filename: str) -> str:
    return "wheel" if filename.endswith(".whl") else "sdist"


def _version_key(v: str) -> tuple[int, Any]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(v))
    except InvalidVersion:
        return (0, v)


class GuardedIndex:
    def __init__(self, store: ServeStore, policy: ServePolicy, upstream: Upstream | None, *,
                 also_internal: tuple[str, ...] = (), rule_options: dict[str, dict[str, Any]] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.policy = policy
        self.upstream = upstream
        self.also_internal = also_internal
        self.rule_options = rule_options or {}
        self.clock = clock
        self._views: dict[str, ProjectView] = {}
        self._loading: dict[str, asyncio.Future[ProjectView]] = {}
        self._analysing: dict[str, asyncio.Task[Analysis]] = {}
        self._analysis_slots = asyncio.Semaphore(1)  # 2 cores shared with the request path: one archive at a time
        self._background: set[asyncio.Task[None]] = set()
        self._served_once: set[str] = set()
        self._names = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def is_internal(self, name: str) -> bool:
        return self.policy.is_internal(name, self.also_internal)

    async def aclose(self) -> None:
        for task in list(self._background) + list(self._analysing.values()):
            task.cancel()
        if self.upstream is not None:
            await self.upstream.aclose()

    # ------------------------------------------------------------------ project views

    async def view(self, raw_name: str) -> ProjectView:
        name = canonicalize_name(raw_name)
        cached = self._views.get(name)
        wall = self.clock()
        if cached is not None and wall < cached.expires and cached.generation == self.store.generation():
            return cached
        running = self._loading.get(name)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[ProjectView] = asyncio.get_running_loop().create_future()
        self._loading[name] = future
        try:
            view = await self._build(name)
            self._views[name] = view
            future.set_result(view)
            return view
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._loading.pop(name, None)

    async def _build(self, name: str) -> ProjectView:
        generation = self.store.generation()
        if self.is_internal(name):
            return self._internal_view(name, generation)
        if self.upstream is None:
            raise NotFound(f"{name} is not an internal package and this index has no upstream")
        status, project = await self.upstream.project(name)
        if project is None:
            raise NotFound(f"upstream has no project {name} (HTTP {status})")
        if project.stale:
            self.store.audit.record(AuditEvent("stale", name, actor="upstream", reasons=(project.stale,)))
        return await self._judge(name, project, generation)

    def _internal_view(self, name: str, generation: int) -> ProjectView:
        uploaded = self.store.internal_files(name)
        if not uploaded:
            self.store.audit.record(AuditEvent("internal-name", name, reasons=(
                "an internal name with no upload yet: answered 404 here, never asked upstream",)))
            raise NotFound(f"{name} is an internal name and nothing was uploaded for it yet (upstream is never asked)")
        files = tuple(ServedFile(f.filename, f.version, f.sha256, f.size,
                                 datetime.fromtimestamp(f.uploaded_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                 f.requires_python, False, f.metadata_sha256) for f in uploaded)
        versions = tuple(sorted({f.version for f in files}, key=_version_key))
        return ProjectView(name, True, files, versions, {}, expires=self.clock() + 3600, generation=generation)

    async def _judge(self, name: str, project: UpstreamProject, generation: int) -> ProjectView:
        now = self.now()
        rows = [FileRow(f.sha256, f.filename, name, f.version, "upstream", f.url, f.size, f.metadata_sha256)
                for f in project.files if f.sha256]
        self.store.put_files(rows)
        by_version: dict[str, list[UpstreamFile]] = {}
        for f in project.files:
            by_version.setdefault(f.version, []).append(f)
        record = project.record
        times = record.release_times if record is not None else {}
        releases: list[dec.Release] = []
        pending: list[UpstreamFile] = []
        for version, files in by_version.items():
            uploaded = [t for t in (_time(f.upload_time) for f in files) if t is not None]
            released = min(uploaded) if uploaded else times.get(version)
            verdict, summary, analysed, todo = self._release_analysis(files, released, now)
            pending += todo
            releases.append(dec.Release(version, released, verdict, summary, analysed))
        changes = self._changes(name, record, now)
        advisories, advisory_note = self._advisories(name, list(by_version))
        matches = self._matches(name)
        found = dec.signals(name, releases, record, changes, advisories, matches, self.policy, now, self.rule_options)
        overrides = [dec.OverrideView(o.id, o.kind, o.version, o.check, o.author, o.reason,
                                      datetime.fromtimestamp(o.expires, UTC) if o.expires else None)
                     for o in self.store.overrides(name)]
        served: list[ServedFile] = []
        withheld: dict[str, dec.VersionDecision] = {}
        until: list[datetime] = []
        known = {k.version: k for k in self.store.decisions(project=name)}  # one query, not one per release
        for r in releases:
            d = dec.judge(r.version, found[r.version], overrides, now)
            before = known.get(r.version)
            if before is None or before.state != d.state or before.reasons != d.reasons:
                self._record(name, d)
            if d.until is not None:
                until.append(d.until)
            if not d.served:
                withheld[r.version] = d
                continue
            for f in by_version[r.version]:
                if f.sha256:
                    served.append(ServedFile(f.filename, f.version, f.sha256, f.size, f.upload_time, f.requires_python,
                                             f.yanked, f.metadata_sha256))
        for f in pending:
            self._queue_analysis(name, f)
        notes = tuple(n for n in (project.facts_note, advisory_note) if n)
        expires = self.clock() + (self.policy.upstream_ttl if not project.stale else min(self.policy.upstream_ttl, 30.0))
        if until:
            expires = min(expires, min(until).timestamp())
        versions = tuple(v for v in sorted({f.version for f in served}, key=_version_key))
        return ProjectView(name, False, tuple(served), versions, withheld, project.status, project.status_reason,
                           project.stale, notes, project.json_document, expires, generation)

    def _release_analysis(self, files: list[UpstreamFile], released: datetime | None,
                          now: datetime) -> tuple[str | None, str, bool, list[UpstreamFile]]:
        """(worst verdict of the analysed files, its summary, every file that must be analysed was, what to analyse)."""
        worst: Analysis | None = None
        rank = {"malicious": 3, "suspicious": 2, "not-checked": 1, "clean": 0}
        for f in files:
            if not f.sha256:
                continue
            a = self.store.analysis(f.sha256)
            if a is not None and (worst is None or rank.get(a.verdict, 1) > rank.get(worst.verdict, 1)):
                worst = a
        must = released is None or now - released < self.policy.analyse_within
        refs = [ArtifactRef(f.filename, f.url, _kind(f.filename), f.sha256) for f in files if f.sha256]
        from chainwarden.enrich.artifacts.fetch import choose

        chosen = {r.filename for r in choose(refs)}
        todo = [f for f in files if f.filename in chosen and f.sha256 and self.store.analysis(f.sha256) is None] if must else []
        return (worst.verdict if worst else None), (worst.summary if worst else ""), not todo, todo

    def _changes(self, name: str, record: ProjectRecord | None, now: datetime) -> dec.Changes:
        if record is None:
            return dec.Changes()
        owners_before = owners_at = repo_before = repo_at = None
        facts = record.facts_for(None)
        moment = now.timestamp()
        enrich = self.store.enrich
        if facts.owners and enrich is not None:
            before, since = enrich.record_owners(self.upstream.simple if self.upstream else "", "pypi", name, facts.owners, moment)
            owners_before, owners_at = before, since
        if record.repository_url:
            repo_before, repo_at = self.store.record_repository(name, record.repository_url, moment)
        return dec.Changes(owners_before, facts.owners,
                           datetime.fromtimestamp(owners_at, UTC) if owners_at is not None else None,
                           repo_before, record.repository_url,
                           datetime.fromtimestamp(repo_at, UTC) if repo_at is not None else None)

    def _advisories(self, name: str, versions: list[str]) -> tuple[dict[str, tuple[Advisory, ...]], str]:
        from chainwarden.enrich.advisories import find_advisories

        checks = {PackageId(Ecosystem.PYPI, name, v): v for v in versions}
        found = find_advisories(checks, self.store.directory, store=None, offline=True)
        note = "; ".join(s.reason for s in found.skips[:1])
        return {p.version or "": a for p, a in found.by_package.items()}, note

    def _matches(self, name: str) -> list[Any]:
        from chainwarden.enrich.names import PopularDataError, index_for

        try:
            index = index_for(Ecosystem.PYPI)
        except (PopularDataError, OSError, ValueError):
            return []
        return [m for m in index.matches(name)] if not index.is_popular(name) else []

    def _record(self, name: str, d: dec.VersionDecision) -> None:
        changed, before = self.store.record_decision(Decision(name, d.version, d.state, d.reasons, self.clock()))
        if not changed:
            return
        if before is None and d.served and not d.reasons:
            return  # a release first seen and served with nothing to say: not an event worth a line
        event = d.state if before is None or before.state != dec.SERVED or d.state != dec.SERVED else "served"
        if before is not None and before.state != dec.SERVED and d.state == dec.SERVED:
            event = "released"
        actor = "policy"
        if any("approval" in r or "waived by" in r or "BYPASS" in r for r in d.reasons):
            actor = "override"
        self.store.audit.record(AuditEvent(event, name, d.version, actor, d.reasons,
                                           detail={"before": before.state} if before else {}))

    # ------------------------------------------------------------------ analysis

    def _queue_analysis(self, name: str, f: UpstreamFile) -> None:
        if f.sha256 is None or f.sha256 in self._analysing:
            return
        row = FileRow(f.sha256, f.filename, name, f.version, "upstream", f.url, f.size, f.metadata_sha256)

        async def analyse_then_judge() -> None:
            await self.analyse(row)
            with contextlib.suppress(NotFound, UpstreamUnknown):
                await self.view(name)  # the release is judged again with its analysis, and the change audited

        task = asyncio.get_running_loop().create_task(analyse_then_judge())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def analyse(self, row: FileRow) -> Analysis:
        """The file's analysis: from the store, else fetched (digests checked) and read now, once per process."""
        have = self.store.analysis(row.sha256)
        if have is not None:
            return have
        running = self._analysing.get(row.sha256)
        if running is None:
            running = asyncio.get_running_loop().create_task(self._analyse(row))
            self._analysing[row.sha256] = running
            running.add_done_callback(lambda _t: self._analysing.pop(row.sha256, None))
        return await asyncio.shield(running)

    async def _analyse(self, row: FileRow) -> Analysis:
        from chainwarden.pipeline.deep import inspect_archive

        async with self._analysis_slots:
            try:
                path = await self.blob(row)
            except ArtifactError as exc:
                a = Analysis(row.sha256, "not-checked", f"could not fetch {row.filename}: {exc.reason}", self.clock())
                # not stored: a download that failed is tried again on the next request
                return a
            try:
                report = await asyncio.to_thread(inspect_archive, path, PackageId(Ecosystem.PYPI, row.project, row.version),
                                                 filename=row.filename, sha256=row.sha256, verified="sha256 from upstream")
                inspection = report.inspection
                verdict = inspection.verdict
                top = [f"{f.rule}: {f.message}" + (f" ({f.location})" if f.location else "")
                       for f in inspection.findings[:3]]
                summary = "; ".join(top) or inspection.verdict_reason or "nothing found"
                if verdict == "not-checked" and inspection.not_checked:
                    summary = f"not read completely: {inspection.not_checked[0]}"
            except Exception as exc:  # the unpacker and the analyzers report problems as results; anything else is ours
                verdict, summary = "not-checked", f"the analysis failed: {exc.__class__.__name__}: {shown(str(exc), 200)}"
        analysis = Analysis(row.sha256, verdict, shown(summary, 1000), self.clock())
        self.store.put_analysis(analysis)
        self.store.audit.record(AuditEvent("analysed", row.project, row.version, "analysis", (f"{verdict}: {analysis.summary}",),
                                           file=row.filename))
        return analysis

    async def blob(self, row: FileRow) -> Path:
        """The file's bytes in the store: fetched from upstream and checked against its sha256 the first time."""
        path = self.store.blob_path(row.sha256)
        if path is not None:
            return path
        if row.origin != "upstream" or self.upstream is None:
            raise ArtifactError(ArtifactRef(row.filename, row.url, _kind(row.filename), row.sha256), "not in the store")
        ref = ArtifactRef(row.filename, row.url, _kind(row.filename), row.sha256, size=row.size)
        got = await fetch(ref, self.store.blobs(), self.upstream.fetcher, max_bytes=MAX_ARTIFACT_BYTES)
        self.store.blob_added(got.sha256, got.path.stat().st_size)
        return got.path

    # ------------------------------------------------------------------ files

    async def file(self, sha256: str, filename: str) -> tuple[Path, FileRow]:
        """A file that may be sent now, or `Denied` / `NotFound`."""
        row = self.store.file(sha256, filename) or await self._learn(sha256, filename)
        if row.origin == "internal":
            path = self.store.blob_path(sha256)
            if path is None:
                raise NotFound(f"{filename} is listed but its bytes are missing from the store")
            return path, row
        if self.is_internal(row.project):
            raise NotFound(f"{row.project} is an internal name: upstream files are never served for it")
        try:
            view = await self.view(row.project)
        except UpstreamUnknown:
            view = None
        decision = view.withheld.get(row.version) if view is not None else None
        if decision is None and view is not None and row.version not in view.versions:
            raise NotFound(f"{filename} is no longer listed by upstream")
        if decision is not None:
            self._deny(row, decision.reasons, decision.state)
        analysis = await asyncio.wait_for(self.analyse(row), ANALYSIS_TIMEOUT)
        if analysis.verdict == "malicious" or (analysis.verdict in ("suspicious", "not-checked") and view is not None):
            if analysis.verdict != "clean":
                view = await self.view(row.project)  # the analysis moved the generation: judged again with it
                decision = view.withheld.get(row.version)
                if decision is not None:
                    self._deny(row, decision.reasons, decision.state)
        try:
            path = await self.blob(row)
        except ArtifactError as exc:
            raise Denied(f"{filename} could not be fetched from upstream ({exc.reason}); nothing unchecked is sent") from None
        if sha256 not in self._served_once:
            self._served_once.add(sha256)
            self.store.audit.record(AuditEvent("served", row.project, row.version, reasons=(f"analysis: {analysis.verdict}",),
                                               file=filename))
        return path, row

    async def _learn(self, sha256: str, filename: str) -> FileRow:
        """A file this store has not listed yet (a lockfile's URL, a new store): its project's page is read first."""
        project = _project_of(filename)
        if project is not None:
            with contextlib.suppress(NotFound, UpstreamUnknown):
                await self.view(project)
            row = self.store.file(sha256, filename)
            if row is not None:
                return row
        raise NotFound(f"no file {filename} with sha256 {sha256} on this index")

    def _deny(self, row: FileRow, reasons: tuple[str, ...], state: str) -> None:
        self.store.audit.record(AuditEvent("denied", row.project, row.version, reasons=reasons, file=row.filename,
                                           detail={"state": state}))
        raise Denied(f"{row.project} {row.version} is {state} by chainwarden: " + "; ".join(reasons), state)

    async def metadata(self, sha256: str, filename: str) -> bytes:
        """The PEP 658 ``.metadata`` file of a file that may be sent, checked against its digest."""
        row = self.store.file(sha256, filename)
        if row is None or not row.metadata_sha256:
            raise NotFound(f"no core metadata for {filename}")
        path = self.store.blob_path(row.metadata_sha256)
        if path is None and row.origin == "upstream" and self.upstream is not None:
            view = await self.view(row.project)
            decision = view.withheld.get(row.version)
            if decision is not None:
                self._deny(row, decision.reasons, decision.state)
            path = await self._fetch_metadata(row)
        elif row.origin == "upstream":
            view = await self.view(row.project)
            decision = view.withheld.get(row.version)
            if decision is not None:
                self._deny(row, decision.reasons, decision.state)
        if path is None:
            raise NotFound(f"no core metadata for {filename}")
        return path.read_bytes()

    async def _fetch_metadata(self, row: FileRow) -> Path:
        assert self.upstream is not None and row.metadata_sha256
        ref = ArtifactRef(row.filename + ".metadata", row.url + ".metadata", "other", row.metadata_sha256)
        try:
            got = await fetch(ref, self.store.blobs(), self.upstream.fetcher, max_bytes=MAX_METADATA_BYTES)
        except (ArtifactError, FetchError) as exc:
            raise Denied(f"the core metadata of {row.filename} could not be fetched from upstream: {exc}") from None
        self.store.blob_added(got.sha256, got.path.stat().st_size)
        return got.path

    # ------------------------------------------------------------------ uploads

    def put_blob(self, data_path: Path, sha256: str) -> Path:
        """An uploaded file (already hashed and checked) into the content-addressed store."""
        blobs: ArtifactStore = self.store.blobs()
        final = blobs.directory / "sha256" / sha256[:2] / sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        if not final.is_file():
            fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=blobs.directory)
            try:
                with os.fdopen(fd, "wb") as out, data_path.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                os.replace(tmp, final)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self.store.blob_added(sha256, final.stat().st_size)
        return final

    def add_upload(self, f: InternalFile) -> bool:
        ok = self.store.add_internal_file(f)
        if ok:
            self._views.pop(f.project, None)
        return ok


def _project_of(filename: str) -> str | None:
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    try:
        return str(parse_wheel_filename(filename)[0] if filename.endswith(".whl") else parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def version_of(filename: str) -> str | None:
    return version_of_file(filename)
