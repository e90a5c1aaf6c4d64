"""`chainwarden inspect` and `chainwarden diff`: a package's files, read and never run."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from chainwarden.cli._common import EXIT_FAIL, EXIT_PASS, EXIT_UNCHECKED, enrich_options, error, printable


def _package_spec(text: str, ecosystem: str | None) -> tuple[str, str, str | None] | None:
    """NAME, NAME==VERSION or NAME@VERSION (npm, scoped names too) -> (ecosystem, name, version)."""
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
    from rich.console import Console

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
            return error(f"{printable(args.target)}: no such file or folder, and not a package name (NAME, NAME==VERSION, "
                         "or NAME@VERSION for npm)")
        import asyncio

        from chainwarden.enrich import EnrichError
        from chainwarden.enrich.cache import CacheError

        options = enrich_options(args)
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
            return error(printable(exc.diagnostics()))
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


def cmd_diff(args: argparse.Namespace) -> int:
    """Exit 1 when NEW adds the takeover signature (a `changed-behaviour` finding of high severity or above) or
    is itself judged malicious or suspicious, 0 otherwise, 3 when either release could not be read whole."""
    import asyncio

    from rich.console import Console

    from chainwarden.enrich import EnrichError
    from chainwarden.enrich.cache import CacheError
    from chainwarden.model import Ecosystem, PackageId, Severity, Skip
    from chainwarden.pipeline import deep
    from chainwarden.report import diff_report

    options = enrich_options(args)
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
        return error(printable(exc.diagnostics()))
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
