"""Tests run offline: the network they touch is the test registry and the test DNS
server, both on 127.0.0.1. Every test's DNS questions go to the test DNS server, and
the dependency-confusion rules' public index is a dead port unless a test names one.
In this process, any other host name or address fails to resolve (`_loopback_only`)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.dns.server import DnsServer

pytest_plugins = ["tests.registry.fixtures", "tests.dns.fixtures"]

# The defanged malware samples are data: never collect (import) them, whatever the command line says.
collect_ignore_glob = ["samples/*"]


_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    """Tests resolve nothing off this machine: a name or an address that is not loopback fails here, as an
    unknown name would (rule 2: the only network is the test registry and the test DNS server on 127.0.0.1).
    Fixture data points at `.invalid` hosts; without this, a test that follows such a URL would send a real
    DNS query through the system resolver."""
    text = host.decode() if isinstance(host, bytes) else host
    if text is not None and text != "localhost":
        try:
            loopback = ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no host off this machine ({text})")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network_off_this_machine() -> Iterator[None]:
    socket.getaddrinfo = _loopback_only
    try:
        yield
    finally:
        socket.getaddrinfo = _real_getaddrinfo


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
