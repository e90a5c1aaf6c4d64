"""The index's HTTP answers, exactly: PEP 503/691 negotiation, PEP 700/658/714/592/792 fields, the JSON API,
files, uploads and the admin API (the app in this process; upstream is the scenario's test registry)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.registry.server import RegistryServer
from tests.serve import scenario
from tests.serve.conftest import LocalIndex

JSON = "application/vnd.pypi.simple.v1+json"
Check = Callable[[Any, httpx.AsyncClient], Awaitable[None]]


def with_index(tmp: Path, upstream: RegistryServer | None, check: Check, policy: str = scenario.INTERNAL_POLICY,
               local: LocalIndex | None = None) -> None:
    local = local or LocalIndex(tmp, upstream.pypi_index_url if upstream else None, policy)

    async def go() -> None:
        async with local as (app, client):
            await check(app, client)

    asyncio.run(go())


def upstream_files(upstream: RegistryServer, name: str, version: str) -> list[dict[str, Any]]:
    return list(json.loads((upstream.root / "pypi" / f"{name}.json").read_text())["releases"][version])


def test_content_negotiation(tmp_path: Path, upstream: RegistryServer) -> None:
    async def check(app: Any, client: httpx.AsyncClient) -> None:
        for accept, expected in ((None, "text/html"), ("*/*", "text/html"), (JSON, JSON),
                                 ("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.v1+html"),
                                 (f"{JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", JSON),
                                 ("application/vnd.pypi.simple.latest+json", JSON),
                                 ("text/html;q=0.9, application/vnd.pypi.simple.v1+json;q=0.1", "text/html")):
            r = await client.get("/simple/steady-lib/", headers={"Accept": accept} if accept else {})
            assert r.status_code == 200, accept
            assert r.headers["content-type"] == expected, accept
            assert r.headers["vary"] == "Accept"
        r = await client.get("/simple/steady-lib/", headers={"Accept": "application/json"})
        assert r.status_code == 406 and r.headers["vary"] == "Accept"

    with_index(tmp_path, upstream, check)


def test_pages_pass_upstream_fields_through_and_leave_held_releases_out(tmp_path: Path, upstream: RegistryServer) -> None:
    async def check(app: Any, client: httpx.AsyncClient) -> None:
        r = await client.get("/simple/steady-lib/", headers={"Accept": JSON})
        page = r.json()
        assert page["meta"]["api-version"] == "1.4"
        assert page["versions"] == ["2.0.0"]
        [f] = page["files"]
        [up] = upstream_files(upstream, "steady-lib", "2.0.0")
        assert f["filename"] == up["filename"] and f["hashes"] == {"sha256": up["digests"]["sha256"]}
        assert f["size"] == up["size"] and f["upload-time"] == up["upload_time_iso_8601"]  # upstream's, not ours
        assert f["url"] == f"../../files/{up['digests']['sha256']}/{up['filename']}" and f["yanked"] is False
        assert "cooldown" in page["_chainwarden"]["held"]["2.1.0"][0]
        assert r.headers["cache-control"] == "max-age=60"
        html = (await client.get("/simple/steady-lib/")).text
        assert f'href="../../files/{up["digests"]["sha256"]}/{up["filename"]}#sha256={up["digests"]["sha256"]}"' in html
        assert "2.1.0.tar.gz" not in html and "steady_lib-2.1.0" not in html.split("<body>")[1]

    with_index(tmp_path, upstream, check)


def test_etag_redirects_and_head(tmp_path: Path, upstream: RegistryServer) -> None:
    async def check(app: Any, client: httpx.AsyncClient) -> None:
        r = await client.get("/simple/steady-lib/")
        again = await client.get("/simple/steady-lib/", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        moved = await client.get("/simple/Steady_Lib/")
        assert moved.status_code == 301 and moved.headers["location"] == "http://index.test/simple/steady-lib/"
        assert (await client.get("/simple/steady-lib")).headers["location"] == "http://index.test/simple/steady-lib/"
        head = await client.head("/simple/steady-lib/")
        assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(r.content))
        assert (await client.get("/simple/")).status_code == 200

    with_index(tmp_path, upstream, check)


def test_files_are_immutable_and_checked(tmp_path: Path, upstream: RegistryServer) -> None:
    [up] = upstream_files(upstream, "steady-lib", "2.0.0")
    sha = up["digests"]["sha256"]

    async def check(app: Any, client: httpx.AsyncClient) -> None:
        r = await client.get(f"/files/{sha}/{up['filename']}")
        assert r.status_code == 200
        assert hashlib.sha256(r.content).hexdigest() == sha
        assert r.headers["etag"] == f'"{sha}"' and r.headers["content-length"] == str(up["size"])
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await client.get(f"/files/{sha}/{up['filename']}", headers={"If-None-Match": f'"{sha}"'})).status_code == 304
        assert (await client.get(f"/files/{'0' * 64}/{up['filename']}")).status_code == 404

    with_index(tmp_path, upstream, check)


def test_a_file_whose_bytes_do_not_match_upstreams_digest_is_never_sent(tmp_path: Path, upstream: RegistryServer) -> None:
    [up] = upstream_files(upstream, "steady-lib", "2.0.0")

    async def check(app: Any, client: httpx.AsyncClient) -> None:
        await client.get("/simple/steady-lib/")
        upstream.answer(f"/files/{up['filename']}", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
        try:
            r = await client.get(f"/files/{up['digests']['sha256']}/{up['filename']}")
        finally:
            upstream.reset()
        assert r.status_code == 403 and "digest mismatch" in r.text

    with_index(tmp_path, upstream, check)


def test_json_api_is_filtered_like_the_pages(tmp_path: Path, upstream: RegistryServer) -> None:
    async def check(app: Any, client: httpx.AsyncClient) -> None:
        doc = (await client.get("/pypi/steady-lib/json")).json()
        assert list(doc["releases"]) == ["2.0.0"] and doc["info"]["version"] == "2.0.0"
        [f] = doc["urls"]
        assert f["url"].startswith("http://index.test/files/") and f["digests"]["sha256"] in f["url"]
        held = await client.get("/pypi/steady-lib/2.1.0/json")
        assert held.status_code == 404 and "held by chainwarden" in held.text
        one = (await client.get("/pypi/steady-lib/2.0.0/json")).json()
        assert one["info"]["version"] == "2.0.0" and len(one["urls"]) == 1

    with_index(tmp_path, upstream, check)


async def settled(client: httpx.AsyncClient, path: str, seconds: float = 30) -> Any:
    """The JSON page once no release on it waits for its analysis (the analysis runs beside the requests)."""
    for _ in range(int(seconds * 10)):
        page = (await client.get(path, headers={"Accept": JSON})).json()
        pending = [r for rs in page.get("_chainwarden", {}).get("held", {}).values() for r in rs if "analysed" in r]
        if not pending:
            return page
        await asyncio.sleep(0.1)
    return page


def _upload_form(name: str, version: str, data: bytes, **extra: str) -> dict[str, Any]:
    fields = {":action": "file_upload", "protocol_version": "1", "name": name, "version": version,
              "filetype": "bdist_wheel", "pyversion": "py3", "metadata_version": "2.1",
              "sha256_digest": hashlib.sha256(data).hexdigest(), **extra}
    return fields


def test_uploads_and_their_pep_658_metadata(tmp_path: Path) -> None:
    local = LocalIndex(tmp_path, None)
    token = local.token("upload")
    wheel = scenario.wheel_of(tmp_path / "src", tmp_path / "dist", "acme-billing", "1.0", scenario.TODAY)
    data = wheel.read_bytes()
    auth = httpx.BasicAuth("__token__", token)

    async def check(app: Any, client: httpx.AsyncClient) -> None:
        def post(fields: dict[str, Any], content: bytes = data, name: str = wheel.name, **kw: Any) -> Awaitable[httpx.Response]:
            return client.post("/legacy/", data=fields, files={"content": (name, content, "application/octet-stream")}, **kw)

        assert (await post(_upload_form("acme-billing", "1.0", data))).status_code == 401
        bad = await post(_upload_form("acme-billing", "1.0", data, sha256_digest="0" * 64), auth=auth)
        assert bad.status_code == 400 and "sha256_digest" in bad.text
        wrong = await post(_upload_form("acme-billing", "2.0", data), auth=auth)
        assert wrong.status_code == 400 and "is not a file of acme-billing '2.0'" in wrong.text
        ok = await post(_upload_form("acme-billing", "1.0", data), auth=auth)
        assert ok.status_code == 200, ok.text
        assert (await post(_upload_form("acme-billing", "1.0", data), auth=auth)).status_code == 409
        page = (await client.get("/simple/acme-billing/", headers={"Accept": JSON})).json()
        [f] = page["files"]
        assert page["_chainwarden"] == {"internal": True} and f["hashes"]["sha256"] == hashlib.sha256(data).hexdigest()
        metadata = await client.get("/simple/acme-billing/" + f["url"] + ".metadata")
        assert metadata.status_code == 200 and b"Name: acme-billing" in metadata.content
        assert hashlib.sha256(metadata.content).hexdigest() == f["core-metadata"]["sha256"]
        assert (await client.get("/simple/acme-billing/" + f["url"])).content == data

    with_index(tmp_path, None, check, local=local)


def test_admin_api_approves_a_held_release_with_an_author_reason_and_expiry(tmp_path: Path, upstream: RegistryServer) -> None:
    local = LocalIndex(tmp_path, upstream.pypi_index_url)
    admin = {"Authorization": f"Bearer {local.token('admin')}"}

    async def check(app: Any, client: httpx.AsyncClient) -> None:
        assert (await client.get("/simple/steady-lib/", headers={"Accept": JSON})).json()["versions"] == ["2.0.0"]
        assert (await client.get("/-/admin/held")).status_code == 401
        held = (await client.get("/-/admin/held", headers=admin)).json()
        assert any(h["project"] == "steady-lib" and h["version"] == "2.1.0" for h in held)
        refused = await client.post("/-/admin/change", headers=admin, json={"kind": "approve", "spec": "steady-lib==2.1.0",
                                                                            "author": "ana", "reason": "reviewed"})
        assert refused.status_code == 400 and "--expires" in refused.text
        done = await client.post("/-/admin/change", headers=admin, json={
            "kind": "approve", "spec": "steady-lib==2.1.0", "author": "ana", "reason": "reviewed the diff", "expires": "2099-01-01"})
        assert done.status_code == 200, done.text
        page = await settled(client, "/simple/steady-lib/")  # approved, and analysed (nothing is served unread)
        assert page["versions"] == ["2.0.0", "2.1.0"], page
        events = (await client.post("/-/admin/audit", headers=admin, json={"project": "steady-lib"})).json()
        kinds = [e["event"] for e in events]
        assert "approved" in kinds and "released" in kinds
        released = next(e for e in events if e["event"] == "released")
        assert released["actor"] == "override" and "ana's approval (reviewed the diff)" in released["reasons"][0]

    with_index(tmp_path, upstream, check, local=local)


def test_reads_can_require_a_token(tmp_path: Path, upstream: RegistryServer) -> None:
    local = LocalIndex(tmp_path, upstream.pypi_index_url, scenario.INTERNAL_POLICY + "require-read-token = true\n")
    token = local.token("read")

    async def check(app: Any, client: httpx.AsyncClient) -> None:
        assert (await client.get("/simple/steady-lib/")).status_code == 401
        assert (await client.get("/simple/steady-lib/", auth=httpx.BasicAuth("__token__", token))).status_code == 200

    with_index(tmp_path, upstream, check, local=local)
