"""pnpm-lock.yaml, lockfileVersion 5.x, 6.0 and 9.0, and pnpm 11+'s two-document form.

`.v9` and `.v6` were written by pnpm 9 and 8 (see PROVENANCE.toml). Hand-written
edge cases: `.v5` (``/name/1.0.0`` keys, a ``_peer`` suffix, ``specifiers``, dev
flags), `.v9-workspace` (importers with a workspace link, an alias, git, file: and
tarball packages, a peer-suffixed snapshot, a missing optional dependency and a
wrong-typed entry) and `.env-document` (an env document before the `.v9` lockfile).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect import workspace
from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.npm import pnpm_lock
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
)
from tests.helpers import install_fixture

BASIC_EDGES = {("chalk", "ansi-styles"), ("chalk", "supports-color"), ("debug", "ms"), ("@types/node", "undici-types"), ("supports-color", "has-flag"), ("ansi-styles", "color-convert"), ("color-convert", "color-name")}


def _collect(tmp_path: Path, name: str) -> CollectResult:
    path = install_fixture(name, tmp_path)
    return pnpm_lock.collect(path, CollectContext(display_base=tmp_path))


def _by_id(result: CollectResult) -> dict[str, Dependency]:
    return {str(d.package): d for d in result.dependencies}


def _edge_names(result: CollectResult) -> set[tuple[str, str]]:
    return {(e.parent.name, e.child.name) for e in result.edges}


@pytest.mark.parametrize(("name", "chalk_line", "is_number_line"), [("pnpm-lock.yaml.v9", 34, 58), ("pnpm-lock.yaml.v6", 38, 74)])
def test_packages_lines_direct_scope_and_edges(tmp_path: Path, name: str, chalk_line: int, is_number_line: int) -> None:
    result = _collect(tmp_path, name)
    deps = _by_id(result)
    assert len(deps) == 11
    chalk = deps["chalk@4.1.2"]
    assert chalk.sources == (SourceLocation("pnpm-lock.yaml", chalk_line),)
    assert chalk.direct and chalk.scope is Scope.RUNTIME and chalk.specifier == "^4.1.2" and chalk.locked
    assert chalk.hashes == ("sha512-oKnbhFyRIXpUuez8iBMmyEa4nbj4IOQyuhc/wy9kY7/WVPcwIO9VA668Pu8RkO7+0G76SLROeyw9CpQ061i4mA==",)
    assert chalk.source_kind is SourceKind.REGISTRY and chalk.source_url is None
    is_number = deps["is-number@7.0.0"]
    assert is_number.direct and is_number.scope is Scope.DEV
    assert is_number.sources == (SourceLocation("pnpm-lock.yaml", is_number_line),)
    assert {d.package.name for d in deps.values() if d.direct} == {"@types/node", "chalk", "debug", "is-number"}
    assert _edge_names(result) == BASIC_EDGES
    assert result.skips == []
    assert result.is_lockfile


def test_v5_keys_peer_suffixes_specifiers_and_dev_flags(tmp_path: Path) -> None:
    result = _collect(tmp_path, "pnpm-lock.yaml.v5")
    deps = _by_id(result)
    assert set(deps) == {
        "@scope/thing@1.2.0", "left-pad@1.3.0", "react-dom-like@18.2.0", "react-like@18.2.0",
        "scheduler-like@0.23.0", "shared@2.0.0", "tester@1.0.0",
    }
    react_dom = deps["react-dom-like@18.2.0"]  # key /react-dom-like/18.2.0_react-like@18.2.0
    assert react_dom.direct and react_dom.specifier == "^18.0.0"
    assert react_dom.sources == (SourceLocation("pnpm-lock.yaml", 29),)
    assert deps["@scope/thing@1.2.0"].sources == (SourceLocation("pnpm-lock.yaml", 19),)
    assert deps["tester@1.0.0"].scope is Scope.DEV and deps["shared@2.0.0"].scope is Scope.DEV
    assert Edge(PackageId(Ecosystem.NPM, "react-dom-like", "18.2.0"), PackageId(Ecosystem.NPM, "react-like", "18.2.0")) in result.edges
    assert _edge_names(result) == {
        ("@scope/thing", "left-pad"), ("react-dom-like", "react-like"), ("react-dom-like", "scheduler-like"), ("tester", "shared"),
    }
    assert result.skips == []


def test_v9_workspace_links_aliases_and_non_registry_sources(tmp_path: Path) -> None:
    result = _collect(tmp_path, "pnpm-lock.yaml.v9-workspace")
    deps = _by_id(result)
    assert set(deps) == {
        "app-only@1.0.0", "gitdep@0.5.0", "local-thing@1.0.0", "react-dom-like@18.2.0", "react-like@18.2.0",
        "real-pkg@2.1.0", "shared@2.0.0", "tarball-dep@1.0.0", "tester@1.0.0",
    }
    # link:packages/app, and the file: folder vendor/local-thing inside the project (docs/decisions/0023):
    # the project's own code, whose folders the lockfile covers.
    assert result.own_names == ["local-thing", "@cw/app"]
    # Folders the lockfile names are matched exactly (workspace.literal), never as globs.
    assert set(result.members) == {workspace.literal("vendor/local-thing"), workspace.literal("packages/app")}
    assert deps["real-pkg@2.1.0"].groups == ("alias:aliased",)
    assert deps["real-pkg@2.1.0"].direct and deps["real-pkg@2.1.0"].specifier == "npm:real-pkg@^2.0.0"
    # Dependencies of the packages/app importer are direct too.
    assert deps["app-only@1.0.0"].direct and deps["gitdep@0.5.0"].direct
    assert deps["gitdep@0.5.0"].source_kind is SourceKind.VCS
    assert deps["gitdep@0.5.0"].source_url == "https://index.invalid/owner/gitdep.git#ce33047f62f25550c1806f8b0bee7a5dddfce4f4"
    assert deps["local-thing@1.0.0"].source_kind is SourceKind.PATH
    assert deps["tarball-dep@1.0.0"].source_kind is SourceKind.URL
    assert deps["tarball-dep@1.0.0"].source_url == "https://index.invalid/files/tarball-dep-1.0.0.tgz"
    # v9 has no dev flags: scope is carried from the importers down the snapshots.
    assert deps["tester@1.0.0"].scope is Scope.DEV and deps["shared@2.0.0"].scope is Scope.DEV
    assert deps["react-like@18.2.0"].scope is Scope.RUNTIME
    # The peer-suffixed snapshot react-dom-like@18.2.0(react-like@18.2.0) gives the edge.
    assert _edge_names(result) == {("app-only", "tarball-dep"), ("react-dom-like", "react-like"), ("tester", "shared")}
    assert deps["react-dom-like@18.2.0"].sources == (SourceLocation("pnpm-lock.yaml", 53),)


def test_v9_wrong_typed_entry_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    result = _collect(tmp_path, "pnpm-lock.yaml.v9-workspace")
    # The missing optional dependency of tester is not a Skip.
    assert result.skips == [Skip("pnpm-lock.yaml:42", "expected a mapping for package 'broken@1.0.0', got a string", "collect")]
    assert len(result.dependencies) == 9


def test_wrong_typed_version_in_importer_is_skipped(tmp_path: Path) -> None:
    path = install_fixture("pnpm-lock.yaml.v9", tmp_path)
    path.write_text(path.read_text().replace("        version: 4.1.2\n", "        version: [4.1.2]\n", 1))
    result = pnpm_lock.collect(path, CollectContext(display_base=tmp_path))
    assert result.skips == [Skip("pnpm-lock.yaml:14", "expected a version for 'chalk' in dependencies, got a list", "collect")]
    deps = _by_id(result)
    assert len(deps) == 11 and not deps["chalk@4.1.2"].direct and deps["debug@4.4.3"].direct


def test_env_document_packages_are_pnpm_tools_not_direct(tmp_path: Path) -> None:
    result = _collect(tmp_path, "pnpm-lock.yaml.env-document")
    deps = _by_id(result)
    assert len(deps) == 12
    pnpm = deps["pnpm@12.3.4"]
    assert not pnpm.direct and pnpm.scope is Scope.DEV and pnpm.groups == ("pnpm-env",)
    assert pnpm.sources == (SourceLocation("pnpm-lock.yaml", 15),)
    # The project's document, after it, is read as usual with its own lines.
    assert deps["chalk@4.1.2"].direct and deps["chalk@4.1.2"].sources == (SourceLocation("pnpm-lock.yaml", 57),)
    assert _edge_names(result) == BASIC_EDGES
    assert result.skips == []


@pytest.mark.parametrize("name", ["pnpm-lock.yaml.v9", "pnpm-lock.yaml.env-document"])
def test_corrupt_is_a_collect_error_with_its_line(tmp_path: Path, name: str) -> None:
    path = install_fixture(name, tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.startswith("  ansi-styles@4.3.0:"))
    lines[target] = "  ansi-styles@4.3.0: {\n"
    path.write_text("".join(lines))
    with pytest.raises(CollectError) as exc:
        pnpm_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where.file == "pnpm-lock.yaml"
    assert exc.value.where.line is not None and exc.value.where.line > target


def test_matches_only_pnpm_lock() -> None:
    assert pnpm_lock.matches("pnpm-lock.yaml")
    assert not pnpm_lock.matches("pnpm-workspace.yaml") and not pnpm_lock.matches("pnpm-lock.yml")


@pytest.mark.parametrize(
    "text",
    [
        "lockfileVersion: '9.0'\npackages: &p\n  a@1.0.0: *p\n",  # recursive
        "lockfileVersion: '9.0'\na: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
    ],
)
def test_yaml_aliases_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pnpm-lock.yaml"
    path.write_text(text)
    with pytest.raises(CollectError, match="without YAML aliases") as exc:
        pnpm_lock.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where.line is not None
