"""The admin operations behind ``chainwarden index status|held|approve|block|waive|audit``.

The same functions answer the command run against a store folder (``--store DIR``) and the running
server's admin endpoints (``/-/admin/...``, a token with the ``admin`` scope), so both say and record
the same. Every change is an override in the store and a line in the audit log with its author, reason
and expiry; the server's pages follow at once (the store's generation moves).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainwarden.serve.audit import AuditEvent
from chainwarden.serve.decisions import CHECKS
from chainwarden.serve.store import Override, ServeStore

KINDS = ("approve", "waive", "block", "bypass")


class AdminError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def status(store: ServeStore) -> dict[str, Any]:
    decisions = store.decisions()
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.state] = counts.get(d.state, 0) + 1
    return {"store": str(store.directory), "releases": counts, "projects": len(store.known_projects()),
            "internal-projects": store.internal_projects(), "active-overrides": len(store.overrides()),
            "generation": store.generation()}


def held(store: ServeStore) -> list[dict[str, Any]]:
    out = []
    for d in [*store.decisions("blocked"), *store.decisions("held")]:
        out.append({"project": d.project, "version": d.version, "state": d.state, "reasons": list(d.reasons),
                    "since": datetime.fromtimestamp(d.decided_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return out


def _expiry(text: str | None, required: bool) -> float | None:
    if not text:
        if required:
            raise AdminError("expected --expires DATE (e.g. 2027-03-31): every approval and waiver ends")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AdminError(f"expected a date such as 2027-03-31 for --expires, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if len(text) == 10:  # a date: the whole day
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.timestamp() <= time.time():
        raise AdminError(f"--expires {text} is in the past")
    return moment.timestamp()


def _target(spec: str) -> tuple[str, str]:
    name, _, version = spec.partition("==")
    if not name.strip():
        raise AdminError(f"expected NAME or NAME==VERSION, got {spec!r}")
    if version:
        try:
            Version(version)
        except InvalidVersion:
            raise AdminError(f"{version!r} is not a version") from None
    return canonicalize_name(name.strip()), version.strip()


def change(store: ServeStore, kind: str, spec: str, *, author: str, reason: str, expires: str | None = None,
           check: str = "") -> Override:
    """Add an approval, waiver, block or bypass (module docstring)."""
    if kind not in KINDS:
        raise AdminError(f"unknown change {kind!r}")
    if not author.strip() or not reason.strip():
        raise AdminError("expected --author and --reason: every change says who made it and why")
    project, version = _target(spec)
    if kind in ("approve", "bypass") and not version:
        raise AdminError(f"{kind} names one release: NAME==VERSION")
    if kind == "waive":
        if check not in (*CHECKS, "*"):
            raise AdminError(f"expected --check with one of {', '.join(CHECKS)} (or '*'), got {check!r}")
        if check in ("analysis-pending",):
            raise AdminError("analysis-pending cannot be waived: nothing is served before its files are read")
    until = _expiry(expires, required=kind in ("approve", "waive", "bypass"))
    override = store.add_override(kind, project, version, check if kind == "waive" else "", author.strip(), reason.strip(), until)
    store.audit.record(AuditEvent({"approve": "approved", "waive": "waived", "block": "block", "bypass": "bypass"}[kind],
                                  project, version, author.strip(), (reason.strip(),),
                                  detail={k: v for k, v in {"check": override.check, "override": str(override.id),
                                          "expires": expires or ""}.items() if v}))
    return override


def revoke(store: ServeStore, override_id: int, *, author: str, reason: str) -> Override:
    found = store.revoke_override(override_id, time.time())
    if found is None:
        raise AdminError(f"no override #{override_id}")
    store.audit.record(AuditEvent("revoked", found.project, found.version, author, (reason,),
                                  detail={"override": str(override_id), "kind": found.kind}))
    return found


def audit(store: ServeStore, *, project: str | None = None, version: str | None = None, event: str | None = None,
          since: str | None = None, limit: int | None = 200) -> list[dict[str, Any]]:
    name = canonicalize_name(project) if project else None
    return [asdict(e) for e in store.audit.query(project=name, version=version, event=event, since=since, limit=limit)]


def overrides(store: ServeStore) -> list[dict[str, Any]]:
    return [asdict(o) for o in store.overrides()]
