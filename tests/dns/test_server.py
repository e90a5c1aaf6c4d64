"""The test DNS server, seen through dnspython's resolver as the product will see it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from tests.dns.server import DnsServer, Query, Zones, zone

pytest_plugins = ["tests.dns.fixtures"]

TmpDns = Callable[[Zones], DnsServer]


def _resolver(server: DnsServer, lifetime: float = 1.0) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server.host]
    resolver.port = server.port
    resolver.lifetime = lifetime
    return resolver


def _ask(server: DnsServer, name: str, rdtype: str, *, tcp: bool = False) -> dns.message.Message:
    """One raw query, for the parts of a reply the resolver hides (rcode, flags, authority)."""
    query = dns.message.make_query(name, rdtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, server.host, timeout=1.0, port=server.port)


def test_soa_at_the_registrable_domain(dns_server: DnsServer) -> None:
    answer = _resolver(dns_server).resolve("example.test", "SOA")
    assert answer.rrset is not None and answer.rrset[0].to_text().startswith("ns1.example.test. hostmaster.")
    assert answer.response.flags & dns.flags.AA


def test_default_zones(dns_server: DnsServer) -> None:
    resolver = _resolver(dns_server)
    for apex in ("example.com", "example.test", "healthy-domain.test"):
        assert [r.to_text() for r in resolver.resolve(apex, "A")] == ["192.0.2.1"]
    assert [r.to_text() for r in resolver.resolve("example.test", "MX")] == ["10 mail.example.test."]


def test_names_are_case_insensitive(dns_server: DnsServer) -> None:
    assert _resolver(dns_server).resolve("Example.TEST.", "SOA").rrset is not None


def test_missing_name_in_a_zone_is_nxdomain_with_the_soa(dns_server: DnsServer) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        _resolver(dns_server).resolve("deep.me.requests.example.test", "A")
    reply = _ask(dns_server, "deep.me.requests.example.test", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.flags & dns.flags.AA
    assert [r.rdtype for r in reply.authority] == [dns.rdatatype.SOA]


def test_name_in_no_zone_is_nxdomain(dns_server: DnsServer) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        _resolver(dns_server).resolve("lapsed-domain.test", "SOA")
    reply = _ask(dns_server, "lapsed-domain.test", "SOA")
    assert reply.rcode() == dns.rcode.NXDOMAIN and not reply.authority


def test_other_type_is_nodata_with_the_soa(dns_server: DnsServer) -> None:
    with pytest.raises(dns.resolver.NoAnswer):
        _resolver(dns_server).resolve("example.test", "TXT")
    reply = _ask(dns_server, "example.test", "TXT")
    assert reply.rcode() == dns.rcode.NOERROR and not reply.answer
    assert [r.rdtype for r in reply.authority] == [dns.rdatatype.SOA]


def test_own_zones_and_empty_non_terminals(tmp_dns: TmpDns) -> None:
    server = tmp_dns({"x.test": zone("x.test", {"a.b": ["TXT hello"], "c.x.test.": ["A 192.0.2.7"]})})
    resolver = _resolver(server)
    assert [r.to_text() for r in resolver.resolve("a.b.x.test", "TXT")] == ['"hello"']
    assert [r.to_text() for r in resolver.resolve("c.x.test", "A")] == ["192.0.2.7"]
    with pytest.raises(dns.resolver.NoAnswer):  # b.x.test has no records, but a name under it
        resolver.resolve("b.x.test", "A")
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve("example.test", "SOA")


def test_longest_zone_wins(tmp_dns: TmpDns) -> None:
    server = tmp_dns({"test": zone("test"), "sub.x.test": zone("sub.x.test")})
    reply = _ask(server, "a.sub.x.test", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN
    assert reply.authority[0].name.to_text() == "sub.x.test."


def test_wildcard_answers_for_missing_names(tmp_dns: TmpDns) -> None:
    server = tmp_dns({"example.com": zone("example.com", {"*": ["A 192.0.2.99"]})})
    resolver = _resolver(server)
    answer = resolver.resolve("no-such-name-7f3a.example.com", "A")
    assert answer.rrset is not None and answer.rrset.name.to_text() == "no-such-name-7f3a.example.com."
    assert [r.to_text() for r in answer] == ["192.0.2.99"]
    assert [r.to_text() for r in resolver.resolve("ns1.example.com", "A")] == ["192.0.2.53"]  # real names win


def test_servfail_hook(dns_hooks: DnsServer) -> None:
    dns_hooks.servfail("example.test")
    resolver = _resolver(dns_hooks)
    with pytest.raises(dns.resolver.NoNameservers, match="SERVFAIL"):
        resolver.resolve("me.requests.example.test", "SOA")
    assert _ask(dns_hooks, "example.test", "SOA").rcode() == dns.rcode.SERVFAIL
    assert resolver.resolve("example.com", "SOA").rrset is not None  # other names unaffected


def test_refuse_hook(dns_hooks: DnsServer) -> None:
    dns_hooks.refuse("healthy-domain.test")
    with pytest.raises(dns.resolver.NoNameservers, match="REFUSED"):
        _resolver(dns_hooks).resolve("healthy-domain.test", "SOA")
    assert _ask(dns_hooks, "healthy-domain.test", "SOA").rcode() == dns.rcode.REFUSED


def test_drop_hook_times_out(dns_hooks: DnsServer) -> None:
    dns_hooks.drop("example.com")
    started = time.monotonic()
    with pytest.raises(dns.resolver.LifetimeTimeout):
        _resolver(dns_hooks, lifetime=0.3).resolve("example.com", "SOA")
    with pytest.raises(dns.exception.Timeout):
        dns.query.tcp(dns.message.make_query("example.com", "SOA"), dns_hooks.host, timeout=0.2, port=dns_hooks.port)
    assert time.monotonic() - started < 1.0
    assert [q.transport for q in dns_hooks.queries_for("example.com")][-1] == "tcp"


def test_query_log_and_reset(dns_hooks: DnsServer) -> None:
    resolver = _resolver(dns_hooks)
    resolver.resolve("Example.TEST.", "SOA")
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve("debug.example.test", "A")
    assert dns_hooks.queries == [Query("example.test", "SOA", "udp"), Query("debug.example.test", "A", "udp")]
    assert dns_hooks.queries_for("EXAMPLE.test.") == [Query("example.test", "SOA", "udp")]
    dns_hooks.servfail("example.test")
    dns_hooks.reset()
    assert dns_hooks.queries == []
    assert resolver.resolve("example.test", "SOA").rrset is not None


def test_tcp(dns_hooks: DnsServer) -> None:
    answer = _resolver(dns_hooks).resolve("example.test", "SOA", tcp=True)
    assert answer.rrset is not None
    assert dns_hooks.queries == [Query("example.test", "SOA", "tcp")]


def test_truncated_udp_reply_is_retried_over_tcp(tmp_dns: TmpDns) -> None:
    server = tmp_dns({"big.test": zone("big.test", {"@": [f"TXT {str(i) * 200}" for i in range(10)]})})
    answer = _resolver(server).resolve("big.test", "TXT")
    assert len(answer) == 10
    assert [q.transport for q in server.queries] == ["udp", "tcp"]


def test_malformed_packets_are_ignored(dns_server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for junk in (b"", b"\x00", b"\xff" * 11, b"\x12\x34" + b"\x00" * 3 + b"\x01" + b"\xc0\x0c" * 20):
            udp.sendto(junk, (dns_server.host, dns_server.port))
    with socket.create_connection((dns_server.host, dns_server.port), timeout=1) as tcp:
        tcp.sendall(b"\x00\x05hello\x00")  # one malformed message, then a hang-up mid-length
    assert _resolver(dns_server).resolve("example.test", "SOA").rrset is not None
    assert _ask(dns_server, "example.test", "SOA", tcp=True).rcode() == dns.rcode.NOERROR


def test_lifecycle() -> None:
    server = DnsServer({"x.test": zone("x.test")})
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.port
    with server:
        assert server.address == f"127.0.0.1:{server.port}"
        assert _resolver(server).resolve("x.test", "SOA").rrset is not None
    with pytest.raises(ValueError, match="no SOA"):
        DnsServer({"y.test": {"@": ["A 192.0.2.1"]}})
    with pytest.raises(ValueError, match="outside the zone"):
        DnsServer({"y.test": zone("y.test", {"z.test.": ["A 192.0.2.1"]})})
