"""`chainwarden explain [RULE]`: a rule's page, or the list of rules."""

from __future__ import annotations

import argparse

from chainwarden.cli._common import EXIT_PASS, error, printable


def cmd_explain(args: argparse.Namespace) -> int:
    from rich.console import Console

    from chainwarden.analyze import ANALYZERS, by_id
    from chainwarden.analyze.code import CODE_RULES
    from chainwarden.analyze.review import REVIEW_RULES
    from chainwarden.cli.rules import rule_doc

    if not args.rule:
        for a in ANALYZERS:
            options = ", ".join(f"{o.name} = {o.default!r}" for o in a.info.options)
            print(f"{a.info.id:32} {a.info.severity.value:8} {a.info.reflex.value:15} {a.info.title}" + (f"  [{options}]" if options else ""))
        for rule, severity, title in CODE_RULES:
            print(f"{rule:32} {severity:8} {'fortify':15} {title}  [inspect, diff, scan --deep]")
        for rule, severity, title in REVIEW_RULES:
            print(f"{rule:32} {severity:8} {'evaluation':15} {title}  [review]")
        return EXIT_PASS
    analyzer = by_id(args.rule)
    doc = rule_doc(args.rule)
    if analyzer is None and (doc is None or args.rule not in {r for r, _, _ in (*CODE_RULES, *REVIEW_RULES)}):
        return error(f"unknown rule {printable(repr(args.rule))}; `chainwarden explain` lists them")
    text = doc if doc else f"{analyzer.info.title}\n\n{analyzer.info.summary}" if analyzer else ""
    Console().print(text, markup=False, highlight=False, soft_wrap=True)
    return EXIT_PASS
