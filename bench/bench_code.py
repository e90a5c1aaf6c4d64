"""False positives and speed of the code analyzers on the benign wheel corpus of this machine.

    python bench/bench_code.py [--corpus DIR ...] [--limit N]

Every wheel under the corpus folders (default: the ``files/`` folders next to the ``simple/``
indexes pip is configured with here, e.g. /opt/pypi/files) goes through the safe unpacker and
`inspect_tree`, in this process: nothing is imported or run. Prints the share of wheels judged
malicious and suspicious (targets: <= 0.5% and <= 3%), the rules that fired most, the
packages behind each non-clean verdict, files and packages per second, and peak memory.
Figures are printed, never asserted. The corpus is not needed by the tests and CI.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from chainwarden.analyze.code import add_archive_anomalies, inspect_tree  # noqa: E402
from chainwarden.enrich.artifacts import unpack  # noqa: E402
from chainwarden.model import Ecosystem, PackageId  # noqa: E402

DEFAULT_CORPUS = [Path("/opt/pypi/files"), Path("/opt/pypi-more/files")]
TARGETS = {"malicious": 0.5, "suspicious": 3.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", help="folders of wheels (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N wheels (0: all)")
    parser.add_argument("--max-mb", type=float, default=80.0, help="skip wheels larger than this (default 80 MB)")
    args = parser.parse_args(argv)
    folders = args.corpus or [d for d in DEFAULT_CORPUS if d.is_dir()]
    wheels = sorted(w for d in folders for w in d.glob("*.whl") if w.stat().st_size <= args.max_mb * 1e6)
    if args.limit:
        wheels = wheels[: args.limit]
    if not wheels:
        print("no wheels found: pass --corpus DIR", file=sys.stderr)
        return 2
    verdicts: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[tuple[str, str]] = collections.Counter()
    flagged: dict[str, list[str]] = collections.defaultdict(list)
    files = 0
    t0 = time.perf_counter()
    for w in wheels:
        with tempfile.TemporaryDirectory(prefix="bench-code-") as tmp:
            unpacked = unpack(w, Path(tmp) / "tree")
            result = inspect_tree(unpacked.root, PackageId(Ecosystem.PYPI, w.name))
            add_archive_anomalies(result, [(a.kind, a.member, a.detail) for a in unpacked.anomalies])
        files += result.files
        verdicts[result.verdict] += 1
        for f in result.findings:
            rules[(f.rule, f.severity.value)] += 1
        if result.verdict != "clean":
            flagged[result.verdict].append(f"{w.name}: {result.verdict_reason[:140]}")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(wheels)
    print(f"{n} wheels, {files} files, {seconds:.1f} s: {files / seconds:.0f} files/s, {n / seconds:.1f} packages/s, "
          f"peak RSS {peak:.0f} MB")
    for verdict in ("malicious", "suspicious", "clean"):
        share = 100 * verdicts[verdict] / n
        target = TARGETS.get(verdict)
        status = "" if target is None else ("ok" if share <= target else "OVER TARGET")
        print(f"  {verdict:10} {verdicts[verdict]:5}  {share:5.2f}%  " + (f"target <= {target}%  {status}" if target else ""))
    print("rules that fired (findings, medium and above):")
    for (rule, sev), count in sorted(rules.items(), key=lambda kv: -kv[1]):
        if sev in ("medium", "high", "critical"):
            print(f"  {count:6}  {rule} ({sev})")
    for verdict in ("malicious", "suspicious"):
        if flagged[verdict]:
            print(f"{verdict}:")
            for line in flagged[verdict]:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
