"""A safe unpacker for package archives: every wheel, egg, sdist and npm tarball goes through it.

Archives come from strangers, so this module treats them as hostile data:

- nothing is ever executed, and nothing is written outside `dest` (every member
  name is checked, every target path resolved and compared with `dest`) and the
  `aside` folder for copies (below);
- links, devices and FIFOs are never created; files are 0o644 and folders
  0o755, whatever the archive says;
- every byte is streamed in bounded chunks and counted as it is produced, so a
  zip bomb or a tar bomb is stopped at its limit, and memory stays flat
  whatever a header claims. The limits are per member (size, and a ratio past
  64 MiB) so that one stopped member never hides the members after it; only
  the caps for the whole tree (bytes, members) stop the unpacking, and then
  the result is incomplete;
- zips are read by this module itself, from the raw bytes, so that the parser
  tricks that make two tools see two different file lists (several
  end-of-central-directory records, local headers that disagree with the
  central directory, local entries the central directory does not list,
  overlapping entries, prepended data, duplicate names) are seen and reported
  instead of being resolved silently one way;
- code an installer could end up with is never dropped: a second member with
  the path of an earlier one (the last one wins in `zipfile`, GNU tar and
  `tarfile`), and a zip entry only streaming readers see, are written to the
  `aside` folder and listed in `Unpacked.copies` with the path they would have,
  so that the analysis reads every copy;
- tars are read with `tarfile` in streaming mode, behind a reader that caps
  the stream and checks extended headers before `tarfile` parses them;
- `unpack()` never raises for a bad, hostile or truncated archive: every
  problem becomes an `Anomaly`. Only failing to create `dest` raises OSError,
  and a stop request (`workdir.request_stop()`, on SIGINT/SIGTERM) raises
  KeyboardInterrupt between chunks.

Standard library only.
"""

from __future__ import annotations

import bisect
import bz2
import collections
import filecmp
import gzip
import io
import itertools
import lzma
import os
import re
import stat
import struct
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from chainwarden.enrich.artifacts.workdir import check_stop
from chainwarden.model import printable

__all__ = ["INCOMPLETE_KINDS", "Anomaly", "Copy", "Limits", "Unpacked", "unpack"]

_MIB = 1024 * 1024
_CHUNK = _MIB  # decompressed bytes produced (and written) per step
_RAW_CHUNK = 256 * 1024  # compressed bytes fed to a decompressor per step
_READ_AHEAD_SLACK = 64 * 1024  # compressed bytes a decompressor may have pulled ahead of its output
_TAR_BUFSIZE = 64 * 1024
_TAR_LOOKBACK = 256 * 1024  # > _TAR_BUFSIZE: tarfile may have buffered a header before we are told where it is
_EXT_HEADER_CAP = 256 * 1024  # pax / GNU long-name header data
_EXT_HEADER_CHAIN = 16  # extended headers in a row before one member
_PAX_DIGIT_RUN = 32  # longer digit runs make tarfile's pax regexes quadratic (CVE-2024-6232)
_EOCD_CANDIDATES = 4096  # end-of-central-directory signatures examined outside the members' data
_LFH_CANDIDATES = 100_000  # local file header signatures examined outside the listed members' data
_MAX_PER_KIND = 200  # anomalies listed per kind; the rest are counted in one summary
_NAME_SHOWN = 1024  # characters of a member name shown in an anomaly

# Kinds that mean some content was not delivered: Unpacked.complete is False when one is recorded.
_INCOMPLETE = frozenset({"too-large", "too-many-files", "compression-ratio", "decompression-bomb", "unreadable",
                         "unknown-format", "encrypted", "nesting-depth"})
INCOMPLETE_KINDS = _INCOMPLETE

_EOCD_SIG = b"PK\x05\x06"
_CDH_SIG = b"PK\x01\x02"
_LFH_SIG = b"PK\x03\x04"
_EOCD64_SIG = b"PK\x06\x06"
_EOCD64_LOC_SIG = b"PK\x06\x07"
_EOCD = struct.Struct("<4s4H2IH")
_CDH = struct.Struct("<4s6H3I5HII")
_LFH = struct.Struct("<4s5H3I2H")
_EOCD64 = struct.Struct("<4sQ2H2I4Q")
_EOCD64_LOC = struct.Struct("<4sIQI")
_ZIP_MAX_COMMENT = 0xFFFF
_ZIP_SUPPORTED = {0: "stored", 8: "deflate", 12: "bzip2", 14: "lzma"}
_ZIP_AES = 99

_DRIVE = re.compile(r"^[A-Za-z]:")
_SEPARATORS = re.compile(r"[/\\]")
_PAX_LENGTH = re.compile(rb"(\d{1,19}) ")
_PAX_LONG_DIGITS = re.compile(rb"\d{%d}" % (_PAX_DIGIT_RUN + 1))


@dataclass(frozen=True)
class Limits:
    """Caps that stop a bomb; the defaults leave room for the largest real packages."""

    max_total_bytes: int = 2 * 1024**3  # decompressed bytes, whole archive (nested ones and copies included)
    max_member_bytes: int = 1024**3
    max_files: int = 50_000  # members of every kind, nested archives and unlisted zip entries included
    max_ratio: float = 200.0  # decompressed/compressed, per member past ratio_after_bytes; whole tree at max_total_bytes
    ratio_after_bytes: int = 64 * 1024**2  # a member's ratio is judged only past this many decompressed bytes
    max_depth: int = 3  # levels of archives inside the archive that are unpacked when nested=True
    max_path_length: int = 1024  # characters in a member name


@dataclass(frozen=True)
class Anomaly:
    """Something about the archive a security engineer should see."""

    kind: str  # see docs/rules/archive-anomaly.md for the list
    member: str  # the member name as stored, escaped so it prints safely; "" for the archive itself
    detail: str  # one sentence
    nested: bool = False  # about an archive inside the archive (or a member of one)


@dataclass(frozen=True)
class Copy:
    """A member written aside: another copy of a path, or a zip entry only streaming readers see."""

    path: str  # the relative POSIX path it would have under root (an installer may put it there)
    file: Path  # where its content is (under the `aside` folder)
    origin: str  # "copy 2 of 2", "unlisted local entry at offset 1,234"


@dataclass(frozen=True)
class Unpacked:
    """What `unpack` wrote, and what it refused or could not do."""

    root: Path  # the destination folder
    files: tuple[str, ...]  # relative POSIX paths written under root, sorted
    anomalies: tuple[Anomaly, ...]
    complete: bool  # False when a limit or unreadable data left members unwritten (see INCOMPLETE_KINDS)
    format: str  # "zip", "tar", "tar.gz", "tar.bz2", "tar.xz"; "unknown" when not an archive
    copies: tuple[Copy, ...] = ()  # members written aside, in archive order
    nested: tuple[str, ...] = ()  # folders ("a/b.zip!") holding the contents of nested archives, sorted
    not_read: tuple[Anomaly, ...] = ()  # the anomalies that made the result incomplete


def unpack(archive: Path, dest: Path, limits: Limits = Limits(), *, nested: bool = False,
           aside: Path | None = None) -> Unpacked:
    """Unpack `archive` into `dest` (best a new, empty folder: nothing in it is ever overwritten), safely.

    With `nested=True`, members that are archives themselves (by their magic
    bytes) are unpacked into a sibling folder named ``<member>!``, down to
    `limits.max_depth` levels; their files appear in `files` under that folder.

    With `aside` (a folder outside `dest`, made when first needed), every later
    member with the path of an earlier one, and every zip entry that only
    streaming readers see, is written there and listed in `copies`; without it
    such members are only reported, and the result is incomplete.
    """
    dest.mkdir(parents=True, exist_ok=True)
    check_stop()
    try:
        top_size = Path(archive).stat().st_size
    except OSError:
        top_size = 0
    shared = _Shared(limits, nested, aside=aside, top_size=top_size)
    fmt = _extract(shared, Path(archive), os.path.realpath(dest), depth=0, rel_prefix="", label_prefix="", label_self="")
    anomalies = tuple(shared.recorder.finish())
    not_read = tuple(a for a in anomalies if a.kind in _INCOMPLETE) + tuple(shared.lost[:_MAX_PER_KIND])
    return Unpacked(dest, tuple(sorted(shared.files)), anomalies, not not_read, fmt, _copies(shared),
                    tuple(sorted(shared.nested_roots)), not_read)


def _copies(shared: _Shared) -> tuple[Copy, ...]:
    """Name each copy: "copy k of n" counts the member written at the path, then the copies in archive order."""
    written = set(shared.files)
    total = collections.Counter(path for path, _, origin in shared.copies if not origin)
    seen: collections.Counter[str] = collections.Counter()
    out = []
    for path, file, origin in shared.copies:
        if not origin:
            seen[path] += 1
            base = 1 if path in written else 0
            origin = f"copy {base + seen[path]} of {base + total[path]}"
        out.append(Copy(path, Path(file), origin))
    return tuple(out)


# --- bookkeeping -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Make an attacker-chosen name safe to print: no control characters, ANSI escapes or bidi overrides."""
    return printable(text, _NAME_SHOWN, escape_backslash=True)


class _Recorder:
    """Collects anomalies; a hostile archive with 50,000 bad members yields a readable list, not 50,000 lines."""

    def __init__(self) -> None:
        self.items: list[Anomaly] = []
        self._per_kind: dict[tuple[str, bool], int] = {}

    def add(self, kind: str, member: str, detail: str, nested: bool = False) -> None:
        seen = self._per_kind.get((kind, nested), 0) + 1
        self._per_kind[kind, nested] = seen
        if seen <= _MAX_PER_KIND:
            self.items.append(Anomaly(kind, member, detail, nested))

    def finish(self) -> list[Anomaly]:
        extra = [
            Anomaly(kind, "", f"{n - _MAX_PER_KIND:,} more anomalies of this kind"
                              f"{' in nested archives' if nested else ''} were not listed.", nested)
            for (kind, nested), n in self._per_kind.items()
            if n > _MAX_PER_KIND
        ]
        return self.items + extra


@dataclass
class _Shared:
    """State shared by an archive and the archives nested in it: the limits apply to the whole tree."""

    limits: Limits
    nested: bool
    aside: Path | None = None
    top_size: int = 0  # bytes of the archive unpack() was given
    recorder: _Recorder = field(default_factory=_Recorder)
    files: list[str] = field(default_factory=list)
    copies: list[tuple[str, str, str]] = field(default_factory=list)  # (path, file written aside, origin; "" = duplicate)
    nested_roots: list[str] = field(default_factory=list)
    total: int = 0  # decompressed bytes produced
    members: int = 0
    halted: bool = False  # a tree-wide limit was hit: every level stops
    lost: list[Anomaly] = field(default_factory=list)  # content not read, of kinds not in _INCOMPLETE

    def tree_cap(self, member: str | None) -> _Halt:
        """The whole tree passed max_total_bytes: a bomb when that is also past max_ratio of the archive's size."""
        cap, ratio = self.limits.max_total_bytes, self.limits.max_ratio
        if self.top_size and cap / self.top_size > ratio:
            return _Halt("decompression-bomb", f"The contents pass {cap:,} decompressed bytes, more than {ratio:g} times "
                                               f"the archive's {self.top_size:,} bytes (a decompression bomb); unpacking "
                                               "stopped and what follows was not read.", tree=True, member=member)
        return _Halt("too-large", f"The contents pass {cap:,} decompressed bytes; unpacking stopped and what follows "
                                  "was not read.", tree=True, member=member)


@dataclass
class _Archive:
    """One archive being unpacked (the top one or a nested one)."""

    shared: _Shared
    path: Path
    size: int
    root: str  # real path of its destination folder
    depth: int
    rel_prefix: str  # its folder relative to the top destination ("" or "a.whl!/")
    label_prefix: str  # prefix of its members' names in anomalies
    label_self: str  # its own name in anomalies ("" for the top archive)
    written: set[str] = field(default_factory=set)  # relative paths of files written
    dirs: set[str] = field(default_factory=set)  # relative paths of folders made
    reserved: set[str] = field(default_factory=set)  # folders holding nested archives' contents

    def label(self, name: str) -> str:
        return self.label_prefix + _escape(name)

    def note(self, kind: str, name: str | None, detail: str, *, lost: bool = False) -> None:
        """Record an anomaly about a member (`name`) or about the archive itself (None); `lost`: content not read."""
        member = self.label_self if name is None else self.label(name)
        nested = self.depth > 0  # inside a nested archive, or about one (truncated, say)
        self.shared.recorder.add(kind, member, detail, nested)
        if lost:
            self.shared.lost.append(Anomaly(kind, member, detail, nested))

    def skipped(self, name: str | None, skip: _Skip) -> None:
        self.note(skip.kind, name, skip.detail, lost=skip.lost)


class _Skip(Exception):
    """One member is refused or stopped; the others go on. `lost`: its content was not read (the result is incomplete)."""

    def __init__(self, kind: str, detail: str, *, lost: bool = False) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.lost = lost


class _Collision(_Skip):
    """The member's path is taken (another member's file or folder): it may still be written aside as a copy."""

    def __init__(self, detail: str) -> None:
        super().__init__("duplicate-name", detail)


class _Halt(Exception):
    """The archive cannot go on (a limit for the whole archive, or a broken stream)."""

    def __init__(self, kind: str, detail: str, *, tree: bool = False, member: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.tree = tree  # the limit is shared with enclosing archives: they stop too
        self.member = member  # the member that crossed the limit; None for the archive itself


class _Corrupt(Exception):
    """The bytes are not what the format says (raised by the readers, turned into 'unreadable')."""


# --- format detection --------------------------------------------------------------------------


_GZIP_MAGIC = b"\x1f\x8b"
_BZIP2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"


def _is_tar_header(block: bytes) -> bool:
    """A tar header block: the ustar magic, or (old v7 tars) a correct header checksum."""
    if len(block) < 512 or block.count(0) == 512:
        return False
    if block[257:262] == b"ustar":
        return True
    try:
        stored = int(block[148:156].replace(b"\x00", b" ").strip() or b"x", 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 256 + sum(block[156:512])
    signed = sum(struct.unpack("148b", block[:148])) + 256 + sum(struct.unpack("356b", block[156:512]))
    return stored in (unsigned, signed)


def _open_compressed(fmt: str, fh: BinaryIO) -> BinaryIO | io.BufferedIOBase:
    """The decompressed view of a tar: these readers bound every decompression step, unlike tarfile's 'r|gz'."""
    if fmt == "tar.gz":
        return gzip.GzipFile(fileobj=fh, mode="rb")
    if fmt == "tar.bz2":
        return bz2.BZ2File(fh, "rb")
    if fmt == "tar.xz":
        return lzma.LZMAFile(fh, "rb")
    return fh


_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, struct.error, tarfile.TarError, _Corrupt,
)


def _sniff(path: Path) -> tuple[str | None, str]:
    """The archive format by magic bytes (never by file name), or None and why not."""
    with open(path, "rb") as fh:
        head = fh.read(512)
        if head[:4] in (_LFH_SIG, _EOCD_SIG) or (head[:4] == b"PK\x07\x08" and head[4:8] == _LFH_SIG):
            return "zip", ""
        compressed = {_GZIP_MAGIC: "tar.gz", _BZIP2_MAGIC: "tar.bz2", _XZ_MAGIC: "tar.xz"}
        for magic, fmt in compressed.items():
            if head.startswith(magic):
                return _sniff_compressed(fh, fmt)
        if _is_tar_header(head):
            return "tar", ""
        size = os.fstat(fh.fileno()).st_size
        if _last_eocd_in_tail(fh, size) is not None:
            return "zip", ""  # a zip with data in front of it (a self-extractor or a polyglot)
    if not head:
        return None, "the file is empty"
    return None, "no zip, tar, gzip, bzip2 or xz signature"


def _sniff_compressed(fh: BinaryIO, fmt: str) -> tuple[str | None, str]:
    """A compressed file is an archive only if it holds a tar; a broken stream is left for extraction to report."""
    fh.seek(0)
    try:
        with _open_compressed(fmt, fh) as stream:
            block = stream.read(512)
    except _READ_ERRORS:
        return fmt, ""
    if _is_tar_header(block):
        return fmt, ""
    return None, f"{fmt.removeprefix('tar.')}-compressed data that is not a tar archive"


# --- the driver --------------------------------------------------------------------------------


def _extract(shared: _Shared, path: Path, root: str, *, depth: int, rel_prefix: str, label_prefix: str,
             label_self: str) -> str:
    """Unpack one archive into `root`; never raises: every failure becomes an anomaly."""
    try:
        fmt, why = _sniff(path)
        size = path.stat().st_size
    except OSError as exc:
        shared.recorder.add("unreadable", label_self, f"The archive could not be read: {_escape(exc.strerror or str(exc))}.",
                            depth > 0)
        return "unknown"
    if fmt is None:
        shared.recorder.add("unknown-format", label_self, f"Not an archive this tool unpacks: {why}.", depth > 0)
        return "unknown"
    arc = _Archive(shared, path, size, root, depth, rel_prefix, label_prefix, label_self)
    try:
        if fmt == "zip":
            _zip_extract(arc)
        else:
            _tar_extract(arc, fmt)
    except _Halt as halt:
        arc.note(halt.kind, halt.member, halt.detail)
        shared.halted = shared.halted or halt.tree
    except Exception as exc:  # noqa: BLE001 - the promise is "never raises" for hostile input; say what broke
        arc.note("unreadable", None, f"Unpacking stopped on unexpected data: {type(exc).__name__}: {_escape(str(exc))}.")
    return fmt


def _count_member(arc: _Archive) -> None:
    """Every member counts against max_files, refused ones included: 50,000 links are also a denial of service."""
    sh = arc.shared
    sh.members += 1
    if sh.members > sh.limits.max_files:
        raise _Halt("too-many-files", f"More than {sh.limits.max_files:,} members; the rest were not unpacked.", tree=True)


# --- member names and target paths -------------------------------------------------------------


def _safe_parts(arc: _Archive, name: str) -> tuple[str, ...]:
    """The path components to write a member to, or _Skip when the name could escape `dest`."""
    limits = arc.shared.limits
    if "\x00" in name:
        raise _Skip("path-traversal", "The name contains a NUL byte, which tools written in C cut the name at.")
    if len(name) > limits.max_path_length:
        raise _Skip("too-large", f"The name is {len(name):,} characters long, over the limit of {limits.max_path_length:,}.")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise _Skip("absolute-path", "An absolute path: extracted as is, it would be written anywhere on the disk.")
    parts = tuple(p for p in _SEPARATORS.split(name) if p not in ("", "."))
    if ".." in parts:
        raise _Skip("path-traversal", "A '..' component (with / or \\ as separator) would write outside the destination.")
    return parts


def _ensure_dirs(arc: _Archive, parts: tuple[str, ...]) -> str:
    """Create the folders of `parts` (0o755) and return the last one's real path, proven to be under root.

    Every folder on the way is one we made or a real folder (never a link:
    lstat), so a folder already checked needs no new realpath() (the cost of
    one per file was a third of the time on jars with 27,000 members).
    """
    if parts and "/".join(parts) in arc.dirs:
        return os.path.join(arc.root, *parts)
    path = arc.root
    for i in range(1, len(parts) + 1):
        rel = "/".join(parts[:i])
        path = os.path.join(path, parts[i - 1])
        if rel in arc.dirs:
            continue
        if rel in arc.written or rel in arc.reserved:
            raise _Collision(f"Its folder '{_escape(rel)}' is also a file or a nested archive's folder.")
        try:
            os.mkdir(path, 0o755)
            os.chmod(path, 0o755)  # whatever the umask
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):  # lstat: a link to a folder is not a folder
                raise _Collision(f"Its folder '{_escape(rel)}' already exists as something else.") from None
        arc.dirs.add(rel)
    real = os.path.realpath(path)
    if real != arc.root and not real.startswith(arc.root + os.sep):
        raise _Skip("path-traversal", "Its folder resolves outside the destination.")
    return real


def _make_dir(arc: _Archive, parts: tuple[str, ...]) -> None:
    rel = "/".join(parts)
    if rel in arc.written or rel in arc.reserved:
        raise _Skip("duplicate-name", "A folder with the path of a file written before it.")
    _ensure_dirs(arc, parts)


_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_new(path: str) -> int:
    fd = os.open(path, _OPEN_FLAGS, 0o644)
    try:
        os.fchmod(fd, 0o644)  # the umask may have taken bits away; the archive never adds any
    except OSError:
        os.close(fd)
        raise
    return fd


def _create(arc: _Archive, parts: tuple[str, ...]) -> tuple[int, str]:
    """Open a new file for a member: never over an existing one, never through a link, mode 0o644."""
    rel = "/".join(parts)
    if rel in arc.written or rel in arc.dirs or rel in arc.reserved:
        raise _Collision("Another member was already written to this path.")
    parent = _ensure_dirs(arc, parts[:-1])
    path = os.path.join(parent, parts[-1])
    try:
        fd = _open_new(path)
    except FileExistsError:
        raise _Collision("Something already exists at this path.") from None
    return fd, path


def _create_aside(arc: _Archive) -> tuple[int, str]:
    """A new numbered file in the `aside` folder (0o700, made when first needed) for a copy."""
    aside = arc.shared.aside
    assert aside is not None
    aside.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = os.path.join(aside, f"{len(arc.shared.copies) + 1:06d}")
    return _open_new(path), path


# --- writing one member ------------------------------------------------------------------------


def _write_file(arc: _Archive, name: str, parts: tuple[str, ...], chunks: Iterator[bytes],
                compressed: Callable[[], int] | None, *, origin: str = "") -> None:
    """Stream a member to disk, enforcing the limits on the bytes actually produced; a stopped member is deleted.

    `compressed` gives the compressed bytes this member has used so far (the
    denominator of its ratio), or None when the member is not compressed. A
    member whose path is taken, or one with an `origin` (an unlisted zip entry),
    is written aside as a copy.
    """
    if not parts:
        raise _Skip("unreadable", "A file member with an empty name.")
    rel = "/".join(parts)
    taken = ""
    try:
        if origin:
            if arc.shared.aside is None:
                raise _Skip("unreadable", "Not written: no folder for copies was given.")
            fd, path = _create_aside(arc)
        else:
            try:
                fd, path = _create(arc, parts)
            except _Collision as collision:
                if arc.shared.aside is None:
                    raise _Skip("duplicate-name", f"{collision.detail} This one was not written.", lost=True) from None
                taken = collision.detail
                fd, path = _create_aside(arc)
    except OSError as exc:
        raise _Skip("unreadable", f"Could not be written: {exc.strerror or exc}.") from None
    head = b""
    produced = 0
    finished = False
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                check_stop()
                produced += len(chunk)
                _check_limits(arc, name, produced, compressed, len(chunk))
                out.write(chunk)
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
        finished = True
    except OSError as exc:
        raise _Skip("unreadable", f"Could not be written: {exc.strerror or exc}.") from None
    finally:
        if not finished:
            _remove(path)
    if taken and rel in arc.written and _same_bytes(os.path.join(arc.root, *parts), path):
        _remove(path)  # nothing differs whichever copy an installer keeps
        arc.note("identical-copy", name, "A second member with this path and the same bytes as the first (a hand-made "
                                         "or repacked archive): whichever one an installer keeps, it gets the same file.")
        return
    if origin or taken:
        arc.shared.copies.append((arc.rel_prefix + rel, path, origin))
        if taken:
            arc.note("duplicate-name", name, f"{taken} Installers disagree on which one wins (the last one, for "
                                             "zipfile and tar); this one was written aside and is read as a copy.")
        return
    arc.written.add(rel)
    arc.shared.files.append(arc.rel_prefix + rel)
    if arc.shared.nested:
        _nest(arc, name, rel, path, head)


def _check_limits(arc: _Archive, name: str, produced: int, compressed: Callable[[], int] | None, step: int) -> None:
    """Raise as soon as a cap is crossed, before the chunk that crosses it is written.

    A member's own limits (its size, its ratio past 64 MiB) stop that member only; the bytes it
    produced still count towards the whole tree's cap, which stops the unpacking."""
    sh = arc.shared
    limits = sh.limits
    sh.total += step
    if produced > limits.max_member_bytes:
        raise _Skip("too-large", f"Decompresses to more than {limits.max_member_bytes:,} bytes; stopped and removed.")
    if sh.total > limits.max_total_bytes:
        raise sh.tree_cap(name)
    if compressed is not None and produced > limits.ratio_after_bytes:
        ratio = produced / max(compressed(), 1)
        if ratio > limits.max_ratio:
            raise _Skip("compression-ratio", f"Expands more than {limits.max_ratio:g} times ({produced:,} bytes so far, "
                                             "a decompression bomb); stopped and removed.")


def _same_bytes(first: str, second: str) -> bool:
    try:
        return filecmp.cmp(first, second, shallow=False)  # sizes first, then the bytes in small pieces
    except OSError:
        return False


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


_NEST_MAGICS = (_LFH_SIG, _EOCD_SIG, _GZIP_MAGIC, _BZIP2_MAGIC, _XZ_MAGIC)


def _nest(arc: _Archive, name: str, rel: str, path: str, head: bytes) -> None:
    """Unpack a member that is itself an archive next to it, in '<member>!', within max_depth."""
    if not (head.startswith(_NEST_MAGICS) or _is_tar_header(head)):
        return
    try:
        fmt, _ = _sniff(Path(path))
    except OSError:
        return
    if fmt is None:
        return  # e.g. a gzip'd data file: not an archive
    limits = arc.shared.limits
    if arc.depth + 1 > limits.max_depth:
        arc.note("nesting-depth", name, f"A {fmt} archive nested {arc.depth + 1} levels deep, past the limit of "
                                        f"{limits.max_depth}; kept as a plain file, its contents not read.")
        return
    inner = path + "!"
    try:
        os.mkdir(inner, 0o755)
        os.chmod(inner, 0o755)
    except OSError:
        arc.note("duplicate-name", name, "The folder for this nested archive's contents already exists; not unpacked.",
                 lost=True)
        return
    arc.reserved.add(rel + "!")
    arc.shared.nested_roots.append(f"{arc.rel_prefix}{rel}!")
    _extract(arc.shared, Path(path), os.path.realpath(inner), depth=arc.depth + 1, rel_prefix=f"{arc.rel_prefix}{rel}!/",
             label_prefix=f"{arc.label(name)}!/", label_self=arc.label(name))


# --- zip: the survey of the raw bytes ----------------------------------------------------------


@dataclass(frozen=True)
class _Eocd:
    """An end-of-central-directory record that points at a plausible central directory."""

    position: int
    cd_start: int  # where the central directory really is in the file
    cd_size: int
    entries: int
    shift: int  # bytes in front of the zip when its offsets are relative to its own start


@dataclass
class _ZipEntry:
    index: int
    raw_name: bytes
    name: str
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    header: int  # where its local header is in the file
    mode: int  # Unix mode from the external attributes (0 when none)
    data_start: int = -1
    data_end: int = -1
    refused: bool = False  # already reported: not extracted


def _pread(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    return fh.read(size)


def _eocd_at(fh: BinaryIO, pos: int, size: int) -> _Eocd | None:
    """The record at `pos` if it is a real end-of-central-directory record (random bytes almost never pass)."""
    rec = _pread(fh, pos, _EOCD.size)
    if len(rec) < _EOCD.size:
        return None
    sig, _disk, _cd_disk, _n_disk, entries, cd_size, cd_offset, comment = _EOCD.unpack(rec)
    if sig != _EOCD_SIG or pos + _EOCD.size + comment > size:
        return None
    cd_end = pos
    loc = _pread(fh, pos - _EOCD64_LOC.size, _EOCD64_LOC.size) if pos >= _EOCD64_LOC.size + _EOCD64.size else b""
    if loc[:4] == _EOCD64_LOC_SIG:
        cd_end = pos - _EOCD64_LOC.size - _EOCD64.size
        rec64 = _pread(fh, cd_end, _EOCD64.size)
        if rec64[:4] != _EOCD64_SIG:
            return None
        _s, _size, _v1, _v2, _d1, _d2, _n1, entries, cd_size, cd_offset = _EOCD64.unpack(rec64)
    elif 0xFFFFFFFF in (cd_size, cd_offset):
        return None
    cd_start = cd_end - cd_size
    if cd_start < 0 or cd_start < cd_offset:
        return None
    if entries == 0:
        return _Eocd(pos, cd_start, cd_size, 0, cd_start - cd_offset) if cd_size == 0 else None
    if _pread(fh, cd_start, 4) != _CDH_SIG:
        return None
    return _Eocd(pos, cd_start, cd_size, entries, cd_start - cd_offset)


def _last_eocd_in_tail(fh: BinaryIO, size: int) -> _Eocd | None:
    """The record most zip readers use: the last valid one within a maximal comment of the end."""
    start = max(0, size - _EOCD.size - _ZIP_MAX_COMMENT)
    tail = _pread(fh, start, size - start)
    i = tail.rfind(_EOCD_SIG)
    while i != -1:
        found = _eocd_at(fh, start + i, size)
        if found is not None:
            return found
        i = tail.rfind(_EOCD_SIG, 0, i)
    return None


def _eocd_signatures(fh: BinaryIO) -> list[int]:
    """Offsets of EOCD signatures in the whole file, read in chunks (a huge file is never read whole)."""
    found: list[int] = []
    fh.seek(0)
    pos = 0
    tail = b""
    while len(found) < _EOCD_CANDIDATES:
        chunk = fh.read(_CHUNK)
        if not chunk:
            break
        buf = tail + chunk
        base = pos - len(tail)
        i = buf.find(_EOCD_SIG)
        while i != -1 and len(found) < _EOCD_CANDIDATES:
            found.append(base + i)
            i = buf.find(_EOCD_SIG, i + 1)
        tail = buf[-3:]
        pos += len(chunk)
    return found


def _zip64_extra(extra: bytes, fields: list[int]) -> list[int]:
    """Replace the 0xFFFFFFFF placeholders in `fields` (usize, csize, offset) with the zip64 extra's values."""
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + length]
        if tag == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            out = list(fields)
            for k, value in enumerate(out):
                if value == 0xFFFFFFFF and values:
                    out[k] = values.pop(0)
            return out
        i += 4 + length
    return fields


def _decode_name(raw: bytes, flags: int) -> str:
    """Names are UTF-8 when flag bit 11 says so, else cp437 (as the zip specification and zipfile have it)."""
    return raw.decode("utf-8", "replace") if flags & 0x800 else raw.decode("cp437")


def _read_directory(fh: BinaryIO, arc: _Archive, eocd: _Eocd) -> list[_ZipEntry]:
    """Parse the central directory entry by entry (never as one read), up to max_files + 1 entries."""
    limit = arc.shared.limits.max_files + 1
    entries: list[_ZipEntry] = []
    cd_end = eocd.cd_start + eocd.cd_size
    pos = eocd.cd_start
    fh.seek(pos)
    while pos < cd_end and len(entries) < limit:
        fixed = fh.read(_CDH.size)
        if len(fixed) < _CDH.size or fixed[:4] != _CDH_SIG:
            raise _Halt("unreadable", f"The central directory is corrupt at offset {pos:,}.")
        (_sig, _made_by, _needed, flags, method, _t, _d, crc, csize, usize, n_len, x_len, c_len,
         _disk, _iattr, eattr, offset) = _CDH.unpack(fixed)
        variable = fh.read(n_len + x_len + c_len)
        pos += _CDH.size + n_len + x_len + c_len
        if len(variable) < n_len + x_len + c_len or pos > cd_end:
            raise _Halt("unreadable", "The central directory is truncated.")
        raw = variable[:n_len]
        usize, csize, offset = _zip64_extra(variable[n_len : n_len + x_len], [usize, csize, offset])
        mode = eattr >> 16  # Unix tools keep st_mode here; others leave it 0 (a regular file)
        entries.append(_ZipEntry(len(entries), raw, _decode_name(raw, flags), flags, method, crc, csize, usize,
                                 offset + eocd.shift, mode))
    if len(entries) < limit and len(entries) != eocd.entries:
        arc.note("zip-header-mismatch", None, f"The end-of-central-directory record counts {eocd.entries:,} entries "
                                              f"but the central directory holds {len(entries):,}.")
    return entries


def _check_local_header(fh: BinaryIO, arc: _Archive, entry: _ZipEntry, size: int) -> None:
    """Compare an entry's local header with its central-directory entry, and find where its data is."""
    fixed = _pread(fh, entry.header, _LFH.size)
    if len(fixed) < _LFH.size or fixed[:4] != _LFH_SIG:
        raise _Skip("unreadable", f"Its central-directory entry points at offset {entry.header:,}, "
                                  "where there is no local file header.")
    _sig, _v, flags, method, _t, _d, _crc, csize, usize, n_len, x_len = _LFH.unpack(fixed)
    variable = fh.read(n_len + x_len)
    if len(variable) < n_len + x_len:
        raise _Skip("unreadable", "Its local file header is truncated.")
    usize, csize = _zip64_extra(variable[n_len:], [usize, csize])
    local_name = variable[:n_len]
    entry.data_start = entry.header + _LFH.size + n_len + x_len
    entry.data_end = entry.data_start + entry.csize
    differences = []
    if local_name != entry.raw_name:
        differences.append(f"name '{_escape(_decode_name(local_name, flags))}'")
    if method != entry.method:
        differences.append(f"compression method {method} (directory: {entry.method})")
    if not (flags | entry.flags) & 0x8 and (csize, usize) != (entry.csize, entry.usize):
        differences.append(f"sizes {csize:,}/{usize:,} (directory: {entry.csize:,}/{entry.usize:,})")
    if differences:
        raise _Skip("zip-header-mismatch", "Its local header says " + ", ".join(differences)
                    + ": tools that read local headers see another file than those that read the directory.")
    if entry.data_end > size:
        raise _Skip("unreadable", "Its data runs past the end of the file (truncated).")


def _survey_zip(fh: BinaryIO, arc: _Archive) -> tuple[list[_ZipEntry], list[int], int]:
    """Every parser-differential check on the raw bytes: the entries in directory order (refused ones marked),
    the offsets of local file header signatures outside the listed entries' bytes, and where the directory starts."""
    size = arc.size
    eocd = _last_eocd_in_tail(fh, size)
    if eocd is None:
        for pos in reversed(_eocd_signatures(fh)):
            eocd = _eocd_at(fh, pos, size)
            if eocd is not None:
                break
    if eocd is None:
        raise _Halt("unreadable", "No valid end-of-central-directory record: the zip is truncated or corrupt.")
    entries = _read_directory(fh, arc, eocd)
    for entry in entries:
        _check_entry(fh, arc, entry, size)
    _check_overlaps(arc, entries, eocd)
    _check_prepended(arc, entries, eocd)
    # the bytes no listed entry accounts for: before the directory (where streaming readers find local
    # entries), and from the directory on (where other end records can hide)
    spans = _merged((e.header, e.data_end) for e in entries if e.data_start >= 0)
    gaps = _gaps(spans, eocd.cd_start)
    locals_, _ = _signatures(fh, gaps, _LFH_SIG, _LFH_CANDIDATES)
    ends, _ = _signatures(fh, [*gaps, (eocd.cd_start, size)], _EOCD_SIG, _EOCD_CANDIDATES)
    _check_more_eocds(fh, arc, eocd, ends)
    return entries, locals_, eocd.cd_start


def _check_entry(fh: BinaryIO, arc: _Archive, entry: _ZipEntry, size: int) -> None:
    """A second entry with a name already listed is not refused here: it is written aside as a copy."""
    try:
        _check_local_header(fh, arc, entry, size)
    except _Skip as skip:
        entry.refused = True
        arc.skipped(entry.name, skip)


def _check_overlaps(arc: _Archive, entries: list[_ZipEntry], eocd: _Eocd) -> None:
    """Entries whose bytes overlap another's or the directory: the overlapping-file zip bomb, or smuggling."""
    placed = sorted((e for e in entries if e.data_start >= 0 and not e.refused), key=lambda e: (e.header, e.index))
    reach = -1
    owner: _ZipEntry | None = None
    for entry in placed:
        if owner is not None and entry.header < reach:
            entry.refused = True
            arc.note("zip-overlap", entry.name, f"Its bytes {entry.header:,}-{entry.data_end:,} overlap those of "
                                                f"'{_escape(owner.name)}' (the overlapping-file zip bomb shares one "
                                                "compressed kernel this way); not written.")
            continue
        if entry.data_end > eocd.cd_start:
            entry.refused = True
            arc.note("zip-overlap", entry.name, "Its data overlaps the central directory; not written.")
            continue
        if entry.data_end > reach:
            reach, owner = entry.data_end, entry


def _check_prepended(arc: _Archive, entries: list[_ZipEntry], eocd: _Eocd) -> None:
    first = min((e.header for e in entries if e.data_start >= 0), default=eocd.cd_start)
    if first > 0:
        arc.note("zip-prepended-data", None, f"{first:,} bytes come before the first local file header (a "
                                             "self-extracting stub, a polyglot file, or content hidden from zip tools).")


def _check_more_eocds(fh: BinaryIO, arc: _Archive, eocd: _Eocd, signatures: list[int]) -> None:
    """Other valid EOCD records outside the members' data (a stored zip inside the zip is not a trick)."""
    others = [pos for pos in signatures if pos != eocd.position and _eocd_at(fh, pos, arc.size) is not None]
    if others:
        shown = ", ".join(f"{p:,}" for p in others[:5])
        arc.note("zip-multiple-eocd", None, f"{len(others) + 1} end-of-central-directory records (others at {shown}; "
                                            f"used: {eocd.position:,}): tools that pick another one see other files.")


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Disjoint, sorted byte ranges covering `spans`."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _gaps(spans: list[tuple[int, int]], end: int) -> list[tuple[int, int]]:
    """The ranges of [0, end) that no span covers (`spans` sorted and disjoint)."""
    out: list[tuple[int, int]] = []
    pos = 0
    for start, stop in spans:
        if start >= end:
            break
        if start > pos:
            out.append((pos, start))
        pos = max(pos, stop)
    if pos < end:
        out.append((pos, end))
    return out


def _signatures(fh: BinaryIO, ranges: list[tuple[int, int]], sig: bytes, cap: int) -> tuple[list[int], bool]:
    """Offsets of `sig` inside `ranges`, read in chunks; and whether the cap cut the list short."""
    found: list[int] = []
    for start, end in ranges:
        pos, tail = start, b""
        while pos < end:
            chunk = _pread(fh, pos, min(_CHUNK, end - pos))
            if not chunk:
                break
            buf = tail + chunk
            base = pos - len(tail)
            i = buf.find(sig)
            while i != -1:
                if len(found) >= cap:
                    return found, True
                found.append(base + i)
                i = buf.find(sig, i + 1)
            tail = buf[-(len(sig) - 1):]
            pos += len(chunk)
    return found, False


# --- zip: extraction ---------------------------------------------------------------------------


def _zip_extract(arc: _Archive) -> None:
    with open(arc.path, "rb") as fh:
        entries, locals_, cd_start = _survey_zip(fh, arc)
        for entry in entries:
            check_stop()
            if arc.shared.halted:
                return
            _count_member(arc)
            if entry.refused:
                continue
            try:
                _zip_member(fh, arc, entry)
            except _Skip as skip:
                arc.skipped(entry.name, skip)
        _zip_unlisted(fh, arc, locals_, cd_start)


def _zip_member(fh: BinaryIO, arc: _Archive, entry: _ZipEntry) -> None:
    kind = stat.S_IFMT(entry.mode)
    if kind == stat.S_IFLNK:
        raise _Skip("link", "A symbolic link (Unix mode in its external attributes); not created.")
    if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
        raise _Skip("device", "A device, FIFO or socket (Unix mode in its external attributes); not created.")
    parts = _safe_parts(arc, entry.name)
    if entry.flags & 0x41 or entry.method == _ZIP_AES:
        raise _Skip("encrypted", "An encrypted member: its content cannot be inspected; not written.")
    if entry.name.endswith(("/", "\\")) or kind == stat.S_IFDIR:
        _make_dir(arc, parts)
        return
    if entry.method not in _ZIP_SUPPORTED:
        raise _Skip("unreadable", f"Compression method {entry.method} is not supported; not written.")
    csize = entry.csize
    try:
        _write_file(arc, entry.name, parts, _zip_chunks(fh, entry), (lambda: csize) if entry.method else None)
    except _Corrupt as exc:
        raise _Skip("unreadable", f"Corrupt data ({exc}); not written.") from None


# --- zip: local entries the central directory does not list ------------------------------------


def _zip_unlisted(fh: BinaryIO, arc: _Archive, offsets: list[int], cd_start: int) -> None:
    """Local file headers outside every listed entry's bytes: a streaming reader (one that reads local headers in
    order, as some installers do) extracts them, a reader of the central directory never sees them. Each one is
    an anomaly, and its content is written aside and read as a copy of the path it names."""
    reach = -1  # the end of the last unlisted entry read: signatures inside its data are not headers
    for pos in offsets:
        check_stop()
        if arc.shared.halted:
            return
        if pos < reach or pos >= cd_start:
            continue
        entry = _local_entry(fh, pos, cd_start)
        if entry is None:
            continue
        if entry.name.endswith(("/", "\\")) and not entry.csize and not entry.flags & 0x8:
            reach = entry.data_start
            continue  # a folder: nothing to hide
        _count_member(arc)
        arc.note("zip-unlisted-entry", entry.name,
                 f"A local file header at offset {pos:,} that the central directory does not list: readers that "
                 "stream local headers extract it, readers of the directory never see it.")
        try:
            _unlisted_member(fh, arc, entry, cd_start)
        except _Skip as skip:
            arc.skipped(entry.name, skip)
        reach = max(entry.data_end, entry.data_start)


def _local_entry(fh: BinaryIO, pos: int, end: int) -> _ZipEntry | None:
    """The local header at `pos` if it is a plausible one (random bytes that hold the signature almost never pass)."""
    fixed = _pread(fh, pos, _LFH.size)
    if len(fixed) < _LFH.size:
        return None
    _sig, version, flags, method, _t, _d, crc, csize, usize, n_len, x_len = _LFH.unpack(fixed)
    data_start = pos + _LFH.size + n_len + x_len
    if not n_len or (version & 0xFF) > 63 or method > _ZIP_AES or data_start > end:
        return None
    variable = _pread(fh, pos + _LFH.size, n_len + x_len)
    raw = variable[:n_len]
    usize, csize = _zip64_extra(variable[n_len:], [usize, csize])
    if not flags & 0x8 and method == 0 and csize != usize:
        return None
    entry = _ZipEntry(-1, raw, _decode_name(raw, flags), flags, method, crc, csize, usize, pos, 0)
    entry.data_start = data_start
    entry.data_end = data_start if flags & 0x8 else data_start + csize
    return entry


def _unlisted_member(fh: BinaryIO, arc: _Archive, entry: _ZipEntry, end: int) -> None:
    parts = _safe_parts(arc, entry.name)
    if entry.flags & 0x41 or entry.method == _ZIP_AES:
        raise _Skip("encrypted", "An encrypted unlisted entry: its content cannot be inspected.", lost=True)
    if entry.method not in _ZIP_SUPPORTED:
        raise _Skip("unreadable", f"An unlisted entry with compression method {entry.method}: its content was not read.")
    origin = f"unlisted local entry at offset {entry.header:,}"
    try:
        if entry.flags & 0x8:
            chunks, used = _descriptor_chunks(fh, entry, end)
            _write_file(arc, entry.name, parts, chunks, used if entry.method else None, origin=origin)
            return
        if entry.data_end > end:
            raise _Corrupt("its data runs into the central directory")
        csize = entry.csize
        _write_file(arc, entry.name, parts, _zip_chunks(fh, entry), (lambda: csize) if entry.method else None,
                    origin=origin)
    except _Corrupt as exc:
        raise _Skip("unreadable", f"The content of this unlisted entry could not be read ({exc}).") from None


def _descriptor_chunks(fh: BinaryIO, entry: _ZipEntry, end: int) -> tuple[Iterator[bytes], Callable[[], int]]:
    """The content of an entry whose sizes follow its data (flag bit 3), with no directory entry to say where it
    ends: a deflate stream is read to its own end; a stored one up to a data descriptor whose size matches."""
    if entry.method == 8:
        fed = [0]

        def inflate() -> Iterator[bytes]:
            d = zlib.decompressobj(-15)
            pos = entry.data_start
            data = b""
            try:
                while not d.eof:
                    if not data:
                        data = _pread(fh, pos, min(_RAW_CHUNK, end - pos))
                        if not data:
                            raise _Corrupt("the deflate stream does not end before the central directory")
                        pos += len(data)
                        fed[0] += len(data)
                    out = d.decompress(data, _CHUNK)
                    data = d.unconsumed_tail
                    if out:
                        yield out
            except zlib.error as exc:
                raise _Corrupt(str(exc)) from None
            entry.data_end = pos - len(d.unused_data) - len(data)

        return inflate(), lambda: fed[0]
    if entry.method == 0:
        size = _stored_size(fh, entry, end)
        if size is None:
            raise _Corrupt("a stored entry with a data descriptor whose end cannot be found")
        entry.csize = entry.usize = size
        entry.data_end = entry.data_start + size
        return _zip_raw(fh, entry), lambda: size
    raise _Corrupt(f"compression method {entry.method} with a data descriptor")


def _stored_size(fh: BinaryIO, entry: _ZipEntry, end: int) -> int | None:
    """The size of stored data ended by a data descriptor (signature, CRC-32, sizes) whose sizes match its position."""
    found, _ = _signatures(fh, [(entry.data_start, end)], b"PK\x07\x08", 4096)
    for pos in found:
        record = _pread(fh, pos + 4, 12)
        if len(record) < 12:
            continue
        crc, csize, usize = struct.unpack("<3I", record)
        if csize == usize == pos - entry.data_start:
            entry.crc = int(crc)
            return pos - entry.data_start
    return None


def _zip_raw(fh: BinaryIO, entry: _ZipEntry) -> Iterator[bytes]:
    """The member's compressed bytes, exactly csize of them (no more, whatever the stream says), in bounded pieces."""
    left = entry.csize
    pos = entry.data_start
    while left > 0:
        piece = _pread(fh, pos, min(left, _RAW_CHUNK))
        if not piece:
            raise _Corrupt("the data ends early")
        pos += len(piece)
        left -= len(piece)
        yield piece


def _zip_chunks(fh: BinaryIO, entry: _ZipEntry) -> Iterator[bytes]:
    """Decompressed chunks of at most 1 MiB each, then a size and CRC-32 check against the directory."""
    crc = 0
    produced = 0
    try:
        for chunk in _decompress(entry.method, _zip_raw(fh, entry)):
            crc = zlib.crc32(chunk, crc)
            produced += len(chunk)
            yield chunk
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as exc:
        raise _Corrupt(str(exc) or type(exc).__name__) from None
    if produced != entry.usize:
        raise _Corrupt(f"{produced:,} bytes where the directory declares {entry.usize:,}")
    if crc != entry.crc:
        raise _Corrupt("CRC-32 mismatch")


class _BoundedDecompressor(Protocol):
    def decompress(self, data: bytes, /, max_length: int = ...) -> bytes: ...
    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...


def _decompress(method: int, raw: Iterator[bytes]) -> Iterator[bytes]:
    if method == 0:
        return raw
    if method == 8:
        return _inflate(raw)
    if method == 12:
        return _drain(bz2.BZ2Decompressor(), raw)
    decomp, rest = _zip_lzma(raw)
    return _drain(decomp, rest)


def _inflate(raw: Iterator[bytes]) -> Iterator[bytes]:
    """Deflate with a cap on each output step: a 1 KiB kernel never becomes one 1 GiB bytes object."""
    d = zlib.decompressobj(-15)
    for piece in raw:
        data = piece
        while data and not d.eof:
            out = d.decompress(data, _CHUNK)
            data = d.unconsumed_tail
            if out:
                yield out
        if d.eof:
            return
    while not d.eof:
        out = d.decompress(b"", _CHUNK)
        if not out:
            return
        yield out


def _drain(d: _BoundedDecompressor, raw: Iterator[bytes]) -> Iterator[bytes]:
    """bzip2 / lzma with a cap on each output step."""
    for piece in raw:
        out = d.decompress(piece, _CHUNK)
        if out:
            yield out
        while not d.eof and not d.needs_input:
            out = d.decompress(b"", _CHUNK)
            if out:
                yield out
        if d.eof:
            return


def _zip_lzma(raw: Iterator[bytes]) -> tuple[lzma.LZMADecompressor, Iterator[bytes]]:
    """Zip's LZMA (method 14): a 4-byte header and the LZMA1 properties come before the raw stream (APPNOTE 5.8.8)."""
    first = next(raw, b"")
    if len(first) < 9:
        raise _Corrupt("an LZMA header that is too short")
    (props_size,) = struct.unpack_from("<H", first, 2)
    props = first[4:9]
    if props_size != 5 or props[0] >= 9 * 5 * 5:
        raise _Corrupt("unsupported LZMA properties")
    lc, rest = props[0] % 9, props[0] // 9
    (dict_size,) = struct.unpack_from("<I", props, 1)
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": rest % 5, "pb": rest // 5}]
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters), itertools.chain([first[9:]], raw)


# --- tar ---------------------------------------------------------------------------------------


def _tar_number(field_: bytes) -> int | None:
    """A numeric header field as tarfile reads it: octal text, or GNU base-256 (None when unreadable)."""
    if field_[:1] == b"\x80":
        return int.from_bytes(field_[1:], "big")
    if field_[:1] == b"\xff":
        return None
    try:
        return int(field_.split(b"\x00", 1)[0].strip() or b"0", 8)
    except ValueError:
        return None


def _check_pax(data: bytes) -> None:
    """A pax header must be well-formed records with short digit runs before tarfile parses it.

    tarfile's own pax regexes go quadratic on long digit runs and on records
    whose length does not cover the next '=' (CVE-2024-6232, fixed in Python
    3.11.10 / 3.12.6); GNU sparse maps are refused because tarfile builds them
    in memory from numbers the archive chooses.
    """
    if _PAX_LONG_DIGITS.search(data):
        raise _Corrupt(f"a pax header with a run of more than {_PAX_DIGIT_RUN} digits (the CVE-2024-6232 pattern)")
    pos = 0
    while pos < len(data):
        match = _PAX_LENGTH.match(data, pos)
        if match is None:
            if data[pos:].strip(b"\x00"):
                raise _Corrupt("a malformed pax header record")
            return
        end = pos + int(match.group(1))
        equals = data.find(b"=", match.end(), end)
        if end > len(data) or equals <= match.end() or data[end - 1 : end] != b"\n":
            raise _Corrupt("a malformed pax header record")
        if data[match.end() : equals].startswith(b"GNU.sparse."):
            raise _Corrupt("a GNU sparse member, which is not supported")
        pos = end


class _HeaderWatch:
    """Follows the chain of headers before one tar member and checks the extended ones before tarfile parses them.

    It is told where tarfile will read the next header (TarFile.offset) and
    sees every byte tarfile reads; it refuses extended headers that are huge,
    chained without end, malformed or built to make tarfile's parsing slow,
    and remembers whether the archive ended with its end-of-archive block.
    """

    def __init__(self) -> None:
        self.state = "member"  # the last header block seen: "member", "end" (zeros) or "short" (the data ran out)
        self._phase = "header"  # header | ext | skip | idle
        self._cursor = 0  # stream position of the next byte to look at
        self._buf = bytearray()
        self._need = 0
        self._pad = 0
        self._chain = 0
        self._globals = 0  # bytes of global pax headers so far: tarfile keeps them all

    def restart(self, position: int) -> None:
        self._phase, self._cursor, self._chain, self.state = "header", position, 0, "pending"
        self._buf.clear()

    def feed(self, start: int, data: bytes) -> None:
        if self._phase == "idle":
            return
        skip = self._cursor - start
        if skip < 0:
            self._phase = "idle"  # bytes we did not see: leave them to tarfile
            return
        view = memoryview(data)[skip:]
        while len(view) and self._phase != "idle":
            if self._phase == "skip":
                n = min(self._need, len(view))
                self._need -= n
            else:
                want = (512 if self._phase == "header" else self._need) - len(self._buf)
                n = min(want, len(view))
                self._buf += view[:n]
            view = view[n:]
            self._cursor += n
            self._advance()

    def at_eof(self) -> None:
        if self._phase == "header":
            self.state = "short"
            self._phase = "idle"

    def _advance(self) -> None:
        if self._phase == "skip" and self._need == 0:
            self._phase = "header"
        elif self._phase == "header" and len(self._buf) == 512:
            block = bytes(self._buf)
            self._buf.clear()
            self._header(block)
        elif self._phase == "ext" and len(self._buf) == self._need:
            _check_pax(bytes(self._buf))
            self._buf.clear()
            self._phase, self._need = ("skip", self._pad) if self._pad else ("header", 0)

    def _header(self, block: bytes) -> None:
        if not any(block):
            self.state, self._phase = "end", "idle"
            return
        flag = block[156:157]
        if flag == b"S":
            raise _Corrupt("a GNU sparse member, which is not supported")
        size = _tar_number(block[124:136])
        if flag not in (b"x", b"g", b"X", b"L", b"K") or size is None:
            self.state, self._phase = "member", "idle"
            return
        self._chain += 1
        if size > _EXT_HEADER_CAP or self._chain > _EXT_HEADER_CHAIN:
            raise _Corrupt(f"an extended header of {size:,} bytes (or a chain of {self._chain}), past the limit")
        if flag == b"g":
            self._globals += size
            if self._globals > _EXT_HEADER_CAP:
                raise _Corrupt("global pax headers adding up past the limit")
        padded = -(-size // 512) * 512
        if size == 0:
            self._phase = "header"
        elif flag in (b"L", b"K"):
            self._phase, self._need = "skip", padded
        else:
            self._phase, self._need, self._pad = "ext", size, padded - size


class _TarGuard:
    """The decompressed tar stream as tarfile reads it: capped, its headers watched.

    tarfile only ever sees bytes that went through here, so a bomb stops at
    the tree's limit even inside members that are being skipped, not written.
    """

    def __init__(self, stream: BinaryIO | io.BufferedIOBase, arc: _Archive) -> None:
        self.watch = _HeaderWatch()
        self.position = 0
        self._stream = stream
        self._arc = arc
        self._recent: collections.deque[bytes] = collections.deque(maxlen=_TAR_LOOKBACK // _TAR_BUFSIZE)
        self._empty_reads = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(_TAR_BUFSIZE if size < 0 else min(size, _TAR_BUFSIZE))
        start = self.position
        self.position += len(data)
        self._check()
        if data:
            self.watch.feed(start, data)
            self._recent.append(data)
        else:
            self._ran_out()
        return data

    def expect_header(self, position: int) -> None:
        """tarfile's next header is at `position`: it may already have buffered it, so look back."""
        self.watch.restart(position)
        back = self.position - position
        if back > 0:
            recent = b"".join(self._recent)
            self.watch.feed(position, recent[-back:] if back <= len(recent) else b"")

    def _ran_out(self) -> None:
        """tarfile skips a member's declared size in a loop that never checks for the end of the data."""
        self.watch.at_eof()
        self._empty_reads += 1
        if self._empty_reads > 64:
            raise _Corrupt("the archive ends before the data its headers declare (truncated)")

    def _check(self) -> None:
        """The stream as a whole has only the tree's cap: members it skips (refused ones) are read through here
        too, and a ratio judged on the whole stream would let one compressible member stop the ones after it."""
        check_stop()
        if self.position > self._arc.shared.limits.max_total_bytes:
            raise self._arc.shared.tree_cap(None)

    def write(self, data: bytes, /) -> int:
        raise OSError("read-only")

    def tell(self) -> int:
        return self.position

    def seek(self, position: int, /) -> int:
        raise OSError("not seekable")

    def close(self) -> None:
        pass


def _tar_extract(arc: _Archive, fmt: str) -> None:
    with open(arc.path, "rb") as fh, _open_compressed(fmt, fh) as stream:
        guard = _TarGuard(stream, arc)
        try:
            tf = tarfile.open(fileobj=guard, mode="r|", bufsize=_TAR_BUFSIZE, errors="replace")
        except _READ_ERRORS as exc:
            raise _broken(exc) from None
        with tf:
            _tar_members(arc, tf, guard, fh, compressed=fmt != "tar")


def _tar_members(arc: _Archive, tf: tarfile.TarFile, guard: _TarGuard, fh: BinaryIO, *, compressed: bool) -> None:
    while not arc.shared.halted:
        try:
            member = tf.next()
        except _READ_ERRORS as exc:
            raise _broken(exc) from None
        if member is None:
            break
        _forget_members(tf)
        _count_member(arc)
        try:
            _tar_member(arc, tf, member, fh, compressed)
        except _Skip as skip:
            arc.skipped(member.name, skip)
        try:
            guard.expect_header(tf.offset)
        except _Corrupt as exc:
            raise _broken(exc) from None
    else:
        return
    if guard.watch.state == "short":
        raise _Halt("unreadable", "The archive ends without its end-of-archive block: it is truncated.")
    if guard.watch.state != "end":
        raise _Halt("unreadable", f"An invalid header at offset {tf.offset:,} ends the archive early; what follows "
                                  "was not read.")


def _broken(exc: BaseException) -> _Halt:
    """A tar stream that cannot be read on: corrupt, truncated, or refused by the header checks."""
    return _Halt("unreadable", f"The tar stream is corrupt or truncated: {_escape(str(exc)) or type(exc).__name__}.")


def _forget_members(tf: tarfile.TarFile) -> None:
    """tarfile keeps every member it has read, pax headers included, even in stream mode: memory would grow."""
    members = getattr(tf, "members", None)  # undocumented, absent from the type stubs
    if isinstance(members, list):
        members.clear()


def _tar_member(arc: _Archive, tf: tarfile.TarFile, member: tarfile.TarInfo, fh: BinaryIO, compressed: bool) -> None:
    if member.issym() or member.islnk():
        what = "symbolic" if member.issym() else "hard"
        raise _Skip("link", f"A {what} link to '{_escape(member.linkname)}'; not created.")
    if member.ischr() or member.isblk() or member.isfifo():
        raise _Skip("device", f"A {'FIFO' if member.isfifo() else 'device file'}; not created.")
    parts = _safe_parts(arc, member.name)
    if member.isdir():
        _make_dir(arc, parts)
        return
    start = fh.tell()  # the member's ratio: compressed bytes pulled while it is produced (plus read-ahead slack)
    used = (lambda: fh.tell() - start + _READ_AHEAD_SLACK) if compressed else None
    _write_file(arc, member.name, parts, _tar_chunks(tf, member), used)


def _tar_chunks(tf: tarfile.TarFile, member: tarfile.TarInfo) -> Iterator[bytes]:
    try:
        data = tf.extractfile(member)
        if data is None:
            return
        while chunk := data.read(_CHUNK):
            yield chunk
    except _READ_ERRORS as exc:
        raise _broken(exc) from None
