"""pyproject.toml: PEP 621, PEP 735 groups, Poetry tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.collect import CollectContext, CollectError
from chainwarden.collect.python import pyproject
from chainwarden.model import Scope, SourceKind
from tests.helpers import fixture


def _collect(path: Path) -> pyproject.CollectResult:
    return pyproject.collect(path, CollectContext(display_base=path.parent))


def test_pep621_fixture() -> None:
    res = _collect(fixture("pyproject.toml.pep621"))
    deps = {d.package.name: d for d in res.dependencies}
    assert res.own_names
    text = fixture("pyproject.toml.pep621").read_text().splitlines()
    for d in res.dependencies:
        line = d.sources[0].line
        assert line is not None and d.package.name.replace("-", "")[:4] in text[line - 1].lower().replace("-", "").replace("_", ""), d
    assert any(d.scope is Scope.OPTIONAL for d in deps.values())
    assert any(d.scope is Scope.DEV for d in deps.values())
    assert any(d.source_kind is not SourceKind.REGISTRY for d in deps.values())


def test_poetry_tables(tmp_path: Path) -> None:
    p = tmp_path / "pyproject.toml"
    p.write_text(
        '[tool.poetry]\nname = "app"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^2.31"\n'
        'tool = { git = "https://example.test/tool.git", tag = "v1" }\nexact = "1.2.3"\n\n'
        '[tool.poetry.group.test.dependencies]\npytest = { version = ">=8", optional = false }\n\n'
        '[[tool.poetry.source]]\nname = "corp"\nurl = "https://corp.test/simple"\npriority = "supplemental"\n'
    )
    res = _collect(p)
    deps = {d.package.name: d for d in res.dependencies}
    assert set(deps) == {"requests", "tool", "exact", "pytest"}
    assert deps["requests"].specifier == "^2.31" and deps["requests"].sources[0].line == 6
    assert deps["tool"].source_kind is SourceKind.VCS
    assert deps["exact"].package.version == "1.2.3"
    assert deps["pytest"].scope is Scope.DEV and deps["pytest"].groups == ("test",)
    assert [(h.option, h.value) for h in res.index_hints] == [("poetry-source:supplemental", "https://corp.test/simple")]
    assert res.own_names == ["app"]


def test_wrong_types_are_skips(tmp_path: Path) -> None:
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\ndependencies = ["ok==1.0", 3, "not a req !!"]\n')
    res = _collect(p)
    assert [d.package.name for d in res.dependencies] == ["ok"]
    assert len(res.skips) == 2 and all(s.what.startswith("pyproject.toml:") for s in res.skips)


def test_invalid_toml_is_a_collect_error_with_line(tmp_path: Path) -> None:
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\ndependencies = [\n')
    with pytest.raises(CollectError) as exc:
        _collect(p)
    assert exc.value.where.line is not None
