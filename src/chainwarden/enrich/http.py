"""The one HTTP client: async httpx with bounded concurrency, timeouts, retries
with backoff on 429/5xx and transport errors, and the SQLite cache in front.

Cached answers younger than the TTL are used without a request; older ones are
revalidated with ``If-None-Match`` / ``If-Modified-Since``. Offline, any cached
answer is used and anything else is `NotCached`. 404 and 410 are answers (the
package does not exist) and are cached like any other.

Everything an index sends is bounded (docs/decisions/0017-bounded-index-answers.md):

- **size**: a body is streamed and counted *after* decompression; past `max_bytes`
  (default 256 MiB, ``EnrichOptions.max_response_bytes``) the request fails. Only
  gzip and deflate are asked for, and they are decompressed here, a bounded step at a
  time, so a gzip bomb never expands beyond the cap. The compressed bytes are capped too.
- **memory**: bodies past 16 MiB are read one at a time, so the concurrent requests
  never hold more than one large body at once.
- **time**: besides the per-read `timeout`, every request has a whole-request deadline
  (connect, redirects, every read and every retry): `deadline` (default 3 × timeout,
  60 s) for documents and API answers, `download_deadline` (default 15 × timeout,
  300 s) for artifacts. A body dripped one byte at a time ends there.
- **redirects**: followed by hand (at most 10), so that a redirect's own body is never
  read. Credentials in a URL are only sent again to the same origin. An answer that
  comes from another host than the one asked (or over http after https) is used, as pip
  would, cached with the URL it came from, and listed by `notes()` each time it is used:
  `enrich()` reports each one once as a Skip.

Every failure (any httpx error, a bad gzip body, a redirect loop, the cap, the deadline)
is a `FetchError` with a reason for the user; URLs in messages carry no credentials.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from chainwarden import __version__
from chainwarden._errors import describe
from chainwarden.enrich.cache import DEFAULT_TTL_SECONDS, Store
from chainwarden.model import Skip, excerpt, shown

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ANSWER_STATUSES = frozenset({200, 404, 410})
MAX_RETRY_AFTER = 10.0
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024**2  # the largest real documents (npm packuments) are around 100 MB
DEADLINE_FACTOR = 3.0  # whole-request deadline for a document: 3 x the per-read timeout (60 s by default)
DOWNLOAD_DEADLINE_FACTOR = 15.0  # for an artifact download (300 s by default)
MAX_REDIRECTS = 10
BIG_BODY = 16 * 1024**2  # bodies larger than this are read one at a time
ACCEPT_ENCODING = "gzip, deflate"  # what _Decoder decompresses with a bound
_CHUNK = 1 << 16  # network read size, and the most one decompression step produces


class FetchError(Exception):
    """A URL could not be fetched: the reason is for the user; `url` is safe to print (no credentials)."""

    def __init__(self, url: str, reason: str) -> None:
        shown = display_url(url)
        super().__init__(f"{shown}: {reason}")
        self.url = shown
        self.reason = reason


class NotCached(FetchError):
    """Offline and the cache has no answer for this URL."""


class _Retry(Exception):
    """A transient failure of one attempt (timeout, connection trouble): worth another try."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def display_url(url: str, limit: int = 300) -> str:
    """A URL as it may be printed: credentials and tokens redacted, control characters escaped, cut to `limit`."""
    return shown(url, limit)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def elsewhere(asked: str, answered: str) -> bool:
    """The answer came from another host than the one asked, or over http after https."""
    if not answered or answered == asked:
        return False
    try:
        a, b = urlsplit(asked), urlsplit(answered)
    except ValueError:
        return True
    return _host(asked) != _host(answered) or (a.scheme == "https" and b.scheme != "https")


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    from_cache: bool
    content_type: str = ""
    final_url: str = ""  # where the answer came from after redirects ("" : `url` itself)
    record: bytes | None = None  # what was read from this answer before (`Fetcher.get`'s record_format); body is b""
    cache_key: str = ""  # where the answer is cached ("": it is not)
    stamp: float | None = None  # the cached answer's fetched_at (what `Fetcher.keep_record` checks)

    @property
    def source_url(self) -> str:
        """The URL the answer came from: relative URLs in it are relative to this one."""
        return self.final_url or self.url


@dataclass
class _Answer:
    status: int
    reason: str
    headers: httpx.Headers
    url: str  # final, after redirects
    body: bytes


class _Decoder:
    """Content-Encoding gzip / deflate (and layers of them), decompressed at most `_CHUNK` bytes per step,
    so the size cap is checked before a compression bomb can expand. Anything else is refused."""

    def __init__(self, header: str, url: str) -> None:
        self.url = url
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        self.layers: list[tuple[str, zlib._Decompress | None]] = []
        for coding in reversed(codings):  # the last coding applied is undone first
            if coding in ("identity", ""):
                continue
            if coding in ("gzip", "x-gzip"):
                self.layers.append((coding, zlib.decompressobj(zlib.MAX_WBITS | 16)))
            elif coding == "deflate":
                self.layers.append((coding, None))  # zlib-wrapped or raw: decided by the first bytes
            else:
                raise FetchError(url, f"the answer is encoded as {excerpt(coding, 40)}, which was not asked for "
                                      f"(chainwarden accepts {ACCEPT_ENCODING})")
        self.fed = [False] * len(self.layers)
        self.head = [b""] * len(self.layers)  # the first byte of a deflate layer, until the second arrives

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        yield from self._through(0, b"", final=True)

    def _through(self, i: int, data: bytes, final: bool = False) -> Iterator[bytes]:
        if i == len(self.layers):
            if data:
                yield data
            return
        for piece in self._step(i, data, final):
            yield from self._through(i + 1, piece)
        if final:
            yield from self._through(i + 1, b"", final=True)

    def _step(self, i: int, data: bytes, final: bool) -> Iterator[bytes]:
        coding, d = self.layers[i]
        try:
            if d is None:
                data = self.head[i] + data  # the first two bytes decide, however the network splits them
                if len(data) < 2 and not final:
                    self.head[i] = data
                    return
                if not data:
                    return  # nothing came at all
                # RFC 9110 deflate is zlib-wrapped; some servers send raw deflate (httpx tries both too).
                zlib_wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] * 256 + data[1]) % 31 == 0
                d = zlib.decompressobj() if zlib_wrapped else zlib.decompressobj(-zlib.MAX_WBITS)
                self.layers[i] = (coding, d)
            if data:
                self.fed[i] = True
            while not d.eof:
                out = d.decompress(data, _CHUNK)
                data = d.unconsumed_tail
                if out:
                    yield out
                if not data and len(out) < _CHUNK:
                    break  # all input used and no output pending
            if final and self.fed[i] and not d.eof:
                raise FetchError(self.url, f"the {coding} body ends before its compressed data does (truncated)")
        except zlib.error as exc:
            raise FetchError(self.url, f"the body is not valid {coding} data ({shown(str(exc), 100)})") from None


class Fetcher:
    def __init__(
        self,
        store: Store | None,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        offline: bool = False,
        concurrency: int = 16,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        download_deadline: float | None = None,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.offline = offline
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = deadline if deadline is not None else DEADLINE_FACTOR * timeout
        self.download_deadline = download_deadline if download_deadline is not None else DOWNLOAD_DEADLINE_FACTOR * timeout
        self._sem = asyncio.Semaphore(concurrency)
        self._big = asyncio.Semaphore(1)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,  # followed by hand: httpx would read a redirect's body whole
            headers={"User-Agent": f"chainwarden/{__version__}", "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=True,
        )
        self.requests_made = 0
        self._redirected: dict[str, str] = {}  # URL asked -> the URL on another host its answer came from

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def notes(self) -> list[Skip]:
        """What the caller reports once per run: each answer that came from another host than the one asked."""
        out = []
        for asked, answered in sorted(self._redirected.items()):
            https_lost = urlsplit(asked).scheme == "https" and urlsplit(answered).scheme != "https"
            where = "to plain http on " if https_lost and _host(asked) == _host(answered) else "to another host, "
            out.append(Skip(what=display_url(asked), stage="enrich", reason=(
                f"the server at {display_url(asked)} redirected {where}{shown(_host(answered), 200) or '?'} "
                f"({display_url(answered)}); its answer was used")))
        return out

    def _note_source(self, asked: str, answered: str) -> None:
        if elsewhere(asked, answered):
            self._redirected[asked] = answered

    async def get(self, url: str, accept: str = "application/json", record_format: str | None = None) -> Response:
        """The answer for `url`: from the cache while it is fresh (or --offline), else from the index (revalidated
        when the cache has it). With `record_format`, a cached answer that has a record of that format beside it
        (`keep_record`) comes as that record, without its body."""
        key = f"{accept} {url}"
        store = self.store
        cached = store.get(key) if store else None
        usable = store is not None and cached is not None and (self.offline or cached.fresh(self.ttl))
        if usable and record_format and cached is not None and cached.record_format == record_format:
            assert store is not None
            record = store.record(key, record_format)
            if record is not None:
                self._note_source(url, cached.final_url)
                return Response(url, cached.status, b"", True, final_url=cached.final_url, record=record, cache_key=key,
                                stamp=cached.fetched_at)
        body = store.body(key) if usable and store is not None else None
        if self.offline:
            if cached is None or body is None:
                raise NotCached(url, "not in the cache, and --offline forbids asking the index")
            self._note_source(url, cached.final_url)
            return Response(url, cached.status, body, True, final_url=cached.final_url, cache_key=key,
                            stamp=cached.fetched_at)
        if cached is not None and body is not None:
            self._note_source(url, cached.final_url)
            return Response(url, cached.status, body, True, final_url=cached.final_url, cache_key=key,
                            stamp=cached.fetched_at)
        headers = {"Accept": accept}
        if cached is not None and cached.status == 200:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        async with self._sem:
            resp = await self._exchange("GET", url, headers, read=lambda status: status == 200)
            if resp.status == 304 and cached is not None and store is not None:
                # Loaded inside the semaphore: at most `concurrency` bodies are in memory at once.
                record = store.record(key, record_format) if record_format and cached.record_format == record_format \
                    else None
                body = store.body(key) if record is None else b""
                if body is not None:
                    touched = store.touch(key)
                    self._note_source(url, resp.url)
                    return Response(url, cached.status, body, True, final_url=_other(url, resp.url), record=record,
                                    cache_key=key, stamp=touched)
                # a damaged cache entry: fetch it whole
                resp = await self._exchange("GET", url, {"Accept": accept}, read=lambda status: status == 200)
        if resp.status in ANSWER_STATUSES:
            self._note_source(url, resp.url)
            final = _other(url, resp.url)
            stamp: float | None = None
            if store is not None:
                stamp = store.put(key, resp.status, resp.body, resp.headers.get("ETag"), resp.headers.get("Last-Modified"),
                                  final)
            return Response(url, resp.status, resp.body, False, resp.headers.get("Content-Type", ""), final,
                            cache_key=key if stamp is not None else "", stamp=stamp)
        raise FetchError(url, f"the index answered HTTP {resp.status} {resp.reason}".rstrip())

    def keep_record(self, response: Response, record_format: str, record: bytes) -> None:
        """Keep what was read from a cached answer beside it, for `get(..., record_format)` to give next time."""
        if self.store is not None and response.cache_key and response.stamp is not None:
            self.store.put_record(response.cache_key, response.stamp, record_format, record)

    async def post_json(self, url: str, payload: object) -> Response:
        """POST a JSON query (an OSV `querybatch`) and return the answer: never cached, retried and bounded like
        `get`; anything but 200 is a `FetchError`. Offline it is `NotCached`: an API question needs the network."""
        if self.offline:
            raise NotCached(url, "--offline forbids asking the service")
        content = json.dumps(payload).encode()
        async with self._sem:
            resp = await self._exchange("POST", url, {"Accept": "application/json", "Content-Type": "application/json"},
                                        content=content, read=lambda status: status == 200)
        if resp.status != 200:
            raise FetchError(url, f"the service answered HTTP {resp.status} {resp.reason}".rstrip())
        self._note_source(url, resp.url)
        return Response(url, 200, resp.body, False, resp.headers.get("Content-Type", ""), _other(url, resp.url))

    async def download(self, url: str, write: Callable[[bytes], object], max_bytes: int, *,
                       note_redirects: bool = False) -> int:
        """Stream a file (an artifact) to `write`, never held whole in memory and never cached here
        (artifacts have their own content-addressed store). Retried like `get` until the first byte
        arrives; returns the byte count. More than `max_bytes` (after decompression) is a `FetchError`,
        and so is a download still running at `download_deadline`. An artifact is checked against its
        digests, so where it came from is listed in `notes()` only with `note_redirects`."""
        if self.offline:
            raise NotCached(url, "not in the artifact cache, and --offline forbids downloading it")
        written = 0

        def sink(chunk: bytes) -> None:
            nonlocal written
            written += len(chunk)
            write(chunk)

        async with self._sem:
            resp = await self._exchange("GET", url, {"Accept": "*/*"}, read=lambda status: status == 200, sink=sink,
                                        max_bytes=max_bytes, deadline=self.download_deadline,
                                        retry_ok=lambda: written == 0, what="artifact")
        if resp.status != 200:
            raise FetchError(url, f"the server answered HTTP {resp.status} {resp.reason}".rstrip())
        if note_redirects:
            self._note_source(url, resp.url)
        return written

    # ------------------------------------------------------------------ one request, bounded

    async def _exchange(
        self, method: str, url: str, headers: dict[str, str], *, read: Callable[[int], bool],
        content: bytes | None = None, sink: Callable[[bytes], None] | None = None, max_bytes: int | None = None,
        deadline: float | None = None, retry_ok: Callable[[], bool] = lambda: True, what: str = "answer",
    ) -> _Answer:
        """The request with its retries, under one deadline. The body is read when `read(status)` says so."""
        limit = self.deadline if deadline is None else deadline
        failures: list[str] = []  # what went wrong with each attempt so far
        try:
            async with asyncio.timeout(limit):
                return await self._attempts(method, url, headers, read, content, sink,
                                            self.max_bytes if max_bytes is None else max_bytes, retry_ok, what, failures)
        except TimeoutError:
            before = f"; before that: {failures[-1]}" if failures else ""
            raise FetchError(url, f"no complete {what} within {limit:g} s (the whole-request deadline){before}") from None

    async def _attempts(
        self, method: str, url: str, headers: dict[str, str], read: Callable[[int], bool], content: bytes | None,
        sink: Callable[[bytes], None] | None, max_bytes: int, retry_ok: Callable[[], bool], what: str,
        failures: list[str],
    ) -> _Answer:
        last = ""
        retry_after = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, retry_after))
            retry_after = ""
            self.requests_made += 1
            try:
                answer = await self._once(method, url, headers, read, content, sink, max_bytes, what)
            except _Retry as exc:
                if not retry_ok():
                    raise FetchError(url, f"{exc.reason} after part of the {what} had arrived") from None
                last = exc.reason
                failures.append(last)
                continue
            if answer.status in RETRY_STATUSES and attempt < self.retries:
                retry_after = answer.headers.get("Retry-After", "")
                last = f"the index answered HTTP {answer.status}"
                failures.append(last)
                continue
            return answer
        raise FetchError(url, f"{last or 'failed'} after {self.retries + 1} attempts")

    async def _once(
        self, method: str, url: str, headers: dict[str, str], read: Callable[[int], bool], content: bytes | None,
        sink: Callable[[bytes], None] | None, max_bytes: int, what: str,
    ) -> _Answer:
        """One attempt: the redirects followed by hand, then the body streamed, decoded and capped."""
        try:
            current = httpx.URL(url)
            for hop in range(MAX_REDIRECTS + 1):
                if current.scheme not in ("http", "https"):
                    raise FetchError(url, f"redirected to {display_url(str(current))}, which is not an http(s) URL" if hop
                                     else "not an http(s) URL")
                request = self._client.build_request(method, current, headers=headers, content=content)
                response = await self._client.send(request, stream=True)
                try:
                    location = response.headers.get("Location") if response.status_code in (301, 302, 303, 307, 308) else None
                    if location is not None:
                        current = _redirect_target(url, current, location)
                        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                            method, content = "GET", None
                            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                        continue
                    body = b""
                    if read(response.status_code):
                        body = await self._body(url, response, sink, max_bytes, what)
                    return _Answer(response.status_code, excerpt(response.reason_phrase, 100, quote=False), response.headers,
                                   str(response.url), body)
                finally:
                    await response.aclose()
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (a redirect loop?), the last to "
                                  f"{display_url(str(current))}")
        except httpx.TimeoutException as exc:
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
            raise _Retry(f"timed out ({kind}: nothing for {self.timeout:g} s)") from None
        except httpx.ConnectError as exc:
            raise _Retry(f"could not connect ({shown(describe(exc), 200)})") from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(url, f"unsupported URL: {shown(str(exc), 200)}") from None
        except httpx.RemoteProtocolError as exc:
            if "location header" in str(exc):  # httpx builds the next request of any redirect: no use retrying
                raise FetchError(url, f"the index redirected to an invalid URL ({shown(str(exc), 200)})") from None
            raise _Retry(f"the connection failed ({shown(describe(exc), 200)})") from None
        except httpx.TransportError as exc:  # the connection broke, the server broke HTTP, a proxy failed
            raise _Retry(f"the connection failed ({shown(describe(exc), 200)})") from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {shown(str(exc), 200)}") from None
        except httpx.HTTPError as exc:  # decoding, redirects, stream errors: whatever else httpx may raise
            raise FetchError(url, shown(describe(exc), 200)) from None

    async def _body(self, url: str, response: httpx.Response, sink: Callable[[bytes], None] | None,
                    max_bytes: int, what: str) -> bytes:
        decoder = _Decoder(response.headers.get("Content-Encoding", ""), url)
        out = bytearray()
        raw = total = 0
        holding = False

        def too_big() -> FetchError:
            return FetchError(url, f"the {what} is larger than the {max_bytes} bytes allowed"
                                   + (" (after decompression)" if decoder.layers else ""))

        async def pieces() -> AsyncIterator[bytes]:
            nonlocal raw
            async for chunk in response.aiter_raw(_CHUNK):
                raw += len(chunk)
                if raw > max_bytes:
                    raise too_big()
                for piece in decoder.feed(chunk):
                    yield piece
            for piece in decoder.flush():
                yield piece

        try:
            async for piece in pieces():
                total += len(piece)
                if total > max_bytes:
                    raise too_big()
                if sink is not None:
                    sink(piece)
                    continue
                if total > BIG_BODY and not holding:
                    await self._big.acquire()  # one large body in memory at a time
                    holding = True
                out += piece
        except BaseException:
            out.clear()  # the exception's traceback keeps this frame: not its (up to max_bytes) buffer
            raise
        finally:
            if holding:
                self._big.release()
        return bytes(out)

    def _delay(self, attempt: int, retry_after: str) -> float:
        try:
            if retry_after:
                value = float(retry_after)
                if math.isfinite(value):
                    return min(max(value, 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
        return float(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 4))


def _other(asked: str, answered: str) -> str:
    """The URL an answer came from, when it is not the one asked ("" otherwise)."""
    return answered if answered and answered != asked else ""


def _redirect_target(original: str, current: httpx.URL, location: str) -> httpx.URL:
    """Where a redirect points, resolved against the URL that answered it. Credentials in the URL go along
    only to the same origin (scheme, host and port), as httpx and browsers do."""
    try:
        target = current.join(location.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(original, f"the index redirected to an invalid URL ({shown(str(exc), 200)})") from None
    same_origin = (target.scheme, target.host, target.port) == (current.scheme, current.host, current.port)
    if same_origin and current.userinfo and not target.userinfo:
        target = target.copy_with(username=current.username, password=current.password)
    elif not same_origin and target.userinfo and target.userinfo == current.userinfo:
        target = target.copy_with(username=None, password=None)
    return target


def fetch_once(url: str, *, accept: str = "*/*", timeout: float = 60.0,
               max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> tuple[bytes, list[Skip]]:
    """One bounded GET outside a scan (``chainwarden data update URL``): the body of a 200 answer and the
    notes about where it came from (`Fetcher.notes`). Anything else is a `FetchError`."""

    async def run() -> tuple[bytes, list[Skip]]:
        async with Fetcher(None, timeout=timeout, max_bytes=max_bytes) as fetcher:
            response = await fetcher.get(url, accept=accept)
            if response.status != 200:
                raise FetchError(url, f"the server answered HTTP {response.status}")
            return response.body, fetcher.notes()

    return asyncio.run(run())
