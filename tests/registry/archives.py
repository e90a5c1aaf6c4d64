"""Build real, byte-for-byte reproducible package archives from the source trees in
``tests/registry/artifact-src`` (sdists, wheels, npm tarballs), for the fixture releases
whose files chainwarden downloads and inspects.

The trees are data: nothing here imports or runs them. Archive members are sorted, dated
with the release's upload time, owned by uid/gid 0, mode 0644; gzip headers carry no name
and the same mtime, so `make_data --check` can compare archives byte for byte.

    sdist(SRC / "pypi/py-formatter-util/1.2.1", out, "py-formatter-util", "1.2.1", when)
    wheel(SRC / "pypi/py-formatter-util/1.2.1", out, "py-formatter-util", "1.2.1", when)
    npm_tarball(SRC / "npm/acme-ui-kit/99.0.0", out, "acme-ui-kit", "99.0.0", when)
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

SOURCES = Path(__file__).resolve().parent / "artifact-src"


def _epoch(when: datetime) -> int:
    """Seconds since the epoch; a naive datetime is UTC (never the machine's time zone)."""
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def _files(src: Path) -> list[tuple[str, bytes]]:
    return [(p.relative_to(src).as_posix(), p.read_bytes()) for p in sorted(src.rglob("*")) if p.is_file()]


def _stem(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _targz(members: list[tuple[str, bytes]], mtime: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in members:
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode, info.uid, info.gid = len(data), mtime, 0o644, 0, 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def sdist(src: Path, out: Path, name: str, version: str, when: datetime) -> Path:
    """``<stem>-<version>.tar.gz`` with everything under ``<stem>-<version>/`` (PEP 625)."""
    top = f"{_stem(name)}-{version}"
    path = out / f"{top}.tar.gz"
    _write(path, _targz([(f"{top}/{rel}", data) for rel, data in _files(src)], _epoch(when)))
    return path


def wheel(src: Path, out: Path, name: str, version: str, when: datetime, tag: str = "py3-none-any") -> Path:
    """A wheel of the tree's packages (``setup.py``, ``PKG-INFO`` and ``setup.cfg`` stay out), with
    ``.dist-info`` METADATA (from PKG-INFO), WHEEL and RECORD."""
    stem = _stem(name)
    info = f"{stem}-{version}.dist-info"
    members = [(rel, data) for rel, data in _files(src) if rel not in ("setup.py", "PKG-INFO", "setup.cfg", "pyproject.toml")]
    metadata = (src / "PKG-INFO").read_bytes() if (src / "PKG-INFO").is_file() else \
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    members.append((f"{info}/METADATA", metadata))
    members.append((f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: chainwarden-tests\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()))
    record = "".join(
        f"{rel},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for rel, data in members) + f"{info}/RECORD,,\n"
    members.append((f"{info}/RECORD", record.encode()))
    raw = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in members:
            entry = zipfile.ZipInfo(rel, date_time=stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, data)
    path = out / f"{stem}-{version}-{tag}.whl"
    _write(path, raw.getvalue())
    return path


def npm_tarball(src: Path, out: Path, name: str, version: str, when: datetime) -> Path:
    """``<basename>-<version>.tgz`` with everything under ``package/``, as ``npm pack`` writes it."""
    path = out / f"{name.split('/')[-1]}-{version}.tgz"
    _write(path, _targz([(f"package/{rel}", data) for rel, data in _files(src)], _epoch(when)))
    return path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)
