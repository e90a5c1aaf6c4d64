"""Which index chainwarden asks: the user's installer configuration, or a flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwarden.enrich.index_config import IndexConfigError, resolve_settings


def test_flag_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://pip-env.test/simple")
    monkeypatch.setenv("CHAINWARDEN_INDEX_URL", "https://cw-env.test/simple")
    s = resolve_settings([tmp_path], index_url="https://flag.test/simple/", need_npm=False)
    assert s.pypi is not None and s.pypi.url == "https://flag.test/simple" and s.pypi.origin == "--index-url"
    s = resolve_settings([tmp_path], need_npm=False)
    assert s.pypi is not None and (s.pypi.url, s.pypi.origin) == ("https://cw-env.test/simple", "CHAINWARDEN_INDEX_URL")
    monkeypatch.delenv("CHAINWARDEN_INDEX_URL")
    s = resolve_settings([tmp_path], need_npm=False)
    assert s.pypi is not None and s.pypi.origin == "PIP_INDEX_URL"


def test_pip_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://mirror.test/simple\nextra-index-url = https://other.test/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    s = resolve_settings([tmp_path], need_npm=False)
    assert s.pypi is not None and s.pypi.url == "https://mirror.test/simple" and s.pypi.origin == str(conf)


def test_uv_project_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[[tool.uv.index]]\nname = "corp"\nurl = "https://corp.test/simple"\ndefault = true\n'
    )
    s = resolve_settings([tmp_path], need_npm=False)
    assert s.pypi is not None and s.pypi.url == "https://corp.test/simple"


def test_pip_builtin_default_is_read_from_pip(tmp_path: Path) -> None:
    s = resolve_settings([tmp_path], need_npm=False)
    assert s.pypi is not None and s.pypi.origin == "pip's built-in default" and s.pypi.url.startswith("https://")


def test_npmrc_registry_and_scopes(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (tmp_path / ".npmrc").write_text(
        "registry=https://npm-mirror.test/\n@acme:registry=https://npm.acme.test/\n//npm.acme.test/:_authToken=SECRET\n"
    )
    s = resolve_settings([project], need_pypi=False)
    assert s.npm is not None and s.npm.url == "https://npm-mirror.test/"
    assert s.npm_scopes["@acme"].url == "https://npm.acme.test/"
    assert all("SECRET" not in c.url for c in s.npm_scopes.values())


def test_no_npm_anywhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm to ask
    with pytest.raises(IndexConfigError, match="--npm-registry"):
        resolve_settings([tmp_path], need_pypi=False)
