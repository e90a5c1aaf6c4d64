"""`chainwarden scan` as a user runs it: output, JSON schema, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from chainwarden.cli.main import main
from chainwarden.report.json_report import schema
from tests.helpers import COLLECT_FIXTURES, install_fixture
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REGISTRY_DATA = ROOT / "tests" / "registry" / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, "scan", "--format", "json", "--no-progress", *argv)
    report = json.loads(out)
    jsonschema.validate(report, schema())
    return code, report, err


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name not in ("hijack-scenario", "dependency-confusion")))
def test_examples_list_every_package_with_its_source_line(capsys: pytest.CaptureFixture[str], example: str, tmp_path: Path) -> None:
    code, report, _ = scan_json(capsys, str(EXAMPLES / example), "--cache-dir", str(tmp_path))
    assert code == 0
    assert report["packages"], example
    for p in report["packages"]:
        assert p["sources"] and all(s["line"] for s in p["sources"]), p
        assert p["registry"] is not None and p["registry"]["exists"], p
    # What the examples cannot answer offline is said, and nothing else is skipped: the example policies turn
    # DNS off (their snapshots record no DNS), the npm mirror the npm snapshot came from names no maintainers, and
    # no advisory data is loaded (`chainwarden db update`).
    allowed = {"dns", "single-maintainer:examples/npm-app", "owners-changed:examples/npm-app", "advisories"}
    assert [s for s in report["skipped"] if s["what"] not in allowed] == []
    code, out, _ = run(capsys, "scan", str(EXAMPLES / example), "--no-progress")
    assert code == 0 and "PASS" in out


def test_against_a_live_index(capsys: pytest.CaptureFixture[str], registry: RegistryServer, tmp_path: Path) -> None:
    install_fixture("uv.lock.basic", tmp_path)
    install_fixture("pyproject.toml.uv", tmp_path)
    code, report, _ = scan_json(capsys, str(tmp_path), "--index-url", registry.pypi_index_url, "--cache-dir", str(tmp_path / "c"))
    # The lock was written against the real index: what the test registry lacks is reported, and fails the run.
    assert code == 1
    failing = {(f["rule"], f["package"]) for f in report["findings"] if f["severity"] == "high"}
    assert failing and all(rule == "not-on-index" for rule, _ in failing), failing
    assert ("not-on-index", "pkg:pypi/exceptiongroup@1.3.1") in failing
    assert report["indexes"]["pypi"].startswith(registry.pypi_index_url)
    names = {p["name"] for p in report["packages"]}
    assert {"requests", "urllib3", "click"} <= names
    req = next(p for p in report["packages"] if p["name"] == "requests")
    assert req["direct"] and {s["file"] for s in req["sources"]} >= {"pyproject.toml", "uv.lock"} or req


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    snap = ["--registry-snapshot", str(REGISTRY_DATA)]
    # 0: pass (an unpinned range is a low finding: warned, not failed)
    assert run(capsys, "scan", str(tmp_path), *snap, "--no-progress")[0] == 0
    # 1: the policy fails the run
    (tmp_path / "chainwarden.toml").write_text('[rules.unpinned-dependency]\naction = "fail"\n')
    code, out, _ = run(capsys, "scan", str(tmp_path), *snap, "--no-progress")
    assert code == 1 and "FAIL" in out
    # 2: unusable invocations
    (tmp_path / "chainwarden.toml").write_text('fail-on = "sometimes"\n')
    code, _, err = run(capsys, "scan", str(tmp_path), *snap)
    assert code == 2 and "chainwarden.toml:1" in err and "fail-on" in err
    (tmp_path / "chainwarden.toml").unlink()
    assert run(capsys, "scan", str(tmp_path / "nope"))[0] == 2
    assert main(["scan", "--format", "xml"]) == 2
    # 3: --strict and something could not be checked
    (tmp_path / "requirements.txt").write_text("requests>=2\nnot a requirement ==\n")
    assert run(capsys, "scan", str(tmp_path), *snap, "--no-progress")[0] == 0
    assert run(capsys, "scan", str(tmp_path), *snap, "--no-progress", "--strict")[0] == 3


def _corrupt(name: str, text: str) -> str:
    """Break a copy of a fixture in its middle, the way a bad merge or a truncated download would."""
    lines = text.splitlines(keepends=True)
    mid = len(lines) // 2
    if name.startswith(("yarn.lock.v1", "requirements")):
        return "".join(lines[:mid] + ["<<<<<<< HEAD ==1.0 {{{\n"] + lines[mid:])
    return "".join(lines[:mid]) + "\n]]}} :: <<<<<<< HEAD\n"


CORRUPTIBLE = sorted(
    p.name for p in COLLECT_FIXTURES.iterdir()
    if p.name not in ("PROVENANCE.toml", "README.md") and not p.name.startswith(("Pipfile.basic", "requirements.in"))
    and ".corrupt" not in p.name and "missing" not in p.name
)


@pytest.mark.parametrize("name", CORRUPTIBLE)
def test_corrupted_input_is_a_skip_with_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    target = install_fixture(name, project)
    target.write_text(_corrupt(name, target.read_text(encoding="utf-8")), encoding="utf-8")
    code, report, err = scan_json(capsys, str(project), "--registry-snapshot", str(REGISTRY_DATA))
    # a file whose every package is lost with it is a run that read nothing: not checked (exit 3), never a pass
    assert (code, report["verdict"]) == ((0, "pass") if report["packages"] else (3, "not-checked")), err
    assert "Traceback" not in err
    mine = [s for s in report["skipped"] if s["what"].rsplit("/", 1)[-1].startswith(f"{target.name}:")]
    assert mine, report["skipped"]
    line = int(mine[0]["what"].rsplit(":", 1)[1])
    assert 1 <= line <= len(target.read_text().splitlines()) + 1
    code, _, _ = run(capsys, "scan", str(project), "--registry-snapshot", str(REGISTRY_DATA), "--strict", "--no-progress")
    assert code == 3


def test_other_files_are_still_scanned_beside_a_broken_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "uv.lock").write_text("version = 1\n[[package]\nname = \n")
    (tmp_path / "b" / "requirements.txt").write_text("click==8.1.7\n")
    code, report, _ = scan_json(capsys, str(tmp_path), "--registry-snapshot", str(REGISTRY_DATA))
    assert code == 0
    assert [p["name"] for p in report["packages"]] == ["click"]
    assert report["skipped"][0]["what"].endswith("a/uv.lock:2")


def test_installed_environment_is_read_without_importing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for name, version, requires in (("Demo-App", "1.0", ["requests>=2"]), ("requests", "2.32.3", ['idna ; python_version >= "3"']), ("idna", "3.10", [])):
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
        (info / "METADATA").write_text(meta)
    # A module that would announce itself if imported.
    (site / "requests").mkdir()
    (site / "requests" / "__init__.py").write_text("raise SystemExit('imported!')\n")
    code, report, _ = scan_json(capsys, "--environment", str(tmp_path / "venv"), "--registry-snapshot", str(REGISTRY_DATA))
    assert code == 1  # demo-app is the environment's own project: no index knows it
    assert [(f["rule"], f["package"]) for f in report["findings"] if f["severity"] == "high"] == [("not-on-index", "pkg:pypi/demo-app@1.0")]
    pk = {p["name"]: p for p in report["packages"]}
    assert set(pk) == {"demo-app", "requests", "idna"}
    assert pk["demo-app"]["direct"] and not pk["idna"]["direct"]
    assert [e for e in report["projects"][0]["edges"] if e == ["pkg:pypi/requests@2.32.3", "pkg:pypi/idna@3.10"]]


def test_module_entry_point_runs(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("click==8.1.7\n")
    proc = subprocess.run(
        [sys.executable, "-m", "chainwarden", "scan", str(tmp_path), "--registry-snapshot", str(REGISTRY_DATA), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "pass"


def test_explain_prints_the_rule_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "unpinned-dependency")
    assert code == 0 and "## What it detects" in out
    assert run(capsys, "explain", "no-such-rule")[0] == 2


def test_informational_findings_are_counted_not_listed_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """A dormant package on its own is a weak signal (docs/decisions/0020-weak-signals-combine.md): the run passes,
    the terminal counts it, and the JSON report keeps it."""
    case = Path(__file__).resolve().parents[1] / "rules" / "dormant" / "flag" / "no-release-in-four-years"
    argv = [str(case), "--registry-snapshot", str(case / "registry"), "--as-of", "2026-11-21", "--no-dns"]
    code, out, _ = run(capsys, "scan", "--no-progress", *argv)
    assert code == 0
    assert "No findings to act on. 1 informational on 1 other package(s), not listed" in " ".join(out.split())
    assert "Low-severity weak links" not in out
    _, report, _ = scan_json(capsys, *argv)
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("dormant", "info")]
