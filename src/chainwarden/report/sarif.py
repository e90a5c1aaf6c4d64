"""SARIF 2.1.0 (docs/reports.md describes every field and mapping), ready for code scanning uploads.

- one rule (`reportingDescriptor`) per analyzer id and per code rule, with its title, summary, the rule
  page as help text, a link to the page when a docs URL is known, the default level and, for code
  scanning, `security-severity` and `precision`;
- one result per finding, located at the manifest or lockfile line that brings the package in (the
  finding's own location, else the first line that declares the package, else the project's first
  input file), with the other declaring lines as related locations;
- `partialFingerprints` that survive version bumps and line moves: a hash of the rule, the ecosystem,
  the package name and the file (never the version or the line);
- what could not be checked as tool execution notifications.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from chainwarden.model import (
    Confidence,
    Finding,
    PackageId,
    ScanResult,
    Severity,
    SourceLocation,
    printable,
)
from chainwarden.report import scrub
from chainwarden.report.rule_docs import Rule, catalogue, rule_doc

__all__ = ["FINGERPRINT_KEY", "LEVEL", "SCHEMA_URI", "SECURITY_SEVERITY", "build", "fingerprint", "render"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "chainwarden/v1"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
# Code scanning reads these as: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "1.0"}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
_LIMIT = 1024  # code scanning's limit for short and full descriptions
_SEMVER = re.compile(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")


def _name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _reporting_descriptor(rule: Rule, docs_url: str | None) -> dict[str, Any]:
    level = LEVEL[rule.severity]
    doc = rule_doc(rule.id)
    help_text = doc or f"{rule.title}\n\n{rule.summary}"
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _name(rule.id),
        "shortDescription": {"text": rule.title[:_LIMIT]},
        "fullDescription": {"text": rule.summary[:_LIMIT]},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["security", "supply-chain", f"reflex-{rule.stage}"],
            "precision": PRECISION[rule.confidence],
            "problem.severity": PROBLEM_SEVERITY[level],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.value,
        },
    }
    if docs_url:
        descriptor["helpUri"] = docs_url.rstrip("/") + f"/{quote(rule.id)}.md"
    return descriptor


def _uri(file: str) -> tuple[str, str | None]:
    """(uri, uriBaseId): paths relative to where chainwarden ran (the repository root in CI) are relative
    references against %SRCROOT%; absolute paths are file URIs."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri(), None
    return quote(PurePosixPath(*path.parts).as_posix(), safe="/-._~!$&'()*+,;=:@"), "%SRCROOT%"


def _physical(loc: SourceLocation) -> dict[str, Any]:
    uri, base = _uri(loc.file)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    out: dict[str, Any] = {"artifactLocation": artifact}
    if loc.line is not None and loc.line >= 1:
        out["region"] = {"startLine": loc.line}
    return out


class _Locator:
    """Where a finding is shown: its own location, else the first line that declares the package in the
    project that has it, else that project's first input file, else the first input file of the run."""

    def __init__(self, result: ScanResult) -> None:
        self.sources: dict[PackageId, list[SourceLocation]] = {}
        self.project_file: dict[PackageId, SourceLocation] = {}
        self.fallback: SourceLocation | None = None
        for eg in result.graphs:
            pr = eg.graph.project
            first = pr.lockfiles[0] if pr.lockfiles else (pr.files[0] if pr.files else None)
            manifest = SourceLocation(first) if first else None
            if self.fallback is None and manifest is not None:
                self.fallback = manifest
            for dep in eg.graph.dependencies:
                self.sources.setdefault(dep.package, []).extend(s for s in dep.sources if s not in self.sources.get(dep.package, []))
                if manifest is not None:
                    self.project_file.setdefault(dep.package, manifest)

    def locate(self, f: Finding) -> tuple[SourceLocation | None, list[SourceLocation]]:
        known = self.sources.get(f.package, [])
        primary = f.location or (known[0] if known else None) or self.project_file.get(f.package) or self.fallback
        related = [s for s in known if s != primary][:9]
        return primary, related


def fingerprint(f: Finding, loc: SourceLocation | None) -> str:
    """Stable across runs: rule, ecosystem, package name and file; not the version, not the line."""
    key = "\0".join((f.rule, f.package.ecosystem.value, f.package.name, loc.file if loc else ""))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _message(f: Finding) -> str:
    text = printable(f.message)
    if not f.message.startswith(f.package.name):
        text = f"{printable(str(f.package))}: {text}"
    if len(f.path) > 1:
        text += " (via " + " → ".join(printable(str(p)) for p in f.path[:-1]) + ")"
    if f.fix:
        text += f" Fix: {printable(f.fix)}"
    return text


def build(result: ScanResult, *, docs_url: str | None = None, working_directory: Path | None = None) -> dict[str, Any]:
    rules = list(catalogue())
    index = {r.id: i for i, r in enumerate(rules)}
    for f in result.findings:  # a rule outside the catalogue (a newer analyzer) still gets a descriptor
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(Rule(f.rule, f.rule, f.message[:_LIMIT], f.severity, f.confidence, "evaluation"))
    locator = _Locator(result)
    results: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for f in result.findings:
        if f.severity is Severity.INFO:
            continue  # a weak signal on its own (docs/decisions/0020-weak-signals-combine.md): in the JSON report only
        primary, related = locator.locate(f)
        fp = fingerprint(f, primary)
        seen[fp] = seen.get(fp, 0) + 1
        if seen[fp] > 1:  # the same rule on two versions of one name in one file (npm allows that)
            fp = f"{fp}:{seen[fp]}"
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL[f.severity],
            "message": {"text": _message(f)},
            "locations": [{
                "physicalLocation": _physical(primary) if primary else {"artifactLocation": {"uri": ".", "uriBaseId": "%SRCROOT%"}},
                "logicalLocations": [{"name": printable(f.package.name), "fullyQualifiedName": f.package.purl, "kind": "package"}],
            }],
            # code scanning tracks alerts by primaryLocationLineHash only; left out, the upload action would
            # hash the line's text, which changes with every version bump
            "partialFingerprints": {FINGERPRINT_KEY: fp, "primaryLocationLineHash": fp},
            "properties": {
                "severity": f.severity.value,
                "confidence": f.confidence.value,
                "package": f.package.purl,
                "path": [p.purl for p in f.path],
                "evidence": [{"label": printable(e.label), "value": printable(e.value, 500)} for e in f.evidence],
            },
        }
        if f.fix:
            res["properties"]["fix"] = printable(f.fix)
        if related:
            res["relatedLocations"] = [{"id": i + 1, "physicalLocation": _physical(s), "message": {"text": "also declared here"}}
                                       for i, s in enumerate(related)]
        results.append(res)
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": f"could not check {printable(s.what)}: {printable(s.reason)}"},
             "descriptor": {"id": f"not-checked/{s.stage or 'run'}"}}
            for s in result.skips
        ],
        "properties": {"verdict": result.verdict.label, "reasons": [printable(r) for r in result.verdict.reasons],
                       "policy": result.policy.source, "fail-on": result.policy.fail_on.value, "ignored": result.ignored,
                       "informational": sum(f.severity is Severity.INFO for f in result.findings)},
    }
    if working_directory is not None:
        invocation["workingDirectory"] = {"uri": working_directory.resolve().as_uri().rstrip("/") + "/"}
    driver: dict[str, Any] = {
        "name": "chainwarden",
        "version": result.tool_version,
        "rules": [_reporting_descriptor(r, docs_url) for r in rules],
    }
    if _SEMVER.fullmatch(result.tool_version):
        driver["semanticVersion"] = result.tool_version
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(result: ScanResult, *, docs_url: str | None = None, working_directory: Path | None = None) -> str:
    return json.dumps(scrub(build(result, docs_url=docs_url, working_directory=working_directory)), indent=2, ensure_ascii=False) + "\n"
