"""pylock.toml (PEP 751): packages, hashes, index hints, sources, dependencies, group markers, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.python import pylock, requirements
from chainwarden.model import (
    Ecosystem,
    IndexHint,
    Project,
    Scope,
    SourceKind,
    SourceLocation,
)
from tests.helpers import FIXED_ENV as _ENV
from tests.helpers import by_name as _by_name
from tests.helpers import fixture, install_fixture
from tests.helpers import provenance as _provenance


def _collect(path: Path) -> CollectResult:
    return pylock.collect(path, CollectContext(display_base=path.parent, environment=_ENV))


def test_matches_pylock_and_named_pylocks() -> None:
    assert pylock.COLLECTOR.matches("pylock.toml")
    assert pylock.COLLECTOR.matches("pylock.dev.toml")
    assert not pylock.COLLECTOR.matches("pylock.a.b.toml")
    assert not pylock.COLLECTOR.matches("pylock.toml.bak")


@pytest.mark.parametrize("name", ["pylock.toml.basic", "pylock.toml.uv"])
def test_fixture_packages_and_hashes(name: str, tmp_path: Path) -> None:
    result = _collect(install_fixture(name, tmp_path))
    assert len(result.dependencies) == _provenance(name)["package_count"]
    assert result.skips == [] and result.edges == [] and result.files == ["pylock.toml"]
    assert all(d.locked and not d.direct and d.hashes for d in result.dependencies)
    assert all(h.startswith("sha256:") for d in result.dependencies for h in d.hashes)


def test_pip_lock_lines_and_wheel_hashes(tmp_path: Path) -> None:
    deps = _by_name(_collect(install_fixture("pylock.toml.basic", tmp_path)))
    assert deps["requests"].package.version == "2.34.2"
    assert deps["requests"].sources == (SourceLocation("pylock.toml", 48),)
    assert deps["certifi"].hashes == ("sha256:73191c47aaa79da394e8fee2dbc2ec827432cab56311122c9e47abf79e390f62",)
    assert deps["certifi"].source_kind is SourceKind.REGISTRY and deps["certifi"].source_url is None


def test_uv_export_index_hint_and_markers(tmp_path: Path) -> None:
    result = _collect(install_fixture("pylock.toml.uv", tmp_path))
    assert result.index_hints == [IndexHint("lock-index", "https://index.invalid/simple", SourceLocation("pylock.toml", 7))]
    deps = _by_name(result)
    assert deps["tomli"].marker == "python_full_version < '3.11'" and deps["tomli"].marker_applies is False
    assert deps["colorama"].marker_applies is False
    assert deps["click"].source_url == "https://index.invalid/simple"
    assert deps["charset-normalizer"].sources == (SourceLocation("pylock.toml", 14),)


def test_direct_comes_from_the_manifest_in_the_graph(tmp_path: Path) -> None:
    lock = _collect(install_fixture("pylock.toml.basic", tmp_path))
    manifest = requirements.collect(install_fixture("requirements.in.basic", tmp_path), CollectContext(display_base=tmp_path))
    project = Project(root=".", ecosystem=Ecosystem.PYPI, files=("requirements.in", "pylock.toml"), lockfiles=("pylock.toml",))
    graph = build_graph(project, [lock, manifest])
    assert {d.package.name for d in graph.direct()} == set(_provenance("pylock.toml.basic")["direct"])


def test_sources_root_dependencies_and_group_markers(tmp_path: Path) -> None:
    result = _collect(install_fixture("pylock.toml.sources", tmp_path))
    assert result.skips == []
    assert result.own_names == ["app"]
    deps = _by_name(result)
    assert "app" not in deps
    git = deps["internal-tool"]
    assert git.direct and git.source_kind is SourceKind.VCS
    assert git.source_url == "git+https://index.invalid/git/internal-tool.git@0123456789abcdef0123456789abcdef01234567"
    assert deps["wheel-from-url"].source_kind is SourceKind.URL and not deps["wheel-from-url"].direct
    assert deps["wheel-from-url"].hashes == ("sha256:" + "2" * 64,)
    local = deps["local-helper"]
    assert local.package.version is None and local.source_kind is SourceKind.PATH
    assert local.scope is Scope.DEV and local.marker_applies is True  # installed with the 'dev' group, checked as dev
    assert deps["pysocks"].scope is Scope.OPTIONAL
    numpy = {d.package.version: d for d in result.dependencies if d.package.name == "numpy"}
    assert numpy["2.1.0"].direct and not numpy["1.26.4"].direct  # the root names version 2.1.0
    edges = {(str(e.parent), str(e.child)) for e in result.edges}
    assert edges == {("internal-tool==1.4.0", "attrs==24.2.0"), ("internal-tool==1.4.0", "numpy==1.26.4")}
    assert [h.value for h in result.index_hints] == ["https://index.invalid/simple", "https://mirror.index.invalid/simple"]


def test_unknown_lock_version_is_read_with_a_skip(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(fixture("pylock.toml.basic").read_text().replace('lock-version = "1.0"', 'lock-version = "2.0"'))
    result = _collect(path)
    assert len(result.dependencies) == 6
    assert [s.what for s in result.skips] == ["pylock.toml:1"]


def test_truncated_file_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("pylock.toml.basic").read_text()
    path = tmp_path / "pylock.toml"
    path.write_text(text[: text.index('name = "idna"') + 10])
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where == SourceLocation("pylock.toml", 38)


def test_wrong_typed_entries_are_skips_and_the_rest_is_read(tmp_path: Path) -> None:
    text = fixture("pylock.toml.basic").read_text()
    text = text.replace('name = "click"\nversion = "8.5.1"', 'name = "click"\nversion = 8', 1)
    text = text.replace('name = "idna"\nversion = "3.20"', 'name = "idna"\nvcs = "git"', 1)
    text = text.replace('name = "urllib3"', 'name = ["urllib3"]', 1)
    path = tmp_path / "pylock.toml"
    path.write_text(text)
    result = _collect(path)
    assert {s.what for s in result.skips} == {"pylock.toml:26", "pylock.toml:37", "pylock.toml:59"}
    assert {d.package.name for d in result.dependencies} == {"certifi", "charset-normalizer", "requests"}
