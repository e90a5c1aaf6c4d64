"""`wheel-record`: a wheel's files against its ``.dist-info/RECORD`` (the wheel specification, PEP 376 / 427).

A wheel lists every file it ships in ``RECORD`` with its digest (``sha256=<urlsafe base64, no padding>``)
and size. Build tools write it; nobody edits it by hand. A wheel whose files do not match it was changed
after it was built, or built to mislead: a file that is not listed is installed but never recorded
(``pip uninstall`` leaves it behind, and tools that trust ``RECORD`` never look at it), a file whose
digest differs is not the file the record describes, and an entry that points outside the wheel
(absolute, ``..``) names a file an uninstaller would delete.

`check_record(root, files, package)` is pure: it reads the unpacked tree and returns findings. Severity
goes by what the mismatch can hide: code (``.py``, ``.pth``, compiled modules, scripts, entry points)
high, other files medium, a listed file that is missing low. Only wheels are checked (a top-level
``*.dist-info/WHEEL``); the contents of nested archives and the copies the unpacker set aside are
not part of the record and are reported by the unpacker (`archive-anomaly`).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

from chainwarden.model import Confidence, Evidence, Finding, PackageId, Severity, SourceLocation, printable

RULE = "wheel-record"
MAX_RECORD_BYTES = 16 * 1024 * 1024  # a RECORD larger than this is not read (the wheel is reported, not checked)
MAX_SHOWN = 20  # findings of one kind listed one by one; the rest are counted in one more
ALGORITHMS = ("sha256", "sha384", "sha512")  # the wheel spec: sha256 or stronger
SIGNATURES = ("RECORD", "RECORD.jws", "RECORD.p7s")  # in .dist-info: not listed in RECORD, or listed without a digest
_SIZE = re.compile(r"[0-9]{1,20}")
CODE_SUFFIXES = (".py", ".pyw", ".pyc", ".pth", ".so", ".pyd", ".dylib", ".dll", ".exe", ".sh", ".bat", ".cmd", ".ps1")


def _is_code(path: str) -> bool:
    """Files that run: modules, start-up hooks, compiled code, installed scripts, and the entry points of console scripts."""
    name = path.rsplit("/", 1)[-1]
    parts = path.split("/")
    return (name.endswith(CODE_SUFFIXES) or ".so." in name or name == "entry_points.txt"
            or (len(parts) >= 3 and parts[0].endswith(".data") and parts[1] == "scripts"))


def _dist_info(root: Path) -> str | None:
    """The wheel's ``.dist-info`` folder: the top-level one holding a WHEEL file (None: not a wheel)."""
    try:
        found = sorted(p.parent.name for p in root.glob("*.dist-info/WHEEL") if p.is_file() and not p.is_symlink())
    except OSError:
        return None
    return found[0] if found else None


def _digest(path: Path, algorithm: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, algorithm).digest()
    except OSError:
        return None


def _matches(raw: bytes, expected: str) -> bool:
    """The wheel spec's urlsafe base64 without padding; some build tools write hex instead (gmsh's wheels do)."""
    if expected == base64.urlsafe_b64encode(raw).rstrip(b"=").decode():
        return True
    return len(expected) == 2 * len(raw) and expected.lower() == raw.hex()


class _Report:
    def __init__(self, package: PackageId, record: str) -> None:
        self.package = package
        self.record = record
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.worst: dict[str, Severity] = {}

    def add(self, kind: str, path: str, severity: Severity, confidence: Confidence, message: str, *evidence: Evidence) -> None:
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.worst.get(kind, Severity.INFO).rank < severity.rank:
            self.worst[kind] = severity
        if n <= MAX_SHOWN:
            self.findings.append(Finding(rule=RULE, severity=severity, confidence=confidence, package=self.package,
                                         message=message, location=SourceLocation(printable(path, 300)),
                                         evidence=(Evidence("record", self.record), *evidence)))

    def finish(self) -> list[Finding]:
        for kind, n in self.counts.items():
            if n > MAX_SHOWN:
                self.findings.append(Finding(rule=RULE, severity=self.worst[kind], confidence=Confidence.MEDIUM,
                                             package=self.package, location=SourceLocation(self.record),
                                             message=f"{n - MAX_SHOWN:,} more files of this kind ({kind}) were not listed"))
        return self.findings


def check_record(root: Path, files: Sequence[tuple[str, int]], package: PackageId) -> list[Finding]:
    """Findings for a wheel unpacked at `root` whose files (relative POSIX path, size) are `files`."""
    info = _dist_info(root)
    if info is None:
        return []
    record = f"{info}/RECORD"
    out = _Report(package, record)
    path = root / record
    try:
        size = path.stat().st_size if path.is_file() and not path.is_symlink() else -1
        raw = path.read_bytes() if 0 <= size <= MAX_RECORD_BYTES else b""
    except OSError:
        size, raw = -1, b""
    if size < 0:
        out.add("no-record", record, Severity.MEDIUM, Confidence.HIGH,
                "the wheel has no RECORD: nothing says which files it should ship or what they hold")
        return out.finish()
    if size > MAX_RECORD_BYTES:
        out.add("record-too-large", record, Severity.MEDIUM, Confidence.MEDIUM,
                f"RECORD is {size:,} bytes, over the {MAX_RECORD_BYTES:,} read: the wheel's files were not checked against it")
        return out.finish()
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        out.add("unparseable-record", record, Severity.MEDIUM, Confidence.HIGH,
                f"RECORD cannot be read as CSV ({printable(str(exc), 200)}): the wheel's files were not checked against it")
        return out.finish()
    present = dict(files)
    listed: dict[str, tuple[str, str]] = {}
    for line, row in enumerate(rows, 1):
        if not row or not any(row):
            continue
        name = row[0].replace("\\", "/")
        name = name[2:] if name.startswith("./") else name
        if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in name.split("/"):
            out.add("outside", name, Severity.HIGH, Confidence.HIGH,
                    f"RECORD line {line} lists a file outside the wheel ({printable(row[0], 200)}): an uninstaller "
                    "that trusts RECORD deletes it")
            continue
        listed[name] = (row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
    for name, (digest, size_text) in sorted(listed.items()):
        _check_listed(root, out, info, name, digest, size_text, present)
    for name in sorted(present):
        if name not in listed and not (name.startswith(f"{info}/") and name[len(info) + 1:] in SIGNATURES):
            code = _is_code(name)
            out.add("unlisted", name, Severity.HIGH if code else Severity.MEDIUM, Confidence.MEDIUM,
                    f"{'code' if code else 'a file'} the wheel ships but RECORD does not list: installed, never "
                    "recorded (an uninstall leaves it behind; tools that trust RECORD never look at it)")
    return out.finish()


def _check_listed(root: Path, out: _Report, info: str, name: str, digest: str, size_text: str,
                  present: dict[str, int]) -> None:
    if name not in present:
        if not name.endswith("/"):
            out.add("missing", name, Severity.LOW, Confidence.MEDIUM, "RECORD lists a file the wheel does not ship")
        return
    code = _is_code(name)
    serious = Severity.HIGH if code else Severity.MEDIUM
    what = "code" if code else "a file"
    algorithm, _, expected = digest.partition("=")
    if not digest:
        if not (name.startswith(f"{info}/") and name[len(info) + 1:] in SIGNATURES):
            out.add("no-digest", name, Severity.LOW, Confidence.MEDIUM,
                    "RECORD lists this file without a digest: its content cannot be checked")
    elif algorithm not in ALGORITHMS:
        out.add("weak-digest", name, Severity.LOW, Confidence.MEDIUM,
                f"RECORD gives a {printable(algorithm, 20)} digest; the wheel specification asks for sha256 or stronger")
    else:
        actual = _digest(root / name, algorithm)
        if actual is not None and not _matches(actual, expected):
            shown = base64.urlsafe_b64encode(actual).rstrip(b"=").decode()
            out.add("digest-mismatch", name, serious, Confidence.HIGH,
                    f"{what} whose {algorithm} differs from the one in RECORD: it was changed after the wheel was built",
                    Evidence("RECORD says", printable(digest, 120)), Evidence("the file has", f"{algorithm}={shown}"))
            return
    if _SIZE.fullmatch(size_text.strip()) and int(size_text) != present[name]:
        matched = bool(digest) and algorithm in ALGORITHMS
        out.add("size-mismatch", name, Severity.LOW if matched else serious, Confidence.MEDIUM,
                f"{what} of {present[name]:,} bytes where RECORD says {int(size_text):,}")
