"""The seed scenario end to end: a project that pulls in a hijacked, formerly dormant
package through a healthy direct dependency, scanned against the test registry over
HTTP and the test DNS server, as of the test data's today (2026-11-21)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from chainwarden.analyze import ANALYZERS
from chainwarden.cli.main import main
from chainwarden.report.json_report import schema
from tests.dns.server import DnsServer
from tests.registry.builder import pypi_project
from tests.registry.make_data import t
from tests.registry.server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
WEAK_LINKS = {"dormant-then-released", "single-maintainer", "maintainer-domain-unresolvable"}
LOCK = """\
py-formatter-util==1.2.2
    # via report-kit
report-kit==3.1.1
    # via -r requirements.in
steady-lib==1.8.0
    # via -r requirements.in
"""


def scan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, _ = scan(capsys, "--format", "json", *argv)
    report = json.loads(out)
    jsonschema.validate(report, schema())
    return code, report


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "requirements.txt").write_text(LOCK)
    return tmp_path / "app"


def test_the_hijacked_release_is_flagged_with_its_path_and_the_controls_are_not(
    capsys: pytest.CaptureFixture[str], project: Path, registry: RegistryServer, dns_server: DnsServer, tmp_path: Path
) -> None:
    code, report = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url,
                             "--dns-server", dns_server.address, "--cache-dir", str(tmp_path / "cache"))
    assert code == 1
    hijacked = [f for f in report["findings"] if f["package"] == "pkg:pypi/py-formatter-util@1.2.2"]
    assert {f["rule"] for f in hijacked} >= WEAK_LINKS
    for f in hijacked:
        assert f["path"] == ["pkg:pypi/report-kit@3.1.1", "pkg:pypi/py-formatter-util@1.2.2"]
        assert f["location"]["file"].endswith("app/requirements.txt") and f["location"]["line"] == 1
    by_rule = {f["rule"]: f for f in hijacked}
    assert by_rule["dormant-then-released"]["severity"] == "critical"
    assert by_rule["maintainer-domain-unresolvable"]["severity"] == "high"
    controls = [f for f in report["findings"] if f["package"] != "pkg:pypi/py-formatter-util@1.2.2"]
    assert controls == [], controls
    assert [s["what"] for s in report["skipped"]] == ["advisories"]  # no advisory data loaded: the only thing not checked

    domains = {d["host"]: d["status"] for d in report["projects"][0]["email_domains"]}
    assert domains == {"lapsed-domain.test": "nxdomain", "healthy-domain.test": "resolves"}

    m = report["metrics"]
    assert m["maintainer_activity"] == {"no_release_1_year": 0, "single_maintainer": 1, "maintainers_known": 3}
    assert m["staleness"]["no_release_24_months"]["all"] == 0
    risk = {r["package"]: r for r in m["risk"]["packages"]}
    own = risk["pkg:pypi/py-formatter-util@1.2.2"]
    assert own["own"] == sum(c["points"] for c in own["contributions"]) > 0
    assert risk["pkg:pypi/report-kit@3.1.1"]["own"] == 0
    assert risk["pkg:pypi/report-kit@3.1.1"]["transitive"] == own["own"]  # it pulls the risk in
    assert m["risk"]["top_paths"][0]["path"] == ["pkg:pypi/report-kit@3.1.1", "pkg:pypi/py-formatter-util@1.2.2"]
    assert m["risk"]["project"] == own["own"]


def test_terminal_report_shows_the_path_the_metrics_and_the_riskiest_paths(
    capsys: pytest.CaptureFixture[str], project: Path, registry: RegistryServer, dns_server: DnsServer, tmp_path: Path
) -> None:
    code, out, _ = scan(capsys, str(project), "--index-url", registry.pypi_index_url, "--dns-server", dns_server.address,
                        "--cache-dir", str(tmp_path / "cache"), "--summary-only")
    assert code == 1
    text = " ".join(out.split())
    assert "via report-kit==3.1.1 → py-formatter-util==1.2.2" in text
    assert "CRITICAL dormant-then-released" in text
    assert "the domain of dev@lapsed-domain.test (lapsed-domain.test) is not registered" in text
    assert "no release in 18 months: 0 of 3 (0%) packages" in text
    assert "single maintainer: 1 of 3 (33%) packages" in text
    assert "Riskiest paths 1." in text


def test_with_the_canary_failing_no_domain_finding_appears_and_a_skip_does(
    capsys: pytest.CaptureFixture[str], project: Path, registry: RegistryServer, dns_hooks: DnsServer, tmp_path: Path
) -> None:
    dns_hooks.servfail("example.com")
    code, report = scan_json(capsys, str(project), "--index-url", registry.pypi_index_url,
                             "--dns-server", dns_hooks.address, "--cache-dir", str(tmp_path / "cache"))
    rules = {f["rule"] for f in report["findings"]}
    assert "maintainer-domain-unresolvable" not in rules
    assert "dormant-then-released" in rules
    dns_skips = [s for s in report["skipped"] if s["what"] == "dns"]
    assert len(dns_skips) == 1 and "canary domain example.com did not resolve" in dns_skips[0]["reason"]
    assert code == 1
    assert scan(capsys, str(project), "--index-url", registry.pypi_index_url, "--dns-server", dns_hooks.address,
                "--cache-dir", str(tmp_path / "cache2"), "--strict", "--config", str(_warn_only(tmp_path)))[0] == 3


def _warn_only(tmp_path: Path) -> Path:
    policy = tmp_path / "warn.toml"
    policy.write_text('fail-on = "critical"\n[rules.dormant-then-released]\naction = "warn"\n')
    return policy


def test_owner_change_between_scans_is_reported(capsys: pytest.CaptureFixture[str], tmp_registry: RegistryServer, tmp_path: Path) -> None:
    pypi_project(tmp_registry.root, "tiny-lib", {"1.0": t("2024-01-10"), "1.1": t("2025-06-01")},
                 maintainers=["alice", "bob"])
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "requirements.txt").write_text("tiny-lib==1.1\n")
    argv = [str(tmp_path / "p"), "--index-url", tmp_registry.pypi_index_url, "--cache-dir", str(tmp_path / "c"), "--cache-ttl", "0"]
    _, first = scan_json(capsys, *argv)
    assert "owners-changed" not in {f["rule"] for f in first["findings"]}
    pypi_project(tmp_registry.root, "tiny-lib", {"1.0": t("2024-01-10"), "1.1": t("2025-06-01")}, maintainers=["mallory"])
    _, second = scan_json(capsys, *argv)
    changed = [f for f in second["findings"] if f["rule"] == "owners-changed"]
    assert len(changed) == 1 and changed[0]["severity"] == "high"
    assert "added mallory; removed alice, bob" in changed[0]["message"]
    _, third = scan_json(capsys, *argv)  # still reported on the next scan: the change is recent
    assert [f["rule"] for f in third["findings"] if f["rule"] == "owners-changed"] == ["owners-changed"]
    code = main(["scan", "--no-progress", "--format", "json", "--as-of", "2027-06-01", *argv])
    later = json.loads(capsys.readouterr().out)
    assert "owners-changed" not in {f["rule"] for f in later["findings"]}, code  # past the 90-day window


def test_thresholds_come_from_the_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("colorama==0.4.6\n")
    (tmp_path / "chainwarden.toml").write_text('[rules.dormant]\nafter = "5y"\n')
    snapshot = str(ROOT / "tests" / "registry" / "data")
    _, report = scan_json(capsys, str(tmp_path), "--registry-snapshot", snapshot, "--no-dns", "--cache-dir", str(tmp_path / "c"))
    assert "dormant" not in {f["rule"] for f in report["findings"]}
    (tmp_path / "chainwarden.toml").write_text('[rules.dormant]\nafter = "18mo"\n')
    _, report = scan_json(capsys, str(tmp_path), "--registry-snapshot", snapshot, "--no-dns", "--cache-dir", str(tmp_path / "c"))
    assert "dormant" in {f["rule"] for f in report["findings"]}


@pytest.mark.parametrize(("policy", "message"), [
    ('[rules.dormant]\nafter = "two years"\n', 'chainwarden.toml:2: rules.dormant.after: expected a duration'),
    ('[rules.dormnat]\naction = "warn"\n', "rules.dormnat: unknown rule (did you mean 'dormant'?)"),
    ('[rules.dormant]\nwindow = "3y"\n', "rules.dormant.window: unknown key (expected action, fail-on, after)"),
    ('[dns]\nserver = 53\n', "chainwarden.toml:2: dns.server: expected a non-empty string"),
    ('[dns]\nresolver = "1.1.1.1"\n', "dns.resolver: unknown key"),
])
def test_a_bad_threshold_is_a_usage_error_with_its_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str, message: str) -> None:
    (tmp_path / "requirements.txt").write_text("colorama==0.4.6\n")
    (tmp_path / "chainwarden.toml").write_text(policy)
    code, _, err = scan(capsys, str(tmp_path), "--no-dns")
    assert code == 2
    assert message in err, err


def test_the_bundled_scenario_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    example = tmp_path / "hijack-scenario"
    shutil.copytree(ROOT / "examples" / "hijack-scenario", example)
    code, report = scan_json(capsys, str(example), "--cache-dir", str(tmp_path / "c"))
    assert code == 1
    flagged = {f["rule"] for f in report["findings"] if f["package"] == "pkg:pypi/py-formatter-util@1.2.2"}
    assert flagged >= WEAK_LINKS
    assert {f["package"] for f in report["findings"]} == {"pkg:pypi/py-formatter-util@1.2.2"}
    assert [s["what"] for s in report["skipped"]] == ["advisories"]  # no advisory data loaded: the only thing not checked


@pytest.mark.parametrize("rule", [a.info.id for a in ANALYZERS])
def test_explain_prints_each_rule_page(capsys: pytest.CaptureFixture[str], rule: str) -> None:
    assert main(["explain", rule]) == 0
    out = capsys.readouterr().out
    assert "What it detects" in out and "How to suppress" in out
