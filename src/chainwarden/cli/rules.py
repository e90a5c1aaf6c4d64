"""Rule documentation as shipped in the package (docs/rules/<id>.md, linked as chainwarden/rules/)."""

from __future__ import annotations

from importlib import resources


def rule_doc(rule: str) -> str | None:
    try:
        return resources.files("chainwarden").joinpath("rules", f"{rule}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None
