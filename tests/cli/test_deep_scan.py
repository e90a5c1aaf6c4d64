"""`scan --deep` findings read like every other finding: the path that brings the package in (the terminal's
"via" line), the line of the requirement, and a fix. The bundled hijack example (offline, answered from its
registry snapshot): report-kit==3.1.1 brings in py-formatter-util==1.2.2, whose files send data out in DNS names
and run code at install time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainwarden.cli.main import main

HIJACK = Path(__file__).resolve().parents[2] / "examples" / "hijack-scenario"
CODE_RULES = {"dns-exfiltration", "install-time-code"}


def _scan(tmp_path: Path, *extra: str) -> list[str]:
    project = tmp_path / "hijack"
    if not project.exists():
        shutil.copytree(HIJACK, project)
    return ["scan", str(project), "--deep", "--as-of", "2026-11-21", "--cache-dir", str(tmp_path / "cache"), "--no-progress",
            *extra]


def test_deep_findings_carry_the_path_and_a_fix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(_scan(tmp_path, "--format", "json")) == 1
    doc = json.loads(capsys.readouterr().out)
    code = [f for f in doc["findings"] if f["rule"] in CODE_RULES]
    assert {f["rule"] for f in code} == CODE_RULES
    for f in code:
        assert f["package"] == "pkg:pypi/py-formatter-util@1.2.2"
        assert f["path"] == ["pkg:pypi/report-kit@3.1.1", "pkg:pypi/py-formatter-util@1.2.2"], f  # was []
        assert f["fix"] and "py-formatter-util==1.2.2" in f["fix"], f  # was null
    same = [f["path"] for f in doc["findings"] if f["package"] == "pkg:pypi/py-formatter-util@1.2.2"]
    assert all(p == same[0] for p in same)  # deep and registry findings agree on the path


def test_the_via_line_stays_when_a_deep_finding_sorts_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The terminal prints the "via" line from the package's first finding: a deep finding sorted first (critical)
    had no path, and the line was gone; its fix: line was missing too."""
    assert main(_scan(tmp_path)) == 1
    out = capsys.readouterr().out
    block = out[out.index("py-formatter-util==1.2.2 ·"):]
    assert "via report-kit==3.1.1 → py-formatter-util==1.2.2" in block[:block.index("CRITICAL")]
    for rule in sorted(CODE_RULES):
        start = block.index(f"{rule} (")
        following = [block.find(word, start + 1) for word in ("CRITICAL", "HIGH ", "MEDIUM ")]
        end = min([i for i in following if i != -1], default=len(block))
        assert "fix:" in block[start:end], block[start:end]
