"""`chainwarden check-name` and `chainwarden data`: names without a project or an index."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from chainwarden.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("name", "target", "transformation"), [
    ("reqeusts", "requests", "swap"),
    ("python-requests", "requests", "affix"),
    ("requests-py", "requests", "affix"),
    ("py-requests", "requests", "affix"),
    ("requests2", "requests", "version-digits"),
    ("jeIlyfish", "jellyfish", "homoglyph"),
    ("urlib3", "urllib3", "deletion"),
    ("dateutil-python", "python-dateutil", "word-order"),
    ("pythondateutil", "python-dateutil", "separator"),
])
def test_names_are_checked_with_target_and_transformation(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                          name: str, target: str, transformation: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{name}\n"))
    code, out, _ = run(capsys, "check-name", "-")
    assert code == 1
    line = json.loads(out)
    assert line["name"] == name
    assert (line["findings"][0]["target"], line["findings"][0]["transformation"]) == (target, transformation)


def test_stdin_gives_one_json_line_per_name_in_order(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("requests\nreqeusts\nnumpy\nsomething-entirely-new-xyz\n"))
    code, out, _ = run(capsys, "check-name", "-")
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["name"] for x in lines] == ["requests", "reqeusts", "numpy", "something-entirely-new-xyz"]
    assert [bool(x["findings"]) for x in lines] == [False, True, False, False]
    assert set(lines[1]["findings"][0]) >= {"rule", "target", "transformation", "confidence"}
    assert code == 1


def test_npm_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check-name", "--ecosystem", "npm", "crossenv", "electorn", "@typess/node", "lodash")
    assert code == 1
    assert "crossenv: looks like cross-env (separator)" in out
    assert "electorn: looks like electron (swap)" in out
    assert "@typess/node: looks like @types/node" in out
    assert "lodash: on the popular list" in out


def test_a_clean_name_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check-name", "requests", "flask")[0] == 0


def test_data_update_replaces_the_list_and_show_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "mine.csv"
    source.write_text("download_count,project\n900,internal-widgets\n800,requests\n")
    code, out, _ = run(capsys, "data", "update", "--ecosystem", "pypi", str(source), "--date", "2026-11-20")
    assert code == 0 and "2 names" in out
    assert "2 names" in run(capsys, "data", "show")[1]
    code, out, _ = run(capsys, "check-name", "internal-widget", "flask")
    assert "internal-widget: looks like internal-widgets" in out
    assert "flask: no popular name it imitates" in out  # the shipped list is no longer used


def test_a_bad_list_is_refused_with_its_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("download_count,project\n900,good-name\n12,not a name\n")
    code, _, err = run(capsys, "data", "update", "--ecosystem", "pypi", str(source))
    assert code == 2 and "bad.csv:3" in err


def test_stdin_skips_blank_lines_and_comments(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# names from the mirror\n\nrequests\n   \nreqeusts  # the squat\n"))
    code, out, _ = run(capsys, "check-name", "-")
    assert [json.loads(x)["name"] for x in out.splitlines()] == ["requests", "reqeusts"]
    assert code == 1


def test_a_line_that_is_not_a_name_is_said_in_place_and_not_checked(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("flask\nnot a name\nrequests==2.0\nnumpy\n"))
    code, out, _ = run(capsys, "check-name", "-")
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["name"] for x in lines] == ["flask", "not a name", "requests==2.0", "numpy"]
    assert [x.get("line") for x in lines] == [None, 2, 3, None]
    assert "findings" not in lines[1] and lines[1]["error"].startswith("not checked: a package name has letters")
    assert code == 3  # nothing flagged, but two lines could not be checked: never a clean 0


def test_a_homoglyph_name_is_a_name(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Letters of other scripts pass the name check: a Cyrillic look-alike is exactly what is being checked."""
    monkeypatch.setattr("sys.stdin", io.StringIO("r\u0435quests\n"))
    code, out, _ = run(capsys, "check-name", "-")
    assert code == 1 and json.loads(out)["findings"][0]["transformation"] == "homoglyph"


@pytest.mark.parametrize("name", ["", "   ", "# comment", "two words", "requests==2.0"])
def test_an_argument_that_is_not_a_name_is_an_error(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "check-name", name)
    assert code == 2 and out == ""
    assert "is not a package name" in err


def test_no_names_on_stdin_is_not_checked(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# only a comment\n\n"))
    code, out, err = run(capsys, "check-name", "-")
    assert code == 3 and out == "" and "no names on stdin" in err


def test_stdin_is_streamed_one_line_out_per_line_in(tmp_path: Path) -> None:
    """A registry feeding names one at a time gets each answer before it sends the next name."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "chainwarden", "check-name", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for name in ("reqeusts", "flask", "numpy"):
            proc.stdin.write(name + "\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            assert ready, f"no answer for {name} while stdin is still open"
            assert json.loads(proc.stdout.readline())["name"] == name
        proc.stdin.close()
        assert proc.wait(timeout=120) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_long_line_is_not_read_whole(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x" * 1_000_000 + b"\nflask\n"), encoding="utf-8"))
    code, out, _ = run(capsys, "check-name", "-")
    lines = [json.loads(x) for x in out.splitlines()]
    assert lines[0] == {"line": 1, "name": "", "error": "not checked: longer than 4096 bytes, not a package name"}
    assert lines[1]["name"] == "flask" and code == 3


def test_data_reset_goes_back_to_the_shipped_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "mine.csv"
    source.write_text("download_count,project\n900,internal-widgets\n")
    code, out, _ = run(capsys, "data", "update", "--ecosystem", "pypi", str(source))
    assert code == 0 and "chainwarden data reset --ecosystem pypi" in out
    assert "1 names" in run(capsys, "data", "show")[1]
    code, out, _ = run(capsys, "data", "reset", "--ecosystem", "pypi")
    assert code == 0 and out.startswith("pypi: the list saved by `data update` is removed; using the shipped list (")
    shown = run(capsys, "data", "show")[1]
    assert "1 names" not in shown
    assert run(capsys, "check-name", "reqeusts")[0] == 1  # the shipped list is back
    code, out, _ = run(capsys, "data", "reset")
    assert code == 0 and "pypi: no saved list" in out and "npm: no saved list" in out
