"""False positives and speed of the code analyzers on the benign wheel corpus of this machine, and
GuardDog on the same wheels.

    python bench/bench_code.py [--corpus DIR ...] [--limit N] [--jobs N] [--guarddog PATH]

1. **Corpus** (the headline, one process): every wheel under the corpus folders (default:
   /opt/pypi/files and /opt/pypi-more/files, the ``files/`` folders of the wheel mirror pip is
   configured with here) goes through the safe unpacker and `inspect_tree`, in this process:
   nothing is imported or run. Prints the share judged malicious and suspicious (targets: <= 0.5%
   and <= 3%), the rules that fired, the packages behind each non-clean verdict, files and
   packages per second (unpacking included, split into unpack and analysis), the slowest
   packages, and peak memory.
2. **Parallel** (``--jobs N``, a separate figure): the same wheels over N worker processes.
3. **GuardDog** (``--guarddog PATH``, the ``guarddog`` executable, e.g. from
   ``python3 -m venv /tmp/gdvenv && /tmp/gdvenv/bin/pip install guarddog``): 50 wheels picked
   evenly from the sorted corpus are scanned with ``guarddog pypi scan <wheel>`` (one process per
   wheel, a timeout per wheel and a total budget), and in the same run by chainwarden, both in
   process and as ``python -m chainwarden inspect <wheel> --format json`` (one process per wheel,
   as GuardDog runs). Prints per-package times, the ratio (target: chainwarden at least 20x faster
   per package) and what each flagged. Without ``--guarddog`` the comparison is skipped.

Figures are printed, never asserted. The corpus is not needed by the tests and CI.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from chainwarden.enrich.artifacts import unpack
from chainwarden.model import Ecosystem, PackageId
from chainwarden.pipeline.deep import inspect_unpacked

DEFAULT_CORPUS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files")]
TARGETS = {"malicious": 0.5, "suspicious": 3.0}
RATIO_TARGET = 20.0


@dataclass
class Result:
    """One wheel inspected in process."""

    wheel: str
    verdict: str = "clean"
    reason: str = ""
    files: int = 0
    unpack_s: float = 0.0
    inspect_s: float = 0.0
    total_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time for the wheel (steadier than wall time on a busy machine)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (rule, severity) of each finding
    anomalies: list[str] = field(default_factory=list)  # archive-anomaly kinds
    not_checked: list[str] = field(default_factory=list)  # what could not be read (the not-checked verdict)
    flagged_files: list[str] = field(default_factory=list)  # "file:line rule (severity)" of medium and above


def inspect_wheel(path: Path) -> Result:
    """Unpack and inspect one wheel, timed (the work `chainwarden inspect` does, without the report: nested
    archives unpacked, copies set aside and read, as `pipeline.deep.inspect_archive` does)."""
    out = Result(path.name)
    c0 = time.process_time()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-code-") as tmp:
        unpacked = unpack(path, Path(tmp) / "tree", nested=True, aside=Path(tmp) / "aside")
        t1 = time.perf_counter()
        result = inspect_unpacked(unpacked, PackageId(Ecosystem.PYPI, path.name))
        t2 = time.perf_counter()
    out.total_s = time.perf_counter() - t0  # removing the unpacked tree counts too
    out.cpu_s = time.process_time() - c0
    out.unpack_s, out.inspect_s = t1 - t0, t2 - t1
    out.files, out.verdict, out.reason = result.files, result.verdict, result.verdict_reason
    out.rules = [(f.rule, f.severity.value) for f in result.findings]
    out.anomalies = [a.kind for a in unpacked.anomalies]
    out.not_checked = list(result.not_checked)
    out.flagged_files = [f"{f.location} {f.rule} ({f.severity.value})" for f in result.findings
                         if f.severity.value in ("medium", "high", "critical")]
    return out


def python_volume(wheels: list[Path]) -> tuple[int, int]:
    """Python files and their bytes in the wheels (from the zip directories: nothing is extracted)."""
    files = size = 0
    for w in wheels:
        try:
            with zipfile.ZipFile(w) as z:
                for info in z.infolist():
                    if info.filename.endswith((".py", ".pyw", ".pth")):
                        files += 1
                        size += info.file_size
        except (OSError, zipfile.BadZipFile):
            continue
    return files, size


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def corpus_run(wheels: list[Path]) -> list[Result]:
    """Part 1: every wheel in this process, one after the other."""
    results: list[Result] = []
    inspect_wheel(wheels[0])  # warm-up: imports and compiled patterns are not a package's cost
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    for w in wheels:
        results.append(inspect_wheel(w))
    seconds = time.perf_counter() - t0
    cpu = sum(r.cpu_s for r in results)
    n = len(results)
    files = sum(r.files for r in results)
    unpack_s = sum(r.unpack_s for r in results)
    inspect_s = sum(r.inspect_s for r in results)
    py_files, py_bytes = python_volume(wheels)
    per = [r.total_s for r in results]
    print(f"{n} wheels, {files} files ({py_files} Python, {py_bytes / 1e6:.0f} MB), {seconds:.1f} s in one process: "
          f"{files / seconds:.0f} files/s, {n / seconds:.2f} packages/s, {1000 * seconds / n:.0f} ms per package, "
          f"peak RSS {peak_rss_mb():.0f} MB")
    print(f"  CPU {cpu:.1f} s ({n / cpu:.2f} packages/s, {1000 * cpu / n:.0f} ms per package of CPU); load average "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after (other work on the machine slows the wall-clock figures)")
    print(f"  unpacking {unpack_s:.1f} s, analysis {inspect_s:.1f} s ({py_files / inspect_s:.0f} Python files/s, "
          f"{py_bytes / 1e6 / inspect_s:.2f} MB of Python/s), the rest (removing trees) {seconds - unpack_s - inspect_s:.1f} s")
    print(f"  per package: median {1000 * statistics.median(per):.0f} ms, p90 {1000 * percentile(per, 0.9):.0f} ms, "
          f"p99 {1000 * percentile(per, 0.99):.0f} ms, max {1000 * max(per):.0f} ms")
    print("  slowest: " + ", ".join(f"{r.wheel.split('-')[0]} {r.total_s:.1f} s ({r.files} files)"
                                    for r in sorted(results, key=lambda r: -r.total_s)[:5]))
    verdicts = collections.Counter(r.verdict for r in results)
    for verdict in ("malicious", "suspicious", "not-checked", "clean"):
        share = 100 * verdicts[verdict] / n
        target = TARGETS.get(verdict)
        status = "" if target is None else ("ok" if share <= target else "OVER TARGET")
        print(f"  {verdict:10} {verdicts[verdict]:5}  {share:5.2f}%  " + (f"target <= {target}%  {status}" if target else ""))
    findings: collections.Counter[tuple[str, str]] = collections.Counter()
    packages: collections.Counter[tuple[str, str]] = collections.Counter()
    for r in results:
        findings.update(r.rules)
        packages.update(set(r.rules))
    print("rules that fired (medium and above): findings, packages")
    for (rule, sev), count in sorted(findings.items(), key=lambda kv: -kv[1]):
        if sev in ("medium", "high", "critical"):
            print(f"  {count:6} {packages[(rule, sev)]:5}  {rule} ({sev})")
    low = sum(c for (_, sev), c in findings.items() if sev not in ("medium", "high", "critical"))
    print(f"  (and {low} low or info findings)")
    kinds = collections.Counter(k for r in results for k in r.anomalies)
    with_kinds = collections.Counter(k for r in results for k in set(r.anomalies))
    print("archive anomalies (unpacker, nested archives and copies included): " + (", ".join(
        f"{k} {n} in {with_kinds[k]} packages" for k, n in kinds.most_common()) or "none"))
    nested = sum(1 for r in results if any("!/" in f for f in r.flagged_files))
    print(f"  packages with findings inside nested archives: {nested}")
    for verdict in ("malicious", "suspicious", "not-checked"):
        flagged = [r for r in results if r.verdict == verdict]
        if flagged:
            print(f"{verdict}:")
            for r in flagged:
                print(f"  {r.wheel}: {r.reason[:160]}")
                for line in (r.flagged_files if verdict != "not-checked" else r.not_checked)[:6]:
                    print(f"      {line[:160]}")
    return results


def parallel_run(wheels: list[Path], jobs: int, single: list[Result]) -> None:
    """Part 2: the same wheels over `jobs` processes (a separate figure: the headline is one process)."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(inspect_wheel, wheels, chunksize=4))
    seconds = time.perf_counter() - t0
    files = sum(r.files for r in results)
    same = sum(a.verdict == b.verdict for a, b in zip(results, single))
    print(f"parallel, {jobs} processes: {seconds:.1f} s, {files / seconds:.0f} files/s, {len(results) / seconds:.2f} packages/s "
          f"(one process: {sum(r.total_s for r in single):.1f} s); largest worker RSS {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB; "
          f"{same} of {len(results)} verdicts as in one process")


def pick(wheels: list[Path], count: int) -> list[Path]:
    """`count` wheels spread evenly over the sorted corpus (the same ones on every run)."""
    if len(wheels) <= count:
        return list(wheels)
    return [wheels[(2 * i + 1) * len(wheels) // (2 * count)] for i in range(count)]


@dataclass
class Timed:
    seconds: float
    cpu: float
    label: str  # GuardDog: risk label (or "error", "timeout"); chainwarden: verdict
    detail: str = ""
    network: bool = False  # GuardDog tried the network (and, here, failed)


def run_timed(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[float, float, int | None, str, str]:
    """Run one child; wall and CPU seconds (its rusage), exit status (None on timeout), stdout, stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
                              cwd=tempfile.gettempdir())
        status: int | None = proc.returncode
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        status, out, err = None, "", (exc.stderr or b"").decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else ""
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, status, out, err


def guarddog_scan(exe: str, wheel: Path, timeout: float) -> Timed:
    seconds, cpu, status, out, err = run_timed([exe, "pypi", "scan", str(wheel), "--output-format", "json"], timeout)
    network = "Network error" in err or "Failed to download" in err
    if status is None:
        return Timed(seconds, cpu, "timeout", f"killed after {timeout:.0f} s", network)
    try:
        doc = json.loads(out)
    except ValueError:
        message = next((line for line in err.splitlines()
                        if ("ERROR" in line or "Error" in line) and "Network error" not in line), "")
        message = message.split(f"{wheel}: ", 1)[-1].strip()  # "Error occurred while scanning target <path>: <why>"
        return Timed(seconds, cpu, "error", message[:140] or f"exit {status}, no JSON", network)
    label = str((doc.get("risk_score") or {}).get("label", "?"))
    hits = sorted(k for k, v in (doc.get("results") or {}).items() if v and not k.startswith("capability-"))
    errors = doc.get("errors") or {}
    detail = ", ".join(hits[:4]) + (f"; errors: {', '.join(sorted(errors))[:80]}" if errors else "")
    return Timed(seconds, cpu, label, detail, network)


def chainwarden_cli(wheel: Path, timeout: float, env: dict[str, str]) -> Timed:
    seconds, cpu, status, out, err = run_timed(
        [sys.executable, "-m", "chainwarden", "inspect", str(wheel), "--format", "json"], timeout, env)
    if status is None:
        return Timed(seconds, cpu, "timeout")
    try:
        doc = json.loads(out)
        return Timed(seconds, cpu, str(doc.get("verdict", "?")))
    except ValueError:
        return Timed(seconds, cpu, "error", (err.strip().splitlines() or [f"exit {status}"])[-1][:140])


def guarddog_run(exe: str, wheels: list[Path], count: int, timeout: float, budget: float) -> None:
    """Part 3: GuardDog and chainwarden on the same wheels, in this run."""
    chosen = pick(wheels, count)
    try:
        version = subprocess.run([exe, "--version"], check=False, capture_output=True, text=True, timeout=120).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"GuardDog comparison skipped: {exe} does not run ({exc})")
        return
    env = dict(os.environ)  # the children run the same chainwarden as this process: the checkout's src/
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)
    print(f"GuardDog {version} ({exe}) and chainwarden on {len(chosen)} wheels picked evenly from the sorted corpus "
          f"({sum(w.stat().st_size for w in chosen) / 1e6:.0f} MB; timeout {timeout:.0f} s per wheel, budget {budget:.0f} s):")
    inspect_wheel(chosen[0])
    rows: list[tuple[Path, Timed, Timed, Result]] = []
    t_start = time.perf_counter()
    for w in chosen:
        if time.perf_counter() - t_start > budget:
            print(f"  budget of {budget:.0f} s spent: {len(rows)} of {len(chosen)} wheels compared")
            break
        w.read_bytes()  # in the page cache for all three
        gd = guarddog_scan(exe, w, timeout)
        cli = chainwarden_cli(w, timeout, env)
        own = inspect_wheel(w)
        rows.append((w, gd, cli, own))
        print(f"  {w.name[:50]:50} {w.stat().st_size / 1e6:6.1f} MB  guarddog {gd.seconds:6.2f} s (CPU {gd.cpu:5.2f}) "
              f"{gd.label:17} chainwarden CLI {cli.seconds:5.2f} s (CPU {cli.cpu:5.2f}), in process {own.total_s:5.2f} s "
              f"{own.verdict}")
    if not rows:
        return
    n_all = len(rows)
    unscanned = [r for r in rows if r[1].label in ("error", "timeout")]
    rows = [r for r in rows if r[1].label not in ("error", "timeout")]  # times compare scans that happened
    if unscanned:
        print(f"  {len(unscanned)} of {n_all} left out of the times below: GuardDog did not scan them "
              f"({', '.join(sorted({r[1].label for r in unscanned}))})")
    if not rows:
        return
    n = len(rows)
    gd_mean = sum(r[1].seconds for r in rows) / n
    cli_mean = sum(r[2].seconds for r in rows) / n
    own_mean = sum(r[3].total_s for r in rows) / n
    gd_cpu = sum(r[1].cpu for r in rows) / n
    cli_cpu = sum(r[2].cpu for r in rows) / n
    own_cpu = sum(r[3].cpu_s for r in rows) / n
    ratio_cli = gd_mean / cli_mean if cli_mean else float("inf")
    ratio_own = gd_mean / own_mean if own_mean else float("inf")
    per_wheel = sorted(r[1].seconds / r[2].seconds for r in rows if r[2].seconds)
    per_own = sorted(r[1].seconds / max(r[3].total_s, 0.005) for r in rows)
    print(f"  mean per package: guarddog {gd_mean:.2f} s (CPU {gd_cpu:.2f} s), chainwarden CLI {cli_mean:.2f} s (CPU {cli_cpu:.2f} s), "
          f"chainwarden in process {own_mean:.2f} s (CPU {own_cpu:.2f} s)")
    status = "ok" if ratio_cli >= RATIO_TARGET else "UNDER TARGET"
    print(f"  ratio, one process per package each: {ratio_cli:.1f}x faster (target >= {RATIO_TARGET:.0f}x: {status}); "
          f"GuardDog vs chainwarden in process: {ratio_own:.1f}x; per wheel (CLI): median {statistics.median(per_wheel):.1f}x, "
          f"min {per_wheel[0]:.1f}x, max {per_wheel[-1]:.1f}x")
    print(f"  per wheel, GuardDog / chainwarden in process: median {statistics.median(per_own):.1f}x, "
          f"{sum(x >= RATIO_TARGET for x in per_own)} of {n} at least {RATIO_TARGET:.0f}x, min {per_own[0]:.1f}x, "
          f"max {per_own[-1]:.1f}x (the mean is carried by the few packages with megabytes of Python)")
    print(f"  by CPU time: GuardDog / chainwarden CLI {gd_cpu / cli_cpu if cli_cpu else float('inf'):.1f}x, "
          f"GuardDog / chainwarden in process {gd_cpu / own_cpu if own_cpu else float('inf'):.1f}x")
    rows += unscanned
    n = n_all
    labels = collections.Counter(r[1].label for r in rows)
    ours = collections.Counter(r[3].verdict for r in rows)
    cli_labels = collections.Counter(r[2].label for r in rows)
    print(f"  GuardDog labels: {dict(sorted(labels.items()))}; flagged (high_risk or suspicious): "
          f"{labels['high_risk'] + labels['suspicious']} of {n}")
    print(f"  chainwarden verdicts: {dict(sorted(ours.items()))} (CLI: {dict(sorted(cli_labels.items()))}); flagged: "
          f"{ours['malicious'] + ours['suspicious']} of {n}")
    tried = sum(r[1].network for r in rows)
    if tried:
        print(f"  GuardDog tried the network on {tried} of {n} scans (its popular-package lists) and failed: no route "
              "from this machine; its times include those attempts")
    for w, gd, _, own in rows:
        if gd.label not in ("no_risks_detected", "low") or own.verdict != "clean":
            print(f"    {w.name}: guarddog {gd.label} ({gd.detail[:150]}); chainwarden {own.verdict} ({own.reason[:100]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", help="folders of wheels (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N wheels (0: all)")
    parser.add_argument("--max-mb", type=float, default=80.0, help="skip wheels larger than this (default 80 MB)")
    parser.add_argument("--jobs", type=int, default=0, help="also run the corpus over N processes (a separate figure)")
    parser.add_argument("--guarddog", metavar="PATH", help="the guarddog executable: compare on the same wheels")
    parser.add_argument("--guarddog-wheels", type=int, default=50, help="how many wheels to compare on (default 50)")
    parser.add_argument("--guarddog-timeout", type=float, default=300.0, help="seconds per GuardDog scan (default 300)")
    parser.add_argument("--guarddog-budget", type=float, default=2400.0, help="seconds for the whole comparison (default 2400)")
    parser.add_argument("--skip-corpus", action="store_true", help="only the GuardDog comparison")
    args = parser.parse_args(argv)
    folders = args.corpus or [d for d in DEFAULT_CORPUS if d.is_dir()]
    wheels = sorted((w for d in folders for w in d.glob("*.whl") if w.stat().st_size <= args.max_mb * 1e6),
                    key=lambda p: p.name)
    if args.limit:
        wheels = wheels[: args.limit]
    if not wheels:
        print("no wheels found: pass --corpus DIR", file=sys.stderr)
        return 2
    print(f"chainwarden from {REPO / 'src'}; CPython {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    if not args.skip_corpus:
        single = corpus_run(wheels)
        if args.jobs > 1:
            parallel_run(wheels, args.jobs, single)
    if args.guarddog:
        guarddog_run(args.guarddog, wheels, args.guarddog_wheels, args.guarddog_timeout, args.guarddog_budget)
    else:
        print("GuardDog comparison skipped: pass --guarddog PATH (python3 -m venv /tmp/gdvenv && "
              "/tmp/gdvenv/bin/pip install guarddog; --guarddog /tmp/gdvenv/bin/guarddog)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
