"""The test registry answers like the real indexes do, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .builder import pypi_project
from .make_data import PRIVATE_DATA, build, build_private, differences
from .server import RegistryServer

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def get(url: str, headers: dict[str, str] | None = None, *, method: str = "GET") -> tuple[int, Any, bytes]:
    """(status, headers, body) without raising on 3xx/4xx/5xx and without following redirects."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    status, _, body = get(url, headers)
    assert status == 200, (url, status, body[:200])
    return json.loads(body)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.anchors.append((self._open, data))
            self._open = None


def anchors(body: bytes) -> dict[str, dict[str, str | None]]:
    parser = _Anchors()
    parser.feed(body.decode())
    return {text: attrs for attrs, text in parser.anchors}


# ---------------------------------------------------------------------------- PyPI JSON API


def test_json_api_serves_the_project_document(registry: RegistryServer) -> None:
    doc = get_json(registry.url + "/pypi/requests/json")
    info = doc["info"]
    assert info["name"] == "requests"
    assert info["version"] == "2.32.5"
    assert {"2.31.0", "2.32.3", "2.32.4"} <= set(doc["releases"])
    assert any(r.startswith("urllib3") for r in info["requires_dist"])
    assert doc["ownership"]["roles"][0] == {"role": "Owner", "user": "nateprewitt"}
    assert doc["vulnerabilities"] == []
    wheel = next(f for f in doc["releases"]["2.31.0"] if f["packagetype"] == "bdist_wheel")
    assert wheel["filename"] == "requests-2.31.0-py3-none-any.whl"
    assert wheel["upload_time_iso_8601"].startswith("2023-05-22T15:12:")
    assert wheel["url"].startswith("https://index.invalid/packages/")
    assert wheel["url"].endswith("/" + wheel["filename"])
    assert len(wheel["digests"]["sha256"]) == 64
    assert {f["filename"] for f in doc["urls"]} == {f["filename"] for f in doc["releases"]["2.32.5"]}


def test_json_api_normalises_the_name(registry: RegistryServer) -> None:
    assert get_json(registry.url + "/pypi/Flask/json")["info"]["name"] == "Flask"
    assert get_json(registry.url + "/pypi/Markdown_It.Py/json")["info"]["name"] == "markdown-it-py"


def test_json_api_unknown_project_is_404(registry: RegistryServer) -> None:
    status, headers, body = get(registry.url + "/pypi/no-such-project/json")
    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "Not Found"}


def test_version_endpoint(registry: RegistryServer) -> None:
    doc = get_json(registry.url + "/pypi/requests/2.31.0/json")
    assert doc["info"]["version"] == "2.31.0"
    assert doc["info"]["requires_python"] == ">=3.7"
    assert "releases" not in doc
    assert {f["filename"] for f in doc["urls"]} == {"requests-2.31.0.tar.gz", "requests-2.31.0-py3-none-any.whl"}
    old = get_json(registry.url + "/pypi/requests/2.26.0/json")
    assert "urllib3<1.27,>=1.21.1" in old["info"]["requires_dist"], "each version keeps its own dependencies"
    yanked = get_json(registry.url + "/pypi/requests/2.32.0/json")
    assert yanked["info"]["yanked"] is True
    assert "CVE-2024-35195" in yanked["info"]["yanked_reason"]
    status, _, body = get(registry.url + "/pypi/requests/9.9.9/json")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_dormant_project_fixture(registry: RegistryServer) -> None:
    doc = get_json(registry.url + "/pypi/py-formatter-util/json")
    assert doc["info"]["author_email"] == "dev@lapsed-domain.test"
    assert [r["user"] for r in doc["ownership"]["roles"]] == ["maligna-victim"]
    assert doc["releases"]["1.2.1"][0]["upload_time_iso_8601"].startswith("2022-10-01")
    assert doc["releases"]["1.2.2"][0]["upload_time_iso_8601"].startswith("2026-11-14")


# ---------------------------------------------------------------------------- simple API


def test_simple_json_by_accept_header(registry: RegistryServer) -> None:
    for accept in (SIMPLE_JSON, PIP_ACCEPT):
        status, headers, body = get(registry.url + "/simple/six/", {"Accept": accept})
        assert status == 200
        assert headers["Content-Type"] == SIMPLE_JSON
        assert "Accept" in headers["Vary"]
    doc = json.loads(body)
    assert doc["meta"]["api-version"] == "1.1"
    assert doc["name"] == "six"
    assert doc["versions"] == ["1.12.0", "1.13.0", "1.14.0", "1.15.0", "1.16.0", "1.17.0"]
    files = {f["filename"]: f for f in doc["files"]}
    wheel = files["six-1.17.0-py2.py3-none-any.whl"]
    assert len(wheel["hashes"]["sha256"]) == 64
    assert wheel["requires-python"] == ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*"
    assert wheel["upload-time"].startswith("2024-12-04T")
    assert wheel["yanked"] is False and wheel["size"] > 0
    assert files["six-1.13.0.tar.gz"]["yanked"].startswith("Broken wheel")


def test_simple_html_by_default_and_on_request(registry: RegistryServer) -> None:
    for accept in (None, "text/html", "*/*", "application/vnd.pypi.simple.v1+html"):
        status, headers, body = get(registry.url + "/simple/six/", {"Accept": accept} if accept else {})
        assert status == 200, accept
        assert headers["Content-Type"].split(";")[0] in ("text/html", "application/vnd.pypi.simple.v1+html")
        links = anchors(body)
        sdist = links["six-1.17.0.tar.gz"]
        assert sdist["href"] is not None and "#sha256=" in sdist["href"]
        assert sdist["data-requires-python"] == ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*"  # unescaped by the parser
        assert "data-yanked" not in sdist
        assert links["six-1.13.0.tar.gz"]["data-yanked"].startswith("Broken wheel")  # type: ignore[union-attr]
    assert b"&gt;=2.7" in body


def test_simple_root_lists_every_project(registry: RegistryServer, registry_root: Path) -> None:
    expected = sorted(p.stem for p in (registry_root / "pypi").glob("*.json"))
    html_names = sorted(anchors(get(registry.url + "/simple/")[2]))
    assert html_names == expected
    doc = get_json(registry.url + "/simple/", {"Accept": SIMPLE_JSON})
    assert [p["name"] for p in doc["projects"]] == expected


def test_non_normalised_name_redirects(registry: RegistryServer) -> None:
    for asked in ("/simple/PySocks/", "/simple/Flask", "/simple/markdown_it.py/", "/simple/flask"):
        status, headers, _ = get(registry.url + asked)
        assert status == 301, asked
        assert headers["Location"] in ("/simple/pysocks/", "/simple/flask/", "/simple/markdown-it-py/")
    with urllib.request.urlopen(registry.url + "/simple/PySocks/", timeout=10) as followed:
        assert followed.status == 200 and followed.url.endswith("/simple/pysocks/")
    assert get(registry.url + "/simple/no-such-project/")[0] == 404


# ---------------------------------------------------------------------------- npm


def test_npm_packument(registry: RegistryServer) -> None:
    doc = get_json(registry.npm_registry_url + "chalk")
    assert doc["dist-tags"]["latest"] == "5.3.0"
    v = doc["versions"]["4.1.2"]
    assert v["dependencies"] == {"ansi-styles": "^4.1.0", "supports-color": "^7.1.0"}
    assert v["dist"]["tarball"] == "https://index.invalid/npm/chalk/-/chalk-4.1.2.tgz"
    assert v["dist"]["integrity"].startswith("sha512-")
    assert doc["time"]["4.1.2"].startswith("2021-07-30T")
    assert get_json(registry.npm_registry_url + "left-pad")["versions"]["1.3.0"]["deprecated"]


def test_npm_scoped_package_both_spellings(registry: RegistryServer) -> None:
    status, _, encoded = get(registry.npm_registry_url + "@types%2fnode")
    assert status == 200
    assert get(registry.npm_registry_url + "@types%2Fnode")[2] == encoded
    assert get(registry.npm_registry_url + "@types/node")[2] == encoded
    doc = json.loads(encoded)
    assert doc["name"] == "@types/node"
    assert doc["versions"]["20.11.30"]["dist"]["tarball"].endswith("/npm/@types/node/-/node-20.11.30.tgz")


def test_npm_unknown_package_is_404(registry: RegistryServer) -> None:
    for name in ("no-such-package", "@nobody%2fnothing", "chalk/9.9.9"):
        status, _, body = get(registry.npm_registry_url + name)
        assert (status, json.loads(body)) == (404, {"error": "Not found"}), name


def test_npm_version_and_abbreviated_documents(registry: RegistryServer) -> None:
    assert get_json(registry.npm_registry_url + "debug/latest")["version"] == "4.4.1"
    assert get_json(registry.npm_registry_url + "ms/2.1.3")["version"] == "2.1.3"
    status, headers, body = get(registry.npm_registry_url + "debug", {"Accept": "application/vnd.npm.install-v1+json"})
    assert status == 200 and headers["Content-Type"] == "application/vnd.npm.install-v1+json"
    corgi = json.loads(body)
    assert corgi["versions"]["4.4.1"]["dependencies"] == {"ms": "^2.1.3"}
    assert "maintainers" not in corgi["versions"]["4.4.1"]


# ---------------------------------------------------------------------------- caching


def test_etag_and_last_modified_round_trip(registry_hooks: RegistryServer) -> None:
    url = registry_hooks.url + "/pypi/click/json"
    status, headers, body = get(url)
    assert status == 200
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and len(etag) == 66
    assert last_modified.endswith("GMT")
    status, headers, body = get(url, {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert get(url, {"If-Modified-Since": last_modified})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    assert get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert [r.headers.get("if-none-match") for r in registry_hooks.requests_to("/pypi/click/")] == [
        None, etag, None, '"stale"', None]


def test_simple_etag_differs_by_representation(registry: RegistryServer) -> None:
    html_tag = get(registry.url + "/simple/idna/")[1]["ETag"]
    json_tag = get(registry.url + "/simple/idna/", {"Accept": SIMPLE_JSON})[1]["ETag"]
    assert html_tag != json_tag
    assert get(registry.url + "/simple/idna/", {"Accept": SIMPLE_JSON, "If-None-Match": json_tag})[0] == 304


# ---------------------------------------------------------------------------- hooks


def test_fail_returns_queued_statuses_then_the_answer(registry_hooks: RegistryServer) -> None:
    registry_hooks.fail("/pypi/idna/", [503, 429], retry_after=2)
    url = registry_hooks.url + "/pypi/idna/json"
    status, headers, _ = get(url)
    assert (status, headers["Retry-After"]) == (503, "2")
    assert get(url)[0] == 429
    assert get(url)[0] == 200
    assert get(url)[0] == 200
    registry_hooks.fail("/npm/", [500])
    assert get(registry_hooks.url + "/pypi/idna/json")[0] == 200, "other paths are untouched"
    assert get(registry_hooks.npm_registry_url + "ms")[0] == 500
    assert get(registry_hooks.npm_registry_url + "ms")[0] == 200


def test_hide_turns_a_path_off(registry_hooks: RegistryServer) -> None:
    registry_hooks.hide("/pypi/")
    status, _, body = get(registry_hooks.url + "/pypi/requests/json")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    assert get(registry_hooks.url + "/simple/requests/")[0] == 200, "the simple API still answers"
    registry_hooks.hide("/npm/@types/node")
    assert get(registry_hooks.npm_registry_url + "@types%2fnode")[0] == 404


def test_html_only_ignores_the_json_accept_type(registry_hooks: RegistryServer) -> None:
    registry_hooks.html_only()
    status, headers, body = get(registry_hooks.url + "/simple/idna/", {"Accept": PIP_ACCEPT})
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.pypi.simple.v1+html"
    assert "idna-3.10.tar.gz" in anchors(body)
    status, headers, _ = get(registry_hooks.url + "/simple/idna/", {"Accept": SIMPLE_JSON})
    assert headers["Content-Type"].startswith("text/html")


def test_delay_and_reset(registry_hooks: RegistryServer) -> None:
    registry_hooks.delay(0.3)
    started = time.monotonic()
    assert get(registry_hooks.url + "/pypi/mdurl/json")[0] == 200
    assert time.monotonic() - started >= 0.3
    registry_hooks.hide("/pypi/")
    registry_hooks.reset()
    assert registry_hooks.requests == []
    started = time.monotonic()
    assert get(registry_hooks.url + "/pypi/mdurl/json")[0] == 200
    assert time.monotonic() - started < 0.3


def test_head_and_other_methods(registry: RegistryServer) -> None:
    status, headers, body = get(registry.url + "/pypi/six/json", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert get(registry.url + "/pypi/six/json", method="POST")[0] == 405


# ---------------------------------------------------------------------------- data


def test_fixtures_written_while_running_are_served(tmp_registry: RegistryServer) -> None:
    from datetime import datetime

    url = tmp_registry.url + "/pypi/fresh-pkg/json"
    assert get(url)[0] == 404
    pypi_project(tmp_registry.root, "Fresh_Pkg", {"1.0": datetime(2024, 1, 1)})
    first = get(url)
    assert first[0] == 200 and json.loads(first[2])["info"]["version"] == "1.0"
    pypi_project(tmp_registry.root, "Fresh_Pkg", {"1.0": datetime(2024, 1, 1), "1.1": datetime(2026, 11, 20)})
    status, headers, body = get(url, {"If-None-Match": first[1]["ETag"]})
    assert status == 200 and json.loads(body)["info"]["version"] == "1.1"


def test_committed_data_matches_the_generator(registry_root: Path, tmp_path: Path) -> None:
    build(tmp_path)
    assert differences(tmp_path, registry_root) == [], "run: python -m tests.registry.make_data"


def test_committed_private_data_matches_the_generator(tmp_path: Path) -> None:
    build_private(tmp_path)
    assert differences(tmp_path, PRIVATE_DATA) == [], "run: python -m tests.registry.make_data"


def test_builder_output_is_stable(tmp_path: Path) -> None:
    build(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.json")}
    time.sleep(0.01)
    build(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.json")} == before


def test_runs_as_a_module(registry_root: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.registry.server", str(registry_root), "--port", "0"],
        cwd=root, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()
        # keep reading what it says, so that a full pipe can never stop it from exiting
        rest: list[str] = []
        drain = threading.Thread(target=lambda: rest.extend(process.stderr or ()), daemon=True)
        drain.start()
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert get_json(url + "/pypi/tomli/json")["info"]["name"] == "tomli"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert code == 0, "".join(rest)


def test_the_gzip_bomb_is_a_valid_gzip_stream_of_its_size() -> None:
    import gzip

    from .server import gzip_bomb_parts

    head, steady, repeat, tail = gzip_bomb_parts(8 * 1024**2)
    data = head + steady * repeat + tail
    assert len(data) < 16 * 1024 and gzip.decompress(data) == bytes(8 * 1024**2)  # CRC and length checked by gzip


def test_misbehaviour_hooks_answer_raw_and_reset_clears_them(registry_hooks: RegistryServer) -> None:
    registry_hooks.answer("/pypi/odd/", b"not json", status=200, headers=[("Content-Encoding", "gzip")])
    registry_hooks.redirect_loop("/pypi/loop/")
    status, headers, body = get(registry_hooks.url + "/pypi/odd/json")
    assert (status, headers["Content-Encoding"], body) == (200, "gzip", b"not json")
    status, headers, _ = get(registry_hooks.url + "/pypi/loop/json")
    assert status == 302 and headers["Location"] == "/pypi/loop/json"
    registry_hooks.reset()
    assert get(registry_hooks.url + "/pypi/odd/json")[0] == 404
