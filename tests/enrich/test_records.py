"""What a scan keeps of a registry document (docs/decisions/0025-parsed-records-beside-documents.md).

A project document lists every file of every release: a record makes the `ArtifactRef`s of a version when
that version is read, keeps a compact record of itself beside the cached document so that a warm scan does
not parse the document again, and lets go of the files of the versions a scan does not read. Each of these
must give exactly what parsing the document gives."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest

from chainwarden.collect import CollectContext, collect_paths
from chainwarden.enrich import EnrichOptions, enrich
from chainwarden.enrich.cache import DB_FILE, Store
from chainwarden.enrich.documents import (
    DocumentError,
    ProjectRecord,
    parse_npm_packument,
    parse_pypi_json,
    parse_simple_html,
    parse_simple_json,
    record_format,
)
from chainwarden.enrich.http import Fetcher
from chainwarden.enrich.registry import PyPIIndex, _against
from chainwarden.model import ArtifactRef, DependencyGraph, Ecosystem, PackageId
from tests.registry.builder import pypi_project
from tests.registry.server import RegistryServer

DATA = Path(__file__).resolve().parents[1] / "registry" / "data"
BASE = "https://index.test/pypi/demo/json"


def _every_fact(rec: ProjectRecord) -> list[object]:
    """What the rest of chainwarden reads of a record: its facts at every version and unpinned, and its files."""
    return [rec.facts_for(v) for v in [None, *rec.versions, "0.0.0-not-listed"]] + \
        [(v, rec.files[v]) for v in rec.files] + [rec.versions, rec.removed, rec.latest_version]


def _documents() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted((DATA / "pypi").glob("*.json"))] + \
        [(p.name, p.read_bytes()) for p in sorted((DATA / "npm").rglob("*.json"))]


def _parse(name: str, body: bytes) -> ProjectRecord:
    if b'"releases"' in body:
        return parse_pypi_json(body, "https://index.test/simple", resolve=_against(BASE))
    return parse_npm_packument(body, "https://npm.test/", resolve=_against("https://npm.test/" + name))


@pytest.mark.parametrize(("name", "body"), _documents(), ids=[n for n, _ in _documents()])
def test_a_kept_record_reads_back_as_the_document_it_was_read_from(name: str, body: bytes) -> None:
    expected = _every_fact(_parse(name, body))
    kept = _parse(name, body).dump()
    assert _every_fact(ProjectRecord.load(kept, _parse(name, body).index_url)) == expected
    fresh = _parse(name, body)
    fresh.dump()  # a record that was kept reads on from the kept bytes
    assert _every_fact(fresh) == expected


def _release(url: str, **extra: object) -> dict[str, object]:
    return {"filename": url.rsplit("/", 1)[-1].split("#")[0].split("?")[0], "url": url, "upload_time_iso_8601": "2024-01-02T03:04:05Z",
            **extra}


def _pypi(releases: dict[str, list[dict[str, object]]]) -> bytes:
    return json.dumps({"info": {"name": "demo", "version": "2.0"}, "releases": releases}).encode()


def test_files_are_made_as_the_document_lists_them_relative_urls_and_fragment_digests_too() -> None:
    sha = "AB" * 32
    body = _pypi({
        "1.0": [_release(f"../../files/demo-1.0.tar.gz#sha256={sha}", size=10),
                _release("https://files.test/demo-1.0-py3-none-any.whl", digests={"sha256": "cd" * 32}, yanked=True),
                _release("", digests={}), {"filename": 3}, "not a file"],
        "2.0": [_release("https://files.test/p/demo-2.0.zip?x=1#frag", size=True)],
        "3.0": [],
    })
    rec = parse_pypi_json(body, "https://index.test/simple", resolve=_against(BASE))
    assert rec.files["1.0"] == [
        ArtifactRef("demo-1.0.tar.gz", urljoin(BASE, "../../files/demo-1.0.tar.gz"), "sdist", sha.lower(), size=10),
        ArtifactRef("demo-1.0-py3-none-any.whl", "https://files.test/demo-1.0-py3-none-any.whl", "wheel", "cd" * 32,
                    yanked=True),
    ]
    assert rec.files["2.0"] == [ArtifactRef("demo-2.0.zip", "https://files.test/p/demo-2.0.zip?x=1", "sdist")]
    assert "3.0" not in rec.files and "3.0" in rec.removed
    assert rec.facts_for("2.0").previous_version == "1.0"


def test_a_record_lets_go_of_the_files_no_one_reads_and_says_so_when_they_are_asked_for() -> None:
    body = _pypi({f"1.{i}": [_release(f"https://files.test/demo-1.{i}.tar.gz")] for i in range(10)})
    rec = parse_pypi_json(body, "https://index.test/simple")
    whole = parse_pypi_json(body, "https://index.test/simple")
    rec.keep_files(["1.5", None])
    for v in (None, "1.5"):
        assert rec.facts_for(v) == whole.facts_for(v)
    assert "1.2" in rec.files and len(rec.files) == 10  # which versions have files is still known
    assert rec.previous_version("1.3") == "1.2"
    with pytest.raises(RuntimeError, match="let go of"):
        rec.files["1.2"]


def test_the_absolute_url_shortcut_gives_what_urljoin_gives() -> None:
    rng = random.Random(14)
    alphabet = "ab/:.?#;[]@%-_~!$&'()*+,=09AZ \t\nè\\"
    resolve = _against("https://index.test/simple/demo/")
    for _ in range(20000):
        url = rng.choice(["https://", "http://", "HTTPS://", "https:", "//", "ftp://", ""]) + \
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            expected = urljoin("https://index.test/simple/demo/", url)
        except ValueError:
            with pytest.raises(ValueError):
                resolve(url)
            continue
        assert resolve(url) == expected, url


def test_pep691_and_pep503_pages_keep_their_records_too() -> None:
    page = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0", "1.1"], "files": [
        {"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz", "hashes": {"sha256": "ab" * 32},
         "upload-time": "2024-01-01T00:00:00Z"},
        {"filename": "demo-1.1-py3-none-any.whl", "url": "/f/demo-1.1-py3-none-any.whl", "hashes": {},
         "yanked": "broken"}]}).encode()
    html = (b'<html><body><a href="demo-1.0.tar.gz#sha256=' + b"ab" * 32 + b'">demo-1.0.tar.gz</a>'
            b'<a href="/f/demo-1.1-py3-none-any.whl" data-yanked="">demo-1.1-py3-none-any.whl</a></body></html>')
    for rec in (parse_simple_json(page, "https://index.test/simple", resolve=_against("https://index.test/simple/demo/")),
                parse_simple_html(html, "https://index.test/simple", resolve=_against("https://index.test/simple/demo/"))):
        expected = _every_fact(rec)
        assert rec.files["1.0"][0].url == "https://index.test/simple/demo/demo-1.0.tar.gz"
        assert _every_fact(ProjectRecord.load(rec.dump(), rec.index_url)) == expected


@pytest.mark.parametrize("damage", [b"", b"{}\n", b"not json\n", b'{"format": "other"}\n'])
def test_bytes_that_are_not_a_record_of_this_revision_are_refused(damage: bytes) -> None:
    with pytest.raises(DocumentError):
        ProjectRecord.load(damage, "https://index.test/simple")
    good = parse_pypi_json(_pypi({"1.0": [_release("https://files.test/demo-1.0.tar.gz")]}), "i").dump()
    head, _, files = good.partition(b"\n")
    header = json.loads(head)
    header["files"][0][2] += 1000  # a span past the end
    with pytest.raises(DocumentError):
        ProjectRecord.load(json.dumps(header).encode() + b"\n" + files, "i")


# ------------------------------------------------------------------ the record beside the cached document


def _graphs(tmp_path: Path, requirements: str) -> list[DependencyGraph]:
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    graphs, _ = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    return graphs


def _records(cache: Path) -> dict[str, str | None]:
    db = sqlite3.connect(cache / DB_FILE)
    try:
        return {url.split(" ", 1)[1]: fmt for url, fmt in db.execute("SELECT url, record_format FROM http_cache")}
    finally:
        db.close()


def test_a_warm_scan_reads_the_kept_record_not_the_document(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    pypi_project(tmp_registry.root, "demo", {"1.0": datetime(2024, 1, 1, tzinfo=UTC), "1.1": datetime(2024, 6, 1, tzinfo=UTC)})
    graphs = _graphs(tmp_path, "demo==1.1\n")
    options = EnrichOptions(index_url=tmp_registry.pypi_index_url, cache_dir=tmp_path / "cache")
    cold = enrich(graphs, options).graphs[0].facts
    url = f"{tmp_registry.url}/pypi/demo/json"
    assert _records(tmp_path / "cache")[url] == record_format()
    # The document is changed on the index but is fresh in the cache: the record is what answers, and a record
    # read back gives the facts the document gave.
    tmp_registry.answer("/pypi/demo/json", b"{not json at all")
    warm = enrich(graphs, options).graphs[0].facts
    assert warm == cold and len(tmp_registry.requests_to("/pypi/demo/")) == 1
    assert warm[PackageId(Ecosystem.PYPI, "demo", "1.1")].previous_version == "1.0"


def test_a_damaged_record_is_read_again_from_the_document_and_kept_anew(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    pypi_project(tmp_registry.root, "demo", {"1.0": datetime(2024, 1, 1, tzinfo=UTC)})
    graphs = _graphs(tmp_path, "demo==1.0\n")
    options = EnrichOptions(index_url=tmp_registry.pypi_index_url, cache_dir=tmp_path / "cache")
    cold = enrich(graphs, options)
    db = sqlite3.connect(tmp_path / "cache" / DB_FILE)
    db.execute("UPDATE http_cache SET record = ? WHERE record IS NOT NULL", (b'{"format": "' + record_format().encode() + b'"}\n',))
    db.commit()
    db.close()
    again = enrich(graphs, options)
    assert again.graphs[0].facts == cold.graphs[0].facts and not [s for s in again.skips if s.what.startswith("pypi:")]
    db = sqlite3.connect(tmp_path / "cache" / DB_FILE)
    kept = db.execute("SELECT record FROM http_cache WHERE url LIKE '%/pypi/demo/json'").fetchone()[0]
    db.close()
    assert ProjectRecord.load(kept, "i").versions == ["1.0"]


def test_a_new_answer_drops_the_record_of_the_old_one(tmp_path: Path) -> None:
    store = Store(tmp_path)
    stamp = store.put("u", 200, b"old", None, None)
    store.put_record("u", stamp, "f1", b"record of old")
    assert store.record("u", "f1") == b"record of old" and store.record("u", "f2") is None
    touched = store.touch("u")  # revalidated (304): the same body, the same record
    assert store.record("u", "f1") == b"record of old"
    store.put("u", 200, b"new", None, None)
    assert store.record("u", "f1") is None
    store.put_record("u", touched, "f1", b"a record of an answer no longer kept")  # written too late: not kept
    assert store.record("u", "f1") is None
    store.close()


def test_a_cache_of_the_second_layout_keeps_its_documents(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema', '2')")
    db.execute("CREATE TABLE http_cache (url TEXT PRIMARY KEY, status INTEGER NOT NULL, etag TEXT, last_modified TEXT, "
               "body BLOB NOT NULL, fetched_at REAL NOT NULL, final_url TEXT NOT NULL DEFAULT '')")
    import zlib
    db.execute("INSERT INTO http_cache VALUES ('u', 200, NULL, NULL, ?, 1.0, '')", (zlib.compress(b"kept"),))
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert store.body("u") == b"kept" and store.record("u", record_format()) is None
    store.put_record("u", 1.0, record_format(), b"r")
    assert store.record("u", record_format()) == b"r" and store.notes == []
    store.close()


def test_a_lookup_answered_by_a_record_is_the_lookup_the_document_gives(registry: RegistryServer, tmp_path: Path) -> None:
    async def look(store: Store | None) -> ProjectRecord:
        async with Fetcher(store) as fetcher:
            return await PyPIIndex(fetcher, registry.pypi_index_url).lookup("py-formatter-util")

    store = Store(tmp_path)
    try:
        first = asyncio.run(look(store))
        second = asyncio.run(look(store))  # from the record
    finally:
        store.close()
    plain = asyncio.run(look(None))
    assert _every_fact(first) == _every_fact(second) == _every_fact(plain)


def _fields(rec: ProjectRecord) -> dict[str, object]:
    return {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec) if not f.name.startswith("_") and f.name != "files"}


@pytest.mark.parametrize(("name", "body"), _documents(), ids=[n for n, _ in _documents()])
def test_a_kept_record_keeps_every_field_of_the_record(name: str, body: bytes) -> None:
    """Every field a parser fills in comes back from a kept record (a field added to ProjectRecord and left out
    of dump/load would be lost on every warm scan)."""
    assert _fields(ProjectRecord.load(_parse(name, body).dump(), _parse(name, body).index_url)) == _fields(_parse(name, body))


def test_npm_install_scripts_and_unpublished_versions_are_kept() -> None:
    doc = {"name": "demo", "dist-tags": {"latest": "1.0.0"},
           "versions": {"1.0.0": {"name": "demo", "version": "1.0.0", "scripts": {"postinstall": "node setup.js"},
                                  "dist": {"tarball": "https://npm.test/demo/-/demo-1.0.0.tgz"}}},
           "time": {"created": "2024-01-01T00:00:00Z", "modified": "2024-03-01T00:00:00Z",
                    "0.9.0": "2024-01-01T00:00:00Z", "1.0.0": "2024-02-01T00:00:00Z"}}
    body = json.dumps(doc).encode()
    parsed = _parse("demo", body)
    assert parsed.install_scripts and parsed.unpublished == {"0.9.0"}
    loaded = ProjectRecord.load(parsed.dump(), parsed.index_url)
    assert _fields(loaded) == _fields(_parse("demo", body))
    assert loaded.facts_for("1.0.0").install_scripts == _parse("demo", body).facts_for("1.0.0").install_scripts
