"""The shape of ARCHITECTURE.md, enforced: stages import only downwards, and
every analyzer has its doc page and flag/pass fixtures."""

from __future__ import annotations

import ast
from pathlib import Path

from chainwarden.analyze import ANALYZERS

SRC = Path(__file__).resolve().parents[1] / "src" / "chainwarden"
ROOT = SRC.parents[1]

# Highest first; a module may import its own stage and any stage below it.
# `serve` is an application built on the pipeline (ARCHITECTURE.md): it calls pipeline and the stages, the CLI
# starts it, and nothing in the stages imports it.
LAYERS = ["cli", "serve", "pipeline", "report", "decide", "analyze", "enrich", "collect", "model"]
# Shared base modules, below every stage beside `model`: any stage may import them, and they import
# nothing of ours. `_files` is the one safe reader of files someone else wrote (ARCHITECTURE.md, decision 0016).
BASE = {"_files", "_errors"}
# Stages that must not import each other although one is listed above the other.
FORBIDDEN = {("analyze", "enrich"), ("analyze", "collect"), ("decide", "enrich"), ("decide", "collect"), ("enrich", "collect")}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "chainwarden" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
    return out


def test_stages_import_only_downwards() -> None:
    upward: list[str] = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        own = rel.parts[0].removesuffix(".py")
        if own not in LAYERS:
            continue
        for module, line in _imports(path):
            target = _stage(module)
            if target is None or target == own:
                continue
            if LAYERS.index(target) < LAYERS.index(own) or (own, target) in FORBIDDEN:
                upward.append(f"{rel}:{line}: {own} imports {module}")
    assert upward == [], "imports that point up the pipeline:\n" + "\n".join(upward)


def test_only_stages_and_base_modules_are_imported() -> None:
    """A chainwarden module outside the stages is one of the base modules (or the package's version)."""
    other: list[str] = []
    for path in SRC.rglob("*.py"):
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] == "chainwarden" and len(parts) > 1 and parts[1] not in LAYERS and parts[1] not in BASE:
                other.append(f"{path.relative_to(SRC)}:{line}: {module}")
    assert other == []


def test_base_modules_import_nothing_of_ours() -> None:
    for name in BASE:
        path = SRC / f"{name}.py"
        ours = [m for m, _ in _imports(path) if m.startswith("chainwarden")]
        assert all(m.removeprefix("chainwarden.") in BASE for m in ours), path


def test_model_imports_nothing_of_ours() -> None:
    for path in (SRC / "model").rglob("*.py"):
        assert not [m for m, _ in _imports(path) if m.startswith("chainwarden")], path


def test_every_analyzer_has_doc_and_fixtures() -> None:
    missing: list[str] = []
    for a in ANALYZERS:
        rule = a.info.id
        if not (ROOT / "docs" / "rules" / f"{rule}.md").is_file():
            missing.append(f"docs/rules/{rule}.md")
        for kind in ("flag", "pass"):
            d = ROOT / "tests" / "rules" / rule / kind
            if not d.is_dir() or not any(d.iterdir()):
                missing.append(f"tests/rules/{rule}/{kind}/")
    assert missing == []


def test_rule_docs_have_the_fixed_sections() -> None:
    sections = ["## What it detects", "## Why it matters", "## Example", "## What is not flagged",
                "## Known false positives", "## How to suppress", "## References"]
    for a in ANALYZERS:
        text = (ROOT / "docs" / "rules" / f"{a.info.id}.md").read_text(encoding="utf-8")
        assert [s for s in sections if s not in text] == [], a.info.id
