"""yarn.lock: classic v1 and berry.

`.v1` and `.berry` were written by yarn 1 and yarn 4 (see PROVENANCE.toml).
Hand-written edge cases: `.v1-edge` (multi-descriptor headers, an npm: alias, a git
dependency, a quoted range with spaces, optionalDependencies, a cycle; with
`package.json.v1-edge`), `.v1-missing-version` (the `.v1` fixture without ms's
version line) and `.berry-workspaces` (workspace entries, an alias, a git
resolution, a patch: entry, a package named ``no``, a wrong-typed and a
versionless entry; with `package.json.berry-workspaces`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.npm import yarn_lock
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
from tests.helpers import install_fixture

BASIC_EDGES = {("chalk", "ansi-styles"), ("chalk", "supports-color"), ("debug", "ms"), ("@types/node", "undici-types"), ("supports-color", "has-flag"), ("ansi-styles", "color-convert"), ("color-convert", "color-name")}


def _collect(tmp_path: Path, *names: str) -> CollectResult:
    paths = [install_fixture(n, tmp_path) for n in names]
    return yarn_lock.collect(paths[0], CollectContext(display_base=tmp_path))


def _by_id(result: CollectResult) -> dict[str, Dependency]:
    return {str(d.package): d for d in result.dependencies}


def _edge_names(result: CollectResult) -> set[tuple[str, str]]:
    return {(e.parent.name, e.child.name) for e in result.edges}


# -- classic ---------------------------------------------------------------------------


def test_v1_alone_packages_lines_hashes_and_edges(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.v1")
    deps = _by_id(result)
    assert len(deps) == 11
    chalk = deps["chalk@4.1.2"]
    assert chalk.sources == (SourceLocation("yarn.lock", 19),)
    assert chalk.locked and not chalk.direct  # no package.json: the pipeline decides
    assert chalk.hashes == ("sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9CpQ061i4mA==",)
    assert chalk.source_url == "https://index.invalid/npm/chalk/-/chalk-4.1.2.tgz#aac4e2b7734a740867aeb16bf02aad556a1e7a01"
    assert deps["@types/node@22.20.5"].sources == (SourceLocation("yarn.lock", 5),)
    assert _edge_names(result) == BASIC_EDGES
    assert result.index_hints == [IndexHint("lock-registry", "https://index.invalid/npm/", SourceLocation("yarn.lock", 5))]
    assert result.skips == [] and result.own_names == []
    assert result.is_lockfile


def test_v1_with_package_json_marks_direct_and_scope(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.v1", "package.json.basic")
    deps = _by_id(result)
    assert {d.package.name for d in deps.values() if d.direct} == {"@types/node", "chalk", "debug", "is-number"}
    assert deps["chalk@4.1.2"].specifier == "^4.1.2" and deps["chalk@4.1.2"].scope is Scope.RUNTIME
    assert deps["is-number@7.0.0"].scope is Scope.DEV
    assert deps["ms@2.1.3"].scope is Scope.RUNTIME and not deps["ms@2.1.3"].direct
    assert result.files == ["yarn.lock", "package.json"]
    assert result.own_names == ["cw-fixture"]


def test_v1_edge_cases(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.v1-edge", "package.json.v1-edge")
    deps = _by_id(result)
    assert set(deps) == {"@scope/thing@1.2.0", "real-pkg@2.1.0", "gitdep@0.5.0", "left-pad@1.3.0", "semverish@1.9.9"}
    # Either descriptor of a multi-descriptor header leads to the entry; the cycle is kept.
    assert _edge_names(result) == {("@scope/thing", "left-pad"), ("@scope/thing", "semverish"), ("semverish", "@scope/thing")}
    assert deps["real-pkg@2.1.0"].groups == ("alias:aliased",) and deps["real-pkg@2.1.0"].direct
    git = deps["gitdep@0.5.0"]
    assert git.source_kind is SourceKind.VCS and git.direct
    assert git.hashes == ()  # the fragment of a git URL is a commit, not a hash of the tarball
    # Without integrity, the sha1 fragment of a tarball URL is the hash.
    assert deps["@scope/thing@1.2.0"].hashes == ("sha1-jvQA95JyP3gNILCjedCSH0/1IAI=",)
    # left-pad is a devDependency but also needed at runtime by @scope/thing.
    assert deps["left-pad@1.3.0"].direct and deps["left-pad@1.3.0"].scope is Scope.RUNTIME
    assert deps["left-pad@1.3.0"].specifier == "~1.3.0"
    assert deps["semverish@1.9.9"].sources == (SourceLocation("yarn.lock", 28),)
    # The optional dependency has no entry: no Skip, no edge.
    assert result.skips == []
    assert [h.value for h in result.index_hints] == ["https://index.invalid/npm/", "https://index.invalid/mirror/"]


def test_v1_entry_without_version_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.v1-missing-version")
    assert result.skips == [Skip("yarn.lock:56", "expected a version for 'ms@^2.1.3', got none", "collect")]
    assert len(result.dependencies) == 10
    assert ("debug", "ms") not in _edge_names(result)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("chalk@^4.1.2:", "chalk@^4.1.2", 19),  # header without its colon
        ('  version "4.1.2"', '  version "4.1.2', 20),  # unterminated string
        ("\"@types/node@^22.0.0\":", "  orphan \"field\"\n\"@types/node@^22.0.0\":", 5),
    ],
)
def test_v1_corrupt_is_a_collect_error_with_its_line(tmp_path: Path, old: str, new: str, line: int) -> None:
    path = install_fixture("yarn.lock.v1", tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CollectError) as exc:
        yarn_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where == SourceLocation("yarn.lock", line)


# -- berry -----------------------------------------------------------------------------


def test_berry_workspace_entry_is_the_root(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.berry")
    deps = _by_id(result)
    assert len(deps) == 11  # the cw-fixture@workspace:. entry is the project itself
    assert result.own_names == ["cw-fixture"]
    chalk = deps["chalk@4.1.2"]
    assert chalk.sources == (SourceLocation("yarn.lock", 26),)
    assert chalk.direct and chalk.specifier == "^4.1.2" and chalk.locked
    assert chalk.hashes == ()  # berry's checksum hashes yarn's cache zip, not the tarball
    assert {d.package.name for d in deps.values() if d.direct} == {"@types/node", "chalk", "debug", "is-number"}
    assert _edge_names(result) == BASIC_EDGES
    assert result.skips == [] and result.index_hints == []


def test_berry_with_package_json_knows_dev_scope(tmp_path: Path) -> None:
    alone = _by_id(_collect(tmp_path, "yarn.lock.berry"))
    assert alone["is-number@7.0.0"].scope is Scope.RUNTIME  # the lockfile alone merges the sections
    result = _collect(tmp_path, "yarn.lock.berry", "package.json.basic")
    deps = _by_id(result)
    assert deps["is-number@7.0.0"].scope is Scope.DEV
    assert deps["chalk@4.1.2"].scope is Scope.RUNTIME


def test_berry_workspaces_aliases_git_and_patches(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.berry-workspaces", "package.json.berry-workspaces")
    deps = _by_id(result)
    assert set(deps) == {"real-pkg@2.1.0", "app-only@1.0.0", "gitdep@0.5.0", "no@1.10.0", "resolve@1.22.8", "tester@1.0.0"}
    assert result.own_names == ["@cw/app", "cw-mono"]
    assert deps["real-pkg@2.1.0"].groups == ("alias:aliased",)
    assert deps["gitdep@0.5.0"].source_kind is SourceKind.VCS
    assert deps["no@1.10.0"].direct  # not read as YAML's boolean false, nor 1.10 as 1.1
    assert deps["app-only@1.0.0"].direct and deps["app-only@1.0.0"].specifier == "^1.0.0"  # a workspace member's
    # The patch: entry and the plain one are the same package version.
    resolve = deps["resolve@1.22.8"]
    assert resolve.sources == (SourceLocation("yarn.lock", 61), SourceLocation("yarn.lock", 67))
    assert resolve.scope is Scope.DEV and not resolve.direct
    assert result.edges == [Edge(PackageId(Ecosystem.NPM, "tester", "1.0.0"), PackageId(Ecosystem.NPM, "resolve", "1.22.8"))]
    assert deps["tester@1.0.0"].scope is Scope.DEV


def test_berry_wrong_typed_and_versionless_entries_are_skipped(tmp_path: Path) -> None:
    result = _collect(tmp_path, "yarn.lock.berry-workspaces")
    assert result.skips == [
        Skip("yarn.lock:29", "expected a mapping for entry 'broken@npm:^1.0.0', got a string", "collect"),
        Skip("yarn.lock:56", "expected a version string for 'noversion@npm:^1.0.0', got none", "collect"),
    ]
    assert len(result.dependencies) == 6


def test_berry_corrupt_is_a_collect_error_with_its_line(tmp_path: Path) -> None:
    path = install_fixture("yarn.lock.berry", tmp_path)
    text = path.read_text()
    path.write_text(text.replace('  version: 4.1.2\n', '  version: [4.1.2\n', 1))
    with pytest.raises(CollectError) as exc:
        yarn_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where.file == "yarn.lock"
    assert exc.value.where.line is not None and 27 <= exc.value.where.line <= 29


def test_matches_only_yarn_lock() -> None:
    assert yarn_lock.matches("yarn.lock")
    assert not yarn_lock.matches("yarn.lock.bak") and not yarn_lock.matches(".yarnrc.yml")


def test_berry_with_yaml_aliases_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "yarn.lock"
    path.write_text('__metadata:\n  version: 8\n\n"a@npm:^1.0.0": &a\n  version: 1.0.0\n  dependencies: *a\n')
    with pytest.raises(CollectError, match="without YAML aliases") as exc:
        yarn_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where.line == 4
