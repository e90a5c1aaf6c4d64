"""`chainwarden diff`, `chainwarden inspect NAME==VERSION` and `scan --deep`: a release's files fetched from the
test registry (digests checked), read and never run, and compared with the release before. The seed scenario's
py-formatter-util 1.2.2 adds install-time DNS exfiltration of AWS_* values over 1.2.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainwarden.cli.main import main
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
HIJACK = ROOT / "examples" / "hijack-scenario"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_diff_shows_the_seed_releases_added_install_time_dns_exfiltration(
        capsys: pytest.CaptureFixture[str], registry: RegistryServer, tmp_path: Path) -> None:
    code, doc = run_json(capsys, "diff", "py-formatter-util", "1.2.1", "1.2.2", "--index-url", registry.pypi_index_url,
                         "--cache-dir", str(tmp_path / "cache"))
    assert code == 1 and doc["complete"] is True and doc["bump"] == "patch"
    assert doc["old"]["verdict"] == "clean" and doc["new"]["verdict"] == "malicious"
    assert set(doc["added_capabilities"]) == {"dns", "install-hook"}
    assert doc["removed_archive_kinds"] == ["wheel"]
    hooks = doc["added_install_hooks"]
    assert hooks and hooks[0]["rule"] == "install-time-code"
    assert hooks[0]["location"]["file"] == "py_formatter_util-1.2.2.tar.gz/py_formatter_util-1.2.2/setup.py"
    exfil = [f for f in doc["added_findings"] if f["rule"] == "dns-exfiltration"]
    assert exfil and exfil[0]["severity"] == "critical" and "AWS_" in json.dumps(exfil[0])
    changed = doc["changed_behaviour"]
    assert changed["rule"] == "changed-behaviour" and changed["severity"] == "critical"
    assert "install-time code" in changed["message"] and "DNS" in changed["message"]


def test_diff_in_the_terminal_says_it_in_words(capsys: pytest.CaptureFixture[str], registry: RegistryServer,
                                               tmp_path: Path) -> None:
    code = main(["diff", "py-formatter-util", "1.2.1", "1.2.2", "--index-url", registry.pypi_index_url,
                 "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 1
    assert "changed-behaviour" in out and "install-time code" in out and "ships no wheel" in out


def test_diff_of_a_version_the_index_lacks_is_not_checked(capsys: pytest.CaptureFixture[str], registry: RegistryServer,
                                                          tmp_path: Path) -> None:
    code, doc = run_json(capsys, "diff", "py-formatter-util", "1.2.1", "9.9.9", "--index-url", registry.pypi_index_url,
                         "--cache-dir", str(tmp_path / "cache"))
    assert code == 3 and doc["complete"] is False
    assert "9.9.9" in doc["not_checked"][0]["reason"]


def test_inspect_a_release_from_the_index(capsys: pytest.CaptureFixture[str], registry: RegistryServer, tmp_path: Path) -> None:
    code, doc = run_json(capsys, "inspect", "py-formatter-util==1.2.2", "--index-url", registry.pypi_index_url,
                         "--cache-dir", str(tmp_path / "cache"))
    assert code == 1 and doc["verdict"] == "malicious"
    assert doc["package"] == {"name": "py-formatter-util", "version": "1.2.2"}
    (art,) = doc["artifacts"]
    assert art["filename"] == "py_formatter_util-1.2.2.tar.gz" and art["verified_against"] == "sha256 from the index"
    code, doc = run_json(capsys, "inspect", "py-formatter-util==1.2.1", "--index-url", registry.pypi_index_url,
                         "--cache-dir", str(tmp_path / "cache"))
    assert code == 0 and doc["verdict"] == "clean" and len(doc["artifacts"]) == 2


def test_inspect_an_npm_release_by_name_at_version(capsys: pytest.CaptureFixture[str], registry: RegistryServer,
                                                    tmp_path: Path) -> None:
    code, doc = run_json(capsys, "inspect", "acme-ui-kit@99.0.0", "--npm-registry", registry.npm_registry_url,
                         "--cache-dir", str(tmp_path / "cache"))
    assert doc["ecosystem"] == "npm" and doc["artifacts"][0]["verified_against"] == "sha512 integrity from the index"
    assert any(f["rule"] == "install-script" for f in doc["findings"])
    assert code in (0, 1)


def test_a_release_whose_files_cannot_be_fetched_is_not_checked_never_clean(
        capsys: pytest.CaptureFixture[str], tmp_registry: RegistryServer, tmp_path: Path) -> None:
    from datetime import datetime

    from tests.registry.builder import pypi_project

    path = pypi_project(tmp_registry.root, "gone", {"1.0": datetime(2025, 1, 1)})
    path.write_text(path.read_text().replace("https://index.invalid", "http://127.0.0.1:9"))  # nothing listens there
    code, doc = run_json(capsys, "inspect", "gone==1.0", "--index-url", tmp_registry.pypi_index_url, "--timeout", "2",
                         "--cache-dir", str(tmp_path / "cache"))
    assert code == 3 and doc["verdict"] == "not-checked" and len(doc["not_checked"]) == 2


def test_a_bad_package_spec_is_a_clear_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "no such/thing==1"]) == 2
    assert "not a package name" in capsys.readouterr().err


def test_scan_deep_reports_the_code_and_the_changed_behaviour_at_the_requirement_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = tmp_path / "hijack"
    shutil.copytree(HIJACK, project)
    args = ["scan", str(project), "--deep", "--as-of", "2026-11-21", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
            "--no-progress"]
    assert main(args) == 1
    doc = json.loads(capsys.readouterr().out)
    rules = {f["rule"]: f for f in doc["findings"]}
    assert {"changed-behaviour", "dns-exfiltration", "install-time-code"} <= set(rules)
    changed = rules["changed-behaviour"]
    assert changed["package"] == "pkg:pypi/py-formatter-util@1.2.2" and changed["location"]["line"] == 4
    assert changed["location"]["file"].endswith("requirements.txt")
    # the other packages' fixture files do not exist: said so, never counted as clean
    assert any("report-kit" in s["what"] for s in doc["skipped"])


def test_a_second_deep_scan_reads_no_archive_again(capsys: pytest.CaptureFixture[str], registry_hooks: RegistryServer,
                                                   tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("py-formatter-util==1.2.2\n")
    args = ["scan", str(project), "--deep", "--index-url", registry_hooks.pypi_index_url, "--cache-dir", str(tmp_path / "c"),
            "--format", "json", "--no-progress", "--no-dns"]
    assert main(args) == 1
    first = json.loads(capsys.readouterr().out)
    downloads = len(registry_hooks.requests_to("/files/"))
    assert downloads == 3  # 1.2.2's sdist, 1.2.1's sdist and wheel
    assert main(args) == 1
    second = json.loads(capsys.readouterr().out)
    assert len(registry_hooks.requests_to("/files/")) == downloads
    assert [f["rule"] for f in first["findings"]] == [f["rule"] for f in second["findings"]]
