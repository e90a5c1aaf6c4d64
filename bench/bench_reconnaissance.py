"""How often the Reconnaissance analyzers fire on the most-downloaded PyPI projects.

    python bench/bench_reconnaissance.py                  # top 500 names, the index pip is configured with
    python bench/bench_reconnaissance.py --top 2000 --index-url URL --as-of 2026-11-21

The most-downloaded projects (`../shared/data/top-pypi-packages.csv`) are overwhelmingly benign, so
every finding on them is either a true weak link (a dormant or single-maintainer package is a fact,
not an error) or a false alarm; the figures show how loud each rule is on a healthy ecosystem and
list the findings worth a human look (repository-mismatch, dormant-then-released, not-on-index,
maintainer-domain-unresolvable). It asks a real index, so it needs the network: it is a benchmark,
never a test. DNS is turned off unless --dns-server is given.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chainwarden.enrich import EnrichOptions
from chainwarden.pipeline import ScanRequest, scan

REVIEW = ("repository-mismatch", "dormant-then-released", "not-on-index", "maintainer-domain-unresolvable", "owners-changed")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=500)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "top-pypi-packages.csv")
    ap.add_argument("--index-url", help="default: what pip is configured with")
    ap.add_argument("--dns-server")
    ap.add_argument("--as-of", type=lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC))
    args = ap.parse_args()

    with args.data.open(newline="", encoding="utf-8") as fh:
        names = [row["project"] for row in csv.DictReader(fh)][: args.top]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "top"
        project.mkdir()
        (project / "requirements.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
        options = EnrichOptions(index_url=args.index_url, cache_dir=Path(tmp) / "cache", concurrency=32)
        t0 = time.perf_counter()
        result = scan(ScanRequest(paths=[project], options=options, display_base=project, now=args.as_of,
                                  dns_server=args.dns_server, no_dns=args.dns_server is None))
        elapsed = time.perf_counter() - t0

    checked = sum(1 for eg in result.graphs for f in eg.facts.values() if f.exists)
    print(f"index: {next(iter(result.indexes.values()), '?')}")
    print(f"{len(names)} names, {checked} known to the index, scanned in {elapsed:.1f} s "
          f"({len(result.skips)} could-not-check entries)")
    per_rule = Counter(f.rule for f in result.findings)
    print(f"\n{'rule':32} {'packages':>8} {'share':>7}   by severity")
    for rule, n in sorted(per_rule.items(), key=lambda kv: -kv[1]):
        sev = Counter(f.severity.value for f in result.findings if f.rule == rule)
        print(f"{rule:32} {n:8} {100 * n / max(checked, 1):6.1f}%   " + ", ".join(f"{k} {v}" for k, v in sorted(sev.items())))
    failing = [f for f in result.findings if f.severity.rank >= 3]
    print(f"\nfindings at high or critical (fail the default policy): {len(failing)} on "
          f"{len({f.package for f in failing})} packages ({100 * len({f.package for f in failing}) / max(checked, 1):.1f}%)")
    for rule in REVIEW:
        hits = [f for f in result.findings if f.rule == rule]
        if hits:
            print(f"\n{rule} ({len(hits)}): worth a human look")
            for f in hits[:25]:
                print(f"  {f.severity.value:8} {f.package}  {f.message[:150]}")
    m = result.metrics
    if m:
        print(f"\nmetrics: no release in 24 months {m.stale_24mo}/{m.dated}, single maintainer "
              f"{m.single_maintainer}/{m.maintainers_known}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
