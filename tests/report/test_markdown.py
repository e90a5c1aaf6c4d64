"""`scan --format markdown`: a pull-request comment that says the verdict first, shows the worst findings
in a table, collapses the rest, and never lets a package name or message become markup or a mention."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chainwarden.cli.main import main
from chainwarden.model import (
    Confidence,
    Dependency,
    DependencyGraph,
    Ecosystem,
    EnrichedGraph,
    Evidence,
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
from chainwarden.report import markdown

ROOT = Path(__file__).resolve().parents[2]


def _result(findings: list[Finding], passed: bool = False, skips: tuple[Skip, ...] = ()) -> ScanResult:
    project = Project(root="web", ecosystem=Ecosystem.NPM, files=("web/package-lock.json",), lockfiles=("web/package-lock.json",))
    deps = tuple(Dependency(f.package, (SourceLocation("web/package-lock.json", 7),), direct=True) for f in findings)
    return ScanResult(graphs=(EnrichedGraph(DependencyGraph(project, deps), {}),), findings=tuple(findings), skips=skips,
                      verdict=Verdict(passed, reasons=() if passed else ("typosquat on x (high) fails by fail-on = high",)),
                      policy=PolicySummary(None, Severity.HIGH), indexes={}, ignored=0,
                      started=datetime(2026, 11, 21, tzinfo=UTC), duration=0.0, tool_version="0.1.0")


def _finding(name: str, severity: Severity = Severity.HIGH, message: str = "looks like a popular name", **kw: object) -> Finding:
    return Finding("typosquat", severity, Confidence.MEDIUM, PackageId(Ecosystem.NPM, name, "1.0.0"), message, **kw)  # type: ignore[arg-type]


def test_hijack_example_comment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", "examples/hijack-scenario", "--format", "markdown"])
    out, _ = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "### chainwarden: ❌ **FAIL**"
    assert "critical" in lines[2] and "finding(s)" in lines[2]
    table = [ln for ln in lines if ln.startswith("| ") and "`py-formatter-util==1.2.2`" in ln]
    assert table and "dormant-then-released" in table[0]
    assert out.index("| ") < out.index("<details>")  # short first, details after
    assert "<summary>All findings" in out and out.count("<details>") == out.count("</details>")


def test_passing_run_says_so_first() -> None:
    out = markdown.render(_result([], passed=True))
    assert out.startswith("### chainwarden: ✅ **PASS**")
    assert "<details>" not in out.split("\n\n")[1]


def test_worst_findings_first_and_at_most_ten_in_the_table() -> None:
    findings = [_finding(f"low-{i}", Severity.LOW) for i in range(12)] + [_finding("the-worst", Severity.CRITICAL)]
    out = markdown.render(_result(findings))
    rows = [ln for ln in out.splitlines() if ln.startswith("| ") and "`" in ln]
    assert len(rows) == markdown.TOP_FINDINGS
    assert "`the-worst@1.0.0`" in rows[0]
    assert "3 more below" in out


def test_untrusted_text_is_neither_markup_nor_a_mention() -> None:
    hostile = _finding("@evil/team", message="<img src=x onerror=alert(1)> | **bold** [link](https://x.test) `tick` #12 @admin\nnew line",
                       evidence=(Evidence("<b>label</b>", "<script>alert(1)</script>"),), fix="run `rm -rf /` | now")
    name = _finding("a|b`c<d>", Severity.MEDIUM)
    out = markdown.render(_result([hostile, name], skips=(Skip("<iframe>", "</details><script>", "enrich"),)))
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", out)
    tags = set(re.findall(r"(?<!\\)</?([A-Za-z]+)", outside_code))
    assert tags <= {"details", "summary", "sub"}, tags  # only the comment's own HTML
    assert out.count("<details>") == 2 and out.count("</details>") == 2
    assert "@admin" not in out and "@&#8203;admin" in out  # no mention
    assert "`@evil/team@1.0.0`" in out  # names in code spans: GitHub mentions nobody there
    assert "#12" not in out
    assert "**bold**" not in out and "[link](" not in out
    for row in [ln for ln in out.splitlines() if ln.startswith("| ") and "`" in ln]:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 8, row  # 6 cells between 7 unescaped pipes: nothing broke out of its cell
    assert "new line" in out and "\nnew line" not in out
    assert "``a\\|b`c<d>@1.0.0``" in out


def test_code_span_fences() -> None:
    assert markdown.code("plain") == "`plain`"
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("`edge`") == "`` `edge` ``"
    assert markdown.code("x|y", cell=True) == "`x\\|y`"


def test_stays_under_a_comment_limit() -> None:
    findings = [_finding(f"pkg-{i}", Severity.HIGH, message="m" * 400) for i in range(600)]
    out = markdown.render(_result(findings))
    assert len(out) <= 65_536
    assert "left out to fit a comment" in out
    assert out.count("<details>") == out.count("</details>")


def test_informational_findings_are_counted_not_listed() -> None:
    """A weak signal on its own (docs/decisions/0020-weak-signals-combine.md) is in the JSON report; the comment
    counts it and lists what a reviewer can act on."""
    quiet = Finding("dormant", Severity.INFO, Confidence.HIGH, PackageId(Ecosystem.NPM, "left-trim", "1.0.0"),
                    "left-trim has had no release since 2019-02-11")
    out = markdown.render(_result([_finding("lodahs"), quiet]))
    assert "1 finding(s)" in out and "1 informational" in out
    assert "left-trim" not in out
