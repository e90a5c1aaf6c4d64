"""Fuzz chainwarden's readers with mutated real inputs: crashes, hangs and peak memory.

    python bench/bench_fuzz.py                       # from the repository root; ~2,000 cases, at most 10 minutes
    python bench/bench_fuzz.py --cases 500 --seconds 120 --seed 7 --targets collect,archive
    python bench/bench_fuzz.py --save-dir /tmp/fuzz  # keep every crashing or hanging input there

What it does:

1. **Seeds** are the repository's own real inputs: the collector conformance fixtures
   (``tests/collect/fixtures``: lockfiles and manifests written by the real tools), the test
   registry's documents (``tests/registry/data``: PyPI JSON API, npm packuments) and its archives
   (wheels, sdists, npm tarballs).
2. **Mutations** (seeded, so a run can be repeated): collector fixtures are mutated by the tests' own
   collector fuzzer (``tests/hostile/_fuzz.py``: structure-aware for JSON, TOML and YAML, byte and line
   damage, junk lines such as ``-r /proc/self/environ``); documents and archives by byte flips,
   interesting bytes (NUL, 0xff, quotes, brackets, newlines, control and bidi characters), deletions,
   duplications, insertions, truncation, splices of two seeds, and, in documents, a value replaced with a
   5,000-digit number, a 100,000-deep nesting, a megabyte string, another type or a secret-looking value.
3. **Targets**, each a real entry point:
   * ``collect``: the mutated file under its real name in a folder, read by ``collect_paths``
     (what ``scan`` does first); it must never raise;
   * ``scan``: the same through the whole CLI, ``chainwarden scan DIR --offline --no-dns`` with an
     empty cache, in a random report format; exit 4 (internal error) or an output that is not valid
     JSON (json, sarif, cyclonedx, spdx) is a crash, and so is a planted fake secret showing up in it;
   * ``document``: a mutated index document through the registry parsers and ``facts_for``; anything
     but the parsers' own ``DocumentError`` is a crash;
   * ``archive``: a mutated wheel, sdist or npm tarball through ``chainwarden inspect FILE --format json``
     (safe unpacker + code analysis); exit 4, invalid JSON or a file written outside the work
     directory is a crash.
4. Each case runs in a **worker process** under a memory limit (``RLIMIT_AS``); a case that runs past
   ``--case-timeout`` is a hang (the worker is killed and replaced), a ``MemoryError`` or a worker
   killed by the limit is a memory blow-up. Peak memory is the workers' largest resident set.

Prints cases run per target, crashes, hangs, memory blow-ups, the peak memory and the slowest cases,
and a one-line summary of each failure (target, seed, mutations, what happened). Figures are printed,
never asserted; the exit status is 1 when anything crashed or hung, so the script can gate a CI job.
Standard library and chainwarden only. Nothing here touches the network: ``scan`` runs ``--offline``.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

COLLECT_SEEDS = REPO / "tests" / "collect" / "fixtures"
REGISTRY = REPO / "tests" / "registry" / "data"
FAKE_SECRET = "ghp_FUZZSECRETFUZZSECRETFUZZSECRET0123"  # planted in inputs: it must never reach a report
TARGETS = ("collect", "scan", "document", "archive")
FORMATS = ("terminal", "json", "sarif", "markdown", "cyclonedx", "spdx")
JSON_FORMATS = {"json", "sarif", "cyclonedx", "spdx"}


# --- seeds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    target: str  # "collect" seeds also feed "scan"
    name: str  # the file name the input must have (collectors find inputs by name)
    kind: str  # "fixture" (a collector fixture: mutated by tests/hostile/_fuzz.py), "pypi-json", "npm", "binary"
    data: bytes
    fixture: str = ""  # the collector fixture's own name (``uv.lock.basic``)


def load_seeds() -> dict[str, list[Seed]]:
    from tests.helpers import real_name
    from tests.hostile import _fuzz

    seeds: dict[str, list[Seed]] = {t: [] for t in TARGETS}
    for path in _fuzz.fixtures():
        seed = Seed("collect", real_name(path.name), "fixture", path.read_bytes(), path.name)
        seeds["collect"].append(seed)
        seeds["scan"].append(seed)
    for path in sorted((REGISTRY / "pypi").glob("*.json")):
        seeds["document"].append(Seed("document", path.name, "pypi-json", path.read_bytes()))
    for path in sorted((REGISTRY / "npm").rglob("*.json")):
        seeds["document"].append(Seed("document", path.name, "npm", path.read_bytes()))
    for path in sorted((REGISTRY / "files").iterdir()):
        if path.is_file():
            seeds["archive"].append(Seed("archive", path.name, "binary", path.read_bytes()))
    return seeds


# --- mutations ---------------------------------------------------------------------------------

INTERESTING = [b"\x00", b"\xff", b'"', b"'", b"{", b"}", b"[", b"]", b"\n", b"\r", b"\\", b"#", b"=", b":",
               b"\x1b[31m", "\u202e".encode(), b"-r /proc/self/environ\n", b"../../", b"\t"]
VALUES = [
    "1" * 5000,  # past Python's int digit limit
    "-" + "9" * 400,
    "1e999999",
    '"' + "A" * (1 << 20) + '"',
    '"\\u0000\\u001b[2J\\u202e"',
    f'"{FAKE_SECRET}"',
    f'"https://user:{FAKE_SECRET}@index.invalid/simple"',
    "null", "true", "[]", "{}", '""', "0", "-1", '"1.0.0"', '"*"', '"../../../etc/passwd"',
]


def _nest(depth: int) -> str:
    """A value nested `depth` deep: the same text is an array in JSON, TOML and YAML flow style."""
    return "[" * depth + "]" * depth


_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|-?\d[\d.]*|\btrue\b|\bfalse\b|\bnull\b')


def mutate(seed: Seed, rng: random.Random, others: list[Seed]) -> tuple[bytes, list[str]]:
    """A mutated copy of the seed's bytes, and the names of the mutations applied. Collector fixtures are
    mutated by the collector fuzzer of the tests (structure-aware for JSON, TOML and YAML)."""
    if seed.kind == "fixture":
        from tests.hostile import _fuzz

        mutated, what = _fuzz.mutate(seed.fixture, seed.data, rng)
        return mutated, [what]
    data = bytearray(seed.data)
    done: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.choice(("flip", "byte", "delete", "duplicate", "insert", "truncate", "splice", "value", "value",
                         "nest") if seed.kind != "binary" else
                        ("flip", "flip", "byte", "delete", "duplicate", "insert", "truncate", "splice", "zero"))
        n = len(data)
        if op == "flip" and n:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n)
                data[i] ^= 1 << rng.randrange(8)
        elif op == "byte" and n:
            i = rng.randrange(n)
            data[i:i + 1] = rng.choice(INTERESTING)
        elif op == "delete" and n:
            i = rng.randrange(n)
            del data[i:i + rng.randint(1, max(1, n // 8))]
        elif op == "duplicate" and n:
            i = rng.randrange(n)
            chunk = data[i:i + rng.randint(1, 4096)]
            data[i:i] = chunk * rng.choice((1, 2, 50, 5000 if len(chunk) < 64 else 1))
        elif op == "insert":
            i = rng.randrange(n + 1)
            data[i:i] = rng.randbytes(rng.randint(1, 64))
        elif op == "truncate" and n:
            del data[rng.randrange(n):]
        elif op == "splice" and n:
            other = rng.choice(others).data
            if other:
                i, j = rng.randrange(n), rng.randrange(len(other))
                data[i:] = other[j:j + rng.randint(1, 4096)] + data[i:]
        elif op == "zero" and n:
            i = rng.randrange(n)
            data[i:i + rng.randint(1, 64)] = bytes(min(64, n - i))
        elif op == "value":
            tokens = list(_TOKEN.finditer(bytes(data)))
            if tokens:
                m = rng.choice(tokens)
                data[m.start():m.end()] = rng.choice(VALUES).encode()
        elif op == "nest":
            tokens = list(_TOKEN.finditer(bytes(data)))
            if tokens:
                m = rng.choice(tokens)
                data[m.start():m.end()] = _nest(rng.choice((200, 5000, 100_000))).encode()
        else:
            continue
        done.append(op)
    return bytes(data), done


# --- running one case (in the worker) ----------------------------------------------------------


def _quiet_main(argv: list[str]) -> tuple[int, str, str]:
    """chainwarden's CLI in this process: its exit code, stdout and stderr."""
    from chainwarden.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse and _write exit this way
            code = int(exc.code) if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip() and "rerun with" not in line]
    return lines[-1][:200] if lines else ""


def _outside(work: Path, before: set[str]) -> list[str]:
    """Files that appeared in the work directory's parent (the case's sandbox) but outside `work`."""
    root = work.parent
    found = []
    for p in root.rglob("*"):
        rel = str(p.relative_to(root))
        if rel not in before and not p.is_relative_to(work):
            found.append(rel)
    return found


def run_case(target: str, name: str, kind: str, data: bytes, fmt: str, scratch: Path, fixture: str = "") -> str:
    """'' when the case behaved, else what went wrong (one line)."""
    case = Path(tempfile.mkdtemp(dir=scratch))
    try:
        if target in ("collect", "scan"):
            project = case / "project"
            project.mkdir()
            (project / name).write_bytes(data)
            if target == "collect":  # the collector itself, the graph and the paths, without the run's catch-all
                from tests.hostile import _fuzz

                failure = _fuzz.check(_fuzz.Case(fixture, "", name, data), project)
                return "" if failure is None else "crash: " + failure.error.strip().splitlines()[-1][:200]
            out = case / "report"
            code, stdout, stderr = _quiet_main(["scan", str(project), "--offline", "--no-dns", "--no-progress",
                                                "--cache-dir", str(case / "cache"), "--format", fmt, "-o", str(out)])
            if code == 4:
                return "exit 4: " + _last_line(stderr)
            body = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
            if FAKE_SECRET in body or FAKE_SECRET in stdout + stderr:
                return f"the planted secret appears in the {fmt} report or on stderr"
            if body and fmt in JSON_FORMATS:
                json.loads(body)
            return ""
        if target == "document":
            from chainwarden.enrich.documents import DocumentError, parse_npm_packument, parse_pypi_json

            parse = parse_pypi_json if kind == "pypi-json" else parse_npm_packument
            try:
                record = parse(data, "http://index.invalid/")
            except DocumentError:
                return ""
            record.facts_for(None)
            for version in list(record.versions)[:3]:
                record.facts_for(version)
            return ""
        archive = case / "in" / name
        archive.parent.mkdir()
        archive.write_bytes(data)
        before = {str(p.relative_to(case)) for p in case.rglob("*")}
        work = case / "tmp"
        work.mkdir()
        os.environ["TMPDIR"] = str(work)
        tempfile.tempdir = None
        try:
            code, stdout, stderr = _quiet_main(["inspect", str(archive), "--format", "json"])
        finally:
            tempfile.tempdir = None
        if code == 4:
            return "exit 4: " + _last_line(stderr)
        json.loads(stdout)
        escaped = _outside(work, before | {"tmp", "in", f"in/{name}"})
        if escaped:
            return f"wrote outside its work directory: {escaped[:3]}"
        return ""
    except MemoryError:
        return "memory: MemoryError"
    except RecursionError:
        return "crash: RecursionError"
    except Exception as exc:  # noqa: BLE001 - the harness reports whatever escaped
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return f"crash: {type(exc).__name__}: {str(exc)[:160]} ({Path(frame.filename).name}:{frame.lineno})"
    finally:
        shutil.rmtree(case, ignore_errors=True)


def worker(conn: Connection, scratch: str, memory_mib: int) -> None:
    """Runs cases sent over `conn` until it is closed; answers (outcome, seconds, peak KiB)."""
    limit = memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    home = Path(scratch) / "home"
    home.mkdir(exist_ok=True)
    os.environ.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
                       "PIP_CONFIG_FILE": os.devnull, "NPM_CONFIG_USERCONFIG": str(home / ".npmrc"),
                       "GITHUB_TOKEN": FAKE_SECRET, "CHAINWARDEN_PUBLIC_INDEX": "http://127.0.0.1:9/simple",
                       "CHAINWARDEN_PUBLIC_NPM_REGISTRY": "http://127.0.0.1:9/npm/"})
    for var in list(os.environ):
        if var.startswith(("PIP_INDEX", "PIP_EXTRA", "UV_", "NPM_CONFIG_REGISTRY")):
            del os.environ[var]
    import chainwarden.cli.main  # noqa: F401 - import once, before the first case is timed
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        start = time.perf_counter()
        target, name, kind, data, fmt, fixture = job
        outcome = run_case(target, name, kind, data, fmt, Path(scratch), fixture)
        conn.send((outcome, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


# --- the driver --------------------------------------------------------------------------------


@dataclass
class Worker:
    process: Any
    conn: Connection


@dataclass
class Tally:
    cases: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str, str, str]] = field(default_factory=list)  # target, seed, mutations, outcome
    slowest: list[tuple[float, str, str, str]] = field(default_factory=list)
    peak_kib: int = 0
    hangs: int = 0
    memory: int = 0
    crashes: int = 0


def _start(ctx: Any, scratch: Path, memory_mib: int) -> Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=worker, args=(child, str(scratch), memory_mib), daemon=True)
    process.start()
    child.close()
    return Worker(process, parent)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000, help="cases to run (default 2000)")
    ap.add_argument("--seconds", type=float, default=600, help="stop after this long (default 600)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--case-timeout", type=float, default=30, help="a case running longer is a hang (default 30 s)")
    ap.add_argument("--memory-mib", type=int, default=3072, help="address-space limit of the worker (default 3072)")
    ap.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of {', '.join(TARGETS)}")
    ap.add_argument("--save-dir", type=Path, help="keep each failing input here")
    args = ap.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        ap.error(f"unknown targets: {', '.join(sorted(unknown))}")
    seeds = load_seeds()
    rng = random.Random(args.seed)
    import chainwarden

    print(f"chainwarden {chainwarden.__version__} from {Path(chainwarden.__file__).parent}")
    print(f"seeds: " + ", ".join(f"{t} {len(seeds[t])}" for t in targets) + f"; seed {args.seed}; "
          f"case timeout {args.case_timeout:g} s; worker memory limit {args.memory_mib} MiB")
    ctx = mp.get_context("fork")
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="chainwarden-fuzz-") as scratch_name:
        scratch = Path(scratch_name)
        w = _start(ctx, scratch, args.memory_mib)
        started = time.monotonic()
        for i in range(args.cases):
            if time.monotonic() - started > args.seconds:
                print(f"time budget of {args.seconds:g} s reached after {i} cases")
                break
            target = targets[i % len(targets)]
            seed = rng.choice(seeds[target])
            data, ops = mutate(seed, rng, seeds[target])
            fmt = rng.choice(FORMATS)
            label = f"{seed.name}: {'+'.join(ops)[:100] or 'none'}" + (f" ({fmt})" if target == "scan" else "")
            tally.cases[target] = tally.cases.get(target, 0) + 1
            w.conn.send((target, seed.name, seed.kind, data, fmt, seed.fixture))
            outcome = ""
            if w.conn.poll(args.case_timeout):
                try:
                    outcome, seconds, peak = w.conn.recv()
                    tally.peak_kib = max(tally.peak_kib, peak)
                    tally.slowest = sorted([*tally.slowest, (seconds, target, label, "")], reverse=True)[:5]
                except EOFError:
                    outcome = "memory: the worker died (killed by the memory limit or a signal)"
            else:
                outcome = f"hang: no answer in {args.case_timeout:g} s"
            if outcome:
                if outcome.startswith("hang"):
                    tally.hangs += 1
                elif outcome.startswith("memory"):
                    tally.memory += 1
                else:
                    tally.crashes += 1
                tally.failures.append((target, seed.name, "+".join(ops)[:100], outcome))
                if args.save_dir:
                    args.save_dir.mkdir(parents=True, exist_ok=True)
                    (args.save_dir / f"{i:05d}-{target}-{seed.name}").write_bytes(data)
            if outcome.startswith(("hang", "memory: the worker")):
                w.process.kill()
                w.process.join()
                w = _start(ctx, scratch, args.memory_mib)
        w.conn.close()
        w.process.join(timeout=10)
        elapsed = time.monotonic() - started
    total = sum(tally.cases.values())
    print(f"\ncases: {total} in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.1f}/s): "
          + ", ".join(f"{t} {n}" for t, n in tally.cases.items()))
    print(f"crashes: {tally.crashes}   hangs: {tally.hangs}   memory blow-ups: {tally.memory}   "
          f"peak worker memory: {tally.peak_kib // 1024} MiB")
    print("slowest cases: " + "; ".join(f"{s:.2f} s {t} {label}" for s, t, label, _ in tally.slowest))
    for failed_target, seed_name, mutations, outcome in tally.failures[:50]:
        print(f"  {failed_target:8} {seed_name} [{mutations}]: {outcome}")
    if len(tally.failures) > 50:
        print(f"  ... and {len(tally.failures) - 50} more")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
