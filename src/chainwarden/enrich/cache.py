"""The on-disk store: one SQLite database (WAL) under the user cache dir.

Tables:
- ``http_cache``: registry documents, revalidated with ETag / Last-Modified once
  their TTL has passed (a cache: dropped when its layout changes);
- ``dns_cache``: what DNS said about a registrable domain, per resolver, with the time;
- ``owners_seen``: state, never dropped: each owner set chainwarden has seen for a
  package on an index, with when it was first and last seen (for `owners-changed`).
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

SCHEMA_VERSION = 1
DB_FILE = "chainwarden.sqlite3"  # the one database: this cache, the state and the advisory store (enrich.advisories)
DEFAULT_TTL_SECONDS = 3600.0


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

    def fresh(self, ttl: float, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.fetched_at < ttl


class CacheError(Exception):
    def diagnostics(self) -> str:
        return str(self)


class Store:
    """SQLite-backed store. One connection per process; calls are short and synchronous."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / DB_FILE
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"could not open the cache in {directory}: {exc}") from exc

    def _migrate(self) -> None:
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or int(row[0]) != SCHEMA_VERSION:
            self._db.execute("DROP TABLE IF EXISTS http_cache")
            self._db.execute(
                """CREATE TABLE http_cache (
                    url TEXT PRIMARY KEY,
                    status INTEGER NOT NULL,
                    etag TEXT,
                    last_modified TEXT,
                    body BLOB NOT NULL,
                    fetched_at REAL NOT NULL
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
        row = self._db.execute("SELECT body FROM artifact_reports WHERE sha256 = ? AND revision = ?",
                               (sha256, revision)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(zlib.decompress(row[0]))
        except (zlib.error, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put_artifact_report(self, sha256: str, revision: str, report: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO artifact_reports VALUES (?, ?, ?, ?)",
                         (sha256, revision, zlib.compress(json.dumps(report).encode(), 6), time.time()))

    def get(self, url: str) -> CachedResponse | None:
        row = self._db.execute(
            "SELECT status, etag, last_modified, fetched_at FROM http_cache WHERE url = ?", (url,)
        ).fetchone()
        return None if row is None else CachedResponse(url, row[0], row[1], row[2], row[3])

    def body(self, url: str) -> bytes | None:
        """The cached body, or None when it is missing or damaged (then it is fetched again)."""
        row = self._db.execute("SELECT body FROM http_cache WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        try:
            return zlib.decompress(row[0])
        except zlib.error:
            return None

    def put(self, url: str, status: int, body: bytes, etag: str | None, last_modified: str | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?, ?, ?, ?)",
            (url, status, etag, last_modified, zlib.compress(body, 1), time.time()),
        )

    def touch(self, url: str) -> None:
        self._db.execute("UPDATE http_cache SET fetched_at = ? WHERE url = ?", (time.time(), url))

    def dns_get(self, resolver: str, domain: str) -> tuple[str, str, float] | None:
        """(status, detail, checked_at) of the last answer cached for a domain, or None."""
        row = self._db.execute(
            "SELECT status, detail, checked_at FROM dns_cache WHERE resolver = ? AND domain = ?", (resolver, domain)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), float(row[2]))

    def dns_put(self, resolver: str, domain: str, status: str, detail: str, checked_at: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO dns_cache VALUES (?, ?, ?, ?, ?)", (resolver, domain, status, detail, checked_at)
        )

    def record_owners(
        self, index_url: str, ecosystem: str, name: str, owners: tuple[str, ...], now: float
    ) -> tuple[tuple[str, ...] | None, float | None]:
        """Record the owner set seen now; return the set seen before the current one and when the
        current one was first seen (both None when chainwarden has only ever seen this set)."""
        key = json.dumps(sorted(owners))
        where = "index_url = ? AND ecosystem = ? AND name = ?"
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            latest = self._db.execute(
                f"SELECT owners FROM owners_seen WHERE {where} ORDER BY last_seen DESC, rowid DESC LIMIT 1", (index_url, ecosystem, name)
            ).fetchone()
            if latest is not None and latest[0] == key:
                self._db.execute(f"UPDATE owners_seen SET last_seen = ? WHERE {where} AND owners = ?", (now, index_url, ecosystem, name, key))
            else:  # first sight, or a change (also back to a set seen long ago): the set is new from now on
                self._db.execute("INSERT OR REPLACE INTO owners_seen VALUES (?, ?, ?, ?, ?, ?)", (index_url, ecosystem, name, key, now, now))
            rows = self._db.execute(
                f"SELECT owners, first_seen FROM owners_seen WHERE {where} ORDER BY last_seen DESC, rowid DESC", (index_url, ecosystem, name)
            ).fetchall()
        if len(rows) < 2:
            return None, None
        return tuple(json.loads(rows[1][0])), float(rows[0][1])

    def close(self) -> None:
        self._db.close()
