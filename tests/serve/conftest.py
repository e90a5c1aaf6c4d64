"""Fixtures for the serve tests: the scenario upstream, a running ``chainwarden serve`` and the real clients' environment.

- ``upstream`` (module): a test registry server over the scenario snapshot (tests/serve/scenario.py).
- ``index`` (module): ``chainwarden serve`` in its own process (two workers) on loopback, proxying `upstream`, with
  the scenario's policy, ``--as-of`` the scenario's today and an upload token (`Index.token`).
- ``client_env``: the environment pip, uv and twine run in: no configuration, no cache, no index but ours.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.registry.server import RegistryServer
from tests.serve import scenario

CLI = [sys.executable, "-c", "import sys; from chainwarden.cli.main import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quiet_env(home: Path) -> dict[str, str]:
    """An environment with no pip/uv configuration, no proxies and no index but the ones a command names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "CHAINWARDEN_", "TWINE_"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
                "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_INPUT": "1", "UV_NO_CONFIG": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1",
                "UV_CACHE_DIR": str(home / "uv-cache"), "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    return env


@dataclass
class Index:
    url: str  # http://127.0.0.1:PORT
    store: Path
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def simple(self) -> str:
        return self.url + "/simple/"

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=60)


def start_index(tmp: Path, upstream: str, policy: str, *, workers: int = 1, as_of: str = "2026-11-21",
                extra: tuple[str, ...] = ()) -> Index:
    store = tmp / "store"
    home = tmp / "server-home"
    env = quiet_env(home)
    (tmp / "chainwarden.toml").write_text(policy, encoding="utf-8")
    made = subprocess.run([*CLI, "index", "token", "ci", "--scope", "upload", "--store", str(store)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert made.returncode == 0, made.stderr
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*CLI, "serve", "--upstream", upstream, "--store", str(store), "--port", str(port),
                                    "--workers", str(workers), "--config", str(tmp / "chainwarden.toml"),
                                    "--as-of", as_of, *extra], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"chainwarden serve exited: {log.read_text()}")
        try:
            if httpx.get(url + "/-/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError(f"chainwarden serve did not start: {log.read_text()}")
    return Index(url, store, made.stdout.strip(), process, log)


def stop_index(index: Index) -> None:
    index.process.terminate()
    try:
        index.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        index.process.kill()
        index.process.wait()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    root = tmp_path_factory.mktemp("upstream")
    scenario.build(root, tmp_path_factory.mktemp("sources"))
    with RegistryServer(root) as server:
        yield server


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, upstream: RegistryServer) -> Iterator[Index]:
    running = start_index(tmp_path_factory.mktemp("index"), upstream.pypi_index_url, scenario.INTERNAL_POLICY, workers=2)
    try:
        yield running
    finally:
        stop_index(running)


@pytest.fixture
def client_env(tmp_path: Path) -> dict[str, str]:
    return quiet_env(tmp_path / "client-home")


class LocalIndex:
    """The app in this process, reached through httpx's ASGI transport: for the protocol and fault tests, which need
    no real client and start in milliseconds. ``async with LocalIndex(...) as (app, client)``."""

    def __init__(self, tmp: Path, upstream: str | None, policy: str = scenario.INTERNAL_POLICY, *,
                 as_of: str = "2026-11-21") -> None:
        from datetime import UTC, datetime

        from chainwarden.serve.app import App, ServeConfig

        policy_file = tmp / "chainwarden.toml"
        policy_file.write_text(policy, encoding="utf-8")
        moment = datetime.fromisoformat(as_of).replace(tzinfo=UTC)
        self.store = tmp / "store"
        self.app = App(ServeConfig(str(self.store), upstream, str(policy_file), moment.timestamp()))

    def token(self, *scopes: str) -> str:
        from chainwarden.serve.store import EmbeddedStore

        store = EmbeddedStore(self.store)
        try:
            return store.add_token("tests", scopes)
        finally:
            store.close()

    async def __aenter__(self) -> tuple[object, httpx.AsyncClient]:
        self.app.start()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://index.test")
        return self.app, self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.app.stop()
