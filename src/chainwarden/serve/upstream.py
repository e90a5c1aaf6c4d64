"""The upstream index, asked through the scanner's one bounded HTTP client (enrich.http).

For a project the index fetches the upstream simple page (PEP 691 JSON when upstream speaks it, else
PEP 503 HTML) for its files, and the JSON API document (``<root>/pypi/<name>/json``, when upstream has
one) for the facts the policy judges by: owners, repository URL, release times. Every answer is
bounded as the scanner's are (size after decompression, a whole-request deadline, redirects followed
by hand) and kept in enrich's cache in the store folder, reused for ``upstream-ttl`` and then
revalidated with ETag / Last-Modified.

Faults: when upstream fails (refused, timed out, 5xx after a retry, a body past the cap), the last
answer it gave is used and marked stale (`Fetched.stale` says why); with no earlier answer the project
is *unknown* (`UpstreamUnknown`, a 502 to the client), which is never the same as upstream's own 404
(`Fetched.status`).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urldefrag, urljoin

from chainwarden.enrich.cache import Store as EnrichStore
from chainwarden.enrich.documents import (
    DocumentError,
    ProjectRecord,
    parse_pypi_json,
    read_json,
    simple_html_links,
    version_of_file,
)
from chainwarden.enrich.http import Fetcher, FetchError, Response, display_url
from chainwarden.enrich.registry import SIMPLE_ACCEPT
from chainwarden.model import shown

JSON_ACCEPT = "application/json"
MAX_METADATA_BYTES = 16 * 1024**2  # one PEP 658 .metadata file
PARSED_PROJECTS = 512  # parsed projects kept per process (Upstream.project)


class UpstreamUnknown(Exception):
    """Upstream could not answer and nothing is cached: the caller cannot say whether the project exists."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UpstreamFile:
    """One file as upstream lists it, with every PEP 691/700/714 field the index passes through."""

    filename: str
    url: str  # absolute
    version: str
    sha256: str | None
    size: int | None
    upload_time: str | None  # as upstream gives it (PEP 700); never our cache time
    requires_python: str | None
    yanked: bool | str  # PEP 592: False, True, or the reason
    metadata_sha256: str | None  # PEP 658/714 core-metadata digest; None: no .metadata file offered
    has_metadata: bool = False  # upstream offers a .metadata file (with or without a digest)


@dataclass(frozen=True)
class Fetched:
    """A document from upstream: its status (200, 404, 410), body, and why it is stale ("" when fresh)."""

    status: int
    body: bytes
    url: str
    stale: str = ""
    fetched_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class UpstreamProject:
    name: str
    files: tuple[UpstreamFile, ...]
    versions: tuple[str, ...]  # PEP 700 "versions" (those without files too), or the versions of the files
    status: str | None  # PEP 792 project status
    status_reason: str | None
    record: ProjectRecord | None  # the JSON API's facts (None: upstream has no JSON API, or it failed)
    json_document: dict[str, Any] | None  # the JSON API document as upstream sent it
    stale: str  # why the answer is not fresh ("" when fresh)
    facts_note: str  # why `record` is missing ("" when present)


def _text(value: object, limit: int = 4096) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= limit else None


def _hex(value: object) -> str | None:
    text = _text(value, 64)
    return text.lower() if text and len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text) else None


def _metadata(value: object) -> tuple[bool, str | None]:
    """PEP 714 ``core-metadata`` (or PEP 658 ``dist-info-metadata``): (offered, sha256)."""
    if value is True:
        return True, None
    if isinstance(value, dict):
        return True, _hex(value.get("sha256"))
    return False, None


def _html_metadata(value: str | None) -> tuple[bool, str | None]:
    if value is None:
        return False, None
    algo, _, digest = value.partition("=")
    return True, (_hex(digest) if algo == "sha256" else None)


def parse_simple(body: bytes, base: str) -> tuple[list[UpstreamFile], list[str] | None, str | None, str | None]:
    """Upstream's project page, JSON or HTML: (files, PEP 700 versions or None, status, status reason). Raises
    `DocumentError` for a page that is not what its format promises (bounded as the scanner's parsers are)."""
    files: list[UpstreamFile] = []
    if body.lstrip()[:1] == b"{":
        data = read_json(body, "PEP 691 project page")
        if not isinstance(data, dict) or not isinstance(data.get("files"), list):
            raise DocumentError("expected a 'files' list in the PEP 691 project page")
        for f in data["files"]:
            if not isinstance(f, dict):
                continue
            filename, url = _text(f.get("filename"), 1024), _text(f.get("url"))
            version = version_of_file(filename) if filename else None
            if not filename or not url or version is None or "/" in filename:
                continue
            raw_hashes = f.get("hashes")
            hashes: dict[str, Any] = raw_hashes if isinstance(raw_hashes, dict) else {}
            offered, digest = _metadata(f.get("core-metadata", f.get("dist-info-metadata", f.get("data-dist-info-metadata"))))
            given = f.get("yanked", False)
            size = f.get("size")
            files.append(UpstreamFile(
                filename, urljoin(base, urldefrag(url)[0]), version, _hex(hashes.get("sha256")),
                size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
                _text(f.get("upload-time"), 64), _text(f.get("requires-python"), 1024),
                given if isinstance(given, str) and given else bool(given), digest, offered))
        declared = data.get("versions")
        versions = [v for v in declared if isinstance(v, str) and len(v) <= 256] if isinstance(declared, list) else None
        status = data.get("project-status")
        st = status.get("status") if isinstance(status, dict) else None
        reason = status.get("reason") if isinstance(status, dict) else None
        return files, versions, _text(st, 64), _text(reason, 2000)
    links, meta = simple_html_links(body)
    for filename, attrs in links:
        href = attrs.get("href") or ""
        version = version_of_file(filename)
        if not href or version is None or "/" in filename or len(filename) > 1024:
            continue
        url, fragment = urldefrag(href)
        sha = _hex(fragment.removeprefix("sha256=")) if fragment.startswith("sha256=") else None
        offered, digest = _html_metadata(attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata")))
        yanked_attr = attrs.get("data-yanked")
        yanked: bool | str = (yanked_attr or True) if "data-yanked" in attrs else False
        files.append(UpstreamFile(filename, urljoin(base, url), version, sha, None, None,
                                  _text(attrs.get("data-requires-python"), 1024), yanked, digest, offered))
    return files, None, _text(meta.get("pypi:project-status"), 64), _text(meta.get("pypi:project-status-reason"), 2000)


class Upstream:
    """One upstream simple index (module docstring)."""

    def __init__(self, url: str, cache: EnrichStore | None, *, ttl: float, timeout: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.simple = url.rstrip("/")
        self.json_api = self.simple.removesuffix("/simple") + "/pypi" if self.simple.endswith("/simple") else None
        self.cache = cache
        self.clock = clock
        self.fetcher = Fetcher(cache, ttl=ttl, timeout=timeout, retries=1, backoff=0.2, concurrency=32,
                               deadline=3 * timeout, download_deadline=60 * timeout)
        self.requests: list[str] = []  # the URLs asked (what the internal-name tests assert never happens)
        self._parsed: OrderedDict[str, tuple[tuple[object, ...], UpstreamProject]] = OrderedDict()

    async def aclose(self) -> None:
        await self.fetcher.aclose()

    async def get(self, url: str, accept: str) -> Fetched:
        """A document, fresh or (when upstream fails) the cached one marked stale; `UpstreamUnknown` otherwise."""
        self.requests.append(url)
        try:
            r: Response = await self.fetcher.get(url, accept=accept)
            return Fetched(r.status, r.body, r.source_url)
        except FetchError as exc:
            cache = self.cache
            key = f"{accept} {url}"  # enrich.http.Fetcher's cache key
            cached = cache.get(key) if cache is not None else None
            body = cache.body(key) if cache is not None and cached is not None else None
            if cached is None or body is None:
                raise UpstreamUnknown(f"could not ask upstream ({exc.reason}) and no earlier answer is cached") from None
            age = max(0, int(self.clock() - cached.fetched_at))
            return Fetched(cached.status, body, cached.final_url or url,
                           stale=f"upstream failed ({shown(exc.reason, 300)}); this is its answer of {age} s ago",
                           fetched_at=cached.fetched_at)

    async def project(self, name: str) -> tuple[int, UpstreamProject | None]:
        """(upstream's status, the project): 404/410 with None when upstream says there is no such project.

        The parsed project is kept per name beside the digests of the two answers it was made from: judging a
        project again (an approval, an analysis anywhere moved the store's generation) re-reads a 2,000-version
        project's cached answers in milliseconds instead of parsing them again."""
        page = await self.get(f"{self.simple}/{name}/", SIMPLE_ACCEPT)
        if page.status != 200:
            return page.status, None
        answer: Fetched | None = None
        api_error = ""
        if self.json_api is not None:
            try:
                answer = await self.get(f"{self.json_api}/{name}/json", JSON_ACCEPT)
            except UpstreamUnknown as exc:
                api_error = f"upstream's JSON API could not be read: {exc}"
        key = (hashlib.blake2b(page.body, digest_size=16).digest(), page.url,
               hashlib.blake2b(answer.body, digest_size=16).digest() if answer is not None else b"",
               answer.status if answer is not None else 0, answer.url if answer is not None else "", api_error)
        stale = page.stale or (answer.stale if answer is not None and answer.status == 200 else "")
        memo = self._parsed.get(name)
        if memo is not None and memo[0] == key:
            self._parsed.move_to_end(name)
            return 200, replace(memo[1], stale=stale)
        project = self._parse(name, page, answer, api_error, stale)
        self._parsed[name] = (key, project)
        while len(self._parsed) > PARSED_PROJECTS:
            self._parsed.popitem(last=False)
        return 200, project

    def _parse(self, name: str, page: Fetched, answer: Fetched | None, api_error: str, stale: str) -> UpstreamProject:
        try:
            files, versions, status, reason = parse_simple(page.body, page.url)
        except DocumentError as exc:
            raise UpstreamUnknown(f"upstream sent a malformed project page at {display_url(page.url)}: {exc}") from None
        record: ProjectRecord | None = None
        document: dict[str, Any] | None = None
        note = api_error or "upstream has no JSON API (owner, repository and dormancy facts come only from it)"
        if answer is not None:
            if answer.status == 200:
                try:
                    loaded = read_json(answer.body, "project document")
                    document = loaded if isinstance(loaded, dict) else None
                    record = parse_pypi_json(answer.body, self.simple, resolve=lambda u: urljoin(answer.url, u))
                    note = ""
                except DocumentError as exc:
                    note = f"upstream's JSON API could not be read: {exc}"
            else:
                note = f"upstream's JSON API answered {answer.status} for {name}"
        all_versions = tuple(dict.fromkeys([*(versions or []), *(f.version for f in files)]))
        return UpstreamProject(name, tuple(files), all_versions, status, reason, record, document, stale, note)

    async def version_document(self, name: str, version: str) -> Fetched | None:
        """``/pypi/<name>/<version>/json`` from upstream (None: upstream has no JSON API)."""
        if self.json_api is None:
            return None
        return await self.get(f"{self.json_api}/{name}/{version}/json", JSON_ACCEPT)

    async def download(self, url: str, write: Callable[[bytes], object], max_bytes: int) -> int:
        self.requests.append(url)
        return await self.fetcher.download(url, write, max_bytes)
