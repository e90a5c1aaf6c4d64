"""The audit log: every decision the index makes or a person makes for it, append-only, JSON lines.

One event a line (``audit.jsonl`` in the store folder)::

    {"time": "2026-11-21T09:14:03Z", "event": "held", "project": "py-formatter-util", "version": "1.2.2",
     "actor": "policy", "reasons": ["cooldown: released 2026-11-14, 6 days ago; held until 2026-11-21"], ...}

Events: ``served`` (a release's decision became "served", and the first time each file was sent),
``held``, ``blocked``, ``released`` (a hold or block ended: cooldown over, approval), ``denied`` (a file
request refused with 403), ``approved``, ``waived``, ``block`` (a person blocked), ``bypass`` (the emergency
bypass), ``revoked``, ``uploaded``, ``upload-refused``, ``stale`` (an answer served from the cache because
upstream failed), ``internal-name`` (a request for an internal name that was kept from upstream), ``token``.

Lines are only ever appended: each with one ``write`` on a file opened with ``O_APPEND`` under an
advisory lock, so the worker processes never interleave. `query()` reads it back, filtered.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from chainwarden.model import shown

MAX_LINE = 64 * 1024  # a longer line is cut (reasons are short; upstream text in them is quoted through `shown`)


@dataclass(frozen=True)
class AuditEvent:
    event: str
    project: str = ""
    version: str = ""
    actor: str = "policy"  # "policy", "upstream", a token's name, or the author an admin command names
    reasons: tuple[str, ...] = ()
    file: str = ""
    detail: dict[str, str] = field(default_factory=dict)
    time: str = ""  # ISO 8601, UTC; filled in when recorded

    def line(self) -> str:
        data = asdict(self)
        data["reasons"] = [shown(r, 2000) for r in self.reasons]
        text = json.dumps({k: v for k, v in data.items() if v not in ("", [], {})}, ensure_ascii=False, sort_keys=True)
        return text[:MAX_LINE] + "\n"


def parse(line: str) -> AuditEvent | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return None
    return AuditEvent(event=data["event"], project=str(data.get("project", "")), version=str(data.get("version", "")),
                      actor=str(data.get("actor", "")), reasons=tuple(str(r) for r in data.get("reasons", []) or []),
                      file=str(data.get("file", "")), detail={str(k): str(v) for k, v in (data.get("detail") or {}).items()},
                      time=str(data.get("time", "")))


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> AuditEvent: ...

    def query(self, *, project: str | None = None, version: str | None = None, event: str | None = None,
              since: str | None = None, limit: int | None = None) -> Iterator[AuditEvent]: ...


def now_text(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JsonLinesAudit:
    """`AuditLog` as one JSON-lines file (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, event: AuditEvent) -> AuditEvent:
        stamped = AuditEvent(**{**asdict(event), "reasons": event.reasons, "time": event.time or now_text()})
        data = stamped.line().encode("utf-8", errors="replace")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)  # closing releases the lock
        return stamped

    def query(self, *, project: str | None = None, version: str | None = None, event: str | None = None,
              since: str | None = None, limit: int | None = None) -> Iterator[AuditEvent]:
        """Events in the order they were recorded; `limit` keeps the last ones."""
        try:
            fh = self.path.open(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        kept: list[AuditEvent] = []
        with fh:
            for line in fh:
                e = parse(line)
                if e is None or (project and e.project != project) or (version and e.version != version) \
                        or (event and e.event != event) or (since and e.time < since):
                    continue
                kept.append(e)
                if limit is not None and len(kept) > 4 * limit:
                    kept = kept[-limit:]
        yield from (kept[-limit:] if limit is not None else kept)
