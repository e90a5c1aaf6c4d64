"""The one HTTP client: async httpx with bounded concurrency, timeouts, retries
with backoff on 429/5xx and transport errors, and the SQLite cache in front.

Cached answers younger than the TTL are used without a request; older ones are
revalidated with ``If-None-Match`` / ``If-Modified-Since``. Offline, any cached
answer is used and anything else is `NotCached`. 404 and 410 are answers (the
package does not exist) and are cached like any other.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from chainwarden import __version__
from chainwarden.enrich.cache import DEFAULT_TTL_SECONDS, Store

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ANSWER_STATUSES = frozenset({200, 404, 410})
MAX_RETRY_AFTER = 10.0


class FetchError(Exception):
    """A URL could not be fetched: the reason is for the user."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class NotCached(FetchError):
    """Offline and the cache has no answer for this URL."""


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    from_cache: bool
    content_type: str = ""


class Fetcher:
    def __init__(
        self,
        store: Store | None,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        offline: bool = False,
        concurrency: int = 16,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.offline = offline
        self.retries = retries
        self.backoff = backoff
        self._sem = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=True,
            headers={"User-Agent": f"chainwarden/{__version__}"},
            trust_env=True,
        )
        self.requests_made = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, url: str, accept: str = "application/json") -> Response:
        key = f"{accept} {url}"
        store = self.store
        cached = store.get(key) if store else None
        body = store.body(key) if store and cached and (self.offline or cached.fresh(self.ttl)) else None
        if self.offline:
            if cached is None or body is None:
                raise NotCached(url, "not in the cache, and --offline forbids asking the index")
            return Response(url, cached.status, body, True)
        if cached is not None and body is not None:
            return Response(url, cached.status, body, True)
        headers = {"Accept": accept}
        if cached is not None and cached.status == 200:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        async with self._sem:
            resp = await self._request(url, headers)
            if resp.status_code == 304 and cached is not None and store is not None:
                # Loaded inside the semaphore: at most `concurrency` bodies are in memory at once.
                body = store.body(key)
                if body is not None:
                    store.touch(key)
                    return Response(url, cached.status, body, True)
                resp = await self._request(url, {"Accept": accept})  # damaged cache entry: fetch it whole
        if resp.status_code in ANSWER_STATUSES:
            body = resp.content if resp.status_code == 200 else b""
            if self.store:
                self.store.put(key, resp.status_code, body, resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
            return Response(url, resp.status_code, body, False, resp.headers.get("Content-Type", ""))
        raise FetchError(url, f"the index answered HTTP {resp.status_code} {resp.reason_phrase}".rstrip())

    async def post_json(self, url: str, payload: object) -> Response:
        """POST a JSON query (an OSV `querybatch`) and return the answer: never cached, retried like `get`;
        anything but 200 is a `FetchError`. Offline it is `NotCached`: an API question needs the network."""
        if self.offline:
            raise NotCached(url, "--offline forbids asking the service")
        async with self._sem:
            resp = await self._request(url, {"Accept": "application/json"}, json_body=payload)
        if resp.status_code != 200:
            raise FetchError(url, f"the service answered HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
        return Response(url, 200, resp.content, False, resp.headers.get("Content-Type", ""))

    async def download(self, url: str, write: Callable[[bytes], object], max_bytes: int) -> int:
        """Stream a file (an artifact) to `write`, never held whole in memory and never cached here
        (artifacts have their own content-addressed store). Retried like `get` until the first byte
        arrives; returns the byte count. More than `max_bytes` is a `FetchError`."""
        if self.offline:
            raise NotCached(url, "not in the artifact cache, and --offline forbids downloading it")
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, last))
            async with self._sem:
                try:
                    self.requests_made += 1
                    async with self._client.stream("GET", url, headers={"Accept": "*/*"}) as resp:
                        if resp.status_code in RETRY_STATUSES and attempt < self.retries:
                            last = resp.headers.get("Retry-After", "")
                            continue
                        if resp.status_code != 200:
                            raise FetchError(url, f"the index answered HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
                        total = 0
                        async for chunk in resp.aiter_bytes(1 << 16):
                            total += len(chunk)
                            if total > max_bytes:
                                raise FetchError(url, f"larger than the {max_bytes} bytes allowed for one artifact")
                            write(chunk)
                        return total
                except httpx.TimeoutException:
                    last = "timed out"
                except httpx.TransportError as exc:
                    last = f"could not connect ({exc.__class__.__name__}: {exc})"
                except httpx.InvalidURL as exc:
                    raise FetchError(url, f"invalid URL: {exc}") from exc
        raise FetchError(url, f"{last or 'failed'} after {self.retries + 1} attempts")

    async def _request(self, url: str, headers: dict[str, str], *, json_body: object = None) -> httpx.Response:
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, last))
            try:
                self.requests_made += 1
                if json_body is not None:
                    resp = await self._client.post(url, headers=headers, json=json_body)
                else:
                    resp = await self._client.get(url, headers=headers)
            except httpx.TimeoutException:
                last = "timed out"
                continue
            except httpx.TransportError as exc:
                last = f"could not connect ({exc.__class__.__name__}: {exc})"
                continue
            except httpx.InvalidURL as exc:
                raise FetchError(url, f"invalid URL: {exc}") from exc
            if resp.status_code in RETRY_STATUSES and attempt < self.retries:
                last = resp.headers.get("Retry-After", "")
                continue
            return resp
        raise FetchError(url, f"{last or 'failed'} after {self.retries + 1} attempts")

    def _delay(self, attempt: int, retry_after: str) -> float:
        try:
            if retry_after:
                return min(float(retry_after), MAX_RETRY_AFTER)
        except ValueError:
            pass
        return float(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 4))
