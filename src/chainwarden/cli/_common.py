"""What the commands share: error lines on stderr, the index options, reading the inputs, writing a report.

Everything heavy is imported inside the function that needs it (the exit codes live in cli/__init__.py, which
cli/main.py imports for `--version` and the parser).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from chainwarden.cli import EXIT_FAIL, EXIT_INTERNAL, EXIT_PASS, EXIT_UNCHECKED, EXIT_USAGE, REPORT_FORMATS

if TYPE_CHECKING:
    from rich.progress import Progress

    from chainwarden.enrich import EnrichOptions
    from chainwarden.model import ScanResult

__all__ = ["EXIT_FAIL", "EXIT_INTERNAL", "EXIT_PASS", "EXIT_UNCHECKED", "EXIT_USAGE", "REPORT_FORMATS", "enrich_options",
           "error", "input_paths", "note", "printable", "render", "with_progress", "write"]
R = TypeVar("R")


def printable(text: str) -> str:
    """Text from inputs or the machine, as the CLI prints it on stderr: secrets redacted, control characters escaped."""
    from chainwarden.model import shown

    return shown(text)


def error(message: str) -> int:
    """Say why the invocation cannot be used, on stderr; the usage exit code."""
    print(f"chainwarden: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def note(message: str) -> None:
    print(f"chainwarden: {message}", file=sys.stderr)


def write(path: Path, text: str) -> None:
    """Write a report or a file the user asked for; a path that cannot be written is an unusable invocation."""
    from chainwarden._errors import describe

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SystemExit(error(f"could not write {printable(str(path))}: {describe(exc)}")) from None


def _env_url(variable: str) -> str | None:
    """Our own variable naming an index, when it is set to something that is not an http(s) URL."""
    value = os.environ.get(variable, "").strip()
    if value and not (urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc):
        return f"{variable}={printable(value)}: expected an http:// or https:// URL"
    return None


def enrich_options(args: argparse.Namespace) -> EnrichOptions | int:
    """The index, cache and network options every command that asks an index shares (or an exit code)."""
    from chainwarden.enrich import EnrichOptions, SourceOptions

    if args.registry_snapshot is not None and not args.registry_snapshot.is_dir():
        return error(f"--registry-snapshot {printable(str(args.registry_snapshot))}: not a directory")
    if args.concurrency < 1 or args.timeout <= 0 or args.cache_ttl < 0:
        return error("--concurrency must be >= 1, --timeout > 0 and --cache-ttl >= 0")
    if args.offline and args.no_cache:
        return error("--offline answers from the cache, so it cannot go with --no-cache")
    if args.registry_snapshot is None:
        for flag, variable in ((args.index_url, "CHAINWARDEN_INDEX_URL"), (args.npm_registry, "CHAINWARDEN_NPM_REGISTRY")):
            problem = None if flag else _env_url(variable)
            if problem:
                return error(problem)
    return EnrichOptions(
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


def _progress(enabled: bool) -> tuple[Progress | None, Callable[[int, int], None] | None]:
    if not enabled:
        return None, None
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("looking up packages"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    )
    task = progress.add_task("lookup", total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def with_progress(run: Callable[..., R], request: object, enabled: bool) -> R:
    """Run a scan-like stage with the lookup progress bar on stderr (only when stderr is a terminal)."""
    progress, update = _progress(enabled)
    if progress is None:
        return run(request)
    with progress:
        return run(request, update)


def input_paths(args: argparse.Namespace) -> list[Path] | int:
    """The PATHs (default .) and --environment of scan and sbom, checked to exist (or the usage exit code). With
    --environment and no PATH only the environment is read, and stderr says so."""
    paths: list[Path] = args.paths or ([] if args.environment else [Path(".")])
    for p in paths:
        if not p.exists():
            return error(f"{printable(str(p))}: no such file or directory")
    if args.environment is not None:
        if not args.environment.exists():
            return error(f"--environment {printable(str(args.environment))}: no such directory")
        if not paths:
            note(f"note: reading only the installed environment {printable(str(args.environment))} (no PATH given); "
                 "add . to read the project's files too")
    return paths


def render(result: ScanResult, fmt: str, *, docs_url: str | None = None) -> str:
    """A scan or inventory result in one of the file formats (docs/reports.md)."""
    from chainwarden.report import json_report, markdown, sarif, sbom_cyclonedx, sbom_spdx

    if fmt == "sarif":
        return sarif.render(result, docs_url=docs_url, working_directory=Path.cwd())
    if fmt == "markdown":
        return markdown.render(result)
    if fmt == "cyclonedx":
        return sbom_cyclonedx.render(result)
    if fmt == "spdx":
        return sbom_spdx.render(result)
    return json_report.render(result)
