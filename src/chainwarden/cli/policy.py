"""`chainwarden policy init` and `chainwarden policy explain`."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from chainwarden.cli._common import EXIT_PASS, enrich_options, error, printable, write


def cmd_policy(args: argparse.Namespace) -> int:
    """`policy init`: 0 written, 2 when the file exists. `policy explain`: the scan's exit status."""
    from chainwarden.decide import STARTER_POLICY

    if args.policy_command == "init":
        if args.output.exists():
            return error(f"{printable(str(args.output))} exists; it is not overwritten (edit it, or pass --output)")
        write(args.output, STARTER_POLICY)
        print(f"wrote {args.output}: every key with its default, commented (docs/policy.md has the details)")
        return EXIT_PASS
    if args.policy_command != "explain":
        return error("policy needs an action: init or explain")
    return _explain(args)


def _explain(args: argparse.Namespace) -> int:
    """Every finding (ignored ones too) with the action the policy gives it and the entry that chose it; one line per
    finding and place (the same rule on the same package in two files is two lines, each with its file:line)."""
    from rich.console import Console

    from chainwarden.cli.scan import EXIT_FOR
    from chainwarden.decide import Action
    from chainwarden.enrich.cache import CacheError
    from chainwarden.pipeline import ChainwardenError, ScanRequest, policy_for, scan
    from chainwarden.report.terminal import SEVERITY_STYLE, render_verdict, safe

    options = enrich_options(args)
    if isinstance(options, int):
        return options
    paths: list[Path] = args.paths or [Path(".")]
    for p in paths:
        if not p.exists():
            return error(f"{printable(str(p))}: no such file or directory")
    request = ScanRequest(paths=paths, options=options, config=args.config, now=args.as_of, no_dns=args.no_dns, deep=args.deep)
    try:
        policy = policy_for(request)
        result = scan(request)
    except (*ChainwardenError, CacheError) as exc:
        return error(printable(exc.diagnostics()))
    today = (args.as_of or result.started).date()
    console = Console(soft_wrap=True)  # one finding a line, whatever the width: for grep
    console.print(f"[bold]policy[/] {safe(policy.source or 'built-in defaults (no policy file found)')}")
    styles = {Action.FAIL: "bold red", Action.WARN: "yellow", Action.IGNORE: "dim"}
    lines: Counter[tuple[str, str]] = Counter()
    for f in sorted([*result.findings, *result.ignored_findings],
                    key=lambda f: (-f.severity.rank, f.rule, f.package.name, str(f.location or ""))):
        d = policy.decision(f, today)
        where = f" at {safe(f.location)}" if f.location else ""
        line = (f"  [{styles[d.action]}]{d.action.value.upper():6}[/] [{SEVERITY_STYLE[f.severity]}]{f.severity.value:8}[/] "
                f"{safe(f.rule)} on {safe(str(f.package))}{where} [dim]← {safe(d.why)}[/]")
        expired = (f"         [magenta]{safe(d.expired.label())} expired on {d.expired.expires.isoformat()}[/]"
                   if d.expired is not None and d.expired.expires is not None else "")
        lines[(line, expired)] += 1
    for (line, expired), count in lines.items():  # in order; a finding said twice in the same place is one line
        console.print(line + (f" [dim](×{count})[/]" if count > 1 else ""))
        if expired:
            console.print(expired)
    render_verdict(result, Console())
    return EXIT_FOR[result.verdict.label]
