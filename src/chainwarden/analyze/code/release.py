"""A release is several archives (an sdist and a wheel, or an npm tarball): what each one holds,
the release as one `Inspection`, and what a new release adds over an old one (`changed-behaviour`).

Everything here works on trees already unpacked by the safe unpacker and on the inspections of
them; nothing is fetched or run. `ArtifactReport.to_dict`/`from_dict` let a scan keep the
report of an archive by its sha256, so a later scan reads only new or changed releases.

The comparison (`compare`) lines up files across versions by a normal path (the archive's
name, the sdist's ``<name>-<version>/`` folder, npm's ``package/`` and the version in
``.dist-info`` folder names taken out) and reports the capabilities, install hooks, findings,
files and declared dependencies that the new release adds. A new release of the same major
version that adds install-time code, network or DNS access, or reads of secrets is the
account-takeover signature: the `changed-behaviour` finding, critical when what it adds is
itself judged malicious.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from chainwarden.analyze.code.inspect import Inspection, verdict
from chainwarden.analyze.metadata._common import bump
from chainwarden.model import (
    Confidence,
    Ecosystem,
    Evidence,
    Finding,
    PackageId,
    Severity,
    SourceLocation,
    printable,
)

RISKY_CAPABILITIES = {  # capability -> how it reads in a changed-behaviour message
    "install-hook": "install-time code", "pth-exec": "code run at every interpreter start (.pth)",
    "install-script": "an npm install script", "network": "network access", "dns": "DNS lookups",
    "credential-files": "reads of credential files", "process": "process spawning", "dynamic-code": "dynamic code execution",
    "persistence": "persistence", "reverse-shell": "a reverse shell", "webhook": "chat webhooks",
}
TAKEOVER_CAPABILITIES = {"install-hook", "pth-exec", "install-script", "network", "dns", "credential-files",
                         "reverse-shell", "webhook", "persistence"}
INSTALL_RULES = {"install-time-code", "install-script"}


@dataclass
class ArtifactReport:
    """One archive of a release, inspected. Finding locations are ``<archive>/<path inside it>``."""

    filename: str
    sha256: str
    verified: str  # the digests it was checked against ("" when the index gave none)
    inspection: Inspection
    files: list[str] = field(default_factory=list)  # paths inside the archive
    dependencies: list[str] = field(default_factory=list)  # declared: Requires-Dist lines, package.json dependencies
    anomalies: int = 0

    def to_dict(self) -> dict[str, Any]:
        i = self.inspection
        return {
            "filename": self.filename, "sha256": self.sha256, "verified": self.verified, "files": self.files,
            "dependencies": self.dependencies, "anomalies": self.anomalies, "file_count": i.files,
            "capabilities": i.capabilities, "unreadable": i.unreadable, "not_checked": i.not_checked,
            "findings": [{"rule": f.rule, "severity": f.severity.value, "confidence": f.confidence.value,
                          "message": f.message, "file": f.location.file if f.location else None,
                          "line": f.location.line if f.location else None,
                          "evidence": [[e.label, e.value, e.location.file if e.location else None,
                                        e.location.line if e.location else None] for e in f.evidence]}
                         for f in i.findings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], package: PackageId) -> ArtifactReport:
        def loc(file: Any, line: Any) -> SourceLocation | None:
            return SourceLocation(str(file), line if isinstance(line, int) else None) if file is not None else None

        findings = [Finding(rule=f["rule"], severity=Severity(f["severity"]), confidence=Confidence(f["confidence"]),
                            package=package, message=f["message"], location=loc(f["file"], f["line"]),
                            evidence=tuple(Evidence(e[0], e[1], loc(e[2], e[3])) for e in f["evidence"]))
                    for f in data["findings"]]
        inspection = Inspection(package, files=int(data["file_count"]),
                                capabilities={k: list(v) for k, v in data["capabilities"].items()},
                                findings=findings, unreadable=list(data["unreadable"]),
                                not_checked=[str(n) for n in data["not_checked"]])  # KeyError: a report from before
        inspection.judge()
        return cls(data["filename"], data["sha256"], data["verified"], inspection, list(data["files"]),
                   list(data["dependencies"]), int(data["anomalies"]))


def prefixed(inspection: Inspection, prefix: str) -> Inspection:
    """The same inspection with every file path under ``<prefix>/`` (the archive's name)."""
    def loc(location: SourceLocation | None) -> SourceLocation | None:
        return SourceLocation(f"{prefix}/{location.file}", location.line) if location else None

    out = Inspection(inspection.package, inspection.files,
                     {cap: [f"{prefix}/{p}" for p in paths] for cap, paths in inspection.capabilities.items()},
                     [Finding(rule=f.rule, severity=f.severity, confidence=f.confidence, package=f.package,
                              message=f.message, location=loc(f.location),
                              evidence=tuple(Evidence(e.label, e.value, loc(e.location)) for e in f.evidence),
                              fix=f.fix, path=f.path) for f in inspection.findings],
                     [f"{prefix}/{u}" for u in inspection.unreadable], inspection.verdict, inspection.verdict_reason,
                     [f"{prefix}/{n}" for n in inspection.not_checked])
    out.judge()  # the reason names the prefixed path
    return out


def _head(path: Path, limit: int) -> bytes:
    """The first `limit` bytes of a file (a member may be a gigabyte: it is never read whole)."""
    with open(path, "rb") as fh:
        return fh.read(limit)


def declared_dependencies(root: Path) -> list[str]:
    """What an unpacked archive says it depends on, read as text: wheel METADATA / sdist PKG-INFO
    ``Requires-Dist``, or package.json ``dependencies`` (as ``name spec``)."""
    out: list[str] = []
    for meta in [*root.glob("*.dist-info/METADATA"), *root.glob("PKG-INFO"), *root.glob("*/PKG-INFO")][:1]:
        try:
            headers = BytesHeaderParser().parsebytes(_head(meta, 1_000_000))
        except (OSError, ValueError):
            continue
        out += [printable(" ".join(str(v).split()), 200) for v in headers.get_all("Requires-Dist") or []]
    for manifest in [*root.glob("package/package.json"), *root.glob("package.json")][:1]:
        try:
            doc = json.loads(_head(manifest, 5_000_000))
        except (OSError, ValueError, RecursionError):  # RecursionError: nested thousands of levels deep
            continue
        deps = doc.get("dependencies") if isinstance(doc, dict) else None
        if isinstance(deps, dict):
            out += [printable(f"{k} {v}", 200) for k, v in sorted(deps.items()) if isinstance(v, str)]
    return sorted(set(out))


def merge(package: PackageId, reports: list[ArtifactReport]) -> Inspection:
    """One inspection for the release: every archive's files, capabilities and findings, and one verdict."""
    out = Inspection(package)
    for r in reports:
        out.files += r.inspection.files
        for cap, paths in r.inspection.capabilities.items():
            out.capabilities.setdefault(cap, []).extend(paths)
        out.findings += r.inspection.findings
        out.unreadable += r.inspection.unreadable
        out.not_checked += r.inspection.not_checked
    out.judge()
    return out


def normal_path(path: str, package: PackageId) -> str:
    """A file's path with the archive name and the version taken out, to line files up across releases."""
    first, _, rest = path.partition("/")
    if first.endswith((".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar")) and rest:
        path = rest
    version = re.escape(package.version or "")
    if version:
        path = re.sub(rf"^[^/]*-{version}/", "", path)  # the sdist's <name>-<version>/ folder
        path = re.sub(rf"-{version}(\.dist-info|\.data|\.egg-info)/", r"\1/", path)
    if package.ecosystem is Ecosystem.NPM and path.startswith("package/"):
        path = path[len("package/"):]
    return path


@dataclass
class ReleaseDiff:
    """What `new` adds over `old` (and drops), from their inspections and declared dependencies."""

    old: PackageId
    new: PackageId
    old_verdict: str
    new_verdict: str
    added_capabilities: dict[str, list[str]] = field(default_factory=dict)  # capability -> files in new
    removed_capabilities: list[str] = field(default_factory=list)
    added_findings: list[Finding] = field(default_factory=list)
    added_install_hooks: list[Finding] = field(default_factory=list)
    added_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    added_dependencies: list[str] = field(default_factory=list)
    removed_dependencies: list[str] = field(default_factory=list)
    added_kinds: list[str] = field(default_factory=list)  # kinds of archive ("sdist", "wheel") new ships and old did not
    removed_kinds: list[str] = field(default_factory=list)  # e.g. "wheel": pip now builds the sdist, running setup.py
    bump: str = "other"  # "major", "minor", "patch", "other"
    finding: Finding | None = None  # changed-behaviour, when what is added is the takeover signature

    @property
    def changed(self) -> bool:
        return bool(self.added_capabilities or self.removed_capabilities or self.added_findings or self.added_files
                    or self.removed_files or self.added_dependencies or self.removed_dependencies or self.added_kinds
                    or self.removed_kinds)


def bump_kind(old: str | None, new: str | None) -> str:
    """"major", "minor", "patch" (the release parts, as dormant-then-released reads them), else "other"."""
    return bump(old or "", new or "") or "other"


def archive_kind(filename: str) -> str:
    return "wheel" if filename.endswith(".whl") else "tarball" if filename.endswith(".tgz") else "sdist"


def compare(old: Inspection, old_files: dict[str, list[str]], old_deps: list[str],
            new: Inspection, new_files: dict[str, list[str]], new_deps: list[str]) -> ReleaseDiff:
    """What the new release adds over the old one, and the `changed-behaviour` finding when it is the takeover signature.

    `*_files` map a kind of archive (`archive_kind`) to the paths in it: files are compared between
    archives of the same kind; a kind only one side ships is reported as such."""
    o, n = old.package, new.package
    diff = ReleaseDiff(o, n, old.verdict, new.verdict, bump=bump_kind(o.version, n.version))
    old_caps = set(old.capabilities)
    for cap, paths in sorted(new.capabilities.items()):
        if cap not in old_caps:
            diff.added_capabilities[cap] = sorted(set(paths))
    diff.removed_capabilities = sorted(old_caps - set(new.capabilities))
    seen = {(f.rule, normal_path(f.location.file, o) if f.location else "") for f in old.findings}
    diff.added_findings = [f for f in new.findings
                           if (f.rule, normal_path(f.location.file, n) if f.location else "") not in seen]
    diff.added_install_hooks = [f for f in diff.added_findings if f.rule in INSTALL_RULES]
    for kind in sorted(set(old_files) & set(new_files)):
        of = {normal_path(p, o) for p in old_files[kind]}
        nf = {normal_path(p, n) for p in new_files[kind]}
        diff.added_files += sorted(nf - of)
        diff.removed_files += sorted(of - nf)
    diff.added_kinds, diff.removed_kinds = sorted(set(new_files) - set(old_files)), sorted(set(old_files) - set(new_files))
    diff.added_dependencies = sorted(set(new_deps) - set(old_deps))
    diff.removed_dependencies = sorted(set(old_deps) - set(new_deps))
    diff.finding = _changed_behaviour(diff)
    return diff


def _changed_behaviour(diff: ReleaseDiff) -> Finding | None:
    risky = [c for c in diff.added_capabilities if c in TAKEOVER_CAPABILITIES]
    serious = [f for f in diff.added_findings if f.severity.rank >= Severity.HIGH.rank]
    if not risky and not serious and not [c for c in diff.added_capabilities if c in RISKY_CAPABILITIES]:
        return None
    added_verdict, _ = verdict(diff.added_findings)
    same_line = diff.bump in ("patch", "minor")
    if added_verdict == "malicious":
        severity, confidence = Severity.CRITICAL, Confidence.HIGH
    elif risky or serious:
        severity, confidence = (Severity.HIGH if same_line else Severity.MEDIUM), Confidence.MEDIUM
    else:
        severity, confidence = Severity.LOW, Confidence.LOW
    what = [RISKY_CAPABILITIES.get(c, c) for c in diff.added_capabilities if c in RISKY_CAPABILITIES]
    lead = next(iter(sorted(diff.added_findings, key=lambda f: -f.severity.rank)), None)
    message = (f"{diff.new.version} adds over {diff.old.version}: {', '.join(what) or 'new findings'}"
               + (f"; {lead.rule}: {lead.message}" if lead else "")
               + (f" — in a {diff.bump} release, the shape of a hijacked maintainer account" if same_line and severity.rank >= Severity.HIGH.rank else ""))
    evidence = [Evidence("added capability", f"{RISKY_CAPABILITIES.get(c, c)} ({', '.join(paths[:3])})")
                for c, paths in diff.added_capabilities.items()]
    evidence += [Evidence(f"added {f.rule} ({f.severity.value})", f.message, f.location) for f in diff.added_findings[:10]]
    evidence += [Evidence("added dependency", d) for d in diff.added_dependencies[:10]]
    if "wheel" in diff.removed_kinds:
        evidence.append(Evidence("no wheel any more", "installers now build the sdist, which runs its setup.py"))
    return Finding(rule="changed-behaviour", severity=severity, confidence=confidence, package=diff.new,
                   message=message, location=lead.location if lead else None, evidence=tuple(evidence),
                   fix=f"pin {diff.old.name} to {diff.old.version} (the release before) and report {diff.new} to the index "
                       "if the added code is not explained by the project's changelog")
