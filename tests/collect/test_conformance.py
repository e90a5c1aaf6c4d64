"""Every lockfile and manifest format parses its real, tool-written fixture.

The expected figures (package count, a few exact edges, the direct dependencies)
are recorded beside the fixtures in PROVENANCE.toml, with the tool and version
that wrote each file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from chainwarden.collect import CollectContext, collect_paths
from chainwarden.model import Ecosystem
from tests.helpers import COLLECT_FIXTURES, install_fixture, real_name

PROVENANCE = tomllib.loads((COLLECT_FIXTURES / "PROVENANCE.toml").read_text(encoding="utf-8"))
LOCKFILES = sorted(n for n, e in PROVENANCE.items() if e.get("edges") is not None and not n.startswith(("pyproject", "package.json", "Pipfile.basic", "requirements.in")))
MANIFESTS = sorted(n for n in PROVENANCE if n.startswith(("pyproject", "package.json")))


def _scan(tmp_path: Path, *names: str):
    for n in names:
        if n.startswith("Pipfile.basic"):
            (tmp_path / "Pipfile").write_bytes((COLLECT_FIXTURES / n).read_bytes())
        else:
            install_fixture(n, tmp_path)
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    return graphs, skips


@pytest.mark.parametrize("name", LOCKFILES)
def test_lockfile_alone_counts_packages_and_edges(tmp_path: Path, name: str) -> None:
    expected = PROVENANCE[name]
    graphs, skips = _scan(tmp_path, name)
    assert skips == []
    assert len(graphs) == 1
    g = graphs[0]
    assert g.project.ecosystem is Ecosystem(expected["ecosystem"])
    locked = {(d.package.name, d.package.version) for d in g.dependencies if d.package.version is not None}
    assert len(locked) == expected["package_count"], sorted(locked)
    edges = {(e.parent.name, e.child.name) for e in g.edges}
    for parent, child in expected["edges"]:
        assert (parent, child) in edges
    # Every package records the lockfile line it came from.
    for d in g.dependencies:
        assert d.sources and all(s.line is not None and s.line >= 1 for s in d.sources), d


@pytest.mark.parametrize("name", [n for n in LOCKFILES if PROVENANCE[n].get("manifest")])
def test_lockfile_with_manifest_knows_direct_dependencies(tmp_path: Path, name: str) -> None:
    expected = PROVENANCE[name]
    graphs, _ = _scan(tmp_path, name, expected["manifest"])
    assert len(graphs) == 1
    direct = {d.package.name for d in graphs[0].dependencies if d.direct}
    assert set(expected["direct"]) <= direct
    # The manifest's own line is recorded next to the lockfile's.
    manifest_file = "Pipfile" if expected["manifest"].startswith("Pipfile") else real_name(expected["manifest"])
    for d in graphs[0].dependencies:
        if d.package.name in expected["direct"]:
            assert any(s.file == manifest_file for s in d.sources), d
            assert d.package.version is not None


@pytest.mark.parametrize("name", MANIFESTS)
def test_manifest_alone_lists_declared_ranges_unpinned(tmp_path: Path, name: str) -> None:
    expected = PROVENANCE[name]
    graphs, _ = _scan(tmp_path, name)
    assert len(graphs) == 1
    names = {d.package.name for d in graphs[0].dependencies}
    assert len(names) == expected["package_count"], sorted(names)
    assert set(expected["direct"]) <= {d.package.name for d in graphs[0].dependencies if d.direct}
