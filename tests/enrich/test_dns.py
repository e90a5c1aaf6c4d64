"""DNS facts about maintainers' e-mail domains, asked of the test DNS server (tests/dns)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from chainwarden.enrich.cache import Store
from chainwarden.enrich.dns import (
    DnsError,
    DnsOptions,
    check_hosts,
    psl_date,
    registrable_domain,
)
from chainwarden.model import DomainStatus
from tests.dns.server import DnsServer, zone


def check(hosts: set[str], server: DnsServer, store: Store | None = None, **kw: object):  # type: ignore[no-untyped-def]
    options = DnsOptions(server=server.address, timeout=kw.pop("timeout", 2.0), **kw)  # type: ignore[arg-type]
    return asyncio.run(check_hosts(hosts, options, store))


@pytest.mark.parametrize(("host", "domain"), [
    ("lapsed-domain.test", "lapsed-domain.test"),
    ("mail.lapsed-domain.test", "lapsed-domain.test"),
    ("requests.example.test", "example.test"),
    ("dept.example.co.uk", "example.co.uk"),  # a multi-label public suffix
    ("Example.COM.", "example.com"),
    ("localhost", None), ("printer.local", None), ("x.invalid", None), ("192.0.2.1", None), ("co.uk", None),
])
def test_registrable_domain_follows_the_public_suffix_list(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain


def test_the_bundled_public_suffix_list_is_dated() -> None:
    assert psl_date()[:2] == "20" and len(psl_date()) == 10


def test_unregistered_and_registered_domains(dns_hooks: DnsServer) -> None:
    found, skips = check({"lapsed-domain.test", "mail.healthy-domain.test", "requests.example.test"}, dns_hooks)
    assert skips == []
    assert found["lapsed-domain.test"].status is DomainStatus.NXDOMAIN
    assert found["lapsed-domain.test"].detail == "NXDOMAIN for SOA and NS"
    assert found["mail.healthy-domain.test"].status is DomainStatus.RESOLVES
    assert found["mail.healthy-domain.test"].domain == "healthy-domain.test"
    assert found["requests.example.test"].status is DomainStatus.RESOLVES
    asked = {q.name for q in dns_hooks.queries}
    assert {"lapsed-domain.test", "healthy-domain.test", "example.test", "example.com"} <= asked
    assert "mail.healthy-domain.test" not in asked  # the registrable domain is asked, not the host


def test_a_failing_canary_judges_no_domain(dns_hooks: DnsServer) -> None:
    dns_hooks.servfail("example.com")
    found, skips = check({"lapsed-domain.test"}, dns_hooks)
    assert found == {}
    assert [s.what for s in skips] == ["dns"]
    assert "canary domain example.com did not resolve" in skips[0].reason
    assert not dns_hooks.queries_for("lapsed-domain.test")


def test_a_resolver_that_rewrites_nxdomain_judges_no_domain(tmp_dns) -> None:  # type: ignore[no-untyped-def]
    liar = tmp_dns({"example.com": zone("example.com", {"*": ["A 192.0.2.99"]})})
    found, skips = check({"lapsed-domain.test"}, liar)
    assert found == {}
    assert "rewrites NXDOMAIN" in skips[0].reason


def test_a_domain_the_resolver_cannot_answer_is_not_checked(dns_hooks: DnsServer) -> None:
    dns_hooks.servfail("lapsed-domain.test")
    dns_hooks.drop("healthy-domain.test")
    found, skips = check({"lapsed-domain.test", "healthy-domain.test", "example.test"}, dns_hooks, timeout=0.6)
    assert set(found) == {"example.test"}
    reasons = {s.what: s.reason for s in skips}
    assert "SERVFAIL" in reasons["dns:lapsed-domain.test"]
    assert "no answer within" in reasons["dns:healthy-domain.test"]


def test_answers_are_cached_and_offline_reads_the_cache(dns_hooks: DnsServer, tmp_path: Path) -> None:
    store = Store(tmp_path)
    try:
        check({"lapsed-domain.test"}, dns_hooks, store)
        dns_hooks.reset()
        again, _ = check({"lapsed-domain.test"}, dns_hooks, store)
        assert dns_hooks.queries == []  # neither the domain nor the canaries were asked again
        assert again["lapsed-domain.test"].status is DomainStatus.NXDOMAIN
        assert again["lapsed-domain.test"].detail.endswith("(cached)")
        offline = asyncio.run(check_hosts({"lapsed-domain.test", "example.test"}, DnsOptions(server=dns_hooks.address), store, offline=True))
        assert offline[0]["lapsed-domain.test"].status is DomainStatus.NXDOMAIN
        assert [s.what for s in offline[1]] == ["dns:example.test"]
        assert dns_hooks.queries == []
    finally:
        store.close()


def test_special_use_domains_are_never_asked(dns_hooks: DnsServer) -> None:
    found, skips = check({"localhost", "box.local", "nobody.invalid"}, dns_hooks)
    assert (found, skips, dns_hooks.queries) == ({}, [], [])


def test_turned_off_is_said(dns_hooks: DnsServer) -> None:
    found, skips = asyncio.run(check_hosts({"example.test"}, DnsOptions(enabled=False), None))
    assert found == {} and "turned off" in skips[0].reason


def test_a_snapshot_answers_from_its_recorded_observations(tmp_path: Path, dns_hooks: DnsServer) -> None:
    (tmp_path / "dns.json").write_text(json.dumps({"checked_at": "2026-11-21", "domains": {"lapsed-domain.test": "nxdomain"}}))
    found, skips = asyncio.run(check_hosts({"lapsed-domain.test", "example.test"}, DnsOptions(server=dns_hooks.address), None, snapshot=tmp_path))
    assert found["lapsed-domain.test"].status is DomainStatus.NXDOMAIN and found["lapsed-domain.test"].resolver == "snapshot"
    assert [s.what for s in skips] == ["dns:example.test"]
    assert dns_hooks.queries == []


@pytest.mark.parametrize("server", ["dns.example.test", "127.0.0.1:99999", "1.2.3.4:x"])
def test_a_malformed_server_is_a_usage_error(server: str) -> None:
    with pytest.raises(DnsError, match="expected an IP address"):
        DnsOptions(server=server).address()


def test_server_with_port_and_ipv6() -> None:
    assert DnsOptions(server="127.0.0.1:5353").address() == ("127.0.0.1", 5353)
    assert DnsOptions(server="[::1]:53").address() == ("::1", 53)
    assert DnsOptions(server="10.0.0.53").address() == ("10.0.0.53", 53)
