"""`chainwarden check-name` and `chainwarden data`: names without a project or an index."""

from __future__ import annotations

import io
import json
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
