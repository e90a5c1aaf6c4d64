"""`chainwarden check-name` and `chainwarden data`: names without a project or an index."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from chainwarden.cli._common import EXIT_FAIL, EXIT_PASS, EXIT_UNCHECKED, error, note, printable, write

MAX_LINE_BYTES = 4096  # a package name is at most 214 characters (npm); a longer line is not a name
MAX_POPULAR_LIST_BYTES = 64 * 1024**2  # a list of the 100,000 most downloaded names is a few MB


def name_problem(name: str, ecosystem: str) -> str | None:
    """Why `name` cannot be a package name, or None. Lenient on purpose: letters of any script pass (a
    homoglyph squat such as a Cyrillic look-alike is exactly what is being checked); what no index accepts in
    a name (spaces, quotes, '#', '=', control characters) does not."""
    if not name:
        return "an empty name"
    body = name
    if ecosystem == "npm" and name.startswith("@"):
        scope, slash, body = name[1:].partition("/")
        if not slash or not scope or not body:
            return "expected @scope/name"
        body = scope + body
    bad = sorted({ch for ch in body if not (ch.isalnum() or ch in "._-~")})
    if bad:
        return "a package name has letters, digits and . _ - only, not " + " ".join(repr(ch) for ch in bad[:5])
    return None


def _stdin_names() -> Iterator[tuple[int, str, str | None]]:
    """(line number, name, problem) for each line of stdin that is not blank or a # comment, read one line at a
    time (a list of every name on an index is hundreds of MB: nothing waits for the end of the input). Bytes that
    are not UTF-8 are read as U+FFFD, which no name holds."""
    stream: IO[bytes] | IO[str] = getattr(sys.stdin, "buffer", sys.stdin)
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if len(raw) > MAX_LINE_BYTES and not line.endswith("\n"):
            while raw and not (raw.endswith(b"\n") if isinstance(raw, bytes) else raw.endswith("\n")):
                raw = stream.readline(64 * 1024)  # the rest of the line, a block at a time
            yield number, "", f"longer than {MAX_LINE_BYTES} bytes, not a package name"
            continue
        text = line.split("#", 1)[0].strip()  # names never hold '#': the rest is a comment
        if text:
            yield number, text, None


class _Names:
    """The names to check, in input order; one that cannot be a name is said where it stands (and counted)."""

    def __init__(self, lines: Iterator[tuple[int, str, str | None]], ecosystem: str, fmt: str,
                 emit: Callable[[str], None]) -> None:
        self.lines, self.ecosystem, self.fmt, self.emit = lines, ecosystem, fmt, emit
        self.problems = 0

    def __iter__(self) -> Iterator[str]:
        for number, name, problem in self.lines:
            problem = problem or name_problem(name, self.ecosystem)
            if problem is None:
                yield name
                continue
            self.problems += 1
            if self.fmt == "json":
                self.emit(json.dumps({"line": number, "name": name, "error": f"not checked: {problem}"}, ensure_ascii=False))
            else:
                self.emit(f"line {number}: {printable(repr(name))}: not checked: {problem}")


def cmd_check_name(args: argparse.Namespace) -> int:
    """Exit 1 when a name is flagged, else 3 when a line of stdin could not be checked (it is not a name) or stdin
    held no name at all, else 0; 2 for an argument that is not a name."""
    from chainwarden.enrich.names import PopularDataError
    from chainwarden.model import Ecosystem
    from chainwarden.pipeline import check_names

    stream = args.names == ["-"]
    if "-" in args.names and not stream:
        return error("'-' reads names from stdin and goes alone")
    fmt = args.format or ("json" if stream else "text")
    if not stream:
        for name in args.names:
            problem = name_problem(name.strip(), args.ecosystem)
            if problem:
                return error(f"{printable(repr(name))} is not a package name: {problem}")

    def emit(line: str) -> None:
        sys.stdout.write(line + "\n")
        if stream:
            sys.stdout.flush()  # one line out per line in, as soon as it is judged

    names = _Names(_stdin_names() if stream else ((i, n.strip(), None) for i, n in enumerate(args.names, 1)),
                   args.ecosystem, fmt, emit)
    flagged, seen = False, 0
    try:
        for v in check_names(names, Ecosystem(args.ecosystem)):
            seen += 1
            flagged |= bool(v.matches)
            if fmt == "json":
                findings = [{"rule": "typosquat", "target": m.target, "transformation": m.transformation, "detail": m.detail,
                             "severity": sev.value, "confidence": conf.value} for m, sev, conf in v.matches]
                emit(json.dumps({"name": v.name, "findings": findings}, ensure_ascii=False))
            elif v.matches:
                m, sev, conf = v.matches[0]
                also = "".join(f"; also {o.target} ({o.transformation})" for o, _, _ in v.matches[1:3])
                emit(f"{printable(v.name)}: looks like {m.target} ({m.transformation}{', ' + m.detail if m.detail else ''}); "
                     f"{sev.value} severity, {conf.value} confidence{also}")
            else:
                emit(f"{printable(v.name)}: " + ("on the popular list" if v.popular else "no popular name it imitates"))
    except PopularDataError as exc:
        return error(printable(exc.diagnostics()))
    if seen == 0 and names.problems == 0:
        note("no names on stdin (one a line; blank lines and # comments are skipped): nothing was checked")
        return EXIT_UNCHECKED
    return EXIT_FAIL if flagged else EXIT_UNCHECKED if names.problems else EXIT_PASS


def _read_source(source: str) -> str:
    """A popular-name list from a file or an http(s) URL; a URL is fetched by the one bounded client (enrich.http:
    size cap, deadline, redirects) and where it came from, when a redirect took it elsewhere, is said on stderr.
    Raises ValueError with what went wrong, in words."""
    if source.startswith(("http://", "https://")):
        from chainwarden.enrich.http import FetchError, fetch_once

        try:
            body, notes = fetch_once(source, accept="text/csv, text/plain;q=0.9, */*;q=0.1",
                                     max_bytes=MAX_POPULAR_LIST_BYTES)
        except FetchError as exc:
            raise ValueError(f"could not fetch {exc.url}: {exc.reason}") from None
        for n in notes:
            note(f"note: {printable(n.reason)}")
    else:
        from chainwarden._files import FileRefused, read_bytes

        try:
            body = read_bytes(Path(source), limit=MAX_POPULAR_LIST_BYTES)
        except FileRefused as exc:
            raise ValueError(f"{printable(source)}: {exc.reason}") from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{printable(source)}: expected UTF-8 text, got byte {body[exc.start]:#04x} at offset {exc.start}") from None


def cmd_data(args: argparse.Namespace) -> int:
    """`data show` (also `data` alone), `data update`, `data reset`: 0, or 2 when a list cannot be read or saved."""
    from chainwarden._errors import describe
    from chainwarden.enrich.names import PopularDataError, PopularNames, data_dir, parse_popular
    from chainwarden.model import Ecosystem

    if args.data_command == "update":
        eco = Ecosystem(args.ecosystem)
        try:
            text = _read_source(args.source)
            names = parse_popular(text, eco, args.source)
        except PopularDataError as exc:
            return error(printable(exc.diagnostics()))
        except ValueError as exc:
            return error(str(exc))
        target = data_dir()
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return error(f"could not create {printable(str(target))}: {describe(exc)}")
        write(target / f"popular-{eco.value}.csv",
              "download_count,name\n" + "".join(f"{c},{n}\n" for n, c in sorted(names.items(), key=lambda kv: -kv[1])))
        when = args.date or datetime.now(UTC).strftime("%Y-%m-%d")
        write(target / f"popular-{eco.value}.json", json.dumps({"source": args.source, "date": when}))
        print(f"{eco.value}: {len(names)} names from {printable(args.source)} ({when}) saved in {target}; "
              f"`chainwarden data reset --ecosystem {eco.value}` goes back to the shipped list")
        return EXIT_PASS
    if args.data_command == "reset":
        target = data_dir()
        for eco in [Ecosystem(args.ecosystem)] if args.ecosystem else list(Ecosystem):
            saved = [target / f"popular-{eco.value}.{ext}" for ext in ("csv", "json")]
            present = [p for p in saved if p.exists()]
            for p in present:
                try:
                    p.unlink()
                except OSError as exc:
                    return error(f"could not remove {printable(str(p))}: {describe(exc)}")
            shipped = PopularNames.load(eco).label
            print(f"{eco.value}: " + ("the list saved by `data update` is removed; " if present else "no saved list; ")
                  + f"using the shipped list ({shipped})")
        return EXIT_PASS
    for eco in Ecosystem:
        try:
            print(f"{eco.value}: {PopularNames.load(eco).label}")
        except PopularDataError as exc:
            print(f"{eco.value}: could not load: {printable(exc.diagnostics())}")
    return EXIT_PASS
