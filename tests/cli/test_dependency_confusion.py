"""Dependency confusion end to end, over HTTP: a company's private index (tests/registry/data-private)
serves its internal acme-billing 1.0 and 1.1; a stranger published acme-billing 99.0 on the public
test index (tests/registry/data). A requirements.txt that adds the private index with
--extra-index-url lets pip take 99.0."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from chainwarden.cli.main import main
from chainwarden.report.json_report import schema
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", "--no-dns", "--format", "json", *argv])
    out, err = capsys.readouterr()
    report = json.loads(out)
    jsonschema.validate(report, schema())
    return code, report, err


def _project(tmp_path: Path, requirements: str, name: str = "billing") -> Path:
    project = tmp_path / name
    project.mkdir()
    (project / "requirements.txt").write_text(requirements)
    return project


def _by_rule(report: dict, package: str) -> dict[str, dict]:
    return {f["rule"]: f for f in report["findings"] if f["package"] == package}


def test_extra_index_url_lets_the_public_99_win_and_both_rules_say_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], registry: RegistryServer, private_registry: RegistryServer, tmp_path: Path
) -> None:
    project = _project(tmp_path, f"--extra-index-url {private_registry.pypi_index_url}\nacme-billing==1.0\n")
    code, report, _ = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url,
                                "--public-index", registry.pypi_index_url, "--cache-dir", str(tmp_path / "cache"))
    assert code == 1
    found = _by_rule(report, "pkg:pypi/acme-billing@1.0")
    confusion, config = found["dependency-confusion"], found["index-config-unsafe"]
    assert confusion["severity"] == "critical" and confusion["confidence"] == "high"
    assert "99.0" in confusion["message"] and "1.1" in confusion["message"]  # public 99.0 over the private 1.1
    assert confusion["location"]["line"] == 2
    evidence = {e["label"]: e["value"] for e in confusion["evidence"]}
    assert evidence["private index"].startswith(private_registry.pypi_index_url)
    assert evidence["public index"] == f"{registry.pypi_index_url}: 99.0"
    assert evidence["public package first released"].startswith("2026-11-15 (5 days ago)")
    assert config["severity"] == "high"
    assert config["location"]["line"] == 1 and "--extra-index-url" in config["message"]
    assert "[tool.uv.sources] acme-billing" in config["fix"] and "--hash" in config["fix"]
    assert "pin acme-billing to its private index" in confusion["fix"]
    # The private package's facts come from the private index (it has 1.0), not from the stranger's.
    package = next(p for p in report["packages"] if p["name"] == "acme-billing")
    assert package["registry"]["index"] == private_registry.pypi_index_url
    assert not [f for f in report["findings"] if f["rule"] == "not-on-index"]


def test_terminal_report_shows_both_rules_with_their_fixes(
    capsys: pytest.CaptureFixture[str], registry: RegistryServer, private_registry: RegistryServer, tmp_path: Path
) -> None:
    project = _project(tmp_path, f"--extra-index-url {private_registry.pypi_index_url}\nacme-billing==1.0\n")
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", "--no-dns", str(project), "--index-url",
                 registry.pypi_index_url, "--public-index", registry.pypi_index_url, "--cache-dir", str(tmp_path / "c")])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "CRITICAL dependency-confusion" in out and "HIGH index-config-unsafe" in out
    assert out.count("fix:") >= 2


def test_private_index_named_on_the_command_line(
    capsys: pytest.CaptureFixture[str], registry: RegistryServer, private_registry: RegistryServer, tmp_path: Path
) -> None:
    """No index statement in the project: --private-index says where the company's packages live."""
    project = _project(tmp_path, "acme-billing==1.0\nacme-ledger==2.1.0\nsix==1.16.0\n")
    code, report, _ = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url, "--public-index",
                                registry.pypi_index_url, "--private-index", private_registry.pypi_index_url,
                                "--cache-dir", str(tmp_path / "cache"))
    assert code == 1
    assert _by_rule(report, "pkg:pypi/acme-billing@1.0")["dependency-confusion"]["severity"] == "high"  # no exposing config
    assert _by_rule(report, "pkg:pypi/acme-ledger@2.1.0")["dependency-confusion"]["severity"] == "medium"  # unclaimed
    assert not [f for f in report["findings"] if f["rule"] == "index-config-unsafe"]
    assert _by_rule(report, "pkg:pypi/six@1.16.0").get("dependency-confusion") is None  # mirrored, not private


def test_an_unreachable_private_index_is_not_checked_and_says_so(
    capsys: pytest.CaptureFixture[str], registry: RegistryServer, tmp_path: Path
) -> None:
    project = _project(tmp_path, "--extra-index-url http://127.0.0.1:9/simple\nacme-billing==1.0\n")
    code, report, _ = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url, "--public-index",
                                registry.pypi_index_url, "--cache-dir", str(tmp_path / "cache"), "--timeout", "2")
    assert not [f for f in report["findings"] if f["rule"] in ("dependency-confusion", "index-config-unsafe")]
    assert [s for s in report["skipped"] if s["what"] == "pypi:acme-billing@http://127.0.0.1:9/simple"]
    code, report, _ = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url, "--public-index",
                                registry.pypi_index_url, "--cache-dir", str(tmp_path / "cache"), "--timeout", "2", "--strict")
    assert code == 3


def test_policy_sources_mark_internal_names_and_name_the_public_index(
    capsys: pytest.CaptureFixture[str], registry: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHAINWARDEN_PUBLIC_INDEX")
    project = _project(tmp_path, "acme-billing==1.0\n")
    (project / "chainwarden.toml").write_text(
        f'[sources]\ninternal-packages = ["ACME_*"]\npublic-index = "{registry.pypi_index_url}"\n'
        '[rules.not-on-index]\naction = "ignore"\n')
    code, report, _ = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url, "--cache-dir", str(tmp_path / "c"))
    finding = _by_rule(report, "pkg:pypi/acme-billing@1.0")["dependency-confusion"]
    assert code == 1 and finding["severity"] == "high"
    assert "matches internal-packages 'ACME_*'" in finding["message"]


def test_a_bad_sources_table_is_a_usage_error_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = _project(tmp_path, "acme-billing==1.0\n")
    (project / "chainwarden.toml").write_text('[sources]\nprivate-indexes = "pkgs.acme.test"\n')
    code = main(["scan", "--no-progress", str(project)])
    err = capsys.readouterr().err
    assert code == 2
    assert "chainwarden.toml:2" in err and "private-indexes" in err


def test_the_bundled_example_works_offline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """examples/dependency-confusion: a registry snapshot stands for the public index; the private one
    cannot be asked (a Skip says so), and internal-packages marks the company's names."""
    code, report, _ = scan_json(capsys, str(ROOT / "examples" / "dependency-confusion"), "--cache-dir", str(tmp_path / "c"))
    assert code == 1
    found = _by_rule(report, "pkg:pypi/acme-billing@1.0")
    assert found["dependency-confusion"]["severity"] == "critical"
    assert found["index-config-unsafe"]["severity"] == "high"
    assert [s for s in report["skipped"] if s["what"].startswith("pypi-index:")]
