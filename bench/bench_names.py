"""The typosquat rule measured: recall on documented incidents, false alarms on popular names,
and speed over every PyPI project name.

    python bench/bench_names.py                      # from the repository root; about a minute
    python bench/bench_names.py --all-names PATH --incidents PATH

1. Recall: every row of bench/data/typosquat-incidents.csv (documented malicious names and the
   package each imitated, with sources) is checked with the shipped popular-name lists, exactly as
   `chainwarden check-name` does. A row counts as caught when the name is flagged at all, and as
   caught-right when the flagged target is the documented one (or the same name PEP 503-normalised).
2. False alarms: the 5,000 most popular PyPI names checked as names. With the default rule a name on
   the popular list is never a squat, so the figure is 0 by construction; the bench also prints the
   raw matcher's rate without that exemption (a popular name flagged as imitating another popular name).
3. Speed: the index build, then every name of ../shared/data/pypi-all-names.txt checked against the
   15,000 popular PyPI names; total time, names per second and per-name latency percentiles.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chainwarden.analyze import AnalysisContext  # noqa: E402
from chainwarden.analyze.names import typosquat  # noqa: E402
from chainwarden.enrich.names import NameIndex, PopularNames  # noqa: E402
from chainwarden.model import Ecosystem, RegistryFacts, normalize_name  # noqa: E402

CTX = AnalysisContext(now=datetime(2026, 11, 21, tzinfo=UTC))


# What the index shows of a squat when it is caught: days old, one release, no repository (the profile
# of the documented incidents); and an established package (ten releases over three years, a repository).
FRESH = RegistryFacts(exists=True, index_url="", release_count=1, first_release=CTX.now - timedelta(days=7),
                      metadata_known=True)
ESTABLISHED = RegistryFacts(exists=True, index_url="", release_count=10, first_release=CTX.now - timedelta(days=1100),
                            metadata_known=True, repository_url="https://example.test/x/y")


def flagged(index: NameIndex, name: str, *, exempt_popular: bool = True) -> list[str]:
    out = []
    for m in index.matches(name):
        if not exempt_popular and m.candidate_downloads is not None:
            out.append(m.target)  # what the matcher alone would say
        elif typosquat.judge(name, index.ecosystem, m, None, None, CTX):
            out.append(m.target)
    return out


def severities(index: NameIndex, name: str, facts: RegistryFacts | None) -> str:
    """The most serious severity the rule gives `name` with these registry facts ("none" when not flagged)."""
    found = [j.severity for m in index.matches(name) for j in [typosquat.judge(name, index.ecosystem, m, facts, None, CTX)] if j]
    return max(found, key=lambda s: s.rank).value if found else "none"


def recall(indexes: dict[Ecosystem, NameIndex], path: Path) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by_kind: Counter[str] = Counter()
    caught_kind: Counter[str] = Counter()
    caught = right = reachable = reachable_caught = 0
    missed: list[str] = []
    for row in rows:
        eco = Ecosystem(row["ecosystem"])
        targets = flagged(indexes[eco], row["candidate"])
        want = normalize_name(eco, row["target"])
        by_kind[f"{eco.value}/{row['kind']}"] += 1
        if want in indexes[eco].downloads:
            reachable += 1
            reachable_caught += bool(targets)
        if targets:
            caught += 1
            caught_kind[f"{eco.value}/{row['kind']}"] += 1
            right += want in targets
        else:
            on_list = want in indexes[eco].downloads
            missed.append(f"{eco.value}:{row['candidate']} -> {row['target']} ({row['kind']}"
                          + ("" if on_list else "; target not on the popular list") + ")")
    n = len(rows)
    profiles: dict[str, Counter[str]] = {"the name alone (check-name)": Counter(), "a fresh squat's facts (7 days, 1 release, "
                                         "no repository)": Counter(), "not on the index": Counter(),
                                         "an established package's facts (10 releases, 3 years, a repository)": Counter()}
    gone = RegistryFacts(exists=False, index_url="")
    for row in rows:
        index = indexes[Ecosystem(row["ecosystem"])]
        for (label, counter), facts in zip(profiles.items(), (None, FRESH, gone, ESTABLISHED)):
            counter[severities(index, row["candidate"], facts)] += 1
    print(f"recall on {n} documented incidents ({path.name}): caught {caught} ({100 * caught / n:.1f}%), "
          f"with the documented target {right} ({100 * right / n:.1f}%); of the {reachable} whose target is on "
          f"the popular list, caught {reachable_caught} ({100 * reachable_caught / max(reachable, 1):.1f}%)")
    for kind in sorted(by_kind):
        print(f"  {kind:18} {caught_kind[kind]:3}/{by_kind[kind]:<3}")
    print("  severity of the incidents as the rule judges them, by what the index says about the package:")
    for label, counter in profiles.items():
        print(f"    {label}: " + ", ".join(f"{sev} {counter[sev]}" for sev in ("critical", "high", "medium", "low", "info", "none")
                                          if counter[sev]))
    if missed:
        print("  missed: " + "; ".join(missed))


def false_alarms(index: NameIndex, top: int) -> None:
    names = sorted(index.downloads, key=lambda k: -index.downloads[k])[:top]
    default = [n for n in names if flagged(index, n)]
    raw = [n for n in names if flagged(index, n, exempt_popular=False)]
    print(f"\nfalse alarms on the {top} most popular PyPI names: {len(default)} ({100 * len(default) / top:.2f}%) "
          f"with the rule's defaults; the matcher alone, without the popular-name exemption: "
          f"{len(raw)} ({100 * len(raw) / top:.1f}%), e.g. {', '.join(raw[:8])}")


def speed(popular: PopularNames, all_names: Path) -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    index = NameIndex(popular)
    build = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    names = [line.strip() for line in all_names.open(encoding="utf-8") if line.strip()]
    lat: list[float] = []
    hits = 0
    t0 = time.perf_counter()
    for i, name in enumerate(names):
        s = time.perf_counter()
        if flagged(index, name):
            hits += 1
        if i % 50 == 0:
            lat.append(time.perf_counter() - s)
    total = time.perf_counter() - t0
    lat.sort()
    q = statistics.quantiles(lat, n=100)
    print(f"\nspeed: index of {len(popular.downloads)} popular names built in {build:.2f} s ({peak / 2**20:.0f} MiB); "
          f"{len(names)} names checked in {total:.1f} s ({len(names) / total:,.0f} names/s, "
          f"{1e6 * total / len(names):.0f} µs per name); latency p50 {1e6 * q[49]:.0f} µs, p99 {1e6 * q[98]:.0f} µs, "
          f"max {1e6 * lat[-1]:.0f} µs (sampled 1 in 50); {hits} names flagged ({100 * hits / len(names):.1f}%)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--incidents", type=Path, default=ROOT / "bench" / "data" / "typosquat-incidents.csv")
    ap.add_argument("--all-names", type=Path, default=ROOT.parent / "shared" / "data" / "pypi-all-names.txt")
    ap.add_argument("--top", type=int, default=5000)
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    indexes = {eco: NameIndex(PopularNames.load(eco, Path("/nonexistent"))) for eco in Ecosystem}
    print(f"popular lists: pypi {indexes[Ecosystem.PYPI].popular.label}; npm {indexes[Ecosystem.NPM].popular.label}\n")
    recall(indexes, args.incidents)
    false_alarms(indexes[Ecosystem.PYPI], args.top)
    if not args.skip_speed:
        speed(indexes[Ecosystem.PYPI].popular, args.all_names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
