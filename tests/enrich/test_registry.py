"""The registry layer against the test registry: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect import CollectContext, collect_paths
from chainwarden.enrich import EnrichOptions, enrich
from chainwarden.model import DependencyGraph, Ecosystem, PackageId
from tests.registry.server import RegistryServer


def _graphs(tmp_path: Path, requirements: str = "", package_json: str = "") -> list[DependencyGraph]:
    if requirements:
        (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    if package_json:
        (tmp_path / "package.json").write_text(package_json, encoding="utf-8")
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert skips == []
    return graphs


def _options(server: RegistryServer, tmp_path: Path, **kw: object) -> EnrichOptions:
    return EnrichOptions(
        index_url=server.pypi_index_url,
        npm_registry=server.npm_registry_url,
        cache_dir=tmp_path / "cache",
        backoff=0.01,
        **kw,  # type: ignore[arg-type]
    )


def test_json_api_gives_registry_facts(registry: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "requests==2.32.3\nno-such-package-here==1.0\n")
    out = enrich(graphs, _options(registry, tmp_path))
    assert [s for s in out.skips if s.what not in ("owners", "advisories")] == []  # owner changes untracked; no advisory data
    facts = out.graphs[0].facts
    req = facts[PackageId(Ecosystem.PYPI, "requests", "2.32.3")]
    assert req.exists and req.source == "json-api"
    assert req.version_exists is True and req.version_released is not None
    assert req.release_count >= 3 and req.first_release < req.last_release
    assert req.latest_version is not None
    missing = facts[PackageId(Ecosystem.PYPI, "no-such-package-here", "1.0")]
    assert missing.exists is False and missing.version_exists is False


def test_falls_back_to_pep691_then_pep503(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "requests==2.32.3\n")
    registry_hooks.hide("/pypi/")
    out = enrich(graphs, _options(registry_hooks, tmp_path, use_cache=False))
    f = out.graphs[0].facts[PackageId(Ecosystem.PYPI, "requests", "2.32.3")]
    assert f.source == "simple-json" and f.version_released is not None and f.version_exists
    registry_hooks.html_only()
    out = enrich(graphs, _options(registry_hooks, tmp_path, use_cache=False))
    f = out.graphs[0].facts[PackageId(Ecosystem.PYPI, "requests", "2.32.3")]
    assert f.source == "simple-html" and f.version_exists and f.release_count >= 3


def test_retries_429_and_5xx_then_succeeds(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "idna==3.10\n")
    registry_hooks.fail("/pypi/idna/", [503, 429])
    out = enrich(graphs, _options(registry_hooks, tmp_path, use_cache=False))
    assert [s for s in out.skips if s.what not in ("owners", "advisories")] == []  # owner changes untracked; no advisory data
    assert len(registry_hooks.requests_to("/pypi/idna/")) == 3


def test_gives_up_with_a_skip_not_a_clean_result(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "idna==3.10\n")
    registry_hooks.fail("/pypi/idna/", [503] * 10)
    out = enrich(graphs, _options(registry_hooks, tmp_path, use_cache=False, retries=2))
    assert [s.what for s in out.skips] == ["pypi:idna", "advisories"]  # and no advisory data loaded
    assert "503" in out.skips[0].reason
    assert out.graphs[0].facts == {}


def test_cache_revalidates_with_etag_and_serves_offline(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "click==8.1.7\n")
    enrich(graphs, _options(registry_hooks, tmp_path))
    first = registry_hooks.requests_to("/pypi/click/")
    assert len(first) == 1
    # Fresh within the TTL: no request at all.
    enrich(graphs, _options(registry_hooks, tmp_path))
    assert len(registry_hooks.requests_to("/pypi/click/")) == 1
    # TTL passed: a conditional request, answered 304.
    out = enrich(graphs, _options(registry_hooks, tmp_path, ttl=0))
    again = registry_hooks.requests_to("/pypi/click/")
    assert len(again) == 2 and any(k.lower() == "if-none-match" for k in again[-1].headers)
    assert out.graphs[0].facts[PackageId(Ecosystem.PYPI, "click", "8.1.7")].exists
    # Offline: answered from the cache, nothing sent; a name never fetched is listed.
    graphs2 = _graphs(tmp_path, "click==8.1.7\nsix==1.16.0\n")
    out = enrich(graphs2, _options(registry_hooks, tmp_path, offline=True))
    assert len(registry_hooks.requests_to("/pypi/")) == 2
    assert [(s.what, s.reason) for s in out.skips if s.what != "advisories"] == [("pypi:six", "not in the cache (offline)")]


def test_npm_documents_and_scoped_names(registry: RegistryServer, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, package_json='{"dependencies": {"chalk": "4.1.2", "@types/node": "*", "no-such-pkg-xyz": "1.0.0"}}')
    out = enrich(graphs, _options(registry, tmp_path))
    facts = out.graphs[0].facts
    chalk = facts[PackageId(Ecosystem.NPM, "chalk", "4.1.2")]
    assert chalk.exists and chalk.version_exists and chalk.maintainers and chalk.version_released is not None
    assert facts[PackageId(Ecosystem.NPM, "@types/node", None)].exists
    assert facts[PackageId(Ecosystem.NPM, "no-such-pkg-xyz", "1.0.0")].exists is False


def test_snapshot_directory_answers_without_network(registry_root: Path, tmp_path: Path) -> None:
    graphs = _graphs(tmp_path, "requests==2.32.3\nnot-there==1\n")
    out = enrich(graphs, EnrichOptions(snapshot=registry_root))
    assert out.requests_made == 0
    facts = out.graphs[0].facts
    assert facts[PackageId(Ecosystem.PYPI, "requests", "2.32.3")].source == "snapshot"
    assert facts[PackageId(Ecosystem.PYPI, "not-there", "1")].exists is False


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"info": 3}'])
def test_malformed_registry_document_is_a_skip(tmp_path: Path, body: bytes) -> None:
    snap = tmp_path / "snap"
    (snap / "pypi").mkdir(parents=True)
    (snap / "pypi" / "broken.json").write_bytes(body)
    graphs = _graphs(tmp_path, "broken==1.0\n")
    out = enrich(graphs, EnrichOptions(snapshot=snap))
    assert [s.what for s in out.skips] == ["pypi:broken", "advisories"]  # and no advisory data loaded
    assert "broken.json" in out.skips[0].reason
