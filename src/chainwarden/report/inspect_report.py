"""Reports of `chainwarden inspect`: terminal and JSON (``chainwarden.inspect/v1``).

The JSON document has a top-level ``verdict`` ("malicious", "suspicious" or "clean"; "not-checked"
when nothing could be read), the ``findings`` in the same shape as scan reports, ``capabilities``
(capability -> files), the ``artifacts`` read (file name, sha256, what it was checked against) and
``not_checked`` (what could not be fetched or read).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from chainwarden.analyze.code import Inspection
from chainwarden.model import Skip
from chainwarden.report.json_report import finding_dict
from chainwarden.report.terminal import SEVERITY_STYLE, safe

SCHEMA_ID = "chainwarden.inspect/v1"
_VERDICT_STYLE = {"malicious": "bold red", "suspicious": "bold yellow", "clean": "bold green"}


Artifact = tuple[str, str, str]  # (file name, sha256, what it was checked against)


def build(result: Inspection, target: str, artifacts: list[Artifact] | None = None,
          skips: list[Skip] | None = None) -> dict[str, Any]:
    nothing = bool(skips) and not artifacts and result.files == 0
    return {
        "schema": SCHEMA_ID,
        "target": target,
        "ecosystem": result.package.ecosystem.value,
        "package": {"name": result.package.name, "version": result.package.version},
        "verdict": "not-checked" if nothing else result.verdict,
        "verdict_reason": "nothing could be read" if nothing else result.verdict_reason,
        "files": result.files,
        "artifacts": [{"filename": f, "sha256": h or None, "verified_against": v or None} for f, h, v in artifacts or []],
        "capabilities": {k: sorted(v) for k, v in sorted(result.capabilities.items())},
        "findings": [finding_dict(f) for f in result.findings],
        "unreadable": list(result.unreadable),
        "not_checked": [{"what": s.what, "reason": s.reason} for s in skips or []],
    }


def render_json(result: Inspection, target: str, artifacts: list[Artifact] | None = None,
                skips: list[Skip] | None = None) -> str:
    return json.dumps(build(result, target, artifacts, skips), indent=2, ensure_ascii=False) + "\n"


def render_terminal(result: Inspection, target: str, console: Console, artifacts: list[Artifact] | None = None,
                    skips: list[Skip] | None = None) -> None:
    console.print(f"[bold]{safe(target)}[/] · {result.package.ecosystem.value} · {result.files} files read, none run")
    for name, sha, verified in artifacts or []:
        check = f"checked against {verified}" if verified else "[yellow]unverified: the index gave no digest[/]"
        console.print(f"  [dim]read[/] {safe(name)} [dim]sha256:{sha[:16]}…[/] {check}" if sha else f"  [dim]read[/] {safe(name)}")
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
    for s in skips or []:
        console.print(f"  [magenta]not checked[/] {safe(s.what)}: {safe(s.reason)}")
    console.print()
    if skips and not artifacts and result.files == 0:
        console.print("[bold magenta]NOT CHECKED[/] [dim]nothing could be read; this is not a clean result[/]")
        return
    console.print(f"[{_VERDICT_STYLE[result.verdict]}]{result.verdict.upper()}[/] [dim]{safe(result.verdict_reason)}[/]"
                  + (" [magenta](incomplete: see not checked)[/]" if skips else ""))
