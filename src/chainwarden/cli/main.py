"""The command line: the only layer that prints to stdout or exits.

Exit codes (docs/cli.md):
  0  pass
  1  the policy failed the run
  2  unusable invocation (bad flag, unreadable policy, no index to ask)
  3  --strict and something could not be checked
  4  internal error (a bug in chainwarden: please report it)
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: work stopped, work folders removed
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from chainwarden import __version__
from chainwarden.enrich.cache import CacheError

if TYPE_CHECKING:
    from chainwarden.enrich import EnrichOptions
    from chainwarden.model import ScanResult

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNCHECKED, EXIT_INTERNAL = 0, 1, 2, 3, 4
R = TypeVar("R")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"chainwarden: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _add_index_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where registry facts come from")
    g.add_argument("--index-url", metavar="URL", help="PyPI-style index to ask (default: your pip/uv configuration; env CHAINWARDEN_INDEX_URL)")
    g.add_argument("--npm-registry", metavar="URL", help="npm registry to ask (default: your .npmrc / npm configuration; env CHAINWARDEN_NPM_REGISTRY)")
    g.add_argument("--registry-snapshot", metavar="DIR", type=Path, help="answer from a registry snapshot directory instead of an index")
    c = p.add_argument_group("private and public indexes (dependency confusion)")
    c.add_argument("--private-index", metavar="URL", action="append", default=[],
                   help="a private PyPI-style index: its packages are checked against the public index (repeatable)")
    c.add_argument("--private-npm-registry", metavar="URL", action="append", default=[],
                   help="a private npm registry, the same way (repeatable)")
    c.add_argument("--public-index", metavar="URL", help="the public PyPI-style index private names are checked against "
                   "(default: pip's built-in default; env CHAINWARDEN_PUBLIC_INDEX; policy [sources] public-index)")
    c.add_argument("--public-npm-registry", metavar="URL", help="the public npm registry (default: npm's built-in default; "
                   "env CHAINWARDEN_PUBLIC_NPM_REGISTRY; policy [sources] public-npm-registry)")
    g.add_argument("--cache-dir", metavar="DIR", type=Path, help="where the SQLite cache lives (default: the user cache dir)")
    g.add_argument("--cache-ttl", metavar="SECONDS", type=float, default=3600.0, help="reuse cached registry answers younger than this without asking (default 3600)")
    g.add_argument("--offline", action="store_true", help="answer from the cache only; list what it cannot answer")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    g.add_argument("--concurrency", type=int, default=16, metavar="N", help="parallel requests to the index (default 16)")
    g.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="per-request timeout (default 20)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chainwarden", description="Defend Python and npm projects against malicious packages.")
    parser.add_argument("--version", action="version", version=f"chainwarden {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser("scan", help="inventory every dependency, look each up, report what is risky")
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project directories or files (default: .)")
    scan.add_argument("--environment", metavar="PATH", type=Path, help="also read an installed environment (a venv or site-packages)")
    scan.add_argument("--format", choices=["terminal", *REPORT_FORMATS], default="terminal",
                      help="report format (default terminal); sarif for code scanning, markdown for a pull-request comment, "
                      "cyclonedx or spdx for an SBOM (docs/reports.md)")
    scan.add_argument("--docs-url", metavar="URL", default=os.environ.get("CHAINWARDEN_DOCS_URL") or None,
                      help="sarif: where the rule pages (docs/rules/) are published, for each rule's link (env CHAINWARDEN_DOCS_URL)")
    scan.add_argument("--output", "-o", metavar="FILE", type=Path, help="write the report to FILE instead of stdout")
    scan.add_argument("--config", metavar="FILE", type=Path, help="policy file (default: chainwarden.toml or [tool.chainwarden] found from PATH upwards)")
    scan.add_argument("--strict", action="store_true", help="exit 3 when anything could not be checked")
    scan.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    scan.add_argument("--summary-only", action="store_true", help="terminal format: leave out the package tables")
    scan.add_argument("--as-of", metavar="DATE", type=_as_of, help="judge ages (dormant, new, recent) as of this date, e.g. 2026-11-21 (default: now)")
    scan.add_argument("--deep", action="store_true", help="also download and read every pinned dependency's files (never run them) and "
                      "compare each release with the one before; archives read by an earlier scan are not read again")
    _add_index_flags(scan)
    d = scan.add_argument_group("maintainer e-mail domain checks")
    d.add_argument("--dns-server", metavar="IP[:PORT]", help="resolver to ask (default: the system's; env CHAINWARDEN_DNS_SERVER; policy [dns] server)")
    d.add_argument("--dns-canary", metavar="DOMAIN", help="a domain that must resolve before any NXDOMAIN is believed (default example.com)")
    d.add_argument("--no-dns", action="store_true", help="do not ask DNS (the domain checks are reported as not checked)")
    a = scan.add_argument_group("advisories (known-malicious, known-vulnerable; `chainwarden db update` imports OSV records)")
    a.add_argument("--osv-url", metavar="URL", help="also ask this OSV-compatible service (<URL>/v1/querybatch) about every "
                   "package (policy [advisories] osv-url)")

    check = sub.add_parser("check-name", help="check package names for typosquatting, without a project or an index")
    check.add_argument("names", nargs="+", metavar="NAME", help="names to check; '-' reads names from stdin, one a line, and writes JSON lines")
    check.add_argument("--ecosystem", choices=["pypi", "npm"], default="pypi", help="whose popular names to compare with (default pypi)")
    check.add_argument("--format", choices=["text", "json"], default=None, help="text (default) or JSON lines (the default with '-')")

    ins = sub.add_parser("inspect", help="read a package's files (never run them): capabilities, findings, verdict")
    ins.add_argument("target", metavar="TARGET", help="NAME, NAME==VERSION (NAME@VERSION for npm) from the index, a local "
                     "archive (wheel, sdist, npm tarball) or an unpacked package folder")
    ins.add_argument("--ecosystem", choices=["pypi", "npm"], default=None,
                     help="default: npm for NAME@VERSION or when a package.json is at the top, else pypi")
    ins.add_argument("--format", choices=["terminal", "json"], default="terminal", help="report format (default terminal)")
    _add_index_flags(ins)

    dif = sub.add_parser("diff", help="what a release adds over another: capabilities, install hooks, findings, files, dependencies")
    dif.add_argument("name", metavar="NAME")
    dif.add_argument("old", metavar="OLD", help="the version you have")
    dif.add_argument("new", metavar="NEW", help="the version you are offered")
    dif.add_argument("--ecosystem", choices=["pypi", "npm"], default="pypi", help="default pypi")
    dif.add_argument("--format", choices=["terminal", "json"], default="terminal", help="report format (default terminal)")
    _add_index_flags(dif)

    data = sub.add_parser("data", help="the popular-name lists chainwarden compares names with")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_sub.add_parser("show", help="which lists are in use, with their source and date")
    upd = data_sub.add_parser("update", help="replace a list with one you choose (a file or an http(s) URL)")
    upd.add_argument("source", metavar="FILE_OR_URL", help="a CSV of download_count,name (or name,count), or one name a line, most popular first")
    upd.add_argument("--ecosystem", choices=["pypi", "npm"], required=True)
    upd.add_argument("--date", help="the date the list describes (default: today)")

    db = sub.add_parser("db", help="the advisory store: OSV records that known-malicious and known-vulnerable match against")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser)
    dbu = db_sub.add_parser("update", help="import OSV records (JSON or YAML) from a folder, a zip (an all.zip export), a file or a URL")
    dbu.add_argument("--source", required=True, metavar="PATH|URL", help="replaces what was imported from the same source before")
    dbu.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="for a URL: per-request timeout (default 60)")
    dbs = db_sub.add_parser("show", help="what the store holds: records per ecosystem, each source, when it was imported")
    for dp in (dbu, dbs):
        dp.add_argument("--cache-dir", metavar="DIR", type=Path, help="where the SQLite database lives (default: the user cache dir)")

    rev = sub.add_parser("review", help="what a change does to the dependencies between two commits, judged by the policy")
    rev.add_argument("base", metavar="BASE", help="the commit, branch or tag before the change (e.g. origin/main)")
    rev.add_argument("head", metavar="HEAD", help="the commit after it (e.g. HEAD)")
    rev.add_argument("path", nargs="?", type=Path, default=Path("."), metavar="PATH",
                     help="the project folder inside the repository (default: .)")
    rev.add_argument("--format", choices=["terminal", "json"], default="terminal", help="report format (default terminal)")
    rev.add_argument("--config", metavar="FILE", type=Path, help="policy file (default: the one in HEAD, found from PATH upwards)")
    rev.add_argument("--as-of", metavar="DATE", type=_as_of, help="judge ages and ignore expiry dates as of this date")
    rev.add_argument("--deep", action="store_true", help="also compare the changed packages' files (changed-behaviour)")
    rev.add_argument("--no-dns", action="store_true", help="do not ask DNS")
    _add_index_flags(rev)

    pol = sub.add_parser("policy", help="write a starter policy file, or show which policy entry decided each finding")
    pol_sub = pol.add_subparsers(dest="policy_command", metavar="ACTION", parser_class=_Parser)
    init = pol_sub.add_parser("init", help="write a commented chainwarden.toml with every key and its default")
    init.add_argument("--output", "-o", metavar="FILE", type=Path, default=Path("chainwarden.toml"),
                      help="where to write it (default ./chainwarden.toml; an existing file is never overwritten)")
    pex = pol_sub.add_parser("explain", help="scan, then show for every finding the action and the policy entry that chose it")
    pex.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project directories or files (default: .)")
    pex.add_argument("--config", metavar="FILE", type=Path, help="policy file (default: found from PATH upwards)")
    pex.add_argument("--as-of", metavar="DATE", type=_as_of, help="judge ages and ignore expiry dates as of this date")
    pex.add_argument("--deep", action="store_true", help="also read the dependencies' files, as scan --deep")
    pex.add_argument("--no-dns", action="store_true", help="do not ask DNS")
    _add_index_flags(pex)

    sbom = sub.add_parser("sbom", help="a software bill of materials of every dependency: CycloneDX 1.6 or SPDX 2.3 JSON")
    sbom.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project directories or files (default: .)")
    sbom.add_argument("--environment", metavar="PATH", type=Path, help="also read an installed environment (a venv or site-packages)")
    sbom.add_argument("--format", choices=["cyclonedx", "spdx"], default="cyclonedx", help="SBOM format (default cyclonedx)")
    sbom.add_argument("--output", "-o", metavar="FILE", type=Path, help="write the SBOM to FILE instead of stdout")
    sbom.add_argument("--config", metavar="FILE", type=Path, help="policy file, for registry-snapshot and [sources] "
                      "(default: chainwarden.toml or [tool.chainwarden] found from PATH upwards)")
    sbom.add_argument("--no-index", action="store_true", help="ask no index: the SBOM says what the files say (licences only where a lockfile records them)")
    sbom.add_argument("--validate", action="store_true", help="check the document against its schema before writing it "
                      "(needs the jsonschema package: pip install 'chainwarden[validate]')")
    sbom.add_argument("--strict", action="store_true", help="exit 3 when an input could not be read or a package could not be looked up")
    sbom.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _add_index_flags(sbom)

    explain = sub.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("rule", nargs="?", help="rule id (omit to list every rule)")
    return parser


def _as_of(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-21 or 2026-11-21T12:00:00, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _progress_callback(enabled: bool) -> tuple[Progress | None, object]:
    if not enabled:
        return None, None
    console = Console(stderr=True)
    if not console.is_terminal:
        return None, None
    progress = Progress(
        TextColumn("looking up packages"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    )
    task = progress.add_task("lookup", total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def _enrich_options(args: argparse.Namespace) -> EnrichOptions | int:
    """The index, cache and network options every command that asks an index shares (or an exit code)."""
    from chainwarden.enrich import EnrichOptions, SourceOptions

    if args.registry_snapshot is not None and not args.registry_snapshot.is_dir():
        print(f"chainwarden: error: --registry-snapshot {args.registry_snapshot}: not a directory", file=sys.stderr)
        return EXIT_USAGE
    if args.concurrency < 1 or args.timeout <= 0 or args.cache_ttl < 0:
        print("chainwarden: error: --concurrency must be >= 1, --timeout > 0 and --cache-ttl >= 0", file=sys.stderr)
        return EXIT_USAGE
    options = EnrichOptions(
        index_url=args.index_url,
        npm_registry=args.npm_registry,
        snapshot=args.registry_snapshot.resolve() if args.registry_snapshot else None,
        cache_dir=args.cache_dir,
        offline=args.offline,
        ttl=args.cache_ttl,
        concurrency=args.concurrency,
        timeout=args.timeout,
        use_cache=not args.no_cache,
        sources=SourceOptions(private_indexes=tuple(args.private_index), private_npm_registries=tuple(args.private_npm_registry),
                              public_index=args.public_index, public_npm_registry=args.public_npm_registry),
    )
    if args.offline and args.no_cache:
        print("chainwarden: error: --offline answers from the cache, so it cannot go with --no-cache", file=sys.stderr)
        return EXIT_USAGE
    return options


def _with_progress(run: Callable[..., R], request: object, enabled: bool) -> R:
    """Run a scan-like stage with the lookup progress bar on stderr (only when stderr is a terminal)."""
    progress, update = _progress_callback(enabled)
    if progress is None:
        return run(request)
    with progress:
        return run(request, update)


def _input_paths(args: argparse.Namespace) -> list[Path] | int:
    """The PATHs (default .) and --environment of scan and sbom, checked to exist (or the usage exit code)."""
    paths: list[Path] = args.paths or ([] if args.environment else [Path(".")])
    for p in paths:
        if not p.exists():
            print(f"chainwarden: error: {p}: no such file or directory", file=sys.stderr)
            return EXIT_USAGE
    if args.environment is not None and not args.environment.exists():
        print(f"chainwarden: error: --environment {args.environment}: no such directory", file=sys.stderr)
        return EXIT_USAGE
    return paths


def cmd_scan(args: argparse.Namespace) -> int:
    from chainwarden.pipeline import ChainwardenError, ScanRequest, scan
    from chainwarden.report import terminal

    paths = _input_paths(args)
    if isinstance(paths, int):
        return paths
    options = _enrich_options(args)
    if isinstance(options, int):
        return options
    if args.osv_url is not None and not args.osv_url.startswith(("http://", "https://")):
        print(f"chainwarden: error: --osv-url {args.osv_url}: expected an http(s):// URL", file=sys.stderr)
        return EXIT_USAGE
    options.osv_url = args.osv_url
    request = ScanRequest(
        paths=paths, environment=args.environment, options=options, config=args.config, strict=args.strict,
        now=args.as_of, dns_server=args.dns_server, dns_canary=args.dns_canary, no_dns=args.no_dns, deep=args.deep,
    )
    try:
        result = _with_progress(scan, request, not args.no_progress)
    except (*ChainwardenError, CacheError) as exc:
        print(f"chainwarden: error: {_printable(exc.diagnostics())}", file=sys.stderr)
        return EXIT_USAGE

    if args.format != "terminal":
        text = _render(result, args.format, docs_url=args.docs_url)
        if args.output:
            _write(args.output, text)
        else:
            sys.stdout.write(text)
    elif args.output:
        with args.output.open("w", encoding="utf-8") as fh:
            terminal.render(result, Console(file=fh, width=160, no_color=True), show_packages=not args.summary_only)
    else:
        terminal.render(result, Console(), show_packages=not args.summary_only)

    if not result.verdict.passed:
        return EXIT_FAIL
    if args.strict and result.skips:
        return EXIT_UNCHECKED
    return EXIT_PASS


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"chainwarden: error: could not write {path}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


REPORT_FORMATS = ("json", "sarif", "markdown", "cyclonedx", "spdx")


def _render(result: ScanResult, fmt: str, *, docs_url: str | None = None) -> str:
    """A scan or inventory result in one of the file formats (docs/reports.md)."""
    from chainwarden.report import (
        json_report,
        markdown,
        sarif,
        sbom_cyclonedx,
        sbom_spdx,
    )

    if fmt == "sarif":
        return sarif.render(result, docs_url=docs_url, working_directory=Path.cwd())
    if fmt == "markdown":
        return markdown.render(result)
    if fmt == "cyclonedx":
        return sbom_cyclonedx.render(result)
    if fmt == "spdx":
        return sbom_spdx.render(result)
    return json_report.render(result)


def cmd_sbom(args: argparse.Namespace) -> int:
    """0 written; 2 unusable invocation; 3 with --strict when something could not be read or looked up;
    4 when --validate finds the document invalid (a bug in chainwarden)."""
    from chainwarden.pipeline import ChainwardenError
    from chainwarden.pipeline.inventory import InventoryRequest, inventory
    from chainwarden.report import sbom_cyclonedx, sbom_spdx

    paths = _input_paths(args)
    if isinstance(paths, int):
        return paths
    options = _enrich_options(args)
    if isinstance(options, int):
        return options
    request = InventoryRequest(paths=paths, environment=args.environment, options=options, config=args.config,
                               lookup=not args.no_index)
    try:
        result = _with_progress(inventory, request, not args.no_progress)
    except (*ChainwardenError, CacheError) as exc:
        print(f"chainwarden: error: {_printable(exc.diagnostics())}", file=sys.stderr)
        return EXIT_USAGE
    text = _render(result, args.format)
    if args.validate:
        module = sbom_cyclonedx if args.format == "cyclonedx" else sbom_spdx
        try:
            error = module.validate(text)
        except (sbom_cyclonedx.ValidationUnavailable, sbom_spdx.ValidationUnavailable) as exc:
            print(f"chainwarden: error: --validate: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if error is not None:
            print(f"chainwarden: internal error: the {args.format} document does not validate against its schema: {error}\n"
                  "This is a bug in chainwarden; please report it.", file=sys.stderr)
            return EXIT_INTERNAL
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    for s in result.skips:
        print(f"chainwarden: not checked: {_printable(s.what)}: {_printable(s.reason)}", file=sys.stderr)
    return EXIT_UNCHECKED if args.strict and result.skips else EXIT_PASS


def cmd_explain(args: argparse.Namespace) -> int:
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
        print(f"chainwarden: error: unknown rule {args.rule!r}; `chainwarden explain` lists them", file=sys.stderr)
        return EXIT_USAGE
    text = doc if doc else f"{analyzer.info.title}\n\n{analyzer.info.summary}" if analyzer else ""
    Console().print(text, markup=False, highlight=False, soft_wrap=True)
    return EXIT_PASS


def cmd_check_name(args: argparse.Namespace) -> int:
    from chainwarden.enrich.names import PopularDataError
    from chainwarden.model import Ecosystem
    from chainwarden.pipeline import check_names

    stream = args.names == ["-"]
    if "-" in args.names and not stream:
        print("chainwarden: error: '-' reads names from stdin and goes alone", file=sys.stderr)
        return EXIT_USAGE
    fmt = args.format or ("json" if stream else "text")
    names = [line.strip() for line in sys.stdin] if stream else args.names
    try:
        verdicts = check_names([n for n in names if n], Ecosystem(args.ecosystem))
    except PopularDataError as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    flagged = False
    for v in verdicts:
        flagged |= bool(v.matches)
        if fmt == "json":
            findings = [{"rule": "typosquat", "target": m.target, "transformation": m.transformation, "detail": m.detail,
                         "severity": sev.value, "confidence": conf.value} for m, sev, conf in v.matches]
            sys.stdout.write(json.dumps({"name": v.name, "findings": findings}, ensure_ascii=False) + "\n")
        elif v.matches:
            m, sev, conf = v.matches[0]
            also = "".join(f"; also {o.target} ({o.transformation})" for o, _, _ in v.matches[1:3])
            print(f"{_printable(v.name)}: looks like {m.target} ({m.transformation}{', ' + m.detail if m.detail else ''}); "
                  f"{sev.value} severity, {conf.value} confidence{also}")
        else:
            print(f"{_printable(v.name)}: " + ("on the popular list" if v.popular else "no popular name it imitates"))
    return EXIT_FAIL if flagged else EXIT_PASS


def _printable(text: str) -> str:
    """Text from inputs or the machine, as the CLI prints it on stderr: secrets redacted, control characters escaped."""
    from chainwarden.model import shown

    return shown(text)


def cmd_data(args: argparse.Namespace) -> int:
    from chainwarden.enrich.names import (
        PopularDataError,
        PopularNames,
        data_dir,
        parse_popular,
    )
    from chainwarden.model import Ecosystem

    if args.data_command == "update":
        eco = Ecosystem(args.ecosystem)
        try:
            text = _read_source(args.source)
            names = parse_popular(text, eco, args.source)
        except (OSError, PopularDataError, ValueError) as exc:
            why = exc.diagnostics() if isinstance(exc, PopularDataError) else str(exc)
            print(f"chainwarden: error: {why}", file=sys.stderr)
            return EXIT_USAGE
        target = data_dir()
        target.mkdir(parents=True, exist_ok=True)
        (target / f"popular-{eco.value}.csv").write_text(
            "download_count,name\n" + "".join(f"{c},{n}\n" for n, c in sorted(names.items(), key=lambda kv: -kv[1])), encoding="utf-8")
        when = args.date or datetime.now(UTC).strftime("%Y-%m-%d")
        (target / f"popular-{eco.value}.json").write_text(json.dumps({"source": args.source, "date": when}), encoding="utf-8")
        print(f"{eco.value}: {len(names)} names from {args.source} ({when}) saved in {target}")
        return EXIT_PASS
    for eco in Ecosystem:
        try:
            print(f"{eco.value}: {PopularNames.load(eco).label}")
        except (OSError, PopularDataError) as exc:
            print(f"{eco.value}: could not load: {exc}")
    return EXIT_PASS


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
            print(f"chainwarden: error: {_printable(exc.diagnostics())}", file=sys.stderr)
            return EXIT_USAGE
        for note in report.notes:
            print(f"chainwarden: note: {_printable(note)}", file=sys.stderr)
        for problem in report.errors[:MAX_PROBLEMS_SHOWN]:
            print(f"chainwarden: not imported: {_printable(problem)}", file=sys.stderr)
        if len(report.errors) > MAX_PROBLEMS_SHOWN:
            print(f"chainwarden: ... and {len(report.errors) - MAX_PROBLEMS_SHOWN} more not imported", file=sys.stderr)
        per = ", ".join(f"{eco} {n}" for eco, n in sorted(report.by_ecosystem.items())) or "none"
        left = [f"{n} {what}" for n, what in ((report.withdrawn, "withdrawn"), (report.other_ecosystems, "for other ecosystems"),
                                               (report.duplicates, "duplicate ids"), (len(report.errors), "rejected")) if n]
        print(f"{_printable(report.source)}: {report.records} advisories imported ({per}; {report.malicious} malware reports)"
              + (f"; left out: {', '.join(left)}" if left else ""))
        return EXIT_PASS
    if args.db_command != "show":
        print("chainwarden: error: db needs an action: update or show", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = AdvisoryStore.existing(directory)
    except AdvisoryError as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
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
        print(f"source {_printable(s.source)}: {s.records} records, imported {when} ({data_age(s.imported_at, now)})")
    return EXIT_PASS


MAX_POPULAR_LIST_BYTES = 64 * 1024**2  # a list of the 100,000 most downloaded names is a few MB


def _read_source(source: str) -> str:
    """A popular-name list from a file or an http(s) URL; a URL is fetched by the one bounded client (enrich.http:
    size cap, deadline, redirects) and where it came from, when a redirect took it elsewhere, is said on stderr."""
    if source.startswith(("http://", "https://")):
        from chainwarden.enrich.http import FetchError, fetch_once

        try:
            body, notes = fetch_once(source, accept="text/csv, text/plain;q=0.9, */*;q=0.1",
                                     max_bytes=MAX_POPULAR_LIST_BYTES)
        except FetchError as exc:
            raise OSError(f"could not fetch {exc.url}: {exc.reason}") from exc
        for note in notes:
            print(f"chainwarden: note: {note.reason}", file=sys.stderr)
    else:
        from chainwarden._files import FileRefused, read_bytes

        try:
            body = read_bytes(Path(source), limit=MAX_POPULAR_LIST_BYTES)
        except FileRefused as exc:
            raise ValueError(f"{_printable(source)}: {exc.reason}") from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{_printable(source)}: expected UTF-8 text, got byte {body[exc.start]:#04x} at offset {exc.start}") from None


def _package_spec(text: str, ecosystem: str | None) -> tuple[str, str, str | None] | None:
    """NAME, NAME==VERSION or NAME@VERSION (npm, scoped names too) -> (ecosystem, name, version)."""
    import re

    if "==" in text:
        name, _, version = text.partition("==")
        eco = ecosystem or "pypi"
    elif "@" in text.lstrip("@"):
        at = text.rindex("@")
        name, version = text[:at], text[at + 1:]
        eco = ecosystem or "npm"
    else:
        name, version, eco = text, "", ecosystem or ("npm" if text.startswith("@") else "pypi")
    if not re.fullmatch(r"(@[A-Za-z0-9._~-]+/)?[A-Za-z0-9._~-]+", name) or (version and not re.fullmatch(r"[A-Za-z0-9.+!_-]+", version)):
        return None
    return eco, name, version or None


def cmd_inspect(args: argparse.Namespace) -> int:
    """Exit 1 when the verdict is malicious or suspicious (a person should look), 0 when clean, 3 when the
    verdict is not-checked: something could not be read completely (an archive past a limit, unreadable or
    encrypted data, a source file too large to parse), nothing could be read, or for a release from the index
    a file of it could not be fetched."""
    import asyncio

    from chainwarden.enrich import EnrichError
    from chainwarden.model import Ecosystem, PackageId, Skip
    from chainwarden.pipeline import deep
    from chainwarden.report import inspect_report

    target = Path(args.target)
    artifacts: list[tuple[str, str, str]] = []
    skips: list[Skip] = []
    if target.exists():
        if target.is_file():
            eco = Ecosystem(args.ecosystem) if args.ecosystem else (
                Ecosystem.NPM if target.name.endswith(".tgz") else Ecosystem.PYPI)
            report = deep.inspect_archive(target, PackageId(eco, target.name), prefix=False)
            if args.ecosystem is None and eco is Ecosystem.PYPI and any(f in ("package.json", "package/package.json") for f in report.files):
                report = deep.inspect_archive(target, PackageId(Ecosystem.NPM, target.name), prefix=False)
            anomalies = report.anomalies
        else:
            eco = Ecosystem(args.ecosystem) if args.ecosystem else deep.detect_ecosystem(target)
            report = deep.inspect_folder(target, PackageId(eco, target.name))
            anomalies = 0
        result, label = report.inspection, str(target)
        nothing = result.files == 0 and not anomalies
    else:
        spec = _package_spec(args.target, args.ecosystem)
        if spec is None:
            print(f"chainwarden: error: {args.target}: no such file or folder, and not a package name (NAME, NAME==VERSION, "
                  "or NAME@VERSION for npm)", file=sys.stderr)
            return EXIT_USAGE
        options = _enrich_options(args)
        if isinstance(options, int):
            return options
        eco_name, name, version = spec
        package = PackageId(Ecosystem(eco_name), name.lower() if eco_name == "pypi" else name, version)

        async def run() -> deep.Release:
            async with deep.Session(options) as session:
                rel = await session.release(package)
                rel.skips[:0] = session.notes
                return rel

        try:
            release = asyncio.run(run())
        except (CacheError, EnrichError) as exc:
            print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
            return EXIT_USAGE
        result = release.result
        artifacts = [(a.filename, a.sha256, a.verified) for a in release.artifacts]
        skips, label = release.skips, f"{release.package}" + (f" from {release.index}" if release.index else "")
        nothing = not release.artifacts
    if args.format == "json":
        sys.stdout.write(inspect_report.render_json(result, label, artifacts, skips))
    else:
        inspect_report.render_terminal(result, label, Console(), artifacts, skips)
    if result.verdict in ("malicious", "suspicious"):
        return EXIT_FAIL
    return EXIT_UNCHECKED if nothing or skips or result.verdict == "not-checked" else EXIT_PASS


def cmd_review(args: argparse.Namespace) -> int:
    """The policy's verdict on the change: 0 pass, 1 fail, 2 when the commits cannot be read."""
    from chainwarden.pipeline import ChainwardenError
    from chainwarden.pipeline.review import ReviewError, run_review
    from chainwarden.report import review_report

    options = _enrich_options(args)
    if isinstance(options, int):
        return options
    if not args.path.exists():
        print(f"chainwarden: error: {args.path}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_review(args.path, args.base, args.head, options, config=args.config, now=args.as_of, deep=args.deep,
                            no_dns=args.no_dns)
    except (ReviewError, *ChainwardenError, CacheError) as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        sys.stdout.write(review_report.render_json(result))
    else:
        review_report.render_terminal(result, Console())
    return EXIT_PASS if result.verdict.passed else EXIT_FAIL


def cmd_policy(args: argparse.Namespace) -> int:
    """`policy init`: 0 written, 2 when the file exists. `policy explain`: the scan's exit status."""
    from chainwarden.decide import STARTER_POLICY, Action
    from chainwarden.pipeline import ChainwardenError, ScanRequest, policy_for, scan
    from chainwarden.report.terminal import SEVERITY_STYLE, safe

    if args.policy_command == "init":
        if args.output.exists():
            print(f"chainwarden: error: {args.output} exists; it is not overwritten (edit it, or pass --output)", file=sys.stderr)
            return EXIT_USAGE
        _write(args.output, STARTER_POLICY)
        print(f"wrote {args.output}: every key with its default, commented (docs/policy.md has the details)")
        return EXIT_PASS
    if args.policy_command != "explain":
        print("chainwarden: error: policy needs an action: init or explain", file=sys.stderr)
        return EXIT_USAGE
    options = _enrich_options(args)
    if isinstance(options, int):
        return options
    paths: list[Path] = args.paths or [Path(".")]
    request = ScanRequest(paths=paths, options=options, config=args.config, now=args.as_of, no_dns=args.no_dns, deep=args.deep)
    try:
        policy = policy_for(request)
        result = scan(request)
    except (*ChainwardenError, CacheError) as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    today = (args.as_of or result.started).date()
    console = Console(soft_wrap=True)
    console.print(f"[bold]policy[/] {safe(policy.source or 'built-in defaults (no policy file found)')}")
    styles = {Action.FAIL: "bold red", Action.WARN: "yellow", Action.IGNORE: "dim"}
    for f in sorted([*result.findings, *result.ignored_findings], key=lambda f: (-f.severity.rank, f.rule, f.package.name)):
        d = policy.decision(f, today)
        console.print(f"  [{styles[d.action]}]{d.action.value.upper():6}[/] [{SEVERITY_STYLE[f.severity]}]{f.severity.value:8}[/] "
                      f"{safe(f.rule)} on {safe(str(f.package))} [dim]← {safe(d.why)}[/]")
        if d.expired is not None and d.expired.expires is not None:
            console.print(f"         [magenta]{safe(d.expired.label())} expired on {d.expired.expires.isoformat()}[/]")
    console.print(f"[bold]{result.verdict.label.upper()}[/]" + "".join(f"\n  {safe(r)}" for r in result.verdict.reasons))
    return EXIT_PASS if result.verdict.passed else EXIT_FAIL


def cmd_diff(args: argparse.Namespace) -> int:
    """Exit 1 when NEW adds the takeover signature (a `changed-behaviour` finding of high severity or above) or
    is itself judged malicious or suspicious, 0 otherwise, 3 when either release could not be read whole."""
    import asyncio

    from chainwarden.enrich import EnrichError
    from chainwarden.model import Ecosystem, PackageId, Severity, Skip
    from chainwarden.pipeline import deep
    from chainwarden.report import diff_report

    options = _enrich_options(args)
    if isinstance(options, int):
        return options
    eco = Ecosystem(args.ecosystem)
    name = args.name.lower() if eco is Ecosystem.PYPI else args.name

    async def run() -> tuple[deep.Release, deep.Release, list[Skip]]:
        async with deep.Session(options) as session:
            old = await session.release(PackageId(eco, name, args.old))
            new = await session.release(PackageId(eco, name, args.new))
            return old, new, list(session.notes)

    try:
        old, new, notes = asyncio.run(run())
    except (CacheError, EnrichError) as exc:
        print(f"chainwarden: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    diff = deep.diff_releases(old, new)
    skips = [*notes, *old.gaps(str(old.package)), *new.gaps(str(new.package))]
    artifacts = {"old": [f"{a.filename} sha256:{a.sha256}" for a in old.artifacts],
                 "new": [f"{a.filename} sha256:{a.sha256}" for a in new.artifacts]}
    if args.format == "json":
        sys.stdout.write(diff_report.render_json(diff, name, old.package.version or args.old, new.package.version or args.new,
                                                 artifacts, skips))
    else:
        diff_report.render_terminal(diff, name, old.package.version or args.old, new.package.version or args.new,
                                    artifacts, skips, Console())
    if diff is None:
        return EXIT_UNCHECKED
    if (diff.finding is not None and diff.finding.severity.rank >= Severity.HIGH.rank) \
            or diff.new_verdict in ("malicious", "suspicious"):
        return EXIT_FAIL
    return EXIT_UNCHECKED if skips else EXIT_PASS


def _on_signal(signum: int, _frame: object) -> None:
    """SIGTERM takes the same path as Ctrl-C: work stops, work folders are removed, exit 128 + the signal.

    The stop flag, not the exception, says which signal it was: the exception may surface as the unpacker's own
    KeyboardInterrupt at its next check (one raised inside the standard library's buffered reads can be lost)."""
    from chainwarden.enrich.artifacts import workdir

    workdir.request_stop(signum)  # worker threads (scan --deep unpacks in asyncio.to_thread) stop at their next chunk
    raise KeyboardInterrupt()


def _handle_signals() -> Callable[[], None]:
    """SIGINT and SIGTERM raise in the main thread and set the stop flag; returns what puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig, handler in old.items():
        if handler is not signal.SIG_IGN:  # started to ignore it (nohup, a shell's background job): keep ignoring it
            signal.signal(sig, _on_signal)

    def restore() -> None:
        for sig, handler in old.items():
            signal.signal(sig, handler)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    from chainwarden.enrich.artifacts import workdir

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    workdir.reset()
    restore = _handle_signals()
    try:
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        workdir.cleanup()  # before the message: nothing untrusted is left behind once it is printed
        sig = workdir.stop_signal() or signal.SIGINT
        print(f"chainwarden: {'terminated' if sig == signal.SIGTERM else 'interrupted'}; work folders removed",
              file=sys.stderr)
        return 128 + sig
    finally:
        workdir.cleanup(wait=0, stop=False)  # normally nothing is left: each folder is removed by its own block
        restore()


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "sbom":
            return cmd_sbom(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "check-name":
            return cmd_check_name(args)
        if args.command == "data":
            return cmd_data(args)
        if args.command == "db":
            return cmd_db(args)
        if args.command == "inspect":
            return cmd_inspect(args)
        if args.command == "diff":
            return cmd_diff(args)
        if args.command == "policy":
            return cmd_policy(args)
        if args.command == "review":
            return cmd_review(args)
    except Exception as exc:
        if os.environ.get("CHAINWARDEN_DEBUG"):
            traceback.print_exc()
        print(
            f"chainwarden: internal error: {exc.__class__.__name__}: {exc}\n"
            "This is a bug in chainwarden; rerun with CHAINWARDEN_DEBUG=1 for details and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    parser.print_help()
    return EXIT_USAGE
