"""package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.

The `.v1`/`.v2`/`.v3` and `npm-shrinkwrap.json.v3` fixtures were written by npm
(see PROVENANCE.toml). Hand-written edge cases: `.workspaces` (a v3 monorepo with a
workspace link, a link outside the project, an alias, a git dependency, nested
copies, a second registry, a credential in a URL, a wrong-typed and a versionless
entry), `.v1-nested` (with `package.json.v1-nested` beside it) and `.corrupt`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.npm import package_lock
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
)
from tests.helpers import fixture, install_fixture

BASIC_EDGES = {("chalk", "ansi-styles"), ("chalk", "supports-color"), ("debug", "ms"), ("@types/node", "undici-types"), ("supports-color", "has-flag"), ("ansi-styles", "color-convert"), ("color-convert", "color-name")}


def _collect(tmp_path: Path, *names: str) -> CollectResult:
    paths = [install_fixture(n, tmp_path) for n in names]
    return package_lock.collect(paths[0], CollectContext(display_base=tmp_path))


def _by_id(result: CollectResult) -> dict[str, Dependency]:
    return {str(d.package): d for d in result.dependencies}


def _edge_names(result: CollectResult) -> set[tuple[str, str]]:
    return {(e.parent.name, e.child.name) for e in result.edges}


@pytest.mark.parametrize("name", ["package-lock.json.v3", "package-lock.json.v2", "npm-shrinkwrap.json.v3"])
def test_v2_v3_packages_lines_direct_scope_and_edges(tmp_path: Path, name: str) -> None:
    result = _collect(tmp_path, name)
    file = "npm-shrinkwrap.json" if name.startswith("npm-shrinkwrap") else "package-lock.json"
    deps = _by_id(result)
    assert len(deps) == 11  # v2 also has the legacy "dependencies" section: counted once
    chalk = deps["chalk@4.1.2"]
    assert chalk.sources == (SourceLocation(file, 44),)
    assert chalk.direct and chalk.scope is Scope.RUNTIME and chalk.specifier == "^4.1.2" and chalk.locked
    assert chalk.source_url == "https://index.invalid/npm/chalk/-/chalk-4.1.2.tgz"
    assert chalk.hashes == ("sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9CpQ061i4mA==",)
    assert deps["is-number@7.0.0"].direct and deps["is-number@7.0.0"].scope is Scope.DEV
    assert deps["is-number@7.0.0"].sources == (SourceLocation(file, 104),)
    assert deps["@types/node@22.20.5"].direct
    assert not deps["ms@2.1.3"].direct and deps["ms@2.1.3"].scope is Scope.RUNTIME
    assert _edge_names(result) == BASIC_EDGES
    assert Edge(PackageId(Ecosystem.NPM, "debug", "4.4.3"), PackageId(Ecosystem.NPM, "ms", "2.1.3")) in result.edges
    assert result.index_hints == [IndexHint("lock-registry", "https://index.invalid/npm/", SourceLocation(file, 22))]
    assert result.own_names == ["cw-fixture"]
    assert result.skips == []
    assert result.is_lockfile


def test_v1_alone_marks_nothing_direct(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package-lock.json.v1")
    deps = _by_id(result)
    assert len(deps) == 11
    assert not any(d.direct for d in deps.values())
    assert deps["chalk@4.1.2"].sources == (SourceLocation("package-lock.json", 23),)
    assert deps["is-number@7.0.0"].scope is Scope.DEV
    assert _edge_names(result) == BASIC_EDGES
    assert result.files == ["package-lock.json"]
    assert result.skips == []


def test_v1_with_package_json_marks_direct(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package-lock.json.v1", "package.json.basic")
    direct = {d.package.name: d for d in result.dependencies if d.direct}
    assert set(direct) == {"@types/node", "chalk", "debug", "is-number"}
    assert direct["chalk"].specifier == "^4.1.2"
    assert direct["is-number"].scope is Scope.DEV
    assert result.files == ["package-lock.json", "package.json"]


def test_workspace_lock_resolves_nested_copies_links_and_aliases(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package-lock.json.workspaces")
    deps = _by_id(result)
    assert set(deps) == {
        "real-pkg@2.1.0", "gitdep@0.5.0", "left-pad@1.3.0", "local-thing@3.0.0", "opt-native@1.0.0",
        "shared@1.0.0", "shared@2.0.0", "tester@1.0.0", "app-only@1.0.0",
    }
    # The alias installs the real package; its folder name is kept.
    assert deps["real-pkg@2.1.0"].groups == ("alias:aliased",)
    assert deps["real-pkg@2.1.0"].direct and deps["real-pkg@2.1.0"].specifier == "npm:real-pkg@^2.0.0"
    # Node's lookup: the nested copy wins for tester, the top-level one for the others.
    assert _edge_names(result) == {("left-pad", "shared"), ("tester", "shared"), ("app-only", "shared")}
    assert Edge(PackageId(Ecosystem.NPM, "tester", "1.0.0"), PackageId(Ecosystem.NPM, "shared", "2.0.0")) in result.edges
    assert Edge(PackageId(Ecosystem.NPM, "app-only", "1.0.0"), PackageId(Ecosystem.NPM, "shared", "1.0.0")) in result.edges
    assert deps["shared@2.0.0"].scope is Scope.DEV and not deps["shared@2.0.0"].direct
    # Workspace members' own dependencies are direct; the member itself is the project's own.
    assert deps["app-only@1.0.0"].direct
    assert result.own_names == ["cw-mono", "@cw/app"]
    # Sources.
    assert deps["gitdep@0.5.0"].source_kind is SourceKind.VCS
    assert deps["local-thing@3.0.0"].source_kind is SourceKind.PATH and deps["local-thing@3.0.0"].source_url == "../local-thing"
    assert deps["opt-native@1.0.0"].scope is Scope.OPTIONAL
    assert deps["shared@1.0.0"].source_url == "https://***@index.invalid/npm/shared/-/shared-1.0.0.tgz"
    assert [h.value for h in result.index_hints] == ["https://index.invalid/npm/", "https://index.invalid/mirror/"]
    assert deps["left-pad@1.3.0"].sources == (SourceLocation("package-lock.json", 46),)


def test_wrong_typed_and_versionless_entries_are_skipped(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package-lock.json.workspaces")
    assert result.skips == [
        Skip("package-lock.json:40", "expected an object for package entry 'node_modules/broken', got a string", "collect"),
        Skip("package-lock.json:58", "expected a version string for 'node_modules/no-version', got no version", "collect"),
    ]
    assert len(result.dependencies) == 9


def test_v1_nested_dependencies_aliases_and_git(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package-lock.json.v1-nested", "package.json.v1-nested")
    deps = _by_id(result)
    assert deps["real-pkg@2.1.0"].groups == ("alias:aliased",) and deps["real-pkg@2.1.0"].direct
    git = deps["gitdep"]
    assert git.package.version is None and git.source_kind is SourceKind.VCS and git.direct
    assert deps["shared@2.0.0"].sources == (SourceLocation("package-lock.json", 38),)
    assert deps["tester@1.0.0"].direct and deps["tester@1.0.0"].scope is Scope.DEV
    assert not deps["shared@1.0.0"].direct
    assert Edge(PackageId(Ecosystem.NPM, "tester", "1.0.0"), PackageId(Ecosystem.NPM, "shared", "2.0.0")) in result.edges
    assert Edge(PackageId(Ecosystem.NPM, "left-pad", "1.3.0"), PackageId(Ecosystem.NPM, "shared", "1.0.0")) in result.edges
    assert result.skips == [Skip("package-lock.json:46", "expected an object for package entry 'wrong', got a list", "collect")]


def test_corrupt_lock_is_a_collect_error_with_its_line(tmp_path: Path) -> None:
    path = install_fixture("package-lock.json.corrupt", tmp_path)
    with pytest.raises(CollectError) as exc:
        package_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where == SourceLocation("package-lock.json", 7)


def test_wrong_typed_packages_section_is_a_collect_error(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text('{\n  "lockfileVersion": 3,\n  "packages": []\n}\n')
    with pytest.raises(CollectError) as exc:
        package_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where == SourceLocation("package-lock.json", 3)


def test_shrinkwrap_name_matches(tmp_path: Path) -> None:
    assert package_lock.matches("package-lock.json") and package_lock.matches("npm-shrinkwrap.json")
    assert not package_lock.matches("package.json")
    shutil.copyfile(fixture("npm-shrinkwrap.json.v3"), tmp_path / "npm-shrinkwrap.json")
    result = package_lock.collect(tmp_path / "npm-shrinkwrap.json", CollectContext(display_base=tmp_path))
    assert result.files == ["npm-shrinkwrap.json"]


def test_an_unversioned_git_package_is_listed_not_skipped(tmp_path: Path) -> None:
    """A git dependency whose entry has no version was a Skip here while Pipfile.lock lists its own (issue 14):
    every format lists a package that is not from an index, versioned when the lockfile knows the version
    (decision 0023). A registry entry without a version stays a Skip."""
    import json

    lock = {"name": "app", "lockfileVersion": 3, "packages": {
        "": {"name": "app", "dependencies": {"gitdep": "github:owner/gitdep", "plain": "^1.0.0"}},
        "node_modules/gitdep": {"resolved": "git+ssh://git@index.invalid/owner/gitdep.git#" + "0" * 40},
        "node_modules/plain": {"resolved": "https://index.invalid/npm/plain/-/plain-1.0.0.tgz"}}}
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock, indent=2), encoding="utf-8")
    result = package_lock.collect(path, CollectContext(display_base=tmp_path))
    [git] = result.dependencies
    assert git.package == PackageId(Ecosystem.NPM, "gitdep") and git.source_kind is SourceKind.VCS and git.direct
    assert [s.reason for s in result.skips] == ["expected a version string for 'node_modules/plain', got no version"]
