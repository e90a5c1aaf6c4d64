"""Reports of `chainwarden diff NAME OLD NEW`: terminal and JSON (``chainwarden.diff/v1``).

The JSON document names both releases with their verdicts and archives, then what NEW adds
over OLD: ``added_capabilities`` (capability -> files), ``added_install_hooks`` and
``added_findings`` (findings in the scan-report shape), ``added_files`` / ``removed_files``,
``added_dependencies`` / ``removed_dependencies``, the kind of version ``bump``, and
``changed_behaviour``: the `changed-behaviour` finding, or null. ``not_checked`` lists what
could not be fetched, and every archive that could not be read completely (past a limit of the
unpacker, unreadable or encrypted data, a source file too large to parse); a diff with anything
there is incomplete (``complete`` false, exit 3), never "no change". A release's ``verdict`` may be
"not-checked" for the same reason.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from chainwarden.analyze.code.release import RISKY_CAPABILITIES, ReleaseDiff
from chainwarden.model import Skip
from chainwarden.report.json_report import finding_dict
from chainwarden.report.terminal import SEVERITY_STYLE, indented, safe

SCHEMA_ID = "chainwarden.diff/v1"
_SHOWN = 25


def build(diff: ReleaseDiff | None, name: str, old: str, new: str, artifacts: dict[str, list[str]],
          skips: list[Skip]) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": SCHEMA_ID, "name": name, "old": {"version": old, "artifacts": artifacts.get("old", [])},
                           "new": {"version": new, "artifacts": artifacts.get("new", [])},
                           "complete": diff is not None and not skips,
                           "not_checked": [{"what": s.what, "reason": s.reason} for s in skips]}
    if diff is None:
        return doc
    doc["old"]["verdict"], doc["new"]["verdict"] = diff.old_verdict, diff.new_verdict
    doc.update({
        "bump": diff.bump,
        "added_capabilities": diff.added_capabilities,
        "removed_capabilities": diff.removed_capabilities,
        "added_install_hooks": [finding_dict(f) for f in diff.added_install_hooks],
        "added_findings": [finding_dict(f) for f in diff.added_findings],
        "added_files": diff.added_files,
        "removed_files": diff.removed_files,
        "added_dependencies": diff.added_dependencies,
        "removed_dependencies": diff.removed_dependencies,
        "added_archive_kinds": diff.added_kinds,
        "removed_archive_kinds": diff.removed_kinds,
        "changed_behaviour": finding_dict(diff.finding) if diff.finding else None,
    })
    return doc


def render_json(diff: ReleaseDiff | None, name: str, old: str, new: str, artifacts: dict[str, list[str]],
                skips: list[Skip]) -> str:
    return json.dumps(build(diff, name, old, new, artifacts, skips), indent=2, ensure_ascii=False) + "\n"


def render_terminal(diff: ReleaseDiff | None, name: str, old: str, new: str, artifacts: dict[str, list[str]],
                    skips: list[Skip], console: Console) -> None:
    console.print(f"[bold]{safe(name)}[/] {safe(old)} → {safe(new)} · files read, none run")
    for side in ("old", "new"):
        for a in artifacts.get(side, []):
            console.print(indented(f"  [dim]{side}:[/] {safe(a)}"))
    for s in skips:
        console.print(indented(f"  [magenta]not checked[/] {safe(s.what)}: {safe(s.reason)}"))
    if diff is None:
        console.print("[bold magenta]NOT COMPARED[/] [dim]a release could not be read; this is not a 'no change' result[/]")
        return
    console.print(indented(f"  verdicts: {safe(old)} {diff.old_verdict}, {safe(new)} {diff.new_verdict} · {diff.bump} release"))
    console.print()
    if diff.finding is not None:
        f = diff.finding
        console.print(f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper()}[/] [bold]changed-behaviour[/] {safe(f.message)}")
        console.print()
    if diff.removed_kinds or diff.added_kinds:
        console.print("[bold]Archives[/]  " + "; ".join(
            [f"{safe(new)} ships no {k} ({safe(old)} did)" for k in diff.removed_kinds]
            + [f"{safe(new)} adds a {k}" for k in diff.added_kinds])
            + (" [dim]— installers now build the sdist, running its setup.py[/]" if "wheel" in diff.removed_kinds else ""))
    if diff.added_capabilities:
        console.print("[bold]Added capabilities[/]")
        for cap, files in diff.added_capabilities.items():
            console.print(indented(f"  + {safe(RISKY_CAPABILITIES.get(cap, cap)):34} {', '.join(safe(p) for p in files[:3])}"))
    if diff.removed_capabilities:
        console.print("[bold]Removed capabilities[/]  " + ", ".join(safe(c) for c in diff.removed_capabilities))
    if diff.added_install_hooks:
        console.print("[bold]Added install hooks[/]")
        for f in diff.added_install_hooks:
            console.print(indented(f"  + {safe(f.location)}: {safe(f.message)}"))
    if diff.added_findings:
        console.print(f"[bold]Added findings ({len(diff.added_findings)})[/]")
        for f in diff.added_findings:
            console.print(indented(f"  + [{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] {safe(f.location)}"))
            console.print(indented(f"             {safe(f.message)}"))
            for e in f.evidence:
                console.print(indented(f"             [dim]{safe(e.label)}:[/] {safe(e.value)}"))
    for label, items in (("Added files", diff.added_files), ("Removed files", diff.removed_files),
                         ("Added dependencies", diff.added_dependencies), ("Removed dependencies", diff.removed_dependencies)):
        if items:
            console.print(f"[bold]{label} ({len(items)})[/]")
            for item in items[:_SHOWN]:
                console.print(indented(f"  {'+' if label.startswith('Added') else '-'} {safe(item)}"))
            if len(items) > _SHOWN:
                console.print(indented(f"  [dim]… and {len(items) - _SHOWN} more (--format json lists all)[/]"))
    if not diff.changed:
        console.print("[green]No change in files, capabilities, findings or dependencies.[/]")
