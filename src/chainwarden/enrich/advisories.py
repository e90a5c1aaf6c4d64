"""The advisory store: OSV records in the one SQLite database, and the advisories that affect a scan.

`import_source()` (``chainwarden db update --source PATH|URL``) reads OSV records in JSON or YAML
from a folder, a zip (the per-ecosystem ``all.zip`` export: one record per member), a single file
(one record, or a JSON list of them) or an http(s) URL of any of these. Each record is checked
against the OSV schema (enrich.osv); a broken one is reported with its file and what was expected,
and the rest import. Records that name no PyPI or npm package and withdrawn records are left out.
An import replaces everything earlier imported from the same source, in one transaction, and
records when it happened: every scan reports how old its advisory data is.

`find_advisories()` is the scan's side: for each package at the version that installs, the records
that affect it (enrich.osv.match), from the store and, when a URL is given, from an OSV-compatible
``/v1/querybatch`` service; merged by alias into one `Advisory` per vulnerability.

Everything from the network is bounded as index answers are (enrich.http): the download's size and
deadline, each querybatch answer's size, at most `MAX_IDS` advisories per package and `MAX_RECORDS` records
fetched per scan; a service's answer of the wrong shape is a Skip naming the URL. A store that cannot be
written is still read by scans (enrich.cache.connect); one that cannot be read is a Skip.

Tables (in enrich.cache's file; state, never dropped with the HTTP cache):
- ``advisory_sources``: each imported source, when, and how many records;
- ``advisory_records``: each record (the JSON as imported, compressed), by source and id;
- ``advisory_packages``: (ecosystem, name) -> record, the lookup a scan makes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from chainwarden._errors import describe
from chainwarden.enrich.artifacts import Limits, unpack
from chainwarden.enrich.cache import DB_FILE, LOCK_TIMEOUT, CacheError, Store, connect
from chainwarden.enrich.documents import DocumentError, read_json
from chainwarden.enrich.http import Fetcher, FetchError, display_url
from chainwarden.enrich.osv import (
    OSV_ECOSYSTEM,
    Match,
    OsvError,
    Record,
    Undecidable,
    as_match,
    match,
    merge,
    parse_record,
)
from chainwarden.model import Advisory, AdvisorySource, Ecosystem, PackageId, Skip, excerpt, shown

__all__ = ["NO_DATA", "AdvisoryError", "AdvisoryStore", "Found", "ImportReport", "find_advisories", "import_source"]

SUFFIXES = (".json", ".yaml", ".yml")
# BaseLoader keeps every scalar a string (YAML would read the version 1.10 as the number 1.1); libyaml's
# when PyYAML was built with it (about 8 times faster on the Python advisory database's records), else the
# pure-Python one, which reads the same documents into the same strings.
_YAML_LOADER: type[yaml.BaseLoader] | type[yaml.CBaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
MAX_DOWNLOAD = 2 * 1024**3  # an export zip of every npm malware report is large; this is a cap, not a size
ZIP_LIMITS = Limits(max_total_bytes=8 * 1024**3, max_member_bytes=64 * 1024**2, max_files=2_000_000, max_ratio=1000.0, max_depth=0)
QUERY_BATCH = 1000  # queries per querybatch request (the service's documented maximum)
MAX_PAGES = 10  # follow-up pages per query before the rest is reported as not fetched
MAX_IDS = 1000  # advisories a service may name for one package
MAX_RECORDS = 10_000  # records fetched from a service in one scan
MAX_ID_LENGTH = 200  # an advisory id is short ("GHSA-xxxx-xxxx-xxxx", "MAL-2025-1234")
NO_DATA = "no advisory data loaded"


class AdvisoryError(Exception):
    """An import that cannot happen at all (nothing readable, the store cannot be written)."""

    def diagnostics(self) -> str:
        return str(self)


# ------------------------------------------------------------------------------------------ store


@dataclass(frozen=True, slots=True)
class Stored:
    """A checked record as the store keeps it: what the tables index, and the JSON compressed (an
    export of every npm malware report is hundreds of thousands of records: no parsed copies are held)."""

    id: str
    modified: datetime
    malicious: bool
    packages: tuple[tuple[Ecosystem, str], ...]
    body: bytes  # zlib-compressed JSON of the record as imported

    @classmethod
    def of(cls, record: Record, document: object) -> Stored:
        body = zlib.compress(json.dumps(document, sort_keys=True, ensure_ascii=False).encode(), 6)
        return cls(record.id, record.modified, record.malicious, tuple(sorted(record.packages())), body)


class AdvisoryStore:
    """The advisory tables. Opened on the one database file; a missing file means no data."""

    def __init__(self, directory: Path, *, create: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = directory / DB_FILE
        try:
            self._db, self.readonly = connect(self.path, lock_timeout=lock_timeout, create=create)
            if self.readonly is not None:
                return  # a scan reads it as it is (a store never written has no tables: no data)
            self._db.execute(
                """CREATE TABLE IF NOT EXISTS advisory_sources (
                    source TEXT PRIMARY KEY,
                    imported_at REAL NOT NULL,
                    records INTEGER NOT NULL
                )"""
            )
            self._db.execute(
                """CREATE TABLE IF NOT EXISTS advisory_records (
                    source TEXT NOT NULL,
                    id TEXT NOT NULL,
                    modified TEXT NOT NULL,
                    malicious INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    PRIMARY KEY (source, id)
                )"""
            )
            self._db.execute(
                """CREATE TABLE IF NOT EXISTS advisory_packages (
                    ecosystem TEXT NOT NULL,
                    name TEXT NOT NULL,
                    source TEXT NOT NULL,
                    id TEXT NOT NULL,
                    PRIMARY KEY (ecosystem, name, source, id)
                )"""
            )
        except CacheError as exc:
            raise AdvisoryError(f"could not open the advisory store in {directory}: {exc}") from exc
        except (OSError, sqlite3.Error) as exc:
            raise AdvisoryError(f"could not open the advisory store in {directory}: {describe(exc)}") from exc

    @classmethod
    def existing(cls, directory: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> AdvisoryStore | None:
        """The store when the database exists (a scan never creates it), else None."""
        return cls(directory, lock_timeout=lock_timeout) if (directory / DB_FILE).is_file() else None

    def close(self) -> None:
        self._db.close()

    def replace_source(self, source: str, records: list[Stored], imported_at: float) -> None:
        """Everything from `source` becomes `records`, in one short transaction."""
        if self.readonly is not None:
            raise AdvisoryError(f"could not write the advisory store {self.path}: {self.readonly}")
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("DELETE FROM advisory_records WHERE source = ?", (source,))
                self._db.execute("DELETE FROM advisory_packages WHERE source = ?", (source,))
                self._db.executemany(
                    "INSERT OR REPLACE INTO advisory_records VALUES (?, ?, ?, ?, ?)",
                    ((source, r.id, r.modified.isoformat(), int(r.malicious), r.body) for r in records),
                )
                self._db.executemany(
                    "INSERT OR IGNORE INTO advisory_packages VALUES (?, ?, ?, ?)",
                    ((eco.value, name, source, r.id) for r in records for eco, name in r.packages),
                )
                self._db.execute("INSERT OR REPLACE INTO advisory_sources VALUES (?, ?, ?)", (source, imported_at, len(records)))
        except sqlite3.Error as exc:
            raise AdvisoryError(f"could not write the advisory store {self.path}: {exc}") from exc

    def sources(self) -> list[AdvisorySource]:
        if self.readonly is not None and not self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'advisory_sources'").fetchone():
            return []  # a read-only store no import ever wrote to
        rows = self._db.execute("SELECT source, imported_at, records FROM advisory_sources ORDER BY source").fetchall()
        return [AdvisorySource(str(s), "store", int(n), datetime.fromtimestamp(float(t), UTC)) for s, t, n in rows]

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per ecosystem: (records, of which malware reports)."""
        rows = self._db.execute(
            """SELECT p.ecosystem, COUNT(DISTINCT r.id), COUNT(DISTINCT CASE WHEN r.malicious THEN r.id END)
               FROM advisory_packages p JOIN advisory_records r ON r.source = p.source AND r.id = p.id
               GROUP BY p.ecosystem ORDER BY p.ecosystem"""
        ).fetchall()
        return {str(e): (int(n), int(m)) for e, n, m in rows}

    def records_for(self, ecosystem: Ecosystem, name: str) -> list[tuple[Record, str]]:
        """Every stored record naming the package, with its source; one per id (the most recently modified)."""
        rows = self._db.execute(
            """SELECT r.source, r.body FROM advisory_packages p
               JOIN advisory_records r ON r.source = p.source AND r.id = p.id
               WHERE p.ecosystem = ? AND p.name = ?""",
            (ecosystem.value, name),
        ).fetchall()
        best: dict[str, tuple[Record, str]] = {}
        for source, body in rows:
            try:
                record = parse_record(json.loads(zlib.decompress(body)), str(source))
            except (zlib.error, ValueError, TypeError, RecursionError, OsvError):
                continue  # a damaged row: the next import of its source rewrites it
            have = best.get(record.id)
            if have is None or record.modified > have[0].modified:
                best[record.id] = (record, str(source))
        return list(best.values())


# ------------------------------------------------------------------------------------------ reading sources


@dataclass
class ImportReport:
    """What one `db update` did."""

    source: str
    records: int = 0  # stored
    by_ecosystem: dict[str, int] = field(default_factory=dict)
    malicious: int = 0
    withdrawn: int = 0  # left out: withdrawn
    other_ecosystems: int = 0  # left out: they name no PyPI or npm package
    duplicates: int = 0  # the same id more than once in the source: the most recently modified is kept
    errors: list[str] = field(default_factory=list)  # "file: what was expected"
    imported_at: datetime | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the URL redirected to another host


def _is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def _decode(data: bytes, label: str, suffix: str) -> Iterator[tuple[str, object]]:
    """The documents of one file: a JSON object, a JSON list of objects, or YAML documents."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OsvError(label, f"expected UTF-8 text: {exc.reason} at byte {exc.start}") from None
    if suffix in (".yaml", ".yml"):
        try:
            docs = [d for d in yaml.load_all(text, Loader=_YAML_LOADER) if d is not None]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark is not None else label
            raise OsvError(where, f"expected YAML: {getattr(exc, 'problem', None) or exc}") from None
        except RecursionError:  # the pure-Python loader's answer to deep nesting (libyaml stops at 1,000 levels)
            raise OsvError(label, "expected YAML: nested too deeply") from None
        for i, doc in enumerate(docs):
            yield (label if len(docs) == 1 else f"{label} (document {i + 1})"), doc
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OsvError(f"{label}:{exc.lineno}:{exc.colno}", f"expected JSON: {exc.msg}") from None
    except RecursionError:
        raise OsvError(label, "expected JSON: nested too deeply") from None
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield f"{label}[{i}]", item
    else:
        yield label, doc


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _documents(path: Path, label: str, errors: list[str], workdir: Path) -> Iterator[tuple[str, object]]:
    """Every document under `path` (a folder, a zip or a file), labelled for messages."""
    if path.is_dir():
        for f in _files(path):
            yield from _file_documents(f, f"{label.rstrip('/')}/{f.relative_to(path).as_posix()}", errors)
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise AdvisoryError(f"{label}: could not read it: {exc.strerror or exc}") from exc
    if head == b"PK\x03\x04":
        dest = workdir / "unpacked"
        unpacked = unpack(path, dest, ZIP_LIMITS)
        errors += [f"{label}: {a.member or 'the archive'}: {a.kind}: {a.detail}" for a in unpacked.anomalies]
        if unpacked.format != "zip":
            raise AdvisoryError(f"{label}: expected a zip of OSV records, but it could not be read as one")
        for rel in unpacked.files:
            if Path(rel).suffix.lower() in SUFFIXES:
                yield from _file_documents(dest / rel, f"{label}:{rel}", errors)
        return
    yield from _file_documents(path, label, errors)


def _file_documents(path: Path, label: str, errors: list[str]) -> Iterator[tuple[str, object]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(f"{label}: could not read it: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        suffix = ".yaml" if data.lstrip()[:1] not in (b"{", b"[") else ".json"
    try:
        yield from _decode(data, label, suffix)
    except OsvError as exc:
        errors.append(str(exc))


async def _download(url: str, dest: Path, timeout: float) -> list[str]:
    """The file at `url` in `dest`, bounded as every download is (enrich.http); returns what to tell the user."""
    async with Fetcher(None, timeout=timeout) as fetcher:
        with dest.open("wb") as fh:
            await fetcher.download(url, fh.write, MAX_DOWNLOAD, note_redirects=True)
        return [s.reason for s in fetcher.notes()]


def import_source(directory: Path, source: str, *, now: datetime | None = None, timeout: float = 60.0) -> ImportReport:
    """Import OSV records from `source` (a folder, zip, file or http(s) URL) into the store in `directory`.

    Raises AdvisoryError when nothing at all could be read (the earlier data stays)."""
    with tempfile.TemporaryDirectory(prefix="chainwarden-osv-") as tmp:
        workdir = Path(tmp)
        if _is_url(source):
            name = Path(urlsplit(source).path).name or "download"
            local = workdir / name
            try:
                notes = asyncio.run(_download(source, local, timeout))
            except FetchError as exc:
                raise AdvisoryError(f"could not download {display_url(source)}: {exc.reason}") from exc
            except OSError as exc:
                raise AdvisoryError(f"could not save the download of {display_url(source)} in {workdir}: "
                                    f"{exc.strerror or exc}") from exc
            label, key = display_url(source), source
        else:
            local = Path(source).expanduser()
            if not local.exists():
                raise AdvisoryError(f"{source}: no such file or folder (expected OSV records: a folder, a zip or a .json/.yaml file)")
            label, key = source, str(local.resolve())
        report = ImportReport(key)
        if _is_url(source):
            report.notes += notes
        kept: dict[str, Stored] = {}
        seen = 0
        for origin, doc in _documents(local, label, report.errors, workdir):
            seen += 1
            try:
                record = parse_record(doc, origin)
            except OsvError as exc:
                report.errors.append(str(exc))
                continue
            if record.withdrawn is not None:
                report.withdrawn += 1
                continue
            if not record.packages():
                report.other_ecosystems += 1
                continue
            if record.id in kept:
                report.duplicates += 1
                if kept[record.id].modified >= record.modified:
                    continue
            kept[record.id] = Stored.of(record, doc)
    if not kept and not (report.withdrawn or report.other_ecosystems):
        what = report.errors[0] if report.errors else (
            f"{label}: no OSV records found (expected .json or .yaml files, a zip of them, or one record)" if not seen else "")
        raise AdvisoryError(f"nothing imported, the advisory data is unchanged: {what}"
                            + (f" (and {len(report.errors) - 1} more problem(s))" if len(report.errors) > 1 else ""))
    moment = now or datetime.now(UTC)
    store = AdvisoryStore(directory, create=True)
    try:
        store.replace_source(key, list(kept.values()), moment.timestamp())
    finally:
        store.close()
    report.records = len(kept)
    report.imported_at = moment
    report.malicious = sum(1 for r in kept.values() if r.malicious)
    for r in kept.values():
        for eco in sorted({e for e, _ in r.packages}):
            report.by_ecosystem[eco.value] = report.by_ecosystem.get(eco.value, 0) + 1
    return report


# ------------------------------------------------------------------------------------------ scans


@dataclass
class Found:
    """The advisories of a scan, by package, with where they came from and what could not be checked."""

    by_package: dict[PackageId, tuple[Advisory, ...]] = field(default_factory=dict)
    sources: list[AdvisorySource] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


def _label(package: PackageId, version: str | None) -> str:
    return str(PackageId(package.ecosystem, package.name, version)) if version else package.name


def find_advisories(
    checks: Mapping[PackageId, str | None], directory: Path | None, *, osv_url: str | None = None,
    store: Store | None = None, offline: bool = False, timeout: float = 20.0, retries: int = 3,
    make_fetcher: Callable[[Store | None], Fetcher] | None = None, lock_timeout: float = LOCK_TIMEOUT,
) -> Found:
    """The advisories affecting each package of `checks` (package -> the version that installs:
    the pinned one, or the index's latest; None when unknown), from the store in `directory` and the
    querybatch service at `osv_url` (asked through `make_fetcher(store)`, default a `Fetcher` with `timeout` and
    `retries`). With neither, a Skip says no advisory data is loaded."""
    found = Found()
    matches: dict[PackageId, list[Match]] = {}
    origins: dict[str, str] = {}
    if not checks:
        return found
    advisory_store: AdvisoryStore | None = None
    if directory is not None:
        try:
            advisory_store = AdvisoryStore.existing(directory, lock_timeout=lock_timeout)
        except AdvisoryError as exc:
            found.skips.append(Skip(what="advisories", reason=exc.diagnostics(), stage="enrich"))
    if advisory_store is not None:
        try:
            found.sources = advisory_store.sources()
            if found.sources:
                for package, version in sorted(checks.items(), key=lambda kv: kv[0]):
                    for record, source in advisory_store.records_for(package.ecosystem, package.name):
                        origins.setdefault(record.id, source)
                        try:
                            m = match(record, package.ecosystem, package.name, version)
                        except Undecidable as exc:
                            found.skips.append(Skip(what=package.purl, stage="enrich", reason=(
                                f"advisory {record.id}: could not tell whether {_label(package, version)} is affected: {exc}")))
                            continue
                        if m is not None:
                            matches.setdefault(package, []).append(m)
        except sqlite3.Error as exc:
            found.skips.append(Skip(what="advisories", reason=f"could not read the advisory store: {exc}", stage="enrich"))
        finally:
            advisory_store.close()
    if osv_url:
        online, records, skips = _online(checks, osv_url, store, offline,
                                         make_fetcher or (lambda s: Fetcher(s, timeout=timeout, retries=retries)))
        found.skips += skips
        for package, ms in online.items():
            have = {m.record.id for m in matches.get(package, [])}
            matches.setdefault(package, []).extend(m for m in ms if m.record.id not in have)
        for package_matches in online.values():
            for m in package_matches:
                origins.setdefault(m.record.id, osv_url)
        if records is not None:
            found.sources.append(AdvisorySource(osv_url, "querybatch", records, datetime.now(UTC)))
    if not found.sources:
        found.skips.append(Skip(what="advisories", stage="enrich", reason=(
                f"{NO_DATA}: known-malicious and known-vulnerable did not run (`chainwarden db update --source PATH|URL` "
                "imports OSV records; --osv-url asks an OSV querybatch service)")))
        return found
    for package, ms in matches.items():
        advisories = merge(ms, package.ecosystem, origins)
        if advisories:
            found.by_package[package] = tuple(advisories)
    return found


def _online(
    checks: Mapping[PackageId, str | None], url: str, store: Store | None, offline: bool,
    make_fetcher: Callable[[Store | None], Fetcher],
) -> tuple[dict[PackageId, list[Match]], int | None, list[Skip]]:
    """Ask `<url>/v1/querybatch` about every package with a known version, then fetch each record it names."""
    base = url.rstrip("/")
    skips: list[Skip] = []
    if offline:
        return {}, None, [Skip(what="advisories", stage="enrich",
                               reason=f"--offline: the advisory service at {url} was not asked")]
    asked: list[tuple[PackageId, str | None]] = sorted((p, v) for p, v in checks.items() if v)
    for p, _ in sorted((p, v) for p, v in checks.items() if not v):
        skips.append(Skip(what=p.purl, stage="enrich", reason=(
            f"the advisory service at {url} was not asked about {p.name}: the version that installs is not known")))

    async def run() -> tuple[dict[PackageId, list[Match]], int]:
        async with make_fetcher(store) as fetcher:
            try:
                ids: dict[PackageId, list[str]] = {}
                for start in range(0, len(asked), QUERY_BATCH):
                    await _query(fetcher, base, asked[start:start + QUERY_BATCH], ids, skips)
                wanted = sorted({i for v in ids.values() for i in v})
                if len(wanted) > MAX_RECORDS:
                    skips.append(Skip(what="advisories", stage="enrich", reason=(
                        f"the advisory service at {display_url(url)} named {len(wanted)} advisories; only the first "
                        f"{MAX_RECORDS} were fetched")))
                    wanted = wanted[:MAX_RECORDS]
                records: dict[str, Record] = {}

                async def one(advisory_id: str) -> None:
                    vuln_url = f"{base}/v1/vulns/{quote(advisory_id, safe='')}"
                    try:
                        resp = await fetcher.get(vuln_url)
                        if resp.status != 200:
                            raise FetchError(vuln_url, f"HTTP {resp.status}")
                        records[advisory_id] = parse_record(read_json(resp.body, "OSV record"), display_url(vuln_url))
                    except (FetchError, OsvError, DocumentError) as exc:
                        skips.append(Skip(what="advisories", stage="enrich", reason=(
                            f"advisory {excerpt(advisory_id, 80)} from {display_url(url)} could not be read: "
                            f"{shown(str(exc), 300)}")))

                await asyncio.gather(*(one(i) for i in wanted))
            finally:
                skips.extend(fetcher.notes())
        out: dict[PackageId, list[Match]] = {}
        versions = dict(asked)
        for package, found_ids in ids.items():
            for advisory_id in found_ids:
                record = records.get(advisory_id)
                if record is None or record.withdrawn is not None:
                    continue
                out.setdefault(package, []).append(as_match(record, package.ecosystem, package.name, versions[package]))
        return out, len(records)

    try:
        result, count = asyncio.run(run())
    except FetchError as exc:
        return {}, None, [*skips, Skip(what="advisories", stage="enrich",
                                       reason=f"could not ask the advisory service: {shown(str(exc), 500)}")]
    return result, count, skips


async def _query(fetcher: Fetcher, base: str, batch: list[tuple[PackageId, str | None]],
                 ids: dict[PackageId, list[str]], skips: list[Skip]) -> None:
    """One querybatch request (and the follow-up pages it announces)."""
    url = f"{base}/v1/querybatch"
    pending: list[tuple[PackageId, str | None, str | None, int]] = [(p, v, None, 0) for p, v in batch]
    while pending:
        queries: list[dict[str, Any]] = []
        for p, v, token, _ in pending:
            q: dict[str, Any] = {"package": {"ecosystem": OSV_ECOSYSTEM[p.ecosystem], "name": p.name}, "version": v}
            if token:
                q["page_token"] = token
            queries.append(q)
        resp = await fetcher.post_json(url, {"queries": queries})
        try:
            results = read_json(resp.body, "querybatch answer")["results"]
            if not isinstance(results, list) or len(results) != len(pending):
                raise ValueError(f"expected {len(pending)} results, got "
                                 f"{len(results) if isinstance(results, list) else type(results).__name__}")
        except DocumentError as exc:
            raise FetchError(url, str(exc)) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise FetchError(url, f"expected a querybatch answer ({{\"results\": [...]}}): {shown(str(exc), 200)}") from None
        follow: list[tuple[PackageId, str | None, str | None, int]] = []
        for (p, v, _, pages), result in zip(pending, results):
            vulns = result.get("vulns") if isinstance(result, dict) else None
            have = ids.setdefault(p, [])
            for vuln in vulns if isinstance(vulns, list) else []:
                if isinstance(vuln, dict) and isinstance(vuln.get("id"), str) and 0 < len(vuln["id"]) <= MAX_ID_LENGTH:
                    if len(have) >= MAX_IDS:
                        skips.append(Skip(what=p.purl, stage="enrich", reason=(
                            f"the advisory service at {display_url(base)} named more than {MAX_IDS} advisories for "
                            f"{p.name}; the rest were not fetched")))
                        break
                    have.append(vuln["id"])
            token = result.get("next_page_token") if isinstance(result, dict) else None
            if isinstance(token, str) and token and len(have) < MAX_IDS:
                if pages + 1 >= MAX_PAGES:
                    skips.append(Skip(what=p.purl, stage="enrich", reason=(
                        f"the advisory service at {display_url(base)} has more than {MAX_PAGES} pages of advisories for {p.name}; the rest were not fetched")))
                else:
                    follow.append((p, v, token[:1000], pages + 1))
        pending = follow
