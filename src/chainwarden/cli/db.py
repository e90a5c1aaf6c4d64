"""`chainwarden db update` and `chainwarden db show`: the advisory store."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from chainwarden.cli._common import EXIT_PASS, error, note, printable

MAX_PROBLEMS_SHOWN = 20


def cmd_db(args: argparse.Namespace) -> int:
    """`db update`: 0 when records were imported (each one that could not be is named on stderr), 2 when
    nothing could be (the earlier data stays). `db show`: 0, with what the store holds."""
    from chainwarden.enrich.advisories import AdvisoryError, AdvisoryStore, import_source
    from chainwarden.enrich.cache import default_cache_dir
    from chainwarden.report.terminal import data_age

    directory = args.cache_dir or default_cache_dir()
    if args.db_command == "update":
        try:
            report = import_source(directory, args.source, timeout=args.timeout)
        except AdvisoryError as exc:
            return error(printable(exc.diagnostics()))
        for n in report.notes:
            note(f"note: {printable(n)}")
        for problem in report.errors[:MAX_PROBLEMS_SHOWN]:
            note(f"not imported: {printable(problem)}")
        if len(report.errors) > MAX_PROBLEMS_SHOWN:
            note(f"... and {len(report.errors) - MAX_PROBLEMS_SHOWN} more not imported")
        per = ", ".join(f"{eco} {n}" for eco, n in sorted(report.by_ecosystem.items())) or "none"
        left = [f"{n} {what}" for n, what in ((report.withdrawn, "withdrawn"), (report.other_ecosystems, "for other ecosystems"),
                                               (report.duplicates, "duplicate ids"), (len(report.errors), "rejected")) if n]
        print(f"{printable(report.source)}: {report.records} advisories imported ({per}; {report.malicious} malware reports)"
              + (f"; left out: {', '.join(left)}" if left else ""))
        return EXIT_PASS
    if args.db_command != "show":
        return error("db needs an action: update or show")
    try:
        store = AdvisoryStore.existing(directory)
    except AdvisoryError as exc:
        return error(printable(exc.diagnostics()))
    sources = store.sources() if store else []
    counts = store.counts() if store else {}
    if store:
        store.close()
    if not sources:
        print(f"no advisory data loaded in {directory} (chainwarden db update --source PATH|URL imports OSV records)")
        return EXIT_PASS
    now = datetime.now(UTC)
    for eco, (records, malicious) in sorted(counts.items()):
        print(f"{eco}: {records} advisories ({malicious} malware reports)")
    for s in sources:
        when = s.imported_at.strftime("%Y-%m-%d %H:%M UTC") if s.imported_at else "unknown"
        print(f"source {printable(s.source)}: {s.records} records, imported {when} ({data_age(s.imported_at, now)})")
    return EXIT_PASS
