"""Benchmark the collectors on large and hostile inputs: time must grow linearly with the input.

    python bench/bench_inputs.py              # from the repository root; ~1 minute
    python bench/bench_inputs.py --size 5000  # entries per file at the first size (the second is 4x)

What it does (see bench/README.md):

1. for every input format, writes a valid file of N and of 4N entries (packages, dependency lines,
   lock entries with edges) in a temporary directory and times `collect_paths` on each, in this
   process; the ratio of the two times is ~4 when the reader is linear (~16 when quadratic);
2. runs ``python -m chainwarden scan DIR --format json --offline --no-dns`` as a child process on
   the hostile inputs of issue 12 (200,000 repeated requirement lines, a 2 MB line, a requirements
   file linked to /dev/zero, a 5,000-digit number in a lockfile) and prints wall time and peak RSS
   (``os.wait4`` rusage).

Figures are printed, never asserted; the exit status is non-zero only when a scan fails (an exit
status of 4, a timeout, or unreadable output).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("chainwarden") is None:
    sys.path.insert(0, str(ROOT / "src"))

from chainwarden.collect import CollectContext, collect_paths  # noqa: E402


def generate(fmt: str, n: int) -> tuple[str, str]:
    """(file name, text) of a valid input of `fmt` with `n` entries."""
    if fmt == "requirements (pip-compile)":
        return "requirements.txt", "".join(f"pkg{i}==1.{i}\n    # via\n    #   -r requirements.in\n    #   pkg{i - 1}\n" for i in range(n))
    if fmt == "requirements (hashes)":
        return "requirements.txt", "".join(f"pkg{i}==1.{i} \\\n    --hash=sha256:{'a' * 64}\n" for i in range(n))
    if fmt == "pyproject.toml":
        return "pyproject.toml", ("[project]\nname = 'x'\ndependencies = [\n" + "".join(f'  "pkg{i}>=1",\n' for i in range(n))
                                  + "]\n[tool.poetry.dependencies]\n" + "".join(f'p{i} = "^1.0"\n' for i in range(n)))
    if fmt == "Pipfile":
        return "Pipfile", "[packages]\n" + "".join(f'pkg{i} = "==1.{i}"\n' for i in range(n))
    if fmt == "Pipfile.lock":
        return "Pipfile.lock", json.dumps({"_meta": {}, "default": {
            f"pkg{i}": {"version": f"==1.{i}", "hashes": ["sha256:" + "a" * 64]} for i in range(n)}}, indent=4)
    if fmt == "poetry.lock":
        return "poetry.lock", "".join(f'[[package]]\nname = "pkg{i}"\nversion = "1.{i}"\noptional = false\n'
                                      f'[package.dependencies]\npkg{i + 1} = ">=1"\n\n' for i in range(n))
    if fmt == "uv.lock":
        return "uv.lock", "version = 1\n" + "".join(
            f'[[package]]\nname = "pkg{i}"\nversion = "1.{i}"\nsource = {{ registry = "https://index.invalid/simple" }}\n'
            f'dependencies = [{{ name = "pkg{i + 1}" }}]\n\n' for i in range(n))
    if fmt == "pdm.lock":
        return "pdm.lock", "".join(f'[[package]]\nname = "pkg{i}"\nversion = "1.{i}"\ngroups = ["default"]\n'
                                   f'dependencies = ["pkg{i + 1}>=1"]\n\n' for i in range(n))
    if fmt == "pylock.toml":
        return "pylock.toml", 'lock-version = "1.0"\n' + "".join(
            f'[[packages]]\nname = "pkg{i}"\nversion = "1.{i}"\nindex = "https://index.invalid/simple"\n\n' for i in range(n))
    if fmt == "package.json":
        return "package.json", json.dumps({"name": "x", "dependencies": {f"pkg{i}": f"^1.{i}.0" for i in range(n)}}, indent=2)
    if fmt == "package-lock.json":
        packages: dict[str, object] = {"": {"name": "x", "dependencies": {f"pkg{i}": "^1.0.0" for i in range(n)}}}
        for i in range(n):
            packages[f"node_modules/pkg{i}"] = {"version": f"1.0.{i}", "resolved": f"https://index.invalid/npm/pkg{i}/-/pkg{i}-1.0.{i}.tgz",
                                                "integrity": "sha512-abc", "dependencies": {f"pkg{i + 1}": "^1"}}
        return "package-lock.json", json.dumps({"name": "x", "lockfileVersion": 3, "packages": packages}, indent=2)
    if fmt == "yarn.lock (classic)":
        return "yarn.lock", "# yarn lockfile v1\n\n" + "".join(
            f'pkg{i}@^1.0.0:\n  version "1.0.{i}"\n  resolved "https://index.invalid/npm/pkg{i}/-/pkg{i}-1.0.{i}.tgz"\n'
            f'  dependencies:\n    pkg{i + 1} "^1.0.0"\n\n' for i in range(n))
    if fmt == "pnpm-lock.yaml":
        return "pnpm-lock.yaml", ("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
                                  + "".join(f"      pkg{i}:\n        specifier: ^1.0.0\n        version: 1.0.{i}\n" for i in range(n))
                                  + "packages:\n" + "".join(f"  pkg{i}@1.0.{i}:\n    resolution: {{integrity: sha512-abc}}\n" for i in range(n))
                                  + "snapshots:\n" + "".join(f"  pkg{i}@1.0.{i}:\n    dependencies:\n      pkg{i + 1}: 1.0.{i + 1}\n"
                                                             for i in range(n)))
    raise ValueError(fmt)


FORMATS = ["requirements (pip-compile)", "requirements (hashes)", "pyproject.toml", "Pipfile", "Pipfile.lock", "poetry.lock",
           "uv.lock", "pdm.lock", "pylock.toml", "package.json", "package-lock.json", "yarn.lock (classic)", "pnpm-lock.yaml"]


def time_collect(tmp: Path, fmt: str, n: int) -> float:
    folder = Path(tempfile.mkdtemp(dir=tmp))
    name, text = generate(fmt, n)
    (folder / name).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    collect_paths([folder], CollectContext(display_base=folder))
    return time.perf_counter() - started


def hostile(tmp: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}

    def project(name: str) -> Path:
        folder = tmp / "hostile" / name
        folder.mkdir(parents=True)
        out[name] = folder
        return folder

    (project("200,000 repeated lines") / "requirements.txt").write_text("requests==2.31.0\n" * 200_000)
    (project("a 2 MB line") / "requirements.txt").write_text("requests==2.31.0\na" + " " * (2 * 1024 * 1024) + "b\n")
    if Path("/dev/zero").exists():
        (project("requirements.txt -> /dev/zero") / "requirements.txt").symlink_to("/dev/zero")
    (project("a 5,000-digit number") / "package-lock.json").write_text('{"lockfileVersion": ' + "9" * 5000 + ', "packages": {}}')
    return out


def run_child(folder: Path, cache: Path) -> tuple[int, float, float, int]:
    """(exit status, wall seconds, peak RSS MiB, skips) of one scan in a child process."""
    env = dict(os.environ)
    if Path(sys.modules["chainwarden"].__file__ or "").resolve().is_relative_to(ROOT / "src"):
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    out = cache / f"report-{time.monotonic_ns()}.json"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "chainwarden", "scan", str(folder), "--format", "json", "--output", str(out),
                             "--offline", "--no-dns", "--cache-dir", str(cache), "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    skips = len(json.loads(out.read_text())["skipped"]) if out.exists() else -1
    return proc.returncode, wall, usage.ru_maxrss / 1024, skips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000, help="entries per file at the first size (default 2000)")
    args = parser.parse_args()
    print(f"chainwarden from {Path(sys.modules['chainwarden'].__file__ or '').parent}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="cw-bench-inputs-") as t:
        tmp = Path(t)
        print(f"\n{'input':28} {'N=' + str(args.size):>10} {'4N':>10} {'ratio':>7}   (linear: ~4)")
        for fmt in FORMATS:
            small, large = time_collect(tmp, fmt, args.size), time_collect(tmp, fmt, 4 * args.size)
            print(f"{fmt:28} {small:9.2f}s {large:9.2f}s {large / max(small, 1e-6):7.1f}", flush=True)
        print(f"\n{'hostile input (scan, child process)':40} {'exit':>4} {'wall':>8} {'peak RSS':>10} {'skips':>6}")
        cache = tmp / "cache"
        cache.mkdir()
        for name, folder in hostile(tmp).items():
            code, wall, rss, skips = run_child(folder, cache)
            failed |= code == 4 or skips < 0
            print(f"{name:40} {code:4} {wall:7.2f}s {rss:8.0f} MiB {skips:6}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
