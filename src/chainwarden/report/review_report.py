"""Reports of `chainwarden review BASE HEAD`: terminal and JSON (``chainwarden.review/v1``).

The JSON document has ``base``, ``head``, ``path``, ``verdict`` ("pass"/"fail") with ``reasons``,
``changes`` (each dependency added, removed, upgraded, downgraded or changed, with old and new
versions), ``findings`` on the added and changed packages (the scan report's shape), ``ignored``
and ``skipped`` (what could not be checked).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from chainwarden.analyze.review import ReviewResult
from chainwarden.report import scrub
from chainwarden.report.json_report import finding_dict, skip_dict
from chainwarden.report.terminal import SEVERITY_STYLE, indented, safe

SCHEMA_ID = "chainwarden.review/v1"
_SIGN = {"added": "+", "removed": "-", "upgraded": "↑", "downgraded": "↓", "changed": "~"}


def build(r: ReviewResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID, "base": r.base, "head": r.head, "path": r.path, "policy": r.policy_source,
        "verdict": r.verdict.label, "reasons": list(r.verdict.reasons),
        "changes": [{"ecosystem": c.ecosystem.value, "name": c.name, "change": c.kind, "old": c.old, "new": c.new}
                    for c in r.changes],
        "findings": [finding_dict(f) for f in r.findings],
        "ignored": r.ignored,
        "skipped": [skip_dict(s) for s in r.skips],
    }


def render_json(r: ReviewResult) -> str:
    return json.dumps(scrub(build(r)), indent=2, ensure_ascii=False) + "\n"


def render_terminal(r: ReviewResult, console: Console) -> None:
    console.print(f"[bold]review[/] {safe(r.base)} → {safe(r.head)} · {safe(r.path)} · "
                  f"policy: {safe(r.policy_source or 'built-in defaults')}")
    if not r.changes:
        console.print("[green]No dependency changed.[/]")
    else:
        console.print(f"[bold]Dependency changes ({len(r.changes)})[/]")
        for c in r.changes:
            versions = f"{c.old or ''} → {c.new or ''}" if c.kind in ("upgraded", "downgraded", "changed") else (c.new or c.old or "")
            console.print(indented(f"  {_SIGN[c.kind]} {c.kind:10} {safe(c.name)} {safe(versions)} [dim]({c.ecosystem.value})[/]"))
    console.print()
    if r.findings:
        console.print(f"[bold]Findings on added and changed packages ({len(r.findings)})[/]")
        for f in r.findings:
            console.print(indented(f"  [{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] "
                                   f"{safe(str(f.package))} {safe(f.location) if f.location else ''}"))
            console.print(indented(f"           {safe(f.message)}"))
            for e in f.evidence[:6]:
                console.print(indented(f"           [dim]{safe(e.label)}:[/] {safe(e.value)}"))
            if f.fix:
                console.print(indented(f"           [dim]fix:[/] {safe(f.fix)}"))
    elif r.changes:
        console.print("[green]No findings on the added and changed packages.[/]")
    if r.ignored:
        console.print(f"[dim]{r.ignored} finding(s) ignored by the policy[/]")
    if r.skips:
        console.print(f"[bold magenta]Could not check ({len(r.skips)})[/] — not counted as clean")
        for s in r.skips[:20]:
            console.print(indented(f"  • {safe(s.what)}: {safe(s.reason)}"))
    console.print()
    style = "bold green" if r.verdict.passed else "bold red"
    console.print(f"[{style}]{r.verdict.label.upper()}[/]")
    for reason in r.verdict.reasons:
        console.print(indented(f"  {safe(reason)}"))
