"""The command line: the only layer that prints to stdout or exits.

Exit codes (docs/cli.md):
  0  pass
  1  the policy failed the run
  2  unusable invocation (bad flag, unreadable policy, no index to ask)
  3  not checked: nothing was found or read, every lookup of an ecosystem failed, or --strict and
     something could not be checked
  4  internal error (a bug in chainwarden: please report it)
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: work stopped, work folders removed

This module holds the parser, the dispatch and the signal handling, and imports nothing heavy: each
command lives in its own module (`cli/scan.py`, `cli/names.py`, ...), imported only when it runs, so
that `chainwarden --version`, `explain` and `check-name` start without loading the HTTP client, the
DNS resolver or the advisory store (tests/cli/test_startup.py; the figures are in bench/README.md).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from chainwarden import __version__
from chainwarden.cli import EXIT_INTERNAL, EXIT_USAGE, REPORT_FORMATS, as_of_date

WORKDIR = "chainwarden.enrich.artifacts.workdir"  # the work folders of unpacked files, once a command has used them

# command -> (module, function): imported when the command runs
COMMANDS = {
    "scan": ("chainwarden.cli.scan", "cmd_scan"),
    "sbom": ("chainwarden.cli.scan", "cmd_sbom"),
    "explain": ("chainwarden.cli.explain", "cmd_explain"),
    "check-name": ("chainwarden.cli.names", "cmd_check_name"),
    "data": ("chainwarden.cli.names", "cmd_data"),
    "db": ("chainwarden.cli.db", "cmd_db"),
    "inspect": ("chainwarden.cli.package", "cmd_inspect"),
    "diff": ("chainwarden.cli.package", "cmd_diff"),
    "policy": ("chainwarden.cli.policy", "cmd_policy"),
    "review": ("chainwarden.cli.review", "cmd_review"),
    "serve": ("chainwarden.cli.serve", "run"),
    "index": ("chainwarden.cli.serve", "run"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"chainwarden: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _url(schemes: tuple[str, ...], example: str) -> Callable[[str], str]:
    """An argparse type: a URL with one of `schemes` and a host (a path, for file://), else exit 2 saying what was expected."""
    expected = "an http(s)://" + (" or file://" if "file" in schemes else "")

    def check(text: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(text.strip())
        if parts.scheme.lower() not in schemes or not (parts.netloc if parts.scheme.lower() != "file" else parts.path):
            raise argparse.ArgumentTypeError(f"expected {expected} URL such as {example}, got {text!r}")
        return text.strip()

    return check


HTTP = ("http", "https")
_index = _url(HTTP, "https://pypi.internal.test/simple")
_registry = _url(HTTP, "https://npm.internal.test/")
_any_index = _url((*HTTP, "file"), "https://pypi.internal.test/simple or file:///srv/mirror/simple")


def _add_index_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where registry facts come from")
    g.add_argument("--index-url", metavar="URL", type=_index,
                   help="PyPI-style index to ask (default: your pip/uv configuration; env CHAINWARDEN_INDEX_URL)")
    g.add_argument("--npm-registry", metavar="URL", type=_registry,
                   help="npm registry to ask (default: your .npmrc / npm configuration; env CHAINWARDEN_NPM_REGISTRY)")
    g.add_argument("--registry-snapshot", metavar="DIR", type=Path, help="answer from a registry snapshot directory instead of an index")
    c = p.add_argument_group("private and public indexes (dependency confusion)")
    c.add_argument("--private-index", metavar="URL", action="append", default=[], type=_any_index,
                   help="a private PyPI-style index: its packages are checked against the public index (repeatable)")
    c.add_argument("--private-npm-registry", metavar="URL", action="append", default=[], type=_registry,
                   help="a private npm registry, the same way (repeatable)")
    c.add_argument("--public-index", metavar="URL", type=_any_index, help="the public PyPI-style index private names are checked "
                   "against (default: pip's built-in default; env CHAINWARDEN_PUBLIC_INDEX; policy [sources] public-index)")
    c.add_argument("--public-npm-registry", metavar="URL", type=_registry, help="the public npm registry (default: npm's built-in "
                   "default; env CHAINWARDEN_PUBLIC_NPM_REGISTRY; policy [sources] public-npm-registry)")
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
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project directories or files (default: ., unless "
                      "--environment is given)")
    scan.add_argument("--environment", metavar="PATH", type=Path, help="read an installed environment (a venv or site-packages); "
                      "with no PATH only the environment is scanned (add . to scan the project's files too)")
    scan.add_argument("--format", choices=["terminal", *REPORT_FORMATS], default="terminal",
                      help="report format (default terminal); sarif for code scanning, markdown for a pull-request comment, "
                      "cyclonedx or spdx for an SBOM (docs/reports.md)")
    scan.add_argument("--docs-url", metavar="URL", default=os.environ.get("CHAINWARDEN_DOCS_URL") or None,
                      help="sarif: where the rule pages (docs/rules/) are published, for each rule's link (env CHAINWARDEN_DOCS_URL)")
    scan.add_argument("--output", "-o", metavar="FILE", type=Path, help="write the report to FILE instead of stdout (the verdict "
                      "is still said on stderr)")
    scan.add_argument("--config", metavar="FILE", type=Path, help="policy file (default: chainwarden.toml or [tool.chainwarden] found from PATH upwards)")
    scan.add_argument("--strict", action="store_true", help="exit 3 when anything could not be checked")
    scan.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    scan.add_argument("--summary-only", action="store_true", help="terminal format: leave out the package tables")
    scan.add_argument("--as-of", metavar="DATE", type=as_of_date, help="judge ages (dormant, new, recent) as of this date, e.g. 2026-11-21 (default: now)")
    scan.add_argument("--deep", action="store_true", help="also download and read every pinned dependency's files (never run them) and "
                      "compare each release with the one before; archives read by an earlier scan are not read again")
    _add_index_flags(scan)
    d = scan.add_argument_group("maintainer e-mail domain checks")
    d.add_argument("--dns-server", metavar="IP[:PORT]", help="resolver to ask (default: the system's; env CHAINWARDEN_DNS_SERVER; policy [dns] server)")
    d.add_argument("--dns-canary", metavar="DOMAIN", help="a domain that must resolve before any NXDOMAIN is believed (default example.com)")
    d.add_argument("--no-dns", action="store_true", help="do not ask DNS (the domain checks are reported as not checked)")
    a = scan.add_argument_group("advisories (known-malicious, known-vulnerable; `chainwarden db update` imports OSV records)")
    a.add_argument("--osv-url", metavar="URL", type=_url(HTTP, "https://osv.internal.test"),
                   help="also ask this OSV-compatible service (<URL>/v1/querybatch) about every package (policy [advisories] osv-url)")

    check = sub.add_parser("check-name", help="check package names for typosquatting, without a project or an index")
    check.add_argument("names", nargs="+", metavar="NAME", help="names to check; '-' reads names from stdin, one a line (blank "
                       "lines and # comments skipped), and writes one JSON line per name as it goes")
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
    upd = data_sub.add_parser("update", help="replace a list with one you choose (a file or an http(s) URL); `data reset` goes back")
    upd.add_argument("source", metavar="FILE_OR_URL", help="a CSV of download_count,name (or name,count), or one name a line, most popular first")
    upd.add_argument("--ecosystem", choices=["pypi", "npm"], required=True)
    upd.add_argument("--date", help="the date the list describes (default: today)")
    rst = data_sub.add_parser("reset", help="forget a list saved by `data update`: the list shipped with chainwarden is used again")
    rst.add_argument("--ecosystem", choices=["pypi", "npm"], default=None, help="default: both")

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
    rev.add_argument("--as-of", metavar="DATE", type=as_of_date, help="judge ages and ignore expiry dates as of this date")
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
    pex.add_argument("--as-of", metavar="DATE", type=as_of_date, help="judge ages and ignore expiry dates as of this date")
    pex.add_argument("--deep", action="store_true", help="also read the dependencies' files, as scan --deep")
    pex.add_argument("--no-dns", action="store_true", help="do not ask DNS")
    _add_index_flags(pex)

    sbom = sub.add_parser("sbom", help="a software bill of materials of every dependency: CycloneDX 1.6 or SPDX 2.3 JSON")
    sbom.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project directories or files (default: ., unless "
                      "--environment is given)")
    sbom.add_argument("--environment", metavar="PATH", type=Path, help="read an installed environment (a venv or site-packages); "
                      "with no PATH only the environment is read")
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
    from chainwarden.cli import serve as serve_cli  # argparse only: the server stack loads when `serve` runs

    serve_cli.add_parsers(sub, _Parser)
    return parser


_signals: list[int] = []  # the signal that asked for the stop, when no work folder module was loaded to record it


def _on_signal(signum: int, _frame: object) -> None:
    """SIGTERM takes the same path as Ctrl-C: work stops, work folders are removed, exit 128 + the signal.

    The stop flag, not the exception, says which signal it was: the exception may surface as the unpacker's own
    KeyboardInterrupt at its next check (one raised inside the standard library's buffered reads can be lost)."""
    if not _signals:
        _signals.append(signum)
    workdir = sys.modules.get(WORKDIR)
    if workdir is not None:
        workdir.request_stop(signum)  # worker threads (scan --deep unpacks in asyncio.to_thread) stop at their next chunk
    raise KeyboardInterrupt()


def _stop_signal() -> int:
    """The signal that stopped the command: the one the stop flag recorded, else SIGINT (a Ctrl-C that reached us as such)."""
    workdir = sys.modules.get(WORKDIR)
    recorded = workdir.stop_signal() if workdir is not None else None
    return int(recorded or (_signals[0] if _signals else signal.SIGINT))


def _handle_signals() -> Callable[[], None]:
    """SIGINT and SIGTERM raise in the main thread and set the stop flag; returns what puts the old handlers back."""
    import threading

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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or an unusable invocation (2, said on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    # The work folders module is imported by the commands that unpack archives; a command that never did has
    # no folder to remove (and `--version`, `explain`, `check-name` do not load it at all).
    _signals.clear()
    workdir = sys.modules.get(WORKDIR)
    if workdir is not None:
        workdir.reset()
    restore = _handle_signals()
    try:
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        workdir = sys.modules.get(WORKDIR)
        if workdir is not None:
            workdir.cleanup()  # before the message: nothing untrusted is left behind once it is printed
        sig = _stop_signal()
        print(f"chainwarden: {'terminated' if sig == signal.SIGTERM else 'interrupted'}; work folders removed",
              file=sys.stderr)
        return 128 + sig
    finally:
        workdir = sys.modules.get(WORKDIR)
        if workdir is not None:
            workdir.cleanup(wait=0, stop=False)  # normally nothing is left: each folder is removed by its own block
        restore()


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command not in COMMANDS:
        parser.print_help()
        return EXIT_USAGE
    module, function = COMMANDS[args.command]
    try:
        command: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), function)
        return command(args)
    except SystemExit as exc:  # a command that cannot go on (a report that cannot be written), said on stderr
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:
        if os.environ.get("CHAINWARDEN_DEBUG"):
            import traceback

            traceback.print_exc()
        print(
            f"chainwarden: internal error: {exc.__class__.__name__}: {exc}\n"
            "This is a bug in chainwarden; rerun with CHAINWARDEN_DEBUG=1 for details and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
