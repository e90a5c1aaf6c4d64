"""`chainwarden serve` on loopback beside proxpi and devpi-server, measured with wrk (issue 15).

    python bench/bench_serve.py                          # from the repository root; ~3 minutes
    python bench/bench_serve.py --others /tmp/bench-venv # proxpi and devpi-server from that venv (default: skipped
                                                         # when it is missing)
    python bench/bench_serve.py --duration 5 --connections 32 --workers 2

Needs `wrk` (Debian: `apt-get install -y wrk`). proxpi and devpi-server are never dependencies of
chainwarden: install them in a separate venv (`python -m venv V && V/bin/pip install proxpi devpi-server gunicorn`)
and pass it with --others.

1. **Upstream**: the test registry (tests/registry/server.py) on 127.0.0.1 with three projects, all
   released long ago (nothing is in a cooldown): `bench-big` (2,000 versions, a wheel and an sdist each:
   made-up files that are never downloaded), `bench-small` (20 versions) and `bench-wheel` 1.0, a real
   1 MiB wheel (incompressible data beside one module).
2. **Servers**, each with the same number of worker processes, all proxying that upstream:
   `chainwarden serve` (uvicorn), proxpi (gunicorn, the Flask app) and devpi-server (a mirror index).
3. **Warm-up**: every URL once (the servers fetch, check, analyse and cache), then
   **wrk** (`-t2 -c<connections> -d<duration>s --latency`) on each cached URL: requests/s, p50, p99,
   non-2xx answers. JSON pages are asked with `Accept: application/vnd.pypi.simple.v1+json`.
4. **2,000-version page**: the first request (upstream fetch, judging 2,000 releases, rendering), the
   page again after an admin change invalidated every view (judging and rendering from the cached
   upstream answer), and single cached requests (median of 50).
5. **Memory**: resident set of each server's processes (parent and workers), summed, after the runs.

Figures are printed, never asserted (CONVENTIONS: speed targets live here, not in tests).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.registry, tests.serve
sys.path.insert(1, str(REPO / "src"))

import httpx  # noqa: E402

from tests.registry import archives  # noqa: E402
from tests.registry.builder import pypi_project  # noqa: E402
from tests.registry.server import RegistryServer  # noqa: E402
from tests.serve.scenario import source_tree  # noqa: E402

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html"
CLI = [sys.executable, "-c", "import sys; from chainwarden.cli.main import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_upstream(root: Path, work: Path) -> str:
    """The snapshot (module docstring); returns the 1 MiB wheel's file name."""
    (root / "pypi").mkdir(parents=True)
    (root / "npm").mkdir()
    now = datetime.now(UTC)
    start = now - timedelta(days=3000)
    big = {f"{1 + i // 100}.{(i // 10) % 10}.{i % 10}": start + timedelta(hours=30 * i) for i in range(2000)}
    pypi_project(root, "bench-big", big, maintainers=["a", "b", "c"])
    small = {f"1.{i}.0": now - timedelta(days=900 - 30 * i) for i in range(20)}
    pypi_project(root, "bench-small", small, maintainers=["a", "b", "c"])
    src = source_tree(work, "bench-wheel", "1.0")
    (src / "bench_wheel" / "data.bin").write_bytes(random.Random(15).randbytes(1024**2))
    when = now - timedelta(days=200)
    wheel = archives.wheel(src, root / "files", "bench-wheel", "1.0", when)
    pypi_project(root, "bench-wheel", {"1.0": when}, maintainers=["a", "b", "c"], files={"1.0": [wheel]})
    return wheel.name


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    urls: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (url, accept)


def wait_up(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: did not start:\n{log.read_text()[-3000:]}")


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(m.group(1)) if m else 0
    return total / 1024


def wrk(url: str, accept: str, args: argparse.Namespace) -> dict[str, float]:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-H", f"Accept: {accept}",
           url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50": ms("50"), "p99": ms("99"),
            "non2xx": float(bad.group(1)) if bad else 0.0, "requests": float(total.group(1)) if total else 0.0}


def warm(server: Server) -> dict[str, int]:
    statuses = {}
    with httpx.Client(timeout=600, follow_redirects=True) as client:
        # two passes: proxpi answers a first file request with a redirect while it downloads, and chainwarden's
        # first file request analyses the file, which moves the store's generation and has every page judged again
        for _ in range(2):
            for label, (url, accept) in server.urls.items():
                r = client.get(url, headers={"Accept": accept})
                statuses[label] = r.status_code
                time.sleep(0.5)
    return statuses


def start_chainwarden(tmp: Path, upstream: str, wheel: str, sha: str, workers: int) -> Server:
    port = free_port()
    (tmp / "chainwarden.toml").write_text("[serve]\npage-max-age = 60\n", encoding="utf-8")
    log = tmp / "chainwarden.log"
    process = start([*CLI, "serve", "--upstream", upstream, "--store", str(tmp / "store"), "--port", str(port),
                     "--workers", str(workers), "--config", str(tmp / "chainwarden.toml")], dict(os.environ), log, tmp)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/-/health", process, log)
    s = Server("chainwarden", base, process)
    s.urls = {"simple HTML (20 versions)": (f"{base}/simple/bench-small/", HTML),
              "simple JSON (20 versions)": (f"{base}/simple/bench-small/", JSON),
              "simple JSON (2,000 versions)": (f"{base}/simple/bench-big/", JSON),
              "JSON API /pypi/<name>/json": (f"{base}/pypi/bench-small/json", "application/json"),
              "1 MiB wheel": (f"{base}/files/{sha}/{wheel}", "*/*")}
    return s


def start_proxpi(venv: Path, tmp: Path, upstream: str, wheel: str, workers: int) -> Server:
    port = free_port()
    env = {**os.environ, "PROXPI_INDEX_URL": upstream.rstrip("/") + "/", "PROXPI_CACHE_DIR": str(tmp / "proxpi-cache"),
           "PROXPI_INDEX_TTL": "1800"}
    log = tmp / "proxpi.log"
    process = start([str(venv / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "proxpi.server:app"],
                    env, log, tmp)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/index/", process, log)
    s = Server("proxpi", base, process)
    s.urls = {"simple HTML (20 versions)": (f"{base}/index/bench-small/", HTML),
              "simple JSON (20 versions)": (f"{base}/index/bench-small/", JSON),
              "simple JSON (2,000 versions)": (f"{base}/index/bench-big/", JSON),
              "1 MiB wheel": (f"{base}/index/bench-wheel/{wheel}", "*/*")}
    return s


def start_devpi(venv: Path, tmp: Path, upstream: str, wheel: str, workers: int) -> Server:
    port = free_port()
    serverdir = tmp / "devpi"
    log = tmp / "devpi.log"
    init = subprocess.run([str(venv / "bin" / "devpi-init"), "--serverdir", str(serverdir), "--root-passwd", "bench",
                           "--no-root-pypi"], capture_output=True, text=True, timeout=300)
    if init.returncode != 0:
        raise RuntimeError(f"devpi-init: {init.stdout}{init.stderr}")
    process = start([str(venv / "bin" / "devpi-server"), "--serverdir", str(serverdir), "--host", "127.0.0.1",
                     "--port", str(port), "--threads", str(max(8, 4 * workers))], dict(os.environ), log, tmp)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/+api", process, log)
    made = httpx.put(f"{base}/root/up", auth=("root", "bench"), timeout=60,
                     json={"type": "mirror", "mirror_url": upstream.rstrip("/") + "/", "volatile": False})
    if made.status_code not in (200, 201):
        raise RuntimeError(f"devpi: could not make the mirror index: {made.status_code} {made.text[:300]}")
    s = Server("devpi-server", base, process)
    s.urls = {"simple HTML (20 versions)": (f"{base}/root/up/+simple/bench-small/", HTML),
              "simple JSON (20 versions)": (f"{base}/root/up/+simple/bench-small/", JSON),
              "simple JSON (2,000 versions)": (f"{base}/root/up/+simple/bench-big/", JSON)}
    page = httpx.get(f"{base}/root/up/+simple/bench-wheel/", timeout=600).text
    link = re.search(r'href="([^"]*' + re.escape(wheel) + r')[#"]', page)
    if link:
        s.urls["1 MiB wheel"] = (httpx.URL(f"{base}/root/up/+simple/bench-wheel/").join(link.group(1)).__str__(), "*/*")
    return s


def page_times(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """The 2,000-version page: first request, after every view was invalidated, cached (module docstring, 4)."""
    url = server.urls["simple JSON (2,000 versions)"][0]
    out = {}
    with httpx.Client(timeout=120) as client:
        t = time.perf_counter()
        r = client.get(url, headers={"Accept": JSON})
        out["first request (ms)"] = (time.perf_counter() - t) * 1000
        out["PEP 700 versions listed"] = float(len(r.json().get("versions", []))) if r.status_code == 200 else float("nan")
        cached = []
        for _ in range(50):
            t = time.perf_counter()
            client.get(url, headers={"Accept": JSON})
            cached.append((time.perf_counter() - t) * 1000)
        out["cached, median of 50 (ms)"] = statistics.median(cached)
        if server.name == "chainwarden":
            again = []
            for i in range(5):  # an admin change moves the store's generation: every view is judged again
                subprocess.run([*CLI, "index", "block", f"bench-other-{i}", "--author", "bench", "--reason", "invalidate",
                                "--store", str(args.store)], capture_output=True, timeout=120, check=True)
                t = time.perf_counter()
                client.get(url, headers={"Accept": JSON})
                again.append((time.perf_counter() - t) * 1000)
            out["judged again after an admin change, median of 5 (ms)"] = statistics.median(again)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--others", type=Path, default=Path("/tmp/serve-bench-venv"),
                    help="a venv with proxpi, gunicorn and devpi-server (skipped when missing)")
    ap.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="worker processes per server (default 2)")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    import chainwarden

    print(f"chainwarden {chainwarden.__version__} from {Path(chainwarden.__file__).parent}; {os.cpu_count()} CPUs; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; {args.workers} worker(s) per server")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp_name:
        tmp = Path(tmp_name)
        wheel = build_upstream(tmp / "upstream", tmp / "src")
        sha = json.loads((tmp / "upstream/pypi/bench-wheel.json").read_text())["releases"]["1.0"][0]["digests"]["sha256"]
        print(f"1 MiB wheel: {wheel} ({(tmp / 'upstream/files' / wheel).stat().st_size:,} bytes)")
        args.store = tmp / "cw" / "store"
        results: dict[str, dict[str, dict[str, float]]] = {}
        memory: dict[str, float] = {}
        pages: dict[str, dict[str, float]] = {}
        with RegistryServer(tmp / "upstream") as upstream:
            makers = [("chainwarden", lambda d: start_chainwarden(d, upstream.pypi_index_url, wheel, sha, args.workers))]
            venv = args.others
            if (venv / "bin" / "gunicorn").exists() and (venv / "bin" / "python").exists():
                makers.append(("proxpi", lambda d: start_proxpi(venv, d, upstream.pypi_index_url, wheel, args.workers)))
            if (venv / "bin" / "devpi-server").exists():
                makers.append(("devpi-server", lambda d: start_devpi(venv, d, upstream.pypi_index_url, wheel, args.workers)))
            if len(makers) == 1:
                print(f"(no proxpi/devpi-server in {venv}: only chainwarden is measured)")
            for name, make in makers:
                folder = tmp / {"chainwarden": "cw"}.get(name, name)
                folder.mkdir(parents=True, exist_ok=True)
                try:
                    server = make(folder)
                except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                    print(f"{name}: could not start: {exc}")
                    continue
                try:
                    pages[name] = page_times(server, args)
                    statuses = warm(server)
                    print(f"{name}: warm-up statuses {statuses}")
                    results[name] = {label: wrk(url, accept, args) for label, (url, accept) in server.urls.items()}
                    memory[name] = rss_mb(server.process.pid)
                finally:
                    stop(server.process)
    labels = ["simple HTML (20 versions)", "simple JSON (20 versions)", "simple JSON (2,000 versions)",
              "JSON API /pypi/<name>/json", "1 MiB wheel"]
    names = list(results)
    print()
    print("| cached request | " + " | ".join(f"{n} req/s | p50 ms | p99 ms" for n in names) + " |")
    print("|---|" + "---:|---:|---:|" * len(names))
    for label in labels:
        cells = []
        for n in names:
            r = results[n].get(label)
            if r is None:
                cells.append("n/a | | ")
                continue
            bad = f" ({int(r['non2xx'])} non-2xx)" if r["non2xx"] else ""
            cells.append(f"{r['rps']:,.0f}{bad} | {r['p50']:.1f} | {r['p99']:.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"| resident memory after the runs (MB, all processes) | "
          + " | ".join(f"{memory.get(n, float('nan')):.0f} | | " for n in names) + " |")
    print()
    for n, figures in pages.items():
        print(f"2,000-version page, {n}: " + "; ".join(f"{k} {v:.1f}" for k, v in figures.items()))
    if "chainwarden" in results and "proxpi" in results:
        ratios = [results["chainwarden"][lb]["rps"] / results["proxpi"][lb]["rps"]
                  for lb in labels if lb in results["proxpi"] and lb in results["chainwarden"]]
        print(f"chainwarden / proxpi on cache hits: {', '.join(f'{x:.1f}x' for x in ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
