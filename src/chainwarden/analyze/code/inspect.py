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
- **clean**: otherwise. A capability alone (``requests.get`` in an HTTP library, ``subprocess``
  in a CLI) is listed, never an alarm.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from chainwarden.analyze.code.javascript import JS_SUFFIXES, analyze_javascript, install_plan, judge_install_scripts
from chainwarden.analyze.code.python_ast import CodeHit, FileReport, analyze_pth, analyze_source
from chainwarden.model import Confidence, Ecosystem, Evidence, Finding, PackageId, Severity, SourceLocation

MAX_FILE_BYTES = 10 * 1024 * 1024  # larger source files are listed, not parsed
NATIVE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")


@dataclass
class Inspection:
    """What one package's files can do, what looks malicious in them, and the verdict."""

    package: PackageId
    files: int = 0
    capabilities: dict[str, list[str]] = field(default_factory=dict)  # capability -> files that have it
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    verdict: str = "clean"
    verdict_reason: str = ""


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
            tags = [line.split(":", 1)[1].strip() for line in wheel.read_text(encoding="utf-8", errors="replace").splitlines()
                    if line.startswith("Tag:")]
        except OSError:
            return False
        return bool(tags) and all(t.endswith("-none-any") for t in tags)
    return False


def _npm_scripts(rel: str, data: bytes) -> FileReport:
    report = FileReport(rel)
    try:
        doc = json.loads(data)
    except ValueError:
        return report
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return report
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
    return report


def _manifests(root: Path) -> list[str]:
    """package.json at the top of the tree or one folder down (npm tarballs unpack into ``package/``)."""
    try:
        tops = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.is_symlink())
    except OSError:
        return []
    return [m for m in ("package.json", *(f"{d}/package.json" for d in tops))
            if (root / m).is_file() and not (root / m).is_symlink()]


def inspect_tree(root: Path, package: PackageId) -> Inspection:
    """Read every file under `root` (an unpacked sdist, wheel or npm tarball)."""
    out = Inspection(package)
    reports: list[FileReport] = []
    pure = _is_pure_wheel(root)
    # npm: the files install scripts run are install-time code; the main module runs when required
    javascript = package.ecosystem is Ecosystem.NPM
    plans = [p for p in (install_plan(root, m) for m in _manifests(root)) if p is not None] if javascript else []
    install_files = {f for p in plans for f in p.files}
    entries = {f for p in plans for f in p.entries}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                continue
            out.files += 1
            try:
                size = path.stat().st_size
                if size > MAX_FILE_BYTES:
                    out.unreadable.append(f"{rel}: {size} bytes, larger than the {MAX_FILE_BYTES} analyzed")
                    continue
                data = path.read_bytes()
            except OSError as exc:
                out.unreadable.append(f"{rel}: {exc.strerror}")
                continue
            if name.endswith((".py", ".pyw")) or name == "setup.py":
                reports.append(analyze_source(rel, data.decode("utf-8", "replace")))
            elif name.endswith(".pth"):
                reports.append(analyze_pth(rel, data.decode("utf-8", "replace")))
            elif name == "package.json" and rel.count("/") <= 1:
                reports.append(_npm_scripts(rel, data))
            elif javascript and name.endswith(JS_SUFFIXES):
                reports.append(analyze_javascript(rel, data.decode("utf-8", "replace"), install_time=rel in install_files,
                                                  entry=rel in entries))
            elif pure and data.startswith(NATIVE_MAGIC):
                reports.append(FileReport(rel, {"native-binary"}, [CodeHit(
                    "native-binary", Severity.MEDIUM, Confidence.MEDIUM, 1,
                    "a native executable or library inside a pure-Python wheel: its code cannot be read here")]))
    for plan in plans:  # an install script is judged by what the files it runs do
        manifest = next((r for r in reports if r.path == plan.manifest), None)
        if manifest is not None:
            reports += judge_install_scripts(manifest, plan, reports)
    for r in reports:
        for cap in r.capabilities:
            out.capabilities.setdefault(cap, []).append(r.path)
        out.findings += [_finding(package, r.path, h) for h in r.hits if h.severity is not Severity.INFO]
    out.findings = _dedupe(out.findings)
    out.findings.sort(key=lambda f: (-f.severity.rank, f.location.file if f.location else "", f.location.line or 0
                                     if f.location else 0, f.rule))
    out.verdict, out.verdict_reason = verdict(out.findings)
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


def verdict(findings: list[Finding]) -> tuple[str, str]:
    """malicious / suspicious / clean, and the finding or rule that decided it (module docstring)."""
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
    return "clean", "no finding above low" if findings else "no findings"


# archive-anomaly: how serious each guard the unpacker tripped is (docs/rules/archive-anomaly.md)
ANOMALY_SEVERITY = {
    "path-traversal": Severity.HIGH, "absolute-path": Severity.HIGH, "link": Severity.HIGH, "device": Severity.HIGH,
    "zip-header-mismatch": Severity.HIGH, "zip-multiple-eocd": Severity.HIGH, "zip-overlap": Severity.HIGH,
    "compression-ratio": Severity.MEDIUM, "too-large": Severity.MEDIUM, "too-many-files": Severity.MEDIUM,
    "nesting-depth": Severity.MEDIUM, "zip-prepended-data": Severity.MEDIUM, "duplicate-name": Severity.MEDIUM,
    "encrypted": Severity.MEDIUM, "unreadable": Severity.MEDIUM, "unknown-format": Severity.LOW,
}


def add_archive_anomalies(inspection: Inspection, anomalies: list[tuple[str, str, str]]) -> None:
    """Each guard the safe unpacker tripped (kind, member, detail) becomes an ``archive-anomaly`` finding."""
    for kind, member, detail in anomalies:
        inspection.findings.append(Finding(
            rule="archive-anomaly", severity=ANOMALY_SEVERITY.get(kind, Severity.MEDIUM), confidence=Confidence.HIGH,
            package=inspection.package, message=f"{kind}: {detail}",
            location=SourceLocation(member or "(archive)"), evidence=(Evidence("anomaly", kind),)))
    if anomalies:
        inspection.findings.sort(key=lambda f: (-f.severity.rank, f.rule))
        inspection.verdict, inspection.verdict_reason = verdict(inspection.findings)
