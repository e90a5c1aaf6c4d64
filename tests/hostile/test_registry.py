"""Hostile index answers (issue 12): whatever an index, a file host or an advisory service sends, the run
goes on, the package it was about is one Skip naming the URL and saying what was wrong, and time and
memory stay bounded.

Every answer is built here by a generator and served by the test registry's misbehaviour hooks
(tests/registry/server.py) on 127.0.0.1; every scan is the real CLI (`chainwarden scan`, `inspect
NAME==VERSION`). Short `--timeout` values keep the deadline cases to seconds (the whole-request deadline
is 3 x --timeout for an answer, 15 x for an artifact). Peak memory is measured in child processes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chainwarden.cli.main import main
from chainwarden.enrich.documents import MAX_JSON_VALUES
from chainwarden.enrich.http import DEFAULT_MAX_RESPONSE_BYTES
from tests.hostile._child import bounded, run_cli
from tests.registry.server import RegistryServer

MIB = 1024**2
TIMEOUT = "1"  # --timeout: per-read timeout 1 s, whole-request deadline 3 s
BOUND_SECONDS = 60.0  # generous: a loaded 2-core CI machine
RSS_BOUND_MIB = 1024  # peak RSS of a child scan fed every hostile answer at once


# ---------------------------------------------------------------------------------------- answers


def dumps(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def pypi_doc(versions: tuple[str, ...] = ("1.0",), **info: Any) -> dict[str, Any]:
    return {
        "info": {"version": versions[-1], "author_email": "dev@example.test", **info},
        "releases": {v: [{"filename": f"pkg-{v}.tar.gz", "url": f"/files/pkg-{v}.tar.gz",
                          "digests": {"sha256": "0" * 64}, "upload_time_iso_8601": "2024-01-02T03:04:05Z"}]
                     for v in versions},
        "ownership": {"roles": [{"role": "Owner", "user": "alice"}]},
    }


def npm_doc(versions: tuple[str, ...] = ("1.0.0",)) -> dict[str, Any]:
    return {
        "name": "pkg",
        "versions": {v: {"name": "pkg", "version": v, "dist": {"tarball": f"/files/pkg-{v}.tgz"}} for v in versions},
        "time": {v: "2024-01-02T03:04:05Z" for v in versions},
        "dist-tags": {"latest": versions[-1]},
        "maintainers": [{"name": "alice", "email": "alice@example.test"}],
    }


def simple_json(files: Any, versions: Any = None) -> bytes:
    doc: dict[str, Any] = {"meta": {"api-version": "1.1"}, "name": "pkg", "files": files}
    if versions is not None:
        doc["versions"] = versions
    return dumps(doc)


def deep(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def long_number(digits: int = 5000) -> bytes:
    return b"9" * digits


def gzip_of(data: bytes) -> bytes:
    import gzip
    return gzip.compress(data)


def wrong_types_pypi() -> bytes:
    """Every field of a PyPI project document with a type it should not have."""
    return dumps({
        "info": {"version": 7, "author_email": ["x"], "maintainer_email": {"a": 1}, "project_urls": ["nope"],
                 "home_page": 12, "classifiers": "License :: MIT", "license": {"x": 1}, "license_expression": 5,
                 "project_status": ["archived"], "author": None},
        "releases": {"1.0": "not a list", "1.1": [1, "two", None, {"filename": 3}, {"filename": "pkg-1.1.tar.gz",
                     "url": 5, "digests": [], "size": "big", "yanked": {"y": 1}, "upload_time_iso_8601": 17}],
                     "1.2": [{"filename": "pkg-1.2.tar.gz", "url": "/files/pkg-1.2.tar.gz", "digests": {"sha256": 9},
                              "upload_time": "not a date", "yanked_reason": ["r"], "yanked": True}]},
        "ownership": {"roles": [1, {"user": 2}, {"user": "alice"}], "organization": {"x": 1}},
        "project-status": {"status": 3, "reason": []},
    })


def wrong_types_npm() -> bytes:
    """Every field of an npm packument with a type it should not have."""
    return dumps({
        "versions": {"1.0.0": "a string", "1.1.0": {"dist": "x", "maintainers": {"a": 1}, "_npmUser": ["u"],
                     "repository": 5, "license": ["MIT"], "deprecated": 3},
                     "1.2.0": {"dist": {"tarball": 7, "integrity": [], "shasum": {}}, "maintainers": [1, {"name": 2}],
                               "repository": {"url": ["x"], "directory": 3}, "license": {"type": 4}}},
        "time": ["2024"], "dist-tags": {"latest": 3}, "maintainers": "alice", "repository": {"url": 1},
        "license": {"type": ["MIT"]},
    })


@dataclass(frozen=True)
class Case:
    """One hostile answer for one package: `setup(server, path)` installs it on the package's URL path."""

    id: str
    api: str  # "pypi" (JSON API), "simple-json" (PEP 691), "simple-html" (PEP 503), "npm"
    setup: Callable[[RegistryServer, str], None]
    expect: str  # in the Skip's reason; "" : the answer is odd but readable, and no Skip is expected

    @property
    def name(self) -> str:
        return f"h-{self.id}-z"  # "-z": no name is the prefix of another

    @property
    def path(self) -> str:
        """The URL path chainwarden asks for this package (the hook's prefix)."""
        return {"pypi": f"/pypi/{self.name}/", "simple-json": f"/simple/{self.name}/",
                "simple-html": f"/simple/{self.name}/", "npm": f"/npm/{self.name}"}[self.api]

    @property
    def url_path(self) -> str:
        return self.path + ("json" if self.api == "pypi" else "")


def body(data: bytes, **kw: Any) -> Callable[[RegistryServer, str], None]:
    return lambda s, p: s.answer(p, data, **kw)


def html(text: str | bytes) -> Callable[[RegistryServer, str], None]:
    data = text.encode() if isinstance(text, str) else text
    return lambda s, p: s.answer(p, data, content_type="text/html")


def cross_host(doc: bytes) -> Callable[[RegistryServer, str], None]:
    """Redirect to the same server under another host name (localhost for 127.0.0.1), serving `doc` there."""
    def setup(s: RegistryServer, p: str) -> None:
        target = "/elsewhere" + p
        s.answer(target, doc)
        s.redirect(p, f"http://localhost:{s.port}{target}")
    return setup


GZ = [("Content-Encoding", "gzip")]
PROTOCOL = "connection failed"  # a retried transport failure, named in the Skip
DEADLINE = "(the whole-request deadline)"
DRIP = b'{"info": {}, "releases": {}, "padding": "' + b"." * 100 + b'"}'  # 65 s at one byte every 0.5 s

CASES = [
    # -------------------------------------------------------------- PyPI JSON API: transport and encoding
    Case("loop", "pypi", lambda s, p: s.redirect_loop(p), "more than 10 redirects"),
    Case("cross", "pypi", cross_host(dumps(pypi_doc())), "redirected to another host, localhost"),
    Case("to-file", "pypi", lambda s, p: s.redirect(p, "file:///etc/passwd#"), "not an http(s) URL"),
    Case("bad-location", "pypi", lambda s, p: s.redirect(p, "http://[::1"), "invalid URL"),
    Case("bad-gzip", "pypi", body(b"this is not gzip", headers=GZ), "not valid gzip data"),
    Case("bad-deflate", "pypi", body(b"\x00\xffnot deflate", headers=[("Content-Encoding", "deflate")]),
         "not valid deflate data"),
    Case("brotli", "pypi", body(b"\x8b\x02\x80hello\x03", headers=[("Content-Encoding", "br")]), "which was not asked for"),
    Case("double-gzip", "pypi", body(gzip_of(gzip_of(dumps(pypi_doc()))), headers=[("Content-Encoding", "gzip, gzip")]), ""),
    Case("cut-gzip", "pypi", body(gzip_of(dumps(pypi_doc()))[:20], headers=GZ), "ends before its compressed data does"),
    Case("bomb", "pypi", lambda s, p: s.gzip_bomb(p), f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed (after decompression)"),
    Case("deflate-bomb", "pypi", lambda s, p: s.gzip_bomb(p, encoding="deflate", fmt="deflate"),
         f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed (after decompression)"),
    Case("huge", "pypi", lambda s, p: s.huge(p), f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed"),
    Case("huge-chunked", "pypi", lambda s, p: s.huge(p, chunked=True), f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed"),
    Case("drip", "pypi", lambda s, p: s.drip(p, DRIP, interval=0.5), DEADLINE),
    Case("cut-body", "pypi", lambda s, p: s.truncate(p, dumps(pypi_doc()) * 50, 40), PROTOCOL),
    Case("hang-up", "pypi", lambda s, p: s.misbehave(p, lambda h: None), PROTOCOL),
    Case("not-http", "pypi", lambda s, p: s.misbehave(p, lambda h: h.wfile.write(b"SSH-2.0-OpenSSH\r\n\r\n")), PROTOCOL),
    Case("500-nan", "pypi", body(b"{}", status=500, headers=[("Retry-After", "nan")]), "HTTP 500"),
    Case("teapot", "pypi", lambda s, p: s.misbehave(p, lambda h: h.wfile.write(
        b"HTTP/1.1 418 \x1b[31mI am a teapot\x1b[0m\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")), "HTTP 418"),
    # -------------------------------------------------------------- PyPI JSON API: documents
    Case("empty", "pypi", body(b""), "unparseable data"),
    Case("not-json", "pypi", body(b"<html>maintenance</html>"), "unparseable data"),
    Case("bad-utf8", "pypi", body(b'{"info": {"version": "\xff\xfe"}, "releases": {}}'), "unparseable data"),
    Case("array", "pypi", body(b"[1, 2, 3]"), "expected a JSON object"),
    Case("deep", "pypi", body(deep()), "nested deeper than can be read"),
    Case("deep-inside", "pypi", body(b'{"info": {"x": ' + deep() + b'}, "releases": {}}'), "nested deeper than can be read"),
    Case("big-number", "pypi", body(b'{"info": {}, "releases": {}, "last_serial": ' + long_number() + b"}"),
         "a number of more than 4300 digits"),
    Case("big-float", "pypi", body(b'{"info": {}, "releases": {}, "x": 1' + b"0" * 400 + b'.5e99999}'), ""),
    Case("big-version", "pypi", body(dumps(pypi_doc(("1.0", "1" * 5000)))), "a version of 5000 characters"),
    Case("many-values", "pypi", body(b'{"info": {}, "releases": {}, "x": [' + b"0," * MAX_JSON_VALUES + b"0]}"),
         f"at most {MAX_JSON_VALUES} are read"),
    Case("shape", "pypi", body(dumps({"info": [], "releases": []})), "expected 'info' and 'releases' objects"),
    Case("types", "pypi", body(wrong_types_pypi()), ""),
    Case("null-doc", "pypi", body(b"null"), "expected a JSON object"),
    Case("redos-email", "pypi", body(dumps(pypi_doc(author_email="a" * 1_000_000, maintainer_email="x@" + "a." * 2000))), ""),
    Case("redos-urls", "pypi", body(dumps(pypi_doc(project_urls={"Home": "http://" + "git." * 250_000, "x" * 100_000: "y"},
                                                   home_page="https://" + "a." * 500_000))), ""),
    Case("many-owners", "pypi", body(dumps({**pypi_doc(), "ownership": {"roles": [{"user": f"u{i}"} for i in range(100_000)]}})), ""),
    Case("many-versions", "pypi", body(dumps(pypi_doc(tuple(f"1.{i}" for i in range(100_000))))), ""),
    Case("escape-version", "pypi", body(dumps(pypi_doc(("1.0", "2.0\x1b[2J\x1b]8;;http://evil.invalid\x07")))), ""),
    # -------------------------------------------------------------- PEP 691 JSON simple page
    Case("sj-deep", "simple-json", body(b'{"files": ' + deep() + b"}"), "nested deeper than can be read"),
    Case("sj-files", "simple-json", body(simple_json({"a": 1})), "expected a 'files' list"),
    Case("sj-types", "simple-json", body(simple_json([1, None, {"filename": 5}, {"filename": "pkg-1.0.tar.gz", "url": 3,
                                                         "hashes": [], "yanked": {"r": 1}, "upload-time": 9, "size": "x"}],
                                                        versions=["1.0"])), ""),
    Case("sj-version", "simple-json", body(simple_json([], versions=["1.0", "1" * 5000])), "a version of 5000 characters"),
    Case("sj-version-type", "simple-json", body(simple_json([], versions=["1.0", {"v": 1}])), "expected a version string"),
    Case("sj-filename", "simple-json", body(simple_json([{"filename": "pkg-" + "1" * 5000 + ".tar.gz", "url": "/f"},
                                                         {"filename": "x" * 1_000_000, "url": "/g"}])), ""),
    Case("sj-big-number", "simple-json", body(b'{"files": [], "x": ' + long_number() + b"}"), "more than 4300 digits"),
    Case("sj-huge", "simple-json", lambda s, p: s.huge(p, fill=b"{"), f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed"),
    Case("sj-bomb", "simple-json", lambda s, p: s.gzip_bomb(p), "after decompression"),
    Case("sj-loop", "simple-json", lambda s, p: s.redirect_loop(p), "more than 10 redirects"),
    # -------------------------------------------------------------- PEP 503 HTML simple page
    Case("sh-angles", "simple-html", html("<" * 2_000_000), ""),
    Case("sh-nested", "simple-html", html('<a href="/f/pkg-1.0.tar.gz">' + "x<b>" * 300_000 + "</a>"), ""),
    Case("sh-unclosed", "simple-html", html("<!--" + "<a href='x'>" * 100_000), ""),
    Case("sh-versions", "simple-html", html("".join(f'<a href="/f/pkg-1.{"1" * 5000}.tar.gz">pkg-1.{"1" * 5000}.tar.gz</a>'
                                                    for _ in range(50))), ""),
    Case("sh-bytes", "simple-html", html(b'<a href="/f/pkg-1.0.tar.gz">\xff\xfe\x00pkg-1.0.tar.gz</a>'), ""),
    Case("sh-bomb", "simple-html", lambda s, p: s.gzip_bomb(p), "after decompression"),
    Case("sh-drip", "simple-html", lambda s, p: s.drip(p, DRIP, interval=0.5), DEADLINE),
    # -------------------------------------------------------------- npm packuments
    Case("npm-nonsemver", "npm", body(dumps(npm_doc(("1.0.0", "latest")))), "is not a semantic version"),
    Case("npm-leading-zero", "npm", body(dumps(npm_doc(("1.0.0", "01.2.3")))), "is not a semantic version"),
    Case("npm-escape", "npm", body(dumps(npm_doc(("1.0.0", "1.0.0-\x1b[31mred")))), "\\x1b[31mred"),
    Case("npm-big-version", "npm", body(dumps(npm_doc(("1.0.0", "1." + "1" * 5000 + ".0")))), "a version of 5004 characters"),
    Case("npm-long-semver", "npm", body(dumps(npm_doc(("1.0.0", "1.0.0-" + "a" * 300)))), "a version of 306 characters"),
    Case("npm-versions-list", "npm", body(dumps({"versions": ["1.0.0"]})), "expected a 'versions' object"),
    Case("npm-types", "npm", body(wrong_types_npm()), ""),
    Case("npm-latest", "npm", body(dumps({**npm_doc(), "dist-tags": {"latest": "9" * 5000}})), "a version of 5000 characters"),
    Case("npm-many-people", "npm", body(dumps({**npm_doc(), "maintainers": [{"name": f"m{i}", "email": f"m{i}@example.test"}
                                                                            for i in range(100_000)]})), ""),
    Case("npm-many-versions", "npm", body(dumps(npm_doc(tuple(f"1.0.{i}" for i in range(100_000))))), ""),
    Case("npm-deep", "npm", body(b'{"versions": {"1.0.0": ' + deep() + b"}}"), "nested deeper than can be read"),
    Case("npm-big-number", "npm", body(b'{"versions": {}, "x": -' + long_number() + b"}"), "more than 4300 digits"),
    Case("npm-bomb", "npm", lambda s, p: s.gzip_bomb(p), "after decompression"),
    Case("npm-huge", "npm", lambda s, p: s.huge(p, fill=b"[1,"), f"larger than the {DEFAULT_MAX_RESPONSE_BYTES} bytes allowed"),
    Case("npm-cross", "npm", cross_host(dumps(npm_doc())), "redirected to another host, localhost"),
    Case("npm-cut", "npm", lambda s, p: s.truncate(p, dumps(npm_doc()) * 20, 100), PROTOCOL),
]
assert len({c.name for c in CASES}) == len(CASES)
assert not any(a.path != b.path and b.path.startswith(a.path) for a in CASES for b in CASES)
BY_ID = {c.id: c for c in CASES}


# ---------------------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """One registry answering every case at once (they never share a path)."""
    root = tmp_path_factory.mktemp("hostile-registry")
    (root / "pypi").mkdir()
    (root / "npm").mkdir()
    with RegistryServer(root) as server:
        for case in CASES:
            case.setup(server, case.path)
        yield server


def project(directory: Path, cases: list[Case]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    python = [c for c in cases if c.api != "npm"]
    npm = [c for c in cases if c.api == "npm"]
    if python:
        (directory / "requirements.txt").write_text("".join(f"{c.name}==1.0\n" for c in python), encoding="utf-8")
    if npm:
        (directory / "package.json").write_text(json.dumps({"name": "victim", "version": "1.0.0", "dependencies":
                                                            {c.name: "1.0.0" for c in npm}}), encoding="utf-8")
    return directory


def scan_args(server: RegistryServer, directory: Path, *extra: str, timeout: str = TIMEOUT) -> list[str]:
    return ["scan", str(directory), "--format", "json", "--no-progress", "--no-dns", "--index-url", server.pypi_index_url,
            "--npm-registry", server.npm_registry_url, "--cache-dir", str(directory / "cache"), "--timeout", timeout, *extra]


def skips_for(report: dict[str, Any], case: Case) -> list[str]:
    """The reasons of every Skip about the case's package or its URL."""
    what = f"{'npm' if case.api == 'npm' else 'pypi'}:{case.name}"
    return [s["reason"] for s in report["skipped"] if s["what"] == what or case.url_path in s["what"]]


def timeout_for(case: Case) -> str:
    """A case about the size cap reads 256 MiB first: on a loaded machine that can take longer than the 3 s deadline
    of --timeout 1, and the deadline's Skip would hide the reason the case looks for."""
    return "10" if "bytes allowed" in case.expect else TIMEOUT


def check(case: Case, report: dict[str, Any]) -> None:
    reasons = skips_for(report, case)
    if case.expect:
        assert any(case.expect in r and case.url_path in r for r in reasons), (case.id, reasons)
        assert not any("internal error" in r for r in reasons), reasons
    else:
        assert reasons == [], (case.id, reasons)
    for r in reasons:
        assert "\x1b" not in r and "\x07" not in r, r  # attacker text is escaped


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_hostile_answer_is_one_skip_naming_the_url(
    case: Case, hostile: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = project(tmp_path / "p", [case])
    started = time.monotonic()
    code = main(scan_args(hostile, directory, timeout=timeout_for(case)))
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code in (0, 1, 3), (code, err)
    check(case, json.loads(out))
    assert elapsed < BOUND_SECONDS, elapsed
    if case.expect == DEADLINE:
        assert "within 3 s" in skips_for(json.loads(out), case)[0]  # 3 x --timeout 1


def test_every_hostile_answer_at_once_in_one_scan_bounded_in_time_and_memory(hostile: RegistryServer, tmp_path: Path) -> None:
    """The whole catalogue in one child scan: the answers are read concurrently (bombs and huge bodies too),
    and the scan ends with every package a Skip or its facts, within the bounds. Documents are parsed on the
    event loop, one at a time (memory), so the deadline here is longer (30 s): the largest take seconds to read,
    and a request waiting meanwhile would only end at its deadline, which hides the reason a case looks for."""
    directory = project(tmp_path / "all", CASES)
    child = run_cli(scan_args(hostile, directory, timeout="10"))
    code, out, err, elapsed = child.code, child.stdout, child.stderr, child.seconds
    print(f"\nall {len(CASES)} hostile answers at once: {elapsed:.1f} s, peak RSS {child.peak_mib} MiB")
    assert code in (0, 1, 3), err
    report = json.loads(out)
    for case in CASES:
        check(case, report)
    assert elapsed < 240, elapsed
    bounded(child, RSS_BOUND_MIB)


@pytest.mark.parametrize("case_id", ["bomb", "huge", "npm-bomb"])
def test_a_bomb_or_a_huge_body_alone_stays_far_below_the_memory_bound(
    case_id: str, hostile: RegistryServer, tmp_path: Path
) -> None:
    case = BY_ID[case_id]
    directory = project(tmp_path / "p", [case])
    child = run_cli(scan_args(hostile, directory, timeout=timeout_for(case)))
    code, out, err, elapsed = child.code, child.stdout, child.stderr, child.seconds
    print(f"\n{case_id}: {elapsed:.1f} s, peak RSS {child.peak_mib} MiB")
    assert code in (0, 1, 3), err
    check(case, json.loads(out))
    assert elapsed < BOUND_SECONDS
    bounded(child, 700)  # the cap is 256 MiB: the body, and no copy of it


def test_a_cross_host_answer_is_used_cached_with_where_it_came_from_and_reported_again_offline(
    hostile: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = BY_ID["cross"]
    directory = project(tmp_path / "p", [case])
    for extra in ((), ("--offline",)):
        code = main(scan_args(hostile, directory, *extra))
        report = json.loads(capsys.readouterr().out)
        assert code in (0, 1, 3)
        check(case, report)
        package = next(p for p in report["packages"] if p["name"] == case.name)
        assert package["registry"]["exists"] is True  # its answer was used


# ---------------------------------------------------------------------------------------- artifacts


@pytest.fixture
def artifact_index(tmp_path: Path) -> Iterator[RegistryServer]:
    """An index whose one project lists a file at /files/h_art-1.0.tar.gz: each test makes that URL hostile."""
    root = tmp_path / "registry"
    (root / "pypi").mkdir(parents=True)
    (root / "npm").mkdir()
    doc = pypi_doc()
    doc["releases"]["1.0"][0].update(filename="h_art-1.0.tar.gz", url="/files/h_art-1.0.tar.gz")
    doc["releases"]["1.0"][0].pop("digests")
    (root / "pypi" / "h-art.json").write_text(json.dumps(doc), encoding="utf-8")
    with RegistryServer(root) as server:
        yield server


def inspect_args(server: RegistryServer, cache: Path, timeout: str = TIMEOUT) -> list[str]:
    return ["inspect", "h-art==1.0", "--format", "json", "--index-url", server.pypi_index_url, "--cache-dir", str(cache),
            "--timeout", timeout]


@pytest.mark.parametrize("kind, expect", [
    ("loop", "more than 10 redirects"),
    ("drip", "within 4.5 s (the whole-request deadline)"),
    ("cut", PROTOCOL),
    ("bad-gzip", "not valid gzip data"),
    ("hang-up", PROTOCOL),
])
def test_a_hostile_artifact_download_is_a_skip(
    kind: str, expect: str, artifact_index: RegistryServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "/files/h_art-1.0.tar.gz"
    timeout = TIMEOUT
    if kind == "loop":
        artifact_index.redirect_loop(path)
    elif kind == "drip":
        artifact_index.drip(path, b"\x1f\x8b" + b"\0" * 200, interval=0.1)
        timeout = "0.3"  # the download deadline is 15 x --timeout: 4.5 s; each byte comes well within 0.3 s
    elif kind == "cut":
        artifact_index.truncate(path, b"\0" * 100_000, 1000)
    elif kind == "bad-gzip":
        artifact_index.answer(path, b"plain bytes", headers=GZ, content_type="application/octet-stream")
    else:
        artifact_index.misbehave(path, lambda h: None)
    started = time.monotonic()
    code = main(inspect_args(artifact_index, tmp_path / "cache", timeout))
    elapsed = time.monotonic() - started
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    assert any(expect in s["reason"] and path in s["reason"] for s in doc["not_checked"]), doc["not_checked"]
    assert elapsed < BOUND_SECONDS


def test_an_artifact_gzip_bomb_stops_at_the_artifact_cap_in_bounded_memory(artifact_index: RegistryServer, tmp_path: Path) -> None:
    artifact_index.gzip_bomb("/files/h_art-1.0.tar.gz", 2 * 1024**3)
    child = run_cli(inspect_args(artifact_index, tmp_path / "cache"))
    code, out, err, elapsed = child.code, child.stdout, child.stderr, child.seconds
    print(f"\nartifact bomb: {elapsed:.1f} s, peak RSS {child.peak_mib} MiB")
    assert code == 3, err
    reasons = [s["reason"] for s in json.loads(out)["not_checked"]]
    assert any("larger than the 1073741824 bytes allowed (after decompression)" in r for r in reasons), reasons
    assert not list((tmp_path / "cache").rglob(".download-*"))  # the partial download is removed
    bounded(child, 400)  # streamed to disk: never in memory


def test_an_artifact_redirected_to_another_host_is_downloaded_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "registry"
    (root / "pypi").mkdir(parents=True)
    (root / "files").mkdir()
    import io
    import tarfile
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        member = tarfile.TarInfo("h_art-1.0/setup.py")
        text = b"from setuptools import setup\nsetup(name='h-art')\n"
        member.size = len(text)
        tar.addfile(member, io.BytesIO(text))
    (root / "files" / "real.tar.gz").write_bytes(data.getvalue())
    doc = pypi_doc()
    doc["releases"]["1.0"][0].update(filename="h_art-1.0.tar.gz", url="/files/h_art-1.0.tar.gz")
    import hashlib
    doc["releases"]["1.0"][0]["digests"] = {"sha256": hashlib.sha256(data.getvalue()).hexdigest()}
    (root / "pypi" / "h-art.json").write_text(json.dumps(doc), encoding="utf-8")
    with RegistryServer(root) as server:
        server.redirect("/files/h_art-1.0.tar.gz", f"http://localhost:{server.port}/files/real.tar.gz")
        code = main(inspect_args(server, tmp_path / "cache"))
    doc_out = json.loads(capsys.readouterr().out)
    assert code == 0, doc_out
    assert doc_out["not_checked"] == []


# ---------------------------------------------------------------------------------------- OSV querybatch


@pytest.fixture
def osv_index(tmp_path: Path) -> Iterator[RegistryServer]:
    """An index with one ordinary package (h-osv 1.0) whose querybatch / vulns answers each test makes hostile."""
    root = tmp_path / "registry"
    (root / "pypi").mkdir(parents=True)
    (root / "npm").mkdir()
    (root / "pypi" / "h-osv.json").write_text(json.dumps(pypi_doc()), encoding="utf-8")
    with RegistryServer(root) as server:
        yield server


def osv_record(**over: Any) -> dict[str, Any]:
    return {"id": "GHSA-h0st-1111-2222", "modified": "2024-01-01T00:00:00Z", "summary": "test",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "h-osv"}, "versions": ["1.0"]}], **over}


QUERY = "/v1/querybatch"
VULN = "/v1/vulns/"
OSV_CASES: list[tuple[str, Callable[[RegistryServer], None], str]] = [
    ("deep", lambda s: s.answer(QUERY, b'{"results": ' + deep() + b"}"), "nested deeper than can be read"),
    ("big-number", lambda s: s.answer(QUERY, b'{"results": [' + long_number() + b"]}"), "more than 4300 digits"),
    ("not-list", lambda s: s.answer(QUERY, dumps({"results": {"a": 1}})), "expected 1 results, got dict"),
    ("wrong-count", lambda s: s.answer(QUERY, dumps({"results": [{}, {}]})), "expected 1 results, got 2"),
    ("vulns-int", lambda s: s.answer(QUERY, dumps({"results": [{"vulns": 5, "next_page_token": 7}]})), ""),
    ("bomb", lambda s: s.gzip_bomb(QUERY), "after decompression"),
    ("loop", lambda s: s.redirect_loop(QUERY), "more than 10 redirects"),
    ("drip", lambda s: s.drip(QUERY, b'{"results": [{}]}', interval=0.5), "whole-request deadline"),
    ("html", lambda s: s.answer(QUERY, b"<html>", content_type="text/html"), "unparseable data"),
    ("many-ids", lambda s: s.answer(QUERY, dumps({"results": [{"vulns": [{"id": f"X-{i}"} for i in range(5000)]}]})),
     "named more than 1000 advisories"),
    ("traversal-id", lambda s: (s.answer(QUERY, dumps({"results": [{"vulns": [{"id": "../../etc/passwd"}, {"id": "x" * 10_000}]}]})),
                                s.answer(VULN + "..%2F..%2Fetc%2Fpasswd", dumps(osv_record(id="../../etc/passwd")))), ""),
    ("record-deep", lambda s: (s.answer(QUERY, dumps({"results": [{"vulns": [{"id": "GHSA-h0st-1111-2222"}]}]})),
                               s.answer(VULN, b'{"id": ' + deep() + b"}")), "nested deeper than can be read"),
    ("record-types", lambda s: (s.answer(QUERY, dumps({"results": [{"vulns": [{"id": "GHSA-h0st-1111-2222"}]}]})),
                                s.answer(VULN, dumps(osv_record(affected=[{"package": 5, "ranges": "x"}])))), "expected a list"),
    ("record-version", lambda s: (s.answer(QUERY, dumps({"results": [{"vulns": [{"id": "GHSA-h0st-1111-2222"}]}]})),
                                  s.answer(VULN, dumps(osv_record(affected=[{"package": {"ecosystem": "PyPI", "name": "h-osv"},
                                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1" * 5000}]}]}])))), ""),
]


@pytest.mark.parametrize("case_id, setup, expect", OSV_CASES, ids=[c[0] for c in OSV_CASES])
def test_a_hostile_advisory_service_is_a_skip(
    case_id: str, setup: Callable[[RegistryServer], None], expect: str, osv_index: RegistryServer, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup(osv_index)
    directory = tmp_path / "p"
    directory.mkdir()
    (directory / "requirements.txt").write_text("h-osv==1.0\n", encoding="utf-8")
    started = time.monotonic()
    code = main(scan_args(osv_index, directory, "--osv-url", osv_index.url))
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code in (0, 1, 3), err
    reasons = [s["reason"] for s in json.loads(out)["skipped"] if s["what"] in ("advisories", "pypi:h-osv", "pkg:pypi/h-osv@1.0")]
    if expect:
        assert any(expect in r for r in reasons), reasons
    assert not any("internal error" in r or "\x1b" in r for r in reasons), reasons
    assert elapsed < BOUND_SECONDS


# ---------------------------------------------------------------------------------------- data update


def test_data_update_from_a_url_is_bounded_like_any_answer(
    osv_index: RegistryServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    osv_index.gzip_bomb("/popular.csv")
    osv_index.redirect_loop("/loop.csv")
    for path, expect in (("/popular.csv", "after decompression"), ("/loop.csv", "more than 10 redirects")):
        code = main(["data", "update", osv_index.url + path, "--ecosystem", "pypi"])
        err = capsys.readouterr().err
        assert code == 2 and expect in err and path in err, err
