"""What hostile index answers cost (issue 12, docs/decisions/0017-bounded-index-answers.md).

    python bench/bench_hostile_index.py            # from the repository root; about a minute
    python bench/bench_hostile_index.py --quick    # documents only, 10,000 and 100,000 versions

1. **Documents**: a PyPI JSON project document, an npm packument, a PEP 691 page and a PEP 503 page
   with N versions (one file each) parsed by `enrich.documents`, then `facts_for` a pinned version:
   seconds for each, so that anything quadratic shows (N = 10,000, 100,000, 200,000).
2. **Fetching**: a 64 MiB JSON body through `enrich.http.Fetcher` from the test registry on
   127.0.0.1, plain and gzip-encoded (chainwarden decompresses a bounded step at a time): MB/s.
3. **Scans** (each a child `chainwarden scan`, peak memory read from its own /proc VmHWM): one package
   answered by a 2 GiB gzip bomb, by a 2 GiB body, by a body dripped one byte a second (`--timeout 1`:
   the deadline is 3 s), and every answer of tests/hostile/test_registry.py at once.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.registry and tests.hostile
sys.path.insert(1, str(REPO / "src"))

from chainwarden.enrich.documents import (  # noqa: E402
    parse_npm_packument,
    parse_pypi_json,
    parse_simple_html,
    parse_simple_json,
)
from chainwarden.enrich.http import Fetcher  # noqa: E402
from tests.registry.server import RegistryServer  # noqa: E402


def timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def documents(n: int) -> None:
    versions = [f"1.{i}.0" for i in range(n)]
    pypi = json.dumps({"info": {"version": versions[-1]}, "releases": {v: [{
        "filename": f"pkg-{v}.tar.gz", "url": f"/f/pkg-{v}.tar.gz", "digests": {"sha256": "a" * 64},
        "upload_time_iso_8601": "2024-01-01T00:00:00Z"}] for v in versions}}).encode()
    npm = json.dumps({"versions": {v: {"dist": {"tarball": f"/p/-/pkg-{v}.tgz"}, "maintainers": [{"name": "m"}]}
                                   for v in versions}, "time": {v: "2024-01-01T00:00:00Z" for v in versions},
                      "dist-tags": {"latest": versions[-1]}}).encode()
    simple = json.dumps({"files": [{"filename": f"pkg-{v}.tar.gz", "url": f"/f/pkg-{v}.tar.gz",
                                    "hashes": {"sha256": "a" * 64}} for v in versions]}).encode()
    html = "".join(f'<a href="/f/pkg-{v}.tar.gz">pkg-{v}.tar.gz</a>\n' for v in versions).encode()
    for label, body, parse in (("PyPI JSON", pypi, parse_pypi_json), ("npm packument", npm, parse_npm_packument),
                               ("PEP 691", simple, parse_simple_json), ("PEP 503", html, parse_simple_html)):
        seconds, record = timed(lambda: parse(body, "bench"))  # noqa: B023
        facts, _ = timed(lambda: record.facts_for("1.5.0"))  # noqa: B023
        print(f"  {label:14} {n:>7} versions, {len(body) / 2**20:6.1f} MiB: parse {seconds:6.2f} s, facts_for {facts:5.2f} s")


def fetching() -> None:
    body = json.dumps({"x": ["a" * 60] * (64 * 2**20 // 65)}).encode()
    with tempfile.TemporaryDirectory() as tmp, RegistryServer(Path(tmp)) as server:
        server.answer("/plain", body)
        server.answer("/gzip", gzip.compress(body, 6), headers=[("Content-Encoding", "gzip")])

        async def get(path: str) -> int:
            async with Fetcher(None) as fetcher:
                return len((await fetcher.get(server.url + path)).body)

        for path in ("/plain", "/gzip"):
            seconds, size = timed(lambda: asyncio.run(get(path)))  # noqa: B023
            print(f"  {path[1:]:6} {size / 2**20:5.0f} MiB in {seconds:5.2f} s: {size / 2**20 / seconds:6.0f} MiB/s")


def scans() -> None:
    from tests.hostile.test_registry import BY_ID, CASES, project, run_child, scan_args

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "registry"
        (root / "pypi").mkdir(parents=True)
        (root / "npm").mkdir()
        with RegistryServer(root) as server:
            for case in CASES:
                case.setup(server, case.path)
            server.drip("/pypi/h-slow-z/", b"x" * 1000, interval=1.0)
            for label, ids, timeout in (("2 GiB gzip bomb", ["bomb"], "1"), ("2 GiB body", ["huge"], "1"),
                                        ("1 byte/s drip", ["slow"], "1"), (f"all {len(CASES)} at once", None, "10")):
                cases = [BY_ID[i] for i in ids if i in BY_ID] if ids else CASES
                directory = project(Path(tmp) / label.replace(" ", "-").replace("/", ""), cases)
                if ids == ["slow"]:
                    (directory / "requirements.txt").write_text("h-slow-z==1.0\n", encoding="utf-8")
                code, _, _, seconds, rss = run_child(scan_args(server, directory, timeout=timeout))
                print(f"  {label:18} exit {code}, {seconds:5.1f} s, peak RSS {rss} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="documents only, 10,000 and 100,000 versions")
    args = parser.parse_args()
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    print("documents (seconds grow linearly with the versions: nothing quadratic)")
    for n in (10_000, 100_000) if args.quick else (10_000, 100_000, 200_000):
        documents(n)
    if args.quick:
        return 0
    print("fetching a 64 MiB answer from 127.0.0.1")
    fetching()
    print("scans (child processes)")
    scans()
    return 0


if __name__ == "__main__":
    sys.exit(main())
