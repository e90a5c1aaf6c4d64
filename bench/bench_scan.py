"""Benchmark `chainwarden scan` on a synthetic 500-package uv project.

    python bench/bench_scan.py            # from the repository root

What it does (see bench/README.md):

1. writes, in a temporary directory, a project (`pyproject.toml` + `uv.lock`) that
   locks N PyPI packages ``bench-pkg-0001`` ... (a deterministic dependency DAG, fixed
   seed) and a registry snapshot with those N projects (5-30 releases each), written
   with ``tests.registry.builder.pypi_project``;
2. serves the snapshot with ``tests.registry.server.RegistryServer`` on 127.0.0.1 with a
   *simulated* latency per response (``server.delay``), like a nearby index;
3. runs ``python -m chainwarden scan ... --format json`` as a child process (start-up and
   imports count, as in a user's run): cold (empty cache), warm (same cache, within
   the TTL; median of 3), revalidating (TTL 0: every answer revalidated, 304s) and
   ``--registry-snapshot`` (no HTTP); wall time and peak RSS of each child
   (``os.wait4`` rusage), and the HTTP requests the server saw;
4. prints a table next to the targets.  Timing is reported, never asserted: the exit
   status is non-zero only when a scan fails (non-zero exit, timeout, unreadable
   report, wrong package count, or packages left without registry facts).

Standard library only (plus the repository's ``tests.registry``).  Works with a
pip-installed chainwarden, or from a checkout (``src/`` is put on the child's
``PYTHONPATH`` when ``chainwarden`` is not importable).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # so `tests.registry` imports when run as `python bench/bench_scan.py`

from tests.registry.builder import FILE_HOST, file_sha256, pypi_project
from tests.registry.server import RegistryServer

SEED = 20261121
TODAY = datetime(2026, 11, 21, tzinfo=UTC)  # the data's "today", as in tests/registry
CHILD_TIMEOUT = 120.0  # seconds; a child still running is killed
TOTAL_BUDGET = 280.0  # seconds for the whole bench (generation included); must stay under 5 minutes

TARGETS = {"cold": 10.0, "warm": 2.0, "rss_mb": 200.0}
GROWTH_TARGET = {"seconds": 20.0, "rss_mb": 1000.0}  # the offline scan of 20,000 packages (issue 14)
GROWTH_BUDGET = 1800.0  # seconds for --growth (generation included)
GROWTH_CHILD_TIMEOUT = 600.0


# --------------------------------------------------------------------------- synthetic data


@dataclass
class Pkg:
    name: str
    releases: dict[str, datetime]  # version -> upload time, ascending
    locked: str
    deps: list[int] = field(default_factory=list)  # indexes into the package list
    maintainers: list[str] = field(default_factory=list)


def _versions(rng: random.Random, count: int) -> list[str]:
    major, minor, patch = rng.choice([(0, 1, 0), (0, 1, 0), (1, 0, 0), (2, 0, 0)])
    out = []
    for _ in range(count):
        out.append(f"{major}.{minor}.{patch}")
        r = rng.random()
        if r < 0.05:
            major, minor, patch = major + 1, 0, 0
        elif r < 0.40:
            minor, patch = minor + 1, 0
        else:
            patch += 1
    return out


def _dates(rng: random.Random, count: int) -> list[datetime]:
    """`count` ascending upload times between 2012 and a month before TODAY."""
    end = TODAY - timedelta(days=30)
    first = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 12 * 365))
    last = min(end, first + timedelta(days=rng.randrange(count * 20, count * 120 + 1)))
    if rng.random() < 0.6:
        last = end - timedelta(days=rng.randrange(0, 400))  # most projects are maintained
    last = max(last, first + timedelta(days=count))
    span = (last - first).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(count - 2))
    moments = [first] + [first + timedelta(seconds=o) for o in offsets] + [last]
    out, prev = [], None
    for m in moments:
        if m.hour == m.minute == m.second == 0:  # the ends fall on midnight: give them a time of day
            m += timedelta(seconds=rng.randrange(6 * 3600, 22 * 3600))
        m = m.replace(microsecond=0)
        if prev is not None and m <= prev:
            m = prev + timedelta(hours=1)
        out.append(m)
        prev = m
    return out


def make_packages(n: int, seed: int = SEED) -> tuple[list[Pkg], list[int]]:
    """n packages and the indexes of the root's direct dependencies.

    Edges only go from a lower to a higher index (a DAG); every package is reachable
    from the root; each package depends on 0-3 others.
    """
    rng = random.Random(seed)
    pool = [f"maintainer-{i:02d}" for i in range(60)]
    pkgs: list[Pkg] = []
    for i in range(n):
        count = rng.randint(5, 30)
        versions = _versions(rng, count)
        releases = dict(zip(versions, _dates(rng, count)))
        # Locked: usually the latest, sometimes one of the few before it.
        locked = versions[-1] if rng.random() < 0.7 else versions[-rng.randint(2, min(4, count))]
        pkgs.append(Pkg(f"bench-pkg-{i + 1:04d}", releases, locked, maintainers=rng.sample(pool, rng.randint(1, 3))))
    direct = list(range(min(n, 8)))
    # A spanning tree: every non-direct package gets one parent with room (< 3 deps), preferring a recent one.
    for j in range(len(direct), n):
        near = [i for i in range(max(0, j - 40), j) if len(pkgs[i].deps) < 3]
        anywhere = near or [i for i in range(j) if len(pkgs[i].deps) < 3]
        pkgs[rng.choice(anywhere)].deps.append(j)
    # Shared dependencies (diamonds), still downward and at most 3 each.
    for i in range(n - 1):
        while len(pkgs[i].deps) < 3 and rng.random() < 0.35:
            j = rng.randrange(i + 1, min(n, i + 120))
            if j not in pkgs[i].deps:
                pkgs[i].deps.append(j)
    for p in pkgs:
        p.deps.sort()
    return pkgs, direct


def _lower_bound(version: str) -> str:
    major, minor, _ = version.split(".")
    return f"{major}.{minor}"


def wheel_tags(count: int) -> list[str]:
    """`count` wheel tags: py3-none-any alone, or CPython/platform combinations like a compiled project."""
    if count <= 1:
        return ["py3-none-any"]
    platforms = ["manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64",
                 "macosx_11_0_arm64", "macosx_10_9_x86_64", "win_amd64", "win32"]
    tags = [f"cp3{minor}-cp3{minor}-{plat}" for minor in range(9, 15) for plat in platforms]
    return tags[:count]


def write_snapshot(root: Path, pkgs: list[Pkg], tags: list[str]) -> None:
    for p in pkgs:
        versions = list(p.releases)
        requires = [f"{pkgs[d].name}>={_lower_bound(pkgs[d].locked)}" for d in p.deps]
        pypi_project(
            root, p.name, p.releases,
            maintainers=p.maintainers,
            author_email=f"{p.maintainers[0]}@example.test",
            summary=f"Synthetic benchmark package {p.name}.",
            requires_dist={versions[0]: requires},  # carries forward to every release
            requires_python=">=3.9",
            wheel_tags=tags,
        )


def _file_entry(name: str, version: str, filename: str, uploaded: datetime) -> str:
    sha = file_sha256(name, version, filename)
    url = f"{FILE_HOST}/packages/{sha[:2]}/{sha[2:4]}/{sha[4:]}/{filename}"
    stamp = uploaded.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f'{{ url = "{url}", hash = "sha256:{sha}", upload-time = "{stamp}" }}'


def write_project(directory: Path, pkgs: list[Pkg], direct: list[int], index_url: str, tags: list[str]) -> None:
    """pyproject.toml + uv.lock (uv's format, as in tests/collect/fixtures/uv.lock.basic)."""
    directory.mkdir(parents=True, exist_ok=True)
    specs = [(pkgs[d].name, f">={_lower_bound(pkgs[d].locked)}") for d in direct]
    deps_toml = "".join(f'    "{n}{s}",\n' for n, s in specs)
    (directory / "pyproject.toml").write_text(
        '[project]\nname = "bench-app"\nversion = "0.1.0"\n'
        'description = "chainwarden benchmark project (generated by bench/bench_scan.py)"\n'
        f'requires-python = ">=3.10"\ndependencies = [\n{deps_toml}]\n',
        encoding="utf-8",
    )
    entries: list[tuple[str, str]] = []  # (name, text), sorted by name as uv writes them
    text = (
        '[[package]]\nname = "bench-app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        "dependencies = [\n" + "".join(f'    {{ name = "{n}" }},\n' for n, _ in specs) + "]\n\n"
        "[package.metadata]\nrequires-dist = [\n"
        + "".join(f'    {{ name = "{n}", specifier = "{s}" }},\n' for n, s in specs)
        + "]\n"
    )
    entries.append(("bench-app", text))
    for p in pkgs:
        stem = p.name.replace("-", "_")
        uploaded = p.releases[p.locked]
        lines = [f'[[package]]\nname = "{p.name}"\nversion = "{p.locked}"\nsource = {{ registry = "{index_url}" }}\n']
        if p.deps:
            lines.append("dependencies = [\n" + "".join(f'    {{ name = "{pkgs[d].name}" }},\n' for d in p.deps) + "]\n")
        lines.append("sdist = " + _file_entry(p.name, p.locked, f"{stem}-{p.locked}.tar.gz", uploaded) + "\n")
        wheels = [_file_entry(p.name, p.locked, f"{stem}-{p.locked}-{tag}.whl", uploaded + timedelta(seconds=7 * (i + 1)))
                  for i, tag in enumerate(tags)]
        lines.append("wheels = [\n" + "".join(f"    {w},\n" for w in wheels) + "]\n")
        entries.append((p.name, "".join(lines)))
    entries.sort()
    header = 'version = 1\nrevision = 5\nrequires-python = ">=3.10"\n\n'
    (directory / "uv.lock").write_text(header + "\n".join(t for _, t in entries), encoding="utf-8")


# --------------------------------------------------------------------------- running scans


class BenchFailure(Exception):
    pass


@dataclass
class Run:
    label: str
    seconds: float
    cpu: float  # user + system seconds of the child
    rss_mb: float
    requests: int
    conditional: int
    packages: int


class Runner:
    def __init__(self, project: Path, work: Path, server: RegistryServer | None, deadline: float, expected: int,
                 child_timeout: float = CHILD_TIMEOUT) -> None:
        self.project = project
        self.work = work
        self.server = server
        self.deadline = deadline
        self.expected = expected
        self.child_timeout = child_timeout
        self.count = 0
        self.env = _child_env()

    def sbom(self, label: str, extra: list[str]) -> Run:
        """`chainwarden sbom` (CycloneDX): it must exit 0 and list every package as a component."""
        self.count += 1
        out = self.work / f"sbom-{self.count}.json"
        log = self.work / f"stderr-{self.count}.txt"
        cmd = [sys.executable, "-m", "chainwarden", "sbom", str(self.project), "--no-progress", "--output", str(out), *extra]
        seconds, status, usage, timed_out = self._child(label, cmd, log)
        if status != 0:
            raise BenchFailure(f"{label}: exit status {status}\n  command: {' '.join(cmd)}\n{_indent(log.read_text(errors='replace'))}")
        try:
            bom = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BenchFailure(f"{label}: could not read the SBOM {out}: {exc}") from None
        n = len(bom.get("components", []))
        if n != self.expected:
            raise BenchFailure(f"{label}: the SBOM lists {n} components, expected {self.expected}")
        return Run(label, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / _rss_unit_per_mb(), 0, 0, n)

    def _child(self, label: str, cmd: list[str], log: Path) -> tuple[float, int, Any, bool]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 5:
            raise BenchFailure(f"{label}: out of time budget")
        limit = min(self.child_timeout, remaining)
        result = _run_child(cmd, self.work, self.env, log, limit)
        if result[3]:
            raise BenchFailure(f"{label}: killed after {limit:.0f} s\n  command: {' '.join(cmd)}")
        return result

    def scan(self, label: str, extra: list[str]) -> Run:
        self.count += 1
        out = self.work / f"report-{self.count}.json"
        log = self.work / f"stderr-{self.count}.txt"
        cmd = [sys.executable, "-m", "chainwarden", "scan", str(self.project), "--format", "json",
               "--no-progress", "--output", str(out), *extra]
        before = len(self.server.requests) if self.server else 0
        remaining = self.deadline - time.monotonic()
        if remaining <= 5:
            raise BenchFailure(f"{label}: out of time budget ({TOTAL_BUDGET:.0f} s for the whole bench)")
        limit = min(self.child_timeout, remaining)
        seconds, status, usage, timed_out = _run_child(cmd, self.work, self.env, log, limit)
        new = self.server.requests[before:] if self.server else []
        stderr = log.read_text(encoding="utf-8", errors="replace").strip()
        if timed_out:
            raise BenchFailure(f"{label}: killed after {limit:.0f} s\n  command: {' '.join(cmd)}\n{_indent(stderr)}")
        if status not in (0, 1):  # 1: the policy failed the run (findings on the generated packages), a valid report
            raise BenchFailure(f"{label}: exit status {status}\n  command: {' '.join(cmd)}\n{_indent(stderr)}")
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BenchFailure(f"{label}: could not read the JSON report {out}: {exc}") from None
        packages = report.get("packages", [])
        n = len(packages)
        if n != self.expected or report.get("summary", {}).get("packages") != self.expected:
            raise BenchFailure(f"{label}: the report lists {n} packages (summary: "
                               f"{report.get('summary', {}).get('packages')}), expected {self.expected}")
        missing = [p["name"] for p in packages if not (p.get("registry") or {}).get("exists")]
        if missing:
            skipped = report.get("skipped", [])[:3]
            raise BenchFailure(f"{label}: {len(missing)} packages have no registry facts (e.g. {missing[:3]}); "
                               f"skipped: {skipped}")
        return Run(label, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / _rss_unit_per_mb(), len(new),
                   sum(1 for r in new if "if-none-match" in r.headers or "if-modified-since" in r.headers), n)


def _rss_unit_per_mb() -> float:
    return 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # ru_maxrss: bytes on macOS, KiB on Linux


def _run_child(cmd: list[str], cwd: Path, env: dict[str, str], log: Path, limit: float) -> tuple[float, int, Any, bool]:
    """Run `cmd`; return (wall seconds, exit status, the child's rusage, timed out).

    The child is reaped with os.wait4, which gives that child's own rusage (getrusage
    RUSAGE_CHILDREN only keeps the maximum over all children so far).
    """
    timed_out = threading.Event()
    with open(log, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the child's own session: only what we started
            except ProcessLookupError:
                pass

        timer = threading.Timer(limit, kill)
        timer.start()
        try:
            _, wait_status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped here; keep Popen from waiting again
    return seconds, proc.returncode, usage, timed_out.is_set()


def _child_env() -> dict[str, str]:
    # The synthetic project is judged on its own: not this machine's pip/uv/npm index settings (extra indexes in
    # a pip.conf would have every scan compare the packages with the public index: decision 0009).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHAINWARDEN_", "PIP_INDEX", "PIP_EXTRA", "UV_", "NPM_CONFIG_REGISTRY", "npm_config_registry"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="bench-config-")
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY", "")]))
    if env.get("PYTHONPATH"):  # children run in a temporary directory: make relative entries absolute
        env["PYTHONPATH"] = os.pathsep.join(str(Path(e).resolve()) for e in env["PYTHONPATH"].split(os.pathsep) if e)
    if importlib.util.find_spec("chainwarden") is None:  # a checkout without an install: use src/
        src = str(REPO / "src")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH", "")]))
    return env


def _indent(text: str) -> str:
    lines = text.splitlines()[-20:] or ["(no stderr)"]
    return "\n".join("    " + line for line in lines)


def _chainwarden_location(env: dict[str, str]) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", "import chainwarden, sys; print(chainwarden.__version__, chainwarden.__file__)"],
                             env=env, capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or out.stderr.strip().splitlines()[-1]
    except (subprocess.TimeoutExpired, IndexError):
        return "?"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `chainwarden scan` on a synthetic uv project.")
    parser.add_argument("--packages", type=int, default=500, help="locked packages (default 500)")
    parser.add_argument("--latency", type=float, default=0.02, help="simulated seconds per response (default 0.02)")
    parser.add_argument("--warm-runs", type=int, default=3, help="warm scans; the median is reported (default 3)")
    parser.add_argument("--wheels", type=int, default=1,
                        help="wheels per release (default 1, py3-none-any; up to 42 CPython/platform tags)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print where it is")
    parser.add_argument("--concurrency", type=int, default=None, help="pass --concurrency N to chainwarden (default: its own)")
    parser.add_argument("--growth", nargs="?", const="5000,10000,20000", default=None, metavar="N,N,...",
                        help="instead: offline `scan` and `sbom` (--registry-snapshot) at each size "
                             "(default 5000,10000,20000) and the growth exponent; about 10 minutes")
    args = parser.parse_args(argv)
    if args.growth is not None:
        try:
            sizes = sorted({int(n) for n in args.growth.split(",")})
        except ValueError:
            parser.error("--growth takes sizes like 5000,10000,20000")
        if len(sizes) < 2 or sizes[0] < 10:
            parser.error("--growth needs two sizes or more, each >= 10")
        tmp = Path(tempfile.mkdtemp(prefix="cw-bench-growth-"))
        try:
            return growth(sizes, tmp, time.monotonic() + GROWTH_BUDGET, args.wheels)
        except BenchFailure as exc:
            print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            if args.keep:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    if args.packages < 10 or args.warm_runs < 1 or args.latency < 0:
        parser.error("--packages >= 10, --warm-runs >= 1, --latency >= 0")

    deadline = time.monotonic() + TOTAL_BUDGET
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    try:
        return _bench(args, tmp, deadline)
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path, deadline: float) -> int:
    snapshot, project, cache, work = tmp / "snapshot", tmp / "project", tmp / "cache", tmp / "runs"
    work.mkdir()
    env = _child_env()
    print(f"chainwarden: {_chainwarden_location(env)}")
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")

    t0 = time.perf_counter()
    pkgs, direct = make_packages(args.packages)
    tags = wheel_tags(args.wheels)
    write_snapshot(snapshot, pkgs, tags)
    edges = sum(len(p.deps) for p in pkgs)
    releases = sum(len(p.releases) for p in pkgs)
    size = sum(f.stat().st_size for f in (snapshot / "pypi").glob("*.json"))
    print(f"generated {len(pkgs)} packages ({len(direct)} direct, {edges} edges, {releases} releases, "
          f"{1 + len(tags) if len(tags) > 1 else 2} files each; project documents {size / len(pkgs) / 1024:.0f} KiB "
          f"on average, {size / 2**20:.1f} MiB in all) in {time.perf_counter() - t0:.1f} s")

    with RegistryServer(snapshot) as server:
        server.delay(args.latency)
        print(f"test registry at {server.url} (loopback); SIMULATED latency: {args.latency * 1000:.0f} ms "
              "added to every response by server.delay()")
        write_project(project, pkgs, direct, server.pypi_index_url, tags)
        index = ["--index-url", server.pypi_index_url, "--cache-dir", str(cache)]
        if args.concurrency:
            index += ["--concurrency", str(args.concurrency)]
        runner = Runner(project, work, server, deadline, len(pkgs))

        cold = runner.scan("cold", index)
        warm = [runner.scan(f"warm {i + 1}", index) for i in range(args.warm_runs)]
        revalidate = runner.scan("revalidate", [*index, "--cache-ttl", "0"])
        runner.server = None
        snap = runner.scan("snapshot", ["--registry-snapshot", str(snapshot), "--cache-dir", str(cache)])

    warm_median = statistics.median(r.seconds for r in warm)
    peak = max([cold, *warm, revalidate, snap], key=lambda r: r.rss_mb)
    runs = [cold, *warm, revalidate, snap]

    print()
    print(f"{'run':<12} {'wall s':>7} {'CPU s':>6} {'peak RSS MB':>12} {'HTTP requests':>14} {'conditional':>12}")
    for r in runs:
        req = "-" if r.label == "snapshot" else str(r.requests)
        cond = "-" if r.label == "snapshot" else str(r.conditional)
        print(f"{r.label:<12} {r.seconds:>7.2f} {r.cpu:>6.2f} {r.rss_mb:>12.1f} {req:>14} {cond:>12}")

    def verdict(value: float, target: float) -> str:
        return "ok" if value < target else "OVER TARGET"

    print()
    print(f"{len(pkgs)} packages, {args.latency * 1000:.0f} ms simulated latency, loopback:")
    print(f"  {'measure':<34} {'value':>9}   {'target':<9} ")
    rows = [
        ("cold scan (empty cache)", f"{cold.seconds:.2f} s", f"< {TARGETS['cold']:.0f} s", verdict(cold.seconds, TARGETS["cold"])),
        (f"warm scan (median of {len(warm)})", f"{warm_median:.2f} s", f"< {TARGETS['warm']:.0f} s", verdict(warm_median, TARGETS["warm"])),
        (f"peak memory ({peak.label})", f"{peak.rss_mb:.0f} MB", f"< {TARGETS['rss_mb']:.0f} MB", verdict(peak.rss_mb, TARGETS["rss_mb"])),
        ("HTTP requests, cold", str(cold.requests), "", ""),
        ("HTTP requests, warm (each)", "/".join(str(r.requests) for r in warm), "", ""),
        ("revalidating scan (--cache-ttl 0)", f"{revalidate.seconds:.2f} s", "", f"{revalidate.requests} requests, {revalidate.conditional} conditional"),
        ("--registry-snapshot scan (no HTTP)", f"{snap.seconds:.2f} s", "", ""),
    ]
    for name, value, target, note in rows:
        print(f"  {name:<34} {value:>9}   {target:<9} {note}")
    print("\n(timings are reported, not asserted; latency is simulated by the test server)")
    return 0


def exponent(sizes: list[int], values: list[float]) -> float:
    """The slope of log(value) over log(size), least squares: 1 is linear growth, 2 quadratic."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(max(v, 1e-9)) for v in values]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def growth(sizes: list[int], tmp: Path, deadline: float, wheels: int) -> int:
    """Offline `scan --format json` and `sbom` (CycloneDX) of the synthetic project at each size, one run
    each, from a registry snapshot (no HTTP: what grows is chainwarden's own work), and the exponents."""
    env = _child_env()
    print(f"chainwarden: {_chainwarden_location(env)}")
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; growth over {sizes} packages")
    tags = wheel_tags(wheels)
    rows: list[tuple[int, Run, Run]] = []
    for n in sizes:
        base = tmp / str(n)
        t0 = time.perf_counter()
        pkgs, direct = make_packages(n)
        write_snapshot(base / "snapshot", pkgs, tags)
        write_project(base / "project", pkgs, direct, "http://127.0.0.1:9/simple", tags)
        edges = sum(len(p.deps) for p in pkgs)
        print(f"  {n} packages, {edges} edges: generated in {time.perf_counter() - t0:.0f} s", flush=True)
        (base / "runs").mkdir()
        runner = Runner(base / "project", base / "runs", None, deadline, n, child_timeout=GROWTH_CHILD_TIMEOUT)
        offline = ["--registry-snapshot", str(base / "snapshot"), "--cache-dir", str(base / "cache")]
        scan = runner.scan(f"scan {n}", offline)
        sbom = runner.sbom(f"sbom {n}", offline)
        print(f"    scan {scan.seconds:.1f} s ({scan.cpu:.1f} s CPU, {scan.rss_mb:.0f} MB); "
              f"sbom {sbom.seconds:.1f} s ({sbom.cpu:.1f} s CPU, {sbom.rss_mb:.0f} MB)", flush=True)
        rows.append((n, scan, sbom))
        shutil.rmtree(base, ignore_errors=True)

    print()
    print(f"{'packages':>9} {'scan wall s':>12} {'CPU s':>7} {'peak MB':>8} {'sbom wall s':>12} {'CPU s':>7} {'peak MB':>8}")
    for n, scan, sbom in rows:
        print(f"{n:>9} {scan.seconds:>12.1f} {scan.cpu:>7.1f} {scan.rss_mb:>8.0f} {sbom.seconds:>12.1f} {sbom.cpu:>7.1f} {sbom.rss_mb:>8.0f}")
    ns = [n for n, _, _ in rows]
    print()
    print(f"growth exponent (CPU time; 1 = linear, 2 = quadratic): scan {exponent(ns, [r.cpu for _, r, _ in rows]):.2f}, "
          f"sbom {exponent(ns, [r.cpu for _, _, r in rows]):.2f}; peak memory: scan {exponent(ns, [r.rss_mb for _, r, _ in rows]):.2f}, "
          f"sbom {exponent(ns, [r.rss_mb for _, _, r in rows]):.2f}")
    n, scan, _ = rows[-1]
    verdict = "ok" if scan.seconds < GROWTH_TARGET["seconds"] and scan.rss_mb < GROWTH_TARGET["rss_mb"] else "OVER TARGET"
    print(f"{n}-package offline scan: {scan.seconds:.1f} s, {scan.rss_mb:.0f} MB "
          f"(target < {GROWTH_TARGET['seconds']:.0f} s and < {GROWTH_TARGET['rss_mb']:.0f} MB at 20,000) {verdict}")
    print("(timings are reported, not asserted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
