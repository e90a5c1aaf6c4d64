"""How fast the command line starts, and what `check-name -` costs on every name of an index.

    python bench/bench_startup.py                      # this checkout
    python bench/bench_startup.py --src ../main/src    # another checkout's sources, to compare
    python bench/bench_startup.py --names 0            # skip the check-name stream

1. Start-up: each command that asks no index (`--version`, `explain`, `explain typosquat`, `check-name
   reqeusts`, `inspect` of a small wheel) run --runs times in a fresh interpreter; the median wall time is
   printed, and the import time of chainwarden's own import of `chainwarden.cli.main` from
   ``python -X importtime``. Target (issue 14): `--version` under 100 ms.
2. Streaming: every name of ../shared/data/pypi-all-names.txt (886,000) through `check-name -`: the time
   to the first answer line (a stream must not wait for the end of its input), the whole run, and the
   child's peak memory (VmHWM). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAMES = REPO.parent / "shared" / "data" / "pypi-all-names.txt"


def _env(src: Path) -> dict[str, str]:
    """The sources on the path, and compiled modules kept (in a cache of the bench's own, so that no checkout gets
    __pycache__ folders) as an installed package has them: with PYTHONDONTWRITEBYTECODE every start recompiles."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "chainwarden-bench-pycache")}


def _wheel(folder: Path) -> Path:
    path = folder / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("demo/__init__.py", "import os\n\ndef hello():\n    return os.getcwd()\n")
        z.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    return path


def _median_ms(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a command, in ms: on a loaded machine the wall
    time waits for a core, the CPU time does not."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "chainwarden", *argv], env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(times), statistics.median(cpu)


def _floor_ms(runs: int) -> tuple[float, float]:
    """The interpreter alone (`python -c pass`): what no change to chainwarden can go below (wall, CPU)."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        times.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(times), statistics.median(cpu)


def _import_ms(env: dict[str, str], module: str) -> float:
    """Cumulative import time of `module` as -X importtime reports it (median of 5)."""
    out = []
    for _ in range(5):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], env=env,
                             capture_output=True, text=True, check=False).stderr
        line = next(ln for ln in reversed(err.splitlines()) if ln.rstrip().endswith(f"| {module}"))
        out.append(int(line.split("|")[1]) / 1000)
    return statistics.median(out)


def _peak_kib(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return
        stop.wait(0.05)


def _stream(env: dict[str, str], limit: int) -> None:
    lines = NAMES.read_bytes().splitlines(keepends=True)[:limit]
    proc = subprocess.Popen([sys.executable, "-m", "chainwarden", "check-name", "-"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    peak, stop = [0], threading.Event()
    watcher = threading.Thread(target=_peak_kib, args=(proc.pid, stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()
    first: list[float] = []

    def feed() -> None:
        assert proc.stdin is not None
        for line in lines:
            proc.stdin.write(line)
        proc.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    answers = 0
    for _ in proc.stdout:
        if not first:
            first.append(time.perf_counter() - start)
        answers += 1
    proc.wait()
    total = time.perf_counter() - start
    stop.set()
    print(f"check-name -: {len(lines):,} names in, {answers:,} lines out, first answer after "
          f"{first[0] * 1000 if first else float('nan'):.0f} ms, all in {total:.1f} s "
          f"({len(lines) / total:,.0f} names/s), peak {peak[0] / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=REPO / "src", help="the chainwarden sources to measure")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--names", type=int, default=10**9, help="how many names to stream (0: none)")
    args = parser.parse_args()
    env = _env(args.src.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _wheel(Path(tmp))
        _median_ms(["--version"], env, 1)  # warm the file cache
        wall, cpu = _floor_ms(args.runs)
        print(f"{args.src}: python -c pass {wall:.0f} ms wall, {cpu:.0f} ms CPU (the floor); import chainwarden.cli.main "
              f"{_import_ms(env, 'chainwarden.cli.main'):.0f} ms (-X importtime)")
        for argv in (["--version"], ["explain"], ["explain", "typosquat"], ["check-name", "reqeusts"],
                     ["inspect", str(wheel)]):
            label = " ".join("WHEEL" if a == str(wheel) else a for a in argv)
            wall, cpu = _median_ms(argv, env, args.runs)
            print(f"  chainwarden {label:24} {wall:6.0f} ms wall {cpu:6.0f} ms CPU (medians of {args.runs})")
    if args.names and NAMES.exists():
        _stream(env, args.names)


if __name__ == "__main__":
    main()
