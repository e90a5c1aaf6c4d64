"""Real pip and uv against ``chainwarden serve`` while its upstream is stopped: what the index served before is
served again from its store, marked stale, and a project it never saw is "upstream unknown", not "no such project".

Its own upstream and index (one worker), because stopping the upstream would break the other modules' server.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.registry.server import RegistryServer
from tests.serve import scenario
from tests.serve.conftest import Index, start_index, stop_index
from tests.serve.test_clients import PIP, UV, installed, run
from tests.serve.test_faults import go_down

POLICY = scenario.INTERNAL_POLICY + "upstream-ttl = 0\nupstream-timeout = 1\n"  # every request asks upstream first


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryServer, Index]]:
    root = tmp_path_factory.mktemp("upstream")
    scenario.build(root, tmp_path_factory.mktemp("sources"))
    with RegistryServer(root) as upstream:
        index = start_index(tmp_path_factory.mktemp("index"), upstream.pypi_index_url, POLICY)
        try:
            yield upstream, index
        finally:
            stop_index(index)


def test_pip_and_uv_install_from_the_store_with_the_upstream_stopped(served: tuple[RegistryServer, Index],
                                                                     client_env: dict[str, str], tmp_path: Path) -> None:
    upstream, index = served
    install = [*PIP, "install", "--index-url", index.simple, "--only-binary", ":all:", "--no-deps"]
    r = run([*install, "--target", str(tmp_path / "before"), "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(tmp_path / "before") == {"steady-lib": "2.0.0"}
    go_down(upstream)
    page = httpx.get(index.simple + "steady-lib/", timeout=30)
    assert page.status_code == 200 and "upstream failed" in page.headers["x-chainwarden-stale"]
    r = run([*install, "--target", str(tmp_path / "after"), "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(tmp_path / "after") == {"steady-lib": "2.0.0"}
    r = run([UV, "pip", "install", "--python", sys.executable, "--index-url", index.simple, "--only-binary", ":all:",
             "--no-deps", "--target", str(tmp_path / "uv"), "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(tmp_path / "uv") == {"steady-lib": "2.0.0"}
    unknown = httpx.get(index.simple + "report-kit/", timeout=30)  # never asked before the upstream stopped
    assert unknown.status_code == 502 and "upstream could not answer" in unknown.text
    r = run([*install, "--target", str(tmp_path / "unknown"), "report-kit"], client_env)
    assert r.returncode != 0 and "No matching distribution found for report-kit" in r.stderr  # pip reports a 5xx page so
