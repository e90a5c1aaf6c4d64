"""DNS facts about maintainers' e-mail domains, for `maintainer-domain-unresolvable`.

For each e-mail host the index publishes, take the registrable domain (the
Public Suffix List bundled with the `publicsuffixlist` package: a dated copy,
never downloaded at run time) and ask DNS for its SOA, then its NS. NXDOMAIN
for both means the domain is not registered: anyone may buy it and reset the
maintainer's password with it.

An NXDOMAIN is only believed after two canaries through the same resolver:
the canary domain must resolve (DNS works) and a random name under it must
not (the resolver does not rewrite NXDOMAIN into answers). When either fails,
no domain is judged: the whole check is one Skip, never a finding.

Answers are cached in the store (per resolver) for `ttl` seconds. A registry
snapshot directory may carry ``dns.json`` (domain -> "resolves" | "nxdomain"),
recorded DNS observations for reproducible offline runs; when it is there it
answers instead of DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
from publicsuffixlist import PublicSuffixList

from chainwarden._errors import describe
from chainwarden.enrich.cache import Store
from chainwarden.model import DomainCheck, DomainStatus, Skip

__all__ = ["DEFAULT_CANARY", "DnsError", "DnsOptions", "check_hosts", "psl_date", "registrable_domain"]

DEFAULT_CANARY = "example.com"
DEFAULT_TTL_SECONDS = 86400.0
SNAPSHOT_FILE = "dns.json"

# Names nobody can register (RFC 6761, RFC 6762, RFC 7686, RFC 8375, RFC 9476, ICANN .internal):
# NXDOMAIN for them says nothing about takeover. `.test` is deliberately absent: it is where
# chainwarden's defanged fixtures and drills live (docs/decisions/0006-dns-domain-checks.md).
SPECIAL_USE = ("localhost", "local", "invalid", "example", "onion", "home.arpa", "internal", "alt", "lan", "localdomain")


class DnsError(Exception):
    """The DNS options cannot be used (a malformed --dns-server)."""

    def diagnostics(self) -> str:
        return str(self)


@dataclass(frozen=True)
class DnsOptions:
    enabled: bool = True
    # "IP", "IP:PORT" or "[IPv6]:PORT"; default CHAINWARDEN_DNS_SERVER; None: the system resolver
    server: str | None = field(default_factory=lambda: os.environ.get("CHAINWARDEN_DNS_SERVER") or None)
    canary: str = DEFAULT_CANARY
    timeout: float = 3.0
    ttl: float = DEFAULT_TTL_SECONDS
    concurrency: int = 16

    def address(self) -> tuple[str, int] | None:
        """The resolver's (ip, port), or None for the system resolver; DnsError when malformed."""
        if not self.server:
            return None
        text = self.server.strip()
        host, port = text, "53"
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif text.count(":") == 1:
            host, port = text.split(":")
        try:
            ipaddress.ip_address(host)
            number = int(port)
            if not 0 < number < 65536:
                raise ValueError(port)
        except ValueError:
            raise DnsError(f"--dns-server {self.server!r}: expected an IP address with an optional port, e.g. 127.0.0.1:5353") from None
        return host, number

    @property
    def label(self) -> str:
        return self.server.strip() if self.server else "the system resolver"


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def psl_date() -> str:
    """The date of the bundled Public Suffix List (the `publicsuffixlist` release it came with)."""
    try:
        v = version("publicsuffixlist")
    except PackageNotFoundError:
        return "unknown"
    stamp = v.rsplit(".", 1)[-1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) == 8 and stamp.isdigit() else v


def registrable_domain(host: str) -> str | None:
    """The domain someone registers to own `host`; None for IPs, special-use names and public suffixes."""
    host = host.strip().rstrip(".").lower()
    if not host or "." not in host:
        return None
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    if any(host == s or host.endswith("." + s) for s in SPECIAL_USE):
        return None
    try:
        domain = _psl().privatesuffix(host)
    except (ValueError, UnicodeError):
        return None
    return str(domain) if domain else None


def _resolver(options: DnsOptions) -> dns.asyncresolver.Resolver:
    address = options.address()
    if address is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [address[0]]
        resolver.port = address[1]
    resolver.lifetime = options.timeout
    resolver.timeout = min(options.timeout, max(options.timeout / 2, 0.5))
    resolver.cache = None
    return resolver


async def _exists(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> bool:
    """True when the name exists (an answer or NODATA); False on NXDOMAIN; DNSException otherwise."""
    try:
        await resolver.resolve(dns.name.from_text(name), rdtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return False
    return True


async def _query(resolver: dns.asyncresolver.Resolver, domain: str, timeout: float) -> tuple[DomainStatus, str]:
    try:
        if await _exists(resolver, domain, "SOA"):
            return DomainStatus.RESOLVES, "SOA answered"
        if await _exists(resolver, domain, "NS"):
            return DomainStatus.RESOLVES, "NS answered (SOA said NXDOMAIN)"
        return DomainStatus.NXDOMAIN, "NXDOMAIN for SOA and NS"
    except dns.resolver.LifetimeTimeout:
        return DomainStatus.UNKNOWN, f"no answer within {timeout:g}s"
    except dns.resolver.NoNameservers:
        return DomainStatus.UNKNOWN, "the resolver failed (SERVFAIL or REFUSED)"
    except (dns.exception.DNSException, OSError) as exc:
        return DomainStatus.UNKNOWN, describe(exc)


async def _canaries(resolver: dns.asyncresolver.Resolver, options: DnsOptions) -> str | None:
    """None when DNS can be trusted; otherwise why not."""
    status, detail = await _query(resolver, options.canary, options.timeout)
    if status is not DomainStatus.RESOLVES:
        return f"DNS unavailable: the canary domain {options.canary} did not resolve through {options.label} ({detail})"
    bogus = f"cw-{secrets.token_hex(8)}.{options.canary}"
    try:
        if await _exists(resolver, bogus, "A"):
            return (
                f"DNS cannot show unregistered domains: {options.label} answered for {bogus}, a name that does not exist "
                "(it rewrites NXDOMAIN); point --dns-server at a resolver that does not"
            )
    except (dns.exception.DNSException, OSError) as exc:
        return f"DNS unavailable: a name that does not exist under {options.canary} got no clear answer ({exc.__class__.__name__})"
    return None


def _from_snapshot(path: Path, domains: set[str]) -> tuple[dict[str, DomainCheck], list[Skip]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        recorded = data["domains"]
        when = datetime.fromisoformat(str(data.get("checked_at", "1970-01-01"))).replace(tzinfo=UTC)
        if not isinstance(recorded, dict):
            raise TypeError("'domains' is not an object")
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        return {}, [Skip(what=str(path), reason=f"expected {{\"checked_at\": DATE, \"domains\": {{domain: \"resolves\" | \"nxdomain\"}}}}: {exc}", stage="enrich")]
    out: dict[str, DomainCheck] = {}
    skips: list[Skip] = []
    for d in sorted(domains):
        value = recorded.get(d)
        if value in (DomainStatus.RESOLVES.value, DomainStatus.NXDOMAIN.value):
            out[d] = DomainCheck(d, DomainStatus(value), f"recorded in {path.name}", when, "snapshot")
        else:
            skips.append(Skip(what=f"dns:{d}", reason=f"not recorded in {path}", stage="enrich"))
    return out, skips


async def check_hosts(
    hosts: set[str], options: DnsOptions, store: Store | None, *, offline: bool = False, snapshot: Path | None = None
) -> tuple[dict[str, DomainCheck], list[Skip]]:
    """What DNS says about each e-mail host's registrable domain: host -> DomainCheck.

    Hosts whose domain could not be checked are absent, and each reason is a Skip.
    """
    by_host = {h: d for h in hosts for d in [registrable_domain(h)] if d}
    domains = set(by_host.values())
    if not domains:
        return {}, []
    if not options.enabled:
        return {}, [Skip(what="dns", reason=f"DNS checks are turned off; {len(domains)} e-mail domain(s) not checked", stage="enrich")]

    results: dict[str, DomainCheck] = {}
    skips: list[Skip] = []
    if snapshot is not None and (snapshot / SNAPSHOT_FILE).is_file():
        results, skips = _from_snapshot(snapshot / SNAPSHOT_FILE, domains)
    else:
        resolver_key = options.server.strip() if options.server else "system"
        now = time.time()
        to_ask: list[str] = []
        for d in sorted(domains):
            cached = store.dns_get(resolver_key, d) if store else None
            if cached and cached[0] not in {s.value for s in DomainStatus}:
                cached = None  # a row this version cannot read: asked again
            if cached and (offline or now - cached[2] < options.ttl):
                results[d] = DomainCheck(d, DomainStatus(cached[0]), cached[1] + " (cached)",
                                         datetime.fromtimestamp(cached[2], UTC), resolver_key)
            elif offline:
                skips.append(Skip(what=f"dns:{d}", reason="not in the cache, and --offline forbids asking DNS", stage="enrich"))
            else:
                to_ask.append(d)
        if to_ask:
            resolver = _resolver(options)
            problem = await _canaries(resolver, options)
            if problem:
                skips.append(Skip(what="dns", reason=f"{problem}; {len(to_ask)} e-mail domain(s) not checked", stage="enrich"))
            else:
                gate = asyncio.Semaphore(options.concurrency)

                async def one(d: str) -> tuple[str, DomainStatus, str]:
                    async with gate:
                        status, detail = await _query(resolver, d, options.timeout)
                        return d, status, detail

                for d, status, detail in await asyncio.gather(*(one(d) for d in to_ask)):
                    if status is DomainStatus.UNKNOWN:
                        skips.append(Skip(what=f"dns:{d}", reason=f"could not check through {options.label}: {detail}", stage="enrich"))
                        continue
                    checked = time.time()
                    results[d] = DomainCheck(d, status, detail, datetime.fromtimestamp(checked, UTC), resolver_key)
                    if store:
                        store.dns_put(resolver_key, d, status.value, detail, checked)
    return {h: results[d] for h, d in by_host.items() if d in results}, skips
