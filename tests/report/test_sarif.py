"""`scan --format sarif`: valid SARIF 2.1.0 that code scanning accepts as is — a rule per analyzer and code
rule with help, results at the line that brings the package in, fingerprints that survive version bumps."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chainwarden.analyze import ANALYZERS
from chainwarden.analyze.code import CODE_RULES
from chainwarden.analyze.review import REVIEW_RULES
from chainwarden.cli.main import main
from chainwarden.model import (
    Confidence,
    Dependency,
    DependencyGraph,
    Ecosystem,
    EnrichedGraph,
    Finding,
    PackageId,
    PolicySummary,
    Project,
    ScanResult,
    Severity,
    Skip,
    SourceLocation,
    Verdict,
)
from chainwarden.report import sarif

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir())


def errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def scan_sarif(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, example: str, *argv: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(ROOT)  # as in CI: run from the repository root, paths relative to it
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", f"examples/{example}", "--format", "sarif", *argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_validates_as_sarif_2_1_0(example: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = scan_sarif(capsys, monkeypatch, example)
    assert errors(doc) == []
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    for result in run["results"]:
        assert result["locations"] and result["partialFingerprints"]["primaryLocationLineHash"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_one_rule_per_analyzer_and_code_rule_with_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = scan_sarif(capsys, monkeypatch, "dependency-confusion")
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert {a.info.id for a in ANALYZERS} | {r for r, _, _ in (*CODE_RULES, *REVIEW_RULES)} <= set(rules)
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"].startswith(f"# {rule['id']}")  # the rule's page, docs/rules/<id>.md
        assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
        assert "security" in rule["properties"]["tags"]
        assert "helpUri" not in rule  # no docs URL given: no link to a guessed place
    assert rules["dependency-confusion"]["defaultConfiguration"]["level"] == "error"
    assert rules["dependency-confusion"]["properties"]["security-severity"] == "9.5"
    assert rules["owners-changed"]["defaultConfiguration"]["level"] == "warning"
    assert rules["dormant"]["defaultConfiguration"]["level"] == "note"


def test_docs_url_gives_each_rule_its_link(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, doc = scan_sarif(capsys, monkeypatch, "python-app", "--docs-url", "https://git.example.test/chainwarden/blob/main/docs/rules/")
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["typosquat"]["helpUri"] == "https://git.example.test/chainwarden/blob/main/docs/rules/typosquat.md"
    assert errors(doc) == []


def test_hijack_results_point_at_the_requirements_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, doc = scan_sarif(capsys, monkeypatch, "hijack-scenario")
    assert code == 1
    results = doc["runs"][0]["results"]
    hijack = next(r for r in results if r["ruleId"] == "dormant-then-released")
    assert hijack["level"] == "error"
    loc = hijack["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "examples/hijack-scenario/requirements.txt", "uriBaseId": "%SRCROOT%"}
    lines = (ROOT / "examples/hijack-scenario/requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[loc["region"]["startLine"] - 1].startswith("py-formatter-util==1.2.2")
    assert hijack["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "pkg:pypi/py-formatter-util@1.2.2"
    assert "via report-kit==3.1.1" in hijack["message"]["text"]
    assert doc["runs"][0]["invocations"][0]["properties"]["verdict"] == "fail"


def test_fingerprints_are_stable_across_runs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, first = scan_sarif(capsys, monkeypatch, "hijack-scenario")
    _, second = scan_sarif(capsys, monkeypatch, "hijack-scenario")
    fp = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert fp == [r["partialFingerprints"] for r in second["runs"][0]["results"]]
    assert len({f["chainwarden/v1"] for f in fp}) == len(fp)


# -- the renderer on hand-made results -------------------------------------------------------------------------------


def _result(findings: list[Finding], deps: list[Dependency], skips: tuple[Skip, ...] = ()) -> ScanResult:
    project = Project(root="web", ecosystem=Ecosystem.NPM, files=("web/package.json", "web/package-lock.json"),
                      lockfiles=("web/package-lock.json",), directory="/repo/web")
    graph = EnrichedGraph(DependencyGraph(project, tuple(deps)), {})
    return ScanResult(graphs=(graph,), findings=tuple(findings), skips=skips, verdict=Verdict(True), policy=PolicySummary(None, Severity.HIGH),
                      indexes={}, ignored=0, started=datetime(2026, 11, 21, tzinfo=UTC), duration=0.0, tool_version="0.1.0")


def _finding(name: str, version: str, rule: str = "typosquat", severity: Severity = Severity.HIGH,
             location: SourceLocation | None = None) -> Finding:
    return Finding(rule, severity, Confidence.MEDIUM, PackageId(Ecosystem.NPM, name, version), f"{name} looks like something", location)


def _dep(name: str, version: str, line: int) -> Dependency:
    return Dependency(PackageId(Ecosystem.NPM, name, version), (SourceLocation("web/package-lock.json", line),), direct=True)


def test_fingerprint_ignores_version_and_line() -> None:
    old = _finding("reqeusts", "1.0.0", location=SourceLocation("web/package-lock.json", 10))
    new = replace(old, package=PackageId(Ecosystem.NPM, "reqeusts", "1.0.1"), location=SourceLocation("web/package-lock.json", 12))
    assert sarif.fingerprint(old, old.location) == sarif.fingerprint(new, new.location)
    other_file = SourceLocation("api/package-lock.json", 10)
    assert sarif.fingerprint(old, other_file) != sarif.fingerprint(old, old.location)
    assert sarif.fingerprint(replace(old, rule="not-on-index"), old.location) != sarif.fingerprint(old, old.location)


def test_a_finding_without_location_is_placed_where_the_package_is_declared() -> None:
    deps = [_dep("chalk", "4.1.2", 44), _dep("chalk", "5.0.0", 60)]
    findings = [_finding("chalk", "4.1.2"), _finding("chalk", "5.0.0"), _finding("ghost", "1.0.0", severity=Severity.LOW)]
    doc = sarif.build(_result(findings, deps, skips=(Skip("pypi:x", "timed out", "enrich"),)))
    assert errors(doc) == []
    results = doc["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 44}
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 60}
    # two versions of one name in one file: still two distinct fingerprints
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]
    # a package no graph declares: the project's lockfile, no line
    assert results[2]["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "web/package-lock.json", "uriBaseId": "%SRCROOT%"}}
    assert results[2]["level"] == "note"
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "could not check pypi:x: timed out"


def test_severity_levels() -> None:
    assert {s: sarif.LEVEL[s] for s in Severity} == {
        Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}


def test_unknown_rule_and_untrusted_text_stay_valid() -> None:
    finding = Finding("some-future-rule", Severity.MEDIUM, Confidence.LOW, PackageId(Ecosystem.NPM, "x\x1b]8;;evil\x07", "1.0.0"),
                      "message with \u202e bidi and \x00 nul", SourceLocation("web dir/package-lock.json", 3))
    doc = sarif.build(_result([finding], []))
    assert errors(doc) == []
    result = doc["runs"][0]["results"][0]
    assert doc["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "some-future-rule"
    assert "\x1b" not in json.dumps(doc, ensure_ascii=False) and "\u202e" not in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "web%20dir/package-lock.json"


def test_informational_findings_are_not_results() -> None:
    """Code scanning shows every result as an alert: a weak signal on its own stays in the JSON report."""
    quiet = _finding("left-trim", "1.0.0", rule="dormant", severity=Severity.INFO)
    doc = sarif.build(_result([_finding("lodahs", "1.0.0"), quiet], [_dep("lodahs", "1.0.0", 3), _dep("left-trim", "1.0.0", 9)]))
    assert errors(doc) == []
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["typosquat"]
    assert doc["runs"][0]["invocations"][0]["properties"]["informational"] == 1
