"""pytest fixtures for the test DNS server.  Loaded with ``pytest_plugins = ["tests.dns.fixtures"]``.

- ``dns_server``: a running DnsServer on DEFAULT_ZONES (session).  Do not set hooks on it.
- ``dns_hooks``: the same server for a test that sets hooks (servfail, refuse, drop) or
  reads ``queries``; it is reset before and after the test.
- ``tmp_dns``: a factory, ``tmp_dns({"x.test": zone("x.test")})``, starting a server of the
  test's own over the zones given; every server it started is stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .server import DnsServer, Zones, zone

DEFAULT_ZONES: dict[str, dict[str, list[str]]] = {
    # The product's default canary domain: it must resolve, or every lookup is distrusted.
    "example.com": zone("example.com"),
    # Fixture e-mail addresses (alice@example.test, me@requests.example.test, ...) live under
    # it; the product asks for the SOA of the registrable domain, example.test.
    "example.test": zone("example.test", {"@": ["MX 10 mail.example.test."], "mail": ["A 192.0.2.25"]}),
    "healthy-domain.test": zone("healthy-domain.test"),
    # The dependency-confusion claimer's throwaway domain (tests/registry/data acme-billing) exists.
    "throwaway.test": zone("throwaway.test"),
    # acme-corp.test (the private index's people, tests/registry/data-private) exists too.
    "acme-corp.test": zone("acme-corp.test"),
    # lapsed-domain.test is deliberately absent: NXDOMAIN, like an unregistered domain.
}


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    with DnsServer(DEFAULT_ZONES) as server:
        yield server


@pytest.fixture
def dns_hooks(dns_server: DnsServer) -> Iterator[DnsServer]:
    dns_server.reset()
    try:
        yield dns_server
    finally:
        dns_server.reset()


@pytest.fixture
def tmp_dns() -> Iterator[Callable[[Zones], DnsServer]]:
    servers: list[DnsServer] = []

    def start(zones: Zones) -> DnsServer:
        servers.append(DnsServer(zones).start())
        return servers[-1]

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
