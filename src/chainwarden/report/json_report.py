"""The JSON report, ``chainwarden.report/v1``: documented in docs/report-schema.md,
described by the JSON Schema shipped beside this module (schema/report-v1.json).

Additive changes keep ``v1``; removing or changing the meaning of a field makes ``v2``.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from importlib import resources
from typing import Any

from chainwarden.model import (
    AdvisorySource,
    Dependency,
    DomainCheck,
    Evidence,
    Finding,
    IndexSetup,
    Metrics,
    NamePresence,
    RegistryFacts,
    ScanResult,
    Severity,
    Skip,
    SourceLocation,
)

from chainwarden.report import scrub

SCHEMA_ID = "chainwarden.report/v1"


def schema() -> dict[str, Any]:
    """The JSON Schema of the report."""
    text = resources.files("chainwarden.report").joinpath("schema/report-v1.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _time(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _loc(loc: SourceLocation | None) -> dict[str, Any] | None:
    return None if loc is None else {"file": loc.file, "line": loc.line}


def _facts(f: RegistryFacts | None, version: str | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "exists": f.exists,
        "index": f.index_url,
        "source": f.source,
        "latest_version": f.latest_version,
        "release_count": f.release_count,
        "first_release": _time(f.first_release),
        "last_release": _time(f.last_release),
        "version_exists": f.version_exists,
        "version_released": _time(f.version_released),
        "yanked": (version in f.yanked_versions) if version else None,
        "maintainers": list(f.maintainers),
        "maintainer_source": f.maintainer_source or None,
        "organization": f.organization,
        "emails": list(f.emails),
        "repository": f.repository_url,
        "deprecated": f.deprecated,
        "project_status": f.project_status,
        "publisher": f.publisher,
        "owners_before": list(f.owners_before) if f.owners_before is not None else None,
        "owners_changed_at": _time(f.owners_changed_at),
    }


def _domain(host: str, d: DomainCheck) -> dict[str, Any]:
    return {"host": host, "domain": d.domain, "status": d.status.value, "detail": d.detail,
            "resolver": d.resolver, "checked_at": _time(d.checked_at)}


def _metrics(m: Metrics | None) -> dict[str, Any] | None:
    if m is None:
        return None

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "as_of": _time(m.as_of),
        "staleness": {
            "dated_packages": m.dated,
            "dated_direct": m.dated_direct,
            "no_release_18_months": {"all": m.stale_18mo, "all_share": share(m.stale_18mo, m.dated),
                                     "direct": m.stale_18mo_direct, "direct_share": share(m.stale_18mo_direct, m.dated_direct)},
            "no_release_24_months": {"all": m.stale_24mo, "all_share": share(m.stale_24mo, m.dated),
                                     "direct": m.stale_24mo_direct, "direct_share": share(m.stale_24mo_direct, m.dated_direct)},
        },
        "maintainer_activity": {
            "no_release_1_year": m.no_release_1y,
            "single_maintainer": m.single_maintainer,
            "maintainers_known": m.maintainers_known,
        },
        "risk": {
            "formula": "docs/metrics.md",
            "project": m.project_risk,
            "packages": [
                {"package": r.package.purl, "project": r.project, "own": r.own, "transitive": r.transitive,
                 "contributions": [{"rule": c.rule, "severity": c.severity.value, "confidence": c.confidence.value,
                                    "points": c.points} for c in r.contributions]}
                for r in m.risks
            ],
            "top_paths": [{"project": p.project, "path": [q.purl for q in p.packages], "points": p.points, "known": p.known}
                          for p in m.top_paths],
        },
    }


def _package(dep: Dependency, project: str, facts: RegistryFacts | None) -> dict[str, Any]:
    p = dep.package
    reg = _facts(facts, p.version)
    return {
        "ecosystem": p.ecosystem.value,
        "name": p.name,
        "version": p.version,
        "purl": p.purl,
        "project": project,
        "direct": dep.direct,
        "scope": dep.scope.value,
        "groups": list(dep.groups),
        "specifier": dep.specifier,
        "locked": dep.locked,
        "source_kind": dep.source_kind.value,
        "source_url": dep.source_url,
        "marker": dep.marker,
        "marker_applies": dep.marker_applies,
        "hashes": len(dep.hashes),
        "sources": [_loc(s) for s in dep.sources],
        "registry": reg,
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"label": e.label, "value": e.value, "location": _loc(e.location)}


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "package": f.package.purl,
        "message": f.message,
        "location": _loc(f.location),
        "evidence": [_evidence(e) for e in f.evidence],
        "fix": f.fix,
        "path": [p.purl for p in f.path],
    }


def skip_dict(s: Skip) -> dict[str, Any]:
    return {"what": s.what, "reason": s.reason, "stage": s.stage}


def _presence(p: NamePresence | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"index_url": p.index_url, "exists": p.exists, "highest": p.highest, "versions": len(p.versions),
            "first_release": _time(p.first_release)}


def _index_setup(s: IndexSetup | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "public_index": s.public_url,
        "public_origin": s.public_origin,
        "primary_index": s.primary_url,
        "uses": [{"url": u.url, "role": u.role, "installer": u.installer, "origin": u.origin, "name": u.name} for u in s.uses],
        "settings": [{"setting": k, "value": v, "origin": o} for k, v, o in s.settings],
        "pins": dict(s.pins),
        "internal_packages": list(s.internal_patterns),
        "private": [{"name": p.name, "why": p.why, "private": _presence(p.private), "public": _presence(p.public)}
                    for p in s.private.values()],
    }


def _advisory_source(s: AdvisorySource, now: datetime) -> dict[str, Any]:
    age = round(max((now - s.imported_at).total_seconds(), 0.0) / 86400, 2) if s.imported_at else None
    return {"source": s.source, "kind": s.kind, "records": s.records, "imported_at": _time(s.imported_at), "age_days": age}


def build(result: ScanResult) -> dict[str, Any]:
    packages: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    for eg in result.graphs:
        g = eg.graph
        projects.append(
            {
                "root": g.project.root,
                "ecosystem": g.project.ecosystem.value,
                "files": list(g.project.files),
                "lockfiles": list(g.project.lockfiles),
                "members": list(g.project.members),
                "own_names": list(g.project.own_names),
                "packages": len(g.dependencies),
                "direct": len(g.direct()),
                "edges": [[e.parent.purl, e.child.purl] for e in g.edges],
                "index_hints": [
                    {"option": h.option, "value": h.value, "location": _loc(h.location)} for h in g.index_hints
                ],
                "email_domains": [_domain(h, d) for h, d in sorted(eg.domains.items())],
                "index_setup": _index_setup(eg.indexes),
            }
        )
        for dep in g.dependencies:
            packages.append(_package(dep, g.project.root, eg.facts.get(dep.package)))
    by_sev = {s.value: 0 for s in Severity}
    for f in result.findings:
        by_sev[f.severity.value] += 1
    direct = sum(1 for p in packages if p["direct"])
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "chainwarden", "version": result.tool_version},
        "generated_at": _time(result.started),
        "duration_seconds": round(result.duration, 3),
        "indexes": result.indexes,
        "advisory_data": [_advisory_source(s, result.started) for s in result.advisory_data],
        "policy": {"source": result.policy.source, "fail_on": result.policy.fail_on.value},
        "projects": projects,
        "packages": packages,
        "findings": [finding_dict(f) for f in result.findings],
        "skipped": [skip_dict(s) for s in result.skips],
        "summary": {
            "projects": len(projects),
            "packages": len(packages),
            "direct": direct,
            "transitive": len(packages) - direct,
            "unpinned": sum(1 for p in packages if p["version"] is None),
            "not_on_index": sum(1 for p in packages if p["registry"] is not None and not p["registry"]["exists"]),
            "findings": by_sev,
            "ignored": result.ignored,
            "skipped": len(result.skips),
        },
        "metrics": _metrics(result.metrics),
        "verdict": result.verdict.label,
        "reasons": list(result.verdict.reasons),
    }


def render(result: ScanResult) -> str:
    """The report as JSON text, secrets redacted (`chainwarden.report.scrub`)."""
    # json.dump into a buffer writes the same text as json.dumps, without first holding every piece of it in a
    # list (with `indent` the encoder is the pure-Python one: 330 MB of pieces for a 20,000-package report)
    out = io.StringIO()
    json.dump(scrub(build(result)), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return out.getvalue()
