"""Where the guarded index keeps what lasts: one interface, `ServeStore`, and its embedded backend.

Everything the server and the admin commands keep goes through `ServeStore`, so that a PostgreSQL +
S3-compatible backend (a later issue: several server processes behind a load balancer) replaces
`EmbeddedStore` without touching the rest. The embedded default lives in one folder (``--store DIR``):

- ``serve.sqlite3`` (WAL): the files the index lists (upstream and internal), the blobs held and
  checked, what the code analysis said about each, the decision in force for each release, the
  approvals, blocks and waivers, the upload tokens (hashes only), repository URLs seen;
- ``chainwarden.sqlite3``: enrich's store in the same folder, for what the scanner already keeps —
  the upstream answers with their ETags (enrich.http's cache: the stale copy when upstream is down), the
  owner sets seen (owners-changed) and the OSV advisory store (``chainwarden db update --cache-dir DIR``);
- ``files/sha256/<2>/<64>``: the content-addressed blobs (enrich.artifacts.fetch's layout), each
  hashed on the way in and never changed after;
- ``audit.jsonl``: the append-only audit log (serve.audit).

Several worker processes share the folder: SQLite serialises the writers (WAL readers never wait),
a blob is written to a temporary name and renamed, and the audit log is appended to with one
``write`` per line under an advisory lock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from chainwarden.enrich.artifacts.fetch import ArtifactStore
from chainwarden.enrich.cache import Store as EnrichStore
from chainwarden.serve.audit import AuditLog, JsonLinesAudit

DB_FILE = "serve.sqlite3"
SCHEMA = 1
LOCK_TIMEOUT = 30.0


class StoreError(Exception):
    """The store cannot be opened or used: the reason is for the user."""

    def diagnostics(self) -> str:
        return str(self)


@dataclass(frozen=True)
class FileRow:
    """One file the index lists: where it comes from and what it is."""

    sha256: str
    filename: str
    project: str  # PEP 503-normalised
    version: str
    origin: str  # "upstream" or "internal"
    url: str  # the upstream URL ("" for an internal file)
    size: int | None
    metadata_sha256: str | None  # PEP 658 core metadata digest, when there is a .metadata file


@dataclass(frozen=True)
class InternalFile:
    """A file uploaded to the index (an internal package), with what the upload form and its metadata said."""

    filename: str
    project: str
    version: str
    sha256: str
    size: int
    requires_python: str | None
    uploaded_at: float
    uploader: str
    metadata_sha256: str | None
    summary: str


@dataclass(frozen=True)
class Analysis:
    """What the static code analysis said about one file."""

    sha256: str
    verdict: str  # "malicious", "suspicious", "not-checked", "clean"
    summary: str  # the strongest findings, or why it could not be read
    analysed_at: float


@dataclass(frozen=True)
class Override:
    """A person's word on a release: approve (release a hold), waive (a check, for a while), block, or bypass."""

    id: int
    kind: str  # "approve", "waive", "block", "bypass"
    project: str
    version: str  # "" for every version
    check: str  # waive: which check ("cooldown", "dormant-then-released", ...); "" otherwise
    author: str
    reason: str
    created: float
    expires: float | None
    revoked: float | None = None

    def active(self, now: float) -> bool:
        return self.revoked is None and (self.expires is None or now <= self.expires)

    def applies(self, version: str) -> bool:
        return self.version in ("", version)


@dataclass(frozen=True)
class Decision:
    """The decision in force for one release, as last recorded."""

    project: str
    version: str
    state: str  # "served", "held", "blocked"
    reasons: tuple[str, ...]
    decided_at: float


@dataclass(frozen=True)
class Token:
    name: str
    scopes: frozenset[str]  # "read", "upload", "admin"


class ServeStore(Protocol):
    """Everything the guarded index keeps (module docstring). Every method is short and synchronous."""

    audit: AuditLog
    enrich: EnrichStore | None  # the upstream answers, owner sets and advisories (enrich's store), when it opens
    directory: Path

    def close(self) -> None: ...
    # state generation: changes whenever a decision, override or analysis does (pages cached by it)
    def generation(self) -> int: ...
    def bump(self) -> None: ...
    # files the index lists
    def put_files(self, rows: Iterable[FileRow]) -> None: ...
    def file(self, sha256: str, filename: str) -> FileRow | None: ...
    # blobs (content-addressed, checked on the way in)
    def blobs(self) -> ArtifactStore: ...
    def blob_path(self, sha256: str) -> Path | None: ...
    def blob_added(self, sha256: str, size: int) -> None: ...
    # analysis
    def analysis(self, sha256: str) -> Analysis | None: ...
    def put_analysis(self, analysis: Analysis) -> None: ...
    # decisions: returns the earlier decision when this one differs from it (None when unchanged)
    def record_decision(self, decision: Decision) -> tuple[bool, Decision | None]: ...
    def decisions(self, state: str | None = None, project: str | None = None) -> list[Decision]: ...
    # overrides
    def add_override(self, kind: str, project: str, version: str, check: str, author: str, reason: str,
                     expires: float | None) -> Override: ...
    def overrides(self, project: str | None = None, *, include_inactive: bool = False) -> list[Override]: ...
    def revoke_override(self, override_id: int, now: float) -> Override | None: ...
    # internal packages
    def internal_files(self, project: str) -> list[InternalFile]: ...
    def internal_projects(self) -> list[str]: ...
    def add_internal_file(self, f: InternalFile) -> bool: ...
    # repository URLs seen (the owner sets are enrich's: enrich.cache.Store.record_owners)
    def record_repository(self, project: str, url: str, now: float) -> tuple[str | None, float | None]: ...
    def known_projects(self) -> list[str]: ...
    # tokens
    def add_token(self, name: str, scopes: Iterable[str]) -> str: ...
    def token(self, secret: str) -> Token | None: ...
    def tokens(self) -> list[tuple[str, frozenset[str], float]]: ...


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class EmbeddedStore:
    """`ServeStore` on one folder: SQLite (WAL) and a content-addressed directory (module docstring)."""

    def __init__(self, directory: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / DB_FILE, timeout=lock_timeout, isolation_level=None,
                                       check_same_thread=False)
            if self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
                raise sqlite3.OperationalError("the database cannot be switched to WAL (read-only?)")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"could not open the index store {directory / DB_FILE}: {exc}") from exc
        self.audit: AuditLog = JsonLinesAudit(directory / "audit.jsonl")
        from chainwarden.enrich.cache import CacheError

        try:
            self.enrich: EnrichStore | None = EnrichStore(directory, lock_timeout=lock_timeout)
        except CacheError:
            self.enrich = None
        self._blobs = ArtifactStore(directory / "files")

    def _migrate(self) -> None:
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executescript("""
            CREATE TABLE IF NOT EXISTS files (
                sha256 TEXT NOT NULL, filename TEXT NOT NULL, project TEXT NOT NULL, version TEXT NOT NULL,
                origin TEXT NOT NULL, url TEXT NOT NULL, size INTEGER, metadata_sha256 TEXT,
                PRIMARY KEY (sha256, filename));
            CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, stored_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS analyses (
                sha256 TEXT PRIMARY KEY, verdict TEXT NOT NULL, summary TEXT NOT NULL, analysed_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS decisions (
                project TEXT NOT NULL, version TEXT NOT NULL, state TEXT NOT NULL, reasons TEXT NOT NULL,
                decided_at REAL NOT NULL, PRIMARY KEY (project, version));
            CREATE TABLE IF NOT EXISTS overrides (
                id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, project TEXT NOT NULL, version TEXT NOT NULL,
                "check" TEXT NOT NULL, author TEXT NOT NULL, reason TEXT NOT NULL, created REAL NOT NULL,
                expires REAL, revoked REAL);
            CREATE INDEX IF NOT EXISTS overrides_project ON overrides (project);
            CREATE TABLE IF NOT EXISTS internal_files (
                filename TEXT PRIMARY KEY, project TEXT NOT NULL, version TEXT NOT NULL, sha256 TEXT NOT NULL,
                size INTEGER NOT NULL, requires_python TEXT, uploaded_at REAL NOT NULL, uploader TEXT NOT NULL,
                metadata_sha256 TEXT, summary TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS internal_project ON internal_files (project);
            CREATE TABLE IF NOT EXISTS repositories_seen (
                project TEXT NOT NULL, url TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
                PRIMARY KEY (project, url));
            CREATE TABLE IF NOT EXISTS tokens (
                hash TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, created REAL NOT NULL, revoked REAL);
        """)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")

    def close(self) -> None:
        for closing in (self._db.close, *([self.enrich.close] if self.enrich else [])):
            try:
                closing()
            except sqlite3.Error:
                pass

    # ---------------------------------------------------------------- generation

    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def bump(self) -> None:
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # ---------------------------------------------------------------- files and blobs

    def put_files(self, rows: Iterable[FileRow]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, filename) DO UPDATE SET "
                "url = excluded.url, size = excluded.size, metadata_sha256 = excluded.metadata_sha256 "
                "WHERE files.origin = 'upstream' AND excluded.origin = 'upstream'",
                [(r.sha256, r.filename, r.project, r.version, r.origin, r.url, r.size, r.metadata_sha256) for r in rows])

    def file(self, sha256: str, filename: str) -> FileRow | None:
        row = self._db.execute("SELECT sha256, filename, project, version, origin, url, size, metadata_sha256 FROM files "
                               "WHERE sha256 = ? AND filename = ?", (sha256, filename)).fetchone()
        return FileRow(*row) if row else None

    def blobs(self) -> ArtifactStore:
        return self._blobs

    def blob_path(self, sha256: str) -> Path | None:
        if self._db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (sha256,)).fetchone() is None:
            return None
        path = self._blobs.home / "sha256" / sha256[:2] / sha256 if self._blobs.home else None
        return path if path is not None and path.is_file() else None

    def blob_added(self, sha256: str, size: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", (sha256, size, time.time()))

    # ---------------------------------------------------------------- analysis

    def analysis(self, sha256: str) -> Analysis | None:
        row = self._db.execute("SELECT sha256, verdict, summary, analysed_at FROM analyses WHERE sha256 = ?",
                               (sha256,)).fetchone()
        return Analysis(*row) if row else None

    def put_analysis(self, analysis: Analysis) -> None:
        self._db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?)",
                         (analysis.sha256, analysis.verdict, analysis.summary, analysis.analysed_at))
        self.bump()

    # ---------------------------------------------------------------- decisions

    def record_decision(self, decision: Decision) -> tuple[bool, Decision | None]:
        """(changed, the earlier decision): `changed` only for the one process that made the change."""
        reasons = json.dumps(list(decision.reasons))
        with self._transaction():
            row = self._db.execute("SELECT state, reasons, decided_at FROM decisions WHERE project = ? AND version = ?",
                                   (decision.project, decision.version)).fetchone()
            if row is not None and row[0] == decision.state and row[1] == reasons:
                return False, None
            self._db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?)",
                             (decision.project, decision.version, decision.state, reasons, decision.decided_at))
        before = Decision(decision.project, decision.version, row[0], tuple(json.loads(row[1])), row[2]) if row else None
        return True, before

    def decisions(self, state: str | None = None, project: str | None = None) -> list[Decision]:
        sql, args = "SELECT project, version, state, reasons, decided_at FROM decisions WHERE 1=1", list[str]()
        if state:
            sql, args = sql + " AND state = ?", [*args, state]
        if project:
            sql, args = sql + " AND project = ?", [*args, project]
        rows = self._db.execute(sql + " ORDER BY project, decided_at", args).fetchall()
        return [Decision(p, v, s, tuple(json.loads(r)), t) for p, v, s, r, t in rows]

    # ---------------------------------------------------------------- overrides

    def add_override(self, kind: str, project: str, version: str, check: str, author: str, reason: str,
                     expires: float | None) -> Override:
        now = time.time()
        with self._transaction():
            cur = self._db.execute('INSERT INTO overrides (kind, project, version, "check", author, reason, created, expires) '
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (kind, project, version, check, author, reason, now, expires))
            self.bump()
        return Override(int(cur.lastrowid or 0), kind, project, version, check, author, reason, now, expires)

    def overrides(self, project: str | None = None, *, include_inactive: bool = False) -> list[Override]:
        sql = 'SELECT id, kind, project, version, "check", author, reason, created, expires, revoked FROM overrides'
        rows = (self._db.execute(sql + " WHERE project = ? ORDER BY id", (project,)) if project is not None
                else self._db.execute(sql + " ORDER BY id")).fetchall()
        now = time.time()
        found = [Override(*r) for r in rows]
        return found if include_inactive else [o for o in found if o.active(now)]

    def revoke_override(self, override_id: int, now: float) -> Override | None:
        with self._transaction():
            self._db.execute("UPDATE overrides SET revoked = ? WHERE id = ? AND revoked IS NULL", (now, override_id))
            self.bump()
        row = self._db.execute('SELECT id, kind, project, version, "check", author, reason, created, expires, revoked '
                               "FROM overrides WHERE id = ?", (override_id,)).fetchone()
        return Override(*row) if row else None

    # ---------------------------------------------------------------- internal packages

    def internal_files(self, project: str) -> list[InternalFile]:
        rows = self._db.execute("SELECT filename, project, version, sha256, size, requires_python, uploaded_at, uploader, "
                                "metadata_sha256, summary FROM internal_files WHERE project = ? ORDER BY filename",
                                (project,)).fetchall()
        return [InternalFile(*r) for r in rows]

    def internal_projects(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT project FROM internal_files ORDER BY project")]

    def add_internal_file(self, f: InternalFile) -> bool:
        """False when a file of that name exists already (an upload never replaces one: 409)."""
        try:
            with self._transaction():
                self._db.execute("INSERT INTO internal_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (f.filename, f.project, f.version, f.sha256, f.size, f.requires_python, f.uploaded_at,
                                  f.uploader, f.metadata_sha256, f.summary))
                self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, 'internal', '', ?, ?)",
                                 (f.sha256, f.filename, f.project, f.version, f.size, f.metadata_sha256))
                self.bump()
        except sqlite3.IntegrityError:
            return False
        return True

    # ---------------------------------------------------------------- state seen

    def record_repository(self, project: str, url: str, now: float) -> tuple[str | None, float | None]:
        """Record the repository URL seen now; return the URL seen before it and when this one was first seen
        (both None when only this one was ever seen)."""
        with self._transaction():
            latest = self._db.execute("SELECT url FROM repositories_seen WHERE project = ? ORDER BY last_seen DESC, rowid DESC "
                                      "LIMIT 1", (project,)).fetchone()
            if latest is not None and latest[0] == url:
                self._db.execute("UPDATE repositories_seen SET last_seen = ? WHERE project = ? AND url = ?", (now, project, url))
            else:
                self._db.execute("INSERT OR REPLACE INTO repositories_seen VALUES (?, ?, ?, ?)", (project, url, now, now))
            rows = self._db.execute("SELECT url, first_seen FROM repositories_seen WHERE project = ? "
                                    "ORDER BY last_seen DESC, rowid DESC LIMIT 2", (project,)).fetchall()
        if len(rows) < 2:
            return None, None
        return str(rows[1][0]), float(rows[0][1])

    def known_projects(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT project FROM files ORDER BY project")]

    # ---------------------------------------------------------------- tokens

    def add_token(self, name: str, scopes: Iterable[str]) -> str:
        secret = "cw-" + secrets.token_urlsafe(32)
        self._db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, NULL)",
                         (_hash_token(secret), name, ",".join(sorted(set(scopes))), time.time()))
        return secret

    def token(self, secret: str) -> Token | None:
        row = self._db.execute("SELECT name, scopes FROM tokens WHERE hash = ? AND revoked IS NULL",
                               (_hash_token(secret),)).fetchone()
        return Token(row[0], frozenset(s for s in row[1].split(",") if s)) if row else None

    def tokens(self) -> list[tuple[str, frozenset[str], float]]:
        return [(n, frozenset(s.split(",")), c) for n, s, c in
                self._db.execute("SELECT name, scopes, created FROM tokens WHERE revoked IS NULL ORDER BY created")]

    # ---------------------------------------------------------------- helpers

    def _transaction(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an exception): one writer at a time across the worker processes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.depth = 0

    def __enter__(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.depth = 1

    def __exit__(self, kind: object, *_: object) -> None:
        if self.depth:
            self.db.execute("ROLLBACK" if kind is not None else "COMMIT")

