"""A real HTTP registry on 127.0.0.1 serving a snapshot directory in PyPI and npm formats.

Every network test talks to this server; nothing here reaches the internet.
Files are read from disk on each request, so a test may add or rewrite fixtures
(with :mod:`tests.registry.builder`) while the server runs.

    with RegistryServer(root) as server:
        urllib.request.urlopen(server.url + "/pypi/requests/json")

Misbehaving on purpose (issue 12, hostile input): `misbehave(path_prefix, scenario)` makes every
request under a path answer with a scenario written straight to the socket, and the named hooks
build the common ones: `redirect_loop`, `redirect`, `answer` (any status, headers and body, e.g. a
``Content-Encoding: gzip`` body that is not gzip, or a document of the wrong shape), `gzip_bomb`
(a few MB that inflate to GBs, streamed, never held), `drip` (one byte every N seconds), `huge`
(a body of any size generated on the fly), `truncate` (the connection closed mid-body).

Run by hand: ``python -m tests.registry.server ROOT [--port N]``.
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import hashlib
import json
import signal
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from . import layout


class Request(NamedTuple):
    """One request the server received. ``headers`` keys are lower-case."""

    method: str
    path: str
    headers: dict[str, str]


class Response(NamedTuple):
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    mtime: float | None = None  # set on 200s that come from a file: enables ETag / Last-Modified


Scenario = Callable[["_Handler"], None]  # writes a whole raw HTTP response to handler.wfile


class RegistryServer:
    """The test registry. Port 0 means an ephemeral port, read back from :attr:`url`."""

    def __init__(self, root: Path | str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self._host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._failures: list[tuple[str, list[int], float | None]] = []
        self._hidden: list[str] = []
        self._delay = 0.0
        self._html_only = False
        self._scenarios: list[tuple[str, Scenario]] = []
        self.osv_page_size = 1000  # vulns per querybatch result before a next_page_token

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> RegistryServer:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self._host, self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"registry-server-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> RegistryServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("RegistryServer is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def pypi_index_url(self) -> str:
        return self.url + "/simple"

    @property
    def npm_registry_url(self) -> str:
        return self.url + "/npm/"

    # ------------------------------------------------------------------ test hooks

    def fail(self, path_prefix: str, statuses: Iterable[int] = (503, 429), retry_after: float | None = None) -> None:
        """Answer the next requests under `path_prefix` with `statuses`, one each, then normally."""
        with self._lock:
            self._failures.append((path_prefix, list(statuses), retry_after))

    def delay(self, seconds: float) -> None:
        """Wait `seconds` before every response (0 turns it off)."""
        with self._lock:
            self._delay = seconds

    def hide(self, path_prefix: str) -> None:
        """Answer 404 for every path under `path_prefix`, e.g. ``"/pypi/"`` turns the JSON API off."""
        with self._lock:
            self._hidden.append(path_prefix)

    def html_only(self, enabled: bool = True) -> None:
        """Make /simple ignore the PEP 691 JSON media types and always answer PEP 503 HTML."""
        with self._lock:
            self._html_only = enabled

    # Misbehaviour: each scenario answers every request (GET or POST) under its path prefix until reset().

    def misbehave(self, path_prefix: str, scenario: Scenario) -> None:
        """Answer every request under `path_prefix` with `scenario` (it writes the raw response itself)."""
        with self._lock:
            self._scenarios.append((path_prefix, scenario))

    def answer(self, path_prefix: str, body: bytes, *, status: int = 200, content_type: str = "application/json",
               headers: Iterable[tuple[str, str]] = ()) -> None:
        """A fixed answer, exactly as given: a malformed document, a body whose Content-Encoding lies."""
        self.misbehave(path_prefix, fixed(body, status=status, content_type=content_type, headers=headers))

    def redirect_loop(self, path_prefix: str) -> None:
        """Redirect every request to itself, for ever."""
        self.misbehave(path_prefix, lambda h: _write_head(h, 302, [("Location", h.path), ("Content-Length", "0")]))

    def redirect(self, path_prefix: str, to: str, status: int = 302) -> None:
        """Redirect to `to` + the rest of the path after `path_prefix` (e.g. another host name for this server)."""
        def go(h: _Handler) -> None:
            _write_head(h, status, [("Location", to + h.path[len(path_prefix):]), ("Content-Length", "0")])
        self.misbehave(path_prefix, go)

    def gzip_bomb(self, path_prefix: str, size: int = 2 * 1024**3, *, encoding: str = "gzip", fmt: str = "gzip") -> None:
        """A ``Content-Encoding: gzip`` body of about size/1000 bytes that inflates to `size` zero bytes (streamed);
        `fmt` "deflate" makes it a raw deflate stream (for ``Content-Encoding: deflate``)."""
        def go(h: _Handler) -> None:
            head, steady, repeat, tail = gzip_bomb_parts(size, fmt)
            _write_head(h, 200, [("Content-Type", "application/json"), ("Content-Encoding", encoding),
                                 ("Content-Length", str(len(head) + len(steady) * repeat + len(tail)))])
            h.wfile.write(head)
            for _ in range(repeat):
                h.wfile.write(steady)
            h.wfile.write(tail)
        self.misbehave(path_prefix, go)

    def drip(self, path_prefix: str, body: bytes = b'{"info": {}, "releases": {}}', interval: float = 5.0) -> None:
        """Send `body` one byte every `interval` seconds (each read is quick; the whole never is)."""
        def go(h: _Handler) -> None:
            _write_head(h, 200, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            for i in range(len(body)):
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
                time.sleep(interval)
        self.misbehave(path_prefix, go)

    def huge(self, path_prefix: str, size: int = 2 * 1024**3, fill: bytes = b" ", *, chunked: bool = False) -> None:
        """A body of `size` bytes of `fill` generated on the fly (with a Content-Length, or chunked)."""
        def go(h: _Handler) -> None:
            block = (fill * (65536 // len(fill) + 1))[:65536]
            if chunked:
                _write_head(h, 200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                sent = 0
                while sent < size:
                    part = block[:min(len(block), size - sent)]
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    sent += len(part)
                h.wfile.write(b"0\r\n\r\n")
                return
            _write_head(h, 200, [("Content-Type", "application/json"), ("Content-Length", str(size))])
            sent = 0
            while sent < size:
                part = block[:min(len(block), size - sent)]
                h.wfile.write(part)
                sent += len(part)
        self.misbehave(path_prefix, go)

    def truncate(self, path_prefix: str, body: bytes, keep: int, *, headers: Iterable[tuple[str, str]] = ()) -> None:
        """Announce `body` whole, send its first `keep` bytes, then close the connection."""
        def go(h: _Handler) -> None:
            _write_head(h, 200, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
            h.wfile.write(body[:keep])
        self.misbehave(path_prefix, go)

    def reset(self) -> None:
        """Clear every hook and the request log."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._hidden.clear()
            self._scenarios.clear()
            self._delay = 0.0
            self._html_only = False

    def requests_to(self, path_prefix: str) -> list[Request]:
        """The logged requests whose path starts with `path_prefix`."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # ------------------------------------------------------------------ request handling

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _scenario(self, raw_path: str, path: str) -> Scenario | None:
        with self._lock:
            return next((sc for prefix, sc in self._scenarios if raw_path.startswith(prefix) or path.startswith(prefix)), None)

    def _hook_response(self, raw_path: str, path: str) -> Response | None:
        def under(prefix: str) -> bool:
            return raw_path.startswith(prefix) or path.startswith(prefix)

        with self._lock:
            delay = self._delay
            failure: tuple[int, float | None] | None = None
            for prefix, statuses, retry_after in self._failures:
                if statuses and under(prefix):
                    failure = (statuses.pop(0), retry_after)
                    break
            self._failures = [f for f in self._failures if f[1]]
            hidden = any(under(p) for p in self._hidden)
        if delay:
            time.sleep(delay)
        if failure is not None:
            status, retry_after = failure
            headers = () if retry_after is None else (("Retry-After", _number(retry_after)),)
            return _json_response(status, {"message": HTTPStatus(status).phrase}, headers)
        if hidden:
            return _not_found(path)
        return None

    def _route(self, path: str, accept: str) -> Response:
        response = self._document(path, accept)
        if response.status == 200 and not path.startswith(layout.FILES_PREFIX):
            response = response._replace(body=layout.absolute_file_urls(response.body, self.url))
        return response

    def _document(self, path: str, accept: str) -> Response:
        parts = path.split("/")  # "/pypi/x/json" -> ["", "pypi", "x", "json"]
        if len(parts) < 2:
            return _not_found(path)
        top = parts[1]
        if top == layout.FILES_DIR:
            archive = layout.file_path(self.root, path)
            if archive is None or not archive.is_file():
                return _not_found(path)
            return Response(200, archive.read_bytes(), "application/octet-stream", (), archive.stat().st_mtime)
        if top == "pypi":
            return self._pypi(parts[2:])
        if top == "simple":
            return self._simple(path, parts[2:], accept)
        if top == "npm":
            return self._npm(path[len("/npm/"):], accept)
        if top == "v1" and len(parts) == 4 and parts[2] == "vulns":
            return self._osv_vuln(parts[3])
        return _not_found(path)

    # An OSV-compatible advisory service over <root>/osv/*.json: GET /v1/vulns/<id> and POST /v1/querybatch.
    # A query matches the records whose `affected[].versions` list the version (the service expands ranges
    # into those lists, as the public one does), so it answers independently of chainwarden's range matcher.

    def _osv_records(self) -> list[tuple[Path, dict[str, Any]]]:
        folder = self.root / "osv"
        return [(p, layout.load(p)) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []

    def _osv_vuln(self, vuln_id: str) -> Response:
        for path, doc in self._osv_records():
            if doc.get("id") == vuln_id:
                return _file_response(path)
        return _json_response(404, {"code": 5, "message": "Bug not found."})

    def _querybatch(self, body: bytes) -> Response:
        try:
            queries = json.loads(body)["queries"]
            assert isinstance(queries, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _json_response(400, {"code": 3, "message": "expected {\"queries\": [...]}"})
        records = [doc for _, doc in self._osv_records()]
        results = []
        for q in queries:
            package = q.get("package") or {}
            hits = [{"id": d["id"], "modified": d["modified"]} for d in records
                    if any((a.get("package") or {}).get("ecosystem") == package.get("ecosystem")
                           and (a.get("package") or {}).get("name") == package.get("name")
                           and q.get("version") in a.get("versions", []) for a in d.get("affected", []))]
            start = int(q.get("page_token") or 0)
            page = hits[start:start + self.osv_page_size]
            result: dict[str, Any] = {"vulns": page} if page else {}
            if start + self.osv_page_size < len(hits):
                result["next_page_token"] = str(start + self.osv_page_size)
            results.append(result)
        return _json_response(200, {"results": results})

    def _pypi(self, parts: list[str]) -> Response:
        # /pypi/<name>/json  or  /pypi/<name>/<version>/json
        if len(parts) == 2 and parts[1] == "json" or len(parts) == 3 and parts[2] == "json":
            name = parts[0]
            project_file = self._pypi_file(name)
            if project_file is None:
                return _pypi_not_found()
            if len(parts) == 2:
                return _file_response(project_file)
            version = parts[1]
            try:
                version_file = layout.pypi_version_path(self.root, name, version)
            except ValueError:
                return _pypi_not_found()
            if version_file.is_file():
                return _file_response(version_file)
            document = layout.pypi_version_document(layout.load(project_file), version)
            if document is None:
                return _pypi_not_found()
            return _json_response(200, document, mtime=project_file.stat().st_mtime)
        return _pypi_not_found()

    def _pypi_file(self, name: str) -> Path | None:
        if not layout.is_valid_pypi_name(name):
            return None
        path = layout.pypi_path(self.root, name)
        return path if path.is_file() else None

    def _simple(self, path: str, parts: list[str], accept: str) -> Response:
        with self._lock:
            html_only = self._html_only
        media_type = _negotiate(accept, html_only)
        if not parts:
            return _redirect("/simple/")
        if parts == [""]:
            names = layout.pypi_names(self.root)
            directory = self.root / layout.PYPI_DIR
            mtime = max((p.stat().st_mtime for p in directory.glob("*.json")), default=None)
            if media_type == layout.SIMPLE_JSON:
                return _json_response(200, layout.simple_index_json(names), content_type=media_type,
                                      mtime=mtime, vary=True)
            return _text_response(layout.simple_index_html(names), media_type, mtime)
        name = parts[0]
        if not layout.is_valid_pypi_name(name) or len(parts) > 2 or (len(parts) == 2 and parts[1]):
            return _not_found(path)
        normal = layout.normalise(name)
        if name != normal or len(parts) == 1:
            return _redirect(f"/simple/{normal}/")
        project_file = self._pypi_file(name)
        if project_file is None:
            return _not_found(path)
        project = layout.load(project_file)
        mtime = project_file.stat().st_mtime
        if media_type == layout.SIMPLE_JSON:
            return _json_response(200, layout.simple_project_json(project), content_type=media_type,
                                  mtime=mtime, vary=True)
        return _text_response(layout.simple_project_html(project), media_type, mtime)

    def _npm(self, rest: str, accept: str) -> Response:
        # rest is percent-decoded: "chalk", "chalk/4.1.2", "@types/node", "@types/node/latest"
        segments = rest.split("/")
        take = 2 if rest.startswith("@") else 1
        name, spec = "/".join(segments[:take]), "/".join(segments[take:])
        if not layout.is_valid_npm_name(name) or "/" in spec:
            return _npm_not_found()
        path = layout.npm_path(self.root, name)
        if not path.is_file():
            return _npm_not_found()
        mtime = path.stat().st_mtime
        if spec:
            manifest = layout.npm_version_document(layout.load(path), spec)
            if manifest is None:
                return _npm_not_found()
            return _json_response(200, manifest, mtime=mtime)
        if layout.NPM_ABBREVIATED in accept:
            return _json_response(200, layout.npm_abbreviated(layout.load(path)),
                                  content_type=layout.NPM_ABBREVIATED, mtime=mtime, vary=True)
        return _file_response(path, vary=True)


# ---------------------------------------------------------------------- responses


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _json_response(
    status: int, document: Any, headers: tuple[tuple[str, str], ...] = (), *,
    content_type: str = "application/json", mtime: float | None = None, vary: bool = False,
) -> Response:
    body = json.dumps(document, sort_keys=True).encode()
    if vary:
        headers += (("Vary", "Accept"),)
    return Response(status, body, content_type, headers, mtime)


def _text_response(text: str, media_type: str, mtime: float | None) -> Response:
    content_type = media_type if media_type != "text/html" else "text/html; charset=utf-8"
    return Response(200, text.encode(), content_type, (("Vary", "Accept"),), mtime)


def _file_response(path: Path, *, vary: bool = False) -> Response:
    headers = (("Vary", "Accept"),) if vary else ()
    return Response(200, path.read_bytes(), "application/json", headers, path.stat().st_mtime)


def _redirect(location: str) -> Response:
    return Response(301, b"", "text/plain", (("Location", location),))


def _pypi_not_found() -> Response:
    return _json_response(404, {"message": "Not Found"})


def _npm_not_found() -> Response:
    return _json_response(404, {"error": "Not found"})


def _not_found(path: str) -> Response:
    if path.startswith("/npm/"):
        return _npm_not_found()
    if path.startswith("/pypi/"):
        return _pypi_not_found()
    return Response(404, b"404 Not Found\n", "text/plain; charset=utf-8")


_SIMPLE_OFFERS = (  # server preference on ties: HTML first, so "*/*" and no Accept get PEP 503
    ("text/html", "text/html"),
    (layout.SIMPLE_HTML, layout.SIMPLE_HTML),
    ("application/vnd.pypi.simple.latest+html", layout.SIMPLE_HTML),
    (layout.SIMPLE_JSON, layout.SIMPLE_JSON),
    ("application/vnd.pypi.simple.latest+json", layout.SIMPLE_JSON),
)


def _negotiate(accept: str, html_only: bool) -> str:
    """Pick the /simple media type for an Accept header (RFC 9110 q-values; exact beats wildcard)."""
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        fields = [f.strip() for f in item.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    best: tuple[Any, ...] | None = None
    chosen = "text/html"
    for preference, (offer, served) in enumerate(_SIMPLE_OFFERS):
        if html_only and served == layout.SIMPLE_JSON:
            continue
        matches = []
        for position, (media_range, q) in enumerate(ranges):
            if media_range == offer:
                matches.append((2, -position, q))
            elif media_range == offer.split("/")[0] + "/*":
                matches.append((1, -position, q))
            elif media_range == "*/*":
                matches.append((0, -position, q))
        if not matches:
            continue
        specificity, neg_position, q = max(matches)  # the most specific range decides the q-value
        if q <= 0:
            continue
        rank = (q, specificity, neg_position, -preference)
        if best is None or rank > best:
            best, chosen = rank, served
    return chosen


def fixed(body: bytes, *, status: int = 200, content_type: str = "application/json",
          headers: Iterable[tuple[str, str]] = ()) -> Scenario:
    """A scenario answering `body` as given, with `headers` added as given (a lying Content-Encoding too)."""
    extra = list(headers)

    def go(h: _Handler) -> None:
        _write_head(h, status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra])
        h.wfile.write(body)
    return go


def _write_head(h: _Handler, status: int, headers: Iterable[tuple[str, str]]) -> None:
    h.send_response(status)
    for key, value in headers:
        h.send_header(key, value)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.flush()


@functools.cache
def gzip_bomb_parts(size: int, fmt: str = "gzip") -> tuple[bytes, bytes, int, bytes]:
    """A gzip (or raw deflate) stream of `size` zero bytes (rounded down to MiB) as head + steady * repeat +
    tail: every MiB block is compressed on its own (a full flush), so the middle is one ~1 KB block repeated
    and the whole is never held. A gzip trailer carries the true CRC-32 and length."""
    block = bytes(1 << 20)
    blocks = max(size // len(block), 3)
    c = zlib.compressobj(9, zlib.DEFLATED, 31 if fmt == "gzip" else -15)
    head = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    steady = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert steady == again, "a full flush should make every block of zeros compress the same"
    finish = c.flush(zlib.Z_FINISH)
    if fmt != "gzip":
        return head, steady, blocks - 1, finish
    crc = 0
    big = bytes(64 << 20)
    for _ in range(blocks // 64):
        crc = zlib.crc32(big, crc)
    for _ in range(blocks % 64):
        crc = zlib.crc32(block, crc)
    tail = finish[:-8] + struct.pack("<II", crc, (blocks * len(block)) & 0xFFFFFFFF)
    return head, steady, blocks - 1, tail


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def _not_modified(headers: Any, etag: str, mtime: float) -> bool:
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(mtime) <= since
    return False


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # a burst of client connections must not wait for SYN retries
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], registry: RegistryServer):
        self.registry = registry
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # a client hanging up is not a server problem; stay quiet
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with connection pools expect
    disable_nagle_algorithm = True  # headers and body go in two writes: no delayed-ACK stall
    server: _HTTPServer
    server_version = "chainwarden-test-registry"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _method_not_allowed(self) -> None:
        registry = self.server.registry
        registry._record(Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        self.close_connection = True
        body = b'{"message": "Method Not Allowed"}'
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _misbehave(self) -> bool:
        """Play the scenario set for this path, if any; the connection is closed afterwards."""
        raw_path = urllib.parse.urlsplit(self.path).path
        scenario = self.server.registry._scenario(raw_path, urllib.parse.unquote(raw_path))
        if scenario is None:
            return False
        self.server.registry._record(Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.close_connection = True
        scenario(self)
        return True

    def do_POST(self) -> None:
        if self._misbehave():
            return
        if urllib.parse.urlsplit(self.path).path != "/v1/querybatch":
            self._method_not_allowed()
            return
        registry = self.server.registry
        registry._record(Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(registry._hook_response("/v1/querybatch", "/v1/querybatch") or registry._querybatch(body), head=False)

    do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    def _serve(self, head: bool) -> None:
        if self._misbehave():
            return
        registry = self.server.registry
        registry._record(Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        raw_path = urllib.parse.urlsplit(self.path).path
        path = urllib.parse.unquote(raw_path)
        response = registry._hook_response(raw_path, path)
        if response is None:
            try:
                response = registry._route(path, self.headers.get("Accept", ""))
            except (OSError, ValueError) as exc:  # unreadable or invalid fixture: say so, don't hang
                response = _json_response(500, {"message": f"test registry: {exc}"})
        self._send(response, head)

    def _send(self, response: Response, head: bool) -> None:
        extra: list[tuple[str, str]] = list(response.headers)
        status, body = response.status, response.body
        if status == 200 and response.mtime is not None:
            etag = _etag(body)
            extra += [("ETag", etag), ("Last-Modified", email.utils.formatdate(response.mtime, usegmt=True))]
            if _not_modified(self.headers, etag, response.mtime):
                status, body = 304, b""
        self.send_response(status)
        for key, value in extra:
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.registry.server",
                                     description="Serve a registry snapshot directory on 127.0.0.1.")
    parser.add_argument("root", type=Path, help="snapshot directory (with pypi/ and npm/)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"{args.root}: not a directory")
    # Ctrl-C stops it even when it was started with SIGINT ignored (a shell's background job inherits that,
    # and Python then installs no KeyboardInterrupt handler of its own)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server = RegistryServer(args.root, port=args.port).start()
    print(f"serving {args.root} at {server.url}  (pip index: {server.pypi_index_url}, "
          f"npm registry: {server.npm_registry_url}); Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
