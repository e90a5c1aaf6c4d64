"""The terminal report: every package of every project with where it came from,
then findings grouped by package (riskiest first, with the dependency path that
brings each package in) and their fix, the health metrics and the riskiest
paths, what could not be checked, and the verdict.

All text that comes from inputs or the index goes through `safe()`: markup is
escaped and control characters are shown as escapes, never sent raw.

Layout: a package name and a file:line are never split across lines. The package
table's column widths are worked out here (`_fit`), not left to rich, which narrows
the widest columns evenly and cuts through words; when the terminal is too narrow
for whole names even so, the Released and then the Latest column are left out (the
legend says so). Every wrapped line of a finding, a path or a "could not check" item
is indented under its own text, never at column 0.
"""

from __future__ import annotations

import re
from datetime import datetime

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
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
    printable,
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


# header -> whole lines only (never wrapped inside a line): names, dates and "Declared at" (one file:line a line)
_COLUMNS = {"Package": True, "Version": False, "": True, "Scope": False, "Latest": False, "Released": True, "Declared at": True}
# The layouts tried, best first, until whole names and file:lines fit the width: every column; without Released;
# "Declared at" on a line of its own under each package; and without Released, then Latest, too.
_LAYOUTS: tuple[tuple[tuple[str, ...], bool], ...] = (
    ((), False), (("Released",), False), ((), True), (("Released",), True), (("Released", "Latest"), True),
)


def _extent(cells: list[str], whole: bool) -> tuple[int, int]:
    """The narrowest a column of markup cells can be without breaking a word (or, `whole`, a line), and its natural width."""
    narrow = wide = 0
    for cell in cells:
        for line in Text.from_markup(cell).plain.split("\n"):
            wide = max(wide, cell_len(line))
            narrow = max(narrow, cell_len(line) if whole else max((cell_len(w) for w in line.split()), default=0))
    return narrow, wide


def _fit(narrow: list[int], wide: list[int], room: int) -> list[int] | None:
    """Column widths within `room`: every column its natural width when they fit, else at least its narrowest with
    what is left going to the columns furthest from their natural width; None when even the narrowest do not fit."""
    if sum(wide) <= room:
        return list(wide)
    if sum(narrow) > room:
        return None
    widths = list(narrow)
    for _ in range(room - sum(narrow)):
        i = max(range(len(widths)), key=lambda k: wide[k] - widths[k])
        widths[i] += 1
    return widths


def _project_table(result: ScanResult, index: int, width: int) -> tuple[Table, tuple[str, ...]]:
    """One project's packages as a table that fits `width` without splitting a name or a file:line (`_LAYOUTS`), and
    the columns left out to make it fit. Only a name longer than the terminal is wide is ever folded."""
    eg = result.graphs[index]
    g = eg.graph
    rows: list[dict[str, str]] = []
    for dep in g.dependencies:
        facts = eg.facts.get(dep.package)
        version = safe(dep.package.version) if dep.package.version else f"[yellow]{safe(dep.specifier or 'any')}[/] [dim](unpinned)[/]"
        if dep.marker_applies is False:
            version += " [dim](marker: not this env)[/]"
        rows.append({
            "Package": safe(dep.package.name),
            "Version": version,
            "": "●" if dep.direct else "",
            "Scope": dep.scope.value + (f" [dim]({safe(dep.source_kind.value)})[/]" if dep.source_kind.value != "registry" else ""),
            "Latest": _latest(dep, facts),
            "Released": _date(facts.version_released if facts and facts.version_released else (facts.last_release if facts else None)),
            "Declared at": _sources(dep.sources, g.project.root),
        })
    below = {id(r): "[dim]" + "  ".join(r["Declared at"].split("\n")) + "[/]" for r in rows}
    extents = {c: _extent([c, *(r[c] for r in rows)], whole) for c, whole in _COLUMNS.items()}
    # under the package, the file:lines are indented by 2 and each is kept whole
    extents["Package+below"] = _extent(["Package", *(r["Package"] for r in rows)], True)
    narrow_below = max((2 + cell_len(w) for r in rows for w in Text.from_markup(below[id(r)]).plain.split()), default=0)
    wide_below = max((2 + cell_len(Text.from_markup(below[id(r)]).plain) for r in rows), default=0)
    chosen: tuple[list[str], bool, list[int] | None] | None = None
    for drop, under in _LAYOUTS:
        columns = [c for c in _COLUMNS if c not in drop and not (under and c == "Declared at")]
        narrow = [extents[c][0] for c in columns]
        wide = [extents[c][1] for c in columns]
        if under:
            narrow[0], wide[0] = max(narrow[0], narrow_below), max(wide[0], wide_below)
        widths = _fit(narrow, wide, width - (3 * len(columns) - 3))  # between columns: space, separator, space
        chosen = (columns, under, widths)
        if widths is not None:
            break
    assert chosen is not None
    columns, under, widths = chosen  # widths None: not even the last layout fits: rich folds (the last resort)
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", expand=False, show_edge=False, pad_edge=False)
    for n, c in enumerate(columns):
        table.add_column(c, width=widths[n] if widths else None, overflow="fold")
    for r in rows:
        table.add_row(*(r[c] for c in columns))
        if under:
            table.add_row(Padding(Text.from_markup(below[id(r)]), (0, 0, 0, 2), expand=False), *([""] * (len(columns) - 1)))
    return table, tuple(c for c in ("Released", "Latest") if c not in columns)


def _chain(path: tuple[PackageId, ...]) -> str:
    return " → ".join(safe(p) for p in path)


def indented(markup: str, indent: int | None = None) -> RenderableType:
    """A line of markup at column `indent` (default: as many columns as it starts with spaces); when it wraps, the
    rest stays at that column too, never at column 0. The inspect, diff and review reports print through it too."""
    if indent is None:
        text = markup.lstrip(" ")
        indent, markup = len(markup) - len(text), text
    return Padding(Text.from_markup(markup), (0, 0, 0, indent), expand=False)


def _hanging(lead: str, markup: str, indent: int) -> RenderableType:
    """`lead` (a bullet, "via", a number) at column `indent` and the text beside it; a wrapped line continues under
    the text, not under the lead and never at column 0."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(Text.from_markup(lead), Text.from_markup(markup))
    return Padding(grid, (0, 0, 0, indent), expand=False)


def _findings(result: ScanResult, console: Console) -> None:
    """Findings grouped by package, worst first. Packages with a medium or worse finding get a block with
    the path, every message and its fix; those with only low ones get one line each (the JSON and
    `chainwarden explain RULE` have the rest), so that a real project's many small weak links do not
    bury what matters. Packages with informational findings only are counted, not listed (a weak signal on
    its own: docs/decisions/0020-weak-signals-combine.md); a listed package shows them with the rest."""
    groups: dict[PackageId, list[Finding]] = {}
    for f in result.findings:
        groups.setdefault(f.package, []).append(f)
    own = {r.package: r.own for r in result.metrics.risks} if result.metrics else {}
    order = sorted(groups, key=lambda p: (-max(f.severity.rank for f in groups[p]), -own.get(p, 0.0), p))
    full = [p for p in order if max(f.severity.rank for f in groups[p]) >= Severity.MEDIUM.rank]
    brief = [p for p in order if p not in full and max(f.severity.rank for f in groups[p]) > Severity.INFO.rank]
    quiet = [p for p in order if p not in full and p not in brief]
    listed = sum(len(groups[p]) for p in full + brief)
    aside = (f"{sum(len(groups[p]) for p in quiet)} informational on {len(quiet)} other package(s), not listed "
             "(--format json)") if quiet else ""
    if not listed:
        console.print(f"[green]No findings to act on.[/] [dim]{aside}[/]")
        return
    console.print(f"[bold]Findings ({listed} on {len(full) + len(brief)} package(s))[/]" + (f" [dim]· {aside}[/]" if aside else ""))
    for package in full:
        fs = groups[package]
        first = fs[0]
        head = f"[bold]{safe(package)}[/]"
        if package in own:
            head += f" [dim]· risk {own[package]:g}[/]"
        if first.location:
            head += f" [dim]· {safe(first.location)}[/]"
        console.print()
        console.print(indented(head, 2))
        if len(first.path) > 1:
            console.print(_hanging("[dim]via[/]", _chain(first.path), 4))
        elif first.path:
            console.print(indented("[dim]a direct dependency[/]", 4))
        for f in fs:
            lines: list[RenderableType] = [
                indented(f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value.upper():8}[/] [bold]{safe(f.rule)}[/] "
                          f"[dim]({safe(f.confidence.value)} confidence)[/]", 4),
                indented(safe(f.message), 13),
            ]
            if f.fix:
                lines.append(_hanging("[green]fix:[/]", safe(f.fix), 13))
            console.print(Group(*lines))
    if brief:
        console.print()
        console.print(indented(f"[bold]Low-severity weak links[/] [dim]({len(brief)} package(s); details: --format json, "
                                "chainwarden explain RULE)[/]", 2))
        for package in brief:
            fs = groups[package]
            via = f" [dim]via {_chain(fs[0].path[:-1])}[/]" if len(fs[0].path) > 1 else ""
            rules = ", ".join(sorted({safe(f.rule) for f in fs}))
            console.print(_hanging(f"[{SEVERITY_STYLE[Severity.LOW]}]•[/]", f"{safe(package)}: {rules}{via}", 4))


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
        console.print("  [magenta]release dates unknown[/]: the index sent none, or could not be asked")
    if m.maintainers_known:
        console.print(f"  single maintainer:       {_share(m.single_maintainer, m.maintainers_known)} packages")
    console.print(f"  risk points:             {m.project_risk:g} for the project(s)")
    if m.top_paths:
        console.print("[bold]Riskiest paths[/]")
        for i, p in enumerate(m.top_paths, 1):
            unknown = "" if p.known else " [dim](how it is pulled in is unknown: no lockfile edges)[/]"
            console.print(_hanging(f"{i}. [bold]{p.points:g}[/]", f"{_chain(p.packages)}{unknown}", 2))


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


def verdict_line(result: ScanResult) -> str:
    """The verdict in one line of plain text, for stderr when the report goes to a file or to a machine:
    ``FAIL: typosquat on reqeusts==2.0 (high) fails by fail-on = high (+2 more)``, ``NOT CHECKED: ...``,
    ``PASS, 3 item(s) not checked``."""
    v = result.verdict
    label = {"pass": "PASS", "fail": "FAIL", "not-checked": "NOT CHECKED"}[v.label]
    if v.label == "pass":
        return label + (f", {len(result.skips)} item(s) not checked" if result.skips else "")
    first = printable(redact_secrets(v.reasons[0]), 300) if v.reasons else ""
    return f"{label}: {first}" + (f" (+{len(v.reasons) - 1} more)" if len(v.reasons) > 1 else "")


def render_verdict(result: ScanResult, console: Console) -> None:
    """The last lines of a report: the verdict, said as the exit status says it (PASS 0, FAIL 1, NOT CHECKED 3),
    and why."""
    v = result.verdict
    if v.label == "pass":
        console.print("[bold green]PASS[/]" + (f" [magenta](with {len(result.skips)} item(s) not checked, listed above: "
                                              "--strict fails on them)[/]" if result.skips else ""))
        return
    console.print("[bold red]FAIL[/]" if v.label == "fail" else "[bold magenta]NOT CHECKED[/]")
    for reason in v.reasons:
        console.print(indented(safe(reason), 2))


def render(result: ScanResult, console: Console, *, show_packages: bool = True) -> None:
    n_pkgs = sum(len(eg.graph.dependencies) for eg in result.graphs)
    n_direct = sum(len(eg.graph.direct()) for eg in result.graphs)
    console.print(
        f"[bold]chainwarden {safe(result.tool_version)}[/] · {len(result.graphs)} project(s), "
        f"{n_pkgs} packages ({n_direct} direct) · {result.duration:.2f}s"
    )
    for eco, where in sorted(result.indexes.items()):
        console.print(indented(f"{eco} index: {safe(where)}", 2))
    if result.policy.source:
        console.print(indented(f"policy: {safe(result.policy.source)}", 2))
    if n_pkgs:
        _advisory_lines(result, console)
    if not result.graphs:
        console.print()
        console.print("[bold magenta]Nothing to check: no manifest or lockfile found.[/] chainwarden reads requirements*.txt, "
                      "pyproject.toml, Pipfile, poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml, package.json, "
                      "package-lock.json, npm-shrinkwrap.json, yarn.lock and pnpm-lock.yaml (and an installed environment "
                      "with --environment).")
    if show_packages:
        dropped: set[str] = set()
        for i, eg in enumerate(result.graphs):
            g = eg.graph
            table, left_out = _project_table(result, i, console.width)
            dropped.update(left_out)
            console.print()
            console.print(f"[bold]{safe(g.project.root)}[/] · {g.project.ecosystem.value} · {len(g.dependencies)} packages "
                          f"({len(g.direct())} direct)")
            if g.dependencies:
                console.print(table)
        if n_pkgs:
            legend = "[dim]● direct dependency · Latest in yellow: a newer version exists[/]"
            if dropped:
                names = " and ".join(c for c in ("Released", "Latest") if c in dropped)
                legend += f" [dim]· {names} left out where the terminal is too narrow (--format json has them)[/]"
            console.print(legend)

    console.print()
    if result.findings:
        _findings(result, console)
    elif result.graphs:
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
            console.print(_hanging("[magenta]•[/]", f"{safe(s.what)}: {safe(s.reason)}", 2))

    console.print()
    render_verdict(result, console)
