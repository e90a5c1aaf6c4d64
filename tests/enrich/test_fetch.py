"""Fetching a release's files (enrich.artifacts.fetch): over HTTP from the test registry, every digest the index
and the lockfile give is checked, a mismatch stores and analyzes nothing, the store is content-addressed and
re-hashed on read, and the index's file URLs (relative ones too) are what is fetched."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from chainwarden.enrich.artifacts.fetch import (
    ArtifactError,
    ArtifactStore,
    Fetched,
    choose,
    expected_digests,
    fetch,
)
from chainwarden.enrich.http import Fetcher
from chainwarden.enrich.registry import NpmRegistry, PyPIIndex, Snapshot
from chainwarden.model import ArtifactRef
from tests.registry.builder import npm_package, pypi_project
from tests.registry.server import RegistryServer

DATA = Path(__file__).resolve().parents[1] / "registry" / "data"


def run_fetch(ref: ArtifactRef, store: ArtifactStore, lock: tuple[str, ...] = (), *, offline: bool = False) -> Fetched:
    async def go() -> Fetched:
        async with Fetcher(None, offline=offline, retries=0) as fetcher:
            return await fetch(ref, store, fetcher, lock)
    return asyncio.run(go())


def lookup(backend_factory, name: str):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(None) as fetcher:
            return await backend_factory(fetcher).lookup(name)
    return asyncio.run(go())


def test_the_index_lists_each_versions_files_with_absolute_urls_and_digests(registry: RegistryServer) -> None:
    record = lookup(lambda f: PyPIIndex(f, registry.pypi_index_url), "py-formatter-util")
    new = record.files["1.2.2"]
    assert [r.filename for r in new] == ["py_formatter_util-1.2.2.tar.gz"]
    assert new[0].url == f"{registry.url}/files/py_formatter_util-1.2.2.tar.gz"
    assert new[0].sha256 == hashlib.sha256((DATA / "files" / new[0].filename).read_bytes()).hexdigest()
    facts = record.facts_for("1.2.2")
    assert facts.previous_version == "1.2.1" and len(facts.previous_artifacts) == 2


@pytest.mark.parametrize("api", ["json", "pep691", "pep503"])
def test_every_index_api_gives_the_same_files(registry_hooks: RegistryServer, api: str) -> None:
    if api != "json":
        registry_hooks.hide("/pypi/")
    if api == "pep503":
        registry_hooks.html_only()
    record = lookup(lambda f: PyPIIndex(f, registry_hooks.pypi_index_url), "py-formatter-util")
    ref = record.files["1.2.1"][0]
    assert ref.url.startswith(registry_hooks.url + "/files/") and ref.sha256 and len(ref.sha256) == 64


def test_npm_tarballs_carry_their_integrity(registry: RegistryServer, tmp_path: Path) -> None:
    record = lookup(lambda f: NpmRegistry(f, registry.npm_registry_url), "acme-ui-kit")
    (ref,) = record.files["99.0.0"]
    assert ref.kind == "npm-tarball" and ref.integrity and ref.integrity.startswith("sha512-")
    got = run_fetch(ref, ArtifactStore(tmp_path / "store"))
    assert got.verified == "sha512 integrity from the index"


def test_a_download_is_checked_and_stored_by_its_sha256_then_reused(registry_hooks: RegistryServer, tmp_path: Path) -> None:
    record = lookup(lambda f: PyPIIndex(f, registry_hooks.pypi_index_url), "py-formatter-util")
    ref = record.files["1.2.2"][0]
    store = ArtifactStore(tmp_path / "store")
    registry_hooks.reset()
    first = run_fetch(ref, store)
    assert not first.from_cache and first.sha256 == ref.sha256 and first.verified == "sha256 from the index"
    assert first.path == tmp_path / "store" / "sha256" / ref.sha256[:2] / ref.sha256  # type: ignore[index]
    again = run_fetch(ref, store, offline=True)  # offline: the stored copy is enough
    assert again.from_cache and len(registry_hooks.requests_to("/files/")) == 1


def test_a_damaged_stored_copy_is_fetched_again(registry: RegistryServer, tmp_path: Path) -> None:
    record = lookup(lambda f: PyPIIndex(f, registry.pypi_index_url), "py-formatter-util")
    ref = record.files["1.2.2"][0]
    store = ArtifactStore(tmp_path / "store")
    first = run_fetch(ref, store)
    first.path.write_bytes(b"tampered")
    second = run_fetch(ref, store)
    assert not second.from_cache and hashlib.sha256(second.path.read_bytes()).hexdigest() == ref.sha256


def test_a_digest_mismatch_is_an_error_and_nothing_is_stored(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    src = DATA / "files" / "py_formatter_util-1.2.1.tar.gz"
    (tmp_registry.root / "files").mkdir(parents=True)
    served = tmp_registry.root / "files" / src.name
    shutil.copy(src, served)
    pypi_project(tmp_registry.root, "py-formatter-util", {"1.2.1": datetime(2022, 10, 1)}, files={"1.2.1": [served]})
    served.write_bytes(served.read_bytes() + b"\0")  # the index now serves other bytes than it lists
    record = lookup(lambda f: PyPIIndex(f, tmp_registry.pypi_index_url), "py-formatter-util")
    store = ArtifactStore(tmp_path / "store")
    with pytest.raises(ArtifactError, match="digest mismatch: sha256 from the index"):
        run_fetch(record.files["1.2.1"][0], store)
    assert not list((tmp_path / "store").rglob("sha256/*/*"))


def test_the_lockfiles_hash_is_checked_too(registry: RegistryServer, tmp_path: Path) -> None:
    record = lookup(lambda f: PyPIIndex(f, registry.pypi_index_url), "py-formatter-util")
    ref = record.files["1.2.2"][0]
    store = ArtifactStore(tmp_path / "store")
    got = run_fetch(ref, store, (f"sha256:{ref.sha256}",))
    assert got.verified == "sha256 from the index, the lockfile's sha256"
    with pytest.raises(ArtifactError, match="the lockfile's sha256"):
        run_fetch(ref, ArtifactStore(tmp_path / "other"), ("sha256:" + "0" * 64,))


def test_npm_integrity_mismatch_is_caught(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    tgz = DATA / "files" / "acme-ui-kit-99.0.0.tgz"
    (tmp_registry.root / "files").mkdir(parents=True)
    shutil.copy(tgz, tmp_registry.root / "files" / tgz.name)
    npm_package(tmp_registry.root, "acme-ui-kit", {"99.0.0": datetime(2026, 11, 16)},
                tarballs={"99.0.0": tmp_registry.root / "files" / tgz.name})
    record = lookup(lambda f: NpmRegistry(f, tmp_registry.npm_registry_url), "acme-ui-kit")
    ref = record.files["99.0.0"][0]
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    bad = ArtifactRef(ref.filename, ref.url, ref.kind, integrity=wrong)
    with pytest.raises(ArtifactError, match="sha512 integrity from the index"):
        run_fetch(bad, ArtifactStore(tmp_path / "store"))


def test_a_file_with_no_digest_is_fetched_and_marked_unverified(registry: RegistryServer, tmp_path: Path) -> None:
    url = f"{registry.url}/files/py_formatter_util-1.2.1.tar.gz"
    got = run_fetch(ArtifactRef("py_formatter_util-1.2.1.tar.gz", url, "sdist"), ArtifactStore(tmp_path / "store"))
    assert got.verified == ""


def test_http_errors_and_oversize_files_are_errors_not_crashes(registry: RegistryServer, tmp_path: Path) -> None:
    missing = ArtifactRef("nope-1.0.tar.gz", f"{registry.url}/files/nope-1.0.tar.gz", "sdist", "0" * 64)
    with pytest.raises(ArtifactError, match="HTTP 404"):
        run_fetch(missing, ArtifactStore(tmp_path / "store"))

    async def tiny() -> None:
        async with Fetcher(None, retries=0) as fetcher:
            ref = ArtifactRef("x.tar.gz", f"{registry.url}/files/py_formatter_util-1.2.2.tar.gz", "sdist")
            await fetch(ref, ArtifactStore(tmp_path / "s2"), fetcher, max_bytes=100)
    with pytest.raises(ArtifactError, match="larger than the 100 bytes"):
        asyncio.run(tiny())


def test_a_snapshot_serves_its_own_files_from_disk(tmp_path: Path) -> None:
    record = asyncio.run(Snapshot(DATA, "pypi").lookup("py-formatter-util"))
    ref = record.files["1.2.2"][0]
    assert ref.url == (DATA / "files" / ref.filename).resolve().as_uri()

    async def go() -> Fetched:
        return await fetch(ref, ArtifactStore(tmp_path / "store"), None)
    assert asyncio.run(go()).verified == "sha256 from the index"


def test_choose_reads_the_sdist_and_one_wheel_preferring_a_pure_one() -> None:
    def r(name: str) -> ArtifactRef:
        return ArtifactRef(name, "file:///x/" + name, "wheel" if name.endswith(".whl") else "sdist")
    refs = [r("p-1.0-cp311-cp311-win_amd64.whl"), r("p-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), r("p-1.0.zip"),
            r("p-1.0.tar.gz")]
    assert [x.filename for x in choose(refs)] == ["p-1.0.tar.gz", "p-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]
    assert [x.filename for x in choose([*refs, r("p-1.0-py3-none-any.whl")])][1] == "p-1.0-py3-none-any.whl"


def test_expected_digests_reads_sri_and_lockfile_forms() -> None:
    digest = hashlib.sha512(b"x").digest()
    ref = ArtifactRef("a.tgz", "file:///a.tgz", "npm-tarball", integrity="sha512-" + base64.b64encode(digest).decode())
    got = expected_digests(ref, ["sha256:" + "a" * 64, "sha512-" + base64.b64encode(digest).decode(), "md5:zz"])
    assert [(a, w) for a, _, w in got] == [("sha512", "sha512 integrity from the index"), ("sha256", "the lockfile's sha256"),
                                           ("sha512", "the lockfile's sha512 integrity")]
