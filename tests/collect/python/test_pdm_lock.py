"""pdm.lock: packages, groups and scopes, edges from requirement strings, extras entries, sources, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.python import pdm_lock, pyproject
from chainwarden.model import Ecosystem, Project, Scope, SourceKind, SourceLocation
from tests.helpers import FIXED_ENV as _ENV
from tests.helpers import by_name as _by_name
from tests.helpers import fixture, install_fixture
from tests.helpers import provenance as _provenance


def _collect(path: Path) -> CollectResult:
    return pdm_lock.collect(path, CollectContext(display_base=path.parent, environment=_ENV))


def test_matches_only_pdm_lock() -> None:
    assert pdm_lock.COLLECTOR.matches("pdm.lock")
    assert not pdm_lock.COLLECTOR.matches("pdm.toml")


def test_basic_packages_versions_lines_and_hashes(tmp_path: Path) -> None:
    result = _collect(install_fixture("pdm.lock.basic", tmp_path))
    deps = _by_name(result)
    assert len(result.dependencies) == _provenance("pdm.lock.basic")["package_count"] == 15
    assert result.skips == [] and result.files == ["pdm.lock"]
    assert deps["requests"].package.version == "2.34.2"
    assert deps["requests"].sources == (SourceLocation("pdm.lock", 302),)
    assert deps["certifi"].sources == (SourceLocation("pdm.lock", 13),)
    assert all(d.locked and not d.direct for d in result.dependencies)
    assert all(d.hashes and all(h.startswith("sha256:") for h in d.hashes) for d in result.dependencies)


def test_basic_groups_and_markers(tmp_path: Path) -> None:
    deps = _by_name(_collect(install_fixture("pdm.lock.basic", tmp_path)))
    assert deps["click"].scope is Scope.RUNTIME and deps["click"].groups == ("default",)
    assert deps["pluggy"].scope is Scope.DEV and deps["pluggy"].groups == ("dev",)
    assert deps["tomli"].marker == 'python_version < "3.11"' and deps["tomli"].marker_applies is False


def test_basic_edges_from_requirement_strings(tmp_path: Path) -> None:
    result = _collect(install_fixture("pdm.lock.basic", tmp_path))
    pairs = {(e.parent.name, e.child.name) for e in result.edges}
    assert {tuple(e) for e in _provenance("pdm.lock.basic")["edges"]} <= pairs
    assert len(pairs) == 12
    versions = {str(e.child) for e in result.edges if e.parent.name == "requests"}
    assert versions == {"certifi==2026.10.18", "charset-normalizer==3.5.2", "idna==3.20", "urllib3==2.8.0"}


def test_direct_comes_from_pyproject_in_the_graph(tmp_path: Path) -> None:
    lock = _collect(install_fixture("pdm.lock.basic", tmp_path))
    manifest = pyproject.collect(install_fixture("pyproject.toml.pdm", tmp_path), CollectContext(display_base=tmp_path))
    project = Project(root=".", ecosystem=Ecosystem.PYPI, files=("pyproject.toml", "pdm.lock"), lockfiles=("pdm.lock",))
    graph = build_graph(project, [lock, manifest], manifest.own_names)
    runtime_direct = {d.package.name for d in graph.direct() if d.scope is Scope.RUNTIME}
    assert runtime_direct == set(_provenance("pdm.lock.basic")["direct"])


def test_extras_entries_fold_into_the_package_and_sources(tmp_path: Path) -> None:
    result = _collect(install_fixture("pdm.lock.sources", tmp_path))
    assert result.skips == []
    requests = [d for d in result.dependencies if d.package.name == "requests"]
    assert len(requests) == 1
    (req,) = requests
    assert req.extras == ("socks",)
    assert req.sources == (SourceLocation("pdm.lock", 11), SourceLocation("pdm.lock", 24))
    deps = _by_name(result)
    git = deps["internal-tool"]
    assert git.source_kind is SourceKind.VCS and git.scope is Scope.DEV
    assert git.source_url == "git+https://index.invalid/git/internal-tool.git@0123456789abcdef0123456789abcdef01234567"
    url = deps["wheel-from-url"]
    assert url.source_kind is SourceKind.URL and url.marker_applies is True
    local = deps["local-helper"]
    assert local.source_kind is SourceKind.PATH and local.editable and local.scope is Scope.DEV
    edges = {(e.parent.name, e.child.name) for e in result.edges}
    # requests[socks] adds requests -> pysocks; its dependency on requests itself is no edge.
    assert edges == {("requests", "urllib3"), ("requests", "pysocks"), ("internal-tool", "requests")}


def test_truncated_file_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("pdm.lock.basic").read_text()
    path = tmp_path / "pdm.lock"
    path.write_text(text[: text.index('"iniconfig>=2",') + 5])
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where.file == "pdm.lock" and isinstance(info.value.where.line, int)


def test_wrong_typed_entries_are_skips_and_the_rest_is_read(tmp_path: Path) -> None:
    # Each edit keeps the line count, so the fixture's header lines still hold.
    text = fixture("pdm.lock.basic").read_text()
    text = text.replace('name = "click"\nversion = "8.5.1"', 'name = "click"\nversio = "8.5.1"', 1)
    text = text.replace('"certifi>=2023.5.7",', '"certifi>=>2023", 42,', 1)
    text = text.replace('summary = "Backport of PEP 654 (exception groups)"', "dependencies = 7", 1)
    text = text.replace('marker = "python_version < \\"3.11\\""\ndependencies = [', 'marker = "python_version < \\"3.11\\""\nxdeps = [', 1)
    path = tmp_path / "pdm.lock"
    path.write_text(text)
    result = _collect(path)
    reasons = [(s.what, s.reason) for s in result.skips]
    assert ("pdm.lock:189", "expected a version (version = \"...\") for package 'click'") in reasons
    assert sum(1 for what, _ in reasons if what == "pdm.lock:302") == 2  # a bad string and a number in requests' list
    assert any(what == "pdm.lock:212" and "dependencies of 'exceptiongroup'" in why for what, why in reasons)
    assert len(reasons) == 4
    deps = _by_name(result)
    assert len(deps) == 14 and "click" not in deps and "exceptiongroup" in deps
    pairs = {(e.parent.name, e.child.name) for e in result.edges}
    assert ("requests", "urllib3") in pairs and ("requests", "certifi") not in pairs
    assert ("exceptiongroup", "typing-extensions") not in pairs
