"""Upstream down, slow or failing: cached pages and files are served and marked stale, an expired answer never
becomes a 500, and "upstream unknown" (502) is never "upstream says 404" (404). Each test has its own upstream
server (stopped, slowed or failing on purpose) and the app in this process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.registry.server import RegistryServer
from tests.serve import scenario
from tests.serve.conftest import LocalIndex

JSON = "application/vnd.pypi.simple.v1+json"
POLICY = scenario.INTERNAL_POLICY + "upstream-ttl = 0\nupstream-timeout = 0.5\n"  # every request asks upstream again


@pytest.fixture
def own_upstream(tmp_path: Path) -> Iterator[RegistryServer]:
    root = tmp_path / "upstream"
    scenario.build(root, tmp_path / "sources")
    with RegistryServer(root) as server:
        yield server


def test_upstream_down_serves_the_cached_page_and_file_marked_stale(tmp_path: Path, own_upstream: RegistryServer) -> None:
    [up] = json.loads((own_upstream.root / "pypi" / "steady-lib.json").read_text())["releases"]["2.0.0"]
    file_path = f"/files/{up['digests']['sha256']}/{up['filename']}"

    async def check(client: httpx.AsyncClient) -> None:
        fresh = await client.get("/simple/steady-lib/", headers={"Accept": JSON})
        assert fresh.status_code == 200 and "x-chainwarden-stale" not in fresh.headers
        assert (await client.get(file_path)).status_code == 200
        go_down(own_upstream)
        stale = await client.get("/simple/steady-lib/", headers={"Accept": JSON})
        assert stale.status_code == 200
        assert stale.headers["x-chainwarden-stale"].startswith("upstream failed (")  # refused, or a kept-alive connection closed
        assert stale.json()["versions"] == ["2.0.0"] and "upstream failed" in stale.json()["_chainwarden"]["stale"]
        assert stale.headers["cache-control"] == "max-age=0"
        got = await client.get(file_path)
        assert got.status_code == 200 and len(got.content) == up["size"]
        unknown = await client.get("/simple/never-asked-before/")
        assert unknown.status_code == 502 and "no earlier answer is cached" in unknown.text

    run(tmp_path, own_upstream, check)
    events = [json.loads(line) for line in (tmp_path / "store" / "audit.jsonl").read_text().splitlines()]
    assert any(e["event"] == "stale" and e["project"] == "steady-lib" for e in events)


def test_upstream_5xx_and_slow_answers_serve_stale(tmp_path: Path, own_upstream: RegistryServer) -> None:
    async def check(client: httpx.AsyncClient) -> None:
        assert (await client.get("/simple/report-kit/")).status_code == 200
        own_upstream.fail("/simple/report-kit/", [503, 503, 503, 503])
        failing = await client.get("/simple/report-kit/")
        assert failing.status_code == 200 and "HTTP 503" in failing.headers["x-chainwarden-stale"]
        own_upstream.reset()
        own_upstream.delay(2.0)  # past upstream-timeout (0.5 s): a timeout, not a refusal
        try:
            slow = await client.get("/simple/report-kit/")
        finally:
            own_upstream.reset()
        assert slow.status_code == 200 and "timed out" in slow.headers["x-chainwarden-stale"]
        again = await client.get("/simple/report-kit/")
        assert "x-chainwarden-stale" not in again.headers

    run(tmp_path, own_upstream, check)


def test_upstream_404_is_not_upstream_unknown(tmp_path: Path, own_upstream: RegistryServer) -> None:
    async def check(client: httpx.AsyncClient) -> None:
        missing = await client.get("/simple/no-such-project/")
        assert missing.status_code == 404 and "upstream has no project no-such-project (HTTP 404)" in missing.text
        go_down(own_upstream)
        still = await client.get("/simple/no-such-project/")  # upstream's 404 is cached like any answer
        assert still.status_code == 404

    run(tmp_path, own_upstream, check)


def test_a_malformed_or_huge_upstream_page_is_bounded(tmp_path: Path, own_upstream: RegistryServer) -> None:
    async def check(client: httpx.AsyncClient) -> None:
        own_upstream.answer("/simple/bad-page/", b'{"files": 7}', content_type=JSON)
        bad = await client.get("/simple/bad-page/")
        assert bad.status_code == 502 and "malformed project page" in bad.text
        own_upstream.gzip_bomb("/simple/bomb/")
        bomb = await client.get("/simple/bomb/")
        assert bomb.status_code == 502 and "larger than" in bomb.text

    run(tmp_path, own_upstream, check, scenario.INTERNAL_POLICY + "upstream-timeout = 20\n")


def go_down(server: RegistryServer) -> None:
    """Stop the upstream: connections kept alive from before are closed at their next request, new ones refused."""
    server.misbehave("/", lambda handler: None)
    server.stop()


def run(tmp_path: Path, upstream: RegistryServer, check: Any, policy: str = POLICY) -> None:
    local = LocalIndex(tmp_path, upstream.pypi_index_url, policy)

    async def go() -> None:
        async with local as (_app, client):
            await check(client)

    asyncio.run(go())
