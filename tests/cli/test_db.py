"""`chainwarden db update|show` and what scans do with advisory data, as a user runs them: the fixture
advisory set flags the right packages on PyPI and npm, every report says how old the data is, no
data is a Skip that --strict fails on, and a querybatch service can stand in for the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from chainwarden.cli.main import main
from chainwarden.report.json_report import schema
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "enrich" / "advisories"
REGISTRY_DATA = ROOT / "tests" / "registry" / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, "scan", "--format", "json", "--no-progress", "--no-dns", *argv)
    report = json.loads(out)
    jsonschema.validate(report, schema())
    return code, report, err


@pytest.fixture
def projects(tmp_path: Path) -> tuple[Path, Path]:
    py = tmp_path / "py"
    py.mkdir()
    (py / "requirements.txt").write_text("requests==2.18.4\nurllib3==1.26.20\npy-formatter-util==1.2.2\nsix==1.16.0\n")
    npm = tmp_path / "npm"
    npm.mkdir()
    deps = {"debug": "4.3.4", "ms": "2.1.3", "acme-ui-kit": "99.0.0", "chalk": "5.2.0"}
    (npm / "package.json").write_text(json.dumps({"name": "demo", "version": "1.0.0", "dependencies": {k: v for k, v in deps.items()}}))
    packages: dict[str, object] = {"": {"name": "demo", "version": "1.0.0", "dependencies": deps}}
    packages.update({f"node_modules/{k}": {"version": v} for k, v in deps.items()})
    (npm / "package-lock.json").write_text(json.dumps({"name": "demo", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}, indent=2))
    return py, npm


def _by(report: dict, rule: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in report["findings"]:
        if f["rule"] == rule:
            out.setdefault(f["package"], []).append(f["evidence"][0]["value"])
    return out


def test_db_update_then_scans_flag_both_ecosystems(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   projects: tuple[Path, Path]) -> None:
    cache = str(tmp_path / "cache")
    code, out, err = run(capsys, "db", "update", "--source", str(SET), "--cache-dir", cache)
    assert code == 0 and err == ""
    assert "11 advisories imported (npm 5, pypi 6; 3 malware reports); left out: 1 withdrawn" in out
    code, out, _ = run(capsys, "db", "show", "--cache-dir", cache)
    assert code == 0 and "pypi: 6 advisories (1 malware reports)" in out and "npm: 5 advisories (2 malware reports)" in out
    assert f"source {SET}: 11 records, imported " in out and "minutes old" in out

    py, npm = projects
    snap = ["--registry-snapshot", str(REGISTRY_DATA), "--cache-dir", cache]
    code, report, _ = scan_json(capsys, str(py), *snap)
    assert code == 1
    assert _by(report, "known-malicious") == {"pkg:pypi/py-formatter-util@1.2.2": ["MAL-2026-9001"]}
    # one finding for the GHSA, its PYSEC and their CVE; nothing for urllib3 1.26.20 (past the fix)
    assert _by(report, "known-vulnerable") == {
        "pkg:pypi/requests@2.18.4": ["GHSA-cw01-fixt-0001 (CVE-2099-0001, PYSEC-2099-1)"],
        "pkg:pypi/six@1.16.0": ["GHSA-cw03-fixt-0003"]}
    requests = next(f for f in report["findings"] if f["rule"] == "known-vulnerable" and "requests" in f["package"])
    assert requests["severity"] == "high" and requests["fix"] == "upgrade requests to 2.20.0 or later"
    assert requests["location"] == {"file": "py/requirements.txt", "line": 1} or requests["location"]["line"] == 1
    [data] = report["advisory_data"]
    assert data["source"] == str(SET) and data["kind"] == "store" and data["records"] == 11 and 0 <= data["age_days"] < 1
    assert not [s for s in report["skipped"] if s["what"] == "advisories"]

    code, report, _ = scan_json(capsys, str(npm), *snap)
    assert _by(report, "known-malicious") == {"pkg:npm/acme-ui-kit@99.0.0": ["MAL-2026-9002"]}
    assert _by(report, "known-vulnerable") == {"pkg:npm/debug@4.3.4": ["GHSA-cw05-fixt-0005 (CVE-2099-0005)"],
                                               "pkg:npm/chalk@5.2.0": ["GHSA-cw07-fixt-0007"]}
    code, out, _ = run(capsys, "scan", str(npm), *snap, "--no-progress", "--no-dns")
    assert f"advisories: {SET} (11 records, imported " in out.replace("\n", "")


def test_no_advisory_data_is_said_and_fails_strict(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   projects: tuple[Path, Path]) -> None:
    py, _ = projects
    (py / "requirements.txt").write_text("requests==2.32.3\n")
    snap = ["--registry-snapshot", str(REGISTRY_DATA), "--cache-dir", str(tmp_path / "cache")]
    code, out, _ = run(capsys, "scan", "--format", "json", str(py), *snap, "--no-progress")  # DNS: the test server
    report = json.loads(out)
    assert code == 0 and report["advisory_data"] == []
    [skip] = report["skipped"]  # the only thing not checked
    assert skip["what"] == "advisories" and skip["reason"].startswith("no advisory data loaded")
    code, out, _ = run(capsys, "scan", str(py), *snap, "--no-progress", "--strict")
    assert code == 3
    assert "advisories: none loaded" in out and "no advisory data loaded" in out
    run(capsys, "db", "update", "--source", str(SET), "--cache-dir", str(tmp_path / "cache"))
    assert run(capsys, "scan", str(py), *snap, "--no-progress", "--strict")[0] == 0


def test_bad_input_is_a_message_never_a_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    src = tmp_path / "src"
    shutil.copytree(SET, src)
    (src / "GHSA-bad.json").write_text(json.dumps({"id": "GHSA-bad", "modified": "2026-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]}))
    code, out, err = run(capsys, "db", "update", "--source", str(src), "--cache-dir", cache)
    assert code == 0 and "11 advisories imported" in out and "1 rejected" in out
    assert f"not imported: {src}/GHSA-bad.json: affected[0].ranges[0].events: expected at least one \"introduced\" event" in err
    assert "Traceback" not in err
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "db", "update", "--source", str(tmp_path / "empty"), "--cache-dir", cache)
    assert code == 2 and "nothing imported, the advisory data is unchanged" in err and "no OSV records found" in err
    code, _, err = run(capsys, "db", "update", "--source", str(tmp_path / "nope"), "--cache-dir", cache)
    assert code == 2 and "no such file or folder" in err
    assert run(capsys, "db", "show", "--cache-dir", cache)[1].startswith("npm: 5 advisories")
    code, _, err = run(capsys, "scan", str(tmp_path), "--osv-url", "osv.internal.test")
    assert code == 2 and "expected an http(s):// URL" in err


def test_a_querybatch_service_from_the_flag_or_the_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          tmp_registry: RegistryServer, projects: tuple[Path, Path]) -> None:
    (tmp_registry.root / "osv").mkdir()
    shutil.copy(SET / "MAL-2026-9001.json", tmp_registry.root / "osv")
    py, _ = projects
    snap = ["--registry-snapshot", str(REGISTRY_DATA), "--cache-dir", str(tmp_path / "cache")]
    code, report, _ = scan_json(capsys, str(py), *snap, "--osv-url", tmp_registry.url)
    assert code == 1 and _by(report, "known-malicious") == {"pkg:pypi/py-formatter-util@1.2.2": ["MAL-2026-9001"]}
    assert [(d["kind"], d["source"], d["records"]) for d in report["advisory_data"]] == [("querybatch", tmp_registry.url, 1)]
    (py / "chainwarden.toml").write_text(f'[advisories]\nosv-url = "{tmp_registry.url}"\n')
    code, report, _ = scan_json(capsys, str(py), *snap)
    assert _by(report, "known-malicious") == {"pkg:pypi/py-formatter-util@1.2.2": ["MAL-2026-9001"]}
    (py / "chainwarden.toml").write_text('[advisories]\nosv-url = "osv.internal.test"\n')
    code, _, err = run(capsys, "scan", str(py), *snap, "--no-progress")
    assert code == 2 and "chainwarden.toml:2: advisories.osv-url: expected an http(s):// URL" in err
