"""Download a release's files from the index, check them against the digests the index and the
lockfile give, and keep them in a content-addressed store.

- `choose(refs)`: which of a release's files are read: the sdist (what ``pip install`` builds
  when no wheel fits, and where ``setup.py`` lives) and one wheel (pure first, then a Linux
  x86-64 one), or the npm tarball. Platform wheels of one release carry the same Python code.
- `ArtifactStore`: ``<cache>/artifacts/sha256/<2 hex>/<64 hex>``; a file is stored under the
  sha256 of its bytes, written to a temporary name and renamed, and re-hashed when read back,
  so a damaged or altered cache entry is never analyzed as the release. When the folder cannot
  be written (read-only, a file in the way, a full disk), downloads go to a private temporary
  folder instead, removed by `close()`, and `notes` says so once; `ArtifactStore(None)` is
  such a private store from the start (``--no-cache``).
- `fetch(ref, store, fetcher)`: the stored copy when the index's sha256 (or npm integrity) is
  already there, else a streamed download (``file://`` URLs are read from disk), hashed with
  sha256, sha512 and sha1 on the way, and compared with every digest given. A mismatch is an
  `ArtifactError` and nothing is stored; a file with no digest to check is fetched and marked
  unverified.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chainwarden.enrich.http import Fetcher, FetchError
from chainwarden.model import ArtifactRef

MAX_ARTIFACT_BYTES = 1024**3  # one archive; the unpacker has its own limits on what comes out
_CHUNK = 1 << 16
_WHEEL_PREFERENCE = ("-none-any.whl", "manylinux", "musllinux", "linux", "")


class ArtifactError(Exception):
    """A file could not be fetched or did not match its digest: `reason` is for the user."""

    def __init__(self, ref: ArtifactRef, reason: str) -> None:
        super().__init__(f"{ref.filename}: {reason}")
        self.ref = ref
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    ref: ArtifactRef
    path: Path  # the stored copy (content-addressed; never modify it)
    sha256: str
    verified: str  # what the bytes were checked against ("sha256 from the index", ...); "" when nothing was given
    from_cache: bool


def choose(refs: Sequence[ArtifactRef]) -> list[ArtifactRef]:
    """The files of a release that are read (module docstring)."""
    tarballs = [r for r in refs if r.kind == "npm-tarball"]
    if tarballs:
        return tarballs[:1]
    sdists = sorted((r for r in refs if r.kind == "sdist"), key=lambda r: (not r.filename.endswith(".tar.gz"), r.filename))
    wheels = [r for r in refs if r.kind == "wheel"]
    chosen = sdists[:1]
    for marker in _WHEEL_PREFERENCE:
        match = sorted((w for w in wheels if marker in w.filename and ("x86_64" in w.filename or marker in ("-none-any.whl", ""))),
                       key=lambda w: w.filename)
        if match:
            chosen.append(match[0])
            break
    return chosen


def expected_digests(ref: ArtifactRef, lock_hashes: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """(algorithm, hex digest, where it comes from) for every digest the index and the lockfile give."""
    out: list[tuple[str, str, str]] = []
    if ref.sha256:
        out.append(("sha256", ref.sha256.lower(), "sha256 from the index"))
    if ref.integrity:
        out += [(a, h, f"{a} integrity from the index") for a, h in _sri(ref.integrity)]
    if ref.shasum and not ref.integrity:
        out.append(("sha1", ref.shasum.lower(), "sha1 shasum from the index"))
    for h in lock_hashes:
        algo, _, value = h.partition(":")
        if value and algo in ("sha256", "sha384", "sha512") and re.fullmatch(r"[0-9a-fA-F]+", value):
            out.append((algo, value.lower(), f"the lockfile's {algo}"))
        else:
            out += [(a, v, f"the lockfile's {a} integrity") for a, v in _sri(h)]
    return out


def _sri(text: str) -> list[tuple[str, str]]:
    """Subresource Integrity ("sha512-<base64> sha1-<base64>") -> [(algorithm, hex)]."""
    out = []
    for token in text.split():
        algo, _, b64 = token.partition("-")
        if algo in ("sha1", "sha256", "sha384", "sha512") and b64:
            try:
                out.append((algo, base64.b64decode(b64.split("?")[0], validate=True).hex()))
            except ValueError:  # binascii.Error is one
                continue
    return out


class _WriteFailed(Exception):
    """The store's folder could not take a download (read-only, full): the caller falls back."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc.strerror or str(exc))
        self.why = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")


class ArtifactStore:
    """Content-addressed files under ``<directory>/sha256/``; a second index by sha512 for npm."""

    def __init__(self, directory: Path | None) -> None:
        self.home = directory  # the cache folder (None: none)
        self._dir = directory  # where downloads go now (None: a private folder, made when first needed)
        self._tmp: Path | None = None
        self._fell_back = directory is None  # a private folder has nowhere else to go
        self.notes: list[str] = []  # each problem once, for the caller to report

    @property
    def directory(self) -> Path:
        """Where downloads go: the cache folder, or the private temporary one (made now; OSError when it cannot be)."""
        if self._dir is None:
            try:
                base = tempfile.gettempdir()
            except OSError:  # it needs to write a test file: on a full disk there is no "usable" one
                base = os.environ.get("TMPDIR") or "/tmp"
            self._dir = self._tmp = Path(tempfile.mkdtemp(prefix="chainwarden-artifacts-", dir=base))
        return self._dir

    def fall_back(self, why: str) -> bool:
        """Write to a private temporary folder from now on; False when that is where writes failed already."""
        if self._fell_back:
            return False
        self._fell_back = True
        self.notes.append(f"the artifact cache {self.home} cannot be written ({why}): downloads go to a "
                          "temporary folder, removed at the end of the run")
        self._dir = None
        return True

    def close(self) -> None:
        """Remove the private temporary folder, if one was used."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _path(self, sha256: str) -> Path:
        return self.directory / "sha256" / sha256[:2] / sha256

    def _alias(self, algo: str, digest: str) -> Path:
        return self.directory / algo / digest[:2] / digest

    def known_sha256(self, expected: list[tuple[str, str, str]]) -> str | None:
        """The sha256 of a file stored before under one of these digests (from the alias index), unchecked."""
        sha = next((digest for algo, digest, _ in expected if algo == "sha256"), None)
        if sha is not None:
            return sha
        for folder in dict.fromkeys(d for d in (self._dir, self.home) if d is not None):
            for algo, digest, _ in expected:
                try:
                    return (folder / algo / digest[:2] / digest).read_text(encoding="ascii").strip() or None
                except (OSError, UnicodeDecodeError):
                    continue
        return None

    def find(self, expected: list[tuple[str, str, str]]) -> tuple[Path, str] | None:
        """The stored copy of a file with these digests, re-hashed; None when absent or damaged. After a fall
        back, the cache folder is still read."""
        for folder in dict.fromkeys(d for d in (self._dir, self.home) if d is not None):
            for algo, digest, _ in expected:
                if algo == "sha256":
                    sha = digest
                else:
                    try:
                        sha = (folder / algo / digest[:2] / digest).read_text(encoding="ascii").strip()
                    except (OSError, UnicodeDecodeError):
                        continue
                if not re.fullmatch(r"[0-9a-f]{64}", sha):
                    continue
                path = folder / "sha256" / sha[:2] / sha
                try:
                    if path.is_file() and _digests(path)["sha256"] == sha:
                        return path, sha
                except OSError:
                    continue
        return None

    def put(self, tmp: Path, digests: dict[str, str]) -> Path:
        final = self._path(digests["sha256"])
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        for algo in ("sha512", "sha1"):
            alias = self._alias(algo, digests[algo])
            alias.parent.mkdir(parents=True, exist_ok=True)
            alias.write_text(digests["sha256"], encoding="ascii")
        return final


def _digests(path: Path) -> dict[str, str]:
    hashes = {"sha256": hashlib.sha256(), "sha512": hashlib.sha512(), "sha1": hashlib.sha1(usedforsecurity=False)}
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            for h in hashes.values():
                h.update(chunk)
    return {k: h.hexdigest() for k, h in hashes.items()}


async def fetch(ref: ArtifactRef, store: ArtifactStore, fetcher: Fetcher | None,
                lock_hashes: Iterable[str] = (), *, max_bytes: int = MAX_ARTIFACT_BYTES) -> Fetched:
    """The file behind `ref`, checked against every digest given (module docstring)."""
    expected = expected_digests(ref, lock_hashes)
    found = store.find(expected)
    if found is not None:
        path, sha = found
        digests = _digests(path) if any(a != "sha256" for a, _, _ in expected) else {"sha256": sha}
        _check(ref, expected, digests)
        return Fetched(ref, path, sha, _verified(expected), True)
    while True:
        try:
            return await _download_into(ref, store, fetcher, expected, max_bytes)
        except _WriteFailed as exc:
            if not store.fall_back(exc.why):
                raise ArtifactError(ref, f"could not save the download: {exc.why}") from None


async def _download_into(ref: ArtifactRef, store: ArtifactStore, fetcher: Fetcher | None,
                         expected: list[tuple[str, str, str]], max_bytes: int) -> Fetched:
    """Download into `store.directory`, check, store; `_WriteFailed` when the folder cannot take it."""
    try:
        store.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".download-", dir=store.directory)
    except OSError as exc:
        raise _WriteFailed(exc) from None
    tmp = Path(tmp_name)
    try:
        hashes = {"sha256": hashlib.sha256(), "sha512": hashlib.sha512(), "sha1": hashlib.sha1(usedforsecurity=False)}

        def write(chunk: bytes) -> None:
            view = memoryview(chunk)
            try:
                while view:  # unbuffered: a full disk shows here, not later in a close()
                    view = view[os.write(fd, view):]
            except OSError as exc:
                raise _WriteFailed(exc) from None
            for h in hashes.values():
                h.update(chunk)

        try:
            scheme = urlsplit(ref.url).scheme
            if scheme == "file":
                _read_local(ref, write, max_bytes)
            elif scheme in ("http", "https"):
                if fetcher is None:
                    raise ArtifactError(ref, "no index to download it from (a registry snapshot holds no such file)")
                try:
                    await fetcher.download(ref.url, write, max_bytes)
                except FetchError as exc:
                    raise ArtifactError(ref, f"could not download {exc.url}: {exc.reason}") from exc
            else:
                raise ArtifactError(ref, f"cannot download from {ref.url!r} (not an http, https or file URL)")
        finally:
            os.close(fd)
        digests = {k: h.hexdigest() for k, h in hashes.items()}
        _check(ref, expected, digests)
        try:
            path = store.put(tmp, digests)
        except OSError as exc:
            raise _WriteFailed(exc) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return Fetched(ref, path, digests["sha256"], _verified(expected), False)


def _read_local(ref: ArtifactRef, write: Callable[[bytes], None], max_bytes: int) -> None:
    path = Path(unquote(urlsplit(ref.url).path))
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a device or a FIFO named by a document: never read
            raise ArtifactError(ref, f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise ArtifactError(ref, f"larger than the {max_bytes} bytes allowed for one artifact")
        total = 0
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:  # it grew while being read
                    raise ArtifactError(ref, f"larger than the {max_bytes} bytes allowed for one artifact")
                write(chunk)
    except OSError as exc:
        raise ArtifactError(ref, f"could not read {path}: {exc.strerror}") from exc


def _check(ref: ArtifactRef, expected: list[tuple[str, str, str]], digests: dict[str, str]) -> None:
    for algo, want, where in expected:
        have = digests.get(algo)
        if have is None and algo == "sha384":
            continue  # not computed: sha384 is not used by any index we read; the other digests still apply
        if have is not None and have != want:
            raise ArtifactError(ref, f"digest mismatch: {where} is {algo}:{want}, the file has {algo}:{have}; "
                                     "it was not analyzed or stored")


def _verified(expected: list[tuple[str, str, str]]) -> str:
    return ", ".join(dict.fromkeys(where for algo, _, where in expected if algo != "sha384"))
