"""`chainwarden review BASE HEAD [PATH]`: what a change does to the dependencies, judged by the policy.

Both commits' files under PATH are exported with ``git archive`` (nothing is checked out, the
working tree is untouched) into temporary folders through the safe unpacker, collected and looked
up like a scan. Symbolic links that stay inside the tree are made again; one out of it is not
followed and is listed as not checked (`_export`). The
comparison (analyze.review) lists dependencies added, removed, upgraded and downgraded; for each
added or changed package the report gives HEAD's findings, new maintainers or publishers, a
changed repository URL, approvals, and with ``--deep`` the behaviour the new release adds
(`changed-behaviour`). The exit status comes from the policy found in HEAD (or ``--config``).
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from chainwarden.analyze.review import Change, ReviewResult, review
from chainwarden.decide import Action, decide
from chainwarden.enrich import EnrichOptions
from chainwarden.enrich.artifacts import unpack
from chainwarden.enrich.artifacts.workdir import work_dir
from chainwarden.model import Finding, PackageId, RegistryFacts, ScanResult, Skip, excerpt
from chainwarden.pipeline import ScanRequest, policy_for, scan


class ReviewError(Exception):
    """The two commits cannot be read (not a git repository, an unknown ref): a usage error."""

    def diagnostics(self) -> str:
        return str(self)


def _git(repo: Path, *args: str) -> bytes:
    return _git_input(repo, None, *args)


def _git_input(repo: Path, data: bytes | None, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=data, capture_output=True, check=False, timeout=120)
    except FileNotFoundError as exc:
        raise ReviewError("git is not installed: review reads the two commits with git") from exc
    except subprocess.TimeoutExpired as exc:
        raise ReviewError(f"git {' '.join(args)} took longer than 120 s") from exc
    if done.returncode != 0:
        raise ReviewError(f"git {' '.join(args)}: {done.stderr.decode('utf-8', 'replace').strip() or 'failed'}")
    return done.stdout


def _export(root: Path, ref: str, prefix: str, dest: Path) -> tuple[Path, list[Skip]]:
    """The tree of `ref` under `prefix`, written to `dest` through the safe unpacker, and what was left out.

    The unpacker creates no links. Each symbolic link of the commit (git says which, and where it points)
    that stays inside the exported tree is made again, as the same relative link, so a linked manifest is
    read as in a checkout; a link out of the tree (an absolute target, or ``..`` past its top) is not
    made, and is reported. The collectors read through the safe reader, confined to the tree, whatever
    a chain of links says."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    archive = dest.parent / f"{dest.name}.tar"
    archive.write_bytes(_git(root, "archive", "--format=tar", commit, "--", prefix or "."))
    unpacked = unpack(archive, dest)
    archive.unlink()
    links = _links(root, commit, prefix)
    unexpected = [a for a in unpacked.anomalies if a.kind != "link"]  # links: git says which, below
    if unexpected:
        kinds = ", ".join(sorted({a.kind for a in unexpected}))
        raise ReviewError(f"{ref}: the commit's files could not be exported safely ({kinds})")
    tree = dest / prefix if prefix else dest
    skips: list[Skip] = []
    made: dict[Path, tuple[str, str]] = {}

    def left_out(path: str, target: str) -> None:
        where = path[len(prefix) + 1:] if prefix and path.startswith(prefix + "/") else path
        skips.append(Skip(f"{where} ({ref})", f"a symbolic link out of the repository (to {excerpt(target)}): not followed",
                          "collect"))

    for path, target in sorted(links.items()):
        if not _link_inside(path, target, prefix):
            left_out(path, target)
            continue
        link = dest / path
        if link.parent.is_dir() and not link.is_symlink() and not link.exists():
            os.symlink(target, link)
            made[link] = (path, target)
    # Each target was inside by its text; through another link (``a -> ..`` then ``b -> a/..``) it may still
    # lead out. Whatever resolves out of the tree is removed again, until none does (a removal can change where
    # another resolves; each round removes at least one).
    top = os.path.realpath(tree)
    while True:
        out = [link for link in made if os.path.commonpath([top, os.path.realpath(link)]) != top]
        if not out:
            break
        for link in out:
            link.unlink()
            left_out(*made.pop(link))
    return tree, skips


def _links(root: Path, commit: str, prefix: str) -> dict[str, str]:
    """Every symbolic link in `commit` under `prefix`: {path: target}, as git stores them."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    blobs: dict[str, str] = {}
    for record in listing.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        fields = meta.split()
        if len(fields) == 3 and fields[0] == b"120000":
            blobs[name.decode("utf-8", "surrogateescape")] = fields[2].decode()
    if not blobs:
        return {}
    out = _git_input(root, "\n".join(blobs.values()).encode() + b"\n", "cat-file", "--batch")
    targets: dict[str, str] = {}
    pos = 0
    for path, blob in blobs.items():  # "<oid> blob <size>\n<content>\n" per link, in order
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        targets[path] = out[header_end + 1: header_end + 1 + size].decode("utf-8", "surrogateescape")
        pos = header_end + 1 + size + 1
    return targets


def _link_inside(path: str, target: str, prefix: str) -> bool:
    """Whether the link at `path` (relative to the repository) to `target` stays inside the exported tree."""
    if not target or target.startswith("/") or "\0" in target or (len(target) > 1 and target[1] == ":"):
        return False
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    top = prefix.strip("/")
    if resolved == ".." or resolved.startswith("../"):
        return False
    return not top or resolved == top or resolved.startswith(top + "/")


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
        link_skips: list[Skip] = []
        for label, ref in (("base", base), ("head", head)):
            (work / label).mkdir()
            trees[label], left_out = _export(root, ref, prefix, work / label / "tree")
            link_skips += left_out if label == "head" else []
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
        skips = [*link_skips, *head_scan.skips]
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
