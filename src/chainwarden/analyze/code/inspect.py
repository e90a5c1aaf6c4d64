"""Inspect an unpacked package: every file it ships, read and parsed, never run; and one verdict.

`inspect_tree(root, package)` walks the tree (Python sources, ``setup.py``, ``.pth`` files,
``package.json`` scripts, binaries), collects what each file can do (capabilities) and what
looks malicious (findings with file, line, escaped snippet and decoding chain), and combines
them into a verdict:

- **malicious**: a critical finding with high confidence (secret or environment data reaching
  the network or DNS, decoded or downloaded code executed, an install hook or ``.pth`` line
  with network, process or code execution, a reverse shell), or credential-store reads in a
  package that also carries a chat webhook;
- **suspicious**: any other high or critical finding, or medium findings of two or more rules;
- **not-checked**: no finding decides, but part of the package could not be read (a limit of
  the unpacker, unreadable data, a source file over the 10 MB read or too large to parse, which
  python_ast only scans line by line): `Inspection.not_checked` says what. Never counted as clean;
- **clean**: otherwise. A capability alone (``requests.get`` in an HTTP library, ``subprocess``
  in a CLI) is listed, never an alarm.

The unpacker may give two more things to read. *Copies*: a member that another one with the same
path hides (installers disagree on which wins), or a zip entry only streaming readers see; each is
analysed as if it were at its path (a second ``setup.py`` is install-time code like the first) and
its findings name it (``setup.py (copy 2 of 2)``). *Nested archives*: their files (``inner.zip!/x.py``)
are analysed as plain modules, never as the package's own ``setup.py``, ``.pth`` or ``package.json``:
installing the package does not run them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chainwarden.analyze.code.javascript import (
    JS_SUFFIXES,
    InstallPlan,
    analyze_javascript,
    install_plan,
    judge_install_scripts,
)
from chainwarden.analyze.code.facts import CodeHit, FileReport
from chainwarden.analyze.code.python_ast import analyze_pth, analyze_source
from chainwarden.analyze.code.wheel_record import check_record
from chainwarden.model import Confidence, Ecosystem, Evidence, Finding, PackageId, Severity, SourceLocation

MAX_FILE_BYTES = 10 * 1024 * 1024  # larger source files are listed, not parsed (and the package is not-checked)
NATIVE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")
VERDICTS = ("malicious", "suspicious", "not-checked", "clean")  # worst first
_HEAD = 16  # bytes read from a file that is not analysed (the native-code check)
_WHEEL_BYTES = 64 * 1024  # of a wheel's WHEEL file


@dataclass
class Inspection:
    """What one package's files can do, what looks malicious in them, and the verdict."""

    package: PackageId
    files: int = 0
    capabilities: dict[str, list[str]] = field(default_factory=dict)  # capability -> files that have it
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files not read (large binaries and data included)
    verdict: str = "clean"
    verdict_reason: str = ""
    not_checked: list[str] = field(default_factory=list)  # what was not read that could hide code: never clean

    def judge(self) -> None:
        """Sort the findings and set the verdict from them and from `not_checked`."""
        self.findings.sort(key=lambda f: (-f.severity.rank, f.location.file if f.location else "",
                                          (f.location.line or 0) if f.location else 0, f.rule))
        self.verdict, self.verdict_reason = verdict(self.findings, self.not_checked)


def _finding(package: PackageId, path: str, hit: CodeHit) -> Finding:
    evidence = [Evidence("snippet", hit.snippet, SourceLocation(path, hit.line))] if hit.snippet else []
    if hit.chain:
        evidence.append(Evidence("decoding chain", " → ".join(hit.chain)))
    return Finding(rule=hit.rule, severity=hit.severity, confidence=hit.confidence, package=package,
                   message=hit.message, location=SourceLocation(path, hit.line), evidence=tuple(evidence))


def _is_pure_wheel(root: Path) -> bool:
    """A wheel whose every tag is ``*-none-any``: it should ship no compiled code."""
    for wheel in root.glob("*.dist-info/WHEEL"):
        try:
            with open(wheel, "rb") as fh:
                text = fh.read(_WHEEL_BYTES).decode("utf-8", "replace")
        except OSError:
            return False
        tags = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Tag:")]
        return bool(tags) and all(t.endswith("-none-any") for t in tags)
    return False


def _npm_scripts(rel: str, data: bytes) -> tuple[FileReport, str]:
    """The install scripts of a package.json, and why it could not be read ("" when it could). A document
    nested too deeply for Python's parser is one npm may still read: its scripts are not checked, never clean."""
    report = FileReport(rel)
    try:
        doc = json.loads(data)
    except RecursionError:
        return report, "nested too deeply to parse: the install scripts npm may run were not read"
    except ValueError:
        return report, ""  # npm cannot read it either
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return report, ""
    text = data.decode("utf-8", "replace").splitlines()
    for name in INSTALL_SCRIPTS:
        cmd = scripts.get(name)
        if not isinstance(cmd, str):
            continue
        line = next((i for i, t in enumerate(text, 1) if f'"{name}"' in t), 1)
        report.capabilities.add("install-script")
        risky = any(k in cmd for k in ("curl", "wget", "http://", "https://", "| sh", "|sh", "powershell", "eval",
                                       "base64", "nc ", "/dev/tcp"))  # node -e code is analyzed (judge_install_scripts)
        benign = cmd.strip().startswith(("node-gyp", "prebuild-install", "husky", "patch-package", "tsc", "npm run build"))
        report.hits.append(CodeHit(
            "install-script", Severity.HIGH if risky else (Severity.INFO if benign else Severity.LOW),
            Confidence.HIGH if risky else Confidence.MEDIUM, line,
            f"npm runs the {name} script when the package is installed: {cmd[:120]}", cmd[:160]))
    return report, ""


def _manifests(root: Path) -> list[str]:
    """package.json at the top of the tree or one folder down (npm tarballs unpack into ``package/``)."""
    try:
        tops = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.is_symlink())
    except OSError:
        return []
    return [m for m in ("package.json", *(f"{d}/package.json" for d in tops))
            if (root / m).is_file() and not (root / m).is_symlink()]


def _small(path: Path) -> bytes | None:
    """The file's bytes when it is no larger than MAX_FILE_BYTES (never more is read), else None."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_FILE_BYTES else None


def _is_manifest(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1] == "package.json" and rel.count("/") <= 1


def _is_source(rel: str, javascript: bool, nested: bool) -> bool:
    """A file the analysis reads: left unread, it could hide code. In a nested archive, ``.pth`` files and
    package.json are data (installing the package does not use them)."""
    name = rel.rsplit("/", 1)[-1]
    return (name.endswith((".py", ".pyw")) or (not nested and (name.endswith(".pth") or _is_manifest(rel)))
            or (javascript and name.endswith(JS_SUFFIXES)))


_NUMBER = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?)")
_BRACKETS = re.compile(r"([\[\](){}])")
_ITEMS = re.compile(r"[\s,]+")


def _python(path: str, text: str) -> FileReport:
    """analyze_source, and for a file too large to parse that is mostly a table of numbers (numeric data
    modules are common: pyscf's ``sap_data.py`` has a million tokens of floats) a second look with the
    numbers taken out: when that finds nothing the file can do, it is analysed, not partial. Anything else
    stays partial (only scanned line by line), and the package is not-checked."""
    report = analyze_source(path, text)
    if not report.partial:
        return report
    reduced = _numbers_only(text)
    if reduced is not None:
        again = analyze_source(path, reduced)
        if not again.partial and not again.hits and not again.capabilities:
            return again
        if not again.partial:  # the code around the numbers, analysed: its findings count (the file stays partial)
            report.hits += again.hits
            report.capabilities |= again.capabilities
    return report


def _numbers_only(text: str) -> str | None:
    """`text` with every line that holds only numbers, commas and brackets cut to its brackets and one ``0,`` per
    run of numbers (so it still parses, and line numbers do not move); None when no line is such a line."""
    out: list[str] = []
    changed = False
    for line in text.split("\n"):
        cut = _numbers_line(line)
        out.append(line if cut is None else cut)
        changed = changed or cut is not None
    return "\n".join(out) if changed else None


def _numbers_line(line: str) -> str | None:
    pieces: list[str] = []
    numbers = False
    for part in _BRACKETS.split(line):
        if len(part) == 1 and part in "[](){}":
            pieces.append(part)
            continue
        items = [x for x in _ITEMS.split(part) if x]
        if not all(_NUMBER.fullmatch(x) for x in items):
            return None
        if items:
            pieces.append("0,")
            numbers = True
        elif "," in part:
            pieces.append(",")
    return "".join(pieces) if numbers else None


class _Walk:
    """One package's files analysed one by one (the tree's own files, then the copies)."""

    def __init__(self, root: Path, package: PackageId, out: Inspection, nested: Sequence[str]) -> None:
        self.root = root
        self.out = out
        self.reports: list[FileReport] = []
        self.pure = _is_pure_wheel(root)
        self.javascript = package.ecosystem is Ecosystem.NPM
        self.nested = {n.rstrip("/") for n in nested}
        self.plans: list[tuple[InstallPlan, str]] = []  # (plan, path of the package.json report it belongs to)
        self.install_files: set[str] = set()
        self.entries: set[str] = set()

    def is_nested(self, rel: str) -> bool:
        i = rel.find("!/")
        while i != -1:
            if rel[: i + 1] in self.nested:
                return True
            i = rel.find("!/", i + 2)
        return False

    def plan(self, manifest: str, raw: bytes | None, label: str) -> None:
        plan = install_plan(self.root, manifest, raw)
        if plan is not None:
            self.plans.append((plan, label))
            self.install_files |= plan.files
            self.entries |= plan.entries

    def read(self, path: Path, rel: str, label: str, size: int) -> None:
        """Analyse one file as if it were at `rel` (its findings name `label`)."""
        out = self.out
        nested = self.is_nested(rel)
        source = _is_source(rel, self.javascript, nested)
        if not source:
            if self.pure and not nested:
                try:
                    with open(path, "rb") as fh:
                        head = fh.read(_HEAD)
                except OSError:
                    return
                if head.startswith(NATIVE_MAGIC):
                    self.reports.append(FileReport(label, {"native-binary"}, [CodeHit(
                        "native-binary", Severity.MEDIUM, Confidence.MEDIUM, 1,
                        "a native executable or library inside a pure-Python wheel: its code cannot be read here")]))
            if size > MAX_FILE_BYTES:
                out.unreadable.append(f"{label}: {size} bytes, larger than the {MAX_FILE_BYTES} analyzed")
            return
        if size > MAX_FILE_BYTES:
            why = f"{label}: {size:,} bytes, larger than the {MAX_FILE_BYTES:,} analyzed"
            out.unreadable.append(why)
            out.not_checked.append(f"{why}: its code was not read")
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.unreadable.append(f"{label}: {exc.strerror}")
            out.not_checked.append(f"{label}: could not be read ({exc.strerror})")
            return
        name = rel.rsplit("/", 1)[-1]
        if name.endswith((".py", ".pyw")):
            # nested: analysed as a plain module (a path that is neither setup.py nor __init__.py), then relabelled
            report = _python(f"{rel} (nested)" if nested else rel, data.decode("utf-8", "replace"))
        elif name.endswith(".pth"):
            report = analyze_pth(rel, data.decode("utf-8", "replace"))
        elif name.endswith(JS_SUFFIXES):
            top = not nested
            report = analyze_javascript(rel, data.decode("utf-8", "replace"),
                                        install_time=top and rel in self.install_files, entry=top and rel in self.entries)
        else:
            report, why = _npm_scripts(rel, data)
            if why:
                out.not_checked.append(f"{label}: {why}")
        if report.partial:  # too large to parse: only scanned line by line
            out.not_checked.append(f"{label}: {report.partial}")
        report.path = label
        self.reports.append(report)


def inspect_tree(root: Path, package: PackageId, *, copies: Sequence[tuple[str, Path, str]] = (),
                 nested: Sequence[str] = (), should_stop: Callable[[], bool] | None = None) -> Inspection:
    """Read every file under `root` (an unpacked sdist, wheel or npm tarball).

    `copies` are (path, file, origin) of members the unpacker wrote aside: each is read as if it were
    at `path`. `nested` are the folders (``a/b.zip!``) holding nested archives' contents. `should_stop`
    is asked between files; when it says so, KeyboardInterrupt is raised (the run was interrupted)."""
    out = Inspection(package)
    walk = _Walk(root, package, out, nested)
    if walk.javascript:  # npm: the files install scripts run are install-time code; the main module runs when required
        manifests = [(m, root / m, m) for m in _manifests(root)]
        manifests += [(as_path, file, f"{as_path} ({origin})") for as_path, file, origin in copies
                      if _is_manifest(as_path) and not walk.is_nested(as_path)]
        for manifest, file, label in manifests:
            raw = _small(file)  # one over the limit is reported as not checked when the file itself is read
            if raw is not None:
                walk.plan(manifest, raw, label)
    listed: list[tuple[str, int]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if should_stop is not None and should_stop():
                raise KeyboardInterrupt("stopped")
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            try:
                st = path.lstat()
            except OSError as exc:
                out.unreadable.append(f"{rel}: {exc.strerror}")
                continue
            if not path.is_file() or path.is_symlink():
                continue
            out.files += 1
            listed.append((rel, st.st_size))
            walk.read(path, rel, rel, st.st_size)
    for as_path, file, origin in copies:
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt("stopped")
        out.files += 1
        try:
            size = file.stat().st_size
        except OSError as exc:
            out.not_checked.append(f"{as_path} ({origin}): could not be read ({exc.strerror})")
            continue
        walk.read(file, as_path, f"{as_path} ({origin})", size)
    reports = walk.reports
    for plan, label in walk.plans:  # an install script is judged by what the files it runs do
        manifest_report = next((r for r in reports if r.path == label), None)
        if manifest_report is not None:
            reports += judge_install_scripts(manifest_report, plan, reports)
    for r in reports:
        for cap in r.capabilities:
            out.capabilities.setdefault(cap, []).append(r.path)
        out.findings += [_finding(package, r.path, h) for h in r.hits if h.severity is not Severity.INFO]
    out.findings += check_record(root, [(rel, size) for rel, size in listed if not walk.is_nested(rel)], package)
    out.findings = _dedupe(out.findings)
    out.judge()
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int | None, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.location.file if f.location else "", f.location.line if f.location else None, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def verdict(findings: list[Finding], not_checked: Sequence[str] = ()) -> tuple[str, str]:
    """malicious / suspicious / not-checked / clean, and the finding, rule or gap that decided it (module docstring)."""
    for f in findings:
        if f.severity is Severity.CRITICAL and f.confidence is Confidence.HIGH:
            return "malicious", f"{f.rule} at {f.location}: {f.message}"
    rules = {f.rule for f in findings}
    if {"credential-file-access", "webhook-exfiltration"} <= rules:
        return "malicious", "reads credential stores and carries a chat webhook"
    high = next((f for f in findings if f.severity.rank >= Severity.HIGH.rank), None)
    if high is not None:
        return "suspicious", f"{high.rule} at {high.location}: {high.message}"
    medium = {f.rule for f in findings if f.severity is Severity.MEDIUM}
    if len(medium) >= 2:
        return "suspicious", f"medium findings of {len(medium)} rules: {', '.join(sorted(medium))}"
    if not_checked:
        more = f" (and {len(not_checked) - 1} more)" if len(not_checked) > 1 else ""
        return "not-checked", f"not read completely: {not_checked[0]}{more}"
    return "clean", "no finding above low" if findings else "no findings"


# archive-anomaly: how serious each guard the unpacker tripped is (docs/rules/archive-anomaly.md)
ANOMALY_SEVERITY = {
    "path-traversal": Severity.HIGH, "absolute-path": Severity.HIGH, "link": Severity.HIGH, "device": Severity.HIGH,
    "zip-header-mismatch": Severity.HIGH, "zip-multiple-eocd": Severity.HIGH, "zip-overlap": Severity.HIGH,
    "zip-unlisted-entry": Severity.HIGH, "duplicate-name": Severity.HIGH, "decompression-bomb": Severity.HIGH,
    "compression-ratio": Severity.MEDIUM, "too-large": Severity.MEDIUM, "too-many-files": Severity.MEDIUM,
    "nesting-depth": Severity.MEDIUM, "zip-prepended-data": Severity.MEDIUM, "encrypted": Severity.MEDIUM,
    "unreadable": Severity.MEDIUM, "unknown-format": Severity.LOW, "identical-copy": Severity.LOW,
}
TREE_KINDS = {"decompression-bomb", "too-many-files"}  # limits of the whole tree: as serious wherever they are hit


class AnomalyLike(Protocol):
    """What the safe unpacker reports (enrich.artifacts.Anomaly), as this layer reads it."""

    @property
    def kind(self) -> str: ...
    @property
    def member(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def nested(self) -> bool: ...


def add_archive_anomalies(inspection: Inspection, anomalies: Sequence[AnomalyLike],
                          not_read: Sequence[AnomalyLike] = ()) -> None:
    """Each guard the safe unpacker tripped becomes an ``archive-anomaly`` finding; those in `not_read` (content
    the unpacker did not deliver) also make the inspection not-checked.

    Inside a nested archive the structure tricks are low: installing the package does not unpack it (its files
    are analysed all the same, copies included), and real packages ship such archives (time-zone tarballs with
    links, test fixtures). What it leaves unread still makes the package not-checked."""
    for a in anomalies:
        severity = ANOMALY_SEVERITY.get(a.kind, Severity.MEDIUM)
        message = f"{a.kind}: {a.detail}"
        if a.nested and a.kind not in TREE_KINDS and severity.rank > Severity.LOW.rank:
            severity = Severity.LOW
            message += " (inside a nested archive, which installing the package does not unpack)"
        inspection.findings.append(Finding(
            rule="archive-anomaly", severity=severity, confidence=Confidence.HIGH, package=inspection.package,
            message=message, location=SourceLocation(a.member or "(archive)"), evidence=(Evidence("anomaly", a.kind),)))
    inspection.not_checked += [f"{a.member or '(archive)'}: {a.kind}: {a.detail}" for a in not_read]
    if anomalies or not_read:
        inspection.judge()
