"""Uploads of internal packages: the legacy upload API, exactly as twine sends it.

``POST`` of ``multipart/form-data`` with ``:action=file_upload``, ``protocol_version=1``, ``name``,
``version``, ``filetype``, the digests (``sha256_digest``, ``md5_digest``, ``blake2_256_digest``), the
metadata fields and the file as ``content``; HTTP basic auth whose password is a token with the
``upload`` scope (twine's ``__token__`` user name, or any). The checks, in order:

1. the name is internal (``[serve] internal``, ``internal-prefixes``, ``[sources] internal-packages``):
   anything else would shadow an upstream name, so it is refused (403);
2. the file is no larger than ``MAX_UPLOAD_BYTES`` and every digest the form gives matches its bytes (400);
3. the file name is a wheel or sdist name of that project and version (400);
4. the metadata inside the archive (``*.dist-info/METADATA``, ``PKG-INFO``), read through the safe
   unpacker, names the same project and version (400);
5. no file of that name exists yet (409: an upload never replaces a file).

The wheel's METADATA is kept as its PEP 658 ``.metadata`` file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from chainwarden._files import FileRefused, read_bytes
from chainwarden.enrich.artifacts import unpack
from chainwarden.enrich.artifacts.workdir import work_dir
from chainwarden.model import excerpt
from chainwarden.serve.audit import AuditEvent
from chainwarden.serve.index import GuardedIndex
from chainwarden.serve.store import InternalFile

MAX_UPLOAD_BYTES = 1024**3
MAX_METADATA = 8 * 1024**2


class UploadRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Form:
    """The upload form's fields (text) and the file, already copied to `path`."""

    fields: dict[str, str]
    filename: str
    path: Path


async def copy_upload(read: Callable[[int], Awaitable[bytes]], folder: Path) -> tuple[Path, dict[str, str], int]:
    """Copy an upload to a file in `folder`, hashing it on the way; (path, digests, size). Past the cap: 413."""
    hashes: dict[str, Any] = {"sha256": hashlib.sha256(), "md5": hashlib.md5(usedforsecurity=False),
                              "blake2_256": hashlib.blake2b(digest_size=32)}
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".upload-", dir=folder)
    size = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := await read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise UploadRefused(413, f"the file is larger than the {MAX_UPLOAD_BYTES} bytes allowed")
            out.write(chunk)
            for h in hashes.values():
                h.update(chunk)
    return Path(name), {k: h.hexdigest() for k, h in hashes.items()}, size


def _metadata(archive: Path, filename: str) -> bytes:
    """The core metadata inside the archive, read through the safe unpacker."""
    with work_dir("upload") as work:
        unpacked = unpack(archive, work / "tree")
        wanted = [f for f in unpacked.files if (f.count("/") == 1 and f.endswith(".dist-info/METADATA")) if filename.endswith(".whl")] \
            or [f for f in unpacked.files if f.count("/") == 1 and f.endswith("/PKG-INFO")]
        if not wanted:
            raise UploadRefused(400, f"{filename}: no {'.dist-info/METADATA' if filename.endswith('.whl') else 'PKG-INFO'} "
                                     "inside the archive")
        try:
            return read_bytes(unpacked.root / wanted[0], limit=MAX_METADATA)
        except FileRefused as exc:
            raise UploadRefused(400, f"{filename}: could not read {wanted[0]}: {exc.reason}") from None


def accept(index: GuardedIndex, form: Form, digests: dict[str, str], size: int, uploader: str) -> InternalFile:
    """Check an upload and keep it (module docstring); `UploadRefused` with the status and reason otherwise."""
    f = form.fields
    if f.get(":action") != "file_upload":
        raise UploadRefused(400, f"expected :action = file_upload, got {excerpt(f.get(':action', ''))}")
    name, version = f.get("name", ""), f.get("version", "")
    if not name or not version:
        raise UploadRefused(400, "expected the form fields name and version")
    project = canonicalize_name(name)
    if not index.is_internal(project):
        raise UploadRefused(403, f"{project} is not an internal name on this index (add it to [serve] internal or "
                                 "internal-prefixes): an upload must never shadow an upstream project")
    for field, algo in (("sha256_digest", "sha256"), ("md5_digest", "md5"), ("blake2_256_digest", "blake2_256")):
        given = f.get(field, "").strip().lower()
        if given and given != digests[algo]:
            raise UploadRefused(400, f"{field} is {excerpt(given, 70)}, the file's {algo} is {digests[algo]}")
    filename = form.filename
    try:
        if filename.endswith(".whl"):
            fname, fversion, _, _ = parse_wheel_filename(filename)
        else:
            fname, fversion = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise UploadRefused(400, f"{excerpt(filename)} is not a wheel or sdist file name: {exc}") from None
    if canonicalize_name(fname) != project or canonicalize_version(fversion) != canonicalize_version(version):
        raise UploadRefused(400, f"{excerpt(filename)} is not a file of {project} {excerpt(version)}")
    raw = _metadata(form.path, filename)
    meta = BytesParser().parsebytes(raw, headersonly=True)
    meta_name, meta_version = str(meta.get("Name", "")), str(meta.get("Version", ""))
    if canonicalize_name(meta_name) != project or canonicalize_version(meta_version) != canonicalize_version(version):
        raise UploadRefused(400, f"the metadata inside {filename} names {excerpt(meta_name)} {excerpt(meta_version)}, "
                                 f"not {project} {excerpt(version)}")
    metadata_sha = None
    if filename.endswith(".whl"):
        with tempfile.NamedTemporaryFile(dir=index.store.blobs().directory, delete=False) as tmp:
            tmp.write(raw)
        metadata_sha = hashlib.sha256(raw).hexdigest()
        index.put_blob(Path(tmp.name), metadata_sha)
        os.unlink(tmp.name)
    index.put_blob(form.path, digests["sha256"])
    requires_python = str(meta.get("Requires-Python") or "") or None
    entry = InternalFile(filename, project, str(fversion), digests["sha256"], size, requires_python, time.time(), uploader,
                         metadata_sha, str(meta.get("Summary") or "")[:500])
    if not index.add_upload(entry):
        raise UploadRefused(409, f"{filename} exists already on this index (an upload never replaces a file)")
    index.store.audit.record(AuditEvent("uploaded", project, entry.version, uploader, (f"sha256 {entry.sha256}",),
                                        file=filename))
    return entry
