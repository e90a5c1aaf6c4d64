"""Resolve the host names a caller asks about."""

import socket


def resolve(host, port=443):
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def families(host, port=443):
    names = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
    return sorted({names.get(info[0], str(info[0])) for info in socket.getaddrinfo(host, port)})


def reachable(host, port=443, timeout=3.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
