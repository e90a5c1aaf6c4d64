"""A broken cache never stops a scan (issue 12): a cache directory that is a file, a database of garbage bytes, a
read-only cache, a full disk, a database another process holds locked: the scan goes on without the cache (or
reads it without writing), says so once, and only `--offline` with no cache at all is a usage error (exit 2).
The SQLite store also survives kill -9 and parallel writers with no lost rows.

The failures are real and hold for root too: a full disk is RLIMIT_FSIZE (SIGXFSZ ignored) in a child scan; a
read-only cache is a child scan that drops to the `nobody` user after loading everything it needs (as root), or
permission bits (as anyone else); a lock is another SQLite connection holding it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainwarden.cli.main import main
from chainwarden.collect import CollectContext, collect_paths
from chainwarden.enrich import EnrichOptions, enrich
from chainwarden.enrich.artifacts.fetch import ArtifactStore, fetch
from chainwarden.enrich.cache import DB_FILE, Store
from chainwarden.enrich.http import Fetcher
from chainwarden.model import ArtifactRef
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
MAL_RECORD = {
    "id": "MAL-2026-7777", "modified": "2026-01-01T00:00:00Z", "summary": "fixture: a malicious release",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "idna"}, "versions": ["3.10"]}],
}


def scan_args(registry: RegistryServer, project: Path, cache: Path, *extra: str) -> list[str]:
    return ["scan", str(project), "--format", "json", "--no-progress", "--no-dns", "--index-url", registry.pypi_index_url,
            "--npm-registry", registry.npm_registry_url, "--cache-dir", str(cache), "--timeout", "5", *extra]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    """A folder every user can read (a child that drops to `nobody` reads the project there); the pytest
    tmp_path is root's own."""
    base = Path(tempfile.mkdtemp(prefix="chainwarden-cache-test-"))
    base.chmod(0o755)
    (base / "project").mkdir()
    (base / "project" / "requirements.txt").write_text("idna==3.10\nclick==8.1.7\n", encoding="utf-8")
    for d in ("home", "tmp"):
        (base / d).mkdir()
        (base / d).chmod(0o777)
    try:
        yield base
    finally:
        for path in [base, *base.rglob("*")]:  # a test may have made parts read-only
            try:
                path.chmod(0o755 if path.is_dir() else 0o644)
            except OSError:
                pass
        subprocess.run(["rm", "-rf", str(base)], check=False)


def scan(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, Any], str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def cache_notes(report: dict[str, Any]) -> list[str]:
    return [s["reason"] for s in report["skipped"] if s["what"] == "cache"]


def facts(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    package = next(p for p in report["packages"] if p["name"] == name)
    return package["registry"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------- cannot be opened


@pytest.mark.parametrize("broken", ["dir-is-a-file", "garbage"])
def test_a_cache_that_cannot_be_opened_is_one_skip_and_the_scan_goes_on(
    broken: str, registry: RegistryServer, world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = world / "cache"
    if broken == "dir-is-a-file":
        cache.write_text("not a folder", encoding="utf-8")
        expect = "a file of that name is in the way"  # EEXIST, in words (_errors.describe)
    else:
        cache.mkdir()
        (cache / DB_FILE).write_bytes(os.urandom(64 * 1024))
        expect = "file is not a database (move it away and a new cache is made)"
    code, report, err = scan(capsys, scan_args(registry, world / "project", cache))
    assert code in (0, 1, 3), err
    notes = cache_notes(report)
    assert len(notes) == 1 and "cache unavailable" in notes[0] and expect in notes[0] and "running without it" in notes[0], notes
    assert facts(report, "idna") is not None  # looked up all the same

    # --deep opens the cache again (said once) and downloads the release's files (to a temporary folder when the
    # cache folder cannot take them), reads them, and removes them.
    deep = world / "deep"
    deep.mkdir()
    (deep / "requirements.txt").write_text("py-formatter-util==1.2.2\n", encoding="utf-8")
    code, report, err = scan(capsys, scan_args(registry, deep, cache, "--deep"))
    assert code in (0, 1, 3), err
    assert len(cache_notes(report)) == 1, report["skipped"]
    assert not [s for s in report["skipped"] if "py-formatter-util" in s["what"] or "py_formatter_util" in s["reason"]]
    artifacts = [s["reason"] for s in report["skipped"] if s["what"] == "artifacts"]
    assert artifacts == ([] if broken == "garbage" else [artifacts[0]]) and all("temporary folder" in a for a in artifacts)

    code, report, err = scan(capsys, scan_args(registry, world / "project", cache, "--offline"))
    assert code == 2 and report == {}
    assert "--offline answers from the cache only" in err and expect.split(" (")[0] in err, err


def test_a_database_locked_by_another_process_past_the_wait_is_no_cache(registry: RegistryServer, world: Path) -> None:
    cache = world / "cache"
    Store(cache).close()
    holder = sqlite3.connect(cache / DB_FILE, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta VALUES ('held', '1')")
    try:
        graphs, _ = collect_paths([world / "project"], CollectContext(display_base=world / "project"))
        started = time.monotonic()
        out = enrich(graphs, EnrichOptions(index_url=registry.pypi_index_url, cache_dir=cache, cache_lock_timeout=0.5))
        assert time.monotonic() - started < 30
    finally:
        holder.close()
    notes = [s.reason for s in out.skips if s.what == "cache"]
    assert notes == [f"cache unavailable: the cache {cache / DB_FILE} is locked by another process (waited 0.5 s); "
                     "running without it (nothing from earlier scans is reused or kept for later ones: owner changes "
                     "are not tracked, archives are read again)"]
    assert out.graphs[0].facts  # looked up all the same


def test_a_lock_taken_during_the_run_stops_writes_once_and_reads_go_on(tmp_path: Path) -> None:
    store = Store(tmp_path, lock_timeout=0.2)
    store.put("a", 200, b"kept", None, None)
    other = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        store.put("b", 200, b"lost", None, None)
        store.put("c", 200, b"not even tried", None, None)
        store.dns_put("system", "example.test", "exists", "", 0.0)
        assert time.monotonic() - started < 5  # one wait, then no more tries
        assert store.body("a") == b"kept" and store.get("b") is None  # reads still work (WAL)
        assert store.record_owners("idx", "pypi", "x", ("alice",), 1.0) == (None, None)
    finally:
        other.rollback()
        other.close()
    assert len(store.notes) == 1 and "database is locked" in store.notes[0] and "nothing more is saved" in store.notes[0]
    store.close()


# ---------------------------------------------------------------------------------------- read-only, full disk

_DRIVER = r"""
import json, os, resource, signal, sys
from chainwarden.cli.main import main
spec = json.loads(sys.argv[1])
if spec.get("warm"):
    main(spec["warm"])  # loads every module the command needs while the interpreter's files can still be read
if spec.get("fsize") is not None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (spec["fsize"], spec["fsize"]))
if spec.get("nobody"):
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    except PermissionError:
        sys.exit(77)  # root without CAP_SETUID: no way to make a folder read-only for this process
sys.exit(main(spec["argv"]))
"""


def child(world: Path, argv: list[str], *, fsize: int | None = None, nobody: bool = False,
          warm: list[str] | None = None) -> tuple[int, dict[str, Any], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(world / "home"),
           "XDG_CACHE_HOME": str(world / "home"), "XDG_CONFIG_HOME": str(world / "home"), "TMPDIR": str(world / "tmp")}
    spec = {"argv": argv, "fsize": fsize, "nobody": nobody, "warm": warm}
    proc = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(spec)], capture_output=True, env=env,
                          cwd=world, timeout=300)
    out = proc.stdout.decode()
    return proc.returncode, (json.loads(out) if out.strip() else {}), proc.stderr.decode()


@pytest.fixture
def filled(registry: RegistryServer, world: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A cache that has seen the project once, with one malware advisory imported for idna 3.10."""
    cache = world / "cache"
    code, report, err = scan(capsys, scan_args(registry, world / "project", cache))
    assert code in (0, 1) and cache_notes(report) == [], err
    records = world / "osv"
    records.mkdir()
    (records / "MAL-2026-7777.json").write_text(json.dumps(MAL_RECORD), encoding="utf-8")
    assert main(["db", "update", "--source", str(records), "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    return cache


def read_only(cache: Path) -> dict[str, Any]:
    """How to make `cache` read-only for a child scan: drop to nobody as root, permission bits otherwise."""
    if os.geteuid() == 0:
        return {"nobody": True}
    cache.joinpath(DB_FILE).chmod(0o444)
    cache.chmod(0o555)
    return {}


def test_a_read_only_cache_still_answers_offline_and_its_advisories_still_match(
    registry: RegistryServer, world: Path, filled: Path
) -> None:
    how = read_only(filled)
    warm = scan_args(registry, world / "project", world / "warm-cache") + ["-o", os.devnull]
    for extra in ((), ("--offline",)):
        code, report, err = child(world, scan_args(registry, world / "project", filled, *extra), warm=warm, **how)
        if code == 77:
            pytest.skip("running as root without the right to change user (CAP_SETUID): a read-only folder cannot be "
                        "made for the child scan, and permission bits do not stop root")
        assert code in (0, 1, 3), err
        notes = cache_notes(report)
        assert len(notes) == 1 and "cannot be written" in notes[0] and "it is read, nothing is saved" in notes[0], notes
        assert facts(report, "idna") is not None and facts(report, "click") is not None
        assert not [s for s in report["skipped"] if "not in the cache" in s["reason"]], report["skipped"]
        assert any(f["rule"] == "known-malicious" for f in report["findings"]), report["findings"]  # the store is read


def test_a_full_disk_stops_writing_once_and_the_scan_goes_on(registry: RegistryServer, world: Path, filled: Path) -> None:
    many = world / "many"  # every project of the test registry: new answers to save, more than 64 KiB of them
    many.mkdir()
    names = sorted(p.stem for p in (ROOT / "tests" / "registry" / "data" / "pypi").glob("*.json"))
    (many / "requirements.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    code, report, err = child(world, scan_args(registry, many, filled), fsize=64 * 1024)
    assert code in (0, 1, 3), err
    notes = cache_notes(report)
    assert len(notes) == 1 and "could not write the cache" in notes[0] and "nothing more is saved in it this run" in notes[0], notes
    assert all(facts(report, n) is not None for n in names)
    # Room again: the cache is whole, and holds what was written before the disk filled up.
    store = Store(filled)
    assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and store.notes == []
    assert store.get("application/json " + registry.url + "/pypi/idna/json") is not None
    store.close()


def test_a_disk_full_from_the_start_opens_the_cache_read_only_and_offline_still_answers(
    registry: RegistryServer, world: Path, filled: Path
) -> None:
    code, report, err = child(world, scan_args(registry, world / "project", filled, "--offline"), fsize=0)
    assert code in (0, 1, 3), err
    notes = cache_notes(report)
    assert len(notes) == 1 and "cannot be written" in notes[0] and "it is read, nothing is saved" in notes[0], notes
    assert facts(report, "idna") is not None and facts(report, "click") is not None


def test_a_full_disk_and_a_new_cache_is_no_cache(registry: RegistryServer, world: Path) -> None:
    code, report, err = child(world, scan_args(registry, world / "project", world / "new-cache"), fsize=0)
    assert code in (0, 1, 3), err
    notes = cache_notes(report)
    assert len(notes) == 1 and "cache unavailable" in notes[0] and "running without it" in notes[0], notes
    assert facts(report, "idna") is not None


# ---------------------------------------------------------------------------------------- artifacts


def test_an_artifact_store_that_cannot_be_written_falls_back_to_a_private_folder_removed_afterwards(
    registry: RegistryServer, tmp_path: Path
) -> None:
    blocked = tmp_path / "artifacts"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    store = ArtifactStore(blocked)
    ref = ArtifactRef("py_formatter_util-1.2.1.tar.gz", f"{registry.url}/files/py_formatter_util-1.2.1.tar.gz", "sdist")

    async def go() -> Path:
        async with Fetcher(None, retries=0) as fetcher:
            got = await fetch(ref, store, fetcher)
        assert got.path.is_file() and not got.path.is_relative_to(blocked)
        return got.path

    import asyncio
    path = asyncio.run(go())
    assert len(store.notes) == 1 and "cannot be written" in store.notes[0] and "removed at the end of the run" in store.notes[0]
    store.close()
    assert not path.exists()


def test_no_cache_keeps_downloads_in_a_private_folder_removed_afterwards(registry: RegistryServer, tmp_path: Path) -> None:
    store = ArtifactStore(None)
    folder = store.directory
    assert folder.is_dir()
    store.close()
    assert not folder.exists()


# ---------------------------------------------------------------------------------------- kill -9, parallel writers

_WRITER = r"""
import sys, time
from pathlib import Path
from chainwarden.enrich.cache import Store
store = Store(Path(sys.argv[1]))
me, count = sys.argv[2], int(sys.argv[3])
for i in range(count):
    store.put(f"{me}-{i}", 200, b"x" * 2000, None, None)
    store.record_owners("idx", "pypi", f"{me}-{i}", ("alice",), float(i))
    print(i, flush=True)  # committed (autocommit): it must be there after a kill -9
    time.sleep(0.002)
assert not store.notes, store.notes
"""


def test_the_store_survives_kill_9_and_parallel_writers_with_no_lost_rows(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), f"w{n}", "200"], stdout=subprocess.PIPE,
                                env=env, text=True) for n in range(4)]
    victim = writers[0]
    assert victim.stdout is not None
    done = -1
    while done < 50:
        done = int(victim.stdout.readline())
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done = max([done, *(int(line) for line in victim.stdout.read().split())])
    for w in writers[1:]:
        assert w.wait(timeout=120) == 0
    db = sqlite3.connect(tmp_path / DB_FILE)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for n in range(1, 4):
        assert db.execute("SELECT count(*) FROM http_cache WHERE url LIKE ?", (f"w{n}-%",)).fetchone()[0] == 200
        assert db.execute("SELECT count(*) FROM owners_seen WHERE name LIKE ?", (f"w{n}-%",)).fetchone()[0] == 200
    killed = {r[0] for r in db.execute("SELECT url FROM http_cache WHERE url LIKE 'w0-%'")}
    assert {f"w0-{i}" for i in range(done + 1)} <= killed  # everything it said was written is there
    db.close()
