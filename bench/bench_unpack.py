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
3. prints wall time, MB/s (decompressed bytes written per second) and peak RSS;
4. the hostile archives of issue 12 (bombs that hit the per-member and the whole-tree
   limits, a refused tar member that streams 2 GiB through the guard, Fifield's
   overlapping bomb, a compressible member ahead of setup.py), each unpacked the way
   ``inspect`` does it (nested archives, copies set aside): time, peak RSS, anomalies.

Figures are printed, never asserted: the exit status is non-zero only when a
child fails or the unpack result is not the expected one. The temporary
directory is removed afterwards unless ``--keep`` is given.

Standard library only. Works with a pip-installed chainwarden, or from a
checkout (``src/`` is put on the children's ``PYTHONPATH`` when ``chainwarden``
cannot be imported).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
CHILD_TIMEOUT = 90.0  # seconds; a child still running is killed

UNPACK_CHILD = """
import json, sys, time
from pathlib import Path
from chainwarden.enrich.artifacts.unpack import unpack
start = time.perf_counter()
result = unpack(Path(sys.argv[1]), Path(sys.argv[2]), nested=True, aside=Path(sys.argv[2] + "-aside"))
elapsed = time.perf_counter() - start
written = sum((result.root / f).stat().st_size for f in result.files)
print(json.dumps({"files": len(result.files), "kinds": sorted(set(a.kind for a in result.anomalies)),
                  "complete": result.complete, "written": written, "inner": elapsed, "copies": len(result.copies)}))
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


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> None:
    """(name, stored bytes, method, crc, size) each with its own local header, then the directory."""
    body, cd = b"", b""
    for name, data, method, crc, size in members:
        cd += struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, method, 0, 0, crc, len(data), size,
                          len(name), 0, 0, 0, 0, 0o100644 << 16, len(body)) + name.encode()
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data), size, len(name), 0)
        body += name.encode() + data
    path.write_bytes(body + cd + struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd),
                                             len(body), 0))


SETUP = b"import os\nos.system('true')\n"


def make_hostile(tmp: Path) -> dict[str, tuple[Path, str]]:
    """The hostile archives of issue 12 that cost the most, and the anomaly each must give."""
    out: dict[str, tuple[Path, str]] = {}
    z70 = bytes(70 * MiB)
    packed, crc = _deflate(z70), zlib.crc32(z70)
    path = tmp / "tree-cap.zip"  # 40 members of 70 MiB of zeros (each stopped past 64 MiB): 2 GiB of work
    raw_zip(path, [(f"z{i:02}.bin", packed, 8, crc, len(z70)) for i in range(40)] + [("setup.py", SETUP, 0, zlib.crc32(SETUP), len(SETUP))])
    out["tree cap (40 x 70 MiB zeros)"] = (path, "decompression-bomb")
    path = tmp / "overlap.zip"  # Fifield: 2,000 directory entries share one 10 MiB kernel
    k = _deflate(bytes(10 * MiB))
    body = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, zlib.crc32(bytes(10 * MiB)), len(k), 10 * MiB, 1, 0) + b"k" + k
    cd = b"".join(struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, 8, 0, 0, zlib.crc32(bytes(10 * MiB)), len(k),
                              10 * MiB, 1, 0, 0, 0, 0, 0o100644 << 16, 0) + b"k" for _ in range(2000))
    path.write_bytes(body + cd + struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 2000, 2000, len(cd), len(body), 0))
    out["overlapping (2,000 x 10 MiB)"] = (path, "zip-overlap")
    for label, suffix, compress in (("refused member, 2.1 GiB (gz)", "gz", lambda b: gzip.compress(b, 9)),
                                    ("one member, 1 GiB (xz)", "xz", lambda b: lzma.compress(b, preset=1))):
        info = tarfile.TarInfo("../escape.bin" if suffix == "gz" else "bomb.bin")
        info.size = (2 * 1024 + 100) * MiB if suffix == "gz" else 1024 * MiB
        zeros = compress(bytes(64 * MiB))
        tail = bytes(info.size % (64 * MiB) + 1024)
        path = tmp / f"bomb.tar.{suffix}"
        path.write_bytes(compress(info.tobuf(tarfile.GNU_FORMAT)) + zeros * (info.size // (64 * MiB)) + compress(tail))
        out[label] = (path, "decompression-bomb" if suffix == "gz" else "compression-ratio")
    path = tmp / "first.zip"  # a 2 MB run of one byte ahead of setup.py: both are unpacked
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.bin", b"A" * (2 * MiB))
        zf.writestr("setup.py", SETUP)
    out["2 MB run, then setup.py"] = (path, "")
    return out


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
        shutil.rmtree(tmp / "out-bomb", ignore_errors=True)
        print("hostile archives (unpacked as inspect does: nested archives, copies aside):")
        for label, (path, kind) in make_hostile(tmp).items():
            out = tmp / "out-hostile"
            wall, rss, res = run_child(UNPACK_CHILD, str(path), str(out))
            print(f"  {label:<32} {path.stat().st_size / 1e6:6.2f} MB {wall:7.2f} s peak RSS {rss:7.1f} MiB "
                  f"(anomalies {res['kinds']}, complete={res['complete']}, {res['files']} files)")
            if (kind and kind not in list(res["kinds"])) or (not kind and (res["kinds"] or not res["complete"])):  # type: ignore[call-overload]
                failures.append(f"{label}: {res}")
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(str(out) + "-aside", ignore_errors=True)
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
