"""False positives and speed of the code analyzers on the most-downloaded npm packages.

    python bench/bench_code_npm.py [--top N] [--cache DIR] [--download-only] [--offline]

The N most-downloaded packages (default 150) of ``../shared/data/top-npm-packages.csv`` are
fetched with the npm client (``npm pack --ignore-scripts NAME``, from the registry npm is
configured with; nothing is installed and no package script runs) into a cache folder
(default ``/tmp/chainwarden-npm-bench``) that later runs reuse. Every tarball goes through the
safe unpacker and `inspect_tree`, in this process: nothing is imported or run. Prints the share
of packages judged malicious and suspicious (targets: <= 0.5% and <= 3%), the rules that fired
most, the packages behind each non-clean verdict, files and packages per second, JavaScript
megabytes per second and peak memory. Figures are printed, never asserted; the tests and CI do
not need the network or this script.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from chainwarden.enrich.artifacts import unpack
from chainwarden.model import Ecosystem, PackageId
from chainwarden.pipeline.deep import inspect_unpacked

TOP = REPO.parent / "shared" / "data" / "top-npm-packages.csv"
DEFAULT_CACHE = Path("/tmp/chainwarden-npm-bench")
TARGETS = {"malicious": 0.5, "suspicious": 3.0}
JS_SUFFIXES = (".js", ".cjs", ".mjs")


def top_names(n: int) -> list[str]:
    with TOP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["name"] for r in rows[:n]]


def _pack(names: list[str], cache: Path) -> dict[str, str]:
    """`npm pack` a batch of names into the cache; name -> tarball file name."""
    proc = subprocess.run(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", str(cache), *names],
                          capture_output=True, text=True, timeout=600, check=False)
    try:
        docs = json.loads(proc.stdout or "[]")
    except ValueError:
        docs = []
    out = {d["name"]: d["filename"] for d in docs if isinstance(d, dict) and "name" in d and "filename" in d}
    if proc.returncode != 0 and len(names) > 1:  # one bad name fails the batch: retry one by one
        for name in names:
            if name not in out:
                out.update(_pack([name], cache))
    elif proc.returncode != 0:
        print(f"  npm pack {names[0]} failed: {proc.stderr.strip().splitlines()[-1:] }", file=sys.stderr)
    return out


def fetch(names: list[str], cache: Path, *, offline: bool) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    index_file = cache / "index.json"
    index: dict[str, str] = json.loads(index_file.read_text(encoding="utf-8")) if index_file.is_file() else {}
    missing = [n for n in names if n not in index or not (cache / index[n]).is_file()]
    if missing and not offline:
        print(f"fetching {len(missing)} tarballs with npm pack into {cache} ...", file=sys.stderr)
        batches = [missing[i: i + 10] for i in range(0, len(missing), 10)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            for got in pool.map(lambda b: _pack(b, cache), batches):
                index.update(got)
        index_file.write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
    return {n: cache / index[n] for n in names if n in index and (cache / index[n]).is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=150, help="how many of the most-downloaded packages (default 150)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"tarball cache (default {DEFAULT_CACHE})")
    parser.add_argument("--download-only", action="store_true", help="fetch the tarballs and stop")
    parser.add_argument("--offline", action="store_true", help="use only tarballs already in the cache")
    parser.add_argument("--show", type=int, default=3, help="findings shown per flagged package (default 3)")
    args = parser.parse_args(argv)
    names = top_names(args.top)
    tarballs = fetch(names, args.cache, offline=args.offline)
    if args.download_only:
        print(f"{len(tarballs)} of {len(names)} tarballs in {args.cache}")
        return 0
    if not tarballs:
        print("no tarballs: run without --offline (needs the npm client and its registry)", file=sys.stderr)
        return 2
    verdicts: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[tuple[str, str]] = collections.Counter()
    flagged: dict[str, list[str]] = collections.defaultdict(list)
    files = js_files = js_bytes = 0
    slowest: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    for name, tarball in tarballs.items():
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-code-npm-") as tmp:
            unpacked = unpack(tarball, Path(tmp) / "tree", nested=True, aside=Path(tmp) / "aside")  # as inspect does
            for rel in unpacked.files:
                if rel.endswith(JS_SUFFIXES):
                    js_files += 1
                    js_bytes += (unpacked.root / rel).stat().st_size
            result = inspect_unpacked(unpacked, PackageId(Ecosystem.NPM, name))
        slowest.append((time.perf_counter() - start, name))
        files += result.files
        verdicts[result.verdict] += 1
        for f in result.findings:
            rules[(f.rule, f.severity.value)] += 1
        if result.verdict != "clean":
            shown = [f"      {f.severity.value} {f.rule} {f.location}: {f.message[:120]}"
                     for f in result.findings if f.severity.rank >= 2][: args.show]
            shown += [f"      not checked: {n[:140]}" for n in result.not_checked[: args.show]]
            flagged[result.verdict].append(f"{tarball.name}: {result.verdict_reason[:160]}\n" + "\n".join(shown))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(tarballs)
    print(f"{n} packages ({len(names) - n} not fetched), {files} files ({js_files} JavaScript, {js_bytes / 1e6:.1f} MB), "
          f"{seconds:.1f} s: {files / seconds:.0f} files/s, {js_files / seconds:.0f} JS files/s, "
          f"{js_bytes / 1e6 / seconds:.2f} MB/s, {n / seconds:.2f} packages/s, peak RSS {peak:.0f} MB")
    for verdict in ("malicious", "suspicious", "not-checked", "clean"):
        share = 100 * verdicts[verdict] / n
        target = TARGETS.get(verdict)
        status = "" if target is None else ("ok" if share <= target else "OVER TARGET")
        print(f"  {verdict:10} {verdicts[verdict]:5}  {share:5.2f}%  " + (f"target <= {target}%  {status}" if target else ""))
    print("rules that fired (findings, low and above):")
    for (rule, sev), count in sorted(rules.items(), key=lambda kv: -kv[1]):
        if sev in ("low", "medium", "high", "critical"):
            print(f"  {count:6}  {rule} ({sev})")
    print("slowest packages: " + ", ".join(f"{name} {s:.1f} s" for s, name in sorted(slowest, reverse=True)[:5]))
    for verdict in ("malicious", "suspicious", "not-checked"):
        if flagged[verdict]:
            print(f"{verdict}:")
            for line in flagged[verdict]:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
