"""Real pip, uv and twine against ``chainwarden serve`` on loopback (rule 6), upstream the scenario's test registry.

Every client is pointed at our index alone (no configuration files, no cache, no other index) and runs
binary-only, so nothing is ever built: the blocked sdist of the seed scenario could only reach a client
through a bug here, and even then it would not run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
import uv

from tests.registry.server import RegistryServer
from tests.serve import scenario
from tests.serve.conftest import Index

PIP = [sys.executable, "-m", "pip"]
UV = uv.find_uv_bin()


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=240)


def wait_for_event(index: Index, event: str, project: str, seconds: float = 60) -> dict[str, Any]:
    """The last audit event of this kind for the project, waiting for it to be written."""
    deadline = time.monotonic() + seconds
    while True:
        r = index.cli("index", "audit", "--store", str(index.store), "--project", project, "--event", event, "--json")
        events = json.loads(r.stdout)
        if events or time.monotonic() > deadline:
            assert events, f"no {event} event for {project}"
            return dict(events[-1])
        time.sleep(0.5)


def installed(target: Path) -> dict[str, str]:
    """name -> version of what an install put in `target` (from the .dist-info folder names)."""
    out = {}
    for d in target.glob("*.dist-info"):
        name, _, version = d.name.removesuffix(".dist-info").rpartition("-")
        out[name.replace("_", "-").lower()] = version
    return out


def test_pip_install_resolves_the_seed_scenario_to_the_release_before_the_hijack(index: Index, client_env: dict[str, str],
                                                                                 tmp_path: Path) -> None:
    target = tmp_path / "site"
    r = run([*PIP, "install", "--index-url", index.simple, "--only-binary", ":all:", "--target", str(target), "report-kit"],
            client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(target) == {"report-kit": "3.1.1", "py-formatter-util": "1.2.1"}
    blocked = wait_for_event(index, "blocked", "py-formatter-util")  # the analysis runs beside the request
    why = " ".join(blocked["reasons"])
    assert blocked["version"] == "1.2.2"
    assert "static analysis: malicious" in why and "dns-exfiltration" in why
    assert "dormant-then-released" in why and "cooldown" in why


def test_pip_download_takes_the_newest_release_out_of_its_cooldown(index: Index, client_env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    r = run([*PIP, "download", "--index-url", index.simple, "--only-binary", ":all:", "--no-deps", "-d", str(tmp_path),
             "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [p.name for p in tmp_path.glob("*.whl")] == ["steady_lib-2.0.0-py3-none-any.whl"]


def test_a_held_release_is_pips_no_matching_distribution(index: Index, client_env: dict[str, str], tmp_path: Path) -> None:
    r = run([*PIP, "download", "--index-url", index.simple, "--only-binary", ":all:", "--no-deps", "-d", str(tmp_path),
             "steady-lib==2.1.0"], client_env)
    assert r.returncode != 0
    assert "No matching distribution found for steady-lib==2.1.0" in r.stdout + r.stderr


def test_a_held_file_asked_for_directly_is_403_with_the_reason(index: Index, upstream: RegistryServer,
                                                               client_env: dict[str, str], tmp_path: Path) -> None:
    project = json.loads((upstream.root / "pypi" / "steady-lib.json").read_text())
    f = project["releases"]["2.1.0"][0]
    url = f"{index.url}/files/{f['digests']['sha256']}/{f['filename']}"
    answer = httpx.get(url)
    assert answer.status_code == 403
    assert "steady-lib 2.1.0 is held by chainwarden: cooldown: released" in answer.text
    r = run([*PIP, "download", "--no-deps", "-d", str(tmp_path), url], client_env)
    assert r.returncode != 0 and "403" in r.stdout + r.stderr


def test_uv_pip_install_resolves_to_the_newest_allowed_versions(index: Index, client_env: dict[str, str],
                                                                tmp_path: Path) -> None:
    target = tmp_path / "site"
    r = run([UV, "pip", "install", "--python", sys.executable, "--index-url", index.simple, "--only-binary", ":all:",
             "--target", str(target), "report-kit", "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(target) == {"report-kit": "3.1.1", "py-formatter-util": "1.2.1", "steady-lib": "2.0.0"}


def test_a_held_release_is_uvs_no_version(index: Index, client_env: dict[str, str], tmp_path: Path) -> None:
    r = run([UV, "pip", "install", "--python", sys.executable, "--index-url", index.simple, "--only-binary", ":all:",
             "--target", str(tmp_path / "site"), "steady-lib==2.1.0"], client_env)
    assert r.returncode != 0
    assert "no version of steady-lib==2.1.0" in r.stdout + r.stderr


def test_uv_lock_and_sync_lock_what_the_index_allows(index: Index, client_env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["report-kit", "steady-lib"]\n',
        encoding="utf-8")
    env = {**client_env, "UV_DEFAULT_INDEX": index.simple, "UV_NO_BUILD": "1", "UV_PYTHON": sys.executable}
    r = run([UV, "lock"], env, cwd=project)
    assert r.returncode == 0, r.stdout + r.stderr
    lock = tomllib.loads((project / "uv.lock").read_text())
    versions = {p["name"]: p["version"] for p in lock["package"]}
    assert versions["py-formatter-util"] == "1.2.1" and versions["steady-lib"] == "2.0.0"
    r = run([UV, "sync", "--frozen", "--no-install-project"], env, cwd=project)
    assert r.returncode == 0, r.stdout + r.stderr
    site = next((project / ".venv" / "lib").glob("python*/site-packages"))
    assert installed(site)["py-formatter-util"] == "1.2.1"


def test_pip_lock_writes_the_allowed_versions(index: Index, client_env: dict[str, str], tmp_path: Path) -> None:
    help_text = run([*PIP, "lock", "--help"], client_env)
    if help_text.returncode != 0:
        pytest.skip("this pip has no `pip lock` (pip 25.1 added it)")
    out = tmp_path / "pylock.toml"
    r = run([*PIP, "lock", "--index-url", index.simple, "--only-binary", ":all:", "-o", str(out), "report-kit"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    locked = {p["name"]: p["version"] for p in tomllib.loads(out.read_text())["packages"]}
    assert locked == {"report-kit": "3.1.1", "py-formatter-util": "1.2.1"}


def test_twine_uploads_an_internal_package_that_pip_then_installs_and_upstream_never_hears_of(
        index: Index, upstream: RegistryServer, client_env: dict[str, str], tmp_path: Path) -> None:
    wheel = scenario.wheel_of(tmp_path / "src", tmp_path / "dist", "acme-billing", "1.0", scenario.TODAY)
    upload = [sys.executable, "-m", "twine", "upload", "--repository-url", index.url + "/legacy/", "-u", "__token__",
              "-p", index.token, "--non-interactive", "--disable-progress-bar", str(wheel)]
    r = run(upload, client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    again = run(upload, client_env)
    assert again.returncode != 0 and "409" in again.stdout + again.stderr
    target = tmp_path / "site"
    r = run([*PIP, "install", "--index-url", index.simple, "--only-binary", ":all:", "--target", str(target), "acme-billing"],
            client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert installed(target) == {"acme-billing": "1.0"}  # not the stranger's 99.0 upstream
    assert [q.path for q in upstream.requests if "acme-billing" in q.path.lower()] == []


def test_an_internal_name_with_no_upload_never_reaches_upstream(index: Index, upstream: RegistryServer,
                                                                client_env: dict[str, str], tmp_path: Path) -> None:
    r = run([*PIP, "download", "--index-url", index.simple, "--only-binary", ":all:", "-d", str(tmp_path), "acme-ledger"],
            client_env)
    assert r.returncode != 0 and "No matching distribution found for acme-ledger" in r.stdout + r.stderr
    assert [q.path for q in upstream.requests if "acme" in q.path.lower()] == []


def test_twine_needs_an_upload_token_and_an_internal_name(index: Index, client_env: dict[str, str], tmp_path: Path) -> None:
    wheel = scenario.wheel_of(tmp_path / "src", tmp_path / "dist", "steady-lib", "9.0", scenario.TODAY)
    base = [sys.executable, "-m", "twine", "upload", "--repository-url", index.url + "/legacy/", "--non-interactive",
            "--disable-progress-bar"]
    r = run([*base, "-u", "__token__", "-p", "cw-not-a-token", str(wheel)], client_env)
    assert r.returncode != 0 and "401" in r.stdout + r.stderr
    r = run([*base, "-u", "__token__", "-p", index.token, str(wheel)], client_env)
    assert r.returncode != 0 and "403" in r.stdout + r.stderr
    audit = json.loads(index.cli("index", "audit", "--store", str(index.store), "--event", "upload-refused", "--json").stdout)
    assert any("not an internal name" in r for e in audit for r in e["reasons"])


def test_admin_commands_against_the_store_and_the_running_server(index: Index, client_env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    store = ["--store", str(index.store)]
    held = index.cli("index", "held", *store)
    assert held.returncode == 0 and "HELD     steady-lib 2.1.0" in held.stdout and "cooldown" in held.stdout
    assert "BLOCKED  py-formatter-util 1.2.2" in held.stdout
    admin = index.cli("index", "token", "ops", "--scope", "admin", *store).stdout.strip()
    server = ["--server", index.url, "--token", admin]
    no_expiry = index.cli("index", "approve", "steady-lib==2.1.0", "--author", "ana", "--reason", "diff reviewed", *server)
    assert no_expiry.returncode == 2 and "--expires" in no_expiry.stderr
    ok = index.cli("index", "approve", "steady-lib==2.1.0", "--author", "ana", "--reason", "diff reviewed",
                   "--expires", "2099-12-31", *server)
    assert ok.returncode == 0, ok.stderr
    assert "approve steady-lib==2.1.0 by ana: diff reviewed; expires 2099-12-31" in ok.stdout
    r = run([*PIP, "download", "--index-url", index.simple, "--only-binary", ":all:", "--no-deps", "-d", str(tmp_path),
             "steady-lib"], client_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [p.name for p in tmp_path.glob("*.whl")] == ["steady_lib-2.1.0-py3-none-any.whl"]
    block = index.cli("index", "block", "report-kit", "--author", "sec", "--reason", "do not use", *server)
    assert block.returncode == 0, block.stderr
    r = run([*PIP, "download", "--index-url", index.simple, "--only-binary", ":all:", "-d", str(tmp_path / "b"),
             "report-kit"], client_env)
    assert r.returncode != 0 and "No matching distribution found for report-kit" in r.stdout + r.stderr
    status = index.cli("index", "status", *server)
    assert status.returncode == 0 and "blocked" in status.stdout and "internal projects: acme-billing" in status.stdout
    audit = index.cli("index", "audit", "--project", "steady-lib", *server)
    assert "approved" in audit.stdout and "released" in audit.stdout and "by ana" in audit.stdout
