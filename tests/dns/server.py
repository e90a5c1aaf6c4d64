"""A real DNS server on 127.0.0.1 answering authoritatively from in-memory zones.

Every DNS test talks to this server; nothing here reaches the internet. It listens
on UDP and TCP on the same ephemeral port (a UDP reply too big for the client gets
the TC flag, and resolvers retry over TCP), one background thread each.

    with DnsServer({"example.test": zone("example.test")}) as server:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = [server.host], server.port

Run by hand: ``python -m tests.dns.server [--port N]`` serves the default fixture zones.
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Literal, NamedTuple

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Zones = Mapping[str, Mapping[str, list[str]]]
"""Zone apex -> owner name ("@", relative to the apex, or absolute) -> records like "MX 10 mail"."""

TTL = 300

_Action = Literal["servfail", "refuse", "drop"]
_Records = dict[dns.name.Name, dict[dns.rdatatype.RdataType, dns.rrset.RRset]]


class Query(NamedTuple):
    """One question the server received. ``name`` is lower-case without the final dot."""

    name: str
    rdtype: str  # "SOA", "A", ...
    transport: str  # "udp" or "tcp"


def zone(apex: str, extra: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """A standard zone: SOA, NS and A at the apex plus the name server's A; `extra` adds records."""
    apex = apex.rstrip(".")
    records = {
        "@": [f"SOA ns1.{apex}. hostmaster.{apex}. 1 3600 600 86400 {TTL}", f"NS ns1.{apex}.", "A 192.0.2.1"],
        "ns1": ["A 192.0.2.53"],
    }
    for owner, lines in (extra or {}).items():
        records[owner] = records.get(owner, []) + list(lines)
    return records


class DnsServer:
    """The test DNS server. Port 0 means an ephemeral port, read back from :attr:`port`."""

    def __init__(self, zones: Zones, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._port = port
        self._zones = {dns.name.from_text(apex): _compile(apex, owners) for apex, owners in zones.items()}
        self._udp: _UDPServer | None = None
        self._tcp: _TCPServer | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._queries: list[Query] = []
        self._hooks: dict[dns.name.Name, _Action] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DnsServer:
        if self._udp is not None:
            return self
        self._udp, self._tcp = self._bind()
        self._threads = [
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"dns-server-{kind}-{self.port}", daemon=True)
            for kind, s in (("udp", self._udp), ("tcp", self._tcp))
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self._udp, self._tcp):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._udp = self._tcp = None
        self._threads = []

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._udp is None:
            raise RuntimeError("DnsServer is not running; call start() first")
        return int(self._udp.server_address[1])

    @property
    def address(self) -> str:
        """``host:port``, the form ``--dns-server`` takes."""
        return f"{self.host}:{self.port}"

    def _bind(self) -> tuple[_UDPServer, _TCPServer]:
        for _ in range(20):  # an ephemeral UDP port whose TCP twin is taken: try another
            udp = _UDPServer((self.host, self._port), _UDPHandler, self)
            try:
                return udp, _TCPServer((self.host, udp.server_address[1]), _TCPHandler, self)
            except OSError:
                udp.server_close()
                if self._port:
                    raise
        raise OSError("no port free for both UDP and TCP")

    # ------------------------------------------------------------------ test hooks

    def servfail(self, name: str) -> None:
        """Answer SERVFAIL for `name` and every name under it."""
        self._hook(name, "servfail")

    def refuse(self, name: str) -> None:
        """Answer REFUSED for `name` and every name under it."""
        self._hook(name, "refuse")

    def drop(self, name: str) -> None:
        """Never answer for `name` and every name under it: the client times out."""
        self._hook(name, "drop")

    def reset(self) -> None:
        """Clear every hook and the query log."""
        with self._lock:
            self._hooks.clear()
            self._queries.clear()

    @property
    def queries(self) -> list[Query]:
        """Every question received so far, in order (a copy)."""
        with self._lock:
            return list(self._queries)

    def queries_for(self, name: str) -> list[Query]:
        """The logged questions for exactly `name` (any case, final dot optional)."""
        key = name.lower().rstrip(".")
        return [q for q in self.queries if q.name == key]

    def _hook(self, name: str, action: _Action) -> None:
        with self._lock:
            self._hooks[dns.name.from_text(name)] = action

    # ------------------------------------------------------------------ answering

    def _answer(self, wire: bytes, transport: str) -> bytes | None:
        """The reply to one query in wire format, or None to stay silent."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        if query.flags & dns.flags.QR:
            return None
        response = dns.message.make_response(query)
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response.set_rcode(dns.rcode.NOTIMP if query.opcode() != dns.opcode.QUERY else dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        qname, rdtype = question.name, dns.rdatatype.RdataType.make(question.rdtype)
        with self._lock:
            self._queries.append(Query(_text(qname), dns.rdatatype.to_text(rdtype), transport))
            hooks = [(len(name), action) for name, action in self._hooks.items() if qname.is_subdomain(name)]
        action = max(hooks)[1] if hooks else None  # the most specific hook wins
        if action == "drop":
            return None
        if action == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif action == "refuse" or question.rdclass != dns.rdataclass.IN:
            response.set_rcode(dns.rcode.REFUSED)
        else:
            self._resolve(qname, rdtype, response)
        limit = 65535 if transport == "tcp" else max(512, query.payload)
        return response.to_wire(max_size=limit, prefer_truncation=True)  # too big for UDP: TC set

    def _resolve(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, response: dns.message.Message) -> None:
        apexes = [apex for apex in self._zones if qname.is_subdomain(apex)]
        if not apexes:
            response.set_rcode(dns.rcode.NXDOMAIN)  # no zone: what the root says about an unregistered domain
            return
        apex = max(apexes, key=len)
        records = self._zones[apex]
        response.flags |= dns.flags.AA
        rrset = records.get(qname, {}).get(rdtype)
        if rrset is None and qname not in records and qname != apex:  # a wildcard owner ("*") answers for any name below
            wild = records.get(dns.name.Name(("*",) + qname.labels[1:]), {}).get(rdtype)
            if wild is not None:
                rrset = dns.rrset.from_rdata_list(qname, wild.ttl, list(wild))
        if rrset is not None:
            response.answer.append(rrset)
            return
        if not any(owner.is_subdomain(qname) for owner in records):  # an empty non-terminal is NODATA
            response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(records[apex][dns.rdatatype.SOA])


def _compile(apex_text: str, owners: Mapping[str, list[str]]) -> _Records:
    apex = dns.name.from_text(apex_text)
    texts: dict[tuple[dns.name.Name, str], list[str]] = {}  # "@" and "example.test." meet here
    for owner_text, lines in owners.items():
        owner = dns.name.from_text(owner_text, origin=apex)
        if not owner.is_subdomain(apex):
            raise ValueError(f"zone {apex_text}: {owner_text} is outside the zone")
        for line in lines:
            rdtype, _, rdata = line.strip().partition(" ")
            texts.setdefault((owner, rdtype.upper()), []).append(rdata)
    records: _Records = {}
    for (owner, rdtype), rdatas in texts.items():
        rrset = dns.rrset.from_text_list(owner, TTL, "IN", rdtype, rdatas, origin=apex, relativize=False)
        records.setdefault(owner, {})[rrset.rdtype] = rrset
    if dns.rdatatype.SOA not in records.get(apex, {}):
        raise ValueError(f"zone {apex_text}: no SOA at the apex")
    return records


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower() if name != dns.name.root else ""


class _UDPServer(socketserver.UDPServer):
    """One packet at a time: answers are immediate, and a dropped query costs nothing."""

    def __init__(self, address: tuple[str, int], handler: type[socketserver.BaseRequestHandler], dns_server: DnsServer):
        self.dns_server = dns_server
        super().__init__(address, handler)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True  # a connection held open by drop() must not block stop()
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[socketserver.BaseRequestHandler], dns_server: DnsServer):
        self.dns_server = dns_server
        super().__init__(address, handler)


class _UDPHandler(socketserver.BaseRequestHandler):
    server: _UDPServer

    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.dns_server._answer(data, "udp")
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TCPHandler(socketserver.BaseRequestHandler):
    """Length-prefixed messages (RFC 1035 4.2.2) until the client hangs up."""

    server: _TCPServer
    request: socket.socket

    def handle(self) -> None:
        while True:
            header = self._read(2)
            wire = None if header is None else self._read(int.from_bytes(header, "big"))
            if wire is None:
                return
            reply = self.server.dns_server._answer(wire, "tcp")
            if reply is not None:  # dropped: keep the connection open and never answer
                self.request.sendall(len(reply).to_bytes(2, "big") + reply)

    def _read(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            try:
                chunk = self.request.recv(size - len(data))
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data


def main(argv: list[str] | None = None) -> int:
    from .fixtures import (
        DEFAULT_ZONES,  # here, so importing the server does not import pytest
    )

    parser = argparse.ArgumentParser(prog="python -m tests.dns.server",
                                     description="Serve the test DNS zones on 127.0.0.1 (UDP and TCP).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    args = parser.parse_args(argv)
    server = DnsServer(DEFAULT_ZONES, port=args.port).start()
    try:
        print(f"serving {', '.join(DEFAULT_ZONES)} at {server.address}  "
              f"(dig @{server.host} -p {server.port} example.test SOA); Ctrl-C stops", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
