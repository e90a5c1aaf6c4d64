"""requirements files as pip reads them."""

from __future__ import annotations

from pathlib import Path

from chainwarden.collect import CollectContext
from chainwarden.collect.python import requirements
from chainwarden.model import Scope, SourceKind
from tests.helpers import fixture


def _collect(tmp_path: Path, files: dict[str, str], main: str = "requirements.txt") -> requirements.CollectResult:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return requirements.collect(tmp_path / main, CollectContext(display_base=tmp_path))


def test_pins_ranges_extras_markers_hashes_and_continuations(tmp_path: Path) -> None:
    res = _collect(tmp_path, {"requirements.txt": (
        "# comment\n"
        "requests[socks]==2.32.3 ; python_version >= \"3.8\" \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "click>=8  # trailing comment\n"
        "pywin32==306 ; sys_platform == \"win32\" and sys_platform == \"cygwin\"\n"
    )})
    assert res.skips == []
    deps = {d.package.name: d for d in res.dependencies}
    r = deps["requests"]
    assert (r.package.version, r.extras, r.hashes, r.sources[0].line) == ("2.32.3", ("socks",), ("sha256:aaaa", "sha256:bbbb"), 2)
    assert r.marker == 'python_version >= "3.8"' and r.marker_applies is True
    assert deps["click"].package.version is None and deps["click"].specifier == ">=8" and deps["click"].sources[0].line == 5
    assert deps["pywin32"].marker_applies is False
    assert res.is_lockfile is False


def test_includes_constraints_and_cycles(tmp_path: Path) -> None:
    res = _collect(tmp_path, {
        "requirements.txt": "-r base.txt\n-c constraints.txt\nflask\n",
        "base.txt": "-r requirements.txt\nclick\n",
        "constraints.txt": "flask==3.1.0\nclick==8.1.7\nunused==1.0\n",
    })
    deps = {d.package.name: d for d in res.dependencies}
    assert deps["flask"].package.version == "3.1.0"
    assert [str(s) for s in deps["flask"].sources] == ["requirements.txt:3", "constraints.txt:1"]
    assert deps["click"].package.version == "8.1.7" and deps["click"].sources[0].file == "base.txt"
    assert "unused" not in deps
    assert any("include cycle" in s.reason and s.what == "base.txt:1" for s in res.skips)
    assert set(res.files) == {"requirements.txt", "base.txt", "constraints.txt"}


def test_index_options_urls_vcs_and_editables(tmp_path: Path) -> None:
    res = _collect(tmp_path, {"requirements.txt": (
        "--index-url https://private.test/simple\n"
        "--extra-index-url=https://mirror.test/simple\n"
        "-f ./wheels\n"
        "-e git+https://example.test/acme/tool.git@v1#egg=acme-tool\n"
        "-e ./libs/local-lib\n"
        "-e ../elsewhere/outside-lib\n"
        "https://example.test/files/thing-1.0.tar.gz\n"
        "pkg @ https://example.test/pkg-2.0-py3-none-any.whl\n"
    )})
    assert [(h.option, h.value, h.location.line) for h in res.index_hints] == [
        ("index-url", "https://private.test/simple", 1), ("extra-index-url", "https://mirror.test/simple", 2), ("find-links", "./wheels", 3)]
    deps = {d.package.name: d for d in res.dependencies}
    assert deps["acme-tool"].source_kind is SourceKind.VCS and deps["acme-tool"].editable
    # A folder inside the project is the project's own code; one outside is a local dependency (decision 0023).
    assert "local-lib" not in deps
    assert deps["outside-lib"].source_kind is SourceKind.PATH and deps["outside-lib"].package.version is None
    # A wheel or sdist file name carries its name and version.
    assert deps["thing"].source_kind is SourceKind.URL and deps["thing"].package.version == "1.0"
    assert deps["pkg"].source_kind is SourceKind.URL and deps["pkg"].source_url.endswith(".whl")
    assert deps["pkg"].package.version == "2.0"


def test_local_wheel_is_named_by_its_file_name(tmp_path: Path) -> None:
    """requirements.txt.local-wheel: a wheel kept in the repository, as pip's own docs show it."""
    res = _collect(tmp_path, {"requirements.txt": fixture("requirements.txt.local-wheel").read_text(encoding="utf-8")})
    assert res.skips == []
    deps = {d.package.name: d for d in res.dependencies}
    numpy = deps["numpy"]
    assert numpy.package.version == "1.9.2" and numpy.source_kind is SourceKind.PATH
    assert numpy.source_url == "./downloads/numpy-1.9.2-cp34-none-win32.whl" and numpy.locked
    assert deps["pyyaml"].package.version == "6.0.2" and deps["pyyaml"].source_kind is SourceKind.URL
    assert deps["six"].package.version == "1.16.0"  # file:// URL of an sdist


def test_per_requirement_config_settings(tmp_path: Path) -> None:
    """pip's per-requirement options: -C KEY=VAL, -CKEY=VAL and --config-settings, with or without =."""
    res = _collect(tmp_path, {"requirements.txt": (
        "numpy==2.1.0 -C setup-args=-Dblas=openblas\n"
        "scipy==1.14.1 -Csetup-args=-Duse-pythran=false --hash=sha256:cccc\n"
        "pandas==2.2.3 --config-settings editable_mode=compat\n"
        "lxml==5.3.0 --config-settings=--build-option=--with-xslt\n"
    )})
    assert res.skips == []
    deps = {d.package.name: d for d in res.dependencies}
    assert {n: d.package.version for n, d in deps.items()} == {
        "numpy": "2.1.0", "scipy": "1.14.1", "pandas": "2.2.3", "lxml": "5.3.0"}
    assert deps["scipy"].hashes == ("sha256:cccc",)


def test_bad_lines_are_skips_and_the_rest_goes_on(tmp_path: Path) -> None:
    res = _collect(tmp_path, {"requirements.txt": "==1.0\nrequests==2.32.3\n--frobnicate\nclick==8.1.7 --hash=nocolon\nidna==3.10\n-r missing.txt\n"})
    assert [d.package.name for d in res.dependencies] == ["requests", "idna"]
    whats = {s.what: s.reason for s in res.skips}
    assert "expected a requirement" in whats["requirements.txt:1"]
    assert "unknown option '--frobnicate'" in whats["requirements.txt:3"]
    assert "--hash=ALGORITHM:DIGEST" in whats["requirements.txt:4"]
    assert "missing.txt" in whats["requirements.txt:6"]


def test_pip_compile_output_gives_edges_and_directness(tmp_path: Path) -> None:
    text = fixture("requirements.txt.hashes").read_text(encoding="utf-8")
    res = _collect(tmp_path, {"requirements.txt": text})
    deps = {d.package.name: d for d in res.dependencies}
    assert res.is_lockfile
    assert deps["requests"].direct and not deps["urllib3"].direct
    assert all(d.hashes for d in res.dependencies)
    assert ("requests", "urllib3") in {(e.parent.name, e.child.name) for e in res.edges}


def test_dev_named_files_are_dev_scope(tmp_path: Path) -> None:
    res = _collect(tmp_path, {"requirements-dev.txt": "pytest==8.0.0\n"}, main="requirements-dev.txt")
    assert res.dependencies[0].scope is Scope.DEV
