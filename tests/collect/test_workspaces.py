"""Workspaces: a member folder is covered by the root's lockfile (docs/workspaces.md, decision 0022), and
local packages follow one rule in every format (decision 0023).

Each `workspace.*` fixture is the same small project written by the real tool (PROVENANCE.toml): a root
(dev: is-number@7.0.0), members packages/a (ms@2.1.3, the sibling @ws/b, a local folder local-util, and a
local fork of is-number at forks/is-number next to the registry is-number) and packages/b (debug@4.3.4, and
outside-dep, a folder outside the scanned one). `workspace.uv` is a uv workspace of two members, an excluded
folder, a path dependency inside the project and one outside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.cli.main import main
from chainwarden.collect import CollectContext, collect_paths, workspace
from chainwarden.model import DependencyGraph, Edge, Ecosystem, PackageId, Scope, SourceKind
from tests.helpers import install_tree

NPM = ["workspace.pnpm-v9", "workspace.pnpm-v6", "workspace.npm-v3", "workspace.yarn-v1", "workspace.yarn-berry"]


def _collect(tmp_path: Path, name: str) -> tuple[list[DependencyGraph], list[object]]:
    root = install_tree(name, tmp_path / "ws")
    graphs, skips = collect_paths([root], CollectContext(display_base=root))
    return graphs, list(skips)


def _ids(graph: DependencyGraph) -> dict[str, object]:
    return {str(d.package): d for d in graph.dependencies}


@pytest.mark.parametrize("name", NPM)
def test_npm_members_join_the_root_project_of_their_lockfile(tmp_path: Path, name: str) -> None:
    graphs, skips = _collect(tmp_path, name)
    assert skips == []
    assert [g.project.root for g in graphs] == ["."]  # no member is a project of its own (no lockfile-missing)
    g = graphs[0]
    assert set(g.project.members) == {"packages/a", "packages/b", "local-util", "forks/is-number"}
    assert g.project.lockfiles and set(g.project.own_names) >= {"@ws/a", "@ws/b", "local-util"}
    deps = {d.package: d for d in g.dependencies}
    # local-util asks for ms 2.1.2; the yarn fixtures' resolutions make every ms 2.1.3.
    local_ms = "2.1.3" if "yarn" in name else "2.1.2"
    registry = {str(p) for p, d in deps.items() if d.source_kind is SourceKind.REGISTRY}
    assert registry == {"debug@4.3.4", "is-number@7.0.0", f"ms@{local_ms}", "ms@2.1.3"}  # each once, all locked
    # The registry is-number beside the project's own fork of the same name (the pnpm crash of issue 14).
    is_number = deps[PackageId(Ecosystem.NPM, "is-number", "7.0.0")]
    assert is_number.scope is Scope.DEV and is_number.direct and is_number.source_url in (None, "https://index.invalid/npm/is-number/-/is-number-7.0.0.tgz#7535345b896734d5f80c4d06c50955527a14f12b")
    # What the members declare is direct, with the member's manifest line among its sources.
    ms = deps[PackageId(Ecosystem.NPM, "ms", "2.1.3")]
    assert ms.direct and any(s.file == "packages/a/package.json" for s in ms.sources)
    # The project's own folder local-util is not a dependency; what it depends on is, directly.
    assert not any(p.name == "local-util" for p in deps)
    assert deps[PackageId(Ecosystem.NPM, "ms", local_ms)].direct
    # A folder outside the scanned one is a local dependency, listed (and not checked).
    outside = [d for p, d in deps.items() if p.name == "outside-dep"]
    assert len(outside) == 1 and outside[0].source_kind is SourceKind.PATH and outside[0].direct
    assert Edge(outside[0].package, PackageId(Ecosystem.NPM, "ms", "2.1.3")) in g.edges


def test_yarn_berry_keeps_the_registry_package_named_like_the_root_workspace(tmp_path: Path) -> None:
    """prettier's yarn.lock: the root workspace is "prettier" and formats itself with prettier@npm:3.9.6,
    which was dropped as "the project's own"; here the root is named is-number."""
    graphs, _ = _collect(tmp_path, "workspace.yarn-berry")
    g = graphs[0]
    assert "is-number" in g.project.own_names
    assert "is-number@7.0.0" in _ids(g)


@pytest.mark.parametrize("name", ["workspace.yarn-berry", "workspace.yarn-v1"])
def test_yarn_resolutions_apply_to_edges(tmp_path: Path, name: str) -> None:
    """debug@4.3.4 asks for ms "2.1.2"; the root's resolutions make it 2.1.3. yarn berry then has no entry for
    ms@npm:2.1.2 (the edge was a Skip: "expected an entry"), yarn 1 lists both ranges on one entry."""
    graphs, skips = _collect(tmp_path, name)
    assert skips == []
    edges = {(str(e.parent), str(e.child)) for e in graphs[0].edges}
    assert ("debug@4.3.4", "ms@2.1.3") in edges


def test_pnpm_local_packages_are_named_by_their_name_never_their_key(tmp_path: Path) -> None:
    """pnpm 8 keys a local package `file:local-util` and names it in a `name:` field; without that field the key
    gave the invented name `file:..`. The name it is depended on by names it."""
    root = install_tree("workspace.pnpm-v6", tmp_path / "ws")
    lock = root / "pnpm-lock.yaml"
    lock.write_text(lock.read_text(encoding="utf-8").replace("    name: outside-dep\n", ""), encoding="utf-8")
    graphs, skips = collect_paths([root], CollectContext(display_base=root))
    assert skips == []
    names = {d.package.name for d in graphs[0].dependencies}
    assert "outside-dep" in names and not any(n.startswith("file:") for n in names)


def test_uv_workspace_members_are_one_project_with_the_root_lockfile(tmp_path: Path) -> None:
    graphs, skips = _collect(tmp_path, "workspace.uv")
    assert skips == []
    by_root = {g.project.root: g for g in graphs}
    # packages/skipped is excluded from the workspace ([tool.uv.workspace] exclude): a project of its own.
    assert set(by_root) == {".", "packages/skipped"}
    g = by_root["."]
    assert set(g.project.members) == {"packages/ws-app", "packages/ws-lib", "tools/local-tool"}
    assert set(g.project.own_names) == {"ws-root", "ws-app", "ws-lib", "local-tool"}
    deps = {d.package.name: d for d in g.dependencies}
    assert set(deps) == {"certifi", "idna", "sniffio", "outside-py"}
    assert all(d.package.version for d in deps.values())
    # sniffio is declared by both members: one package, both lines.
    assert {s.file for s in deps["sniffio"].sources} >= {"packages/ws-app/pyproject.toml", "packages/ws-lib/pyproject.toml"}
    assert deps["outside-py"].source_kind is SourceKind.PATH and deps["outside-py"].package.version == "1.0.0"
    assert deps["certifi"].direct  # a dependency of the project's own folder tools/local-tool


@pytest.mark.parametrize("name", [*NPM, "workspace.uv"])
def test_a_workspace_scan_names_no_member_lockfile_missing_or_unpinned(tmp_path: Path, name: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The scan (offline: nothing is asked) of each workspace: no lockfile-missing, no unpinned dependency, and
    never exit 4 (pnpm: a local package beside a registry one of the same name crashed the sort)."""
    import json

    root = install_tree(name, tmp_path / "ws")
    code = main(["scan", str(root), "--offline", "--no-dns", "--cache-dir", str(tmp_path / "cache"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1, 3)  # 3: offline with an empty cache, every lookup failed (decision 0024); never 4
    rules = {f["rule"] for f in doc["findings"]}
    if name != "workspace.uv":
        assert rules.isdisjoint({"lockfile-missing", "unpinned-dependency"}), rules
    else:  # the excluded folder is a project without a lockfile, as uv sees it
        assert {f["package"] for f in doc["findings"] if f["rule"] == "unpinned-dependency"} == {"pkg:pypi/certifi"}


def test_a_local_package_beside_a_registry_one_of_the_same_name_never_ends_the_scan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14: a pnpm workspace whose member links a local package (no version) next to a registry package of
    the same name ended the scan with exit 4 (`'<' not supported between 'str' and 'NoneType'` sorting the direct
    dependencies); issue 12's total order fixed it. Here the link is moved outside the scanned folder, so that the
    graph holds both the unversioned local is-number and the registry is-number@7.0.0."""
    import json

    root = install_tree("workspace.pnpm-v9", tmp_path / "ws")
    for name in ("pnpm-lock.yaml", "packages/a/package.json"):
        f = root / name
        f.write_text(f.read_text(encoding="utf-8").replace("link:../../forks/is-number", "link:../../../forks/is-number"),
                     encoding="utf-8")
    graphs, _ = collect_paths([root], CollectContext(display_base=root))
    both = sorted(str(d.package) for d in graphs[0].dependencies if d.package.name == "is-number")
    assert both == ["is-number", "is-number@7.0.0"] and all(d.direct for d in graphs[0].dependencies if d.package.name == "is-number")
    code = main(["scan", str(root), "--offline", "--no-dns", "--cache-dir", str(tmp_path / "cache"), "--format", "json"])
    assert code in (0, 1, 3)  # 3: offline with an empty cache (decision 0024); never 4
    doc = json.loads(capsys.readouterr().out)
    assert any("is-number" in s["what"] and "not installed from an index" in s["reason"] for s in doc["skipped"])


@pytest.mark.parametrize(("folder", "patterns", "member"), [
    ("packages/a", ["packages/*"], True),
    ("packages/a/b", ["packages/*"], False),
    ("packages/a/b", ["packages/**"], True),
    ("packages/skipped", ["packages/*", "!packages/skipped"], False),
    ("./examples/clients/x/", ["examples/clients/*"], True),  # the python-sdk's uv members
    ("playground/alias/dir/module", ["playground/**"], True),  # vite's pnpm-workspace.yaml
    ("packages/vite/src/__tests__/fix", ["packages/**/__tests__/**"], True),
    ("weird[1]", [workspace.literal("weird[1]")], True),  # a folder a lockfile names, matched exactly
    ("weird1", [workspace.literal("weird[1]")], False),
    ("outside", ["../outside", "/abs/outside"], False),  # patterns out of the root name nothing
    (".", ["**"], False),  # the root is not its own member
])
def test_member_patterns(folder: str, patterns: list[str], member: bool) -> None:
    assert workspace.is_member(folder, workspace.patterns_of(patterns)) is member


def test_hostile_member_patterns_are_bounded() -> None:
    """A manifest's globs are matched segment by segment in linear time (no backtracking), and a glob of more
    segments than any folder has, or more globs than any workspace has, is not used."""
    deep = "/".join(["**"] * 40 + ["x"])
    many = [f"g{i}/*" for i in range(10_000)]
    patterns = workspace.patterns_of([deep, "**/" * 30 + "y", *many])
    assert not workspace.is_member("a/" * 50 + "x", patterns)  # the 41-segment glob is dropped
    assert workspace.is_member("g1/a", patterns) and not workspace.is_member("g9999/a", patterns)  # past MAX_GLOBS
    assert workspace.is_member("a/" * 25 + "y", patterns)  # 31 segments: used, and matched without backtracking


@pytest.mark.parametrize(("text", "members", "skipped"), [
    ("packages:\n  - 'packages/*'\n  - '!packages/private'\n", ["packages/*", "!packages/private"], False),
    ("packages: packages/*\n", [], True),
    ("packages:\n  - [a]\n  - b\n", ["b"], True),
    ("packages:\n", [], False),
    ("catalog: &c {a: 1}\nother: *c\npackages: ['x']\n", ["x"], False),  # anchors elsewhere are never converted
    ("", [], False),
])
def test_pnpm_workspace_yaml_members_and_bad_input(tmp_path: Path, text: str, members: list[str], skipped: bool) -> None:
    from chainwarden.collect.npm import pnpm_workspace

    path = tmp_path / "pnpm-workspace.yaml"
    path.write_text(text, encoding="utf-8")
    result = pnpm_workspace.collect(path, CollectContext(display_base=tmp_path))
    assert result.members == members and bool(result.skips) is skipped and result.dependencies == []


def test_a_pnpm_workspace_yaml_that_is_not_a_mapping_is_a_skip_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "pnpm-workspace.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "r", "dependencies": {"ms": "2.1.3"}}', encoding="utf-8")
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert [s.what for s in skips] == ["pnpm-workspace.yaml:1"] and "expected a mapping" in skips[0].reason
    assert [str(d.package) for d in graphs[0].dependencies] == ["ms@2.1.3"]
