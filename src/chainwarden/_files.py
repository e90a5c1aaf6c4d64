"""The one way chainwarden reads a file that someone else wrote.

Manifests, lockfiles, the files a requirements ``-r``/``-c`` line names, the policy file, pip/uv/npm
configuration files and an installed environment's metadata are all written by whoever wrote the
project (or the pull request): a line in one of them can name ``/proc/self/environ``, a symlink can
point at ``~/.aws/credentials``, a file can be a FIFO that never ends or a link to ``/dev/zero``.
`read_bytes` and `read_text` refuse all of that before a byte is read:

- a path under ``/proc``, ``/dev`` or ``/sys`` (as written, or once its links are resolved);
- with `roots`, a path whose real location (links resolved) is outside every root;
- anything that is not a regular file (FIFO, socket, device, folder): checked with ``stat`` before
  opening and ``fstat`` after (the file is opened non-blocking, so a FIFO swapped in never blocks);
- a file larger than `limit` bytes (`MAX_INPUT_BYTES` by default), checked on the size the file
  reports and again while reading (files under ``/proc`` report size 0, so the size is never trusted).

Every stage may import this module (tests/test_architecture.py allows it by name); it imports nothing
of chainwarden's own, so it sits below every stage, beside `model`. A refusal is a `FileRefused` whose
`reason` says what was wrong without quoting the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from chainwarden._errors import describe

__all__ = ["MAX_INPUT_BYTES", "SPECIAL_TREES", "FileRefused", "inside", "read_bytes", "read_text", "scan_roots"]

# 64 MiB: a package-lock.json of 20,000 packages is about 20 MB; nothing a person writes comes near it.
MAX_INPUT_BYTES = 64 * 1024 * 1024
SPECIAL_TREES = ("/proc", "/dev", "/sys")
_CHUNK = 1024 * 1024


class FileRefused(Exception):
    """A file that is not read, and why (``outside the scanned folder: not read``, ``not a regular file``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _special(path: str) -> str | None:
    for tree in SPECIAL_TREES:
        if path == tree or path.startswith(tree + "/"):
            return tree
    return None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def inside(path: Path | str, roots: Iterable[Path | str]) -> bool:
    """Whether `path`, links resolved, is one of `roots` (links resolved) or below one."""
    real = os.path.realpath(path)
    return any(_within(real, os.path.realpath(r)) for r in roots)


def scan_roots(paths: Iterable[Path]) -> tuple[Path, ...]:
    """The folders a scan of `paths` may read from: each folder given, or the folder of each file given,
    links resolved."""
    out: list[Path] = []
    for p in paths:
        folder = p if p.is_dir() else p.absolute().parent
        real = Path(os.path.realpath(folder))
        if real not in out:
            out.append(real)
    return tuple(out)


def _check(path: Path, roots: Iterable[Path] | None) -> str:
    """The real path to open, or `FileRefused`."""
    written = os.path.abspath(path)
    real = os.path.realpath(path)
    if roots is not None and not inside(real, roots):
        raise FileRefused("outside the scanned folder: not read")
    tree = _special(written) or _special(real)
    if tree is not None:
        raise FileRefused(f"a special file (under {tree}): not read")
    return real


def read_bytes(path: Path, *, roots: Iterable[Path] | None = None, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (inside `roots` when given), or `FileRefused`."""
    roots = tuple(roots) if roots is not None else None
    real = _check(path, roots)
    try:
        before = os.stat(real)
    except OSError as exc:
        raise FileRefused(f"could not read the file: {describe(exc)}") from exc
    if not stat.S_ISREG(before.st_mode):
        raise FileRefused(f"{_kind(before.st_mode)}, not a regular file: not read")
    if before.st_size > limit:
        raise FileRefused(f"larger than the {_size(limit)} chainwarden reads from one input file ({_size(before.st_size)})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise FileRefused(f"could not read the file: {describe(exc)}") from exc
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefused(f"{_kind(opened.st_mode)}, not a regular file: not read")
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise FileRefused("changed while it was being opened: not read")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileRefused(f"larger than the {_size(limit)} chainwarden reads from one input file")
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(f"could not read the file: {describe(exc)}") from exc
    finally:
        os.close(fd)


def read_text(path: Path, *, roots: Iterable[Path] | None = None, limit: int = MAX_INPUT_BYTES) -> str:
    """`read_bytes` decoded as UTF-8 (a BOM is allowed); undecodable bytes are a `UnicodeDecodeError`."""
    return read_bytes(path, roots=roots, limit=limit).decode("utf-8-sig")


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"
