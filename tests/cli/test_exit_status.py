"""The exit status and the last line never disagree, and a run that checked nothing never reads as a pass
(docs/decisions/0024-a-verdict-that-never-misleads.md): --strict with something not checked, a folder with
no manifest, an index URL that is not one, an index that answers nothing, a report written to a file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from chainwarden.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ["--registry-snapshot", str(ROOT / "tests" / "registry" / "data")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def last_lines(out: str, n: int = 1) -> list[str]:
    return [line.rstrip() for line in out.rstrip().splitlines()[-n:]]


def verdict(out: str) -> tuple[str, str]:
    """The verdict block that ends a terminal report: its label line, and the reasons under it (joined)."""
    lines = out.rstrip().splitlines()
    start = max(i for i, line in enumerate(lines) if line and not line.startswith(" "))
    return lines[start].rstrip(), " ".join(line.strip() for line in lines[start + 1:])


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_strict_says_not_checked_when_it_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\nnot a requirement ==\n")
    code, out, _ = run(capsys, "scan", str(tmp_path), *SNAPSHOT, "--no-progress", "--no-dns", "--strict")
    assert code == 3
    assert "PASS" not in out
    label, why = verdict(out)
    assert label == "NOT CHECKED" and re.match(r"--strict: \d+ item\(s\) could not be checked", why), why
    # without --strict the same run passes, and its last line says what was left unchecked
    code, out, _ = run(capsys, "scan", str(tmp_path), *SNAPSHOT, "--no-progress", "--no-dns")
    label, _ = verdict(out)
    assert code == 0 and re.match(r"PASS \(with \d+ item\(s\) not checked", label), label
    code, out, _ = run(capsys, "scan", str(tmp_path), *SNAPSHOT, "--no-progress", "--no-dns", "--strict", "--format", "json")
    assert code == 3 and json.loads(out)["verdict"] == "not-checked"


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_a_folder_with_no_manifest_is_not_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path, strict: list[str]) -> None:
    (tmp_path / "README.md").write_text("no dependencies declared here\n")
    code, out, _ = run(capsys, "scan", str(tmp_path), "--no-progress", *strict)
    assert code == 3
    assert "Nothing to check: no manifest or lockfile found." in out
    label, why = verdict(out)
    assert label == "NOT CHECKED" and why.startswith("nothing was checked: no manifest, lockfile or installed environment found")
    assert "PASS" not in out and "No findings" not in out
    code, out, err = run(capsys, "scan", str(tmp_path), "--no-progress", "--format", "json", *strict)
    assert code == 3 and json.loads(out)["verdict"] == "not-checked"
    assert err.startswith("chainwarden: NOT CHECKED: nothing was checked")


def test_a_manifest_without_dependencies_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Read, and nothing to look up: a true pass, not a run that read nothing."""
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    code, out, _ = run(capsys, "scan", str(tmp_path), "--no-progress", "--no-dns")
    assert code == 0 and last_lines(out)[0].startswith("PASS"), out


def test_a_file_nothing_could_be_read_from_is_not_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n[[package]\nname = \n")
    code, out, _ = run(capsys, "scan", str(tmp_path), "--no-progress", "--no-dns")
    assert code == 3 and "nothing was checked: no input in" in out and "could be read" in out


@pytest.mark.parametrize("flag", ["--index-url", "--npm-registry", "--private-index", "--public-index", "--osv-url"])
def test_an_index_url_that_is_not_one_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    code, out, err = run(capsys, "scan", str(tmp_path), flag, "notaurl")
    assert code == 2 and out == ""
    assert f"argument {flag}: expected an http(s)://" in err and "got 'notaurl'" in err


def test_our_own_index_variable_is_checked_too(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    monkeypatch.setenv("CHAINWARDEN_INDEX_URL", "notaurl")
    code, _, err = run(capsys, "scan", str(tmp_path))
    assert code == 2 and "CHAINWARDEN_INDEX_URL=notaurl: expected an http:// or https:// URL" in err


def test_every_lookup_failing_is_not_a_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An index that is down (here: a port nothing listens on) answers nothing: the run says so and exits 3,
    with or without --strict, and the reason is said in words, not as a library's message."""
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\nclick==8.1.7\n")
    index = f"http://127.0.0.1:{dead_port()}/simple"
    code, out, _ = run(capsys, "scan", str(tmp_path), "--index-url", index, "--no-progress", "--no-dns",
                       "--no-cache", "--timeout", "2")
    assert code == 3
    label, why = verdict(out)
    assert label == "NOT CHECKED"
    assert why.startswith(f"nothing was looked up: every pypi lookup from {index}") and "(2 package(s))" in why
    assert "the connection was refused" in out
    assert "Errno" not in out and "All connection attempts failed" not in out


def test_offline_with_an_empty_cache_is_not_a_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "requirements.txt").write_text("requests==2.32.3\n")
    code, out, _ = run(capsys, "scan", str(tmp_path / "proj"), "--offline", "--cache-dir", str(tmp_path / "cache"),
                       "--index-url", "http://127.0.0.1:9/simple", "--no-progress", "--no-dns", "--format", "json")
    assert code == 3 and json.loads(out)["verdict"] == "not-checked"


@pytest.mark.parametrize(("policy", "code", "line"), [
    ("", 0, "chainwarden: PASS"),
    ('[rules.unpinned-dependency]\naction = "fail"\n', 1, "chainwarden: FAIL: unpinned-dependency on requests"),
])
def test_a_report_written_to_a_file_still_says_the_verdict(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            policy: str, code: int, line: str) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    (tmp_path / "chainwarden.toml").write_text(policy)
    for fmt in ("terminal", "json", "sarif"):
        report = tmp_path / f"report.{fmt}"
        got, out, err = run(capsys, "scan", str(tmp_path), *SNAPSHOT, "--no-progress", "--no-dns", "--format", fmt, "-o", str(report))
        assert got == code and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith(line), err
        assert f"(report: {report})" in err and report.stat().st_size > 0


def test_a_report_that_cannot_be_written_is_a_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    for fmt in ("terminal", "json"):
        code, _, err = run(capsys, "scan", str(tmp_path), *SNAPSHOT, "--no-progress", "--no-dns", "--format", fmt,
                           "-o", str(tmp_path / "missing" / "report.txt"))
        assert code == 2, err
        assert "could not write" in err and "no such file or directory" in err
        assert "Errno" not in err and "internal error" not in err


def test_an_sbom_of_nothing_is_not_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "sbom", str(tmp_path), "--no-progress")
    assert code == 3 and json.loads(out)["bomFormat"] == "CycloneDX"
    assert "nothing to list: no manifest, lockfile or installed environment found" in err


def test_environment_only_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "click-8.1.7.dist-info"
    site.mkdir(parents=True)
    (site / "METADATA").write_text("Metadata-Version: 2.1\nName: click\nVersion: 8.1.7\n")
    code, _, err = run(capsys, "scan", "--environment", str(tmp_path / "venv"), *SNAPSHOT, "--no-progress", "--no-dns",
                       "--format", "json")
    assert "reading only the installed environment" in err and "add . to read the project's files too" in err
    assert code in (0, 1)


def test_policy_explain_says_each_finding_once_with_its_place(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "policy", "explain", "examples/hijack-scenario", "--as-of", "2026-11-21")
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("  ") and "←" in line]
    assert len(lines) == len(set(lines)), out
    missing = [line for line in lines if "hashes-missing" in line]
    assert len(missing) == 2 and any("pyproject.toml:7" in m for m in missing) and any("requirements.txt:4" in m for m in missing)
    assert verdict(out)[0] == "FAIL"


def test_a_package_installed_from_a_folder_is_not_judged_as_an_index_package(capsys: pytest.CaptureFixture[str],
                                                                             tmp_path: Path) -> None:
    """`pip install .` records the folder in direct_url.json (PEP 610): the project itself, in its own venv, is not
    'not-on-index' (the README's `scan --environment .venv .` failed a fresh clone on chainwarden itself)."""
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for name, version, direct_url in (("click", "8.1.7", None),
                                      ("my-app", "0.1.0", '{"url": "file:///src/my-app", "dir_info": {}}'),
                                      ("tool", "1.0", '{"url": "git+https://git.invalid/tool", "vcs_info": {"vcs": "git"}}')):
        dist = site / f"{name.replace('-', '_')}-{version}.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        if direct_url:
            (dist / "direct_url.json").write_text(direct_url)
    code, out, _ = run(capsys, "scan", "--environment", str(tmp_path / "venv"), *SNAPSHOT, "--no-progress", "--no-dns",
                       "--format", "json")
    report = json.loads(out)
    assert not [f for f in report["findings"] if f["rule"] == "not-on-index"], report["findings"]
    kinds = {p["name"]: p.get("source_kind") for p in report["packages"]}
    skipped = {s["what"]: s["reason"] for s in report["skipped"]}
    assert "not installed from an index (path: file:///src/my-app)" in skipped["pkg:pypi/my-app@0.1.0"], (kinds, skipped)
    assert "not installed from an index (vcs: git+https://git.invalid/tool)" in skipped["pkg:pypi/tool@1.0"]
    assert code == 0


@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_signal_before_any_work_folder_exits_with_its_own_status(signum: int, code: int, word: str) -> None:
    """A command that never loaded the work-folder module (here `explain`) still exits 128 + the signal: the handler
    records it itself, since the stop flag that main's handler writes to is not there to record it."""
    script = ("import os, sys, signal\n"
              "import chainwarden.cli.explain as command\n"
              "from chainwarden.cli.main import main\n"
              f"command.cmd_explain = lambda args: (os.kill(os.getpid(), {int(signum)}), signal.pause())[0]\n"
              "code = main(['explain'])\n"
              "assert 'chainwarden.enrich.artifacts.workdir' not in sys.modules\n"
              "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == code, done.stderr
    assert f"chainwarden: {word}; work folders removed" in done.stderr
