"""Reports of `chainwarden inspect`: terminal and JSON (``chainwarden.inspect/v1``).

The JSON document has a top-level ``verdict`` ("malicious", "suspicious", "not-checked" or "clean":
"not-checked" when no finding decides but something could not be fetched or read completely, and
when nothing could be read at all), the ``findings`` in the same shape as scan reports,
``capabilities`` (capability -> files), the ``artifacts`` read (file name, sha256, what it was
checked against) and ``not_checked`` (what could not be fetched, and what in the archives could not
be read: a limit of the unpacker, unreadable or encrypted data, a source file too large to parse).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from chainwarden.analyze.code import Inspection
from chainwarden.model import Skip
from chainwarden.report.json_report import finding_dict
from chainwarden.report.terminal import SEVERITY_STYLE, indented, safe

SCHEMA_ID = "chainwarden.inspect/v1"
_VERDICT_STYLE = {"malicious": "bold red", "suspicious": "bold yellow", "not-checked": "bold magenta", "clean": "bold green"}


Artifact = tuple[str, str, str]  # (file name, sha256, what it was checked against)


def verdict_of(result: Inspection, artifacts: list[Artifact] | None, skips: list[Skip] | None) -> tuple[str, str]:
    """The verdict shown: the inspection's, not-checked when nothing could be read, and never clean when
    something could not be fetched."""
    if skips and not artifacts and result.files == 0:
        return "not-checked", "nothing could be read"
    if skips and result.verdict == "clean":
        return "not-checked", f"not checked: {skips[0].what}: {skips[0].reason}"
    return result.verdict, result.verdict_reason


def build(result: Inspection, target: str, artifacts: list[Artifact] | None = None,
          skips: list[Skip] | None = None) -> dict[str, Any]:
    shown, reason = verdict_of(result, artifacts, skips)
    return {
        "schema": SCHEMA_ID,
        "target": target,
        "ecosystem": result.package.ecosystem.value,
        "package": {"name": result.package.name, "version": result.package.version},
        "verdict": shown,
        "verdict_reason": reason,
        "files": result.files,
        "artifacts": [{"filename": f, "sha256": h or None, "verified_against": v or None} for f, h, v in artifacts or []],
        "capabilities": {k: sorted(v) for k, v in sorted(result.capabilities.items())},
        "findings": [finding_dict(f) for f in result.findings],
        "unreadable": list(result.unreadable),
        "not_checked": [{"what": s.what, "reason": s.reason} for s in skips or []]
                       + [{"what": target, "reason": n} for n in result.not_checked],
    }


def render_json(result: Inspection, target: str, artifacts: list[Artifact] | None = None,
                skips: list[Skip] | None = None) -> str:
    return json.dumps(build(result, target, artifacts, skips), indent=2, ensure_ascii=False) + "\n"


def render_terminal(result: Inspection, target: str, console: Console, artifacts: list[Artifact] | None = None,
                    skips: list[Skip] | None = None) -> None:
    console.print(f"[bold]{safe(target)}[/] · {result.package.ecosystem.value} · {result.files} files read, none run")
    for name, sha, verified in artifacts or []:
        check = f"checked against {verified}" if verified else "[yellow]unverified: the index gave no digest[/]"
        console.print(indented(f"  [dim]read[/] {safe(name)} [dim]sha256:{sha[:16]}…[/] {check}" if sha else f"  [dim]read[/] {safe(name)}"))
    if result.capabilities:
        console.print("[bold]Capabilities[/] [dim](what the code can do; not findings by themselves)[/]")
        for cap, files in sorted(result.capabilities.items()):
            shown = ", ".join(safe(f) for f in sorted(files)[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            console.print(indented(f"  {safe(cap):16} {shown}"))
    console.print()
    if result.findings:
        console.print(f"[bold]Findings ({len(result.findings)})[/]")
        for f in result.findings:
            style = SEVERITY_STYLE[f.severity]
            console.print(indented(f"  [{style}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] {safe(f.location)}"))
            console.print(indented(f"           {safe(f.message)}"))
            for e in f.evidence:
                console.print(indented(f"           [dim]{safe(e.label)}:[/] {safe(e.value)}"))
    else:
        console.print("[green]No findings.[/]")
    for u in result.unreadable:
        console.print(indented(f"  [magenta]not read[/] {safe(u)}"))
    for s in skips or []:
        console.print(indented(f"  [magenta]not checked[/] {safe(s.what)}: {safe(s.reason)}"))
    for n in result.not_checked:
        console.print(indented(f"  [magenta]not checked[/] {safe(n)}"))
    console.print()
    shown, reason = verdict_of(result, artifacts, skips)
    if shown == "not-checked":
        console.print(f"[bold magenta]NOT CHECKED[/] [dim]{safe(reason)}; this is not a clean result[/]")
        return
    console.print(f"[{_VERDICT_STYLE[shown]}]{shown.upper()}[/] [dim]{safe(reason)}[/]"
                  + (" [magenta](incomplete: see not checked)[/]" if skips or result.not_checked else ""))
