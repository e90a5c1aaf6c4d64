"""chainwarden on real, healthy projects: inventory, findings, verdict and time, per project.

    python bench/bench_realworld.py                     # every project in ../shared/realworld; needs the indexes
    python bench/bench_realworld.py --offline-only      # inventory only: no index is asked
    python bench/bench_realworld.py --only vuejs+core,python+mypy --show 5

``../shared/realworld/realworld.tar.xz`` holds the dependency files (manifests, lockfiles, index
configuration) of 21 real projects as committed upstream (its README and PROVENANCE.md say which). It is
unpacked into a temporary folder; nothing in it is run. For each project, each in a child process
(`python -m chainwarden scan PROJECT --format json`), as a user runs it:

1. **inventory**: ``--offline`` with an empty cache: the files read, lockfiles, packages (direct and
   transitive) and what could not be read. No index is asked.
2. **cold**: against the index your installers are configured with (pip/uv/npm configuration, as
   chainwarden always does), with an empty cache;
3. **warm**: the same again with the cache of the cold run (within its TTL): nothing is fetched.

Printed per project: lockfiles, packages, findings by severity and by rule, the verdict under the default
policy, cold and warm wall time and CPU, peak memory; then the findings of HIGH or above (and with
``--show N`` the first N findings of each rule) so a person can judge them, and the totals against the
targets of issue 14: every project passes the default policy, at most one low finding per 20 packages,
a warm scan of the largest project under 2 s. Informational findings (a weak signal on its own,
docs/decisions/0020-weak-signals-combine.md) are counted apart from the findings by rule. Figures are
printed, never asserted. DNS checks are off (``--no-dns``) so that the figures do not depend on a resolver.
``--save DIR`` keeps each project's JSON report (the cold scan), to compare runs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCHIVE = REPO.parent / "shared" / "realworld" / "realworld.tar.xz"
CHILD_TIMEOUT = 900.0


@dataclass
class Run:
    code: int
    seconds: float
    cpu: float
    peak_mib: float
    report: dict[str, object] = field(default_factory=dict)
    stderr: str = ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    try:
        import chainwarden  # noqa: F401
    except ImportError:
        env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _scan(project: Path, cache: Path, extra: list[str]) -> Run:
    out = cache.parent / f"report-{time.monotonic_ns()}.json"
    argv = [sys.executable, "-m", "chainwarden", "scan", str(project), "--format", "json", "-o", str(out),
            "--no-progress", "--no-dns", "--cache-dir", str(cache), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        _, err = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return Run(-1, time.perf_counter() - start, 0, 0, stderr="timed out")
    seconds = time.perf_counter() - start
    report: dict[str, object] = {}
    if out.exists():
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            report = {}
        out.unlink()
    return Run(proc.returncode, seconds, 0.0, 0.0, report, err)


def _measured(project: Path, cache: Path, extra: list[str]) -> Run:
    """`_scan` with the child's CPU time and peak memory (RUSAGE_CHILDREN before and after: one child at a time)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = _scan(project, cache, extra)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run.peak_mib = after.ru_maxrss / 1024  # the largest child so far: exact when runs grow, an upper bound otherwise
    return run


def _summary(run: Run) -> tuple[int, int, collections.Counter[str], collections.Counter[str], list[dict[str, object]]]:
    report = run.report
    summary = report.get("summary", {}) if isinstance(report.get("summary"), dict) else {}
    packages = int(summary.get("packages", 0)) if isinstance(summary, dict) else 0
    lockfiles = sum(len(p.get("lockfiles", [])) for p in report.get("projects", []) if isinstance(p, dict))  # type: ignore[union-attr]
    findings = [f for f in report.get("findings", []) if isinstance(f, dict)]  # type: ignore[union-attr]
    by_sev = collections.Counter(str(f.get("severity")) for f in findings)
    by_rule = collections.Counter(str(f.get("rule")) for f in findings)
    return lockfiles, packages, by_sev, by_rule, findings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated project folder names (owner+repo)")
    ap.add_argument("--offline-only", action="store_true", help="inventory only; ask no index")
    ap.add_argument("--show", type=int, default=0, help="findings shown per rule and project (default: HIGH and above)")
    ap.add_argument("--keep", action="store_true", help="keep the unpacked projects and caches")
    ap.add_argument("--save", type=Path, default=None, help="write each project's JSON report (the cold scan) into this folder")
    args = ap.parse_args()
    if not ARCHIVE.is_file():
        print(f"{ARCHIVE} not found: the real-world projects come with ../shared", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="chainwarden-realworld-"))
    try:
        with tarfile.open(ARCHIVE) as tar:
            tar.extractall(tmp, filter="data")
        root = tmp / "realworld"
        projects = sorted(p for p in root.iterdir() if p.is_dir())
        if args.only:
            wanted = set(args.only.split(","))
            projects = [p for p in projects if p.name in wanted]
        print(f"{len(projects)} projects from {ARCHIVE} (DNS checks off; default policy)")
        header = f"{'project':34} {'lockf':>5} {'pkgs':>6} {'crit':>4} {'high':>4} {'med':>4} {'low':>4}  {'verdict':7} " \
                 f"{'cold s':>7} {'warm s':>7} {'warm cpu':>8} {'MiB':>5}"
        rows: list[str] = []
        details: list[str] = []
        totals = collections.Counter[str]()
        info_totals = collections.Counter[str]()
        failed: list[str] = []
        largest: tuple[int, str, float] = (0, "", 0.0)
        low_ratio: list[str] = []
        for project in projects:
            cache = tmp / "cache" / project.name
            cache.mkdir(parents=True)
            inventory = _measured(project, tmp / "cache" / f"{project.name}-offline", ["--offline"])
            lockfiles, packages, _, _, _ = _summary(inventory)
            if args.offline_only:
                skipped = inventory.report.get("skipped", [])
                rows.append(f"{project.name:34} {lockfiles:5} {packages:6}  exit {inventory.code}  "
                            f"{inventory.seconds:6.2f} s  {len(skipped) if isinstance(skipped, list) else 0} not checked")
                continue
            cold = _measured(project, cache, [])
            warm = _measured(project, cache, [])
            lockfiles, packages, by_sev, by_rule, findings = _summary(cold)
            if args.save is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{project.name}.json").write_text(json.dumps(cold.report), encoding="utf-8")
            verdict = str(cold.report.get("verdict", f"exit {cold.code}"))
            if cold.code not in (0, 1):
                verdict = f"exit {cold.code}"
                details.append(f"{project.name}: exit {cold.code}: {cold.stderr.strip()[-300:]}")
            if verdict != "pass":
                failed.append(project.name)
            info = collections.Counter(str(f.get("rule")) for f in findings if f.get("severity") == "info")
            by_rule = by_rule - info
            totals.update(by_rule)
            info_totals.update(info)
            if packages and by_sev.get("low", 0) > packages / 20:
                low_ratio.append(f"{project.name} ({by_sev['low']} low for {packages} packages)")
            if packages > largest[0]:
                largest = (packages, project.name, warm.seconds)
            rows.append(f"{project.name:34} {lockfiles:5} {packages:6} {by_sev.get('critical', 0):4} {by_sev.get('high', 0):4} "
                        f"{by_sev.get('medium', 0):4} {by_sev.get('low', 0):4}  {verdict:7} {cold.seconds:7.2f} "
                        f"{warm.seconds:7.2f} {warm.cpu:8.2f} {max(cold.peak_mib, warm.peak_mib):5.0f}")
            rules = ", ".join(f"{r} {n}" for r, n in by_rule.most_common())
            details.append(f"{project.name}: {rules or 'no findings'}"
                           + (f"; informational: " + ", ".join(f"{r} {n}" for r, n in info.most_common()) if info else ""))
            shown: collections.Counter[str] = collections.Counter()
            for f in findings:
                rule, sev = str(f.get("rule")), str(f.get("severity"))
                if sev in ("high", "critical") or shown[rule] < args.show:
                    shown[rule] += 1
                    pkg = f.get("package", {})
                    name = f"{pkg.get('name')}@{pkg.get('version')}" if isinstance(pkg, dict) else str(pkg)
                    details.append(f"    {sev:8} {rule}: {name}: {str(f.get('message', ''))[:160]}")
        print(header)
        print("\n".join(rows))
        print()
        print("\n".join(details))
        if not args.offline_only:
            print()
            print(f"findings by rule over all projects: " + ", ".join(f"{r} {n}" for r, n in totals.most_common()))
            print(f"informational findings over all projects (not listed to users): "
                  + (", ".join(f"{r} {n}" for r, n in info_totals.most_common()) or "none"))
            print(f"projects that fail the default policy: {len(failed)} of {len(projects)}"
                  + (f" ({', '.join(failed)})" if failed else "") + "   target: 0")
            print(f"projects with more than one low finding per 20 packages: {len(low_ratio)}"
                  + (f" ({'; '.join(low_ratio)})" if low_ratio else "") + "   target: 0")
            print(f"largest project: {largest[1]} ({largest[0]} packages), warm scan {largest[2]:.2f} s   target: < 2 s")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
