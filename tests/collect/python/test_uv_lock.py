"""uv.lock: packages, lines, root handling, direct/scope, forks, sources, hints, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.python import uv_lock
from chainwarden.model import IndexHint, Scope, SourceKind, SourceLocation
from tests.helpers import FIXED_ENV as _ENV
from tests.helpers import by_name as _by_name
from tests.helpers import fixture, install_fixture
from tests.helpers import provenance as _provenance


def _collect(path: Path) -> CollectResult:
    return uv_lock.collect(path, CollectContext(display_base=path.parent, environment=_ENV))


def test_matches_only_uv_lock() -> None:
    assert uv_lock.COLLECTOR.matches("uv.lock")
    assert not uv_lock.COLLECTOR.matches("uv.lock.bak")
    assert not uv_lock.COLLECTOR.matches("poetry.lock")


def test_basic_packages_versions_lines_and_hashes(tmp_path: Path) -> None:
    result = _collect(install_fixture("uv.lock.basic", tmp_path))
    deps = _by_name(result)
    assert len(result.dependencies) == _provenance("uv.lock.basic")["package_count"] == 15
    assert result.files == ["uv.lock"]
    assert result.skips == []
    assert deps["requests"].package.version == "2.34.2"
    assert deps["requests"].sources == (SourceLocation("uv.lock", 293),)
    assert deps["certifi"].sources == (SourceLocation("uv.lock", 5),)
    assert deps["charset-normalizer"].package.version == "3.5.2"
    assert all(d.locked and d.hashes and all(h.startswith("sha256:") for h in d.hashes) for d in result.dependencies)
    assert "sha256:73191c47aaa79da394e8fee2dbc2ec827432cab56311122c9e47abf79e390f62" in deps["certifi"].hashes


def test_basic_root_is_own_name_and_its_dependencies_are_direct(tmp_path: Path) -> None:
    result = _collect(install_fixture("uv.lock.basic", tmp_path))
    deps = _by_name(result)
    assert result.own_names == ["cw-fixture"]
    assert "cw-fixture" not in deps
    runtime_direct = {d.package.name for d in result.dependencies if d.direct and d.scope is Scope.RUNTIME}
    assert runtime_direct == set(_provenance("uv.lock.basic")["direct"])
    assert deps["pytest"].direct and deps["pytest"].scope is Scope.DEV and deps["pytest"].groups == ("dev",)
    # Reached only through pytest: dev, not direct.
    assert deps["pluggy"].scope is Scope.DEV and not deps["pluggy"].direct
    assert deps["urllib3"].scope is Scope.RUNTIME and not deps["urllib3"].direct


def test_basic_edges(tmp_path: Path) -> None:
    result = _collect(install_fixture("uv.lock.basic", tmp_path))
    pairs = {(e.parent.name, e.child.name) for e in result.edges}
    assert {tuple(e) for e in _provenance("uv.lock.basic")["edges"]} <= pairs
    assert len(pairs) == 12
    assert all(e.parent.version and e.child.version for e in result.edges)
    assert not any("cw-fixture" in (e.parent.name, e.child.name) for e in result.edges)


def test_basic_registry_is_an_index_hint_once(tmp_path: Path) -> None:
    result = _collect(install_fixture("uv.lock.basic", tmp_path))
    assert result.index_hints == [IndexHint("lock-index", "https://index.invalid/simple", SourceLocation("uv.lock", 5))]
    assert {d.source_url for d in result.dependencies} == {"https://index.invalid/simple"}


def test_sources_workspace_forks_and_scopes(tmp_path: Path) -> None:
    result = _collect(install_fixture("uv.lock.sources", tmp_path))
    assert result.skips == []
    assert result.own_names == ["app", "app-core"]  # the root and the [manifest] member
    assert {d.package.name for d in result.dependencies}.isdisjoint({"app", "app-core"})
    numpy = sorted((d for d in result.dependencies if d.package.name == "numpy"), key=lambda d: d.sources)
    assert [d.package.version for d in numpy] == ["1.26.4", "2.1.0"]
    assert [d.marker for d in numpy] == ["python_full_version < '3.10'", "python_full_version >= '3.10'"]
    assert [d.marker_applies for d in numpy] == [False, True]
    assert all(d.direct and d.scope is Scope.RUNTIME for d in numpy)
    deps = _by_name(result)
    git = deps["internal-tool"]
    assert git.source_kind is SourceKind.VCS
    assert git.source_url == "git+https://index.invalid/git/internal-tool.git@0123456789abcdef0123456789abcdef01234567"
    assert deps["wheel-from-url"].source_kind is SourceKind.URL
    assert deps["vendored-lib"].source_kind is SourceKind.PATH
    assert deps["local-helper"].source_kind is SourceKind.PATH
    assert deps["local-helper"].scope is Scope.DEV and deps["local-helper"].direct
    assert deps["pysocks"].scope is Scope.OPTIONAL and deps["pysocks"].groups == ("socks",)
    # attrs is asked for by the root at runtime and in the test group: runtime wins.
    assert deps["attrs"].scope is Scope.RUNTIME and deps["attrs"].direct
    assert {(h.value, h.location.line) for h in result.index_hints} == {
        ("https://index.invalid/simple", 54),
        ("https://mirror.index.invalid/simple", 94),
    }
    assert deps["pysocks"].source_url == "https://mirror.index.invalid/simple"
    assert {(e.parent.name, e.child.name) for e in result.edges} == {("internal-tool", "attrs")}


def test_requires_dev_metadata_is_read_when_dev_dependencies_are_absent(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(
        'version = 1\n\n[[package]]\nname = "proj"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'
        '[package.metadata.requires-dev]\ndev = [{ name = "pytest", specifier = ">=8" }]\n\n'
        '[[package]]\nname = "pytest"\nversion = "8.3.3"\nsource = { registry = "https://index.invalid/simple" }\n'
    )
    (dep,) = _collect(path).dependencies
    assert dep.package.name == "pytest" and dep.direct and dep.scope is Scope.DEV
    assert dep.sources == (SourceLocation("uv.lock", 11),)


def test_truncated_file_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("uv.lock.basic").read_text()
    path = tmp_path / "uv.lock"
    path.write_text(text[: text.index("[[package]]\nname = \"click\"") + 40])  # ends inside a string
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where == SourceLocation("uv.lock", 179)
    assert "valid TOML" in info.value.expected


def test_garbled_line_is_a_collect_error_at_that_line(tmp_path: Path) -> None:
    lines = fixture("uv.lock.basic").read_text().splitlines()
    lines[292] = "[[package]"  # line 293: the requests header
    path = tmp_path / "uv.lock"
    path.write_text("\n".join(lines))
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where == SourceLocation("uv.lock", 293)


def test_wrong_typed_entries_are_skips_and_the_rest_is_read(tmp_path: Path) -> None:
    text = fixture("uv.lock.basic").read_text()
    text = text.replace('name = "certifi"\nversion = "2026.10.18"\n', 'name = "certifi"\nversion = ["2026.10.18"]\n', 1)
    text = text.replace('name = "idna"\nversion = "3.20"\n', 'name = "idna"\n', 1)
    text = text.replace(
        'name = "click"\nversion = "8.5.1"\nsource = { registry = "https://index.invalid/simple" }',
        'name = "click"\nversion = "8.5.1"\nsource = "https://index.invalid/simple"',
        1,
    )
    path = tmp_path / "uv.lock"
    path.write_text(text)
    result = _collect(path)
    skipped = {s.what: s.reason for s in result.skips}
    assert set(skipped) == {"uv.lock:5", "uv.lock:177", "uv.lock:230"}
    assert "version" in skipped["uv.lock:5"] and "idna" in skipped["uv.lock:230"]
    assert all(s.stage == "collect" for s in result.skips)
    assert len(result.dependencies) == 12
    assert "requests" in _by_name(result)
