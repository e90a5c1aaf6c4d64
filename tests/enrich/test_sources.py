"""Where packages come from: the installers' configuration read by enrich.index_config, and
the private-name rules of enrich.sources, through whole scans against the two test indexes
(tests/registry/data is public, tests/registry/data-private the company's)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chainwarden.enrich import EnrichOptions, SourceOptions
from chainwarden.enrich.index_config import installer_statements
from chainwarden.model import Ecosystem, ScanResult
from chainwarden.pipeline import ScanRequest, scan
from tests.registry.server import RegistryServer

TODAY = datetime(2026, 11, 21, tzinfo=UTC)


def test_pip_configuration_files_and_variables_add_extra_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\ntimeout = 60\nextra-index-url =\n    https://a.example.test/simple\n    https://b.example.test/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://c.example.test/simple")
    monkeypatch.setenv("UV_INDEX", "acme=https://d.example.test/simple https://e.example.test/simple")
    monkeypatch.setenv("UV_INDEX_STRATEGY", "unsafe-best-match")
    st = installer_statements([tmp_path], npm=False)
    got = [(u.url, u.role, u.installer, u.origin, u.name) for u in st.uses]
    assert got == [
        ("https://a.example.test/simple", "extra", "pip", f"{conf}:3", ""),
        ("https://b.example.test/simple", "extra", "pip", f"{conf}:3", ""),
        ("https://c.example.test/simple", "extra", "pip", "PIP_EXTRA_INDEX_URL", ""),
        ("https://d.example.test/simple", "extra", "uv", "UV_INDEX", "acme"),
        ("https://e.example.test/simple", "extra", "uv", "UV_INDEX", ""),
    ]
    assert st.settings == [("uv index-strategy", "unsafe-best-match", "UV_INDEX_STRATEGY")]
    assert installer_statements([tmp_path], npm=False, machine=False).uses == []  # a snapshot run reads none of it


def test_uv_settings_in_the_project_are_located_hints(tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text(
        'index-strategy = "unsafe-first-match"\n\n[[index]]\nname = "acme"\nurl = "https://pkgs.acme.test/simple"\n'
        'explicit = true\n\n[sources]\nAcme_Billing = { index = "acme" }\n')
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.uv]\nextra-index-url = ["https://f.example.test/simple"]\n')
    hints = installer_statements([tmp_path], {(tmp_path / "uv.toml").resolve(): "uv.toml",
                                               (tmp_path / "pyproject.toml").resolve(): "pyproject.toml"}, npm=False).hints
    got = [(h.option, h.value, str(h.location), h.name) for h in hints]
    assert got == [
        ("uv-index-strategy", "unsafe-first-match", "uv.toml:1", ""),
        ("uv-index:explicit", "https://pkgs.acme.test/simple", "uv.toml:5", "acme"),
        ("uv-pin", "acme", "uv.toml:9", "acme-billing"),
        ("uv-extra-index-url", "https://f.example.test/simple", "pyproject.toml:5", ""),
    ]


def test_npmrc_scope_mappings_know_whether_they_are_the_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / ".npmrc").write_text("@acme:registry=https://npm.acme.test/\n//npm.acme.test/:_authToken=fake-token\n")
    user = tmp_path / "user-npmrc"
    user.write_text("@other:registry=https://npm.other.test\n")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(user))
    uses = installer_statements([project], pypi=False).uses
    assert [(u.name, u.url, u.location is not None) for u in uses] == [
        ("@acme", "https://npm.acme.test/", True), ("@other", "https://npm.other.test/", False)]


def _scan(project: Path, public: RegistryServer, tmp_path: Path, **sources: object) -> ScanResult:
    options = EnrichOptions(index_url=public.pypi_index_url, npm_registry=public.npm_registry_url, cache_dir=tmp_path / "c",
                            sources=SourceOptions(public_index=public.pypi_index_url,
                                                  public_npm_registry=public.npm_registry_url, **sources))  # type: ignore[arg-type]
    return scan(ScanRequest(paths=[project], options=options, display_base=project, now=TODAY, no_dns=True))


def test_a_lockfile_registry_that_serves_a_version_the_configured_index_lacks_makes_it_private(
    registry: RegistryServer, private_registry: RegistryServer, tmp_path: Path
) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "uv.lock").write_text(f"""version = 1
requires-python = ">=3.11"

[[package]]
name = "acme-ledger"
version = "2.1.0"
source = {{ registry = "{private_registry.pypi_index_url}" }}

[[package]]
name = "six"
version = "1.16.0"
source = {{ registry = "{registry.pypi_index_url}" }}

[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "acme-ledger" }}, {{ name = "six" }}]
""")
    result = _scan(project, registry, tmp_path)
    setup = result.graphs[0].indexes
    assert setup is not None
    assert list(setup.private) == ["acme-ledger"]
    assert setup.private["acme-ledger"].why == (f"the lockfile takes 2.1.0 from {private_registry.pypi_index_url}, "
                                                f"which {registry.pypi_index_url} does not have")
    found = {(f.rule, f.package.name): f for f in result.findings}
    assert found[("dependency-confusion", "acme-ledger")].severity.value == "medium"  # unclaimed publicly
    assert ("not-on-index", "acme-ledger") not in found  # its facts come from the private index


def test_a_lockfile_registry_the_configuration_does_not_name_is_not_evidence_on_its_own(
    registry: RegistryServer, tmp_path: Path
) -> None:
    """yarn v1 writes its own alias of the public npm registry into `resolved`; a lockfile that mixes it with the
    registry's own URL names two spellings of one public registry, not a private one. Nothing is private, and the
    alias is not asked (here it could not be: its host is under .invalid)."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "version": "1.0.0", "dependencies": {"chalk": "^4.1.2"}}\n')
    alias = "https://registry-alias.invalid/npm/"
    (project / "yarn.lock").write_text(f"""# yarn lockfile v1


chalk@^4.1.2:
  version "4.1.2"
  resolved "{registry.npm_registry_url}chalk/-/chalk-4.1.2.tgz"
  dependencies:
    supports-color "^7.1.0"

supports-color@^7.1.0:
  version "7.2.0"
  resolved "{alias}supports-color/-/supports-color-7.2.0.tgz"
""")
    (project / "uv.lock").write_text(f"""version = 1
requires-python = ">=3.11"

[[package]]
name = "six"
version = "1.16.0"
source = {{ registry = "https://mirror.invalid/simple" }}

[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "six" }}]
""")
    result = _scan(project, registry, tmp_path)
    assert all(g.indexes is None or not g.indexes.private for g in result.graphs)
    assert not [f for f in result.findings if f.rule in ("dependency-confusion", "index-config-unsafe")]
    assert not [s for s in result.skips if ".invalid" in s.what or ".invalid" in s.reason]


def test_poetry_private_primary_next_to_the_public_one_is_merged(
    registry: RegistryServer, private_registry: RegistryServer, tmp_path: Path
) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(f"""[tool.poetry]
name = "app"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.11"
acme-billing = "^1.0"

[[tool.poetry.source]]
name = "acme"
url = "{private_registry.pypi_index_url}"
priority = "primary"

[[tool.poetry.source]]
name = "PyPI"
priority = "primary"
""")
    result = _scan(project, registry, tmp_path)
    found = {f.rule: f for f in result.findings if f.package.name == "acme-billing"}
    assert found["index-config-unsafe"].location is not None and found["index-config-unsafe"].location.line == 11
    assert "merges its primary sources" in found["index-config-unsafe"].message
    assert found["dependency-confusion"].severity.value == "critical"


def test_without_a_second_index_nothing_is_asked(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    registry = registry_hooks
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("six==1.16.0\n")
    result = _scan(project, registry, tmp_path)
    assert result.graphs[0].indexes is None
    assert [r.path for r in registry.requests] == ["/pypi/six/json"]


@pytest.mark.parametrize("eco", [Ecosystem.PYPI])
def test_the_public_index_of_a_test_run_is_never_the_real_one(eco: Ecosystem) -> None:
    from chainwarden.enrich.index_config import public_index

    assert public_index(eco) == ("http://127.0.0.1:9/simple", "CHAINWARDEN_PUBLIC_INDEX")


def test_a_version_the_registry_unpublished_is_one_it_served() -> None:
    """npm keeps the publish time of an unpublished version: a lockfile that took it from another spelling of the
    registry is no evidence of a private registry (rule 3 of enrich.sources)."""
    from chainwarden.enrich.documents import parse_npm_packument
    from chainwarden.enrich.sources import _served

    body = b'''{"name": "left-trim", "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": {"name": "left-trim", "version": "1.0.0"}},
        "time": {"created": "2024-01-01T00:00:00Z", "1.0.0": "2024-01-01T00:00:00Z", "1.0.1": "2024-02-01T00:00:00Z"}}'''
    rec = parse_npm_packument(body, "https://registry.example.test/")
    assert _served(rec, "1.0.1") is True  # unpublished, but it was there
    assert _served(rec, "1.0.0") is True
    assert _served(rec, "2.0.0") is False
    assert _served(None, "1.0.0") is None  # the configured index could not be asked: no evidence either way
