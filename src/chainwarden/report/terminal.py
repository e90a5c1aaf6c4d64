"""The terminal report: every package of every project with where it came from,
then findings grouped by package (riskiest first, with the dependency path that
brings each package in) and their fix, the health metrics and the riskiest
paths, what could not be checked, and the verdict.

All text that comes from inputs or the index goes through `safe()`: markup is
escaped and control characters are shown as escapes, never sent raw.
"""

from __future__ import annotations

import re
from datetime import datetime

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chainwarden.model import (
    Dependency,
    Finding,
    Metrics,
    PackageId,
    RegistryFacts,
    ScanResult,
    Severity,
    SourceLocation,
    redact_secrets,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
MAX_SOURCES_SHOWN = 3


def safe(value: object) -> str:
    """Redact secrets (URL credentials, secret ``KEY=VALUE`` pairs, token shapes), escape rich markup and make
    control / bidi characters visible."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}",
                        redact_secrets(str(value)))
    return escape(text)


def _date(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else "—"


def _sources(sources: tuple[SourceLocation, ...], root: str) -> str:
    """Sources relative to the project folder (its path is in the table title)."""
    prefix = "" if root in ("", ".") else root.rstrip("/") + "/"
    shown = "\n".join(safe(str(s).removeprefix(prefix)) for s in sources[:MAX_SOURCES_SHOWN])
    more = len(sources) - MAX_SOURCES_SHOWN
    return shown + (f" (+{more} more)" if more > 0 else "")


def _latest(dep: Dependency, facts: RegistryFacts | None) -> str:
    if facts is None:
        return "[magenta]not checked[/]"
    if not facts.exists:
        return "[bold red]not on index[/]"
    if facts.latest_version is None:
        return "—"
    if dep.package.version and facts.version_exists is False:
        return f"{safe(facts.latest_version)} [red](pinned version not on index)[/]"
    if dep.package.version and facts.latest_version != dep.package.version:
        return f"[yellow]{safe(facts.latest_version)}[/]"
    return safe(facts.latest_version)


def _project_table(result: ScanResult, index: int) -> Table:
    eg = result.graphs[index]
    g = eg.graph
    title = f"[bold]{safe(g.project.root)}[/] · {g.project.ecosystem.value} · {len(g.dependencies)} packages ({len(g.direct())} direct)"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", expand=False)
    table.add_column("Package", overflow="fold")
    table.add_column("Version", overflow="fold")
    table.add_column("", width=1)  # direct marker
    table.add_column("Scope", no_wrap=True)
    table.add_column("Latest", overflow="fold")
    table.add_column("Released", no_wrap=True)
    table.add_column("Declared at", overflow="fold", ratio=1)
    for dep in g.dependencies:
        facts = eg.facts.get(dep.package)
        version = safe(dep.package.version) if dep.package.version else f"[yellow]{safe(dep.specifier or 'any')}[/] [dim](unpinned)[/]"
        if dep.marker_applies is False:
            version += " [dim](marker: not this env)[/]"
        table.add_row(
            safe(dep.package.name),
            version,
            "●" if dep.direct else "",
            dep.scope.value + (f" [dim]({safe(dep.source_kind.value)})[/]" if dep.source_kind.value != "registry" else ""),
            _latest(dep, facts),
            _date(facts.version_released if facts and facts.version_released else (facts.last_release if facts else None)),
            _sources(dep.sources, g.project.root),
        )
    return table


def _chain(path: tuple[PackageId, ...]) -> str:
    return " → ".join(safe(p) for p in path)


def _findings(result: ScanResult, console: Console) -> None:
    """Findings grouped by package, worst first. Packages with a medium or worse finding get a block with
    the path, every message and its fix; those with only low ones get one line each (the JSON and
    `chainwarden explain RULE` have the rest), so that a real project's many small weak links do not
    bury what matters."""
    groups: dict[PackageId, list[Finding]] = {}
    for f in result.findings:
        groups.setdefault(f.package, []).append(f)
    own = {r.package: r.own for r in result.metrics.risks} if result.metrics else {}
    order = sorted(groups, key=lambda p: (-max(f.severity.rank for f in groups[p]), -own.get(p, 0.0), p))
    full = [p for p in order if max(f.severity.rank for f in groups[p]) >= Severity.MEDIUM.rank]
    brief = [p for p in order if p not in full]
    console.print(f"[bold]Findings ({len(result.findings)} on {len(groups)} package(s))[/]")
    for package in full:
        fs = groups[package]
        first = fs[0]
        head = f"\n  [bold]{safe(package)}[/]"
        if package in own:
            head += f" [dim]· risk {own[package]:g}[/]"
        if first.location:
            head += f" [dim]· {safe(first.location)}[/]"
        console.print(head)
        if len(first.path) > 1:
            console.print(f"    [dim]via[/] {_chain(first.path)}")
        elif first.path:
            console.print("    [dim]a direct dependency[/]")
        for f in fs:
            lines = [
                Text.from_markup(f"    [{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] "
                                 f"[dim]({safe(f.confidence.value)} confidence)[/]"),
                Text.from_markup(f"             {safe(f.message)}"),
            ]
            if f.fix:
                lines.append(Text.from_markup(f"             [green]fix:[/] {safe(f.fix)}"))
            console.print(Group(*lines))
    if brief:
        console.print(f"\n  [bold]Low-severity weak links[/] [dim]({len(brief)} package(s); details: --format json, "
                      "chainwarden explain RULE)[/]")
        for package in brief:
            fs = groups[package]
            via = f" [dim]via {_chain(fs[0].path[:-1])}[/]" if len(fs[0].path) > 1 else ""
            rules = ", ".join(sorted({safe(f.rule) for f in fs}))
            console.print(f"    [{SEVERITY_STYLE[Severity.LOW]}]•[/] {safe(package)}: {rules}{via}")


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({100 * part / whole:.0f}%)" if whole else "")


def _metrics(m: Metrics, console: Console) -> None:
    console.print(f"[bold]Health[/] [dim](as of {m.as_of.strftime('%Y-%m-%d')}; docs/metrics.md)[/]")
    if m.dated:
        console.print(f"  no release in 18 months: {_share(m.stale_18mo, m.dated)} packages, "
                      f"{_share(m.stale_18mo_direct, m.dated_direct)} direct")
        console.print(f"  no release in 24 months: {_share(m.stale_24mo, m.dated)} packages, "
                      f"{_share(m.stale_24mo_direct, m.dated_direct)} direct")
        console.print(f"  no release in a year:    {_share(m.no_release_1y, m.dated)} packages")
    else:
        console.print("  [magenta]release dates unknown[/]: the index sent none")
    if m.maintainers_known:
        console.print(f"  single maintainer:       {_share(m.single_maintainer, m.maintainers_known)} packages")
    console.print(f"  risk points:             {m.project_risk:g} for the project(s)")
    if m.top_paths:
        console.print("[bold]Riskiest paths[/]")
        for i, p in enumerate(m.top_paths, 1):
            unknown = "" if p.known else " [dim](how it is pulled in is unknown: no lockfile edges)[/]"
            console.print(f"  {i}. [bold]{p.points:g}[/]  {_chain(p.packages)}{unknown}")


def data_age(then: datetime | None, now: datetime) -> str:
    """How old data is, as a person says it: "40 minutes old", "5 hours old", "3 days old"."""
    if then is None:
        return "of unknown age"
    seconds = max((now - then).total_seconds(), 0.0)
    if seconds < 3600:
        return f"{int(seconds // 60)} minutes old"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} hours old"
    return f"{int(seconds // 86400)} days old"


def _advisory_lines(result: ScanResult, console: Console) -> None:
    """Which advisory data the scan matched against, and how old it is (or that there was none)."""
    if not result.advisory_data:
        console.print("  advisories: [magenta]none loaded[/] (chainwarden db update --source PATH|URL)")
    for s in result.advisory_data:
        if s.kind == "querybatch":
            console.print(f"  advisories: {safe(s.source)} (OSV querybatch, asked now; {s.records} records)")
        else:
            when = s.imported_at.strftime("%Y-%m-%d") if s.imported_at else "?"
            console.print(f"  advisories: {safe(s.source)} ({s.records} records, imported {when}, "
                          f"{data_age(s.imported_at, result.started)})")


def render(result: ScanResult, console: Console, *, show_packages: bool = True) -> None:
    n_pkgs = sum(len(eg.graph.dependencies) for eg in result.graphs)
    n_direct = sum(len(eg.graph.direct()) for eg in result.graphs)
    console.print(
        f"[bold]chainwarden {safe(result.tool_version)}[/] · {len(result.graphs)} project(s), "
        f"{n_pkgs} packages ({n_direct} direct) · {result.duration:.2f}s"
    )
    for eco, where in sorted(result.indexes.items()):
        console.print(f"  {eco} index: {safe(where)}")
    if result.policy.source:
        console.print(f"  policy: {safe(result.policy.source)}")
    if n_pkgs:
        _advisory_lines(result, console)
    if not result.graphs:
        console.print("\n[yellow]No manifest or lockfile found.[/] chainwarden reads requirements*.txt, pyproject.toml, "
                      "poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml, package.json, package-lock.json, "
                      "npm-shrinkwrap.json, yarn.lock and pnpm-lock.yaml.")
    if show_packages:
        for i in range(len(result.graphs)):
            console.print()
            console.print(_project_table(result, i))
        if n_pkgs:
            console.print("[dim]● direct dependency · Latest in yellow: a newer version exists[/]")

    console.print()
    if result.findings:
        _findings(result, console)
    else:
        console.print("[green]No findings.[/]")
    if result.ignored:
        console.print(f"[dim]{result.ignored} finding(s) ignored by the policy.[/]")

    if result.metrics is not None and n_pkgs:
        console.print()
        _metrics(result.metrics, console)

    if result.skips:
        console.print()
        console.print(f"[bold magenta]Could not check ({len(result.skips)})[/] — not counted as clean")
        for s in result.skips:
            console.print(f"  [magenta]•[/] {safe(s.what)}: {safe(s.reason)}")

    console.print()
    if result.verdict.passed:
        console.print("[bold green]PASS[/]" + (" (with items not checked)" if result.skips else ""))
    else:
        console.print("[bold red]FAIL[/]")
        for reason in result.verdict.reasons:
            console.print(f"  {safe(reason)}")
