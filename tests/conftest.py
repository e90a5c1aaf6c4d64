"""Tests run offline: the network they touch is the test registry and the test DNS
server, both on 127.0.0.1. Every test's DNS questions go to the test DNS server, and
the dependency-confusion rules' public index is a dead port unless a test names one."""

from __future__ import annotations

import os

import pytest

from tests.dns.server import DnsServer

pytest_plugins = ["tests.registry.fixtures", "tests.dns.fixtures"]

# The defanged malware samples are data: never collect (import) them, whatever the command line says.
collect_ignore_glob = ["samples/*"]


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, dns_server: DnsServer
) -> None:
    """No test reads the developer's pip/uv/npm configuration or cache, or the network's proxies."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(home / ".npmrc"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for var in list(os.environ):
        if var.startswith(("PIP_INDEX", "PIP_EXTRA", "UV_", "NPM_CONFIG_REGISTRY", "npm_config_registry", "CHAINWARDEN_")) or var.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHAINWARDEN_DNS_SERVER", dns_server.address)
    # The public index of the dependency-confusion rules defaults to the installers' built-in one: a test that
    # does not name its own gets a port where nothing listens, never the real registry.
    monkeypatch.setenv("CHAINWARDEN_PUBLIC_INDEX", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("CHAINWARDEN_PUBLIC_NPM_REGISTRY", "http://127.0.0.1:9/npm/")
