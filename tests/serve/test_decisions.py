"""The decision per release (serve.decisions, pure) and the [serve] policy section (decide.serve_policy)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chainwarden.decide import PolicyError, load_policy
from chainwarden.decide.serve_policy import ServePolicy
from chainwarden.enrich.documents import ProjectRecord
from chainwarden.model import Advisory, NameMatch
from chainwarden.serve import decisions as dec

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = ServePolicy()


def release(version: str, age_days: float | None, verdict: str | None = "clean") -> dec.Release:
    return dec.Release(version, NOW - age_days * DAY if age_days is not None else None, verdict, "x", verdict is not None)


def decide(releases: list[dec.Release], *, record: ProjectRecord | None = None, changes: dec.Changes = dec.Changes(),
           advisories: dict[str, list[Advisory]] | None = None, matches: list[NameMatch] = (),  # type: ignore[assignment]
           overrides: list[dec.OverrideView] = (), policy: ServePolicy = POLICY,  # type: ignore[assignment]
           name: str = "demo") -> dict[str, dec.VersionDecision]:
    found = dec.signals(name, releases, record, changes, advisories or {}, matches, policy, NOW)
    return {r.version: dec.judge(r.version, found[r.version], overrides, NOW) for r in releases}


def test_cooldown_holds_a_young_release_until_it_is_old_enough() -> None:
    d = decide([release("1.0", 30), release("1.1", 6.9), release("1.2", 7.0)])
    assert d["1.0"].served and d["1.2"].served
    assert d["1.1"].state == "held" and d["1.1"].checks == ("cooldown",)
    assert d["1.1"].until == NOW - 6.9 * DAY + 7 * DAY


def test_per_project_cooldown_and_a_release_without_an_upload_time() -> None:
    policy = ServePolicy(cooldown_overrides={"demo": 1 * DAY})
    assert decide([release("1.1", 2)], policy=policy)["1.1"].served
    undated = decide([release("1.0", None)])["1.0"]
    assert undated.state == "held" and undated.checks == ("no-upload-time",)


def test_a_new_release_is_held_until_analysed_and_blocked_when_malicious() -> None:
    pending = decide([dec.Release("1.0", NOW - 20 * DAY)])["1.0"]
    assert pending.state == "held" and pending.checks == ("analysis-pending",)
    old = decide([dec.Release("0.9", NOW - 400 * DAY)])["0.9"]
    assert old.served  # older than analyse-within: listed; its files are analysed before they are first sent
    assert decide([release("1.0", 20, "malicious")])["1.0"].state == "blocked"
    assert decide([release("1.0", 20, "suspicious")])["1.0"].state == "held"
    assert decide([release("1.0", 20, "not-checked")])["1.0"].state == "held"
    assert decide([release("1.0", 20, "suspicious")], policy=ServePolicy(suspicious="serve"))["1.0"].served


def test_known_malicious_blocks_and_approval_does_not_release_a_block() -> None:
    mal = Advisory("MAL-2026-1", malicious=True, summary="steals tokens")
    approve = dec.OverrideView(1, "approve", "1.0", "", "ana", "looked at it", None)
    d = decide([release("1.0", 100)], advisories={"1.0": [mal]}, overrides=[approve])["1.0"]
    assert d.state == "blocked" and "MAL-2026-1" in d.reasons[0]
    bypass = dec.OverrideView(2, "bypass", "1.0", "", "ciso", "outage", NOW + DAY)
    d = decide([release("1.0", 100)], advisories={"1.0": [mal]}, overrides=[bypass])["1.0"]
    assert d.served and d.reasons[0].startswith("EMERGENCY BYPASS by ciso (outage)") and d.until == NOW + DAY


def test_approvals_and_waivers_release_holds_until_they_expire() -> None:
    approve = dec.OverrideView(1, "approve", "1.1", "", "ana", "reviewed", NOW + DAY)
    d = decide([release("1.1", 1)], overrides=[approve])["1.1"]
    assert d.served and "ana's approval" in d.reasons[0] and d.until == NOW + DAY
    expired = dec.OverrideView(1, "approve", "1.1", "", "ana", "reviewed", NOW - DAY)
    assert decide([release("1.1", 1)], overrides=[expired])["1.1"].state == "held"
    waive = dec.OverrideView(2, "waive", "", "cooldown", "bo", "hotfix train", NOW + DAY)
    assert decide([release("1.1", 1)], overrides=[waive])["1.1"].served
    other = dec.OverrideView(3, "waive", "", "owners-changed", "bo", "known hand-over", NOW + DAY)
    assert not decide([release("1.1", 1)], overrides=[other])["1.1"].served
    block = dec.OverrideView(4, "block", "", "", "sec", "do not use", None)
    assert decide([release("1.0", 100)], overrides=[block])["1.0"].state == "blocked"


def test_dormancy_hold_uses_the_dormant_then_released_rule() -> None:
    record = ProjectRecord(exists=True, index_url="u", source="json-api", versions=["1.2.1", "1.2.2"],
                           release_times={"1.2.1": NOW - 1500 * DAY, "1.2.2": NOW - 10 * DAY}, maintainers=["one"],
                           maintainer_source="ownership")
    d = decide([release("1.2.1", 1500), release("1.2.2", 10)], record=record)
    assert d["1.2.1"].served
    assert d["1.2.2"].state == "held" and d["1.2.2"].checks == ("dormant-then-released",)
    assert d["1.2.2"].until == NOW - 10 * DAY + 30 * DAY


def test_owner_and_repository_changes_hold_releases_made_after_them() -> None:
    changes = dec.Changes(("alice",), ("mallory",), NOW - 3 * DAY, "https://example.test/a/demo",
                          "https://example.test/m/demo", NOW - 3 * DAY)
    d = decide([release("1.0", 300), release("1.1", 1)], changes=changes, policy=ServePolicy(cooldown=timedelta(0)))
    assert d["1.0"].served
    assert set(d["1.1"].checks) == {"owners-changed", "repository-changed"}
    assert "added mallory; removed alice" in " ".join(d["1.1"].reasons)


def test_a_new_typosquat_of_a_popular_name_is_blocked() -> None:
    match = NameMatch("requests", "swap", "", 1_000_000, None)
    d = decide([release("0.1", 8)], matches=[match], name="reqeusts")
    assert d["0.1"].state == "blocked" and d["0.1"].checks[0] == "typosquat"
    assert decide([release("0.1", 200)], matches=[match], name="reqeusts")["0.1"].served  # not new
    assert decide([release("0.1", 8)], matches=[match], name="reqeusts",
                  policy=ServePolicy(block_typosquats=False))["0.1"].served


def test_internal_names_lists_prefixes_and_sources_globs() -> None:
    policy = ServePolicy(internal=("acme-billing", "corp.*"), internal_prefixes=("acme-",))
    assert policy.is_internal("Acme_Billing") and policy.is_internal("acme-ledger") and policy.is_internal("corp.tools")
    assert not policy.is_internal("requests")
    assert ServePolicy().is_internal("acme-x", also=("acme-*", "@acme/*"))


def test_the_serve_section_is_parsed_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "chainwarden.toml"
    path.write_text('[serve]\ncooldown = "3d"\ninternal = ["acme"]\n[serve.cooldown-overrides]\nRequests = "1d"\n')
    policy = load_policy(path).serve
    assert policy.cooldown == 3 * DAY and policy.cooldown_for("requests") == DAY and policy.internal == ("acme",)
    path.write_text('[serve]\nupstream = "ftp://x"\n')
    with pytest.raises(PolicyError, match=r"chainwarden.toml:2: serve.upstream: expected an http\(s\):// URL"):
        load_policy(path)
    path.write_text('[serve]\ncooldown = "soon"\n')
    with pytest.raises(PolicyError, match=r":2: serve.cooldown: expected a duration"):
        load_policy(path)
    path.write_text('[serve]\ncoldown = "3d"\n')
    with pytest.raises(PolicyError, match="serve.coldown: unknown key"):
        load_policy(path)


def test_the_scanner_commands_never_load_the_server_stack() -> None:
    import subprocess
    import sys

    code = ("import sys; from chainwarden.cli.main import main, build_parser\n"
            "build_parser()\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('uvicorn', 'starlette', 'chainwarden.serve'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_admin_commands_on_a_folder_that_is_no_store_say_so(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.serve.conftest import CLI

    out = subprocess.run([*CLI, "index", "held", "--store", str(tmp_path / "typo")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2 and "no index store in" in out.stderr and not (tmp_path / "typo").exists()
    assert sys.executable in CLI
