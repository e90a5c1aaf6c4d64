"""Download a release's files from the index, check them against the digests the index and the
lockfile give, and keep them in a content-addressed store.

- `choose(refs)`: which of a release's files are read: the sdist (what ``pip install`` builds
  when no wheel fits, and where ``setup.py`` lives) and one wheel (pure first, then a Linux
  x86-64 one), or the npm tarball. Platform wheels of one release carry the same Python code.
- `ArtifactStore`: ``<cache>/artifacts/sha256/<2 hex>/<64 hex>``; a file is stored under the
  sha256 of its bytes, written to a temporary name and renamed, and re-hashed when read back,
  so a damaged or altered cache entry is never analyzed as the release.
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


class ArtifactStore:
    """Content-addressed files under ``<directory>/sha256/``; a second index by sha512 for npm."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, sha256: str) -> Path:
        return self.directory / "sha256" / sha256[:2] / sha256

    def _alias(self, algo: str, digest: str) -> Path:
        return self.directory / algo / digest[:2] / digest

    def known_sha256(self, expected: list[tuple[str, str, str]]) -> str | None:
        """The sha256 of a file stored before under one of these digests (from the alias index), unchecked."""
        for algo, digest, _ in expected:
            if algo == "sha256":
                return digest
            try:
                return self._alias(algo, digest).read_text(encoding="ascii").strip() or None
            except OSError:
                continue
        return None

    def find(self, expected: list[tuple[str, str, str]]) -> tuple[Path, str] | None:
        """The stored copy of a file with these digests, re-hashed; None when absent or damaged."""
        for algo, digest, _ in expected:
            if algo == "sha256":
                sha = digest
            else:
                alias = self._alias(algo, digest)
                try:
                    sha = alias.read_text(encoding="ascii").strip()
                except OSError:
                    continue
            path = self._path(sha)
            if path.is_file() and _digests(path)["sha256"] == sha:
                return path, sha
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
    store.directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", dir=store.directory)
    tmp = Path(tmp_name)
    try:
        hashes = {"sha256": hashlib.sha256(), "sha512": hashlib.sha512(), "sha1": hashlib.sha1(usedforsecurity=False)}
        with os.fdopen(fd, "wb") as out:
            def write(chunk: bytes) -> None:
                out.write(chunk)
                for h in hashes.values():
                    h.update(chunk)

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
        digests = {k: h.hexdigest() for k, h in hashes.items()}
        _check(ref, expected, digests)
        path = store.put(tmp, digests)
    finally:
        tmp.unlink(missing_ok=True)
    return Fetched(ref, path, digests["sha256"], _verified(expected), False)


def _read_local(ref: ArtifactRef, write: Callable[[bytes], None], max_bytes: int) -> None:
    path = Path(unquote(urlsplit(ref.url).path))
    try:
        if path.stat().st_size > max_bytes:
            raise ArtifactError(ref, f"larger than the {max_bytes} bytes allowed for one artifact")
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
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
