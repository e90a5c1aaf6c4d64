"""package.json: declared ranges, spec kinds, aliases, publishConfig, and what bad input gives.

`package.json.basic` is the manifest every npm lockfile fixture was generated from;
`package.json.specs` is hand-written to hold one of each kind of spec npm accepts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.collect.npm import package_json
from chainwarden.collect.npm._common import (
    exact_version,
    parse_spec,
    redact,
)
from chainwarden.model import (
    Dependency,
    Ecosystem,
    IndexHint,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
    npm_registry_base,
)
from tests.helpers import install_fixture


def _collect(tmp_path: Path, fixture_name: str) -> CollectResult:
    path = install_fixture(fixture_name, tmp_path)
    return package_json.collect(path, CollectContext(display_base=tmp_path))


def _by_name(result: CollectResult) -> dict[str, Dependency]:
    return {d.package.name: d for d in result.dependencies}


def test_basic_manifest_declares_ranges_with_their_lines_and_scopes(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package.json.basic")
    deps = _by_name(result)
    assert sorted(deps) == ["@types/node", "chalk", "debug", "is-number"]
    chalk = deps["chalk"]
    assert chalk.package == PackageId(Ecosystem.NPM, "chalk", None)
    assert chalk.sources == (SourceLocation("package.json", 9),)
    assert chalk.specifier == "^4.1.2"
    assert chalk.direct and chalk.scope is Scope.RUNTIME and not chalk.locked
    assert deps["@types/node"].sources == (SourceLocation("package.json", 8),)
    assert deps["is-number"].scope is Scope.DEV
    assert deps["is-number"].sources == (SourceLocation("package.json", 13),)
    assert result.own_names == ["cw-fixture"]
    assert result.files == ["package.json"]
    assert result.skips == [] and result.edges == []
    assert package_json.COLLECTOR.is_lockfile is False


def test_each_kind_of_spec_is_classified(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package.json.specs")
    deps = _by_name(result)
    # Exact versions pin; ranges and tags do not.
    assert deps["exact"].package.version == "1.2.3"
    assert deps["exact-eq"].package.version == "2.0.0"
    assert deps["ranged"].package.version is None and deps["ranged"].specifier == "^3.0.0"
    assert deps["tagged"].package.version is None and deps["tagged"].specifier == "latest"
    # npm: aliases name the real package; the alias is kept in groups.
    assert "aliased" not in deps
    assert deps["real-pkg"].groups == ("alias:aliased",)
    assert deps["real-pkg"].specifier == "npm:real-pkg@^4.0.0"
    assert deps["real-pkg"].source_kind is SourceKind.REGISTRY
    assert deps["@scope/real"].package.version == "1.0.0"
    # Non-registry sources.
    assert deps["gitdep"].source_kind is SourceKind.VCS
    assert deps["gitdep"].source_url == "git+https://index.invalid/owner/gitdep.git#v1.0.0"
    assert deps["hosted"].source_kind is SourceKind.VCS
    assert deps["shorthand"].source_kind is SourceKind.VCS
    assert deps["tarball"].source_kind is SourceKind.URL
    assert deps["local"].source_kind is SourceKind.PATH and deps["local"].source_url == "file:../local"
    # workspace: names the project's own package, and so does a link: or file: folder inside the scanned
    # folder (docs/decisions/0023): left out without a Skip; a folder outside (file:../local) is a dependency.
    assert "sibling" not in deps and "linked" not in deps
    # Each section gives its scope.
    assert deps["dev-tool"].scope is Scope.DEV
    assert deps["opt-native"].scope is Scope.OPTIONAL
    assert deps["react-like"].scope is Scope.PEER
    assert result.own_names == ["@cw/specs", "linked"]
    assert result.index_hints == [
        IndexHint(option="publish-registry", value="https://index.invalid/private/", location=SourceLocation("package.json", 32))
    ]


def test_wrong_typed_range_is_skipped_and_the_rest_is_read(tmp_path: Path) -> None:
    result = _collect(tmp_path, "package.json.specs")
    assert result.skips == [
        Skip(what="package.json:19", reason="expected a version range string for 'bad-type' in dependencies, got a number", stage="collect")
    ]
    assert "exact" in _by_name(result)


def test_wrong_typed_section_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{\n  "name": "x",\n  "dependencies": ["chalk"],\n  "devDependencies": {"ms": "2.1.3"}\n}\n')
    result = package_json.collect(path, CollectContext(display_base=tmp_path))
    assert [s.what for s in result.skips] == ["package.json:3"]
    assert "expected an object" in result.skips[0].reason
    assert [str(d.package) for d in result.dependencies] == ["ms@2.1.3"]


def test_corrupted_manifest_is_a_collect_error_with_its_line(tmp_path: Path) -> None:
    path = install_fixture("package.json.basic", tmp_path)
    path.write_text(path.read_text().replace('"chalk": "^4.1.2",', '"chalk": "^4.1.2",,'))
    with pytest.raises(CollectError) as exc:
        package_json.collect(path, CollectContext(display_base=tmp_path))
    assert exc.value.where == SourceLocation("package.json", 9)


def test_manifest_that_is_not_an_object_is_a_collect_error(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('["chalk"]\n')
    with pytest.raises(CollectError, match="expected a JSON object"):
        package_json.collect(path, CollectContext(display_base=tmp_path))


def test_matches_only_package_json() -> None:
    assert package_json.matches("package.json")
    assert not package_json.matches("package-lock.json")
    assert not package_json.matches("package.json5")


@pytest.mark.parametrize(
    ("spec", "version"),
    [("1.2.3", "1.2.3"), ("=1.2.3", "1.2.3"), ("v1.2.3", "1.2.3"), ("1.2.3-rc.1", "1.2.3-rc.1"), ("^1.2.3", None), ("1.2.x", None), ("1.2", None)],
)
def test_exact_version(spec: str, version: str | None) -> None:
    assert exact_version(spec) == version


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("git@index.invalid:owner/repo.git", SourceKind.VCS),
        ("git://index.invalid/owner/repo.git", SourceKind.VCS),
        ("gitlab:owner/repo", SourceKind.VCS),
        ("https://index.invalid/owner/repo.git", SourceKind.VCS),
        ("../relative", SourceKind.PATH),
        ("portal:../p", SourceKind.PATH),
        (">= 1.0.0 < 2", SourceKind.REGISTRY),
        ("*", SourceKind.REGISTRY),
    ],
)
def test_parse_spec_kinds(spec: str, kind: SourceKind) -> None:
    assert parse_spec("x", spec).kind is kind


def test_registry_base_keeps_the_path_before_the_package_name() -> None:
    assert npm_registry_base("https://index.invalid/npm/chalk/-/chalk-4.1.2.tgz") == "https://index.invalid/npm/"
    assert npm_registry_base("https://index.invalid/@types/node/-/node-22.20.5.tgz") == "https://index.invalid/"
    assert npm_registry_base("https://u:p@index.invalid:8443/r/a/-/a-1.0.0.tgz") == "https://index.invalid:8443/r/"
    assert npm_registry_base("git+https://index.invalid/o/r.git") is None


def test_redact_removes_credentials_but_not_git_user() -> None:
    assert redact("https://ci:token@index.invalid/a/-/a-1.tgz") == "https://***@index.invalid/a/-/a-1.tgz"
    assert redact("git+ssh://git@index.invalid/o/r.git") == "git+ssh://git@index.invalid/o/r.git"
