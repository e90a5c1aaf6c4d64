"""The on-disk store: one SQLite database (WAL) under the user cache dir.

Tables:
- ``http_cache``: registry documents, revalidated with ETag / Last-Modified once
  their TTL has passed, with the URL each answer came from when a redirect took it
  elsewhere (a cache: dropped when its layout changes), and beside each document what
  was read from it (``record``: enrich.documents.ProjectRecord.dump, with the revision
  of the code that wrote it), so that a warm scan reads a compact record instead of
  parsing the document again (docs/decisions/0025-parsed-records-beside-documents.md);
  a new body clears it;
- ``dns_cache``: what DNS said about a registrable domain, per resolver, with the time;
- ``owners_seen``: state, never dropped: each owner set chainwarden has seen for a
  package on an index, with when it was first and last seen (for `owners-changed`);
- ``artifact_reports``: what the code analyzers said about an archive, by sha256.

A broken cache never stops a scan (docs/decisions/0017-bounded-index-answers.md):

- the database cannot be opened at all (the directory is a file or cannot be made,
  the file is not a database, another process holds it locked past `lock_timeout`):
  `CacheError`; the caller runs without a cache and says so once;
- it opens, but cannot be written (a read-only directory or file, a full disk): it is
  opened read-only and answers reads (``--offline`` still works); `notes` says so;
- a write fails during the run (a full disk, a lock held too long): writing stops for
  the rest of the run, `notes` says so once, and the scan goes on; a read that fails
  stops the store's use altogether, the same way.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from platformdirs import user_cache_dir

from chainwarden._errors import describe

SCHEMA_VERSION = 3  # 2: http_cache.final_url; 3: http_cache.record, record_format
DB_FILE = "chainwarden.sqlite3"  # the one database: this cache, the state and the advisory store (enrich.advisories)
DEFAULT_TTL_SECONDS = 3600.0
LOCK_TIMEOUT = 30.0  # how long to wait for another process's write lock before giving the cache up
T = TypeVar("T")


def default_cache_dir() -> Path:
    return Path(user_cache_dir("chainwarden", appauthor=False))


@dataclass(frozen=True)
class CachedResponse:
    """What the cache knows of a URL; the body is loaded separately, only when it is used."""

    url: str
    status: int
    etag: str | None
    last_modified: str | None
    fetched_at: float
    final_url: str = ""  # where the answer came from when a redirect took it to another URL
    record_format: str | None = None  # the revision of the record kept beside the body (None: none kept)

    def fresh(self, ttl: float, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.fetched_at < ttl


class CacheError(Exception):
    def diagnostics(self) -> str:
        return str(self)


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def connect(path: Path, *, lock_timeout: float = LOCK_TIMEOUT, create: bool = True) -> tuple[sqlite3.Connection, str | None]:
    """A connection to the database at `path` (WAL), and None; or, when it exists but cannot be written (a
    read-only directory or file, a full disk), a read-only connection and why. Raises `CacheError` when it
    cannot be opened at all (not a database, locked past `lock_timeout`, no such file and `create` is off)."""
    db: sqlite3.Connection | None = None
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.is_file():
            raise CacheError(f"{path}: no such database")
        db = sqlite3.connect(path, timeout=lock_timeout, isolation_level=None, check_same_thread=False)
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
            raise sqlite3.OperationalError("the database cannot be switched to WAL (read-only?)")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT OR IGNORE INTO meta VALUES ('opened', '')")  # proves it can be written
        return db, None
    except (OSError, sqlite3.Error) as exc:
        if db is not None:
            db.close()
        why = _why(exc)
        if _locked(exc):
            raise CacheError(f"the cache {path} is locked by another process (waited {lock_timeout:g} s)") from exc
        if not path.is_file() or "not a database" in why or "malformed" in why:
            hint = " (move it away and a new cache is made)" if path.is_file() else ""
            raise CacheError(f"could not open the cache {path}: {why}{hint}") from exc
        for mode in ("mode=ro", "immutable=1"):  # immutable: a WAL database in a read-only folder has no -shm to share
            try:
                db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?{mode}", uri=True, timeout=lock_timeout,
                                     isolation_level=None, check_same_thread=False)
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db, why
            except sqlite3.Error as ro_exc:
                if db is not None:
                    db.close()
                if _locked(ro_exc):
                    break
        raise CacheError(f"could not open the cache {path}: {why}") from exc


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return describe(exc) + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or exc.__class__.__name__


class Store:
    """SQLite-backed store. One connection per process; calls are short and synchronous. Never raises once
    open: a failed read is a miss and a failed write is skipped (module docstring); `notes` says what happened."""

    def __init__(self, directory: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.directory = directory
        self.path = directory / DB_FILE
        self.notes: list[str] = []  # each problem once, for the caller to report
        self._reads = True  # False once a read has failed: the store is not used any more
        self._http = True  # False when a read-only cache holds another version's http_cache
        self._db, readonly = connect(self.path, lock_timeout=lock_timeout)
        self._writes_stopped = readonly is not None
        if readonly is not None:
            try:
                row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            except sqlite3.Error:  # a new, empty database that could not be set up (a full disk): nothing to read
                self._db.close()
                raise CacheError(f"could not open the cache {self.path}: {readonly}") from None
            self._http = row is not None and str(row[0]) == str(SCHEMA_VERSION)
            self.notes.append(f"the cache {self.path} cannot be written ({readonly}): it is read, nothing is saved in it "
                              "this run (owner changes are compared with what it holds, not recorded)")
            return
        try:
            self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            if _locked(exc):
                raise CacheError(f"the cache {self.path} is locked by another process (waited {lock_timeout:g} s)") from exc
            raise CacheError(f"could not open the cache {self.path}: {exc}") from exc

    @property
    def writable(self) -> bool:
        return self._reads and not self._writes_stopped

    def _read(self, run: Callable[[], T]) -> T | None:
        if not self._reads:
            return None
        try:
            return run()
        except sqlite3.Error as exc:
            self._reads = False
            self.notes.append(f"could not read the cache {self.path} ({exc}): it is not used for the rest of the run")
            return None

    def _write(self, run: Callable[[], T]) -> T | None:
        if not self.writable:
            return None
        try:
            return run()
        except (sqlite3.DataError, sqlite3.InterfaceError):
            return None  # this one value cannot be stored (too big): the others still are
        except sqlite3.Error as exc:
            self._writes_stopped = True
            self.notes.append(f"could not write the cache {self.path} ({exc}): nothing more is saved in it this run")
            return None

    def _migrate(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is not None and str(row[0]) == "2":  # the documents stay: only the records beside them are new
            self._db.execute("ALTER TABLE http_cache ADD COLUMN record BLOB")
            self._db.execute("ALTER TABLE http_cache ADD COLUMN record_format TEXT")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row is None or int(row[0]) != SCHEMA_VERSION:
            self._db.execute("DROP TABLE IF EXISTS http_cache")
            self._db.execute(
                """CREATE TABLE http_cache (
                    url TEXT PRIMARY KEY,
                    status INTEGER NOT NULL,
                    etag TEXT,
                    last_modified TEXT,
                    body BLOB NOT NULL,
                    fetched_at REAL NOT NULL,
                    final_url TEXT NOT NULL DEFAULT '',
                    record BLOB,
                    record_format TEXT
                )"""
            )
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS dns_cache (
                resolver TEXT NOT NULL,
                domain TEXT NOT NULL,
                status TEXT NOT NULL,
                detail TEXT NOT NULL,
                checked_at REAL NOT NULL,
                PRIMARY KEY (resolver, domain)
            )"""
        )
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS owners_seen (
                index_url TEXT NOT NULL,
                ecosystem TEXT NOT NULL,
                name TEXT NOT NULL,
                owners TEXT NOT NULL,
                first_seen REAL NOT NULL,
                last_seen REAL NOT NULL,
                PRIMARY KEY (index_url, ecosystem, name, owners)
            )"""
        )

        self._db.execute(
            """CREATE TABLE IF NOT EXISTS artifact_reports (
                sha256 TEXT NOT NULL,
                revision TEXT NOT NULL,
                body BLOB NOT NULL,
                created REAL NOT NULL,
                PRIMARY KEY (sha256, revision)
            )"""
        )

    def artifact_report(self, sha256: str, revision: str) -> dict[str, Any] | None:
        """What the code analyzers said about the archive with this sha256, at this analyzer revision."""
        row = self._read(lambda: self._db.execute("SELECT body FROM artifact_reports WHERE sha256 = ? AND revision = ?",
                                                  (sha256, revision)).fetchone())
        if row is None:
            return None
        try:
            value = json.loads(zlib.decompress(row[0]))
        except (zlib.error, ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def put_artifact_report(self, sha256: str, revision: str, report: dict[str, Any]) -> None:
        body = zlib.compress(json.dumps(report).encode(), 6)
        self._write(lambda: self._db.execute("INSERT OR REPLACE INTO artifact_reports VALUES (?, ?, ?, ?)",
                                             (sha256, revision, body, time.time())))

    def get(self, url: str) -> CachedResponse | None:
        if not self._http:
            return None
        row = self._read(lambda: self._db.execute(
            "SELECT status, etag, last_modified, fetched_at, final_url, record_format FROM http_cache WHERE url = ?",
            (url,)).fetchone())
        return None if row is None else CachedResponse(url, row[0], row[1], row[2], row[3], row[4] or "", row[5])

    def body(self, url: str) -> bytes | None:
        """The cached body, or None when it is missing or damaged (then it is fetched again)."""
        if not self._http:
            return None
        row = self._read(lambda: self._db.execute("SELECT body FROM http_cache WHERE url = ?", (url,)).fetchone())
        if row is None:
            return None
        try:
            return zlib.decompress(row[0])
        except (zlib.error, TypeError):
            return None

    def put(self, url: str, status: int, body: bytes, etag: str | None, last_modified: str | None,
            final_url: str = "") -> float:
        """Keep an answer (and drop the record read from the one before); returns its `fetched_at`."""
        packed = zlib.compress(body, 1)
        now = time.time()
        self._write(lambda: self._db.execute(
            "INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (url, status, etag, last_modified, packed, now, final_url),
        ))
        return now

    def touch(self, url: str) -> float:
        """The answer is still good (HTTP 304): fresh again, its record too; returns the new `fetched_at`."""
        now = time.time()
        self._write(lambda: self._db.execute("UPDATE http_cache SET fetched_at = ? WHERE url = ?", (now, url)))
        return now

    def record(self, url: str, record_format: str) -> bytes | None:
        """What was read from the cached answer (`put_record`) when the code of `record_format` wrote it."""
        if not self._http:
            return None
        row = self._read(lambda: self._db.execute(
            "SELECT record FROM http_cache WHERE url = ? AND record_format = ?", (url, record_format)).fetchone())
        return bytes(row[0]) if row is not None and row[0] is not None else None

    def put_record(self, url: str, fetched_at: float, record_format: str, record: bytes) -> None:
        """Keep `record` beside the answer it was read from: the one of `fetched_at` (when another process has
        since put a newer answer, nothing is kept)."""
        self._write(lambda: self._db.execute(
            "UPDATE http_cache SET record = ?, record_format = ? WHERE url = ? AND fetched_at = ?",
            (record, record_format, url, fetched_at)))

    def dns_get(self, resolver: str, domain: str) -> tuple[str, str, float] | None:
        """(status, detail, checked_at) of the last answer cached for a domain, or None."""
        row = self._read(lambda: self._db.execute(
            "SELECT status, detail, checked_at FROM dns_cache WHERE resolver = ? AND domain = ?", (resolver, domain)
        ).fetchone())
        return None if row is None else (str(row[0]), str(row[1]), float(row[2]))

    def dns_put(self, resolver: str, domain: str, status: str, detail: str, checked_at: float) -> None:
        self._write(lambda: self._db.execute(
            "INSERT OR REPLACE INTO dns_cache VALUES (?, ?, ?, ?, ?)", (resolver, domain, status, detail, checked_at)
        ))

    def record_owners(
        self, index_url: str, ecosystem: str, name: str, owners: tuple[str, ...], now: float
    ) -> tuple[tuple[str, ...] | None, float | None]:
        """Record the owner set seen now; return the set seen before the current one and when the
        current one was first seen (both None when chainwarden has only ever seen this set). A cache that
        cannot be written answers from what it holds, as if the set had been recorded."""
        key = json.dumps(sorted(owners))
        where = "index_url = ? AND ecosystem = ? AND name = ?"
        select = f"SELECT owners, first_seen FROM owners_seen WHERE {where} ORDER BY last_seen DESC, rowid DESC"

        def record() -> list[tuple[str, float]]:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                latest = self._db.execute(f"{select} LIMIT 1", (index_url, ecosystem, name)).fetchone()
                if latest is not None and latest[0] == key:
                    self._db.execute(f"UPDATE owners_seen SET last_seen = ? WHERE {where} AND owners = ?",
                                     (now, index_url, ecosystem, name, key))
                else:  # first sight, or a change (also back to a set seen long ago): the set is new from now on
                    self._db.execute("INSERT OR REPLACE INTO owners_seen VALUES (?, ?, ?, ?, ?, ?)",
                                     (index_url, ecosystem, name, key, now, now))
                return [(str(o), float(t)) for o, t in self._db.execute(select, (index_url, ecosystem, name)).fetchall()]

        def as_if_recorded() -> list[tuple[str, float]]:
            held = [(str(o), float(t)) for o, t in self._db.execute(select, (index_url, ecosystem, name)).fetchall()]
            if held and held[0][0] == key:
                return held
            return [(key, now), *[h for h in held if h[0] != key]]

        rows = self._write(record) if self.writable else None
        if rows is None:
            rows = self._read(as_if_recorded) or []
        if len(rows) < 2:
            return None, None
        try:
            return tuple(json.loads(rows[1][0])), rows[0][1]
        except (ValueError, TypeError, RecursionError):
            return None, None

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass
