"""docs/ci.md and .pre-commit-hooks.yaml: the YAML parses, and every chainwarden command line in them is one the
command line accepts (parsed with the real parser, not run)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from chainwarden.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    code = "\n".join(re.findall(r"```yaml\n(.*?)```", text, re.DOTALL))
    lines = [m.group(0) for m in re.finditer(r"chainwarden (scan|review|sbom|policy)[^\n|>;]*", code)]
    return lines + [h["entry"] for h in hooks]


def test_the_yaml_blocks_parse() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 3
    for block in blocks:
        assert yaml.safe_load(block)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"chainwarden", "chainwarden-review"}
    for h in hooks:
        re.compile(h.get("files", ""))


@pytest.mark.parametrize("line", _commands())
def test_every_command_line_parses(line: str) -> None:
    line = re.sub(r"\$\{\{[^}]*\}\}", "x", line).replace('"', "").rstrip(" \\")
    argv = [a for a in shlex.split(line)[1:] if a not in ("||", "true", "then")]
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{line!r} does not parse (exit {exc.code})")
