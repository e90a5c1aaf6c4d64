"""Parsers for registry documents, one per format, shared by the HTTP and snapshot backends.

Each parser turns one document into a `ProjectRecord` (everything about a name);
`ProjectRecord.facts_for(version)` gives the `RegistryFacts` of one pinned
version. Parsers are defensive: a document of the wrong shape raises
`DocumentError`, which becomes a Skip naming the URL.

What an index sends is an attacker's text (docs/decisions/0017-bounded-index-answers.md):
JSON nested deeper than the interpreter's recursion limit, integers longer than its
4,300-digit limit, more than `MAX_JSON_VALUES` values, any type where another is expected, a version longer than
`MAX_VERSION_LENGTH` characters, an npm version that is not semver, more than
`MAX_VERSIONS` versions: each is a `DocumentError`, never an exception out of a
parser. Nothing here is quadratic in the size of a document (every pattern is linear,
membership tests use sets), and a PEP 503 HTML page is read for at most
`MAX_HTML_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import semver
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from chainwarden.model import ArtifactRef, RegistryFacts, excerpt, shown, version_order

MAX_VERSION_LENGTH = 256  # npm's own limit (node-semver MAX_LENGTH); no real PEP 440 version comes close
MAX_VERSIONS = 1_000_000  # versions (or files) in one document; the largest real projects have tens of thousands
MAX_JSON_VALUES = 8_000_000  # real documents run 25-55 bytes a value: this is well above the 256 MiB size cap
MAX_TEXT = 4096  # longest URL or e-mail field looked at (longer ones are not a repository or an address)
MAX_HTML_SECONDS = 60.0  # reading one PEP 503 page (html.parser is pure Python: ~1 MB/s on hostile markup)
_HTML_STEP = 1 << 20


class DocumentError(Exception):
    """A registry document that is not what its format promises."""


def _version(value: object, where: str, *, npm: bool = False) -> str:
    """A version as the document gives it, checked: a string of at most MAX_VERSION_LENGTH characters (npm: semver)."""
    if not isinstance(value, str):
        raise DocumentError(f"{where}: expected a version string, got {type(value).__name__}")
    if len(value) > MAX_VERSION_LENGTH:
        raise DocumentError(f"{where}: a version of {len(value)} characters ({excerpt(value, 40)}); "
                            f"expected at most {MAX_VERSION_LENGTH}")
    if npm and not semver.Version.is_valid(value.strip().lstrip("=v").strip()):  # as enrich.osv reads npm versions
        raise DocumentError(f"{where}: version {excerpt(value, 80)} is not a semantic version (npm versions are semver)")
    return value


def _pep440(v: str) -> Version | None:
    try:
        return Version(v)
    except (InvalidVersion, ValueError):  # ValueError: a number past the interpreter's digit limit
        return None


def _count(items: Iterable[object] | dict[str, object], what: str) -> None:
    n = len(items) if isinstance(items, (list, dict)) else 0
    if n > MAX_VERSIONS:
        raise DocumentError(f"{n} {what} in one document; expected at most {MAX_VERSIONS}")


Resolve = Callable[[str], str]  # a file URL as the document gives it -> an absolute URL


def _as_is(url: str) -> str:
    return url


def _kind(filename: str) -> str:
    if filename.endswith(".whl"):
        return "wheel"
    if filename.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")):
        return "sdist"
    return "other"


Row = list[Any]  # one file as a document lists it, kept until its ArtifactRef is made (ReleaseFiles)
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")


def _pypi_row(filename: str, url: Any, sha256: Any, size: Any, yanked: Any, resolve: Resolve) -> Row | None:
    """A PyPI file, its URL resolved (the sha256 of its fragment when the document gives none): None when it
    names no URL (no file to fetch). `_pypi_ref` makes its ArtifactRef."""
    if not isinstance(url, str) or not url:
        return None
    href, fragment = urldefrag(url)
    if not isinstance(sha256, str):
        sha256 = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
    return [filename, resolve(href), sha256, size if isinstance(size, int) and not isinstance(size, bool) else None,
            bool(yanked)]


def _pypi_ref(row: Row) -> ArtifactRef:
    filename, url, sha256, size, yanked = row
    digest = sha256.lower() if isinstance(sha256, str) and _SHA256.fullmatch(sha256) else None
    return ArtifactRef(filename, url, _kind(filename), digest, size=size, yanked=yanked)


def _npm_ref(row: Row) -> ArtifactRef:
    filename, url, integrity, shasum = row
    return ArtifactRef(filename, url, "npm-tarball", integrity=integrity, shasum=shasum, size=None)


_MAKERS: dict[str, Callable[[Row], ArtifactRef]] = {"pypi": _pypi_ref, "npm": _npm_ref}


class ReleaseFiles(Mapping[str, list[ArtifactRef]]):
    """version -> the files the index lists for it, each version's `ArtifactRef`s made when it is first read.

    A project document lists every file of every release (258,000 files for the 329 projects of one real
    lock) and a scan reads those of one or two versions a package (the one that installs and the one before
    it): until a version is read it is a compact row per file, unresolved (or a span of a cached record's
    bytes, `ProjectRecord.dump`). `keep()` lets go of all but the versions named, for a caller that holds
    many records and knows which versions it will read (enrich)."""

    def __init__(self, flavour: str) -> None:
        self.flavour = flavour  # "pypi" or "npm": which rows these are
        self._rows: dict[str, list[Row] | tuple[int, int]] = {}  # rows, or a span of `_buffer`
        self._counts: dict[str, int] = {}  # version -> how many files (kept by keep(): `has_files`)
        self._buffer: bytes | memoryview = b""
        self._built: dict[str, list[ArtifactRef]] = {}
        self._kept = False

    def add(self, version: str, rows: list[Row]) -> None:
        self._rows[version] = rows
        self._counts[version] = len(rows)

    def append(self, version: str, row: Row) -> None:
        rows = self._rows.setdefault(version, [])
        assert isinstance(rows, list)
        rows.append(row)
        self._counts[version] = len(rows)

    def has_files(self, version: str) -> bool:
        return self._counts.get(version, 0) > 0

    def __getitem__(self, version: str) -> list[ArtifactRef]:
        built = self._built.get(version)
        if built is not None:
            return built
        if version not in self._counts:
            raise KeyError(version)
        if self._kept:
            raise RuntimeError(f"the files of version {version} were let go of (ReleaseFiles.keep): a bug in chainwarden")
        raw = self._rows[version]
        rows = json.loads(bytes(self._buffer[raw[0]:raw[1]])) if isinstance(raw, tuple) else raw
        make = _MAKERS[self.flavour]
        built = self._built[version] = [make(r) for r in rows]
        return built

    def __contains__(self, version: object) -> bool:
        return version in self._counts

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def keep(self, versions: Iterable[str]) -> None:
        """Make the ArtifactRefs of `versions` now and let go of every other version's rows."""
        for v in versions:
            if v in self._counts:
                self[v]
        self._rows, self._buffer, self._kept = {}, b"", True

    def pack(self) -> tuple[list[list[Any]], bytes]:
        """Every version's rows as JSON, one after the other, and where each is: what `ProjectRecord.dump` stores.
        The rows are let go of (the bytes are what the record keeps from now on, about half their size)."""
        if self._kept:
            raise RuntimeError("ReleaseFiles.pack after keep: a bug in chainwarden")
        parts: list[bytes] = []
        spans: list[list[Any]] = []
        at = 0
        for v, raw in self._rows.items():
            chunk = bytes(self._buffer[raw[0]:raw[1]]) if isinstance(raw, tuple) \
                else json.dumps(raw, separators=(",", ":")).encode()
            spans.append([v, at, at + len(chunk), self._counts[v]])
            parts.append(chunk)
            at += len(chunk)
        buffer = b"".join(parts)
        self._adopt(spans, buffer)
        return spans, buffer

    def _adopt(self, spans: list[list[Any]], buffer: bytes | memoryview) -> None:
        self._buffer = buffer
        self._rows = {v: (a, b) for v, a, b, _ in spans}
        self._counts = {v: n for v, _, _, n in spans}


def _no_files() -> ReleaseFiles:
    return ReleaseFiles("pypi")


@dataclass
class ProjectRecord:
    """What an index knows about one name. A parser fills it in; from then on it is read, not changed (what
    `facts_for` works out once, it keeps)."""

    exists: bool
    index_url: str
    source: str
    latest_version: str | None = None
    release_times: dict[str, datetime] = field(default_factory=dict)
    versions: list[str] = field(default_factory=list)
    yanked: dict[str, str] = field(default_factory=dict)  # version -> reason ("" when none given)
    removed: set[str] = field(default_factory=set)  # versions the index lists with no files left
    deprecated: dict[str, str] = field(default_factory=dict)  # version -> message; "*" for the whole package
    maintainers: list[str] = field(default_factory=list)
    maintainer_source: str = ""  # "" when the document names no accounts
    organization: str | None = None
    emails: list[str] = field(default_factory=list)
    repository_url: str | None = None
    metadata_known: bool = False  # the document carries project metadata (URLs, people)
    project_status: str | None = None  # PEP 792
    project_status_reason: str | None = None
    publishers: dict[str, str] = field(default_factory=dict)  # npm: version -> who published it
    version_maintainers: dict[str, list[str]] = field(default_factory=dict)  # npm: version -> its maintainers
    files: ReleaseFiles = field(default_factory=_no_files)  # version -> the files the index lists for it
    version_repository: dict[str, str] = field(default_factory=dict)  # npm: version -> its own repository URL
    license: str | None = None  # the project's declared licence (PyPI: the latest release's metadata)
    version_licenses: dict[str, str] = field(default_factory=dict)  # npm: version -> its own ``license``
    install_scripts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # npm: version -> its install-time scripts
    unpublished: set[str] = field(default_factory=set)  # npm: versions the registry still dates but no longer serves
    _by_time: list[tuple[str, datetime]] | None = field(default=None, init=False, repr=False, compare=False)
    _times: list[datetime] | None = field(default=None, init=False, repr=False, compare=False)
    _ordered: list[tuple[Any, str]] | None = field(default=None, init=False, repr=False, compare=False)
    _version_set: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _previous: dict[str, str | None] | None = field(default=None, init=False, repr=False, compare=False)

    def _known(self) -> frozenset[str]:
        if self._version_set is None:
            self._version_set = frozenset(self.versions)
        return self._version_set

    def same_version(self, version: str) -> str:
        """The index's spelling of `version`: PEP 440 says ``==1.8`` is 1.8.0 (npm versions are exact)."""
        if version in self._known() or self.source in ("npm",) or not self.versions:
            return version
        wanted = _pep440(version) if len(version) <= MAX_VERSION_LENGTH else None
        if wanted is None:
            return version
        return next((v for v in self.versions if _pep440(v) == wanted), version)

    def by_time(self) -> list[tuple[str, datetime]]:
        """(version, upload time), oldest first (versions uploaded at the same moment in the document's order)."""
        if self._by_time is None:
            self._by_time = sorted(self.release_times.items(), key=lambda kv: kv[1])
            self._times = [t for _, t in self._by_time]
        return self._by_time

    def facts_for(self, version: str | None) -> RegistryFacts:
        """The facts of the name and of the version that installs (`version`, or the latest when unpinned)."""
        if version is not None:
            version = self.same_version(version)
        by_time = self.by_time()
        installs = version or self.latest_version
        deprecated = self.deprecated.get(installs or "") or self.deprecated.get("*")
        installed_at = self.release_times.get(installs) if installs else None
        earlier = by_time[:bisect_left(self._times or [], installed_at)] if installed_at is not None else []
        previous = earlier[-1][0] if earlier else None
        earlier_publishers = sorted({self.publishers[v] for v, _ in earlier if v in self.publishers}) \
            if self.publishers else []
        before = self.previous_version(installs)
        return RegistryFacts(
            exists=self.exists,
            index_url=self.index_url,
            latest_version=self.latest_version,
            release_count=len(self.versions),
            first_release=by_time[0][1] if by_time else None,
            last_release=by_time[-1][1] if by_time else None,
            version_released=self.release_times.get(version) if version else None,
            version_exists=(version in self._known() and version not in self.removed) if version and self.exists
            else (False if version else None),
            versions=tuple(self.versions),
            release_times=tuple(by_time),
            yanked_versions=tuple(sorted(self.yanked)),
            yanked_reason=self.yanked.get(version) if version else None,
            maintainers=tuple(self.maintainers),
            maintainer_source=self.maintainer_source,
            organization=self.organization,
            emails=tuple(self.emails),
            repository_url=self.repository_url,
            metadata_known=self.metadata_known,
            deprecated=deprecated,
            project_status=self.project_status,
            project_status_reason=self.project_status_reason,
            publisher=self.publishers.get(installs) if installs else None,
            earlier_publishers=tuple(earlier_publishers),
            version_maintainers=tuple(self.version_maintainers.get(installs, [])) if installs else (),
            previous_version_maintainers=tuple(self.version_maintainers.get(previous, [])) if previous else (),
            source=self.source,
            artifacts=tuple(self.files.get(installs, ())) if installs else (),
            version_repository=self.version_repository.get(installs) if installs else None,
            previous_version=before,
            previous_artifacts=tuple(self.files.get(before, ())) if before else (),
            license=self.version_licenses.get(installs or "", self.license),
            install_scripts=self.install_scripts.get(installs, ()) if installs else (),
        )

    def previous_version(self, version: str | None) -> str | None:
        """The highest version below `version` that has files."""
        if version is None or len(version) > MAX_VERSION_LENGTH:
            return None
        if self._previous is not None and version in self._previous:  # worked out before the record was kept
            return self._previous[version]
        if self._ordered is None:
            self._ordered = sorted((version_order(v), v) for v in self.versions if self.files.has_files(v))
        at = bisect_left(self._ordered, (version_order(version),))
        return self._ordered[at - 1][1] if at else None

    def installing(self, versions: Iterable[str | None]) -> set[str]:
        """The versions whose files `facts_for` reads for each of `versions`: the one that installs and the one
        before it (what `keep_files` keeps)."""
        out: set[str] = set()
        for v in versions:
            installs = self.same_version(v) if v is not None else self.latest_version
            if installs:
                out.add(installs)
                before = self.previous_version(installs)
                if before:
                    out.add(before)
        return out

    def keep_files(self, versions: Iterable[str | None]) -> None:
        """Keep the files `facts_for(v)` reads for each v in `versions` (None: the latest), let go of the others."""
        self.files.keep(self.installing(versions))

    def dump(self) -> bytes:
        """This record as `load` reads it back: a JSON header, a newline, then each version's files (JSON rows,
        read when the version is). What enrich keeps beside a cached document (docs/decisions/0025)."""
        spans, buffer = self.files.pack()
        header = {
            "format": record_format(), "flavour": self.files.flavour, "exists": self.exists, "source": self.source,
            "latest_version": self.latest_version,
            "release_times": {v: t.isoformat() for v, t in self.release_times.items()},
            "versions": self.versions, "yanked": self.yanked, "removed": sorted(self.removed),
            "deprecated": self.deprecated, "maintainers": self.maintainers, "maintainer_source": self.maintainer_source,
            "organization": self.organization, "emails": self.emails, "repository_url": self.repository_url,
            "metadata_known": self.metadata_known, "project_status": self.project_status,
            "project_status_reason": self.project_status_reason, "publishers": self.publishers,
            "version_maintainers": self.version_maintainers, "version_repository": self.version_repository,
            "license": self.license, "version_licenses": self.version_licenses,
            "install_scripts": self.install_scripts, "unpublished": sorted(self.unpublished), "files": spans,
            "previous": [self.previous_version(v) for v in self.versions],
        }
        return json.dumps(header, separators=(",", ":")).encode() + b"\n" + buffer

    @staticmethod
    def load(blob: bytes, index_url: str) -> ProjectRecord:
        """A record `dump` wrote (for this revision of this module), or `DocumentError` when the bytes are not one."""
        try:
            cut = blob.index(b"\n")
            h = json.loads(blob[:cut])
            if not isinstance(h, dict) or h.get("format") != record_format() or h.get("flavour") not in _MAKERS:
                raise DocumentError("not a record of this revision")
            rec = ProjectRecord(
                exists=bool(h["exists"]), index_url=index_url, source=str(h["source"]),
                latest_version=_optional(h["latest_version"]),
                release_times={v: _aware(t) for v, t in _mapping(h["release_times"]).items()},
                versions=_strings(h["versions"]), yanked=_mapping(h["yanked"]), removed=set(_strings(h["removed"])),
                deprecated=_mapping(h["deprecated"]), maintainers=_strings(h["maintainers"]),
                maintainer_source=str(h["maintainer_source"]), organization=_optional(h["organization"]),
                emails=_strings(h["emails"]), repository_url=_optional(h["repository_url"]),
                metadata_known=bool(h["metadata_known"]), project_status=_optional(h["project_status"]),
                project_status_reason=_optional(h["project_status_reason"]),
                publishers=_mapping(h["publishers"]), version_maintainers=_mapping(h["version_maintainers"]),
                version_repository=_mapping(h["version_repository"]), license=_optional(h["license"]),
                version_licenses=_mapping(h["version_licenses"]),
                install_scripts={v: tuple(_strings(x)) for v, x in _mapping(h["install_scripts"]).items()},
                unpublished=set(_strings(h["unpublished"])),
            )
            buffer = memoryview(blob)[cut + 1:]
            spans = h["files"]
            if not isinstance(spans, list) or not all(
                    isinstance(s, list) and len(s) == 4 and isinstance(s[0], str)
                    and all(isinstance(n, int) for n in s[1:]) and 0 <= s[1] <= s[2] <= len(buffer) for s in spans):
                raise DocumentError("its files are not where it says")
            rec.files = ReleaseFiles(h["flavour"])
            rec.files._adopt(spans, buffer)
            previous = h["previous"]
            if not isinstance(previous, list) or len(previous) != len(rec.versions):
                raise DocumentError("its versions and their previous ones do not match")
            rec._previous = dict(zip(rec.versions, map(_optional, previous)))
            return rec
        except DocumentError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise DocumentError(f"a damaged record ({exc.__class__.__name__})") from None


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _optional(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected a string or null")
    return value


def _aware(text: Any) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment


@cache
def record_format() -> str:
    """What a record `ProjectRecord.dump` wrote depends on: this module's code (its parsers and the dump itself).
    A record of another revision is not read (the document is parsed again)."""
    try:
        code = Path(__file__).read_bytes()
    except OSError:
        from chainwarden import __version__
        code = __version__.encode()
    return hashlib.sha256(code).hexdigest()[:16]


def missing(index_url: str, source: str) -> ProjectRecord:
    return ProjectRecord(exists=False, index_url=index_url, source=source)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def read_json(body: bytes, what: str) -> Any:
    """A JSON document from an index or a service, or `DocumentError` saying what is wrong with it. More than
    `MAX_JSON_VALUES` values (counted by their commas, cheaply, before parsing) is refused: parsed, each small
    value costs 50-150 bytes of memory, so a dense 256 MiB document would need several GB."""
    values = body.count(b",")
    if values > MAX_JSON_VALUES:
        raise DocumentError(f"expected a JSON {what}, got one of about {values} values; at most {MAX_JSON_VALUES} are read")
    try:
        return json.loads(body)
    except RecursionError:
        raise DocumentError(f"expected a JSON {what}, got JSON nested deeper than can be read") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(f"expected a JSON {what}, got unparseable data ({shown(str(exc), 200)})") from None
    except ValueError:  # json reads integers with int(), which refuses more digits than sys.get_int_max_str_digits()
        raise DocumentError(f"expected a JSON {what}, got a number of more than {sys.get_int_max_str_digits()} digits") from None


def _load(body: bytes, what: str) -> dict[str, Any]:
    data = read_json(body, what)
    if not isinstance(data, dict):
        raise DocumentError(f"expected a JSON object for the {what}, got {type(data).__name__}")
    return data


def _pep440_sorted(versions: list[str]) -> list[str]:
    def key(v: str) -> tuple[int, Version | str]:
        pv = _pep440(v)
        return (0, v) if pv is None else (1, pv)

    return sorted(set(versions), key=key)


def _latest_stable(versions: list[str], yanked: dict[str, str]) -> str | None:
    best: Version | None = None
    best_s: str | None = None
    for v in versions:
        if v in yanked:
            continue
        pv = _pep440(v)
        if pv is None:
            continue
        if pv.is_prerelease and best is not None and not best.is_prerelease:
            continue
        if best is None or (not pv.is_prerelease and best.is_prerelease) or pv > best:
            best, best_s = pv, v
    return best_s


_REPO_KEYS = ("source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git", "scm")
_HOME_KEYS = ("homepage", "home")
_REPO_HOSTS = re.compile(r"^https?://([^/]*\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|sr\.ht|git\.[^/]+)/", re.IGNORECASE)
_URL = re.compile(r"^(git\+)?(https?|git|ssh)://", re.IGNORECASE)


def _label(key: object) -> str:
    """A project URL label normalised as PEP 753 says: lower case, no punctuation or whitespace."""
    return re.sub(r"[\s!-/:-@\[-`{-~]", "", str(key)).lower()


def _repository(urls: Any, home: Any) -> str | None:
    """The source repository: a URL labelled as one, else a homepage on a known code host."""
    lowered = {_label(k)[:100]: v.strip() for k, v in urls.items() if isinstance(v, str) and len(v) <= MAX_TEXT} \
        if isinstance(urls, dict) else {}
    for key in _REPO_KEYS:
        if key in lowered and _URL.match(lowered[key]):
            return lowered[key]
    candidates = [lowered[k] for k in _HOME_KEYS if k in lowered] + list(lowered.values())
    if isinstance(home, str) and len(home) <= MAX_TEXT:
        candidates.insert(0, home.strip())
    return next((c for c in candidates if _REPO_HOSTS.match(c)), None)


def _people(*pairs: tuple[Any, Any]) -> tuple[list[str], list[str]]:
    names: dict[str, None] = {}  # ordered sets: a document may list a hundred thousand people
    emails: dict[str, None] = {}
    for name, email in pairs:
        if isinstance(name, str) and name.strip():
            names.setdefault(name.strip())
        if isinstance(email, str) and len(email) <= MAX_TEXT:
            for part in re.split(r"[,;]", email):
                # the first run of characters other than <, > and space with an @ inside it (no backtracking)
                found = next((t for t in re.split(r"[<>\s]+", part) if "@" in t[1:-1]), None)
                if found:
                    emails.setdefault(found)
    return list(names), list(emails)


def parse_pypi_json(body: bytes, index_url: str, source: str = "json-api", resolve: Resolve = _as_is) -> ProjectRecord:
    """A PyPI JSON API project document (``/pypi/<name>/json``)."""
    data = _load(body, "project document")
    info = data.get("info")
    releases = data.get("releases")
    if not isinstance(info, dict) or not isinstance(releases, dict):
        raise DocumentError("expected 'info' and 'releases' objects in the project document")
    _count(releases, "releases")
    rec = ProjectRecord(exists=True, index_url=index_url, source=source, files=ReleaseFiles("pypi"))
    for version, files in releases.items():
        version = _version(version, "releases")
        rec.versions.append(version)
        if not isinstance(files, list) or not files:
            rec.removed.add(version)  # every file deleted: nothing left to install
            continue
        if len(files) > MAX_VERSIONS:
            _count(files, f"files for version {excerpt(version, 40)}")
        first: datetime | None = None
        yanked, reason = True, None
        rows: list[Row] = []
        for f in files:  # the one loop over every file of every release: keep it lean
            if not isinstance(f, dict):
                yanked = False
                continue
            t = _time(f.get("upload_time_iso_8601") or f.get("upload_time"))
            if t is not None and (first is None or t < first):
                first = t
            if not f.get("yanked"):
                yanked = False
            elif reason is None and f.get("yanked_reason"):
                reason = f["yanked_reason"]
            filename, digests = f.get("filename"), f.get("digests") or {}
            if isinstance(filename, str) and isinstance(digests, dict):
                row = _pypi_row(filename, f.get("url"), digests.get("sha256"), f.get("size"), f.get("yanked"), resolve)
                if row is not None:
                    rows.append(row)
        if first is not None:
            rec.release_times[version] = first
        if yanked:
            rec.yanked[version] = str(reason) if reason is not None else ""
        rec.files.add(version, rows)
    rec.versions = _pep440_sorted(rec.versions)
    latest = info.get("version")
    rec.latest_version = latest if isinstance(latest, str) and latest in rec.versions else _latest_stable(rec.versions, rec.yanked)
    raw_ownership = data.get("ownership")
    ownership: dict[str, Any] = raw_ownership if isinstance(raw_ownership, dict) else {}
    roles = ownership.get("roles")
    organization = ownership.get("organization")
    if isinstance(organization, str) and organization:
        rec.organization = organization
    if isinstance(roles, list) and (roles or rec.organization):  # an organization's projects list no roles
        rec.maintainers = [str(r["user"]) for r in roles if isinstance(r, dict) and isinstance(r.get("user"), str)]
        rec.maintainer_source = "ownership"
    _, rec.emails = _people((info.get("author"), info.get("author_email")), (info.get("maintainer"), info.get("maintainer_email")))
    rec.repository_url = _repository(info.get("project_urls") or {}, info.get("home_page"))
    rec.metadata_known = True
    _status(rec, data.get("project-status") or info.get("project_status") or info.get("project-status"))
    classifiers = info.get("classifiers")
    if isinstance(classifiers, list) and "Development Status :: 7 - Inactive" in classifiers:
        rec.deprecated["*"] = "classifier 'Development Status :: 7 - Inactive'"
    rec.license = _pypi_license(info)
    return rec


# Licence classifiers that name exactly one SPDX licence; the others ("BSD License", "Apache Software
# License") do not say which version or variant, so their text is kept as a licence name.
_CLASSIFIER_SPDX = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "ISC License (ISCL)": "ISC",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "zlib/libpng License": "Zlib",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
}


def _pypi_license(info: dict[str, Any]) -> str | None:
    """The declared licence: PEP 639 ``license_expression``, else a one-line ``license`` field (many carry the
    whole licence text, which is not an identifier), else the licence classifiers."""
    expression = info.get("license_expression")
    if isinstance(expression, str) and expression.strip():
        return expression.strip()
    text = info.get("license")
    text = text.strip() if isinstance(text, str) else ""
    if text and "\n" not in text and len(text) <= 100 and text.upper() not in ("UNKNOWN", "NONE", "OTHER"):
        return text
    classifiers = info.get("classifiers")
    if not isinstance(classifiers, list):
        return None
    names = [c.rsplit(" :: ", 1)[-1] for c in classifiers if isinstance(c, str) and c.startswith("License :: ")]
    names = [n for n in names if n not in ("OSI Approved", "Other/Proprietary License")] or names
    if not names:
        return None
    mapped = [_CLASSIFIER_SPDX.get(n) for n in names]
    if all(mapped):
        return " OR ".join(dict.fromkeys(m for m in mapped if m))
    return " / ".join(names)


def _status(rec: ProjectRecord, value: Any) -> None:
    """PEP 792 project status (``{"status": ..., "reason": ...}``); "active" is no status."""
    status = value.get("status") if isinstance(value, dict) else value
    if isinstance(status, str) and status and status != "active":
        rec.project_status = status
        reason = value.get("reason") if isinstance(value, dict) else None
        rec.project_status_reason = reason if isinstance(reason, str) and reason else None


def version_of_file(filename: str) -> str | None:
    """The version in a wheel or sdist file name (PEP 427 / PEP 625, with the older sdist spellings), or None."""
    if len(filename) > MAX_TEXT:
        return None
    try:
        if filename.endswith(".whl"):
            version = str(parse_wheel_filename(filename)[1])
        else:
            version = str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion, ValueError):
        m = re.match(r"^.+?-(\d[^-]*?)(?:\.tar\.gz|\.zip|\.tar\.bz2|\.egg|-)", filename)
        version = m.group(1) if m else ""
    return version if version and len(version) <= MAX_VERSION_LENGTH else None


def parse_simple_json(body: bytes, index_url: str, resolve: Resolve = _as_is) -> ProjectRecord:
    """A PEP 691 JSON project page (with PEP 700 ``versions`` and ``upload-time`` when the index sends them)."""
    data = _load(body, "PEP 691 project page")
    files = data.get("files")
    if not isinstance(files, list):
        raise DocumentError("expected a 'files' list in the PEP 691 project page")
    _count(files, "files")
    rec = ProjectRecord(exists=True, index_url=index_url, source="simple-json", files=ReleaseFiles("pypi"))
    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str):
            continue
        v = version_of_file(f["filename"])
        if v:
            by_version.setdefault(v, []).append(f)
    declared = data.get("versions")
    if isinstance(declared, list):
        _count(declared, "versions")
    versions = [_version(v, "versions") for v in declared] if isinstance(declared, list) else list(by_version)
    for v, fs in by_version.items():
        times = [t for f in fs for t in [_time(f.get("upload-time"))] if t]
        if times:
            rec.release_times[v] = min(times)
        if all(f.get("yanked") for f in fs):
            reason = next((f["yanked"] for f in fs if isinstance(f.get("yanked"), str)), "")
            rec.yanked[v] = reason
        rows = [_pypi_row(f["filename"], f.get("url"), (f.get("hashes") or {}).get("sha256")
                          if isinstance(f.get("hashes"), dict) else None, f.get("size"), f.get("yanked"), resolve)
                for f in fs]
        rec.files.add(v, [r for r in rows if r is not None])
    rec.versions = _pep440_sorted(versions + list(by_version))
    rec.latest_version = _latest_stable(rec.versions, rec.yanked)
    _status(rec, data.get("project-status"))
    return rec


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[tuple[str, dict[str, str | None]]] = []
        self.meta: dict[str, str] = {}
        self._attrs: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = dict(attrs)
            if a.get("name") and a.get("content") is not None:
                self.meta[str(a["name"])] = str(a["content"])
        if tag == "a":
            self._attrs = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._attrs is not None:
            href = self._attrs.get("href") or ""
            name = "".join(self._text).strip() or href.split("#")[0].rsplit("/", 1)[-1]
            self.files.append((name, self._attrs))
            self._attrs = None


def simple_html_links(body: bytes) -> tuple[list[tuple[str, dict[str, str | None]]], dict[str, str]]:
    """A PEP 503 HTML page's links (the file name, and the anchor's attributes as given) and its ``<meta>`` values;
    read for at most `MAX_HTML_SECONDS`, at most `MAX_VERSIONS` links, else `DocumentError`."""
    parser = _Anchors()
    text = body.decode("utf-8", errors="replace")
    started = time.monotonic()
    try:
        for at in range(0, len(text), _HTML_STEP):
            parser.feed(text[at:at + _HTML_STEP])
            if time.monotonic() - started > MAX_HTML_SECONDS:
                raise DocumentError(f"the PEP 503 HTML page was still being read after {MAX_HTML_SECONDS:g} s "
                                    f"({at + _HTML_STEP} of {len(text)} characters); it is not read further")
            _count(parser.files, "links")
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(f"expected a PEP 503 HTML page: {shown(str(exc), 200)}") from exc
    return parser.files, parser.meta


def parse_simple_html(body: bytes, index_url: str, resolve: Resolve = _as_is) -> ProjectRecord:
    """A PEP 503 HTML project page: versions from file names, yanked from ``data-yanked``; no dates."""
    links, meta = simple_html_links(body)
    rec = ProjectRecord(exists=True, index_url=index_url, source="simple-html", files=ReleaseFiles("pypi"))
    by_version: dict[str, list[dict[str, str | None]]] = {}
    for filename, attrs in links:
        v = version_of_file(filename)
        if v:
            by_version.setdefault(v, []).append(attrs)
            row = _pypi_row(filename, attrs.get("href"), None, None, "data-yanked" in attrs, resolve)
            if row is not None:
                rec.files.append(v, row)
    for v, fs in by_version.items():
        if all("data-yanked" in a for a in fs):
            rec.yanked[v] = next((a["data-yanked"] or "" for a in fs if a.get("data-yanked")), "")
    rec.versions = _pep440_sorted(list(by_version))
    rec.latest_version = _latest_stable(rec.versions, rec.yanked)
    if "pypi:project-status" in meta:
        _status(rec, {"status": meta["pypi:project-status"], "reason": meta.get("pypi:project-status-reason")})
    return rec


_INSTALL_HOOKS = ("preinstall", "install", "postinstall")  # what npm runs when the package is installed


def parse_npm_packument(body: bytes, index_url: str, source: str = "npm", resolve: Resolve = _as_is) -> ProjectRecord:
    """An npm registry package document (the full packument)."""
    data = _load(body, "npm package document")
    versions = data.get("versions")
    if not isinstance(versions, dict):
        if isinstance(data.get("time"), dict) and "unpublished" in data["time"]:
            rec = ProjectRecord(exists=True, index_url=index_url, source=source)
            rec.deprecated["*"] = "every version was unpublished"
            return rec
        raise DocumentError("expected a 'versions' object in the npm package document")
    _count(versions, "versions")
    rec = ProjectRecord(exists=True, index_url=index_url, source=source, files=ReleaseFiles("npm"))
    rec.versions = [_version(v, "versions", npm=True) for v in versions]
    raw_times = data.get("time")
    times: dict[str, Any] = raw_times if isinstance(raw_times, dict) else {}
    listed = set(rec.versions)
    rec.unpublished = {v for v in list(times)[:MAX_VERSIONS] if v not in ("created", "modified") and v not in listed
                       and isinstance(v, str) and len(v) <= MAX_VERSION_LENGTH}
    for v in rec.versions:
        t = _time(times.get(v))
        if t:
            rec.release_times[v] = t
        doc = versions.get(v)
        if not isinstance(doc, dict):
            continue
        if isinstance(doc.get("deprecated"), str) and doc["deprecated"]:
            rec.deprecated[v] = doc["deprecated"]
        declared = doc.get("license")
        declared = declared.get("type") if isinstance(declared, dict) else declared
        if isinstance(declared, str) and declared.strip():
            rec.version_licenses[v] = declared.strip()
        scripts = doc.get("scripts")
        hooks = tuple(k for k in _INSTALL_HOOKS if isinstance(scripts, dict) and isinstance(scripts.get(k), str))
        if hooks or doc.get("hasInstallScript") is True:
            rec.install_scripts[v] = hooks or ("install",)
        user = doc.get("_npmUser")
        if isinstance(user, dict) and isinstance(user.get("name"), str):
            rec.publishers[v] = user["name"]
        people = doc.get("maintainers")
        if isinstance(people, list):
            rec.version_maintainers[v] = _people(*[(p.get("name"), None) for p in people if isinstance(p, dict)])[0]
        vrepo = doc.get("repository")
        vrepo = vrepo.get("url") if isinstance(vrepo, dict) else vrepo
        if isinstance(vrepo, str) and vrepo:
            rec.version_repository[v] = re.sub(r"^git\+", "", vrepo)
        dist = doc.get("dist")
        if isinstance(dist, dict) and isinstance(dist.get("tarball"), str) and dist["tarball"]:
            integrity, shasum = dist.get("integrity"), dist.get("shasum")
            rec.files.add(v, [[dist["tarball"].rsplit("/", 1)[-1], resolve(dist["tarball"]),
                               integrity if isinstance(integrity, str) and integrity else None,
                               shasum.lower() if isinstance(shasum, str) and _SHA1.fullmatch(shasum) else None]])
    tags = data.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    rec.latest_version = _version(latest, "dist-tags.latest") if isinstance(latest, str) \
        else (rec.versions[-1] if rec.versions else None)
    people = data.get("maintainers")
    if isinstance(people, list):
        names, emails = _people(*[(p.get("name"), p.get("email")) for p in people if isinstance(p, dict)])
        rec.maintainers, rec.emails = names, emails
        rec.maintainer_source = "maintainers"
    rec.metadata_known = True
    top = data.get("license")
    top = top.get("type") if isinstance(top, dict) else top
    rec.license = top.strip() if isinstance(top, str) and top.strip() else rec.version_licenses.get(rec.latest_version or "")
    latest_doc = versions.get(rec.latest_version or "")
    repo = data.get("repository") or (latest_doc.get("repository") if isinstance(latest_doc, dict) else None)
    directory = repo.get("directory") if isinstance(repo, dict) else None
    if isinstance(repo, dict):
        repo = repo.get("url")
    if isinstance(repo, str) and repo:
        rec.repository_url = re.sub(r"^git\+", "", repo)
        if isinstance(directory, str) and directory.strip("/"):  # a monorepo: the package's folder in it
            rec.repository_url = re.sub(r"\.git$", "", rec.repository_url) + "/tree/HEAD/" + directory.strip("/")
    return rec
