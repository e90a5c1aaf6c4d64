"""The on-disk store: one SQLite database (WAL) under the user cache dir.

This issue uses it as an HTTP cache for registry documents, revalidated with
ETag / Last-Modified once its TTL has passed. Later features add their tables
(advisories, owners seen, versions seen) to the same database.
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

SCHEMA_VERSION = 1
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
            self.path = directory / "chainwarden.sqlite3"
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

    def close(self) -> None:
        self._db.close()
