"""The advisory store (enrich.advisories): importing OSV records from a folder, an all.zip export, a
single file or a URL, with a clear message for each broken record while the rest imports; the
fixture advisory set (tests/enrich/advisories) matched exactly as the OSV schema says on PyPI and
npm; and the optional querybatch service, answered by the test registry."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chainwarden.enrich.advisories import (
    AdvisoryError,
    AdvisoryStore,
    find_advisories,
    import_source,
)
from chainwarden.model import Ecosystem, PackageId, Severity
from tests.registry.server import RegistryServer

SET = Path(__file__).resolve().parent / "advisories"
PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM

# The fixture set, package by package: which advisory (after merging aliases) affects which version,
# and whether it is malware. Boundaries on both sides of every event kind.
EXPECTED: list[tuple[Ecosystem, str, str, dict[str, bool]]] = [
    # MAL-2026-9001 lists only the hijacked 1.2.2
    (PYPI, "py-formatter-util", "1.2.1", {}),
    (PYPI, "py-formatter-util", "1.2.2", {"MAL-2026-9001": True}),
    # GHSA-cw01 (= PYSEC-2099-1 = CVE-2099-0001): introduced 0, fixed 2.20.0; OSV-2099-0004: introduced 2.26.0, limit 2.28.0;
    # GHSA-cw09 covers every version but is withdrawn
    (PYPI, "requests", "2.0.0", {"GHSA-cw01-fixt-0001": False}),
    (PYPI, "requests", "2.19.99", {"GHSA-cw01-fixt-0001": False}),
    (PYPI, "requests", "2.20.0rc1", {"GHSA-cw01-fixt-0001": False}),
    (PYPI, "requests", "2.20.0", {}),
    (PYPI, "requests", "2.25.1", {}),
    (PYPI, "requests", "2.26.0", {"OSV-2099-0004": False}),
    (PYPI, "requests", "2.27.1", {"OSV-2099-0004": False}),
    (PYPI, "requests", "2.28.0", {}),
    (PYPI, "requests", "2.31.0", {}),
    # GHSA-cw02: [0, 1.26.18) and [2.0.0, 2.0.7)
    (PYPI, "urllib3", "1.26.5", {"GHSA-cw02-fixt-0002": False}),
    (PYPI, "urllib3", "1.26.18", {}),
    (PYPI, "urllib3", "1.26.20", {}),
    (PYPI, "urllib3", "2.0.0", {"GHSA-cw02-fixt-0002": False}),
    (PYPI, "urllib3", "2.0.6", {"GHSA-cw02-fixt-0002": False}),
    (PYPI, "urllib3", "2.0.7", {}),
    # GHSA-cw03: introduced 1.14.0, last_affected 1.16.0
    (PYPI, "six", "1.13.0", {}),
    (PYPI, "six", "1.14.0", {"GHSA-cw03-fixt-0003": False}),
    (PYPI, "six", "1.16.0", {"GHSA-cw03-fixt-0003": False}),
    (PYPI, "six", "1.16.0.post1", {}),
    (PYPI, "six", "1.17.0", {}),
    # MAL-2026-9002: every version (SEMVER introduced 0)
    (NPM, "acme-ui-kit", "1.4.0", {"MAL-2026-9002": True}),
    (NPM, "acme-ui-kit", "99.0.0", {"MAL-2026-9002": True}),
    # GHSA-cw04: CWE-506 malware marker, versions [1.3.0]
    (NPM, "left-pad", "1.2.0", {}),
    (NPM, "left-pad", "1.3.0", {"GHSA-cw04-fixt-0004": True}),
    # GHSA-cw05: SEMVER [0, 2.6.9), [3.0.0, 3.2.7), [4.0.0, 4.3.5)
    (NPM, "debug", "2.6.8", {"GHSA-cw05-fixt-0005": False}),
    (NPM, "debug", "2.6.9", {}),
    (NPM, "debug", "3.2.6", {"GHSA-cw05-fixt-0005": False}),
    (NPM, "debug", "3.2.7", {}),
    (NPM, "debug", "4.3.4", {"GHSA-cw05-fixt-0005": False}),
    (NPM, "debug", "4.3.5-beta.0", {"GHSA-cw05-fixt-0005": False}),
    (NPM, "debug", "4.3.5", {}),
    (NPM, "debug", "4.4.1", {}),
    # GHSA-cw06: introduced 0, last_affected 2.1.2
    (NPM, "ms", "2.1.2", {"GHSA-cw06-fixt-0006": False}),
    (NPM, "ms", "2.1.3", {}),
    # GHSA-cw07: introduced 5.0.0, limit 5.3.0
    (NPM, "chalk", "4.1.2", {}),
    (NPM, "chalk", "5.0.0", {"GHSA-cw07-fixt-0007": False}),
    (NPM, "chalk", "5.3.0-beta.1", {"GHSA-cw07-fixt-0007": False}),
    (NPM, "chalk", "5.3.0", {}),
    # a PyPI record never matches the npm package of the same name, nor the reverse
    (NPM, "requests", "2.0.0", {}),
    (PYPI, "debug", "4.3.4", {}),
]


def all_zip(folder: Path, dest: Path) -> Path:
    """The per-ecosystem all.zip layout: one <id>.json per record at the top of the archive."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            if f.suffix == ".json":
                zf.write(f, f.name)
            elif f.suffix == ".yaml":
                zf.writestr(f.name, f.read_text())
    return dest


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    import_source(cache, str(SET))
    return cache


def _found(cache: Path, eco: Ecosystem, name: str, version: str) -> dict[str, bool]:
    found = find_advisories({PackageId(eco, name, version): version}, cache)
    assert not found.skips, found.skips
    return {a.id: a.malicious for a in found.by_package.get(PackageId(eco, name, version), ())}


@pytest.mark.parametrize(("eco", "name", "version", "expected"), EXPECTED,
                         ids=[f"{e.value}-{n}-{v}" for e, n, v, _ in EXPECTED])
def test_the_fixture_advisory_set_is_matched_exactly_as_the_spec_says(
    loaded: Path, eco: Ecosystem, name: str, version: str, expected: dict[str, bool]
) -> None:
    assert _found(loaded, eco, name, version) == expected


@pytest.mark.parametrize("layout", ["folder", "all.zip", "one file each"])
def test_every_source_layout_gives_the_same_answers(tmp_path: Path, layout: str) -> None:
    cache = tmp_path / "cache"
    if layout == "folder":
        report = import_source(cache, str(SET))
    elif layout == "all.zip":
        report = import_source(cache, str(all_zip(SET, tmp_path / "all.zip")))
    else:
        for f in sorted(SET.iterdir()):
            report = import_source(cache, str(f))
    assert report.errors == []
    got = {(e, n, v): _found(cache, e, n, v) for e, n, v, _ in EXPECTED}
    assert got == {(e, n, v): want for e, n, v, want in EXPECTED}


def test_what_an_import_reports_and_records(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    report = import_source(tmp_path, str(SET), now=moment)
    assert (report.records, report.by_ecosystem, report.malicious, report.withdrawn, report.errors) == (
        11, {"pypi": 6, "npm": 5}, 3, 1, [])
    store = AdvisoryStore(tmp_path)
    try:
        [source] = store.sources()
        assert (source.source, source.kind, source.records, source.imported_at) == (str(SET), "store", 11, moment)
        assert store.counts() == {"npm": (5, 2), "pypi": (6, 1)}
    finally:
        store.close()


def test_aliases_are_merged_into_one_advisory_with_cvss_severity_and_fixes(loaded: Path) -> None:
    pkg = PackageId(PYPI, "requests", "2.18.4")
    [advisory] = find_advisories({pkg: "2.18.4"}, loaded).by_package[pkg]
    assert advisory.id == "GHSA-cw01-fixt-0001" and advisory.aliases == ("CVE-2099-0001", "PYSEC-2099-1")
    assert advisory.severity is Severity.HIGH and "base score 7.5" in advisory.severity_source
    assert advisory.fixed == ("2.20.0",) and advisory.ranges == (">=0 <2.20.0",)
    assert advisory.references[0] == "https://advisories.example.test/GHSA-cw01-fixt-0001"


def test_severity_falls_back_to_the_databases_rating(loaded: Path) -> None:
    pkg = PackageId(PYPI, "six", "1.16.0")
    [advisory] = find_advisories({pkg: "1.16.0"}, loaded).by_package[pkg]
    assert advisory.severity is Severity.MEDIUM and "MODERATE" in advisory.severity_source
    assert advisory.fixed == () and advisory.last_affected == ("1.16.0",)


def test_broken_records_are_named_with_what_was_expected_and_the_rest_imports(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SET, src)
    (src / "truncated.json").write_text('{"id": "GHSA-bad1", "modified": "2026-01-01T00:00:00Z",\n  "affected": [\n')
    (src / "two-kinds.json").write_text(json.dumps({"id": "GHSA-bad2", "modified": "2026-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "requests"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1.0"}]}]}]}))
    (src / "nested").mkdir()
    (src / "nested" / "bad.yaml").write_text("id: PYSEC-bad3\nmodified: [unclosed\n")
    (src / "notes.txt").write_text("not a record: ignored by suffix\n")
    report = import_source(tmp_path / "cache", str(src))
    assert report.records == 11
    assert len(report.errors) == 3, report.errors
    by_file = {name: e for e in report.errors for name in ("truncated.json", "two-kinds.json", "bad.yaml") if name in e}
    assert "expected JSON" in by_file["truncated.json"] and f"{src}/truncated.json:3:" in by_file["truncated.json"]
    assert "two-kinds.json (GHSA-bad2): affected[0].ranges[0].events[0]: expected exactly one of introduced" in by_file["two-kinds.json"]
    assert "nested/bad.yaml" in by_file["bad.yaml"] and "expected YAML" in by_file["bad.yaml"]


def test_nothing_readable_is_an_error_and_the_earlier_data_stays(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    import_source(cache, str(SET))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.json").write_text("[1, 2]")
    with pytest.raises(AdvisoryError, match=r"nothing imported.*x\.json\[0\]: expected an OSV record"):
        import_source(cache, str(bad))
    (bad / "x.json").unlink()
    with pytest.raises(AdvisoryError, match="no OSV records found"):
        import_source(cache, str(bad))
    with pytest.raises(AdvisoryError, match="no such file or folder"):
        import_source(cache, str(tmp_path / "missing"))
    assert _found(cache, PYPI, "py-formatter-util", "1.2.2") == {"MAL-2026-9001": True}


def test_a_new_import_replaces_what_the_same_source_gave(tmp_path: Path) -> None:
    cache, src = tmp_path / "cache", tmp_path / "src"
    shutil.copytree(SET, src)
    import_source(cache, str(src))
    (src / "MAL-2026-9001.json").unlink()
    report = import_source(cache, str(src))
    assert report.records == 10
    assert _found(cache, PYPI, "py-formatter-util", "1.2.2") == {}
    # another source adds to it; the same id from two sources counts once (the most recently modified)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(SET / "MAL-2026-9001.json", extra)
    shutil.copy(SET / "GHSA-cw06-fixt-0006.json", extra)
    import_source(cache, str(extra))
    assert _found(cache, PYPI, "py-formatter-util", "1.2.2") == {"MAL-2026-9001": True}
    assert _found(cache, NPM, "ms", "2.1.2") == {"GHSA-cw06-fixt-0006": False}


def test_yaml_versions_stay_text(tmp_path: Path) -> None:
    src = tmp_path / "PYSEC-2099-9.yaml"
    src.write_text("id: PYSEC-2099-9\nmodified: 2026-01-01T00:00:00Z\naffected:\n- package: {name: lib, ecosystem: PyPI}\n"
                   "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions: [1.2]\n")
    import_source(tmp_path / "cache", str(src))
    # YAML's own types would read 1.10 as the number 1.1, and 1.9 would look fixed
    assert _found(tmp_path / "cache", PYPI, "lib", "1.9") == {"PYSEC-2099-9": False}
    assert _found(tmp_path / "cache", PYPI, "lib", "1.10") == {}


def test_a_hostile_zip_member_is_refused_and_named(tmp_path: Path) -> None:
    archive = all_zip(SET, tmp_path / "all.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../escape.json", (SET / "MAL-2026-9002.json").read_text())
    report = import_source(tmp_path / "cache", str(archive))
    assert report.records == 11
    assert any("escape.json" in e for e in report.errors), report.errors
    assert not (tmp_path / "escape.json").exists()


def test_import_from_a_url(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    (tmp_registry.root / "files").mkdir()
    all_zip(SET, tmp_registry.root / "files" / "all.zip")
    url = tmp_registry.url + "/files/all.zip"
    report = import_source(tmp_path / "cache", url)
    assert report.source == url and report.records == 11
    with pytest.raises(AdvisoryError, match="could not download"):
        import_source(tmp_path / "cache", tmp_registry.url + "/files/missing.zip", timeout=2)


def test_no_advisory_data_is_a_skip_never_clean(tmp_path: Path) -> None:
    found = find_advisories({PackageId(PYPI, "requests", "2.18.4"): "2.18.4"}, tmp_path)
    assert found.by_package == {} and found.sources == []
    assert [(s.what, s.reason.split(":")[0]) for s in found.skips] == [("advisories", "no advisory data loaded")]
    assert not (tmp_path / "chainwarden.sqlite3").exists()  # a scan never creates the database


def test_a_range_that_cannot_be_evaluated_is_a_skip_naming_the_advisory(tmp_path: Path) -> None:
    src = tmp_path / "GHSA-odd.json"
    src.write_text(json.dumps({"id": "GHSA-odd", "modified": "2026-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "PyPI", "name": "lib"}, "ranges": [{"type": "ECOSYSTEM", "events": [
            {"introduced": "0"}, {"fixed": "2.x-final"}]}]}]}))
    import_source(tmp_path / "cache", str(src))
    found = find_advisories({PackageId(PYPI, "lib", "1.0"): "1.0"}, tmp_path / "cache")
    [skip] = found.skips
    assert skip.what == "pkg:pypi/lib@1.0" and "GHSA-odd" in skip.reason and "'2.x-final' is not a PEP 440 version" in skip.reason


def test_an_unpinned_package_is_judged_at_the_version_given(loaded: Path) -> None:
    pkg = PackageId(NPM, "acme-ui-kit")
    found = find_advisories({pkg: None, PackageId(NPM, "debug"): "4.3.4"}, loaded)
    assert [a.id for a in found.by_package[pkg]] == ["MAL-2026-9002"]  # every version: no version needed
    assert [a.id for a in found.by_package[PackageId(NPM, "debug")]] == ["GHSA-cw05-fixt-0005"]


# ------------------------------------------------------------------ the querybatch service


def _serve(server: RegistryServer, *names: str) -> None:
    (server.root / "osv").mkdir(exist_ok=True)
    for n in names:
        shutil.copy(SET / n, server.root / "osv" / n)


def test_querybatch_service_answers_and_records_are_fetched(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    _serve(tmp_registry, "MAL-2026-9001.json", "GHSA-cw05-fixt-0005.json")
    doc = json.loads((tmp_registry.root / "osv" / "GHSA-cw05-fixt-0005.json").read_text())
    doc["affected"][0]["versions"] = ["4.3.4"]  # the service matches on the versions lists it expanded
    (tmp_registry.root / "osv" / "GHSA-cw05-fixt-0005.json").write_text(json.dumps(doc))
    checks = {PackageId(PYPI, "py-formatter-util", "1.2.2"): "1.2.2", PackageId(NPM, "debug", "4.3.4"): "4.3.4",
              PackageId(NPM, "debug", "4.3.5"): "4.3.5", PackageId(PYPI, "requests"): None}
    found = find_advisories(checks, tmp_path / "no-store", osv_url=tmp_registry.url)
    assert {p: [a.id for a in v] for p, v in found.by_package.items()} == {
        PackageId(PYPI, "py-formatter-util", "1.2.2"): ["MAL-2026-9001"], PackageId(NPM, "debug", "4.3.4"): ["GHSA-cw05-fixt-0005"]}
    debug = found.by_package[PackageId(NPM, "debug", "4.3.4")][0]
    assert debug.fixed == ("4.3.5",) and debug.severity is Severity.MEDIUM and debug.source == tmp_registry.url
    [source] = found.sources
    assert (source.kind, source.source, source.records) == ("querybatch", tmp_registry.url, 2)
    assert [s.what for s in found.skips] == ["pkg:pypi/requests"]  # unpinned and no latest known: not asked, and said so
    [batch] = tmp_registry.requests_to("/v1/querybatch")
    assert batch.method == "POST"


def test_querybatch_pages_are_followed(tmp_registry: RegistryServer, tmp_path: Path) -> None:
    _serve(tmp_registry, "MAL-2026-9001.json")
    other = json.loads((SET / "MAL-2026-9001.json").read_text())
    other["id"] = "MAL-2026-9101"
    (tmp_registry.root / "osv" / "MAL-2026-9101.json").write_text(json.dumps(other))
    tmp_registry.osv_page_size = 1
    pkg = PackageId(PYPI, "py-formatter-util", "1.2.2")
    found = find_advisories({pkg: "1.2.2"}, None, osv_url=tmp_registry.url + "/")
    assert sorted(a.id for a in found.by_package[pkg]) == ["MAL-2026-9001", "MAL-2026-9101"]
    assert len(tmp_registry.requests_to("/v1/querybatch")) == 2


def test_querybatch_failures_are_skips(tmp_registry: RegistryServer, tmp_path: Path, loaded: Path) -> None:
    pkg = PackageId(PYPI, "py-formatter-util", "1.2.2")
    tmp_registry.fail("/v1/querybatch", [503, 503])
    found = find_advisories({pkg: "1.2.2"}, None, osv_url=tmp_registry.url, retries=1, timeout=2)
    assert [s.what for s in found.skips] == ["advisories", "advisories"]
    assert "could not ask the advisory service" in found.skips[0].reason and "no advisory data loaded" in found.skips[1].reason
    # the store still answers when the service does not; offline, the service is not asked at all
    found = find_advisories({pkg: "1.2.2"}, loaded, osv_url=tmp_registry.url, offline=True)
    assert [a.id for a in found.by_package[pkg]] == ["MAL-2026-9001"]
    assert [s.reason for s in found.skips] == [f"--offline: the advisory service at {tmp_registry.url} was not asked"]


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
def test_records_nested_too_deeply_are_named_and_the_rest_imports(tmp_path: Path, loader: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """db update reads YAML with libyaml's loader when PyYAML has it, else the pure-Python one (which
    answers deep nesting with a RecursionError, as json does): either way a named error, not a crash."""
    import yaml

    from chainwarden.enrich import advisories

    if loader == "pure-python":
        monkeypatch.setattr(advisories, "_YAML_LOADER", yaml.BaseLoader)
    src = tmp_path / "src"
    shutil.copytree(SET, src)
    (src / "deep.yaml").write_text("id: PYSEC-deep\naffected: " + "[" * 50_000 + "]" * 50_000 + "\n")
    (src / "deep.json").write_text('{"id": "GHSA-deep", "affected": ' + "[" * 200_000 + "]" * 200_000 + "}")
    report = import_source(tmp_path / "cache", str(src))
    assert report.records == 11
    assert sorted(e.split(": ")[0].rsplit("/", 1)[-1].split(":")[0] for e in report.errors) == ["deep.json", "deep.yaml"]
    assert all("expected YAML" in e or "expected JSON" in e for e in report.errors), report.errors
