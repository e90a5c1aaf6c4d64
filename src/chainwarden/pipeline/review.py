"""`chainwarden review BASE HEAD [PATH]`: what a change does to the dependencies, judged by the policy.

Both commits' files under PATH are exported with ``git archive`` (nothing is checked out, the
working tree is untouched) into temporary folders, collected and looked up like a scan. The
comparison (analyze.review) lists dependencies added, removed, upgraded and downgraded; for each
added or changed package the report gives HEAD's findings, new maintainers or publishers, a
changed repository URL, approvals, and with ``--deep`` the behaviour the new release adds
(`changed-behaviour`). The exit status comes from the policy found in HEAD (or ``--config``).
"""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from chainwarden.analyze.review import Change, ReviewResult, review
from chainwarden.decide import Action, decide
from chainwarden.enrich import EnrichOptions
from chainwarden.enrich.artifacts import unpack
from chainwarden.enrich.artifacts.workdir import work_dir
from chainwarden.model import Finding, PackageId, RegistryFacts, ScanResult, Skip
from chainwarden.pipeline import ScanRequest, policy_for, scan


class ReviewError(Exception):
    """The two commits cannot be read (not a git repository, an unknown ref): a usage error."""

    def diagnostics(self) -> str:
        return str(self)


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=120)
    except FileNotFoundError as exc:
        raise ReviewError("git is not installed: review reads the two commits with git") from exc
    except subprocess.TimeoutExpired as exc:
        raise ReviewError(f"git {' '.join(args)} took longer than 120 s") from exc
    if done.returncode != 0:
        raise ReviewError(f"git {' '.join(args)}: {done.stderr.decode('utf-8', 'replace').strip() or 'failed'}")
    return done.stdout


def _export(root: Path, ref: str, prefix: str, dest: Path) -> Path:
    """The tree of `ref` under `prefix`, written to `dest` through the safe unpacker."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    archive = dest.parent / f"{dest.name}.tar"
    archive.write_bytes(_git(root, "archive", "--format=tar", commit, "--", prefix or "."))
    unpacked = unpack(archive, dest)
    archive.unlink()
    if unpacked.anomalies:
        kinds = ", ".join(sorted({a.kind for a in unpacked.anomalies}))
        raise ReviewError(f"{ref}: the commit's files could not be exported safely ({kinds})")
    return dest / prefix if prefix else dest


def run_review(repo_path: Path, base: str, head: str, options: EnrichOptions, *, config: Path | None = None,
               now: datetime | None = None, deep: bool = False, no_dns: bool = False) -> ReviewResult:
    start = repo_path.resolve()
    probe = start if start.is_dir() else start.parent
    root = Path(_git(probe, "rev-parse", "--show-toplevel").decode().strip())
    prefix = start.relative_to(root).as_posix() if start != root else ""
    if prefix == ".":
        prefix = ""
    with work_dir("review") as work:  # private, removed on every way out (SIGINT/SIGTERM too: workdir)
        trees = {}
        for label, ref in (("base", base), ("head", head)):
            (work / label).mkdir()
            trees[label] = _export(root, ref, prefix, work / label / "tree")
        moment = now or datetime.now(UTC)

        def request(label: str) -> ScanRequest:
            return ScanRequest(paths=[trees[label]], options=options, config=config, now=moment,
                               display_base=work / label / "tree", no_dns=no_dns)

        policy = policy_for(request("head"))
        base_scan = scan(request("base"))
        head_scan = scan(replace(request("head"), deep=False))
        approvals = policy.approvals.approves if policy.approvals.required else None
        result = review(list(base_scan.graphs), list(head_scan.graphs), approvals)
        touched = result.touched()
        findings = [f for f in head_scan.findings if (f.package.ecosystem, f.package.name) in touched]
        findings += result.findings
        skips = [s for s in head_scan.skips]
        if deep:
            deep_findings, deep_skips = asyncio.run(_changed_behaviour(result.changes, base_scan, head_scan, options))
            findings += deep_findings
            skips += deep_skips
        today = moment.date()
        kept = [f for f in findings if policy.action_for(f, today) is not Action.IGNORE]
        kept.sort(key=lambda f: (-f.severity.rank, f.rule, f.package.name))
        verdict = decide(kept, skips, policy, today=today)
        return ReviewResult(base, head, prefix or ".", result.changes, kept, skips, verdict, head_scan,
                            ignored=len(findings) - len(kept), policy_source=policy.source)


async def _changed_behaviour(changes: list[Change], base_scan: ScanResult, head_scan: ScanResult,
                             options: EnrichOptions) -> tuple[list[Finding], list[Skip]]:
    """`changed-behaviour` for each upgraded or downgraded package: its new release compared with the old one."""
    from chainwarden.pipeline.deep import Session, changed_behaviour

    def facts_of(result: ScanResult, pkg: PackageId) -> RegistryFacts | None:
        return next((eg.facts[pkg] for eg in result.graphs if pkg in eg.facts), None)

    findings: list[Finding] = []
    skips: list[Skip] = []
    async with Session(options) as session:
        for c in changes:
            if c.kind not in ("upgraded", "downgraded") or c.dependency is None or c.old is None:
                continue
            new_pkg = c.dependency.package
            old_pkg = PackageId(c.ecosystem, c.name, c.old)
            a, b = facts_of(base_scan, old_pkg), facts_of(head_scan, new_pkg)
            if a is None or b is None or not a.artifacts or not b.artifacts:
                skips.append(Skip(new_pkg.purl, "the index lists no files to compare: its behaviour change was not checked", "analyze"))
                continue
            new_rel = await session.release(new_pkg, b.artifacts, b.index_url, c.dependency.hashes)
            skips += new_rel.gaps(new_pkg.purl)  # an archive not read completely is not checked, never clean
            found, why = await changed_behaviour(session, old_pkg, a.artifacts, new_rel, a.index_url,
                                                 c.dependency.sources[0] if c.dependency.sources else None)
            findings += found
            skips += why
    return findings, skips
