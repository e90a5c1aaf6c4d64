"""Markdown for a pull-request comment: the verdict and counts first, a table of the worst findings,
then the details collapsed in ``<details>`` blocks (docs/reports.md).

Everything that comes from inputs or an index (package names, versions, file names, messages,
evidence) is untrusted: names and paths are shown as code spans (no Markdown, no HTML, no
@-mentions inside), prose is escaped character by character, so a package named
``<img src=x onerror=...>`` or ``@org/team`` shows as text and notifies nobody.
The comment stays under the 65,536 characters a GitHub comment may hold.
"""

from __future__ import annotations

import re
from pathlib import Path

from chainwarden.model import Finding, PackageId, ScanResult, Severity, printable, redact_secrets

__all__ = ["MAX_CHARS", "code", "render", "text"]

MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters; leave room for a wrapper
TOP_FINDINGS = 10
_ICON = {Severity.CRITICAL: "🟥", Severity.HIGH: "🟧", Severity.MEDIUM: "🟨", Severity.LOW: "🟦", Severity.INFO: "⬜"}
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?\[\\\]^_`{|}~])")


def text(value: object, limit: int = 0) -> str:
    """Untrusted prose for Markdown: secrets redacted (`redact_secrets`), control characters shown as escapes, every ASCII punctuation character
    backslash-escaped (so no emphasis, link, HTML tag, entity or table cell break), line breaks as spaces,
    and ``@``/``#`` followed by a zero-width space so that no user, team or issue is mentioned."""
    shown = printable(redact_secrets(" ".join(str(value).split())))
    if limit and len(shown) > limit:
        shown = shown[:limit].rstrip() + "…"
    shown = _PUNCTUATION.sub(r"\\\1", shown)
    return shown.replace("@", "@&#8203;").replace("\\#", "\\#&#8203;")


def code(value: object, limit: int = 200, *, cell: bool = False) -> str:
    """An untrusted name or path as a code span (secrets redacted): nothing inside is Markdown or HTML, and GitHub does not
    turn ``@scope`` into a mention there. In a table cell pipes are escaped; the fence outgrows any backticks."""
    shown = printable(redact_secrets(" ".join(str(value).split())))
    if limit and len(shown) > limit:
        shown = shown[:limit] + "…"
    if cell:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _shown_path(path: str) -> str:
    """A path as the repository reads it: relative to where chainwarden ran when it is inside it."""
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path


def _package(p: PackageId, *, cell: bool = False) -> str:
    return code(str(p), cell=cell)


def _counts(findings: tuple[Finding, ...]) -> str:
    by = {s: 0 for s in Severity}
    for f in findings:
        by[f.severity] += 1
    return ", ".join(f"{n} {s.value}" for s in reversed(Severity) for n in [by[s]] if n)


def _where(f: Finding, sources: dict[PackageId, str], *, cell: bool = False) -> str:
    if f.location is not None:
        return code(str(f.location), cell=cell)
    return code(sources[f.package], cell=cell) if f.package in sources else "—"


def render(result: ScanResult) -> str:
    n_pkgs = sum(len(eg.graph.dependencies) for eg in result.graphs)
    n_direct = sum(len(eg.graph.direct()) for eg in result.graphs)
    sources = {d.package: str(d.sources[0]) for eg in result.graphs for d in eg.graph.dependencies if d.sources}
    # informational findings (a weak signal on its own, docs/decisions/0020-weak-signals-combine.md) are counted, not listed
    informational = sum(f.severity is Severity.INFO for f in result.findings)
    findings = tuple(sorted((f for f in result.findings if f.severity is not Severity.INFO),
                            key=lambda f: (-f.severity.rank, -f.confidence.rank, f.rule, f.package)))
    packages = {f.package for f in findings}

    head: list[str] = []
    verdict = {"pass": "✅ **PASS**", "fail": "❌ **FAIL**", "not-checked": "⚠️ **NOT CHECKED**"}[result.verdict.label]
    head.append(f"### chainwarden: {verdict}")
    head.append("")
    summary = (f"**{len(findings)} finding(s)**" + (f" ({_counts(findings)})" if findings else "")
               + f" on {len(packages)} package(s) · {n_pkgs} packages ({n_direct} direct) in {len(result.graphs)} project(s)")
    if informational:
        summary += f" · {informational} informational (in `--format json`)"
    if result.skips:
        summary += f" · **{len(result.skips)} not checked**"
    if result.ignored:
        summary += f" · {result.ignored} ignored by the policy"
    head.append(summary)
    if result.verdict.label != "pass" and result.verdict.reasons:
        head.append("")
        shown = result.verdict.reasons[:5]
        head += [f"- {text(r, 300)}" for r in shown]
        if len(result.verdict.reasons) > len(shown):
            head.append(f"- … and {len(result.verdict.reasons) - len(shown)} more")

    if findings:
        head += ["", "| | Severity | Package | Rule | Where | Finding |", "|---|---|---|---|---|---|"]
        for f in findings[:TOP_FINDINGS]:
            head.append(f"| {_ICON[f.severity]} | {f.severity.value} | {_package(f.package, cell=True)} | {code(f.rule, 60, cell=True)} | "
                        f"{_where(f, sources, cell=True)} | {text(f.message, 160)} |")
        if len(findings) > TOP_FINDINGS:
            head.append("")
            head.append(f"{len(findings) - TOP_FINDINGS} more below.")

    policy = code(_shown_path(result.policy.source)) if result.policy.source else "built-in defaults"
    footer = (f"<sub>chainwarden {text(result.tool_version)} · policy: {policy} · fail-on {result.policy.fail_on.value}"
              " · `chainwarden explain RULE` describes a rule</sub>")
    tail = ["", footer, ""]
    budget = MAX_CHARS - len("\n".join(head + tail)) - 200
    body: list[str] = []

    def section(title: str, lines: list[str]) -> None:
        nonlocal budget
        block = ["", "<details>", f"<summary>{title}</summary>", ""]
        used = sum(len(x) + 1 for x in block) + 20
        kept = 0
        for line in lines:
            if used + len(line) + 1 > budget:
                break
            block.append(line)
            used += len(line) + 1
            kept += 1
        if kept < len(lines):
            block.append(f"\n*… {len(lines) - kept} more line(s) left out to fit a comment: see `--format json` or `--format sarif`.*")
        block += ["", "</details>"]
        budget -= used
        body.extend(block)

    if findings:
        lines: list[str] = []
        groups: dict[PackageId, list[Finding]] = {}
        for f in findings:
            groups.setdefault(f.package, []).append(f)
        for package, fs in groups.items():
            lines.append(f"#### {_ICON[fs[0].severity]} {_package(package)}")
            first = fs[0]
            where = _where(first, sources)
            if len(first.path) > 1:
                lines.append(f"declared at {where}, via " + " → ".join(_package(p) for p in first.path[:-1]))
            else:
                lines.append(f"declared at {where}" + (", a direct dependency" if first.path else ""))
            lines.append("")
            for f in fs:
                lines.append(f"- **{f.severity.value}** {code(f.rule, 60)} ({f.confidence.value} confidence): {text(f.message)}")
                for e in f.evidence[:8]:
                    lines.append(f"  - {text(e.label, 80)}: {text(e.value, 300)}")
                if f.fix:
                    lines.append(f"  - fix: {text(f.fix)}")
            lines.append("")
        section(f"All findings ({len(findings)})", lines)

    if result.skips:
        section(f"Could not check ({len(result.skips)}): not counted as clean",
                [f"- {code(s.what, 120)}: {text(s.reason, 400)}" for s in result.skips])

    m = result.metrics
    if m is not None and n_pkgs:
        lines = []
        if m.dated:
            lines.append(f"- no release in 18 months: {m.stale_18mo} of {m.dated} packages, {m.stale_18mo_direct} of {m.dated_direct} direct")
            lines.append(f"- no release in 24 months: {m.stale_24mo} of {m.dated} packages, {m.stale_24mo_direct} of {m.dated_direct} direct")
        if m.maintainers_known:
            lines.append(f"- single maintainer: {m.single_maintainer} of {m.maintainers_known} packages")
        lines.append(f"- risk points: {m.project_risk:g}")
        for i, p in enumerate(m.top_paths, 1):
            lines.append(f"{i}. **{p.points:g}** " + " → ".join(_package(q) for q in p.packages))
        section(f"Health (as of {m.as_of.strftime('%Y-%m-%d')})", lines)

    return "\n".join(head + body + tail)
