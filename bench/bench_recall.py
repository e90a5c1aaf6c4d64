"""Recall of the code analysis on real malware, and its false positives on benign packages.

    python bench/bench_recall.py [--corpus DIR] [--benign] [--wheels N] [--npm-top N] [--misses N]
                                 [--save FILE] [--compare FILE]

1. **Recall.** The real malicious packages of ``../shared/corpus`` (read its README: never run,
   installed, imported or built) are unpacked from their ``.tar.xz`` with our own safe unpacker
   into a temporary folder (nested archives and copies as ``inspect`` reads them) and each sample
   folder goes through `inspect_tree` in this process, as ``chainwarden inspect DIR`` does. Prints
   the share judged malicious and the share judged suspicious or worse, overall, per ecosystem, per
   label hint and per intent (targets: >= 95% malicious, >= 98% suspicious or worse, on PyPI and on
   npm), the time per package, and every miss with what the analysis did see (its verdict, the
   capabilities and the findings it made).
2. **Benign** (``--benign``): the wheels of the local mirror (`bench_code.inspect_wheel`, the same
   work as ``bench/bench_code.py``) and the top npm packages from the npm cache of
   ``bench/bench_code_npm.py`` (``--offline``: only tarballs already there). Prints the share
   judged malicious and suspicious (targets: malicious <= 0.3% of the wheels and 0 of the npm
   packages, suspicious <= 2%) and the flagged packages.

``--save FILE`` writes every package's verdict and findings as JSON lines; ``--compare FILE`` prints
what changed against such a file (verdicts, and findings added or gone), so that a change to the
analysis can be shown to keep or improve every report. Figures are printed, never asserted; the tests
and CI need neither the corpus nor this script.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import bench_code  # noqa: E402  (the wheel corpus: one way to read it)
import bench_code_npm  # noqa: E402  (the npm cache: one way to read it)

from chainwarden.analyze.code import inspect_tree  # noqa: E402
from chainwarden.analyze.code.inspect import Inspection  # noqa: E402
from chainwarden.enrich.artifacts import unpack  # noqa: E402
from chainwarden.model import Ecosystem, PackageId  # noqa: E402
from chainwarden.pipeline.deep import inspect_unpacked  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
TARGETS = {"malicious": 95.0, "flagged": 98.0}  # recall, in percent
BENIGN_TARGETS = {"pypi": {"malicious": 0.3, "suspicious": 2.0}, "npm": {"malicious": 0.0, "suspicious": 2.0}}
FLAGGED = ("malicious", "suspicious")


@dataclass
class Outcome:
    """One package's report, as kept for --save / --compare."""

    corpus: str  # "malware", "wheels", "npm"
    name: str
    verdict: str
    reason: str = ""
    seconds: float = 0.0
    hints: list[str] = field(default_factory=list)
    intent: str = ""
    ecosystem: str = ""
    capabilities: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # "severity/confidence rule file:line message"
    not_checked: list[str] = field(default_factory=list)


def _findings(result: Inspection) -> list[str]:
    return [f"{f.severity.value}/{f.confidence.value} {f.rule} {f.location}: {f.message}" for f in result.findings]


def _outcome(corpus: str, name: str, result: Inspection, seconds: float, **extra: object) -> Outcome:
    return Outcome(corpus, name, result.verdict, result.verdict_reason, seconds, capabilities=sorted(result.capabilities),
                   findings=_findings(result), not_checked=list(result.not_checked), **extra)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the malware corpus


def _manifest(corpus: Path) -> list[dict[str, object]]:
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def malware_run(corpus: Path, only: str = "") -> list[Outcome]:
    """Every sample of the corpus, unpacked by our unpacker into a temporary folder and inspected in process."""
    samples = [s for s in _manifest(corpus) if not only or only in str(s["path"])]
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bench-recall-") as tmp:
        trees: list[tuple[Path, tuple[str, ...], tuple[tuple[str, Path, str], ...]]] = []
        for archive in sorted(corpus.glob("*.tar.xz")):
            t0 = time.perf_counter()
            unpacked = unpack(archive, Path(tmp) / archive.name / "tree", nested=True, aside=Path(tmp) / archive.name / "aside")
            copies = tuple((c.path, c.file, c.origin) for c in unpacked.copies)
            trees.append((unpacked.root, unpacked.nested, copies))
            print(f"unpacked {archive.name}: {len(unpacked.files)} files, {len(unpacked.nested)} nested archives, "
                  f"{len(unpacked.anomalies)} anomalies, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        for sample in samples:
            path = str(sample["path"]).rstrip("/")
            root, nested, copies = next(((r, n, c) for r, n, c in trees if (r / path).is_dir()), (None, (), ()))
            if root is None:
                print(f"  {path}: not in the corpus archives", file=sys.stderr)
                continue
            prefix = path + "/"
            ecosystem = Ecosystem.NPM if sample["ecosystem"] == "npm" else Ecosystem.PYPI
            package = PackageId(ecosystem, str(sample["name"]), str(sample["version"]))
            t0 = time.perf_counter()
            result = inspect_tree(root / path, package,
                                  copies=[(p[len(prefix):], f, o) for p, f, o in copies if p.startswith(prefix)],
                                  nested=[n[len(prefix):] for n in nested if n.startswith(prefix)])
            seconds = time.perf_counter() - t0
            out.append(_outcome("malware", path, result, seconds, hints=list(sample.get("label_hints") or []),  # type: ignore[arg-type]
                                intent=str(sample.get("intent", "")), ecosystem=str(sample["ecosystem"])))
    return out


def _rate(rows: list[Outcome]) -> tuple[float, float]:
    n = len(rows) or 1
    return (100 * sum(r.verdict == "malicious" for r in rows) / n,
            100 * sum(r.verdict in FLAGGED for r in rows) / n)


def _line(label: str, rows: list[Outcome], width: int = 44) -> str:
    mal, flagged = _rate(rows)
    return f"  {label[:width]:{width}} {len(rows):5}  malicious {mal:5.1f}%  suspicious or worse {flagged:5.1f}%"


def recall_report(rows: list[Outcome], misses: int) -> None:
    if not rows:
        print("no samples read")
        return
    print(f"recall on {len(rows)} real malicious packages ({CORPUS}):")
    print(_line("all", rows))
    for eco in sorted({r.ecosystem for r in rows}):
        part = [r for r in rows if r.ecosystem == eco]
        mal, flagged = _rate(part)
        status = "ok" if mal >= TARGETS["malicious"] and flagged >= TARGETS["flagged"] else "UNDER TARGET"
        print(_line(eco, part) + f"  (targets >= {TARGETS['malicious']:.0f}% / >= {TARGETS['flagged']:.0f}%: {status})")
    verdicts = collections.Counter(r.verdict for r in rows)
    print("  verdicts: " + ", ".join(f"{v} {verdicts[v]}" for v in ("malicious", "suspicious", "not-checked", "clean")))
    print("by label hint (a sample counts under each of its hints):")
    hints = sorted({h for r in rows for h in r.hints}, key=lambda h: -sum(h in r.hints for r in rows))
    for h in hints:
        print(_line(h, [r for r in rows if h in r.hints]))
    print("by intent:")
    for intent in sorted({r.intent for r in rows}, key=lambda i: -sum(r.intent == i for r in rows)):
        print(_line(intent, [r for r in rows if r.intent == intent], 60))
    secs = [r.seconds for r in rows]
    print(f"time per package (inspect_tree, unpacking apart): median {1000 * statistics.median(secs):.0f} ms, "
          f"p90 {1000 * bench_code.percentile(secs, 0.9):.0f} ms, max {1000 * max(secs):.0f} ms, total {sum(secs):.1f} s")
    rules = collections.Counter(f.split(" ", 2)[1] for r in rows if r.verdict == "malicious" for f in r.findings[:1])
    print("rule that decided a malicious verdict: " + ", ".join(f"{k} {v}" for k, v in rules.most_common()))
    missed = [r for r in rows if r.verdict != "malicious"]
    print(f"misses (not malicious): {len(missed)}" + (f", the first {misses} shown" if len(missed) > misses else ""))
    for r in missed[:misses]:
        print(f"  {r.name} [{r.ecosystem}] {r.verdict}: hints {', '.join(r.hints) or '-'}; intent {r.intent}")
        if r.capabilities:
            print(f"      capabilities: {', '.join(r.capabilities)}")
        for f in r.findings[:4]:
            print(f"      {f[:170]}")
        for n in r.not_checked[:2]:
            print(f"      not checked: {n[:160]}")


# --------------------------------------------------------------------------- the benign corpora


def wheels_run(limit: int, max_mb: float) -> list[Outcome]:
    wheels = sorted((w for d in bench_code.DEFAULT_CORPUS if d.is_dir() for w in d.glob("*.whl")
                     if w.stat().st_size <= max_mb * 1e6), key=lambda p: p.name)
    if limit:
        wheels = bench_code.pick(wheels, limit)
    out = []
    for w in wheels:
        r = bench_code.inspect_wheel(w)
        out.append(Outcome("wheels", w.name, r.verdict, r.reason, r.total_s, findings=r.flagged_files,
                           not_checked=r.not_checked))
    return out


def npm_run(top: int) -> list[Outcome]:
    tarballs = bench_code_npm.fetch(bench_code_npm.top_names(top), bench_code_npm.DEFAULT_CACHE, offline=True)
    out = []
    for name, tarball in tarballs.items():
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-recall-npm-") as tmp:
            unpacked = unpack(tarball, Path(tmp) / "tree", nested=True, aside=Path(tmp) / "aside")
            result = inspect_unpacked(unpacked, PackageId(Ecosystem.NPM, name))
        out.append(_outcome("npm", name, result, time.perf_counter() - t0))
    return out


def benign_report(label: str, rows: list[Outcome], targets: dict[str, float]) -> None:
    if not rows:
        print(f"{label}: nothing read")
        return
    n = len(rows)
    verdicts = collections.Counter(r.verdict for r in rows)
    secs = [r.seconds for r in rows]
    print(f"{label}: {n} packages, median {1000 * statistics.median(secs):.0f} ms per package, total {sum(secs):.0f} s")
    for v in ("malicious", "suspicious", "not-checked", "clean"):
        share = 100 * verdicts[v] / n
        target = targets.get(v)
        status = "" if target is None else ("ok" if share <= target else "OVER TARGET")
        print(f"  {v:11} {verdicts[v]:5} {share:6.2f}%  " + (f"target <= {target}%  {status}" if target is not None else ""))
    for r in rows:
        if r.verdict in FLAGGED:
            print(f"  {r.verdict}: {r.name}: {r.reason[:150]}")
            for f in r.findings[:3]:
                print(f"      {f[:160]}")


# --------------------------------------------------------------------------- save and compare


def save(path: Path, rows: Iterable[Outcome]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(asdict(r), sort_keys=True) + "\n")


_RANK = {"malicious": 3, "suspicious": 2, "not-checked": 1, "clean": 0}


def compare(path: Path, rows: list[Outcome], *, messages: bool = True) -> None:
    """What changed against an earlier --save: verdicts up and down (for malware up is better, for benign packages
    down), and the findings each changed report gained or lost (without `messages`: by severity, confidence, rule
    and place only, so that reworded messages do not count)."""
    with path.open(encoding="utf-8") as fh:
        before = {(d["corpus"], d["name"]): d for d in map(json.loads, fh)}

    def key(finding: str) -> str:
        return finding if messages else finding.split(": ", 1)[0]

    print(f"compared with {path}:")
    changed = 0
    for r in rows:
        old = before.get((r.corpus, r.name))
        if old is None:
            continue
        gained = sorted({key(f) for f in r.findings} - {key(f) for f in old["findings"]})
        lost = sorted({key(f) for f in old["findings"]} - {key(f) for f in r.findings})
        if old["verdict"] == r.verdict and not gained and not lost:
            continue
        changed += 1
        move = _RANK[r.verdict] - _RANK[old["verdict"]]
        good = (move > 0) if r.corpus == "malware" else (move < 0)
        tag = "same verdict" if move == 0 else ("better" if good else "WORSE")
        print(f"  [{r.corpus}] {r.name}: {old['verdict']} -> {r.verdict} ({tag})")
        for f in lost[:5]:
            print(f"      - {f[:170]}")
        for f in gained[:5]:
            print(f"      + {f[:170]}")
    print(f"  {changed} reports changed of {len(rows)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"the malware corpus (default {CORPUS})")
    parser.add_argument("--only", default="", help="only samples whose path contains this text")
    parser.add_argument("--skip-malware", action="store_true", help="only the benign corpora")
    parser.add_argument("--benign", action="store_true", help="also the wheel mirror and the top npm packages")
    parser.add_argument("--wheels", type=int, default=0, help="wheels picked evenly from the mirror (0: all)")
    parser.add_argument("--max-mb", type=float, default=80.0, help="skip wheels larger than this (default 80 MB)")
    parser.add_argument("--npm-top", type=int, default=2000, help="top npm packages from the cache (default 2000)")
    parser.add_argument("--misses", type=int, default=400, help="misses listed (default 400)")
    parser.add_argument("--save", type=Path, help="write every report as JSON lines")
    parser.add_argument("--compare", type=Path, help="print what changed against a --save file")
    parser.add_argument("--ignore-messages", action="store_true", help="--compare findings by rule, severity and place")
    args = parser.parse_args(argv)
    print(f"chainwarden from {REPO / 'src'}; CPython {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")
    rows: list[Outcome] = []
    if not args.skip_malware:
        malware = malware_run(args.corpus, args.only)
        recall_report(malware, args.misses)
        rows += malware
    if args.benign:
        wheels = wheels_run(args.wheels, args.max_mb)
        benign_report("wheel mirror", wheels, BENIGN_TARGETS["pypi"])
        npm = npm_run(args.npm_top)
        benign_report(f"top {args.npm_top} npm packages (cache {bench_code_npm.DEFAULT_CACHE})", npm, BENIGN_TARGETS["npm"])
        rows += wheels + npm
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.save:
        save(args.save, rows)
    if args.compare:
        compare(args.compare, rows, messages=not args.ignore_messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
