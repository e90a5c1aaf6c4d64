"""poetry.lock: Poetry 2 and Poetry 1 layouts, groups and scopes, sources, edges, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.python import poetry_lock, pyproject
from chainwarden.model import (
    Dependency,
    Ecosystem,
    IndexHint,
    Project,
    Scope,
    SourceKind,
    SourceLocation,
)
from tests.helpers import FIXED_ENV as _ENV
from tests.helpers import fixture, install_fixture
from tests.helpers import provenance as _provenance


def _collect(path: Path) -> CollectResult:
    return poetry_lock.collect(path, CollectContext(display_base=path.parent, environment=_ENV))


def _by_key(result: CollectResult) -> dict[str, Dependency]:
    return {str(d.package): d for d in result.dependencies}


def test_matches_only_poetry_lock() -> None:
    assert poetry_lock.COLLECTOR.matches("poetry.lock")
    assert poetry_lock.COLLECTOR.is_lockfile
    assert not poetry_lock.COLLECTOR.matches("pyproject.toml")


def test_basic_packages_versions_lines_and_hashes(tmp_path: Path) -> None:
    result = _collect(install_fixture("poetry.lock.basic", tmp_path))
    deps = _by_key(result)
    assert len(result.dependencies) == _provenance("poetry.lock.basic")["package_count"] == 15
    assert result.skips == [] and result.index_hints == []
    assert result.files == ["poetry.lock"]
    assert deps["requests==2.34.2"].sources == (SourceLocation("poetry.lock", 331),)
    assert deps["certifi==2026.10.18"].sources == (SourceLocation("poetry.lock", 3),)
    assert "charset-normalizer==3.5.2" in deps
    assert all(d.locked and not d.direct and d.source_kind is SourceKind.REGISTRY for d in result.dependencies)
    assert all(d.hashes and all(h.startswith("sha256:") for h in d.hashes) for d in result.dependencies)


def test_basic_groups_give_scope_and_markers_are_evaluated(tmp_path: Path) -> None:
    result = _collect(install_fixture("poetry.lock.basic", tmp_path))
    deps = _by_key(result)
    assert deps["requests==2.34.2"].scope is Scope.RUNTIME and deps["requests==2.34.2"].groups == ("main",)
    assert deps["pytest==9.2.0"].scope is Scope.DEV and deps["pytest==9.2.0"].groups == ("dev",)
    colorama = deps["colorama==0.4.6"]
    assert colorama.marker == 'sys_platform == "win32"'
    assert colorama.marker_applies is False
    assert deps["click==8.5.1"].marker is None and deps["click==8.5.1"].marker_applies is None


def test_basic_edges_resolve_unnormalised_names(tmp_path: Path) -> None:
    result = _collect(install_fixture("poetry.lock.basic", tmp_path))
    pairs = {(e.parent.name, e.child.name) for e in result.edges}
    # requests lists "charset_normalizer": the edge still points at the locked charset-normalizer.
    assert {tuple(e) for e in _provenance("poetry.lock.basic")["edges"]} <= pairs
    assert len(pairs) == 12
    assert all(e.child.version for e in result.edges)


def test_direct_comes_from_pyproject_in_the_graph(tmp_path: Path) -> None:
    lock = _collect(install_fixture("poetry.lock.basic", tmp_path))
    manifest = pyproject.collect(install_fixture("pyproject.toml.poetry", tmp_path), CollectContext(display_base=tmp_path))
    project = Project(root=".", ecosystem=Ecosystem.PYPI, files=("pyproject.toml", "poetry.lock"), lockfiles=("poetry.lock",))
    lock.is_lockfile = True
    graph = build_graph(project, [lock, manifest], manifest.own_names)
    runtime_direct = {d.package.name for d in graph.direct() if d.scope is Scope.RUNTIME}
    assert runtime_direct == set(_provenance("poetry.lock.basic")["direct"])
    assert len(graph.dependencies) == 15


def test_poetry_1_layout_sources_and_forks(tmp_path: Path) -> None:
    result = _collect(install_fixture("poetry.lock.v1-sources", tmp_path))
    deps = _by_key(result)
    assert result.skips == []
    flask = deps["flask==2.3.3"]
    assert flask.source_kind is SourceKind.REGISTRY and flask.source_url == "https://private.index.invalid/simple"
    assert result.index_hints == [IndexHint("lock-index", "https://private.index.invalid/simple", SourceLocation("poetry.lock", 5))]
    # [metadata.files] hashes, split per version by file name.
    assert deps["click==8.1.7"].hashes == (
        "sha256:ae74fb96c20a0277a1d615f1e4d73c8414f5a98db8b799a7931d1582f3390c28",
        "sha256:ca9853ad459e787e2192211578cc907e7594e294c7ccc834310722b41b9ca6de",
    )
    assert deps["markupsafe==2.1.3"].hashes and deps["markupsafe==1.1.1"].hashes == ()
    assert deps["importlib-metadata==6.8.0"].scope is Scope.OPTIONAL
    git = deps["internal-tool==1.4.0"]
    assert git.scope is Scope.DEV and git.source_kind is SourceKind.VCS
    assert git.source_url == "git+https://index.invalid/git/internal-tool.git@0123456789abcdef0123456789abcdef01234567"
    local = deps["local-helper==0.0.1"]
    assert local.source_kind is SourceKind.PATH and local.source_url == "../local-helper" and local.editable
    edges = {(str(e.parent), str(e.child)) for e in result.edges}
    assert ("werkzeug==2.3.7", "markupsafe==2.1.3") in edges and ("werkzeug==2.3.7", "markupsafe==1.1.1") in edges
    assert ("flask==2.3.3", "werkzeug==2.3.7") in edges  # "Werkzeug" in the dependency table


def test_fork_constraints_pick_the_matching_version(tmp_path: Path) -> None:
    path = tmp_path / "poetry.lock"
    path.write_text(
        '[[package]]\nname = "a"\nversion = "1.0"\n\n[package.dependencies]\nb = ">=2"\n\n'
        '[[package]]\nname = "b"\nversion = "1.5"\n\n[[package]]\nname = "b"\nversion = "2.1"\n'
    )
    result = _collect(path)
    assert [(str(e.parent), str(e.child)) for e in result.edges] == [("a==1.0", "b==2.1")]


def test_truncated_file_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("poetry.lock.basic").read_text()
    path = tmp_path / "poetry.lock"
    path.write_text(text[: text.index("[package.dependencies]\ncolorama") + 30])  # cut inside an inline table
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where.file == "poetry.lock"
    assert isinstance(info.value.where.line, int) and info.value.where.line > 300


def test_wrong_typed_entries_are_skips_and_the_rest_is_read(tmp_path: Path) -> None:
    text = fixture("poetry.lock.basic").read_text()
    text = text.replace('name = "click"\nversion = "8.5.1"', 'name = "click"\nversion = 851', 1)
    text = text.replace('[[package]]\nname = "idna"\n', '[[package]]\nnom = "idna"\n', 1)
    text = text.replace('certifi = ">=2023.5.7"', 'certifi = 2023', 1)
    path = tmp_path / "poetry.lock"
    path.write_text(text)
    result = _collect(path)
    skipped = {s.what: s.reason for s in result.skips}
    assert set(skipped) == {"poetry.lock:197", "poetry.lock:241", "poetry.lock:331"}
    assert "click" in skipped["poetry.lock:197"] and "version" in skipped["poetry.lock:197"]
    assert "name" in skipped["poetry.lock:241"]
    assert "certifi" in skipped["poetry.lock:331"]  # the bad dependency entry, on requests' header line
    assert len(result.dependencies) == 13
    pairs = {(e.parent.name, e.child.name) for e in result.edges}
    assert ("requests", "urllib3") in pairs and ("requests", "certifi") not in pairs
