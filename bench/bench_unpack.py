"""Benchmark the safe unpacker (`chainwarden.enrich.artifacts.unpack`) on a large wheel.

    python bench/bench_unpack.py            # from the repository root; about a minute
    python bench/bench_unpack.py --size-mb 100 --keep

What it does:

1. writes, in a temporary directory, a ~500 MB wheel of incompressible data
   (``os.urandom`` in 1 MiB chunks, several members, each streamed into the zip
   with ``ZipFile.open(name, "w")``, deflate level 1 as a wheel would be), and a
   zip bomb (one member of 1 GiB of zeros, about 1 MB on disk);
2. unpacks each in a child process, as the scanner would (interpreter start-up
   and imports count), and reaps it with ``os.wait4`` to get that child's own
   peak RSS; a child that only imports the module gives the baseline RSS, and
   ``zipfile.ZipFile.extractall`` on the same wheel gives a reference time;
3. prints wall time, MB/s (decompressed bytes written per second) and peak RSS.

Figures are printed, never asserted: the exit status is non-zero only when a
child fails or the unpack result is not the expected one. The temporary
directory is removed afterwards unless ``--keep`` is given.

Standard library only. Works with a pip-installed chainwarden, or from a
checkout (``src/`` is put on the children's ``PYTHONPATH`` when ``chainwarden``
cannot be imported).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
CHILD_TIMEOUT = 90.0  # seconds; a child still running is killed

UNPACK_CHILD = """
import json, sys, time
from pathlib import Path
from chainwarden.enrich.artifacts.unpack import unpack
start = time.perf_counter()
result = unpack(Path(sys.argv[1]), Path(sys.argv[2]))
elapsed = time.perf_counter() - start
written = sum((result.root / f).stat().st_size for f in result.files)
print(json.dumps({"files": len(result.files), "kinds": [a.kind for a in result.anomalies],
                  "complete": result.complete, "written": written, "inner": elapsed}))
"""

IMPORT_CHILD = """
import json
from chainwarden.enrich.artifacts.unpack import unpack
print(json.dumps({"files": 0, "kinds": [], "complete": True, "written": 0, "inner": 0.0}))
"""

EXTRACTALL_CHILD = """
import json, sys, time, zipfile
start = time.perf_counter()
with zipfile.ZipFile(sys.argv[1]) as zf:
    zf.extractall(sys.argv[2])
    written = sum(i.file_size for i in zf.infolist())
print(json.dumps({"files": 0, "kinds": [], "complete": True, "written": written, "inner": time.perf_counter() - start}))
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    if importlib.util.find_spec("chainwarden") is None:  # a checkout without an install: use src/
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH", "")]))
    return env


def make_wheel(path: Path, size_mb: int, members: int) -> int:
    """A wheel of random bytes, each member streamed in 1 MiB chunks (never held in memory)."""
    per_member = max(1, size_mb // members)
    written = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("bench_pkg/__init__.py", "")
        for i in range(members):
            with zf.open(f"bench_pkg/data/blob{i:02}.bin", "w") as out:
                for _ in range(per_member):
                    out.write(os.urandom(MiB))
            written += per_member * MiB
        zf.writestr("bench_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: bench-pkg\nVersion: 1.0\n")
        zf.writestr("bench_pkg-1.0.dist-info/RECORD", "")
    return written


def make_bomb(path: Path, size_mb: int) -> None:
    zeros = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("bomb.bin", "w", force_zip64=True) as out:
            for _ in range(size_mb):
                out.write(zeros)


def run_child(code: str, *args: str) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, peak RSS in MiB (this child only, from os.wait4) and the child's JSON line."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env())
    deadline = start + CHILD_TIMEOUT
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {err.strip()[-2000:]}")
    rss_mib = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / MiB
    return wall, rss_mib, json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=500, help="wheel size in MB (default 500)")
    parser.add_argument("--members", type=int, default=8, help="data members in the wheel (default 8)")
    parser.add_argument("--bomb-mb", type=int, default=1024, help="decompressed size of the zip bomb's member")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-unpack-"))
    failures: list[str] = []
    try:
        t0 = time.perf_counter()
        wheel = tmp / "bench_pkg-1.0-py3-none-any.whl"
        payload = make_wheel(wheel, args.size_mb, args.members)
        bomb = tmp / "bomb.zip"
        make_bomb(bomb, args.bomb_mb)
        print(f"data: {wheel.stat().st_size / 1e6:,.0f} MB wheel ({args.members} members, {payload / 1e6:,.0f} MB "
              f"decompressed), {bomb.stat().st_size / 1e6:,.1f} MB bomb of {args.bomb_mb:,} MiB; "
              f"generated in {time.perf_counter() - t0:.1f} s")
        print(f"python {sys.version.split()[0]}, {sys.executable}")

        wall, rss, _ = run_child(IMPORT_CHILD)
        print(f"{'import only':<26} {wall:7.2f} s {'':>12} peak RSS {rss:7.1f} MiB")

        wall, rss, res = run_child(UNPACK_CHILD, str(wheel), str(tmp / "out-unpack"))
        written = int(str(res["written"]))
        print(f"{'unpack (wheel)':<26} {wall:7.2f} s {written / 1e6 / wall:8.1f} MB/s peak RSS {rss:7.1f} MiB "
              f"(in-process {float(str(res['inner'])):.2f} s, {res['files']} files, anomalies {res['kinds']})")
        if res["kinds"] or not res["complete"] or written < payload:
            failures.append(f"wheel: unexpected result {res}")
        shutil.rmtree(tmp / "out-unpack")

        wall, rss, res = run_child(EXTRACTALL_CHILD, str(wheel), str(tmp / "out-extractall"))
        written = int(str(res["written"]))
        print(f"{'zipfile.extractall (ref)':<26} {wall:7.2f} s {written / 1e6 / wall:8.1f} MB/s peak RSS {rss:7.1f} MiB")
        shutil.rmtree(tmp / "out-extractall")

        wall, rss, res = run_child(UNPACK_CHILD, str(bomb), str(tmp / "out-bomb"))
        print(f"{'unpack (bomb)':<26} {wall:7.2f} s {'':>12} peak RSS {rss:7.1f} MiB "
              f"(anomalies {res['kinds']}, complete={res['complete']})")
        if "compression-ratio" not in list(res["kinds"]):  # type: ignore[call-overload]
            failures.append(f"bomb: not stopped {res}")
        print(f"total {time.perf_counter() - t0:.1f} s")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
