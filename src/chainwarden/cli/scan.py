"""`chainwarden scan` and `chainwarden sbom`."""

from __future__ import annotations

import argparse
import io
import sys

from chainwarden.cli._common import (
    EXIT_FAIL,
    EXIT_INTERNAL,
    EXIT_PASS,
    EXIT_UNCHECKED,
    enrich_options,
    error,
    input_paths,
    note,
    printable,
    render,
    with_progress,
    write,
)

EXIT_FOR = {"pass": EXIT_PASS, "fail": EXIT_FAIL, "not-checked": EXIT_UNCHECKED}


def cmd_scan(args: argparse.Namespace) -> int:
    """The verdict's exit code: 0 pass, 1 fail, 3 not checked (nothing found or read, every lookup of an ecosystem
    failed, or --strict and something could not be checked); 2 when the invocation cannot be used."""
    from rich.console import Console

    from chainwarden.enrich.cache import CacheError
    from chainwarden.pipeline import ChainwardenError, ScanRequest, scan
    from chainwarden.report import terminal

    paths = input_paths(args)
    if isinstance(paths, int):
        return paths
    options = enrich_options(args)
    if isinstance(options, int):
        return options
    options.osv_url = args.osv_url
    request = ScanRequest(
        paths=paths, environment=args.environment, options=options, config=args.config, strict=args.strict,
        now=args.as_of, dns_server=args.dns_server, dns_canary=args.dns_canary, no_dns=args.no_dns, deep=args.deep,
    )
    try:
        result = with_progress(scan, request, not args.no_progress)
    except (*ChainwardenError, CacheError) as exc:
        return error(printable(exc.diagnostics()))

    if args.format != "terminal":
        text = render(result, args.format, docs_url=args.docs_url)
    elif args.output:
        buffer = io.StringIO()
        terminal.render(result, Console(file=buffer, width=160, no_color=True), show_packages=not args.summary_only)
        text = buffer.getvalue()
    else:
        terminal.render(result, Console(), show_packages=not args.summary_only)
        text = ""
    if args.output:
        write(args.output, text)
    elif text:
        sys.stdout.write(text)
    if args.output or args.format != "terminal":
        # the report went to a file or is for a machine: the verdict, in one line, for the person reading the log
        where = f" (report: {printable(str(args.output))})" if args.output else ""
        note(terminal.verdict_line(result) + where)
    return EXIT_FOR[result.verdict.label]


def cmd_sbom(args: argparse.Namespace) -> int:
    """0 written; 2 unusable invocation; 3 when nothing was found to list, or with --strict when something could not
    be read or looked up; 4 when --validate finds the document invalid (a bug in chainwarden)."""
    from chainwarden.enrich.cache import CacheError
    from chainwarden.pipeline import ChainwardenError
    from chainwarden.pipeline.inventory import InventoryRequest, inventory
    from chainwarden.report import sbom_cyclonedx, sbom_spdx

    paths = input_paths(args)
    if isinstance(paths, int):
        return paths
    options = enrich_options(args)
    if isinstance(options, int):
        return options
    request = InventoryRequest(paths=paths, environment=args.environment, options=options, config=args.config,
                               lookup=not args.no_index)
    try:
        result = with_progress(inventory, request, not args.no_progress)
    except (*ChainwardenError, CacheError) as exc:
        return error(printable(exc.diagnostics()))
    text = render(result, args.format)
    if args.validate:
        module = sbom_cyclonedx if args.format == "cyclonedx" else sbom_spdx
        try:
            problem = module.validate(text)
        except (sbom_cyclonedx.ValidationUnavailable, sbom_spdx.ValidationUnavailable) as exc:
            return error(f"--validate: {exc}")
        if problem is not None:
            print(f"chainwarden: internal error: the {args.format} document does not validate against its schema: {problem}\n"
                  "This is a bug in chainwarden; please report it.", file=sys.stderr)
            return EXIT_INTERNAL
    if args.output:
        write(args.output, text)
    else:
        sys.stdout.write(text)
    for s in result.skips:
        note(f"not checked: {printable(s.what)}: {printable(s.reason)}")
    if not result.graphs:
        where = ", ".join(printable(str(p)) for p in [*paths, *([args.environment] if args.environment else [])])
        note(f"nothing to list: no manifest, lockfile or installed environment found in {where} (the SBOM is empty)")
        return EXIT_UNCHECKED
    return EXIT_UNCHECKED if args.strict and result.skips else EXIT_PASS

