"""Registry backends: where `ProjectRecord`s come from.

- `PyPIIndex`: a PyPI-style index over HTTP. It asks the project JSON API
  (``<root>/pypi/<name>/json``, next to ``<root>/simple``) first, then the PEP 691
  JSON simple page, and takes the PEP 503 HTML page when that is all the index
  sends. An index with no JSON API is remembered as such for the run.
- `NpmRegistry`: npm package documents, with ``@scope:registry`` mappings.
- `LocalIndex`: a ``file://`` PEP 503 index (``<dir>/<name>/index.html``), as pip reads one.
- `Snapshot`: a directory laid out like the test registry
  (``pypi/<name>.json``, ``npm/<name>.json``, ``npm/@scope/name.json``), for
  air-gapped and reproducible runs.

All answer `lookup(name)` with a `ProjectRecord`, or raise `LookupFailed`, whose reason
names the URL (or file) and what was wrong with it: the index could not be reached, its
answer was too large, too slow or badly encoded (enrich.http), or the document is not
what its format promises (enrich.documents). A snapshot or local index file is read up
to the same size cap as an answer over HTTP.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote, urljoin, urlsplit

from chainwarden._files import FileRefused, read_bytes
from chainwarden.enrich.documents import (
    DocumentError,
    ProjectRecord,
    Resolve,
    missing,
    parse_npm_packument,
    parse_pypi_json,
    parse_simple_html,
    parse_simple_json,
    record_format,
)
from chainwarden.enrich.http import DEFAULT_MAX_RESPONSE_BYTES, Fetcher, FetchError, NotCached, Response, display_url
from chainwarden.model import shown

SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)


# An absolute http(s) URL that urljoin gives back as it is: a host, then a path, in printable ASCII, with no
# query, fragment, parameters or brackets (which urljoin would rewrite or refuse). Most file URLs are.
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9\-._~%!$&'()*+,=:@]+(?:/[A-Za-z0-9\-._~%!$&'()*+,=:@/]*)?")


def _against(document_url: str) -> Callable[[str], str]:
    """File URLs in a document are relative to the document's own URL (PEP 503 / PEP 691 allow relative ones)."""
    def resolve(url: str) -> str:
        return url if _PLAIN_ABSOLUTE.fullmatch(url) else urljoin(document_url, url)

    return resolve


async def _read_answer(fetcher: Fetcher, r: Response, accept: str, label: str,
                       parse: Callable[[bytes, Resolve], ProjectRecord]) -> ProjectRecord:
    """The record of an answer `fetcher.get(..., record_format=record_format())` gave: the one kept beside it in
    the cache when there is one (docs/decisions/0025-parsed-records-beside-documents.md), else the document
    parsed, and its record kept for the next run."""
    if r.record is not None:
        try:
            return ProjectRecord.load(r.record, label)
        except DocumentError:  # a damaged record: the document is read again, and a new record kept
            r = await fetcher.get(r.url, accept)
    rec = parse(r.body, _against(r.source_url))
    if r.stamp is not None:
        fetcher.keep_record(r, record_format(), rec.dump())
    return rec


class LookupFailed(Exception):
    """A name could not be looked up: `reason` is for the user; `offline` marks cache misses."""

    def __init__(self, reason: str, *, offline: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offline = offline


class Backend(Protocol):
    label: str

    async def lookup(self, name: str) -> ProjectRecord: ...


def _fail(exc: FetchError | DocumentError, url: str) -> LookupFailed:
    if isinstance(exc, NotCached):
        return LookupFailed("not in the cache (offline)", offline=True)
    if isinstance(exc, FetchError):
        return LookupFailed(f"could not fetch {exc.url}: {exc.reason}")
    return LookupFailed(f"the index sent a malformed document at {display_url(url)}: {exc}")


def _bug(exc: Exception, where: str) -> LookupFailed:
    """An exception no parser should raise: reading one answer must not cost the other packages their checks."""
    return LookupFailed(f"internal error while reading {display_url(where)} (a bug in chainwarden: please report it): "
                        f"{exc.__class__.__name__}: {shown(str(exc), 200)}")


def _read(path: Path) -> bytes | None:
    """A snapshot or local index file, read by the safe reader (a regular file, not under /dev or /proc) and no
    larger than an answer over HTTP may be; None when there is no such file. Raises `LookupFailed`."""
    if not os.path.lexists(path):
        return None
    try:
        return read_bytes(path, limit=DEFAULT_MAX_RESPONSE_BYTES)
    except FileRefused as exc:
        raise LookupFailed(f"could not read {path}: {exc.reason}") from None


class PyPIIndex:
    def __init__(self, fetcher: Fetcher, index_url: str) -> None:
        self.fetcher = fetcher
        self.simple = index_url.rstrip("/")
        self.label = self.simple
        root = self.simple.removesuffix("/simple") if self.simple.endswith("/simple") else None
        self.json_api = f"{root}/pypi" if root else None
        self.json_api_works: bool | None = None

    async def lookup(self, name: str) -> ProjectRecord:
        url = ""
        try:
            if self.json_api and self.json_api_works is not False:
                url = f"{self.json_api}/{name}/json"
                r = await self.fetcher.get(url, record_format=record_format())
                if r.status == 200:
                    self.json_api_works = True
                    return await _read_answer(self.fetcher, r, "application/json", self.label,
                                              lambda body, resolve: parse_pypi_json(body, self.label, resolve=resolve))
            url = f"{self.simple}/{name}/"
            r = await self.fetcher.get(url, accept=SIMPLE_ACCEPT, record_format=record_format())
            if r.status != 200:
                return missing(self.label, "simple")
            if self.json_api_works is None and self.json_api:
                self.json_api_works = False  # found on the simple API but not the JSON API

            def simple(body: bytes, resolve: Resolve) -> ProjectRecord:
                if body.lstrip()[:1] == b"{":
                    return parse_simple_json(body, self.label, resolve=resolve)
                return parse_simple_html(body, self.label, resolve=resolve)

            return await _read_answer(self.fetcher, r, SIMPLE_ACCEPT, self.label, simple)
        except (FetchError, DocumentError) as exc:
            raise _fail(exc, url) from None
        except Exception as exc:
            raise _bug(exc, url) from None


class NpmRegistry:
    def __init__(self, fetcher: Fetcher, registry_url: str, scopes: dict[str, str] | None = None) -> None:
        self.fetcher = fetcher
        self.registry = registry_url.rstrip("/") + "/"
        self.scopes = {k: v.rstrip("/") + "/" for k, v in (scopes or {}).items()}
        self.label = self.registry

    def url_for(self, name: str) -> tuple[str, str]:
        base = self.registry
        if name.startswith("@") and "/" in name:
            base = self.scopes.get(name.split("/", 1)[0], base)
        return base, base + quote(name, safe="@")

    async def lookup(self, name: str) -> ProjectRecord:
        base, url = self.url_for(name)
        try:
            r = await self.fetcher.get(url, accept="application/json", record_format=record_format())
            if r.status != 200:
                return missing(base, "npm")
            return await _read_answer(self.fetcher, r, "application/json", base,
                                      lambda body, resolve: parse_npm_packument(body, base, resolve=resolve))
        except (FetchError, DocumentError) as exc:
            raise _fail(exc, url) from None
        except Exception as exc:
            raise _bug(exc, url) from None


class LocalIndex:
    """A PEP 503 index in a local folder, given as a ``file://`` URL (a wheel mirror, an air-gapped index)."""

    def __init__(self, url: str) -> None:
        self.root = Path(unquote(urlsplit(url).path))
        self.label = url.rstrip("/")

    async def lookup(self, name: str) -> ProjectRecord:
        if "/" in name or name.startswith("."):
            return missing(self.label, "simple-html")
        page = self.root / name / "index.html"
        body = _read(page)
        if body is None:
            return missing(self.label, "simple-html")
        try:
            return parse_simple_html(body, self.label, resolve=_against(page.as_uri()))
        except DocumentError as exc:
            raise LookupFailed(f"{page}: {exc}") from None
        except Exception as exc:
            raise _bug(exc, str(page)) from None


class Snapshot:
    """A registry snapshot directory; one instance per ecosystem."""

    def __init__(self, root: Path, ecosystem: str) -> None:
        self.root = root
        self.ecosystem = ecosystem
        self.label = f"snapshot:{root}"

    def path_for(self, name: str) -> Path:
        return self.root / self.ecosystem / f"{name}.json"

    def file_url(self, url: str) -> str:
        """A snapshot names the archives it holds ``/files/<name>`` (root-relative): they are under ``<root>/files``."""
        if url.startswith("/files/") and "/" not in url[len("/files/"):]:
            return (self.root / "files" / unquote(url[len("/files/"):])).resolve().as_uri()
        return url

    async def lookup(self, name: str) -> ProjectRecord:
        path = self.path_for(name)
        if ".." in Path(name).parts:
            return missing(self.label, "snapshot")
        body = _read(path)
        if body is None:
            return missing(self.label, "snapshot")
        try:
            if self.ecosystem == "pypi":
                return parse_pypi_json(body, self.label, source="snapshot", resolve=self.file_url)
            return parse_npm_packument(body, self.label, source="snapshot", resolve=self.file_url)
        except DocumentError as exc:
            raise LookupFailed(f"{path}: {exc}") from None
        except Exception as exc:
            raise _bug(exc, str(path)) from None
