"""Hostile inputs (issue 12, inputs part): nothing a project's files say may leak a secret, hide from the
scan, crash the run or exhaust the machine.

Every hostile input is built here, in the test's own folder (no checked-in binaries). Scans run through
the real CLI, offline (empty cache, no DNS), in every report format, with GITHUB_TOKEN and
AWS_SECRET_ACCESS_KEY set to recognisable fake values that must appear in no output.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chainwarden._files import MAX_INPUT_BYTES, FileRefused, read_bytes
from chainwarden.analyze import dependency_paths
from chainwarden.cli.main import main
from chainwarden.collect import CollectContext, collect_paths
from chainwarden.collect.graph import build_graph
from chainwarden.collect.interface import CollectResult
from chainwarden.collect.python import requirements
from chainwarden.enrich.index_config import parse_npmrc
from chainwarden.model import Dependency, Ecosystem, Edge, PackageId, Project, SourceLocation, excerpt, redact_secrets
from tests.hostile import _fuzz
from tests.hostile._child import Child, bounded, run_cli

FORMATS = ["terminal", "json", "sarif", "markdown", "cyclonedx", "spdx"]
# The scans here run --offline with an empty cache: nothing can be looked up, so a scan that goes on to the end
# says "not checked" (exit 3, docs/decisions/0024); a crash would be 4 and a hang the timeout.
NOTHING_LOOKED_UP = 3
# Fake secrets, recognisable in any output (defanged: no real token has these values).
GITHUB_TOKEN = "ghp_FAKEfakeFAKE0123456789hostileTEST"
AWS_SECRET = "wJalrFAKE/K7MDENG/bPxRfiCYHOSTILEKEY0"
AWS_KEY_ID = "AKIAFAKEHOSTILE00000"
INDEX_PASSWORD = "idx-Passw0rd-FAKE-9f8e7d"
SECRETS = (GITHUB_TOKEN, AWS_SECRET, AWS_KEY_ID, INDEX_PASSWORD)
HUGE = "9" * 5000  # more digits than Python converts to an int


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake secrets in the environment and in ~/.aws/credentials of the test's HOME."""
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.setenv("PIP_INDEX_URL", f"https://ci:{INDEX_PASSWORD}@mirror.invalid/simple")  # the machine's own index
    home = Path(os.environ["HOME"])
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n", encoding="utf-8")
    return home


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# The hostile tree: one folder per input, and what the scan must say about it (file:line, reason).
EXPECTED: dict[str, tuple[str, str]] = {
    "proc-r": ("proc-r/requirements.txt:1", "outside the scanned folder: not read"),
    "proc-c": ("proc-c/requirements.txt:1", "outside the scanned folder: not read"),
    "aws": ("aws/requirements.txt:1", "could not include"),
    "aws-abs": ("aws-abs/requirements.txt:1", "outside the scanned folder: not read"),
    "link-include": ("link-include/requirements.txt:1", "outside the scanned folder: not read"),
    "link-file": ("link-file/requirements.txt", "outside the scanned folder: not read"),
    "toml": ("toml/uv.lock:7", "expected a number of at most"),
    "json": ("json/package-lock.json:", "expected a number of at most"),
    "yaml": ("yaml/pnpm-lock.yaml:", "expected a packages entry"),
    "poetry": ("poetry/pyproject.toml:2", "expected a version string for Poetry dependency 'requests', got 1"),
    "long": ("long/requirements.txt:2", "expected a requirement line of at most 128 KiB"),
    "marker": ("marker/requirements.txt:1", "could not evaluate marker"),
}


def hostile_tree(base: Path, home: Path) -> Path:
    tree = base / "repo"
    outside = _write(base / "elsewhere" / "secret-requirements.txt", f"GITHUB_TOKEN={GITHUB_TOKEN}\nleaked==1.0\n")
    _write(tree / "proc-r" / "requirements.txt", "-r /proc/self/environ\nrequests==2.31.0\n")
    _write(tree / "proc-c" / "requirements.txt", "-c /proc/self/environ\nrequests==2.31.0\n")
    _write(tree / "aws" / "requirements.txt", "-r ~/.aws/credentials\nrequests==2.31.0\n")
    _write(tree / "aws-abs" / "requirements.txt", f"-r {home}/.aws/credentials\nrequests==2.31.0\n")
    (tree / "link-include").mkdir()
    (tree / "link-include" / "base.txt").symlink_to(outside)
    _write(tree / "link-include" / "requirements.txt", "-r base.txt\nrequests==2.31.0\n")
    (tree / "link-file").mkdir()
    (tree / "link-file" / "requirements.txt").symlink_to(outside)
    _write(tree / "link-file" / "package.json", '{"name": "x", "dependencies": {"left-pad": "1.3.0"}}')
    _write(tree / "toml" / "uv.lock", "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\n"
           f"source = {{ registry = \"https://index.invalid/simple\" }}\nsize = {HUGE}\n")
    _write(tree / "json" / "package-lock.json", '{"name": "x", "lockfileVersion": 3, "packages": {"": {}, '
           f'"node_modules/a": {{"version": "1.0.0", "size": {HUGE}}}}}}}')
    # YAML scalars stay text (no number is converted): the huge number is only an unknown package key here.
    _write(tree / "yaml" / "pnpm-lock.yaml", f"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n"
           f"      a:\n        specifier: ^1\n        version: {HUGE}\npackages: {{}}\n")
    _write(tree / "poetry" / "pyproject.toml", "[tool.poetry.dependencies]\nrequests = {version = 1}\nclick = \"^8\"\n")
    _write(tree / "long" / "requirements.txt", "requests==2.31.0\n" + "a" * 200_000 + "\nclick==8.1.7\n")
    _write(tree / "marker" / "requirements.txt", f"requests==2.31.0 ; platform_release ~= '{GITHUB_TOKEN}'\n")
    _write(tree / "via" / "requirements.txt", "a==1\na\n    # via b\nb\n")
    _write(tree / "local" / "requirements.txt", "./pkgs/b\nb==1.0\n    # via a\na==1.0\n")
    _write(tree / "creds" / "requirements.txt", f"--index-url https://ci-user:{INDEX_PASSWORD}@pkgs.invalid/simple\n"
           f"private-pkg @ git+https://ci-user:{INDEX_PASSWORD}@git.invalid/p.git\nrequests==2.31.0\n")
    return tree


def _scan(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    code = main(["scan", *argv, "--offline", "--no-dns", "--cache-dir", str(cache), "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def _no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
        assert "GITHUB_TOKEN=ghp" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_tree_in_every_format_leaks_nothing_and_goes_on(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              secrets_env: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = hostile_tree(tmp_path, secrets_env)
    monkeypatch.chdir(tree)
    out_file = tmp_path / f"report.{fmt}"
    code, out, err = _scan(capsys, tmp_path, str(tree), "--format", fmt)
    assert code in (0, 1, NOTHING_LOOKED_UP), err
    assert "Traceback" not in err and "internal error" not in err
    code, out2, err2 = _scan(capsys, tmp_path, str(tree), "--format", fmt, "-o", str(out_file))
    assert code in (0, 1, NOTHING_LOOKED_UP), err2
    written = out_file.read_text(encoding="utf-8")
    _no_secret(out, err, out2, err2, written)
    if fmt in ("terminal", "markdown", "sarif"):
        shown = " ".join(written.split()).replace("\\", "")
        for where, _ in EXPECTED.values():
            assert where.rsplit("/", 1)[-1] in shown, where


def test_hostile_tree_skips_name_file_line_and_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path, secrets_env: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    tree = hostile_tree(tmp_path, secrets_env)
    monkeypatch.chdir(tree)
    code, out, err = _scan(capsys, tmp_path, str(tree), "--format", "json")
    assert code in (0, 1, NOTHING_LOOKED_UP), err
    report = json.loads(out)
    skips = [(s["what"], s["reason"]) for s in report["skipped"]]
    for name, (where, reason) in EXPECTED.items():
        assert any(w.startswith(where) and reason in r for w, r in skips), (name, [s for s in skips if s[0].startswith(name)])
    # The rest of every file is read: the requirement after a refused include is there, and the other projects.
    by_project: dict[str, set[str]] = {}
    for p in report["packages"]:
        for s in p["sources"]:
            by_project.setdefault(s["file"].split("/")[0], set()).add(p["name"])
    for folder in ("proc-r", "proc-c", "aws", "aws-abs", "link-include", "long", "creds"):
        assert "requests" in by_project.get(folder, set()), folder
    assert "click" in by_project["long"] and "click" in by_project["poetry"]
    assert "leaked" not in {p["name"] for p in report["packages"]}
    assert {"a", "b"} <= by_project["via"] and {"a", "b"} <= by_project["local"]
    # No excerpt of an unreadable line is longer than a short quote.
    assert all(len(r) < 400 for _, r in skips)


def test_secret_inside_the_tree_is_quoted_only_redacted(capsys: pytest.CaptureFixture[str], tmp_path: Path, secrets_env: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file inside the tree that holds a secret (a .env named like a requirements file) is quoted redacted, short."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "p" / "requirements-env.txt",
           f"GITHUB_TOKEN={GITHUB_TOKEN}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\npassword: {INDEX_PASSWORD}\n")
    for fmt in FORMATS:
        code, out, err = _scan(capsys, tmp_path, str(tmp_path / "p"), "--format", fmt)
        assert code in (0, 1, 3), err
        _no_secret(out, err)
    code, out, _ = _scan(capsys, tmp_path, str(tmp_path / "p"), "--format", "json")
    reasons = [s["reason"] for s in json.loads(out)["skipped"] if s["what"].startswith("p/requirements-env.txt:")]
    assert len(reasons) == 3 and all("***" in r for r in reasons), reasons


def test_nul_separated_data_is_never_read_as_lines(tmp_path: Path) -> None:
    env = b"GITHUB_TOKEN=" + GITHUB_TOKEN.encode() + b"\x00SHELL=/bin/sh\x00HOME=/root\x00"
    (tmp_path / "requirements.txt").write_bytes(b"requests==2.31.0\n" + env)
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert graphs == []
    assert [(s.what, s.reason) for s in skips] == [("requirements.txt:2", "expected text, found a NUL byte (binary data): not read")]
    assert excerpt(env.decode()) == f"'…' ({len(env)} characters)"


# -- files that are not files: FIFOs, devices, links out, sizes --------------------------------


def _scan_child(path: Path, cache: Path, timeout: float = 120, cwd: Path | None = None) -> tuple[int, dict, Child]:
    child = run_cli(["scan", str(path), "--format", "json", "--offline", "--no-dns", "--cache-dir", str(cache), "--no-progress"],
                    timeout=timeout, cwd=cwd)
    return child.code, json.loads(child.stdout), child


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_named_like_a_manifest_never_blocks(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    os.mkfifo(project / "package.json")
    os.mkfifo(project / "chainwarden-policy.fifo")
    _write(project / "requirements.txt", "requests==2.31.0\n-r pipe.txt\n")
    os.mkfifo(project / "pipe.txt")
    code, report, _ = _scan_child(project, tmp_path / "cache", timeout=120, cwd=project)  # a hang fails by the timeout
    assert code == NOTHING_LOOKED_UP
    skips = {s["what"]: s["reason"] for s in report["skipped"]}
    assert skips["package.json"] == "a FIFO, not a regular file: not read"
    assert skips["requirements.txt:2"] == "could not include 'pipe.txt': a FIFO, not a regular file: not read"
    # A policy file that is a FIFO is an unusable invocation (exit 2), not a hang.
    done = run_cli(["scan", str(project), "--config", str(project / "chainwarden-policy.fifo"), "--offline", "--no-dns",
                    "--cache-dir", str(tmp_path / "cache"), "--no-progress"], timeout=120)
    assert done.code == 2 and "a FIFO, not a regular file" in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_links_to_dev_zero_use_bounded_memory(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").symlink_to("/dev/zero")
    _write(project / "sub" / "requirements.txt", "-r /dev/zero\n-c /dev/zero\nclick==8.1.7\n")
    code, report, child = _scan_child(project, tmp_path / "cache", cwd=project)
    print(f"peak RSS of the scan with /dev/zero inputs: {child.peak_mib} MiB")
    assert code == NOTHING_LOOKED_UP
    skips = {s["what"]: s["reason"] for s in report["skipped"]}
    assert skips["requirements.txt"] == "outside the scanned folder: not read"
    assert skips["sub/requirements.txt:1"] == "include of '/dev/zero' outside the scanned folder: not read"
    bounded(child, 1024)  # generous: the point is that nothing reads /dev/zero to the end


def test_the_safe_reader_refuses_what_is_not_a_small_regular_file(tmp_path: Path) -> None:
    for special in ("/dev/zero", "/proc/self/environ", "/dev/stdin"):
        if os.path.exists(special):
            with pytest.raises(FileRefused, match="special file"):
                read_bytes(Path(special))
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(FileRefused, match=r"special file \(under /dev\)"):
        read_bytes(tmp_path / "zero")
    with pytest.raises(FileRefused, match="a folder"):
        read_bytes(tmp_path)
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing is written, the size is what counts
    with pytest.raises(FileRefused, match="larger than the 64 MiB"):
        read_bytes(big)
    with pytest.raises(FileRefused, match="larger than the 1 KiB"):
        read_bytes(_write(tmp_path / "r.txt", "x" * 2048), limit=1024)
    inside = _write(tmp_path / "in" / "ok.txt", "ok")
    assert read_bytes(inside, roots=[tmp_path / "in"]) == b"ok"
    with pytest.raises(FileRefused, match="outside the scanned folder"):
        read_bytes(inside, roots=[tmp_path / "other"])


def test_too_large_input_file_is_a_skip(tmp_path: Path) -> None:
    with (tmp_path / "package-lock.json").open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)
    _, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert [(s.what, s.reason) for s in skips] == [
        ("package-lock.json", "larger than the 64 MiB chainwarden reads from one input file (64 MiB)")]


def test_a_project_npmrc_does_not_expand_the_machine_environment(tmp_path: Path, secrets_env: Path) -> None:
    npmrc = _write(tmp_path / "p" / ".npmrc", "registry=https://registry.invalid/${GITHUB_TOKEN}/\n@x:registry=https://x.invalid/${AWS_SECRET_ACCESS_KEY}\n")
    values = parse_npmrc(npmrc)
    assert values == {"registry": "https://registry.invalid/${GITHUB_TOKEN}/", "@x:registry": "https://x.invalid/${AWS_SECRET_ACCESS_KEY}"}
    user = _write(secrets_env / ".npmrc", "registry=https://registry.invalid/${NPM_MIRROR}/\n")
    os.environ["NPM_MIRROR"] = "mirror"
    try:
        assert parse_npmrc(user)["registry"] == "https://registry.invalid/mirror/"
    finally:
        del os.environ["NPM_MIRROR"]


# -- time: nothing a file holds makes the scan quadratic ----------------------------------------


def _timed(what: Callable[[], object]) -> float:
    started = time.perf_counter()
    what()
    return time.perf_counter() - started


@pytest.mark.parametrize("lines", [5_000, 200_000])
def test_duplicate_lines_take_linear_time(capsys: pytest.CaptureFixture[str], tmp_path: Path, lines: int) -> None:
    _write(tmp_path / "p" / "requirements.txt", "requests==2.31.0\n" * lines)
    code = -1

    def scan() -> None:
        nonlocal code
        code, _, _ = _scan(capsys, tmp_path, str(tmp_path / "p"), "--format", "json")

    took = _timed(scan)
    print(f"{lines} duplicate lines: {took:.2f} s")
    assert code == NOTHING_LOOKED_UP
    assert took < 60  # generous; bench/ prints the real figure


@pytest.mark.parametrize("size", [100_000, 200_000, 2 * 1024 * 1024])
def test_long_lines_take_linear_time(tmp_path: Path, size: int) -> None:
    folder = tmp_path / "p"
    # A run of spaces was quadratic in pip's own comment regex; under the cap it is read, over it a Skip.
    _write(folder / "requirements.txt", "requests==2.31.0\na" + " " * size + "b\nclick==8.1.7\n")
    result: list[CollectResult] = []
    took = _timed(lambda: result.append(requirements.collect(folder / "requirements.txt", CollectContext(display_base=folder))))
    print(f"a line of {size} characters: {took:.2f} s")
    assert took < 30
    assert {d.package.name for d in result[0].dependencies} == {"requests", "click"}
    (skip,) = result[0].skips
    assert skip.what == "requirements.txt:2"
    if size > requirements.MAX_LINE_CHARS:
        assert skip.reason == f"expected a requirement line of at most 128 KiB, found one of {size + 2} characters: not read"
    else:
        assert skip.reason.startswith("expected a requirement (PEP 508), got 'a") and len(skip.reason) < 300


def test_redaction_is_linear(tmp_path: Path) -> None:
    for text in ("a." * 500_000, "a=" * 500_000, "://" * 300_000, "eyJ" * 300_000, " " * 1_000_000 + "#", "x" * 1_000_000):
        took = _timed(lambda: (redact_secrets(text, entropy=True), excerpt(text)))
        assert took < 20, text[:10]


# -- crashes: each known one is a Skip, and every ordering of packages is total -------------------


def test_mixed_pinned_and_unpinned_copies_with_via(tmp_path: Path) -> None:
    _write(tmp_path / "requirements.txt", "a==1\na\n    # via b\nb\n")
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert skips == []
    (graph,) = graphs
    assert {str(d.package) for d in graph.dependencies} == {"a==1", "a", "b"}
    dependency_paths(graph)


def test_local_and_registry_package_of_one_name_sort_and_get_paths() -> None:
    local = PackageId(Ecosystem.PYPI, "b")
    registry = PackageId(Ecosystem.PYPI, "b", "1.0")
    parent = PackageId(Ecosystem.PYPI, "a", "1.0")
    assert sorted([registry, local]) == [local, registry]
    assert sorted([Edge(parent, registry), Edge(parent, local)]) == [Edge(parent, local), Edge(parent, registry)]
    assert sorted([SourceLocation("f", 2), SourceLocation("f")]) == [SourceLocation("f"), SourceLocation("f", 2)]
    where = (SourceLocation("requirements.txt", 1),)
    deps = [Dependency(local, where, direct=True), Dependency(registry, where, direct=True), Dependency(parent, where, direct=True)]
    result = CollectResult(ecosystem=Ecosystem.PYPI, dependencies=deps, edges=[Edge(parent, local), Edge(parent, registry)])
    graph = build_graph(Project(root=".", ecosystem=Ecosystem.PYPI, files=(), lockfiles=()), [result])
    paths = dependency_paths(graph)
    assert paths[local] == (local,) and paths[registry] == (registry,)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_package_name_is_a_skip_in_every_format(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    """Found by bench/bench_fuzz.py: `"" = "*"` in a Pipfile reached the SBOM and SARIF writers (an empty PURL name)."""
    _write(tmp_path / "p" / "Pipfile", '[packages]\nclick = "*"\n"" = "*"\n')
    code, out, err = _scan(capsys, tmp_path, str(tmp_path / "p"), "--format", fmt)
    assert code == NOTHING_LOOKED_UP, err
    if fmt == "json":
        assert ("expected a package name, got an empty one: not read", True) in [
            (s["reason"], s["what"].endswith("Pipfile:3")) for s in json.loads(out)["skipped"]]


def test_symlink_loop_include_is_a_skip(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    _write(tmp_path / "requirements.txt", "-r a\nclick==8.1.7\n")
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert [d.package.name for d in graphs[0].dependencies] == ["click"]
    assert skips[0].what == "requirements.txt:1" and "could not include 'a'" in skips[0].reason


def test_a_reader_bug_is_one_skip_not_the_end_of_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainwarden.collect.npm import package_json

    def broken(*_: object) -> object:
        raise KeyError(GITHUB_TOKEN)

    monkeypatch.setattr(package_json, "manifest_dependency", broken)
    _write(tmp_path / "a" / "package.json", '{"dependencies": {"left-pad": "1.3.0"}}')
    _write(tmp_path / "b" / "requirements.txt", "click==8.1.7\n")
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert [d.package.name for g in graphs for d in g.dependencies] == ["click"]
    assert [(s.what, s.reason) for s in skips] == [("a/package.json", "chainwarden's package.json reader failed on this file "
                                                     "(KeyError); nothing in it was checked. This is a bug in chainwarden: please report it")]


def test_mutated_inputs_never_crash_a_collector() -> None:
    """The seeded mini-fuzzer (tests/hostile/_fuzz.py): a few hundred mutated manifests and lockfiles."""
    deadline = time.monotonic() + 30
    done, failures = _fuzz.run(seed=12, count=400, deadline=deadline)
    print(f"{done} mutated inputs")
    assert done >= 100
    assert failures == [], "\n\n".join(f"{f.case.fixture} ({f.case.mutation}):\n{f.error}" for f in failures[:3])
