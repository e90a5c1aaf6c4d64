"""Reports of `chainwarden inspect`: terminal and JSON (``chainwarden.inspect/v1``).

The JSON document has a top-level ``verdict`` ("malicious", "suspicious" or "clean"), the
``findings`` in the same shape as scan reports, and ``capabilities`` (capability -> files).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from chainwarden.analyze.code import Inspection
from chainwarden.report.json_report import finding_dict
from chainwarden.report.terminal import SEVERITY_STYLE, safe

SCHEMA_ID = "chainwarden.inspect/v1"
_VERDICT_STYLE = {"malicious": "bold red", "suspicious": "bold yellow", "clean": "bold green"}


def build(result: Inspection, target: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "target": target,
        "ecosystem": result.package.ecosystem.value,
        "verdict": result.verdict,
        "verdict_reason": result.verdict_reason,
        "files": result.files,
        "capabilities": {k: sorted(v) for k, v in sorted(result.capabilities.items())},
        "findings": [finding_dict(f) for f in result.findings],
        "unreadable": list(result.unreadable),
    }


def render_json(result: Inspection, target: str) -> str:
    return json.dumps(build(result, target), indent=2, ensure_ascii=False) + "\n"


def render_terminal(result: Inspection, target: str, console: Console) -> None:
    console.print(f"[bold]{safe(target)}[/] · {result.package.ecosystem.value} · {result.files} files read, none run")
    if result.capabilities:
        console.print("[bold]Capabilities[/] [dim](what the code can do; not findings by themselves)[/]")
        for cap, files in sorted(result.capabilities.items()):
            shown = ", ".join(safe(f) for f in sorted(files)[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            console.print(f"  {safe(cap):16} {shown}")
    console.print()
    if result.findings:
        console.print(f"[bold]Findings ({len(result.findings)})[/]")
        for f in result.findings:
            style = SEVERITY_STYLE[f.severity]
            console.print(f"  [{style}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] {safe(f.location)}")
            console.print(f"           {safe(f.message)}")
            for e in f.evidence:
                console.print(f"           [dim]{safe(e.label)}:[/] {safe(e.value)}")
    else:
        console.print("[green]No findings.[/]")
    for u in result.unreadable:
        console.print(f"  [magenta]not read[/] {safe(u)}")
    console.print()
    console.print(f"[{_VERDICT_STYLE[result.verdict]}]{result.verdict.upper()}[/] [dim]{safe(result.verdict_reason)}[/]")
