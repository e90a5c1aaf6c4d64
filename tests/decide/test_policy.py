"""decide: the policy file's ignores (with reason and expiry), per-rule thresholds, approvals, and `chainwarden
policy init|explain`. Scans run through the whole pipeline against the test registry's snapshot, as of the
data's "today" (2026-11-21)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwarden.cli.main import main
from chainwarden.decide import Policy, PolicyError, find_policy, load_policy
from chainwarden.model import Ecosystem

DATA = Path(__file__).resolve().parents[1] / "registry" / "data"


def project(tmp_path: Path, policy: str, requirements: str = "py-formatter-util==1.2.2\n") -> Path:
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "chainwarden.toml").write_text(f'registry-snapshot = "{DATA}"\n' + policy)
    return tmp_path


def scan(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, dict]:
    code = main(["scan", str(path), "--as-of", "2026-11-21", "--format", "json", "--no-progress", "--no-dns", *extra])
    return code, json.loads(capsys.readouterr().out)


IGNORE = '''
[[ignore]]
rule = "*"
package = "py-formatter-util"
versions = "==1.2.2"
reason = "reviewed in SEC-123"
expires = {date}
'''


def test_an_expired_ignore_fails_the_run_and_names_the_entry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc = scan(capsys, project(tmp_path, IGNORE.format(date="2026-01-31")))
    assert code == 1
    reasons = doc["reasons"]
    assert any("ignore #1 (line 3)" in r and "expired on 2026-01-31" in r and "SEC-123" in r for r in reasons), reasons


def test_the_same_ignore_with_a_future_date_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc = scan(capsys, project(tmp_path, IGNORE.format(date="2027-03-31")))
    assert code == 0, doc["reasons"]
    assert doc["summary"]["ignored"] > 0
    assert not [f for f in doc["findings"] if "py-formatter-util" in f["package"]]


def test_an_ignore_for_other_versions_does_not_apply(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _ = scan(capsys, project(tmp_path, IGNORE.format(date="2027-03-31").replace("==1.2.2", "<=1.2.1")))
    assert code == 1


def test_a_per_rule_threshold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = "fail-on = \"critical\"\n[rules.single-maintainer]\nfail-on = \"info\"\n"
    code, doc = scan(capsys, project(tmp_path, policy, "steady-lib==1.8.0\npy-formatter-util==1.2.2\n"))
    assert code == 1
    assert any("single-maintainer" in r and "rules.single-maintainer.fail-on = info" in r for r in doc["reasons"])


@pytest.mark.parametrize(("text", "message"), [
    ('[[ignore]]\nrule = "dormant"\npackage = "x"\nexpires = 2027-01-01\n', "ignore #1.reason: expected a reason"),
    ('[[ignore]]\nrule = "dormnat"\npackage = "x"\nreason = "r"\n', "did you mean 'dormant'"),
    ('[[ignore]]\nrule = "dormant"\npackage = "x"\nreason = "r"\nversions = "not a spec"\n', "ignore #1.versions"),
    ('[[ignore]]\nrule = "dormant"\npackage = "x"\nreason = "r"\nexpires = "soon"\n', "expected a date"),
    ('[approvals]\nrequired = "yes"\n', "approvals.required: expected true or false"),
    ('[rules.dormant]\nfail-on = "severe"\n', "rules.dormant.fail-on"),
    # a version past Python's digit limit: an error now, not a crash when a finding is matched
    ('[[ignore]]\nrule = "dormant"\npackage = "x"\nreason = "r"\nversions = "==' + "1" * 5000 + '"\n', "ignore #1.versions"),
])
def test_bad_policy_entries_are_clear_errors_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "chainwarden.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_policy(path)
    assert f"{path}:" in str(info.value)


@pytest.mark.parametrize("text", ['tool = 1\n[project]\nname = "x"\ndependencies = ["click==8.1.7"]\n',
                                  '[project]\nname = "x"\n[dependency-groups]\ndev = ' + "[" * 5000 + "]" * 5000 + "\n"],
                         ids=["tool-not-a-table", "nested-5000-deep"])
def test_a_pyproject_that_is_not_a_policy_does_not_end_the_scan(tmp_path: Path, text: str) -> None:
    """Found by bench/bench_fuzz.py: `tool = 1`, or an array nested thousands deep, in a scanned pyproject.toml ended
    the scan with exit 4 while looking for a policy (and then while reading [tool.uv])."""
    (tmp_path / "pyproject.toml").write_text(text)
    assert find_policy(tmp_path) is None
    assert main(["scan", str(tmp_path), "--offline", "--no-dns", "--cache-dir", str(tmp_path / "c"), "--format", "json"]) != 4


def test_code_rules_can_be_configured(tmp_path: Path) -> None:
    path = tmp_path / "chainwarden.toml"
    path.write_text('[rules.changed-behaviour]\naction = "fail"\n[rules.native-binary]\naction = "ignore"\n')
    assert set(load_policy(path).rules) == {"changed-behaviour", "native-binary"}


def test_approvals_match_names_globs_and_pins(tmp_path: Path) -> None:
    path = tmp_path / "chainwarden.toml"
    path.write_text('[approvals]\nrequired = true\npackages = ["Requests", "@acme/*", "left-pad@1.3.0"]\n')
    a = load_policy(path).approvals
    assert a.required and a.approves("requests", "2.32.0", Ecosystem.PYPI)
    assert a.approves("@acme/auth", "2.0.0", Ecosystem.NPM) and a.approves("left-pad", "1.3.0", Ecosystem.NPM)
    assert not a.approves("left-pad", "1.2.0", Ecosystem.NPM) and not a.approves("idna", None, Ecosystem.PYPI)
    assert not Policy().approvals.required


def test_policy_init_writes_a_starter_file_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "chainwarden.toml"
    assert main(["policy", "init", "--output", str(target)]) == 0
    policy = load_policy(target)
    assert policy.fail_on.value == "high"
    assert main(["policy", "init", "--output", str(target)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err


def test_policy_explain_names_the_entry_behind_each_verdict(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project(tmp_path, IGNORE.format(date="2027-03-31").replace('"*"', '"single-maintainer"'))
    code = main(["policy", "explain", str(path), "--as-of", "2026-11-21", "--no-dns"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ignore #1 (line 3)" in out and "reviewed in SEC-123" in out
    assert "fail-on = high" in out
