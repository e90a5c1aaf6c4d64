"""The safe unpacker (enrich.artifacts.unpack): every hostile archive is built here, in tmp_path, from
zipfile/tarfile or raw bytes; nothing leaves the machine."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import random
import stat
import struct
import tarfile
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest

from chainwarden.enrich.artifacts import Anomaly, Limits, Unpacked, unpack
from tests.helpers import tar_info

KINDS = {
    "absolute-path", "path-traversal", "link", "device", "too-large", "too-many-files", "compression-ratio",
    "nesting-depth", "zip-multiple-eocd", "zip-header-mismatch", "zip-overlap", "zip-prepended-data",
    "duplicate-name", "encrypted", "unreadable", "unknown-format", "zip-unlisted-entry", "decompression-bomb",
    "identical-copy",
}
MiB = 1024 * 1024


# --- builders ----------------------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return path


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w:gz", **kw: object) -> Path:
    with tarfile.open(path, mode, **kw) as tf:  # type: ignore[call-overload]
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def lfh(name: bytes, data: bytes, *, method: int = 0, flags: int = 0, crc: int | None = None, usize: int | None = None) -> bytes:
    crc = zlib.crc32(data) if crc is None else crc
    return struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, method, 0, 0x5821, crc, len(data),
                       len(data) if usize is None else usize, len(name), 0) + name


def cdh(name: bytes, data: bytes, offset: int, *, method: int = 0, flags: int = 0, mode: int = 0o644,
        usize: int | None = None) -> bytes:
    return struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, flags, method, 0, 0x5821, zlib.crc32(data),
                       len(data), len(data) if usize is None else usize, len(name), 0, 0, 0, 0,
                       (stat.S_IFREG | mode) << 16, offset) + name


def eocd(entries: int, cd_size: int, cd_offset: int, comment: bytes = b"") -> bytes:
    return struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, entries, entries, cd_size, cd_offset, len(comment)) + comment


def kinds(result: Unpacked) -> list[str]:
    return [a.kind for a in result.anomalies]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    """A folder whose contents are checked to be untouched apart from `dest` (what a traversal would hit)."""
    (tmp_path / "outside.txt").write_text("keep")
    return tmp_path


def assert_contained(work: Path, before: set[str], dest: Path) -> None:
    after = {p for p in tree(work) if not p.startswith(dest.name + os.sep) and p != dest.name}
    assert after == before, after ^ before
    assert (work / "outside.txt").read_text() == "keep"


# --- normal archives ---------------------------------------------------------------------------


def test_wheel_like_zip_unpacks_completely(tmp_path: Path) -> None:
    members = {
        "pkg/": b"",
        "pkg/__init__.py": b"from .core import run\n",
        "pkg/core.py": b"def run():\n    return 42\n" * 200,
        "pkg/data/big.bin": os.urandom(300_000),
        "pkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n",
        "pkg-1.0.dist-info/RECORD": b"pkg/__init__.py,,\n",
    }
    archive = make_zip(tmp_path / "pkg-1.0-py3-none-any.whl", members)
    result = unpack(archive, tmp_path / "out")
    assert result.anomalies == ()
    assert result.complete and result.format == "zip" and result.root == tmp_path / "out"
    assert result.files == tuple(sorted(n for n in members if not n.endswith("/")))
    for name, data in members.items():
        if not name.endswith("/"):
            assert (tmp_path / "out" / name).read_bytes() == data


def test_sdist_tar_gz_unpacks_completely(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "pkg-1.0.tar.gz", [
        tar_info("pkg-1.0", type=tarfile.DIRTYPE, mode=0o777),
        tar_info("pkg-1.0/setup.py", b"from setuptools import setup\nsetup()\n"),
        tar_info("pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\n"),
        tar_info("pkg-1.0/src/pkg/__init__.py", b"x = 1\n" * 50_000),
        tar_info("pkg-1.0/" + "long-name-" * 20 + ".txt", b"pax header for the long name"),
        tar_info("pkg-1.0/ünïcode.txt", b"pax header for the non-ASCII name"),
    ], format=tarfile.PAX_FORMAT)
    result = unpack(archive, tmp_path / "out")
    assert result.anomalies == () and result.complete and result.format == "tar.gz"
    assert "pkg-1.0/src/pkg/__init__.py" in result.files and "pkg-1.0/ünïcode.txt" in result.files
    assert (tmp_path / "out/pkg-1.0/src/pkg/__init__.py").read_bytes() == b"x = 1\n" * 50_000


def test_gnu_tar_and_npm_tarball_shapes(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "left-pad-1.3.0.tgz", [
        tar_info("package/package.json", b'{"name": "left-pad"}'),
        tar_info("package/" + "d/" * 60 + "index.js", b"module.exports = 1\n"),  # GNU long name
    ], format=tarfile.GNU_FORMAT)
    result = unpack(archive, tmp_path / "out")
    assert result.anomalies == () and result.complete
    assert len(result.files) == 2


def test_modes_are_fixed_whatever_the_archive_says(tmp_path: Path) -> None:
    zinfo = zipfile.ZipInfo("tool.sh")
    zinfo.external_attr = (stat.S_IFREG | stat.S_ISUID | 0o777) << 16
    zinfo.create_system = 3
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr(zinfo, b"#!/bin/sh\n")
        zf.writestr("dir/", b"")
    make_tar(tmp_path / "a.tar", [tar_info("setuid", b"x", mode=0o6777), tar_info("d", type=tarfile.DIRTYPE, mode=0o700)],
             mode="w")
    for archive in ("a.zip", "a.tar"):
        out = tmp_path / f"out-{archive}"
        result = unpack(tmp_path / archive, out)
        assert result.complete and result.anomalies == ()
        for path in out.rglob("*"):
            expected = 0o755 if path.is_dir() else 0o644
            assert stat.S_IMODE(path.stat().st_mode) == expected, path


@pytest.mark.parametrize(("name", "writer", "fmt"), [
    ("looks-like.tar.gz", "zip", "zip"),
    ("looks-like.whl", "w:gz", "tar.gz"),
    ("noext", "w:bz2", "tar.bz2"),
    ("x.zip", "w:xz", "tar.xz"),
    ("x.egg", "w", "tar"),
])
def test_format_comes_from_magic_bytes_not_the_name(tmp_path: Path, name: str, writer: str, fmt: str) -> None:
    if writer == "zip":
        make_zip(tmp_path / name, {"a.txt": b"a"})
    else:
        make_tar(tmp_path / name, [tar_info("a.txt", b"a")], mode=writer)
    result = unpack(tmp_path / name, tmp_path / "out")
    assert (result.format, result.files, result.anomalies) == (fmt, ("a.txt",), ())


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_every_zip_compression_method(tmp_path: Path, compression: int) -> None:
    data = b"print('hello')\n" * 5000 + os.urandom(5000)
    result = unpack(make_zip(tmp_path / "a.zip", {"a.py": data}, compression), tmp_path / "out")
    assert result.anomalies == () and (tmp_path / "out/a.py").read_bytes() == data


def test_zip64_and_data_descriptors_are_not_anomalies(tmp_path: Path) -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self, sink: io.BytesIO) -> None:
            self.sink = sink

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            return self.sink.write(b)  # type: ignore[arg-type]

    sink = io.BytesIO()
    with zipfile.ZipFile(Unseekable(sink), "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("streamed.txt", "w", force_zip64=True) as out:  # bit 3 + zip64 local extra
            out.write(b"streamed " * 1000)
        zf.writestr("plain.txt", b"plain")
    (tmp_path / "a.zip").write_bytes(sink.getvalue())
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert result.anomalies == () and result.files == ("plain.txt", "streamed.txt")


def test_zip64_end_records_and_extra_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """zipfile writes zip64 records past 65,535 entries or 4 GiB; lowering its limits gets them for a few bytes."""
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 3)
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 200)
    members = {f"m{i}.txt": bytes([65 + i]) * (150 + 60 * i) for i in range(6)}
    archive = make_zip(tmp_path / "a.zip", members)
    raw = archive.read_bytes()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw
    monkeypatch.undo()
    with zipfile.ZipFile(archive) as zf:
        assert zf.read("m5.txt") == members["m5.txt"]
    result = unpack(archive, tmp_path / "out")
    assert result.anomalies == () and result.files == tuple(sorted(members))
    assert (tmp_path / "out/m5.txt").read_bytes() == members["m5.txt"]


@pytest.mark.parametrize(("content", "why"), [
    (b"just some text, not an archive\n" * 30, "signature"),
    (b"", "empty"),
    (gzip.compress(b"a gzip'd log file, not a tar\n" * 100), "not a tar"),
], ids=["text", "empty", "gzip-not-tar"])
def test_unknown_format(tmp_path: Path, content: bytes, why: str) -> None:
    (tmp_path / "thing.tar.gz").write_bytes(content)
    result = unpack(tmp_path / "thing.tar.gz", tmp_path / "out")
    assert kinds(result) == ["unknown-format"] and why in result.anomalies[0].detail
    assert result.format == "unknown" and not result.complete and result.files == ()


def test_missing_archive_is_an_anomaly_not_an_exception(tmp_path: Path) -> None:
    result = unpack(tmp_path / "nope.whl", tmp_path / "out")
    assert kinds(result) == ["unreadable"] and not result.complete


# --- bombs and limits --------------------------------------------------------------------------


def write_zeros_zip(path: Path, size: int, *, extra: dict[str, bytes] | None = None) -> Path:
    zeros = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("bomb.bin", "w") as out:
            for _ in range(size // MiB):
                out.write(zeros)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_zip_bomb_is_stopped_by_ratio_and_removed(tmp_path: Path) -> None:
    archive = write_zeros_zip(tmp_path / "bomb.zip", 300 * MiB, extra={"after.txt": b"still unpacked"})
    assert archive.stat().st_size < 1 * MiB
    start = time.monotonic()
    result = unpack(archive, tmp_path / "out")
    assert time.monotonic() - start < 5
    assert kinds(result) == ["compression-ratio"] and result.anomalies[0].member == "bomb.bin"
    assert not (tmp_path / "out/bomb.bin").exists() and not result.complete
    assert result.files == ("after.txt",)


def test_member_over_the_size_limit_is_stopped_and_removed(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {"big.bin": os.urandom(3 * MiB), "small.txt": b"ok"}, zipfile.ZIP_STORED)
    result = unpack(archive, tmp_path / "out", Limits(max_member_bytes=2 * MiB))
    assert kinds(result) == ["too-large"] and result.anomalies[0].member == "big.bin"
    assert not (tmp_path / "out/big.bin").exists() and result.files == ("small.txt",) and not result.complete


def test_total_limit_stops_the_whole_archive(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {f"f{i}.bin": os.urandom(MiB) for i in range(4)}, zipfile.ZIP_STORED)
    result = unpack(archive, tmp_path / "out", Limits(max_total_bytes=int(2.5 * MiB)))
    assert kinds(result) == ["too-large"] and result.files == ("f0.bin", "f1.bin") and not result.complete
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f0.bin", "f1.bin"]


def test_sizes_are_counted_not_taken_from_headers(tmp_path: Path) -> None:
    """A directory entry that under-declares the size: the real bytes are counted and the member refused."""
    data = b"A" * 100_000
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = comp.compress(data) + comp.flush()
    name = b"liar.txt"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x5821, zlib.crc32(data), len(packed), 10, len(name), 0)
    central = struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, 8, 0, 0x5821, zlib.crc32(data), len(packed), 10,
                          len(name), 0, 0, 0, 0, 0o100644 << 16, 0)
    body = local + name + packed
    (tmp_path / "a.zip").write_bytes(body + central + name + eocd(1, len(central) + len(name), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["unreadable"] and "declares 10" in result.anomalies[0].detail
    assert not (tmp_path / "out/liar.txt").exists()


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz"])
def test_tar_bomb_is_stopped_and_removed(tmp_path: Path, mode: str) -> None:
    size = 40 * MiB

    class Zeros:
        """`size` zero bytes, read in the pieces tarfile asks for (never held whole)."""

        left = size

        def read(self, n: int = -1) -> bytes:
            n = min(n if n >= 0 else MiB, self.left)
            self.left -= n
            return bytes(n)

    info = tarfile.TarInfo("pkg/bomb.bin")
    info.size = size
    kw = {"compresslevel": 9} if mode != "w:xz" else {"preset": 0}
    with tarfile.open(tmp_path / "bomb.tar", mode, **kw) as tf:  # type: ignore[call-overload]
        tf.addfile(tarfile.TarInfo("pkg/first.txt"), io.BytesIO(b""))
        tf.addfile(info, Zeros())
    result = unpack(tmp_path / "bomb.tar", tmp_path / "out", Limits(ratio_after_bytes=8 * MiB))
    assert "compression-ratio" in kinds(result) and not result.complete
    assert not (tmp_path / "out/pkg/bomb.bin").exists()
    assert result.files == ("pkg/first.txt",)


def test_too_many_files(tmp_path: Path) -> None:
    limits = Limits(max_files=10)
    archive = make_zip(tmp_path / "a.zip", {f"f{i:02}.txt": b"x" for i in range(25)})
    result = unpack(archive, tmp_path / "out-zip", limits)
    assert kinds(result) == ["too-many-files"] and len(result.files) == 10 and not result.complete
    tar = make_tar(tmp_path / "a.tgz", [tar_info(f"f{i:02}.txt", b"x") for i in range(25)])
    result = unpack(tar, tmp_path / "out-tar", limits)
    assert kinds(result) == ["too-many-files"] and len(result.files) == 10 and not result.complete


def test_long_member_name(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {"d/" + "x" * 200: b"x", "ok": b"y"})
    result = unpack(archive, tmp_path / "out", Limits(max_path_length=100))
    assert kinds(result) == ["too-large"] and result.files == ("ok",)


# --- paths: nothing is written outside dest ----------------------------------------------------


def test_zip_slip_never_writes_outside(work: Path) -> None:
    before = tree(work)
    absolute = work / "absolute-target.txt"
    archive = make_zip(work / "slip.zip", {
        "../../evil.txt": b"1",
        "../outside.txt": b"overwritten",
        str(absolute): b"2",
        "..\\..\\x.txt": b"3",
        "a/../../b.txt": b"4",
        "C:\\Windows\\evil.dll": b"5",
        "\\\\server\\share\\evil": b"6",
        "good/ok.txt": b"fine",
    })
    before = tree(work)
    dest = work / "dest"
    result = unpack(archive, dest)
    by_member = {a.member: a.kind for a in result.anomalies}
    assert by_member == {
        "../../evil.txt": "path-traversal",
        "../outside.txt": "path-traversal",
        str(absolute): "absolute-path",
        "..\\\\..\\\\x.txt": "path-traversal",
        "a/../../b.txt": "path-traversal",
        "C:\\\\Windows\\\\evil.dll": "absolute-path",
        "\\\\\\\\server\\\\share\\\\evil": "absolute-path",
    }
    assert result.files == ("good/ok.txt",) and result.complete
    assert_contained(work, before, dest)
    assert not absolute.exists()


def test_tar_slip_and_nul_bytes(work: Path) -> None:
    archive = make_tar(work / "slip.tar.gz", [
        tar_info("../evil.txt", b"1"),
        tar_info("/tmp/chainwarden-abs-test.txt", b"2"),
        tar_info("pkg/../../../evil.txt", b"3"),
        tar_info("pkg/ok.txt", b"ok"),
        tar_info("pkg/nul\x00byté.txt", b"4"),  # the non-ASCII letter puts the name in a pax header, NUL and all
    ], format=tarfile.PAX_FORMAT)
    before = tree(work)
    dest = work / "dest"
    result = unpack(archive, dest)
    assert sorted(kinds(result)) == ["absolute-path", "path-traversal", "path-traversal", "path-traversal"]
    assert result.files == ("pkg/ok.txt",)
    assert_contained(work, before, dest)
    assert not Path("/tmp/chainwarden-abs-test.txt").exists()


def test_nul_byte_in_zip_name(tmp_path: Path) -> None:
    raw = zip_bytes({"evilXname.txt": b"x", "ok.txt": b"y"}).replace(b"evilXname", b"evil\x00name")
    (tmp_path / "a.zip").write_bytes(raw)
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["path-traversal"] and result.anomalies[0].member == "evil\\x00name.txt"
    assert result.files == ("ok.txt",)


def test_a_symlink_already_in_dest_is_not_followed(work: Path) -> None:
    target = work / "elsewhere"
    target.mkdir()
    dest = work / "dest"
    dest.mkdir()
    (dest / "sub").symlink_to(target)
    result = unpack(make_zip(work / "a.zip", {"sub/x.txt": b"x", "y.txt": b"y"}), dest)
    assert kinds(result) == ["duplicate-name"] and result.files == ("y.txt",)
    assert list(target.iterdir()) == []


# --- links and devices -------------------------------------------------------------------------


def test_tar_links_and_devices_are_never_created(work: Path) -> None:
    archive = make_tar(work / "links.tar", [
        tar_info("pkg/passwd", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        tar_info("pkg/up", type=tarfile.SYMTYPE, linkname="../../.."),
        tar_info("pkg/hard", type=tarfile.LNKTYPE, linkname="/etc/shadow"),
        tar_info("pkg/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3),
        tar_info("pkg/disk", type=tarfile.BLKTYPE, devmajor=8, devminor=0),
        tar_info("pkg/fifo", type=tarfile.FIFOTYPE),
        tar_info("pkg/up/through-link.txt", b"would land outside if the link existed"),
        tar_info("pkg/real.txt", b"real"),
    ], mode="w")
    before = tree(work)
    dest = work / "dest"
    result = unpack(archive, dest)
    assert kinds(result) == ["link", "link", "link", "device", "device", "device"]
    assert result.anomalies[0].detail == "A symbolic link to '/etc/passwd'; not created."
    assert result.files == ("pkg/real.txt", "pkg/up/through-link.txt")
    for name in ("passwd", "hard", "null", "disk", "fifo"):
        assert not os.path.lexists(dest / "pkg" / name)
    assert not (dest / "pkg/up").is_symlink()
    assert_contained(work, before, dest)


def test_zip_symlink_entries_are_never_created(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("evil-link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    fifo = zipfile.ZipInfo("fifo")
    fifo.create_system = 3
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr(link, b"/etc/passwd")
        zf.writestr(fifo, b"")
        zf.writestr("ok.txt", b"ok")
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["link", "device"] and result.files == ("ok.txt",)
    assert not os.path.lexists(tmp_path / "out/evil-link")


# --- zip parser tricks -------------------------------------------------------------------------


def test_two_eocd_records_concatenated_zips(tmp_path: Path) -> None:
    first = zip_bytes({"seen-by-front-readers.py": b"import os"})
    second = zip_bytes({"seen-by-back-readers.py": b"pass"})
    (tmp_path / "a.zip").write_bytes(first + second)
    result = unpack(tmp_path / "a.zip", tmp_path / "out", aside=tmp_path / "aside")
    assert set(kinds(result)) == {"zip-multiple-eocd", "zip-prepended-data", "zip-unlisted-entry"}
    assert result.files == ("seen-by-back-readers.py",) and result.complete
    # the first zip's entry is what a streaming reader extracts: written aside, read as a copy
    (copy,) = result.copies
    assert copy.path == "seen-by-front-readers.py" and copy.origin == "unlisted local entry at offset 0"
    assert copy.file.read_bytes() == b"import os" and copy.file.parent == tmp_path / "aside"


def test_eocd_wrapping_a_second_directory_in_its_comment(tmp_path: Path) -> None:
    """Two directories, two records: the first record's comment runs exactly to the end of the file and holds the
    second directory and record, so readers that check the comment length pick the first, most others the second."""
    decoy, real = b"decoy.txt", b"real.txt"
    body = lfh(decoy, b"d") + b"d" + lfh(real, b"r") + b"r"
    cd1 = cdh(decoy, b"d", 0)
    cd2 = cdh(real, b"r", len(lfh(decoy, b"d")) + 1)
    cd2_start = len(body) + len(cd1) + 22
    second = cd2 + eocd(1, len(cd2), cd2_start)
    (tmp_path / "a.zip").write_bytes(body + cd1 + eocd(1, len(cd1), len(body), comment=second))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert "zip-multiple-eocd" in kinds(result)
    assert result.files == ("real.txt",)


def test_a_stored_zip_inside_a_zip_is_not_a_second_eocd(tmp_path: Path) -> None:
    inner = zip_bytes({"inner.txt": b"inner"}, zipfile.ZIP_STORED)
    archive = make_zip(tmp_path / "outer.zip", {"tests/fixture.zip": inner, "a.py": b"x"}, zipfile.ZIP_STORED)
    result = unpack(archive, tmp_path / "out")
    assert result.anomalies == () and result.files == ("a.py", "tests/fixture.zip")


def test_local_header_disagrees_with_central_directory(tmp_path: Path) -> None:
    raw = zip_bytes({"harmless.py": b"print(1)", "other.py": b"x"}, zipfile.ZIP_STORED)
    local_at = raw.index(b"harmless.py")  # the first occurrence is the local header's
    raw = raw[:local_at] + b"malicious.p" + raw[local_at + len("harmless.py"):]
    (tmp_path / "a.zip").write_bytes(raw)
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["zip-header-mismatch"] and result.anomalies[0].member == "harmless.py"
    assert "malicious.p" in result.anomalies[0].detail and result.files == ("other.py",)


def test_local_header_method_and_size_mismatch(tmp_path: Path) -> None:
    name, data = b"a.txt", b"hello"
    body = lfh(name, data, method=8) + data  # local says deflate, directory says stored
    body2 = lfh(b"b.txt", data, usize=999) + data  # local says another size
    cd = cdh(name, data, 0) + cdh(b"b.txt", data, len(body))
    (tmp_path / "a.zip").write_bytes(body + body2 + cd + eocd(2, len(cd), len(body + body2)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["zip-header-mismatch", "zip-header-mismatch"] and result.files == ()
    assert "compression method 8" in result.anomalies[0].detail and "sizes" in result.anomalies[1].detail


def test_overlapping_entries(tmp_path: Path) -> None:
    """The overlapping-file technique: b.txt's local header sits inside a.txt's data."""
    inner = lfh(b"b.txt", b"hello") + b"hello"
    outer = lfh(b"a.txt", inner) + inner
    cd = cdh(b"a.txt", inner, 0) + cdh(b"b.txt", b"hello", len(lfh(b"a.txt", inner)))
    (tmp_path / "a.zip").write_bytes(outer + cd + eocd(2, len(cd), len(outer)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["zip-overlap"] and result.anomalies[0].member == "b.txt"
    assert result.files == ("a.txt",)


def test_fifield_style_bomb_entries_sharing_one_kernel(tmp_path: Path) -> None:
    kernel = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = kernel.compress(bytes(10 * MiB)) + kernel.flush()
    crc = zlib.crc32(bytes(10 * MiB))
    name = b"k"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), 10 * MiB, 1, 0) + name
    body = local + packed
    cd = b"".join(struct.pack("<4s6H3I5HII", b"PK\x01\x02", 0x031E, 20, 0, 8, 0, 0, crc, len(packed), 10 * MiB, 1, 0,
                              0, 0, 0, 0o100644 << 16, 0) + name for _ in range(50))
    (tmp_path / "a.zip").write_bytes(body + cd + eocd(50, len(cd), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result).count("zip-overlap") + kinds(result).count("duplicate-name") == 49
    assert sum(f.stat().st_size for f in (tmp_path / "out").rglob("*") if f.is_file()) <= 10 * MiB


def test_prepended_data(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"#!/bin/sh\necho pwned\nexit 0\n" + zip_bytes({"pkg/a.py": b"x"}))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["zip-prepended-data"] and result.format == "zip"
    assert result.files == ("pkg/a.py",) and result.complete


def test_duplicate_names(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive = make_zip(tmp_path / "a.zip", {"a.py": b"first"})
        with zipfile.ZipFile(archive, "a") as zf:
            zf.writestr("a.py", b"second")
            zf.writestr("dir\\b.py", b"backslash")
            zf.writestr("dir/b.py", b"slash")
    result = unpack(archive, tmp_path / "out")
    assert kinds(result) == ["duplicate-name", "duplicate-name"]
    assert (tmp_path / "out/a.py").read_bytes() == b"first"
    tar = make_tar(tmp_path / "a.tgz", [tar_info("x.py", b"1"), tar_info("x.py", b"2"), tar_info("./x.py", b"3")])
    result = unpack(tar, tmp_path / "out-tar")
    assert kinds(result) == ["duplicate-name", "duplicate-name"] and (tmp_path / "out-tar/x.py").read_bytes() == b"1"


def test_encrypted_members_are_skipped(tmp_path: Path) -> None:
    name, data = b"secret.py", b"ciphertext!!"
    body = lfh(name, data, flags=1) + data + lfh(b"open.py", b"x") + b"x"
    cd = cdh(name, data, 0, flags=1) + cdh(b"open.py", b"x", len(lfh(name, data, flags=1) + data))
    (tmp_path / "a.zip").write_bytes(body + cd + eocd(2, len(cd), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["encrypted"] and result.files == ("open.py",)


# --- broken archives ---------------------------------------------------------------------------


def test_truncated_archives_are_unreadable_not_exceptions(tmp_path: Path) -> None:
    payload = {f"pkg/m{i}.py": os.urandom(3000) + b"x" * 3000 for i in range(8)}
    whole_zip = zip_bytes(payload)
    make_tar(tmp_path / "whole.tgz", [tar_info(n, d) for n, d in payload.items()])
    whole_tgz = (tmp_path / "whole.tgz").read_bytes()
    make_tar(tmp_path / "whole.tar", [tar_info(n, d) for n, d in payload.items()], mode="w")
    whole_tar = (tmp_path / "whole.tar").read_bytes()
    for label, whole in (("zip", whole_zip), ("tgz", whole_tgz), ("tar", whole_tar)):
        # a tar's last bytes are padding after the end-of-archive blocks: cutting them loses nothing
        for cut in (len(whole) // 7, len(whole) // 2) + ((len(whole) - 30, len(whole) - 1) if label != "tar" else ()):
            path = tmp_path / f"cut-{label}-{cut}"
            path.write_bytes(whole[:cut])
            result = unpack(path, tmp_path / f"out-{label}-{cut}")
            assert not result.complete, (label, cut)
            assert set(kinds(result)) & {"unreadable", "unknown-format"}, (label, cut, result.anomalies)


def test_tar_cut_at_a_header_or_with_a_bad_header(tmp_path: Path) -> None:
    """tarfile ends silently at a missing or invalid header after the first one; the unpacker says so."""
    make_tar(tmp_path / "whole.tar", [tar_info("one.txt", b"1"), tar_info("two.txt", b"2")], mode="w")
    whole = (tmp_path / "whole.tar").read_bytes()
    (tmp_path / "cut.tar").write_bytes(whole[:1024])  # header + data of one.txt, nothing after
    (tmp_path / "bad.tar").write_bytes(whole[:1024] + os.urandom(512) + whole[1536:])
    for name, words in (("cut.tar", "end-of-archive"), ("bad.tar", "invalid header")):
        result = unpack(tmp_path / name, tmp_path / f"out-{name}")
        assert kinds(result) == ["unreadable"] and words in result.anomalies[0].detail, result.anomalies
        assert result.files == ("one.txt",) and not result.complete


def test_corrupt_member_data(tmp_path: Path) -> None:
    raw = bytearray(zip_bytes({"a.py": b"hello world " * 1000, "b.py": b"fine"}))
    start = raw.index(b"a.py") + 4
    raw[start + 10 : start + 40] = os.urandom(30)
    (tmp_path / "a.zip").write_bytes(bytes(raw))
    result = unpack(tmp_path / "a.zip", tmp_path / "out")
    assert kinds(result) == ["unreadable"] and result.files == ("b.py",)
    assert not (tmp_path / "out/a.py").exists()


def test_random_corruption_never_raises(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    samples = [zip_bytes({"a/b.py": b"x = 1\n" * 400, "c.txt": b"hello"})]
    for mode in ("w:gz", "w:bz2", "w:xz", "w"):
        path = make_tar(tmp_path / f"s.{mode[2:] or 'tar'}", [tar_info("a/b.py", b"x = 1\n" * 400),
                                                           tar_info("l", type=tarfile.SYMTYPE, linkname="x")], mode=mode)
        samples.append(path.read_bytes())
    for i in range(200):
        blob = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 8)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        path = tmp_path / f"fuzz{i}"
        path.write_bytes(bytes(blob))
        result = unpack(path, tmp_path / f"fuzz-out{i}", nested=True)
        assert {a.kind for a in result.anomalies} <= KINDS
        for a in result.anomalies:
            assert all(ch.isprintable() for ch in a.member + a.detail), a
            assert "unexpected data" not in a.detail, a  # the catch-all for bugs never fired


def test_tar_with_a_huge_declared_size_ends_quickly(tmp_path: Path) -> None:
    info = tarfile.TarInfo("../skipped-by-path-check")
    info.size = 2**70  # written as GNU base-256; tarfile would loop on the missing data
    header = info.tobuf(tarfile.GNU_FORMAT)
    (tmp_path / "a.tar").write_bytes(header + b"x" * 1024)
    start = time.monotonic()
    result = unpack(tmp_path / "a.tar", tmp_path / "out")
    assert time.monotonic() - start < 5
    assert "unreadable" in kinds(result) and not result.complete


def test_pax_header_built_to_make_tarfile_slow(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "a.tar", [tar_info("a.txt", b"a")], mode="w", format=tarfile.PAX_FORMAT,
                       pax_headers={"comment": "1" * 200_000})
    start = time.monotonic()
    result = unpack(archive, tmp_path / "out")
    assert time.monotonic() - start < 5
    assert kinds(result) == ["unreadable"] and "CVE-2024-6232" in result.anomalies[0].detail


def test_compressed_but_corrupt_stream(tmp_path: Path) -> None:
    good = gzip.compress(b"\0" * 10)[:10]
    (tmp_path / "a.tgz").write_bytes(good + os.urandom(2000))
    (tmp_path / "b.tbz").write_bytes(b"BZh9" + os.urandom(2000))
    (tmp_path / "c.txz").write_bytes(lzma.compress(b"")[:12] + os.urandom(2000))
    for name in ("a.tgz", "b.tbz", "c.txz"):
        result = unpack(tmp_path / name, tmp_path / f"out-{name}")
        assert kinds(result) == ["unreadable"], (name, result.anomalies)


# --- nesting -----------------------------------------------------------------------------------


def test_nested_archives_unpack_down_to_max_depth(tmp_path: Path) -> None:
    level3 = zip_bytes({"deepest.txt": b"too deep"})
    level2 = zip_bytes({"level3.zip": level3, "two.txt": b"2"})
    make_tar(tmp_path / "level1.tar.gz", [tar_info("level2.whl", level2), tar_info("one.txt", b"1")])
    archive = make_zip(tmp_path / "outer.zip", {"vendor/level1.tar.gz": (tmp_path / "level1.tar.gz").read_bytes()})
    result = unpack(archive, tmp_path / "out", Limits(max_depth=2), nested=True)
    assert result.files == (
        "vendor/level1.tar.gz",
        "vendor/level1.tar.gz!/level2.whl",
        "vendor/level1.tar.gz!/level2.whl!/level3.zip",
        "vendor/level1.tar.gz!/level2.whl!/two.txt",
        "vendor/level1.tar.gz!/one.txt",
    )
    assert [(a.kind, a.member) for a in result.anomalies] == [
        ("nesting-depth", "vendor/level1.tar.gz!/level2.whl!/level3.zip")]
    assert not result.complete and result.not_read == result.anomalies  # level3's contents were not read
    assert result.nested == ("vendor/level1.tar.gz!", "vendor/level1.tar.gz!/level2.whl!")
    flat = unpack(archive, tmp_path / "flat")
    assert flat.files == ("vendor/level1.tar.gz",) and flat.anomalies == ()


def test_nested_anomalies_name_the_path_through_the_archives(tmp_path: Path) -> None:
    inner = zip_bytes({"../escape.txt": b"x"})
    result = unpack(make_zip(tmp_path / "outer.zip", {"inner.zip": inner}), tmp_path / "out", nested=True)
    assert [(a.kind, a.member) for a in result.anomalies] == [("path-traversal", "inner.zip!/../escape.txt")]


def test_limits_are_shared_with_nested_archives(tmp_path: Path) -> None:
    inner = zip_bytes({"blob.bin": os.urandom(3 * MiB)}, zipfile.ZIP_STORED)
    archive = make_zip(tmp_path / "outer.zip", {"inner.zip": inner}, zipfile.ZIP_STORED)
    result = unpack(archive, tmp_path / "out", Limits(max_total_bytes=5 * MiB), nested=True)
    assert kinds(result) == ["too-large"] and not result.complete
    assert result.anomalies[0].member == "inner.zip!/blob.bin"


# --- printable names ---------------------------------------------------------------------------


def test_member_names_with_ansi_escapes_are_escaped(tmp_path: Path) -> None:
    evil = "\x1b[2J\x1b[31m/../../pwned\x07\u202e.txt"
    result = unpack(make_zip(tmp_path / "a.zip", {evil: b"x"}), tmp_path / "out")
    assert kinds(result) == ["path-traversal"]
    member = result.anomalies[0].member
    assert "\x1b" not in member and "\x07" not in member and "\u202e" not in member
    assert member == "\\x1b[2J\\x1b[31m/../../pwned\\x07\\u202e.txt"
    tar = make_tar(tmp_path / "a.tgz", [tar_info("\x1b]0;title\x07link", type=tarfile.SYMTYPE, linkname="\x1b[8m/etc")],
                   format=tarfile.PAX_FORMAT)
    anomaly: Anomaly = unpack(tar, tmp_path / "out-tar").anomalies[0]
    assert anomaly.kind == "link" and "\x1b" not in anomaly.member + anomaly.detail


# --- issue 12: copies, unlisted entries, per-member limits, the stop flag --------------------------


def test_later_copies_of_a_path_are_written_aside_and_named(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive = make_zip(tmp_path / "a.zip", {"a.py": b"first"})
        with zipfile.ZipFile(archive, "a") as zf:
            zf.writestr("a.py", b"second")
            zf.writestr("./a.py", b"third")
    result = unpack(archive, tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["duplicate-name", "duplicate-name"] and result.complete
    assert (tmp_path / "out/a.py").read_bytes() == b"first" and result.files == ("a.py",)
    assert [(c.path, c.origin, c.file.read_bytes()) for c in result.copies] == [
        ("a.py", "copy 2 of 3", b"second"), ("a.py", "copy 3 of 3", b"third")]
    assert stat.S_IMODE((tmp_path / "aside").stat().st_mode) == 0o700
    tar = make_tar(tmp_path / "a.tgz", [tar_info("p/x.py", b"1"), tar_info("p/x.py", b"2")])
    result = unpack(tar, tmp_path / "out-tar", aside=tmp_path / "aside-tar")
    assert [(c.path, c.origin, c.file.read_bytes()) for c in result.copies] == [("p/x.py", "copy 2 of 2", b"2")]


def test_a_copy_with_the_same_bytes_is_only_noted(tmp_path: Path) -> None:
    """A real npm tarball ships package/./dist/cjs/index.js after package/dist/cjs/index.js, byte for byte."""
    tar = make_tar(tmp_path / "a.tgz", [tar_info("package/dist/x.js", b"same"), tar_info("package/./dist/x.js", b"same")])
    result = unpack(tar, tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["identical-copy"] and result.copies == () and result.complete
    assert list((tmp_path / "aside").iterdir()) == []


def test_without_an_aside_folder_a_copy_is_reported_and_the_result_incomplete(tmp_path: Path) -> None:
    tar = make_tar(tmp_path / "a.tgz", [tar_info("x.py", b"1"), tar_info("x.py", b"2")])
    result = unpack(tar, tmp_path / "out")
    assert kinds(result) == ["duplicate-name"] and not result.complete and result.not_read == result.anomalies
    assert result.copies == ()


def test_a_file_whose_folder_is_a_file_is_a_copy(tmp_path: Path) -> None:
    tar = make_tar(tmp_path / "a.tar", [tar_info("pkg", b"a file"), tar_info("pkg/evil.py", b"import os")], mode="w")
    result = unpack(tar, tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["duplicate-name"] and [c.path for c in result.copies] == ["pkg/evil.py"]


def test_local_entries_the_directory_does_not_list(tmp_path: Path) -> None:
    hidden = lfh(b"pkg/hidden.py", b"import os\n") + b"import os\n"
    body = lfh(b"pkg/a.py", b"a") + b"a" + hidden + lfh(b"pkg/b.py", b"b") + b"b"
    cd = cdh(b"pkg/a.py", b"a", 0) + cdh(b"pkg/b.py", b"b", len(lfh(b"pkg/a.py", b"a")) + 1 + len(hidden))
    (tmp_path / "a.zip").write_bytes(body + cd + eocd(2, len(cd), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["zip-unlisted-entry"] and result.complete and result.files == ("pkg/a.py", "pkg/b.py")
    (copy,) = result.copies
    offset = len(lfh(b"pkg/a.py", b"a")) + 1
    assert (copy.path, copy.origin, copy.file.read_bytes()) == (
        "pkg/hidden.py", f"unlisted local entry at offset {offset:,}", b"import os\n")


@pytest.mark.parametrize("method", [0, 8])
def test_unlisted_entries_with_a_data_descriptor(tmp_path: Path, method: int) -> None:
    data = b"print('streamed')\n" * 50
    packed = zlib.compressobj(9, zlib.DEFLATED, -15)
    stored = packed.compress(data) + packed.flush() if method == 8 else data
    hidden = (struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 8, method, 0, 0, 0, 0, 0, 4, 0) + b"h.py"
              + stored + struct.pack("<4s3I", b"PK\x07\x08", zlib.crc32(data), len(stored), len(data)))
    body = lfh(b"a.py", b"a") + b"a" + hidden
    cd = cdh(b"a.py", b"a", 0)
    (tmp_path / "a.zip").write_bytes(body + cd + eocd(1, len(cd), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["zip-unlisted-entry"] and result.complete
    assert [(c.path, c.file.read_bytes()) for c in result.copies] == [("h.py", data)]


def test_an_unlisted_entry_whose_end_cannot_be_found_is_not_read(tmp_path: Path) -> None:
    hidden = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 8, 0, 0, 0, 0, 0, 0, 4, 0) + b"h.py" + b"no descriptor"
    body = lfh(b"a.py", b"a") + b"a" + hidden
    cd = cdh(b"a.py", b"a", 0)
    (tmp_path / "a.zip").write_bytes(body + cd + eocd(1, len(cd), len(body)))
    result = unpack(tmp_path / "a.zip", tmp_path / "out", aside=tmp_path / "aside")
    assert kinds(result) == ["zip-unlisted-entry", "unreadable"] and not result.complete and result.copies == ()


def test_one_stopped_member_does_not_stop_the_ones_after_it(tmp_path: Path) -> None:
    limits = Limits(ratio_after_bytes=2 * MiB)
    archive = write_zeros_zip(tmp_path / "bomb.zip", 20 * MiB, extra={"setup.py": b"import os"})
    result = unpack(archive, tmp_path / "out", limits)
    assert kinds(result) == ["compression-ratio"] and result.files == ("setup.py",) and not result.complete
    run = make_zip(tmp_path / "run.zip", {"data.bin": b"A" * (2 * MiB), "setup.py": b"import os"})
    result = unpack(run, tmp_path / "out-run")  # a 2 MB run of one byte is just a file (judged past 64 MiB)
    assert result.anomalies == () and result.files == ("data.bin", "setup.py")


def test_the_tree_cap_is_a_bomb_only_when_the_archive_expands_like_one(tmp_path: Path) -> None:
    zeros = write_zeros_zip(tmp_path / "zeros.zip", 8 * MiB, extra={"later.py": b"x"})
    result = unpack(zeros, tmp_path / "out", Limits(max_total_bytes=4 * MiB))
    assert kinds(result) == ["decompression-bomb"] and not result.complete and "later.py" not in result.files
    noise = make_zip(tmp_path / "noise.zip", {f"f{i}.bin": os.urandom(MiB) for i in range(4)}, zipfile.ZIP_STORED)
    result = unpack(noise, tmp_path / "out-noise", Limits(max_total_bytes=int(2.5 * MiB)))
    assert kinds(result) == ["too-large"] and not result.complete


def test_a_refused_tar_member_still_counts_towards_the_tree_cap(tmp_path: Path) -> None:
    info = tarfile.TarInfo("../escape.bin")
    info.size = 8 * MiB
    path = tmp_path / "a.tgz"
    with tarfile.open(path, "w:gz", compresslevel=9) as tf:
        tf.addfile(info, io.BytesIO(bytes(8 * MiB)))
        tf.addfile(tarfile.TarInfo("setup.py"), io.BytesIO(b""))
    result = unpack(path, tmp_path / "out", Limits(max_total_bytes=4 * MiB))
    assert kinds(result) == ["path-traversal", "decompression-bomb"] and not result.complete


def test_a_stop_request_ends_unpacking_between_chunks(tmp_path: Path) -> None:
    from chainwarden.enrich.artifacts import workdir

    archive = make_zip(tmp_path / "a.zip", {"big.bin": os.urandom(3 * MiB), "b.txt": b"b"}, zipfile.ZIP_STORED)
    workdir.request_stop()
    try:
        with pytest.raises(KeyboardInterrupt):
            unpack(archive, tmp_path / "out")
    finally:
        workdir.reset()
    assert not (tmp_path / "out/big.bin").exists()
