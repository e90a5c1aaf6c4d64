"""`chainwarden review BASE HEAD`: a real two-commit git repository whose second commit bumps a dependency to
a release published by a new account (the event-stream shape), answered by a test registry over HTTP."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from chainwarden.cli.main import main
from tests.registry.builder import npm_package
from tests.registry.server import RegistryServer

OLD_OWNER = ("stream-dev", "dev@stream-kit.example.test")
NEW_OWNER = ("helpful-stranger", "stranger@throwaway.test")


def lock(version: str, extra: dict[str, str] | None = None) -> str:
    deps = {"stream-kit": f"^{version}", **(extra or {})}
    packages: dict[str, dict] = {"": {"name": "app", "version": "1.0.0", "dependencies": deps}}
    packages["node_modules/stream-kit"] = {"version": version, "resolved": f"http://127.0.0.1:9/npm/stream-kit/-/stream-kit-{version}.tgz",
                                          "integrity": "sha512-" + "A" * 86 + "=="}
    for name, spec in (extra or {}).items():
        packages[f"node_modules/{name}"] = {"version": spec.lstrip("^"), "resolved": f"http://127.0.0.1:9/npm/{name}/-/{name}.tgz",
                                           "integrity": "sha512-" + "B" * 86 + "=="}
    return json.dumps({"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}, indent=2)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.test", *args],
                   check=True, capture_output=True)


def commit(repo: Path, version: str, message: str, extra: dict[str, str] | None = None) -> None:
    deps = {"stream-kit": f"^{version}", **(extra or {})}
    (repo / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "dependencies": deps}, indent=2))
    (repo / "package-lock.json").write_text(lock(version, extra))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, tmp_registry: RegistryServer) -> Path:
    npm_package(tmp_registry.root, "stream-kit", {"3.3.4": datetime(2018, 5, 1), "3.3.5": datetime(2018, 9, 9)},
                maintainers=[OLD_OWNER, NEW_OWNER], publishers={"3.3.5": NEW_OWNER},
                version_maintainers={"3.3.4": [OLD_OWNER], "3.3.5": [NEW_OWNER]},
                version_repository={"3.3.5": "git+https://example.test/helpful-stranger/stream-kit.git"})
    npm_package(tmp_registry.root, "left-pad", {"1.3.0": datetime(2018, 4, 9)})
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q")
    commit(r, "3.3.4", "app on stream-kit 3.3.4")
    commit(r, "3.3.5", "bump stream-kit", {"left-pad": "^1.3.0"})
    return r


def review(capsys: pytest.CaptureFixture[str], repo: Path, registry: RegistryServer, *extra: str) -> tuple[int, dict]:
    code = main(["review", "HEAD~1", "HEAD", str(repo), "--npm-registry", registry.npm_registry_url, "--no-dns",
                 "--as-of", "2026-11-21", "--cache-dir", str(repo.parent / "cache"), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_bump_to_a_release_with_a_new_owner_fails_the_default_policy(
        capsys: pytest.CaptureFixture[str], repo: Path, tmp_registry: RegistryServer) -> None:
    code, doc = review(capsys, repo, tmp_registry)
    assert code == 1 and doc["verdict"] == "fail"
    changes = {c["name"]: c for c in doc["changes"]}
    assert changes["stream-kit"] == {"ecosystem": "npm", "name": "stream-kit", "change": "upgraded", "old": "3.3.4", "new": "3.3.5"}
    assert changes["left-pad"]["change"] == "added"
    owner = [f for f in doc["findings"] if f["rule"] == "new-maintainer"]
    assert owner and owner[0]["severity"] == "high" and "helpful-stranger" in owner[0]["message"]
    assert owner[0]["location"]["file"] == "package-lock.json"
    assert any(f["rule"] == "repository-changed" for f in doc["findings"])
    assert any("new-maintainer" in r for r in doc["reasons"])


def test_approvals_flag_an_unlisted_new_dependency(capsys: pytest.CaptureFixture[str], repo: Path,
                                                   tmp_registry: RegistryServer) -> None:
    policy = repo.parent / "policy.toml"
    policy.write_text('[approvals]\nrequired = true\npackages = ["stream-kit"]\n'
                      '[rules.new-maintainer]\naction = "warn"\n[rules.repository-changed]\naction = "warn"\n')
    code, doc = review(capsys, repo, tmp_registry, "--config", str(policy))
    unapproved = [f for f in doc["findings"] if f["rule"] == "unapproved-dependency"]
    assert [f["package"] for f in unapproved] == ["pkg:npm/left-pad@1.3.0"]
    assert code == 0  # medium: a warning under the default fail-on
    policy.write_text(policy.read_text().replace('packages = ["stream-kit"]', 'packages = ["stream-kit", "left-pad"]'))
    code, doc = review(capsys, repo, tmp_registry, "--config", str(policy))
    assert not [f for f in doc["findings"] if f["rule"] == "unapproved-dependency"]


def test_the_terminal_report_lists_changes_and_the_owner_change(capsys: pytest.CaptureFixture[str], repo: Path,
                                                                tmp_registry: RegistryServer) -> None:
    code = main(["review", "HEAD~1", "HEAD", str(repo), "--npm-registry", tmp_registry.npm_registry_url, "--no-dns",
                 "--cache-dir", str(repo.parent / "cache")])
    out = capsys.readouterr().out
    assert code == 1 and "upgraded" in out and "stream-kit" in out and "new-maintainer" in out


def test_an_unknown_ref_or_a_folder_outside_git_is_a_clear_usage_error(
        capsys: pytest.CaptureFixture[str], repo: Path, tmp_path: Path) -> None:
    assert main(["review", "no-such-ref", "HEAD", str(repo), "--offline"]) == 2
    assert "no-such-ref" in capsys.readouterr().err
    outside = tmp_path / "plain"
    outside.mkdir()
    assert main(["review", "HEAD~1", "HEAD", str(outside), "--offline"]) == 2
    assert "git" in capsys.readouterr().err



def test_links_inside_the_repository_are_read_and_links_out_of_it_are_not_followed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, repo: Path, tmp_registry: RegistryServer) -> None:
    """chainwarden's own repository has a link (src/chainwarden/rules -> docs/rules): `review` refused every
    repository with one (exit 2). A link that stays inside the tree is made again (a linked lockfile is read as
    in a checkout); one out of it (absolute, or past the top) is not followed and is listed as not checked."""
    (tmp_path / "secret.json").write_text('{"packages": {}}')
    (repo / "lock").mkdir()
    (repo / "package-lock.json").rename(repo / "lock" / "package-lock.json")
    (repo / "package-lock.json").symlink_to("lock/package-lock.json")
    (repo / "docs").symlink_to("lock")
    (repo / "etc").symlink_to("/etc")
    (repo / "up").symlink_to("../secret.json")
    (repo / "lock" / "here").symlink_to("..")  # inside: the repository's top
    (repo / "around").symlink_to("lock/here/../secret.json")  # inside by its text, out of it through lock/here
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the lockfile is a link; links out of the repository")
    code = main(["review", "HEAD~2", "HEAD", str(repo), "--npm-registry", tmp_registry.npm_registry_url, "--no-dns",
                 "--as-of", "2026-11-21", "--cache-dir", str(repo.parent / "cache"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1, doc  # the policy's verdict on the change, not a usage error
    changes = {c["name"]: c["change"] for c in doc["changes"]}
    assert changes == {"stream-kit": "upgraded", "left-pad": "added"}  # read through the link, as before
    skipped = {s["what"]: s["reason"] for s in doc["skipped"]}
    assert "a symbolic link out of the repository" in skipped["etc (HEAD)"]
    assert "a symbolic link out of the repository" in skipped["up (HEAD)"]
    assert "a symbolic link out of the repository" in skipped["around (HEAD)"]
    assert "lock/here (HEAD)" not in skipped
    assert not any(w.startswith(("package-lock.json", "docs")) for w in skipped)


def test_every_review_rule_has_its_page(capsys: pytest.CaptureFixture[str]) -> None:
    from chainwarden.analyze.review import REVIEW_RULES

    root = Path(__file__).resolve().parents[2]
    sections = ["## What it detects", "## Why it matters", "## Example", "## What is not flagged",
                "## Known false positives", "## How to suppress", "## References"]
    for rule, _, _ in REVIEW_RULES:
        text = (root / "docs" / "rules" / f"{rule}.md").read_text(encoding="utf-8")
        assert [s for s in sections if s not in text] == [], rule
        assert main(["explain", rule]) == 0
        assert f"# {rule}" in capsys.readouterr().out


def test_review_deep_shows_the_behaviour_an_update_adds(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        registry: RegistryServer) -> None:
    r = tmp_path / "py"
    r.mkdir()
    git(r, "init", "-q")
    (r / "requirements.txt").write_text("py-formatter-util==1.2.1\n")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "pin 1.2.1")
    (r / "requirements.txt").write_text("py-formatter-util==1.2.2\n")
    git(r, "commit", "-q", "-am", "take 1.2.2")
    code = main(["review", "HEAD~1", "HEAD", str(r), "--index-url", registry.pypi_index_url, "--no-dns", "--deep",
                 "--as-of", "2026-11-21", "--cache-dir", str(tmp_path / "cache"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    changed = [f for f in doc["findings"] if f["rule"] == "changed-behaviour"]
    assert changed and changed[0]["severity"] == "critical" and changed[0]["location"]["file"] == "requirements.txt"
