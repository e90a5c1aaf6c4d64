"""enrich.http on its own: the bounded decoder, redirects and credentials, the retry delay, URLs as printed, and
the cache's layout change (schema 2 records where an answer came from)."""

from __future__ import annotations

import asyncio
import gzip
import sqlite3
import zlib
from pathlib import Path

import pytest

from chainwarden.enrich.cache import DB_FILE, Store
from chainwarden.enrich.http import Fetcher, FetchError, _Decoder, display_url
from tests.registry.server import RegistryServer


def decode(header: str, data: bytes, step: int = 1 << 16) -> bytes:
    decoder = _Decoder(header, "http://index.test/x")
    out = b"".join(piece for at in range(0, len(data), step) for piece in decoder.feed(data[at:at + step]))
    return out + b"".join(decoder.flush())


BODY = b'{"releases": {}}' * 1000


@pytest.mark.parametrize("header, data", [
    ("", BODY),
    ("identity", BODY),
    ("gzip", gzip.compress(BODY)),
    ("x-gzip", gzip.compress(BODY)),
    ("deflate", zlib.compress(BODY)),  # RFC 9110: zlib-wrapped
    ("deflate", zlib.compress(BODY)[2:-4]),  # what some servers send: raw deflate
    ("gzip, gzip", gzip.compress(gzip.compress(BODY))),
    ("deflate, gzip", gzip.compress(zlib.compress(BODY))),
])
@pytest.mark.parametrize("step", [1, 7, 1 << 16])
def test_the_decoder_reads_every_encoding_asked_for_however_the_bytes_arrive(header: str, data: bytes, step: int) -> None:
    assert decode(header, data, step) == BODY


def test_the_decoder_never_makes_more_than_one_step_from_a_bomb() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024), 9)
    decoder = _Decoder("gzip", "http://index.test/x")
    assert max(len(piece) for piece in decoder.feed(bomb)) <= 1 << 16


@pytest.mark.parametrize("header, data, reason", [
    ("gzip", b"plain text", "not valid gzip data"),
    ("gzip", gzip.compress(BODY)[:30], "ends before its compressed data does"),
    ("br", b"x", "which was not asked for"),
    ("gzip, zstd", b"x", "which was not asked for"),
])
def test_the_decoder_refuses_what_it_cannot_read(header: str, data: bytes, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        decode(header, data)


def test_urls_are_printed_without_credentials_or_control_characters() -> None:
    assert display_url("https://user:s3cret@index.test/simple/") == "https://***@index.test/simple/"
    assert "\x1b" not in display_url("https://index.test/\x1b[2Jx")
    assert FetchError("https://u:p@index.test/a", "x").url == "https://***@index.test/a"


@pytest.mark.parametrize("value, low, high", [("nan", 0.0, 2.0), ("inf", 0.0, 2.0), ("-5", 0.0, 0.0), ("1e400", 0.0, 2.0), ("99", 10.0, 10.0),
                                              ("soon", 0.0, 2.0), ("3", 3.0, 3.0)])
def test_retry_after_is_a_finite_bounded_delay_whatever_the_server_says(value: str, low: float, high: float) -> None:
    async def delay() -> float:
        async with Fetcher(None, backoff=1.0) as fetcher:
            return fetcher._delay(1, value)
    assert low <= asyncio.run(delay()) <= high


def test_credentials_follow_a_redirect_on_the_same_origin_only(tmp_registry: RegistryServer) -> None:
    (tmp_registry.root / "pypi" / "demo.json").write_text('{"info": {}, "releases": {}}', encoding="utf-8")
    tmp_registry.redirect("/same/", "/pypi/")
    tmp_registry.redirect("/away/", f"http://localhost:{tmp_registry.port}/pypi/")
    base = f"http://alice:s3cret@127.0.0.1:{tmp_registry.port}"

    async def get(path: str) -> tuple[int, str]:
        async with Fetcher(None, retries=0) as fetcher:
            r = await fetcher.get(base + path)
            return r.status, r.source_url

    assert asyncio.run(get("/same/demo/json")) == (200, f"{base}/pypi/demo/json")
    assert asyncio.run(get("/away/demo/json")) == (200, f"http://localhost:{tmp_registry.port}/pypi/demo/json")
    final = [r for r in tmp_registry.requests if r.path == "/pypi/demo/json"]
    assert "authorization" in final[0].headers  # the same origin: the credentials went along
    assert "authorization" not in final[1].headers  # another host: they did not


def test_a_cache_of_the_first_layout_is_migrated(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema', '1')")
    db.execute("CREATE TABLE http_cache (url TEXT PRIMARY KEY, status INTEGER NOT NULL, etag TEXT, last_modified TEXT, "
               "body BLOB NOT NULL, fetched_at REAL NOT NULL)")
    db.execute("CREATE TABLE owners_seen (index_url TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, "
               "owners TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL, "
               "PRIMARY KEY (index_url, ecosystem, name, owners))")
    db.execute("INSERT INTO owners_seen VALUES ('i', 'pypi', 'x', '[\"alice\"]', 1.0, 1.0)")
    db.commit()
    db.close()
    store = Store(tmp_path)
    store.put("u", 200, b"body", None, None, "http://elsewhere.test/u")
    assert store.get("u") is not None and store.get("u").final_url == "http://elsewhere.test/u"  # type: ignore[union-attr]
    assert store.record_owners("i", "pypi", "x", ("bob",), 2.0) == (("alice",), 2.0)  # state kept across the change
    assert store.notes == []
    store.close()
