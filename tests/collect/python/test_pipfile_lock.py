"""Pipfile.lock: categories and scopes, direct from the Pipfile beside it, sources, hints, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.python import pipfile_lock
from chainwarden.model import IndexHint, Scope, SourceKind, SourceLocation
from tests.helpers import FIXED_ENV as _ENV
from tests.helpers import by_name as _by_name
from tests.helpers import fixture, install_fixture
from tests.helpers import provenance as _provenance


def _collect(path: Path) -> CollectResult:
    return pipfile_lock.collect(path, CollectContext(display_base=path.parent, environment=_ENV))


def _with_pipfile(tmp_path: Path) -> Path:
    shutil.copyfile(fixture("Pipfile.basic"), tmp_path / "Pipfile")
    return install_fixture("Pipfile.lock.basic", tmp_path)


def test_matches_only_pipfile_lock() -> None:
    assert pipfile_lock.COLLECTOR.matches("Pipfile.lock")
    assert not pipfile_lock.COLLECTOR.matches("Pipfile")


def test_basic_packages_versions_lines_hashes_and_scopes(tmp_path: Path) -> None:
    result = _collect(_with_pipfile(tmp_path))
    deps = _by_name(result)
    assert len(result.dependencies) == _provenance("Pipfile.lock.basic")["package_count"] == 11
    assert result.skips == [] and result.edges == []
    assert result.files == ["Pipfile.lock", "Pipfile"]
    assert deps["requests"].package.version == "2.34.2"
    assert deps["requests"].sources == (SourceLocation("Pipfile.lock", 222),)
    assert deps["pytest"].sources == (SourceLocation("Pipfile.lock", 273),)
    assert deps["requests"].scope is Scope.RUNTIME and deps["pytest"].scope is Scope.DEV
    assert deps["pluggy"].groups == ("develop",)
    assert all(d.locked and d.hashes and all(h.startswith("sha256:") for h in d.hashes) for d in result.dependencies)
    assert deps["idna"].marker == "python_version >= '3.9'" and deps["idna"].marker_applies is True


def test_direct_comes_from_the_pipfile_beside_the_lock(tmp_path: Path) -> None:
    result = _collect(_with_pipfile(tmp_path))
    runtime_direct = {d.package.name for d in result.dependencies if d.direct and d.scope is Scope.RUNTIME}
    assert runtime_direct == set(_provenance("Pipfile.lock.basic")["direct"])
    assert {d.package.name for d in result.dependencies if d.direct} == {"requests", "click", "pytest"}


def test_without_a_pipfile_nothing_is_called_direct(tmp_path: Path) -> None:
    result = _collect(install_fixture("Pipfile.lock.basic", tmp_path))
    assert not any(d.direct for d in result.dependencies)
    assert result.files == ["Pipfile.lock"]


def test_an_unreadable_pipfile_leaves_entries_non_direct(tmp_path: Path) -> None:
    # The Pipfile collector reports the broken Pipfile; the lock is still read in full.
    (tmp_path / "Pipfile").write_text("[packages\nrequests = '*'\n")
    result = _collect(install_fixture("Pipfile.lock.basic", tmp_path))
    assert len(result.dependencies) == 11 and not any(d.direct for d in result.dependencies)
    assert result.skips == [] and result.files == ["Pipfile.lock"]


def test_sources_become_hints_and_index_names_resolve(tmp_path: Path) -> None:
    result = _collect(_with_pipfile(tmp_path))
    assert result.index_hints == [IndexHint("pipenv-source", "https://index.invalid/simple", SourceLocation("Pipfile.lock", 13))]
    deps = _by_name(result)
    assert deps["requests"].source_url == "https://index.invalid/simple"  # "index": "pypi"


def test_vcs_path_file_and_custom_categories(tmp_path: Path) -> None:
    result = _collect(install_fixture("Pipfile.lock.sources", tmp_path))
    assert result.skips == []
    deps = _by_name(result)
    git = deps["internal-tool"]
    assert git.source_kind is SourceKind.VCS and git.package.version is None
    assert git.source_url == "git+https://index.invalid/git/internal-tool.git@0123456789abcdef0123456789abcdef01234567"
    local = deps["local-helper"]
    assert local.source_kind is SourceKind.PATH and local.editable and local.source_url == "../local-helper"
    assert deps["wheel-from-url"].source_kind is SourceKind.URL
    assert deps["private-sdk"].source_url == "https://private.index.invalid/simple"
    assert deps["requests"].extras == ("socks",)
    docs = deps["sphinx-theme-x"]
    assert docs.scope is Scope.DEV and docs.groups == ("docs",) and docs.sources == (SourceLocation("Pipfile.lock", 59),)
    assert [h.value for h in result.index_hints] == ["https://index.invalid/simple", "https://private.index.invalid/simple"]


def test_garbled_json_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("Pipfile.lock.basic").read_text()
    path = tmp_path / "Pipfile.lock"
    path.write_text(text.replace('"version": "==2.34.2"', '"version": ==2.34.2', 1))
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where == SourceLocation("Pipfile.lock", 229)


def test_truncated_json_is_a_collect_error_with_a_line(tmp_path: Path) -> None:
    text = fixture("Pipfile.lock.basic").read_text()
    path = tmp_path / "Pipfile.lock"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where.file == "Pipfile.lock" and isinstance(info.value.where.line, int)


def test_a_json_array_is_a_collect_error(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_text("[]\n")
    with pytest.raises(CollectError) as info:
        _collect(path)
    assert info.value.where == SourceLocation("Pipfile.lock", 1)


def test_wrong_typed_entries_are_skips_and_the_rest_is_read(tmp_path: Path) -> None:
    data = json.loads(fixture("Pipfile.lock.basic").read_text())
    data["default"]["click"] = "==8.5.1"
    del data["default"]["idna"]["version"]
    data["develop"]["pluggy"]["hashes"] = "sha256:oops"
    data["docs"] = ["sphinx"]
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(data, indent=4))
    result = _collect(path)
    reasons = {s.what.rsplit(":", 1)[1]: s.reason for s in result.skips}
    assert len(result.skips) == 3
    assert all(s.what.startswith("Pipfile.lock:") for s in result.skips)
    assert any("'click'" in r for r in reasons.values())
    assert any("'idna'" in r and "version" in r for r in reasons.values())
    assert any("'docs'" in r for r in reasons.values())
    deps = _by_name(result)
    assert len(deps) == 9 and deps["pluggy"].hashes == ()


def test_dependency_group_markers_are_evaluated_as_pipenv_does(tmp_path: Path) -> None:
    """pipenv's own Pipfile.lock (`.dependency-groups`): 86 markers such as
    ``('dev' in dependency_groups) and (python_version >= '3.10')`` were "could not evaluate marker" Skips, so
    `--strict` exited 3 on a healthy project. The group test is true for the category that lists the package."""
    result = _collect(install_fixture("Pipfile.lock.dependency-groups", tmp_path))
    assert result.skips == []
    deps = _by_name(result)
    assert len({(d.package.name, d.package.version) for d in result.dependencies}) == 105  # 110 entries, 5 in both categories
    assert _provenance("Pipfile.lock.dependency-groups")["package_count"] == 105
    assert deps["alabaster"].marker == "('dev' in dependency_groups) and (python_version >= '3.10')"
    assert deps["alabaster"].marker_applies is True and deps["alabaster"].scope is Scope.DEV  # Python 3.11
    assert deps["arpeggio"].marker_applies is True  # 'dev' in dependency_groups, nothing else
    assert deps["atomicwrites"].marker_applies is False  # ... and (sys_platform == 'win32'), on Linux
