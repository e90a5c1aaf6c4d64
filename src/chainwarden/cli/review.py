"""`chainwarden review BASE HEAD [PATH]`: what a change does to the dependencies, judged by the policy."""

from __future__ import annotations

import argparse
import sys

from chainwarden.cli._common import EXIT_FAIL, EXIT_PASS, enrich_options, error, printable


def cmd_review(args: argparse.Namespace) -> int:
    """The policy's verdict on the change: 0 pass, 1 fail, 2 when the commits cannot be read."""
    from rich.console import Console

    from chainwarden.enrich.cache import CacheError
    from chainwarden.pipeline import ChainwardenError
    from chainwarden.pipeline.review import ReviewError, run_review
    from chainwarden.report import review_report

    options = enrich_options(args)
    if isinstance(options, int):
        return options
    if not args.path.exists():
        return error(f"{printable(str(args.path))}: no such file or directory")
    try:
        result = run_review(args.path, args.base, args.head, options, config=args.config, now=args.as_of, deep=args.deep,
                            no_dns=args.no_dns)
    except (ReviewError, *ChainwardenError, CacheError) as exc:
        return error(printable(exc.diagnostics()))
    if args.format == "json":
        sys.stdout.write(review_report.render_json(result))
    else:
        review_report.render_terminal(result, Console())
    return EXIT_PASS if result.verdict.passed else EXIT_FAIL
