"""The HTTP face of the guarded index: one ASGI application, run by uvicorn (docs/decisions/0027).

Routes (docs/serve.md):

| request | answer |
|---|---|
| ``GET /simple/`` | the projects this index knows (internal ones and those asked for) |
| ``GET /simple/<name>/`` | the project page, PEP 691 JSON or PEP 503 HTML by ``Accept`` (serve.pages); a name that is not normalised, or no trailing slash, is a 301 to the normal form |
| ``GET /pypi/<name>/json``, ``/pypi/<name>/<version>/json`` | the JSON API, filtered as the pages are |
| ``GET /files/<sha256>/<filename>`` | the file, from the content-addressed store (``ETag``, ``Content-Length``, ``immutable``), or 403 with the reason |
| ``GET /files/<sha256>/<filename>.metadata`` | its PEP 658 core metadata |
| ``POST /legacy/`` (or ``/``) | an upload (serve.upload), token with the ``upload`` scope |
| ``/-/health`` | 200 when the store answers |
| ``/-/admin/...`` | status, held, audit, overrides (GET), change and revoke (POST JSON), token with the ``admin`` scope |

The application is made once per worker process (`create_app`); the store, the upstream client and
the in-memory page views live in that process, and the store's generation keeps the processes in step.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from chainwarden.decide.serve_policy import ServePolicy
from chainwarden.model import shown
from chainwarden.serve import admin, pages
from chainwarden.serve.audit import AuditEvent
from chainwarden.serve.index import Denied, GuardedIndex, NotFound, ProjectView
from chainwarden.serve.store import EmbeddedStore, ServeStore, Token
from chainwarden.serve.upstream import Upstream, UpstreamUnknown

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

CONFIG_ENV = "CHAINWARDEN_SERVE_CONFIG"  # how `chainwarden serve --workers N` hands its settings to each worker
SMALL_FILE = 8 * 1024**2  # files up to this size are kept in memory once read (they never change)
FILE_CACHE_BYTES = 128 * 1024**2
IMMUTABLE = b"public, max-age=31536000, immutable"
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ServeConfig:
    """What one worker needs to build the index; JSON-able, handed to workers through `CONFIG_ENV`."""

    store: str
    upstream: str | None
    policy_file: str | None = None
    as_of: float | None = None  # judge ages as of this moment (reproducible demos and tests); None: the wall clock
    started: float = field(default_factory=time.time)

    def to_env(self) -> str:
        return json.dumps(self.__dict__)

    @staticmethod
    def from_env(text: str) -> ServeConfig:
        return ServeConfig(**json.loads(text))


def _policy(config: ServeConfig) -> tuple[ServePolicy, tuple[str, ...], dict[str, dict[str, Any]]]:
    if not config.policy_file:
        return ServePolicy(), (), {}
    from chainwarden.decide import load_policy

    policy = load_policy(Path(config.policy_file))
    return policy.serve, policy.sources.internal_packages, {k: dict(v) for k, v in policy.options.items()}


class _Files:
    """Small immutable files kept in memory, least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        data = self.items.get(key)
        if data is not None:
            self.items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.items[key] = data
        self.size += len(data)
        while self.size > self.limit and self.items:
            _, dropped = self.items.popitem(last=False)
            self.size -= len(dropped)


class App:
    """The ASGI application (module docstring)."""

    def __init__(self, config: ServeConfig, *, store: ServeStore | None = None) -> None:
        self.config = config
        self._store = store
        self.index: GuardedIndex | None = None
        self.files = _Files(FILE_CACHE_BYTES)
        self._tokens: dict[str, tuple[Token | None, float]] = {}
        self._served: set[tuple[str, str]] = set()  # files sent since the generation below (the fast path)
        self._served_generation = -1

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> GuardedIndex:
        policy, also_internal, options = _policy(self.config)
        store = self._store or EmbeddedStore(Path(self.config.store))
        upstream_url = self.config.upstream or policy.upstream
        offset = (self.config.as_of - self.config.started) if self.config.as_of is not None else 0.0

        def clock() -> float:
            return time.time() + offset

        upstream = Upstream(upstream_url, store.enrich, ttl=policy.upstream_ttl, timeout=policy.upstream_timeout,
                            clock=clock) if upstream_url else None
        self.index = GuardedIndex(store, policy, upstream, also_internal=also_internal, rule_options=options, clock=clock)
        return self.index

    async def stop(self) -> None:
        if self.index is not None:
            await self.index.aclose()
            self.index.store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    try:
                        self.start()
                    except Exception as exc:  # the store cannot be opened, the policy cannot be read
                        await send({"type": "lifespan.startup.failed", "message": str(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if self.index is None:
            self.start()
        try:
            await self._route(scope, receive, send)
        except UpstreamUnknown as exc:
            await _text(send, 502, f"upstream could not answer, and nothing is cached for this: {exc.reason}")
        except NotFound as exc:
            await _text(send, 404, exc.reason)
        except Denied as exc:
            await _text(send, 403, exc.reason)

    # ---------------------------------------------------------------- routing

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        index = self.index
        assert index is not None
        method: str = scope["method"]
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if method == "POST" and path in ("/", "/legacy", "/legacy/"):
            await self._upload(scope, receive, send, headers)
            return
        if path.startswith("/-/"):
            await self._admin(path, method, receive, send, headers)
            return
        if method not in ("GET", "HEAD"):
            await _text(send, 405, "method not allowed", extra=[(b"allow", b"GET, HEAD")])
            return
        head = method == "HEAD"
        if index.policy.require_read_token and not self._allowed(headers, "read"):
            await _text(send, 401, "this index needs a token with the read scope",
                        extra=[(b"www-authenticate", b'Basic realm="chainwarden"')])
            return
        if path.startswith("/simple"):
            await self._simple(path, scope, send, headers, head)
        elif path.startswith("/files/"):
            await self._file(path, send, headers, head)
        elif path.startswith("/pypi/"):
            await self._json_api(path, scope, send, headers, head)
        elif path == "/":
            await _send(send, 200, b"chainwarden serve: a guarded Python package index. pip: --index-url <this URL>/simple/\n",
                        [(b"content-type", b"text/plain; charset=utf-8")], head)
        else:
            await _text(send, 404, "not found")

    async def _simple(self, path: str, scope: Scope, send: Send, headers: dict[str, str], head: bool) -> None:
        index = self.index
        assert index is not None
        chosen = pages.negotiate(headers.get("accept"))
        vary = [(b"vary", b"Accept")]
        if chosen is None:
            await _text(send, 406, "acceptable: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, "
                        "text/html", extra=vary)
            return
        fmt, content_type = chosen
        rest = path[len("/simple"):]
        if rest in ("", "/"):
            if rest == "":
                await _redirect(send, _root(scope) + "/simple/")
                return
            names = sorted(set(index.store.known_projects()) | set(index.store.internal_projects()))
            body = pages.root_json(names) if fmt == "json" else pages.root_html(names)
            await _page(send, body, pages.etag(body), content_type, index.policy.page_max_age, headers, head, vary)
            return
        raw = unquote(rest.strip("/"))
        if "/" in raw or not _NAME.match(raw):
            await _text(send, 404, "not a project name", extra=vary)
            return
        normal = canonicalize_name(raw)
        if raw != normal or not rest.endswith("/"):
            query = scope.get("query_string", b"").decode("latin-1")
            await _redirect(send, f"{_root(scope)}/simple/{normal}/" + (f"?{query}" if query else ""), vary)
            return
        view = await index.view(normal)
        key = fmt
        rendered = view.rendered.get(key)
        if rendered is None:
            body = pages.project_json(view) if fmt == "json" else pages.project_html(view)
            rendered = view.rendered[key] = (body, pages.etag(body))
        extra = list(vary)
        if view.stale:
            extra.append((b"x-chainwarden-stale", view.stale.encode("ascii", "replace")[:500]))
        await _page(send, rendered[0], rendered[1], content_type, 0 if view.stale else index.policy.page_max_age,
                    headers, head, extra)

    async def _json_api(self, path: str, scope: Scope, send: Send, headers: dict[str, str], head: bool) -> None:
        index = self.index
        assert index is not None
        parts = [unquote(p) for p in path[len("/pypi/"):].split("/") if p]
        if len(parts) not in (2, 3) or parts[-1] != "json" or not _NAME.match(parts[0]):
            await _text(send, 404, "expected /pypi/<name>/json or /pypi/<name>/<version>/json")
            return
        view: ProjectView = await index.view(parts[0])
        base = _root(scope)
        if len(parts) == 2:
            key = f"api {base}"
            rendered = view.rendered.get(key)
            if rendered is None:
                body = pages.json_api(view, base)
                rendered = view.rendered[key] = (body, pages.etag(body))
            await _page(send, rendered[0], rendered[1], "application/json", index.policy.page_max_age, headers, head, [])
            return
        version = parts[1]
        withheld = view.withheld.get(version)
        if withheld is not None:
            await _text(send, 404, f"{view.name} {version} is {withheld.state} by chainwarden: " + "; ".join(withheld.reasons))
            return
        if version not in view.versions:
            await _text(send, 404, f"{view.name} has no version {version} on this index")
            return
        document = None
        if not view.internal and index.upstream is not None:
            fetched = await index.upstream.version_document(view.name, version)
            if fetched is not None and fetched.status == 200:
                try:
                    loaded = json.loads(fetched.body)
                    document = loaded if isinstance(loaded, dict) else None
                except ValueError:
                    document = None
        body = pages.json_api(view, base, version, document)
        await _page(send, body, pages.etag(body), "application/json", index.policy.page_max_age, headers, head, [])

    async def _file(self, path: str, send: Send, headers: dict[str, str], head: bool) -> None:
        index = self.index
        assert index is not None
        parts = path[len("/files/"):].split("/")
        if len(parts) != 2 or not _SHA.match(parts[0]):
            await _text(send, 404, "expected /files/<sha256>/<filename>")
            return
        sha, filename = parts[0], unquote(parts[1])
        if filename.endswith(".metadata") and index.store.file(sha, filename) is None:
            data = await index.metadata(sha, filename[: -len(".metadata")])
            await _page(send, data, pages.etag(data), "text/plain; charset=utf-8", 31536000, headers, head, [], immutable=True)
            return
        tag = f'"{sha}"'
        cached = self.files.get(sha)
        if cached is None or not self._known_served(sha, filename):
            file_path, row = await index.file(sha, filename)
            self._served.add((sha, filename))
            if cached is None:
                size = file_path.stat().st_size
                if size <= SMALL_FILE:
                    cached = file_path.read_bytes()
                    self.files.put(sha, cached)
                else:
                    await _stream(send, file_path, size, filename, tag, headers, head)
                    return
        if headers.get("if-none-match") == tag:
            await _send(send, 304, b"", [(b"etag", tag.encode()), (b"cache-control", IMMUTABLE)], True)
            return
        await _send(send, 200, cached, [(b"content-type", _file_type(filename)), (b"etag", tag.encode()),
                                        (b"cache-control", IMMUTABLE)], head)

    def _known_served(self, sha: str, filename: str) -> bool:
        """Sent before, and nothing that could change a decision happened since (an override, an analysis)."""
        index = self.index
        assert index is not None
        generation = index.store.generation()
        if generation != self._served_generation:
            self._served = set()
            self._served_generation = generation
            return False
        if (sha, filename) not in self._served:
            return False
        row = index.store.file(sha, filename)
        if row is None:
            return False
        if row.origin == "internal":
            return True
        view = index._views.get(row.project)
        return view is not None and index.clock() < view.expires and row.version in view.versions

    # ---------------------------------------------------------------- uploads

    def _token(self, headers: dict[str, str]) -> Token | None:
        index = self.index
        assert index is not None
        auth = headers.get("authorization", "")
        secret = ""
        if auth.lower().startswith("basic "):
            try:
                secret = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")[2]
            except ValueError:
                secret = ""
        elif auth.lower().startswith("bearer "):
            secret = auth[7:].strip()
        if not secret:
            return None
        cached = self._tokens.get(secret)
        now = time.monotonic()
        if cached is not None and now - cached[1] < 30:
            return cached[0]
        token = index.store.token(secret)
        self._tokens[secret] = (token, now)
        return token

    def _allowed(self, headers: dict[str, str], scope: str) -> bool:
        token = self._token(headers)
        return token is not None and (scope in token.scopes or "admin" in token.scopes)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        from starlette.requests import Request

        from chainwarden.serve import upload

        index = self.index
        assert index is not None
        token = self._token(headers)
        if token is None or not ({"upload", "admin"} & token.scopes):
            await _text(send, 401 if token is None else 403, "uploads need a token with the upload scope "
                        "(chainwarden index token NAME --scope upload --store DIR)",
                        extra=[(b"www-authenticate", b'Basic realm="chainwarden"')] if token is None else [])
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > upload.MAX_UPLOAD_BYTES + 1024**2:
            await _text(send, 413, f"the upload is larger than the {upload.MAX_UPLOAD_BYTES} bytes allowed")
            return
        request = Request(scope, receive)
        tmp: Path | None = None
        try:
            form = await request.form(max_files=1, max_fields=200, max_part_size=1024**2)
            content = form.get("content")
            if content is None or isinstance(content, str) or not content.filename:
                raise upload.UploadRefused(400, "expected the file in the form field 'content'")
            fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
            tmp, digests, size = await upload.copy_upload(content.read, index.store.blobs().directory)
            entry = upload.accept(index, upload.Form(fields, Path(content.filename).name, tmp), digests, size, token.name)
        except upload.UploadRefused as exc:
            index.store.audit.record(AuditEvent("upload-refused", canonicalize_name(locals().get("fields", {}).get("name", "") or "?"),
                                                actor=token.name, reasons=(exc.reason,)))
            await _text(send, exc.status, exc.reason)
            return
        except Exception as exc:  # a malformed multipart body (python-multipart's errors), a full disk
            await _text(send, 400, f"could not read the upload: {shown(str(exc), 300)}")
            return
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        await _text(send, 200, f"uploaded {entry.filename} ({entry.project} {entry.version})")

    # ---------------------------------------------------------------- admin

    async def _admin(self, path: str, method: str, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        index = self.index
        assert index is not None
        if path == "/-/health":
            index.store.generation()
            await _text(send, 200, "ok")
            return
        if not path.startswith("/-/admin/"):
            await _text(send, 404, "not found")
            return
        if not self._allowed(headers, "admin"):
            await _text(send, 401, "the admin API needs a token with the admin scope",
                        extra=[(b"www-authenticate", b'Basic realm="chainwarden"')])
            return
        action = path[len("/-/admin/"):].strip("/")
        body = b""
        if method == "POST":
            body = await _body(receive, 1024**2)
        try:
            params: dict[str, Any] = json.loads(body) if body else {}
            if not isinstance(params, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            await _text(send, 400, f"expected a JSON object: {exc}")
            return
        store = index.store
        try:
            if action == "status":
                result: Any = admin.status(store)
            elif action == "held":
                result = admin.held(store)
            elif action == "overrides":
                result = admin.overrides(store)
            elif action == "audit" and method == "POST":
                result = admin.audit(store, **{k: v for k, v in params.items() if k in ("project", "version", "event", "since", "limit")})
            elif action == "change" and method == "POST":
                result = admin.change(store, str(params.get("kind", "")), str(params.get("spec", "")),
                                      author=str(params.get("author", "")), reason=str(params.get("reason", "")),
                                      expires=params.get("expires"), check=str(params.get("check", "")))
                result = result.__dict__
            elif action == "revoke" and method == "POST":
                result = admin.revoke(store, int(params.get("id", 0)), author=str(params.get("author", "")),
                                      reason=str(params.get("reason", ""))).__dict__
            else:
                await _text(send, 404, f"no admin action {action!r} for {method}")
                return
        except admin.AdminError as exc:
            await _text(send, 400, exc.reason)
            return
        data = json.dumps(result, default=str).encode()
        await _send(send, 200, data, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")], False)


# -------------------------------------------------------------------------------- helpers


def _root(scope: Scope) -> str:
    """This index's base URL as the client reached it (Host header, or the server address)."""
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


def _file_type(filename: str) -> bytes:
    if filename.endswith(".whl") or filename.endswith(".zip"):
        return b"application/zip"
    if filename.endswith((".tar.gz", ".tgz")):
        return b"application/gzip"
    return b"application/octet-stream"


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], head: bool) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _text(send: Send, status: int, text: str, *, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await _send(send, status, (shown(text, 4000) + "\n").encode(),
                [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"), *(extra or [])], False)


async def _redirect(send: Send, location: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await _send(send, 301, b"", [(b"location", location.encode("latin-1", "replace")), *(extra or [])], False)


async def _page(send: Send, body: bytes, tag: str, content_type: str, max_age: int, headers: dict[str, str], head: bool,
                extra: list[tuple[bytes, bytes]], *, immutable: bool = False) -> None:
    cache = IMMUTABLE if immutable else f"max-age={max_age}".encode()
    common = [(b"etag", tag.encode()), (b"cache-control", cache), *extra]
    if headers.get("if-none-match") == tag:
        await _send(send, 304, b"", common, True)
        return
    await _send(send, 200, body, [(b"content-type", content_type.encode()), *common], head)


async def _stream(send: Send, path: Path, size: int, filename: str, tag: str, headers: dict[str, str], head: bool) -> None:
    import anyio

    common = [(b"etag", tag.encode()), (b"cache-control", IMMUTABLE)]
    if headers.get("if-none-match") == tag:
        await _send(send, 304, b"", common, True)
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", _file_type(filename)), (b"content-length", str(size).encode()), *common]})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    async with await anyio.open_file(path, "rb") as fh:
        while chunk := await fh.read(1 << 20):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _body(receive: Receive, limit: int) -> bytes:
    out = bytearray()
    while True:
        message = await receive()
        out += message.get("body", b"")
        if len(out) > limit:
            raise ValueError("the request body is too large")
        if not message.get("more_body"):
            return bytes(out)


def create_app() -> App:
    """The application for one uvicorn worker (``factory=True``), from the settings in `CONFIG_ENV`."""
    return App(ServeConfig.from_env(os.environ[CONFIG_ENV]))


def as_of_timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None
